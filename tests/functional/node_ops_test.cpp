// What an operator relies on (issue 3, "Running it" and "Serving"): health
// and metrics endpoints, configuration precedence (flag > environment >
// kopilkad.conf > default), --help, init refusing to overwrite, private file
// modes, a JSON-lines log with no secrets in it, and the phone rate limits
// that keep SMS from being abused (guessing is in phones_abuse_test).
#include "harness.h"

#include "crypto/address.h"
#include "ledger/block.h"
#include "ledger/types.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <regex>
#include <sys/stat.h>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

constexpr auto generous = std::chrono::seconds(20);

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

// Unsigned: `c` must carry the cookie (the operator's lookups need no signature).
std::string e164_of(rpc::Client& c, const std::string& typed) {
    return str(c.call("phone.lookup", json::object{{"phone", typed}}), "e164");
}

// The option names in a kopilkad.conf written by init ("# name = default" lines).
std::vector<std::string> config_option_names(const std::filesystem::path& conf) {
    std::vector<std::string> names;
    std::istringstream lines(read_text(conf));
    static const std::regex option_line(R"(^# ([a-z][a-z0-9-]*) = .*$)");
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_match(line, m, option_line)) names.push_back(m[1]);
    }
    return names;
}

std::string new_address() { return address_from_key(KeyPair::generate().public_key()); }

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + p.string());
    return st.st_mode & 0777;
}

