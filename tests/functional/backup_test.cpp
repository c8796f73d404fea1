// admin.backup (issue 18, "backups: a RocksDB checkpoint while serving"):
// a copy made while tills commit transfers is a data dir of its own that the
// offline audit accepts and kopilkad serves, ending exactly at the block the
// answer names, with the phone book beside it; the backup exists whole or not
// at all, and a wrong name or a missing token is refused with what to do.
#include "harness.h"

#include "bench/node_process.h"
#include "crypto/address.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <mutex>
#include <set>
#include <thread>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr auto generous = std::chrono::seconds(60);
constexpr std::size_t answered_before_backup = 20;
constexpr std::size_t answered_after_backup = 20;

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }
std::uint64_t u64(const json::value& v, std::string_view key) { return v.at(key).to_number<std::uint64_t>(); }

// kopilkad serving `data_dir` on a free port until destroyed.
struct Served {
    explicit Served(const fs::path& data_dir) : log(data_dir.parent_path() / (data_dir.filename().string() + ".log")) {
        port = bench::start_listening({KOPILKAD_BIN, "--datadir", data_dir.string(), "--port", "0"}, log,
                                      std::chrono::seconds(30), pid);
    }
    ~Served() {
        if (pid > 0) {
            ::kill(pid, SIGTERM);
            bench::wait_exit(pid);
        }
    }
    Served(const Served&) = delete;
    Served& operator=(const Served&) = delete;
    fs::path log;
    pid_t pid = -1;
    std::uint16_t port = 0;
};

}  // namespace

