// An auditor from anywhere (issue 18): `kopilkad follow <url>` replicates a
// producer's chain through its public JSON-RPC alone, with no key or secret,
// verifying every block, and serves a read-only copy.
//
//  - The copy equals the producer's (tip, state digest, balances, history,
//    venue figures), WebSocket subscribers hear of new blocks from it, every
//    writing method answers 2010 `follower` and POST /media 403, the data dir
//    holds no key, and a restarted follower resumes from its own ledger,
//    which `kopilkad verify` passes.
//  - A source (a lying proxy in front of the producer) serving a block whose
//    transaction signature was bent: exit 5, nothing of the block kept; the
//    honest producer then brings it up to date.
//  - Pointed at another chain's node after it synced: exit 6.
//  - Its source put back to an older copy of its data dir: exit 7 with the
//    rollback's proof; grown again with other blocks at the same heights:
//    exit 7 with the equivocation's proof, two headers the producer signed
//    at one height. A follower holding a proof does not start over it.
#include "harness.h"

#include "../cli/lying_node.h"
#include "bench/node_process.h"
#include "crypto/address.h"
#include "ledger/block.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <thread>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr auto generous = std::chrono::seconds(30);
constexpr const char* poll_ms = "100";

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }
bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }
std::uint64_t height_of(rpc::Client& c) { return c.call("node.info").at("height").to_number<std::uint64_t>(); }

// A kopilkad child; SIGKILLed if a test ends while it runs.
struct Child {
    pid_t pid = -1;
    fs::path log;
    ~Child() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            wait_child(pid);
        }
    }
    // Starts `kopilkad ARGS` and waits for it to listen; returns its port.
    std::uint16_t start(const std::vector<std::string>& args) {
        std::vector<std::string> full{KOPILKAD_BIN};
        full.insert(full.end(), args.begin(), args.end());
        return bench::start_listening(full, log, generous, pid);
    }
    // Starts `kopilkad ARGS` without waiting for anything.
    void spawn(const std::vector<std::string>& args) { pid = spawn_kopilkad(args, log); }
    int stop(int sig = SIGTERM) {
        ::kill(pid, sig);
        const int rc = wait_child(pid);
        pid = -1;
        return rc;
    }
    // Its exit status once it exits by itself, or -1 if still running after `timeout`.
    int exited_within(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            if (std::chrono::steady_clock::now() >= deadline) return -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    std::string output() const { return read_text(log); }
};

// A producer on a port of its own, so that it comes back at the same URL
// after its data dir is swapped for another.
struct Producer {
    explicit Producer(const std::string& chain_name) {
        auto [rc, out] = run_kopilkad({"init", "--datadir", data.string(), "--chain-name", chain_name});
        if (rc != 0) throw std::runtime_error("kopilkad init failed: " + out);
        proc.log = dir.path() / "producer.log";
        start();
    }
    void start() { proc.start({"--datadir", data.string(), "--port", std::to_string(port)}); }
    void stop() { REQUIRE(proc.stop() == 0); }
    rpc::Client client() const { return rpc::Client("127.0.0.1", port); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

    TempDir dir{"kopilka-follow-producer"};
    fs::path data = dir.path() / "data";
    std::uint16_t port = free_port();
    Child proc;
};

struct Follower {
    Follower() { proc.log = dir.path() / "follower.log"; }
    std::vector<std::string> args(const std::string& url) const {
        return {"follow", url, "--datadir", data.string(), "--port", "0", "--follow-poll-ms", poll_ms};
    }
    void start(const std::string& url) { port = proc.start(args(url)); }
    void spawn(const std::string& url) { proc.spawn(args(url)); }
    rpc::Client client() const { return rpc::Client("127.0.0.1", port); }