// Scoped environment variable for the nodes this test starts.
struct SetEnv {
    std::string name;
    SetEnv(std::string n, const std::string& value) : name(std::move(n)) { ::setenv(name.c_str(), value.c_str(), 1); }
    ~SetEnv() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("GET /health and GET /metrics report the node's state, refusals by reason included") {
    NodeProcess node;
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    // Two refusals of different reasons: one by the ledger, one at decoding.
    CHECK(error_of(c, "tx.submit",
                   json::object{{"blob", TestWallet::blob(cafe.wallet.sign(
                                             cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), cafe.treasury(),
                                                                  900'00, "more than Masha has"}))},
                                {"wait", true}})
              .code == rpc::refusal_code_base + static_cast<int>(Refusal::insufficient_balance));
    CHECK(error_of(c, "tx.submit", json::object{{"blob", "AAAA"}}).code ==
          rpc::refusal_code_base + static_cast<int>(Refusal::malformed));
    const auto info = c.call("node.info");

    auto health = c.get("/health");
    CHECK(health.status == 200);
    CHECK(health.content_type.rfind("application/json", 0) == 0);
    auto h = json::parse(health.body);
    CHECK(h.at("status") == "ok");
    CHECK(h.at("height") == info.at("height"));
    CHECK(h.at("chain_id") == info.at("chain_id"));

    auto res = c.get("/metrics");
    CHECK(res.status == 200);
    CHECK(res.content_type.rfind("text/plain", 0) == 0);
    const std::string& m = res.body;
    INFO(m);
    // Every line is Prometheus text: a comment, or "name{labels} value".
    static const std::regex sample(R"(^(# (HELP|TYPE) [a-z_]+ .*|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (-?[0-9.e+-]+|\+Inf|NaN))$)");
    std::istringstream lines(m);
    for (std::string line; std::getline(lines, line);) {
        INFO("line: " << line);
        CHECK(std::regex_match(line, sample));
    }
    CHECK(metric(m, "kopilka_block_height") == info.at("height").to_number<double>());
    const std::size_t open_txs = cafe.tx_ids.size();
    REQUIRE(metric(m, "kopilka_tx_accepted_total"));
    CHECK(*metric(m, "kopilka_tx_accepted_total") >= static_cast<double>(open_txs));
    CHECK(metric(m, "kopilka_tx_refused_total", R"(reason="insufficient_balance")") == 1.0);
    CHECK(metric(m, "kopilka_tx_refused_total", R"(reason="malformed")") == 1.0);
    CHECK(metric(m, "kopilka_mempool_length") == 0.0);  // every submission above waited or was refused at once
    REQUIRE(metric(m, "kopilka_connections"));
    CHECK(*metric(m, "kopilka_connections") >= 1.0);  // this client's
    CHECK(m.find("# TYPE kopilka_commit_latency_seconds histogram") != std::string::npos);
    // The histogram: cumulative buckets, +Inf equal to the count, one per committed transaction.
    double previous = 0;
    std::size_t buckets = 0;
    for (const char* le : {"0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5", "+Inf"}) {
        auto v = metric(m, "kopilka_commit_latency_seconds_bucket", std::string("le=\"") + le + "\"");
        INFO("bucket le=" << le);
        REQUIRE(v);
        CHECK(*v >= previous);
        previous = *v;
        ++buckets;
    }
    CHECK(buckets == 13);
    CHECK(previous == metric(m, "kopilka_commit_latency_seconds_count"));
    CHECK(previous >= static_cast<double>(open_txs));
    REQUIRE(metric(m, "kopilka_commit_latency_seconds_sum"));

    // Health is GET only, like metrics.
    CHECK(c.post("/health", "{}").status == 405);
}

TEST_CASE("node.info's tip_header is the tip's signed header: null at height 0, then block.raw's first 213 bytes, across a restart") {
    NodeProcess node;
    CHECK(node.client().call("node.info").at("tip_header").is_null());
    {
        rpc::Client c = node.client();
        Volodi cafe(c);
        cafe.open();
    }
    auto check_tip = [&] {
        rpc::Client c = node.client();
        const auto info = c.call("node.info");
        const auto height = info.at("height").to_number<std::uint64_t>();
        REQUIRE(height >= 1);
        auto head = from_base64url(std::string(info.at("tip_header").as_string()));
        REQUIRE(head);
        CHECK(head->size() == 213);
        auto raw = from_base64url(std::string(c.call("block.raw", json::object{{"height", height}}).at("block").as_string()));
        REQUIRE(raw);
        REQUIRE(raw->size() >= 213);
        CHECK(Bytes(raw->begin(), raw->begin() + 213) == *head);
        auto b = ledger::decode_block_head(*head);
        REQUIRE(b);
        CHECK(to_hex(ledger::block_hash(b->header)) == info.at("tip_hash").as_string());
    };
    check_tip();
    node.stop();
    node.start();  // the signature is read back from the stored tip block
    check_tip();
}

TEST_CASE("node.info says the node's default country, the calling code it puts before a number typed without one") {
    NodeProcess node;
    CHECK(node.client().call("node.info").at("default_country").as_string() == "7");
    node.stop();
    node.set_extra_args({"--default-country", "44"});
    node.start();
    rpc::Client c = node.client();
    CHECK(c.call("node.info").at("default_country").as_string() == "44");
}

TEST_CASE("a test network's clock set days behind by clock-offset-s: the genesis and node.info follow it, a restart without it goes back to the wall clock") {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    using std::chrono::system_clock;
    const auto wall_ms = [] {
        return static_cast<std::int64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
    };
    constexpr std::int64_t days_behind = 8;
    constexpr std::int64_t offset_ms = -days_behind * 86'400'000;
    constexpr std::int64_t slack_ms = 120'000;  // a slow (sanitized) start, not a day
    const auto near = [&](std::int64_t got, std::int64_t want) { return got > want - slack_ms && got < want + slack_ms; };

    std::optional<NodeProcess> node;
    {
        SetEnv offset("KOPILKAD_CLOCK_OFFSET_S", std::to_string(offset_ms / 1000));  // init and run both read it
        node.emplace();
    }
    rpc::Client c = node->client();
    CHECK(near(c.call("node.info").at("time_ms").to_number<std::int64_t>(), wall_ms() + offset_ms));
    const auto genesis_bytes = from_base64url(std::string(c.call("chain.genesis").at("genesis").as_string()));
    REQUIRE(genesis_bytes);
    const auto genesis_ms = static_cast<std::int64_t>(decode_genesis(*genesis_bytes).time_ms);
    CHECK(near(genesis_ms, wall_ms() + offset_ms));
    CHECK(node->log().find("\"clock.offset\"") != std::string::npos);

    node->stop();
    node->start();  // the environment no longer sets it: the wall clock again
    rpc::Client again = node->client();
    CHECK(near(again.call("node.info").at("time_ms").to_number<std::int64_t>(), wall_ms()));
    Volodi cafe(again);
    cafe.open();
    const auto opened_at = again.call("node.info").at("tip_time_ms").to_number<std::int64_t>();
    CHECK(near(opened_at, wall_ms()));
    CHECK(opened_at > genesis_ms + (days_behind - 1) * 86'400'000);

    auto [rc, out] = run_kopilkad({"init", "--datadir", (node->data_dir().parent_path() / "far").string(),
                                   "--clock-offset-s", "-400000000"});
    CHECK(rc == 2);
    CHECK(out.find("--clock-offset-s must be within") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(node->data_dir().parent_path() / "far"));
}

TEST_CASE("configuration: the environment and kopilkad.conf beat the default, a flag beats both, and the file alone sets port and log level") {
    NodeProcess node;
    rpc::Client c = node.client(true);  // the operator looks numbers up unsigned
    // A number typed without a country code shows which default country applied.
    const std::string national = "020 7946 0000";
    CHECK(e164_of(c, national).rfind("+7", 0) == 0);  // the default, 7
    REQUIRE(node.stop() == 0);

    {
        SetEnv env("KOPILKAD_DEFAULT_COUNTRY", "49");
        node.start();
        c = node.client(true);
        CHECK(e164_of(c, national) == "+492079460000");  // environment > default
        REQUIRE(node.stop() == 0);
    }

    // The file: default-country 44, and a port and log level that the
    // harness's own flags (--port 0, --log-level info) override.
    const std::uint16_t file_port = free_port();
    {
        std::ofstream conf(node.data_dir() / "kopilkad.conf", std::ios::app);
        conf << "\ndefault-country = 44\nlog-level = warn\nport = " << file_port << "\n";
    }
    node.set_extra_args({"--log-level", "info"});
    node.start();
    c = node.client(true);
    CHECK(e164_of(c, national) == "+442079460000");  // file > default
    CHECK(node.port() != file_port);                 // flag --port 0 > file
    // And flag --log-level info > file's warn: start() found the port in the
    // info-level "server.listening" line.
    REQUIRE(node.stop() == 0);

    {
        SetEnv env("KOPILKAD_DEFAULT_COUNTRY", "49");
        SetEnv env_level("KOPILKAD_LOG_LEVEL", "error");
        node.set_extra_args({"--log-level", "info", "--default-country", "1"});
        node.start();  // --log-level info beats the environment's error, or start() would not see the port
        c = node.client(true);
        CHECK(e164_of(c, national) == "+12079460000");  // flag > environment and file
        REQUIRE(node.stop() == 0);
    }

    // The file alone: kopilkad started with nothing but --datadir listens on
    // the file's port and logs at the file's level (warn: no info lines).
    const auto out = node.data_dir().parent_path() / "file-only.log";
    const pid_t pid = spawn_kopilkad({"--datadir", node.data_dir().string()}, out);
    rpc::Client by_file("127.0.0.1", file_port);
    by_file.set_timeout(std::chrono::seconds(2));
    const bool up = wait_until(
        [&] {
            try {
                return by_file.call("node.info").is_object();
            } catch (const std::exception&) {
                return false;
            }
        },
        generous);
    if (up) {
        std::string token = read_text(node.data_dir() / ".cookie");
        while (!token.empty() && token.back() == '\n') token.pop_back();
        rpc::Client by_file_admin("127.0.0.1", file_port, token);
        CHECK(e164_of(by_file_admin, national) == "+442079460000");
    }
    ::kill(pid, SIGTERM);
    CHECK(wait_child(pid) == 0);
    REQUIRE(up);
    const std::string log = read_text(out);
    INFO(log);
    CHECK(log.find(R"("level":"info")") == std::string::npos);
}

// The documented order is flag > environment > file. CLI11 2.1 alone reads
// the config file first and fills from the environment only what is unset;
// main.cpp applies the environment over the file, and this proves it.
TEST_CASE("configuration: the environment beats kopilkad.conf", "[node][config]") {
    NodeProcess node;
    REQUIRE(node.stop() == 0);
    {
        std::ofstream conf(node.data_dir() / "kopilkad.conf", std::ios::app);
        conf << "\ndefault-country = 44\nclaim-code-ttl-s = 100\n";
    }
    SetEnv env("KOPILKAD_DEFAULT_COUNTRY", "49");
    SetEnv env_ttl("KOPILKAD_CLAIM_CODE_TTL_S", "200");
    node.start();
    rpc::Client c = node.client(true);  // the operator looks numbers up unsigned
    CHECK(e164_of(c, "020 7946 0000") == "+492079460000");
    CHECK(c.call("phone.claim.request", json::object{{"phone", "+7 900 000-00-01"}}).at("expires_in_s") == 200);
}

TEST_CASE("kopilkad --help lists every option, its environment name, the subcommands and the exit codes") {
    TempDir tmp("kopilkad-help");
    const auto dir = tmp.path() / "data";
    REQUIRE(run_kopilkad({"init", "--datadir", dir.string()}).first == 0);
    const auto options = config_option_names(dir / "kopilkad.conf");
    REQUIRE(options.size() >= 20);  // the template lists every run option

    auto [rc, help] = run_kopilkad({"--help"});
    CHECK(rc == 0);
    INFO(help);
    for (const auto& name : options) {
        INFO("option " << name);
        CHECK(help.find("--" + name) != std::string::npos);
        std::string env = "KOPILKAD_";
        for (char ch : name) env += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        CHECK(help.find(env) != std::string::npos);
    }
    for (const char* s : {"--datadir", "--config", "--version", "init", "run", "verify", "rpc-doc"}) {
        INFO(s);
        CHECK(help.find(s) != std::string::npos);
    }
    const auto exit_codes = help.find("Exit codes");
    REQUIRE(exit_codes != std::string::npos);
    for (const char* code : {"0 ", "1 ", "2 "}) CHECK(help.find(code, exit_codes) != std::string::npos);
    CHECK(help.find("flag beats the environment") != std::string::npos);  // the documented order

    auto [vrc, version] = run_kopilkad({"--version"});
    CHECK(vrc == 0);
    CHECK(version.find("0.1.0") != std::string::npos);
    CHECK(run_kopilkad({"--no-such-flag"}).first == 2);
    auto [nrc, nodir] = run_kopilkad({"verify"});
    CHECK(nrc == 2);
    CHECK(nodir.find("--datadir") != std::string::npos);
}

TEST_CASE("kopilkad init refuses an existing data dir and leaves it as it was") {
    NodeProcess node;
    const auto chain_id = node.client().call("node.info").at("chain_id");
    REQUIRE(node.stop() == 0);
    const auto dir = node.data_dir();
    std::map<std::string, std::string> before;
    for (const char* f : {"keys/producer.key", "keys/attestor.key", "keys/passphrase", "phone.secret", "kopilkad.conf"})
        before[f] = read_text(dir / f);

    auto [rc, out] = run_kopilkad({"init", "--datadir", dir.string()});
    CHECK(rc == 1);
    CHECK(out.find("already exists") != std::string::npos);
    CHECK(out.find(dir.string()) != std::string::npos);  // says which
    for (const auto& [f, text] : before) {
        INFO(f);
        CHECK(read_text(dir / f) == text);
    }
    node.start();
    CHECK(node.client().call("node.info").at("chain_id") == chain_id);
}

TEST_CASE("kopilkad init refuses a dir an earlier init left without a ledger, and overwrites no key or secret") {
    // What a half-finished init (or a ledger moved away) leaves: keys that
    // may have signed, the phone secret every reference was made with, the
    // book of numbers. Each alone is enough for init to refuse.
    for (const char* kept : {"keys", "phone.secret", "private"}) {
        INFO(kept);
        TempDir scratch("kopilkad-reinit");
        const std::filesystem::path dir = scratch.path() / "node";
        auto [rc0, out0] = run_kopilkad({"init", "--datadir", dir.string()});
        REQUIRE(rc0 == 0);
        // A fresh init's private/ is empty (no number asked yet): a node that
        // ran has its book there.
        std::ofstream(dir / "private" / "phones") << "a line of the book\n";
        // Everything but `kept` (and the config) goes: the ledger first.
        for (const char* f : {"ledger", "keys", "phone.secret", "private"})
            if (std::string_view(f) != kept) std::filesystem::remove_all(dir / f);
        std::map<std::string, std::string> before;
        for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
            if (e.is_regular_file()) before[e.path().string()] = read_text(e.path());
        REQUIRE(!before.empty());

        auto [rc, out] = run_kopilkad({"init", "--datadir", dir.string()});
        CHECK(rc == 1);
        CHECK(out.find("already exists") != std::string::npos);
        CHECK(out.find((dir / kept).string()) != std::string::npos);  // says which
        std::map<std::string, std::string> after;
        for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
            if (e.is_regular_file()) after[e.path().string()] = read_text(e.path());
        CHECK(after == before);  // nothing rewritten, nothing added
        CHECK(!std::filesystem::exists(dir / "ledger"));
    }
}

TEST_CASE("secret files are private to the node's user, and the JSON-lines log holds no secret") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    const Account phone = cafe.phone("+7 900 000-00-01");
    cafe.give(cafe.masha, phone, 3'00);
    auto link_code = request_claim_code(c, admin, "+79000000001");
    REQUIRE(link_code);
    CHECK(c.call("phone.claim.request", json::object{{"phone", "+7 900 000-00-02"}}).at("sent") == true);
    auto asked_code = claim_code_from_outbox(admin, "+79000000002");
    REQUIRE(asked_code);
    // A wrong code tried and a right one used: neither may be logged.
    CHECK(error_of(c, "phone.claim.confirm",
                   json::object{{"phone", "+79000000002"}, {"code", "000000"}, {"key", new_address()}})
              .code == rpc::code_invalid);
    const std::string token = node.admin_token();
    REQUIRE(node.stop() == 0);

    const auto dir = node.data_dir();
    for (const char* f : {"keys/passphrase", "keys/producer.key", "keys/attestor.key", "phone.secret", ".cookie",
                          "private/phones", "private/outbox.jsonl"}) {
        INFO(f << " mode " << std::oct << mode_of(dir / f));
        CHECK((mode_of(dir / f) & 077) == 0);
    }
    for (const char* d : {"keys", "private"}) {
        INFO(d << " mode " << std::oct << mode_of(dir / d));
        CHECK((mode_of(dir / d) & 077) == 0);
    }

    const std::string log = node.log();
    std::istringstream lines(log);
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line);) {
        INFO("log line: " << line);
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        CHECK(!ec);
        if (ec) continue;
        REQUIRE(v.is_object());
        CHECK(v.as_object().contains("ts_ms"));
        CHECK(v.as_object().contains("level"));
        CHECK(v.as_object().contains("event"));
        ++count;
    }
    CHECK(count >= 4);  // at least node.open, server.listening, node.stopping, node.stopped

    auto passphrase = read_text(dir / "keys" / "passphrase");
    while (!passphrase.empty() && passphrase.back() == '\n') passphrase.pop_back();
    REQUIRE(passphrase.size() >= 32);
    auto secret = read_text(dir / "phone.secret");
    while (!secret.empty() && secret.back() == '\n') secret.pop_back();
    CHECK(log.find(token) == std::string::npos);
    CHECK(log.find(passphrase) == std::string::npos);
    CHECK(log.find(secret) == std::string::npos);
    // Codes are six digits: look for them standing alone, not inside a timestamp.
    for (const auto& code : {*link_code, *asked_code}) {
        INFO("claim code " << code);
        CHECK_FALSE(std::regex_search(log, std::regex("(^|[^0-9])" + code + "([^0-9]|$)")));
    }
    // Phone numbers are masked in the log.
    CHECK(log.find("79000000001") == std::string::npos);
    CHECK(log.find("79000000002") == std::string::npos);
}

TEST_CASE("a wrong or missing keystore passphrase stops the start, and no error echoes a passphrase") {
    TempDir tmp("kopilkad-passphrase");
    const auto dir = tmp.path() / "data";
    const std::string right = "right-passphrase-4f1c9a7e2b";
    const std::string wrong = "wrong-passphrase-8d3e0b6a91";
    {
        SetEnv env("KOPILKAD_PASSPHRASE", right);
        auto [rc, out] = run_kopilkad({"init", "--datadir", dir.string(), "--chain-name", "passphrase-test"});
        INFO(out);
        REQUIRE(rc == 0);
        CHECK(out.find(right) == std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(dir / "keys" / "passphrase"));  // given by the environment: not written
    {
        SetEnv env("KOPILKAD_PASSPHRASE", wrong);
        auto [rc, out] = run_kopilkad({"--datadir", dir.string(), "--port", "0"});
        INFO(out);
        CHECK(rc != 0);
        CHECK_THAT(out, Catch::Contains("producer key"));
        CHECK(out.find(wrong) == std::string::npos);
        CHECK(out.find(right) == std::string::npos);
    }
    {
        auto [rc, out] = run_kopilkad({"--datadir", dir.string(), "--port", "0"});
        INFO(out);
        CHECK(rc != 0);
        CHECK_THAT(out, Catch::Contains("KOPILKAD_PASSPHRASE"));
        CHECK(out.find(right) == std::string::npos);
    }
}

TEST_CASE("phone.lookup is rate limited per client address") {
    NodeProcess node({"--phone-lookups-per-minute", "3"});
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    for (int i = 1; i <= 3; ++i)
        CHECK(str(signed_lookup(c, cafe.wallet.chain(), cafe.masha, "+7 900 000-00-0" + std::to_string(i)), "e164") ==
              "+7900000000" + std::to_string(i));
    std::string what;
    try {
        signed_lookup(c, cafe.wallet.chain(), cafe.petya, "+7 900 000-00-04");
    } catch (const rpc::Error& e) {
        CHECK(e.code == rpc::rate_limited);
        what = e.what();
    }
    INFO(what);
    CHECK(what.find("minute") != std::string::npos);
    // Another connection from the same address, and another key, share the budget.
    rpc::Client other = node.client();
    CHECK_THROWS_AS(signed_lookup(other, cafe.wallet.chain(), cafe.owner, "+7 900 000-00-01"), rpc::Error);
    // The rest of the API is not limited by it.
    CHECK(c.call("node.info").is_object());
}

// Guessing codes from one address and from many is in phones_abuse_test.
TEST_CASE("claim codes: limited per phone and per address, and a code belongs to its phone") {
    NodeProcess node({"--claim-codes-per-phone-per-hour", "2", "--claim-codes-per-ip-per-hour", "6"});
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    auto request = [&](const std::string& phone) { return c.call("phone.claim.request", json::object{{"phone", phone}}); };
    auto confirm = [&](const std::string& phone, const std::string& code) {
        return c.call("phone.claim.confirm",
                      json::object{{"phone", phone}, {"code", code}, {"key", new_address()}});
    };
    auto wrong = [](const std::string& code) {
        std::string w = code;
        w.back() = w.back() == '9' ? '0' : static_cast<char>(w.back() + 1);
        return w;
    };
    int granted = 0;

    // Four wrong tries, then the right code: it still works.
    CHECK(request("+79000000011").at("sent") == true);
    ++granted;
    auto code11 = claim_code_from_outbox(admin, "+79000000011");
    REQUIRE(code11);
    for (int i = 0; i < 4; ++i)
        CHECK(error_of(c, "phone.claim.confirm",
                       json::object{{"phone", "+79000000011"}, {"code", wrong(*code11)}, {"key", new_address()}})
                  .code == rpc::code_invalid);
    CHECK(confirm("+79000000011", *code11).at("attestation").is_string());

    // A code belongs to its phone, and is never echoed.
    CHECK(request("+79000000012").at("sent") == true);
    ++granted;
    auto code12 = claim_code_from_outbox(admin, "+79000000012");
    REQUIRE(code12);
    auto wrong_phone = error_of(c, "phone.claim.confirm",
                                json::object{{"phone", "+79000000011"}, {"code", *code12}, {"key", new_address()}});
    CHECK(wrong_phone.code == rpc::code_invalid);
    CHECK(std::string(wrong_phone.what()).find(*code12) == std::string::npos);
    CHECK(confirm("+79000000012", *code12).at("attestation").is_string());

    // Per phone: two codes an hour, the third is refused and names the phone.
    CHECK(request("+79000000013").at("sent") == true);
    CHECK(request("+79000000013").at("sent") == true);
    granted += 2;
    auto per_phone = error_of(c, "phone.claim.request", json::object{{"phone", "+79000000013"}});
    CHECK(per_phone.code == rpc::rate_limited);
    CHECK(std::string(per_phone.what()).find("phone") != std::string::npos);

    // Per address: fresh phones until the address's budget (6) is spent.
    std::string refusal;
    for (int i = 20; i < 30 && refusal.empty(); ++i) {
        try {
            request("+790000000" + std::to_string(i));
            ++granted;
        } catch (const rpc::Error& e) {
            CHECK(e.code == rpc::rate_limited);
            refusal = e.what();
        }
    }
    INFO(refusal);
    CHECK(refusal.find("address") != std::string::npos);
    CHECK(granted <= 6);
}