TEST_CASE("admin.backup while transfers commit: the copy verifies and serves the chain up to the block it names",
          "[node][backup]") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    const Account phone = cafe.phone("+7 900 000-00-01");
    cafe.give(cafe.masha, phone, 3'00, "welcome");
    const KeyPair receiver = KeyPair::generate();
    const Account to = Volodi::of(receiver);

    // Two tills commit 1.00 transfers, each waiting for its block, before,
    // during and after the backup.
    constexpr int tills = 2;
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<json::value> answered;
    std::vector<std::string> errors;
    std::vector<std::thread> threads;
    for (int t = 0; t < tills; ++t) {
        threads.emplace_back([&, t] {
            rpc::Client till = node.client();
            for (int k = 0; !stop; ++k) {
                const SignedTx stx = cafe.wallet.sign(
                    cafe.owner, Transfer{cafe.coin, cafe.treasury(), to, 1'00, std::to_string(t) + "/" + std::to_string(k)});
                try {
                    auto r = till.call("tx.submit", json::object{{"blob", TestWallet::blob(stx)}, {"wait", true}});
                    std::lock_guard lock(mu);
                    answered.push_back(r);
                } catch (const std::exception& e) {
                    std::lock_guard lock(mu);
                    errors.push_back(e.what());
                    return;
                }
            }
        });
    }
    auto answered_count = [&] {
        std::lock_guard lock(mu);
        return errors.empty() ? answered.size() : std::size_t(-1);
    };
    const bool warmed = wait_until([&] { return answered_count() >= answered_before_backup; }, generous);
    json::value made;
    std::string backup_error;
    if (warmed) {
        try {
            made = admin.call("admin.backup", json::object{{"name", "during-load"}});
        } catch (const std::exception& e) {
            backup_error = e.what();
        }
    }
    const std::size_t at_backup = answered_count();
    const bool after = wait_until([&] { return answered_count() >= at_backup + answered_after_backup; }, generous);
    stop = true;
    for (auto& th : threads) th.join();
    REQUIRE(warmed);
    REQUIRE(after);
    REQUIRE(errors.empty());
    INFO(backup_error);
    REQUIRE(made.is_object());

    const fs::path dir = fs::absolute(node.data_dir() / "backups" / "during-load");
    CHECK(str(made, "name") == "during-load");
    CHECK(fs::path(str(made, "dir")) == dir);
    CHECK(u64(made, "files") > 0);
    CHECK(u64(made, "bytes") > 0);
    const std::uint64_t height = u64(made, "height");
    // The block the backup ends at is the live chain's block at that height.
    CHECK(str(c.call("block.get", json::object{{"height", height}}), "hash") == str(made, "tip_hash"));
    // Whole, under its own name: no temporary copy is left beside it.
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(node.data_dir() / "backups")) names.push_back(e.path().filename());
    CHECK(names == std::vector<std::string>{"during-load"});
    CHECK_FALSE(fs::exists(dir / ".cookie"));
    CHECK((fs::status(dir).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);

    // The offline audit accepts the copy as it is.
    {
        auto [rc, out] = run_kopilkad({"verify", "--datadir", dir.string()});
        INFO(out);
        CHECK(rc == 0);
    }

    // Served, it is the chain up to that block: every transfer the tills were
    // told is committed at or below it is there at its place, none above it.
    // Served from a copy of the backup, so the backup itself stays as made.
    const fs::path served_dir = node.data_dir().parent_path() / "restored";
    fs::copy(dir, served_dir, fs::copy_options::recursive);
    Served served(served_dir);
    rpc::Client r("127.0.0.1", served.port, "");
    auto info = r.call("node.info");
    CHECK(u64(info, "height") == height);
    CHECK(str(info, "tip_hash") == str(made, "tip_hash"));
    CHECK(info.at("producer") == c.call("node.info").at("producer"));
    std::size_t below = 0, above = 0;
    for (const auto& a : answered) {
        auto got = r.call("tx.get", json::object{{"id", a.at("id")}});
        INFO(json::serialize(a) << " -> " << json::serialize(got));
        if (u64(a, "height") <= height) {
            ++below;
            CHECK(str(got, "status") == "committed");
            CHECK(got.at("index") == a.at("index"));
        } else {
            ++above;
            CHECK(str(got, "status") == "unknown");
        }
    }
    CHECK(below >= answered_before_backup);
    CHECK(above > 0);
    // The phone book came along: the copy still knows the number behind the
    // phone that holds coins (the outbox shows it, read from private/phones).
    rpc::Client restored_admin("127.0.0.1", served.port, read_text(served_dir / ".cookie").substr(0, 64));
    auto messages = restored_admin.call("admin.outbox", json::object{{"limit", 100}}).at("messages").as_array();
    bool number_known = false;
    for (const auto& m : messages) number_known = number_known || m.at("phone") == "+79000000001";
    CHECK(number_known);
}

TEST_CASE("admin.backup refuses a name in use, a name that is not one and a caller without the token, and leaves "
          "nothing behind",
          "[node][backup]") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    auto first = admin.call("admin.backup", json::object{{"name", "b.1_x-y"}});
    CHECK(str(first, "name") == "b.1_x-y");

    auto again = error_of(admin, "admin.backup", json::object{{"name", "b.1_x-y"}});
    CHECK(again.code == -32602);
    CHECK(std::string(again.what()).find("exists") != std::string::npos);
    for (const std::string& bad : std::vector<std::string>{"", "../x", ".hidden", "a/b", "-x", "имя", std::string(65, 'a')}) {
        INFO("name '" << bad << "'");
        auto e = error_of(admin, "admin.backup", json::object{{"name", bad}});
        CHECK(e.code == -32602);
        CHECK(std::string(e.what()).find("letters, digits") != std::string::npos);
    }
    CHECK(error_code_of(c, "admin.backup", json::object{{"name", "no-token"}}) == 2002);
    CHECK(error_code_of(admin, "admin.backup", json::object{}) == -32602);
    CHECK(str(admin.call("admin.backup", json::object{{"name", std::string(64, 'a')}}), "name") == std::string(64, 'a'));

    // Nothing but the two backups made: refusals leave no directory behind.
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(node.data_dir() / "backups")) names.insert(e.path().filename());
    CHECK(names == std::set<std::string>{"b.1_x-y", std::string(64, 'a')});
}