    TempDir dir{"kopilka-follower"};
    fs::path data = dir.path() / "data";
    std::uint16_t port = 0;
    Child proc;
};

// Waits until the follower holds the producer's tip.
void wait_synced(rpc::Client& producer, rpc::Client& follower) {
    const auto info = producer.call("node.info");
    const bool synced = wait_until(
        [&] { return follower.call("node.info").at("tip_hash") == info.at("tip_hash"); }, generous);
    INFO("producer at " << info.at("height") << ", follower at " << height_of(follower));
    REQUIRE(synced);
}

// The proof file's first line (its JSON), and a header in it checked: it
// decodes, names its height and hash, and the chain's producer signed it.
json::object proof_of(const Follower& f) {
    const std::string text = read_text(f.data / "follow" / "proof");
    REQUIRE_FALSE(text.empty());
    return json::parse(text.substr(0, text.find('\n'))).as_object();
}
Block checked_header(const json::value& h, const ChainId& chain, const std::string& producer) {
    auto raw = from_base64url(str(h, "signed_header"));
    REQUIRE(raw);
    auto b = decode_block_head(*raw);
    REQUIRE(b);
    CHECK(b->header.height == h.at("height").to_number<std::uint64_t>());
    CHECK(to_hex(block_hash(b->header)) == str(h, "hash"));
    CHECK(address_from_key(b->header.producer) == producer);
    CHECK(verify_block_signature(*b, chain));
    return *b;
}

// A story on the producer: U Volodi, a barista's bonus to a phone and to a
// key, a coffee redeemed from the key's voucher.
struct Story {
    explicit Story(rpc::Client& c) : v(c) {
        v.open();
        phone = v.phone("+7 900 000-00-01");
        v.give(v.masha, phone, 300, "welcome");
        v.give(v.masha, Volodi::of(client), 500);
        const Voucher coffee = v.wallet.voucher(client, v.coin, 1, 100, Volodi::of(client));
        v.wallet.submit(v.wallet.sign(v.petya, Redeem{v.coin, coffee}));
    }
    Volodi v;
    KeyPair client = KeyPair::generate();
    Account phone;
    std::vector<Account> accounts() const {
        return {v.treasury(), Volodi::of(v.masha), Volodi::of(v.petya), Volodi::of(client), phone};
    }
};

}  // namespace

TEST_CASE("kopilkad follow copies a producer's chain over its public RPC, serves it read-only and resumes after a "
          "restart",
          "[follow]") {
    Producer p("kopilka-functional");
    auto pc = p.client();
    Story story(pc);

    Follower f;
    f.start(p.url());
    auto fc = f.client();
    wait_synced(pc, fc);

    // The same chain, state and figures, from the follower's own copy.
    const auto pi = pc.call("node.info"), fi = fc.call("node.info");
    for (const char* k : {"chain_id", "chain_name", "height", "tip_hash", "tip_header", "state_digest", "producer"}) {
        INFO("node.info " << k);
        CHECK(fi.at(k) == pi.at(k));
    }
    for (const Account& a : story.accounts()) {
        const json::object q{{"account", account_text(a)}};
        CHECK(fc.call("account.balances", q) == pc.call("account.balances", q));
        CHECK(fc.call("account.history", q) == pc.call("account.history", q));
    }
    const json::object venue{{"ticker", story.v.coin}};
    CHECK(fc.call("venue.get", venue) == pc.call("venue.get", venue));
    CHECK(fc.call("venue.stats", venue) == pc.call("venue.stats", venue));
    CHECK(fc.call("venue.history", venue) == pc.call("venue.history", venue));
    for (std::uint64_t h = 1; h <= height_of(pc); ++h) {
        const json::object q{{"height", h}};
        CHECK(fc.call("block.raw", q) == pc.call("block.raw", q));
    }
    const json::object tx{{"id", story.v.tx_ids.back()}};
    CHECK(fc.call("tx.get", tx) == pc.call("tx.get", tx));

    // Subscribers hear of the source's new blocks from the follower.
    rpc::WsClient ws("127.0.0.1", f.port);
    ws.call("subscribe", json::object{{"topic", "account"}, {"account", account_text(story.phone)}});
    const auto sent = story.v.give(story.v.petya, story.phone, 200, "again");
    std::optional<std::string> note = ws.receive(generous);
    REQUIRE(note);
    const json::value n = json::parse(*note);
    CHECK(n.at("method") == "subscription");
    CHECK(n.at("params").at("result").at("id") == sent.at("id"));
    wait_synced(pc, fc);
    CHECK(fc.call("account.balances", json::object{{"account", account_text(story.phone)}}) ==
          pc.call("account.balances", json::object{{"account", account_text(story.phone)}}));

    // Every method that writes, or needs the source's secrets, is refused.
    const std::string blob =
        TestWallet::blob(story.v.wallet.sign(story.v.masha, Transfer{story.v.coin, Volodi::of(story.v.masha),
                                                                     story.phone, 100, ""}));
    for (const auto& [method, params] : std::vector<std::pair<std::string, json::object>>{
             {"tx.submit", {{"blob", blob}, {"wait", true}}},
             {"phone.claim.request", {{"phone", "+79000000001"}}},
             {"phone.claim.confirm",
              {{"phone", "+79000000001"}, {"code", "123456"}, {"key", address_from_key(story.client.public_key())}}},
             {"phone.lookup", {}},
             {"invite.get", {{"id", std::string(32, '0')}}},
             {"sms.credits", {{"ticker", story.v.coin}}},
             {"admin.outbox", {}},
             {"admin.stop", {}}}) {
        INFO(method);
        const rpc::Error e = error_of(fc, method, params);
        CHECK(e.code == 2010);
        CHECK(has(e.what(), "follower"));
        CHECK(e.data.at("reason") == "follower");
        CHECK(e.data.at("source") == json::value(p.url()));
    }
    CHECK(height_of(pc) == height_of(fc));  // the refused transfer went nowhere
    const auto upload = fc.post("/media", std::string(64, 'x'), "image/png");
    CHECK(upload.status == 403);
    CHECK(has(upload.body, "follower"));
    // The method table says which (rpc.discover, served by the follower too).
    const json::value discovered = fc.call("rpc.discover");
    for (const auto& m : discovered.at("methods").as_array())
        if (m.at("name") == "tx.submit" || m.at("name") == "admin.stop")
            CHECK(m.at("x-kopilka").at("follower_refuses") == true);
        else if (m.at("name") == "node.info" || m.at("name") == "block.raw")
            CHECK(m.at("x-kopilka").at("follower_refuses") == false);
    const auto health = json::parse(fc.get("/health").body);
    CHECK(health.at("status") == "ok");
    CHECK(health.at("source") == json::value(p.url()));
    CHECK(health.at("source_height") == pi.at("height").to_number<std::uint64_t>() + 1);

    // No secrets: no keys, no phone secret, no private book, no admin cookie.
    for (const char* name : {"keys", "phone.secret", "private", ".cookie"}) {
        INFO(name);
        CHECK_FALSE(fs::exists(f.data / name));
    }
    CHECK(fs::exists(f.data / "follow" / "known_tip"));

    // A restart resumes from the follower's own ledger, then catches up.
    CHECK(f.proc.stop() == 0);
    story.v.give(story.v.masha, Volodi::of(story.client), 100, "while away");
    story.v.give(story.v.petya, Volodi::of(story.client), 100, "while away");
    f.start(p.url());
    fc = f.client();
    wait_synced(pc, fc);
    CHECK(fc.call("node.info").at("state_digest") == pc.call("node.info").at("state_digest"));
    const std::string log = f.proc.output();
    CHECK(has(log, "\"event\":\"follow.started\",\"source\":\"" + p.url() + "\",\"height\":" +
                       std::to_string(pi.at("height").to_number<std::uint64_t>() + 1)));
    CHECK(f.proc.stop() == 0);

    // The copy is a ledger the offline audit passes, record for record.
    auto [rc, out] = run_kopilkad({"verify", "--datadir", f.data.string()});
    INFO(out);
    CHECK(rc == 0);
    CHECK(has(out, "OK: every link, signature, rule, root and state digest verified"));
    CHECK(has(out, "venue aggregates:"));
}

