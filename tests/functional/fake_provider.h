// A local fake SMS provider (fake_sms.py, under Debian's python3) for the
// functional tests: started on a free port in its mode (generic, smsru,
// twilio), it logs every request it got as a JSON line.
#pragma once

#include "bench/node_process.h"
#include "harness.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace kopilka::test {

namespace json = boost::json;

class FakeProvider {
public:
    FakeProvider(const std::string& mode, const std::string& secret, std::vector<std::string> extra = {}) {
        const std::filesystem::path script = std::filesystem::path(KOPILKA_SOURCE_DIR) / "tests" / "functional" / "fake_sms.py";
        std::vector<std::string> args{KOPILKA_PYTHON3,   script.string(), "--mode", mode, "--port-file",
                                      port_file().string(), "--log",      log_file().string(), "--secret", secret};
        args.insert(args.end(), extra.begin(), extra.end());
        pid_ = bench::spawn_process(args, dir_.path() / "stderr");
        REQUIRE(wait_until([&] { return std::filesystem::exists(port_file()); }, std::chrono::seconds(30)));
        port_ = static_cast<std::uint16_t>(std::stoi(read_text(port_file())));
    }
    ~FakeProvider() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    std::vector<boost::json::object> requests() const {
        std::vector<boost::json::object> out;
        std::ifstream in(log_file());
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
        return out;
    }

private:
    std::filesystem::path port_file() const { return dir_.path() / "port"; }
    std::filesystem::path log_file() const { return dir_.path() / "requests.jsonl"; }
    TempDir dir_{"kopilka-fake-sms"};
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

// Pauses short enough that a test sees several attempts in a second.
inline const std::vector<std::string> quick_retries = {"--outbox-retry-first-ms", "50", "--outbox-retry-max-ms", "200"};


inline std::string str(const json::value& v, std::string_view k) { return std::string(v.at(k).as_string()); }

inline json::array outbox(rpc::Client& admin, std::optional<std::string> state = std::nullopt) {
    json::object params{{"limit", 10'000}};
    if (state) params["state"] = *state;
    return admin.call("admin.outbox", params).at("messages").as_array();
}

// The outbox's message caused by transaction `tx`, once it is in `state`.
inline std::optional<json::object> wait_message(rpc::Client& admin, const std::string& tx, const std::string& state) {
    std::optional<json::object> found;
    wait_until(
        [&] {
            for (const auto& m : outbox(admin))
                if (m.at("tx") == json::value(tx) && str(m, "state") == state) {
                    found = m.as_object();
                    return true;
                }
            return false;
        },
        std::chrono::seconds(30));
    return found;
}

inline std::filesystem::path write_secret(const TempDir& dir, const std::string& secret) {
    const std::filesystem::path p = dir.path() / "sms.secret";
    std::ofstream(p) << secret << "\n";
    return p;
}

// A node whose SMS go out as `sms_args` say, with quick retries and, when
// `secret` is given, --sms-secret-file naming a file that holds it; U Volodi open.
struct SmsNode {
    static std::vector<std::string> args_of(const TempDir& dir, std::vector<std::string> sms_args,
                                            const std::string& secret) {
        if (!secret.empty()) {
            sms_args.push_back("--sms-secret-file");
            sms_args.push_back(write_secret(dir, secret).string());
        }
        sms_args.insert(sms_args.end(), quick_retries.begin(), quick_retries.end());
        return sms_args;
    }
    SmsNode(std::vector<std::string> sms_args, const std::string& secret)
        : node(args_of(secrets, std::move(sms_args), secret)) {
        cafe.open();
    }
    TempDir secrets{"kopilka-sms-secret"};
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe{c};
};

}  // namespace kopilka::test