TEST_CASE("kopilkad follow exits 5 when its source serves a block that fails verification, keeping none of it",
          "[follow]") {
    Producer p("kopilka-functional");
    auto pc = p.client();
    Volodi(pc).open();
    const std::uint64_t bad = 5;
    // The first record of block 5 with a byte of its signature (the blob's
    // last 64 bytes, the record's last) flipped.
    LyingNode liar(p.port, [&](const std::string& method, const json::value& params, json::value& result) {
        if (method != "block.raw" || params.at("height").to_number<std::uint64_t>() != bad) return;
        json::value& rec = result.at("txs").as_array().at(0);
        auto raw = from_base64url(rec.as_string());
        raw->back() ^= 0x01;
        rec = to_base64url(*raw);
    });
    Follower f;
    f.spawn("http://127.0.0.1:" + std::to_string(liar.port()));
    const int rc = f.proc.exited_within(generous);
    const std::string out = f.proc.output();
    INFO(out);
    CHECK(rc == 5);
    CHECK(has(out, "following stopped (block_refused)"));
    CHECK(has(out, "block " + std::to_string(bad) + ": transaction 0 ("));
    CHECK(has(out, "a signature does not verify"));
    CHECK(has(out, "\"event\":\"follow.block_refused\""));
    CHECK(has(out, "\"fault\":\"tx_signature\""));
    CHECK_FALSE(fs::exists(f.data / "follow" / "proof"));
    {
        auto [vrc, vout] = run_kopilkad({"verify", "--datadir", f.data.string()});
        INFO(vout);
        CHECK(vrc == 0);
        CHECK(has(vout, "blocks verified: " + std::to_string(bad - 1) + " of " + std::to_string(bad - 1)));
    }
    // Nothing was kept that would stand in the way of the true block.
    f.start(p.url());
    auto fc = f.client();
    wait_synced(pc, fc);
    CHECK(fc.call("node.info").at("state_digest") == pc.call("node.info").at("state_digest"));
}

TEST_CASE("kopilkad follow exits 6 when its source serves another chain", "[follow]") {
    Producer a("kopilka-functional");
    auto ac = a.client();
    Volodi(ac).open();
    Follower f;
    f.start(a.url());
    auto fc = f.client();
    wait_synced(ac, fc);
    CHECK(f.proc.stop() == 0);

    Producer b("kopilka-functional");  // the same name, another genesis
    f.spawn(b.url());
    const int rc = f.proc.exited_within(generous);
    const std::string out = f.proc.output();
    INFO(out);
    CHECK(rc == 6);
    CHECK(has(out, "following stopped (other_chain)"));
    CHECK(has(out, "serves chain " + str(b.client().call("node.info"), "chain_id")));
    CHECK_FALSE(fs::exists(f.data / "follow" / "proof"));
    // Nothing of the other chain was taken.
    auto [vrc, vout] = run_kopilkad({"verify", "--datadir", f.data.string()});
    CHECK(vrc == 0);
    CHECK(has(vout, "(" + str(ac.call("node.info"), "chain_id") + ")"));
}

TEST_CASE("kopilkad follow exits 7 with the proof when its source is rolled back, and again when it rewrites the "
          "same heights",
          "[follow]") {
    Producer p("kopilka-functional");
    auto pc = p.client();
    Volodi v(pc);
    v.open();
    const auto info = pc.call("node.info");
    const std::string producer = str(info, "producer");
    ChainId chain{};
    {
        auto raw = from_hex(str(info, "chain_id"));
        std::copy(raw->begin(), raw->end(), chain.begin());
    }
    // An older copy of the producer's data dir, taken while it was stopped.
    TempDir early_dir("kopilka-follow-early");
    const fs::path early = early_dir.path() / "data";
    p.stop();
    fs::copy(p.data, early, fs::copy_options::recursive);
    p.start();
    const std::uint64_t h0 = height_of(pc);
    for (int i = 0; i < 3; ++i) v.give(v.masha, Volodi::of(v.petya), 100, "lost " + std::to_string(i));
    const std::uint64_t h1 = height_of(pc);
    REQUIRE(h1 == h0 + 3);

    Follower f;
    f.start(p.url());
    auto fc = f.client();
    wait_synced(pc, fc);

    SECTION("rolled back: the source comes back at an older copy") {
        p.stop();
        fs::remove_all(p.data);
        fs::copy(early, p.data, fs::copy_options::recursive);
        p.start();
        const int rc = f.proc.exited_within(generous);
        const std::string out = f.proc.output();
        INFO(out);
        CHECK(rc == 7);
        CHECK(has(out, "following stopped (rollback)"));
        CHECK(has(out, "\"event\":\"follow.rollback\""));
        const json::object proof = proof_of(f);
        CHECK(proof.at("kind") == "rollback");
        CHECK(proof.at("source") == json::value(p.url()));
        const Block seen = checked_header(proof.at("seen_before"), chain, producer);
        const Block now = checked_header(proof.at("served_now"), chain, producer);
        CHECK(seen.header.height == h1);
        CHECK(now.header.height == h0);
        CHECK(has(out, str(proof.at("seen_before"), "signed_header")));  // stderr prints the proof too

        // The proof stays, and so does the follower: it does not start over it.
        f.spawn(p.url());
        CHECK(f.proc.exited_within(generous) == 7);
        CHECK(has(f.proc.output(), "move it away to follow again"));
    }

    SECTION("rewritten: other blocks at heights the follower holds") {
        CHECK(f.proc.stop() == 0);
        p.stop();
        fs::remove_all(p.data);
        fs::copy(early, p.data, fs::copy_options::recursive);
        p.start();
        for (int i = 0; i < 4; ++i) v.give(v.petya, Volodi::of(v.masha), 100, "other " + std::to_string(i));
        REQUIRE(height_of(pc) == h1 + 1);
        f.spawn(p.url());
        const int rc = f.proc.exited_within(generous);
        const std::string out = f.proc.output();
        INFO(out);
        CHECK(rc == 7);
        CHECK(has(out, "following stopped (equivocation)"));
        CHECK(has(out, "prove that the producer signed two histories"));
        const json::object proof = proof_of(f);
        CHECK(proof.at("kind") == "equivocation");
        const Block seen = checked_header(proof.at("seen_before"), chain, producer);
        const Block now = checked_header(proof.at("served_now"), chain, producer);
        CHECK(seen.header.height == h1);
        CHECK(now.header.height == h1);
        CHECK(block_hash(seen.header) != block_hash(now.header));
        // The follower kept its own history: the blocks it verified.
        auto [vrc, vout] = run_kopilkad({"verify", "--datadir", f.data.string()});
        INFO(vout);
        CHECK(vrc == 0);
        CHECK(has(vout, "blocks verified: " + std::to_string(h1) + " of " + std::to_string(h1)));
    }
}
