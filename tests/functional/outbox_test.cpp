// The outbox (docs/messages.md) against the real kopilkad and a local fake
// of each SMS provider's documented API (fake_sms.py, under Debian's
// python3): a message is written with the block that causes it, retried with
// one idempotency key until the provider takes it, dead when the provider
// refuses it for good or never answers, and after SIGKILLs while messages
// flow every committed cause has exactly one message, sent; the only
// duplicates the provider sees are answers it lost, under the same key.
// Neither a number nor a code is ever in the ledger's files or in the log.
#include "bench/node_process.h"
#include "fake_provider.h"
#include "harness.h"
#include "ledger/store.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sys/wait.h>
#include <thread>

using namespace kopilka;
using namespace kopilka::test;
using namespace kopilka::ledger;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr auto generous = std::chrono::seconds(30);
// KOPILKA_SEED replays a run; else a fresh seed, printed.
std::uint64_t pick_seed() {
    if (const char* s = std::getenv("KOPILKA_SEED"); s && *s) return std::strtoull(s, nullptr, 0);
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
}

// The outbox's message caused by transaction `tx`, once it left pending.
std::optional<json::object> wait_settled(rpc::Client& admin, const std::string& tx) {
    std::optional<json::object> found;
    wait_until(
        [&] {
            for (const auto& m : outbox(admin))
                if (m.at("tx") == json::value(tx) && str(m, "state") != "pending") {
                    found = m.as_object();
                    return true;
                }
            return false;
        },
        generous);
    return found;
}

// Every record in the ledger's outbox family, read from a stopped node's files.
std::vector<std::string> outbox_records(const fs::path& data_dir) {
    auto store = Store::open(data_dir / "ledger", Store::Mode::read_only);
    REQUIRE(store);
    std::vector<std::string> out;
    (*store)->scan(Column::outbox, {}, {}, [&](ByteView, ByteView v) {
        out.emplace_back(reinterpret_cast<const char*>(v.data()), v.size());
        return true;
    });
    return out;
}

}  // namespace

TEST_CASE("http gateway: a failing gateway is retried under one key until it takes the message, and a refused number is dead") {
    const std::string token = "gw-token-5f1c9a";
    FakeProvider fake("generic", token, {"--fail-first", "2", "--reject", "+79000000099"});
    SmsNode s({"--sms-provider", "http", "--sms-url", fake.url("/send")}, token);
    auto& [secrets, node, c, admin, cafe] = s;

    const Account phone = cafe.phone("+7 900 000-00-51");
    const std::string tx = str(cafe.give(cafe.masha, phone, 3'00), "id");
    // Written with the block: in the outbox before the gateway took it.
    auto owed = outbox(admin);
    REQUIRE(!owed.empty());
    CHECK(owed.front().at("tx") == json::value(tx));
    auto m = wait_message(admin, tx, "sent");
    REQUIRE(m);
    CHECK(m->at("attempts") == 3);  // two 503s, then 200
    CHECK(str(*m, "channel") == "http");
    CHECK(str(*m, "provider_id") == "gw-0");
    CHECK(str(*m, "kind") == "coins_received");
    CHECK(m->at("phone") == "+79000000051");
    const std::string key = str(*m, "key");
    REQUIRE(key.size() == 64);
    const auto reqs = fake.requests();
    REQUIRE(reqs.size() == 3);
    for (const auto& r : reqs) {
        CHECK(str(r.at("headers"), "idempotency-key") == key);
        CHECK(str(r.at("headers"), "authorization") == "Bearer " + token);
        CHECK(str(r.at("json"), "idempotency_key") == key);
        CHECK(str(r.at("json"), "to") == "+79000000051");
        CHECK(str(r.at("json"), "text").find("вам начислено 3,00 VOLODYA") != std::string::npos);
        CHECK(str(r.at("json"), "link") == str(*m, "link"));
    }

    // A number the gateway refuses: dead after one attempt, with its words.
    const std::string bad_tx = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-00-99"), 1'00), "id");
    auto dead = wait_message(admin, bad_tx, "dead");
    REQUIRE(dead);
    CHECK(dead->at("attempts") == 1);
    CHECK(str(*dead, "error").find("this number cannot receive messages") != std::string::npos);
    CHECK(outbox(admin, "dead").size() == 1);
    const std::string metrics = c.get("/metrics").body;
    CHECK(metric(metrics, "kopilka_outbox_messages", R"(state="dead")") == 1);
    CHECK(metric(metrics, "kopilka_outbox_messages", R"(state="pending")") == 0);

    // A claim code: the gateway gets the code, which then claims the phone.
    REQUIRE(c.call("phone.claim.request", json::object{{"phone", "+7 900 000-00-52"}}).at("sent") == true);
    std::string code;
    REQUIRE(wait_until(
        [&] {
            for (const auto& r : fake.requests()) {
                std::smatch match;
                const std::string text = str(r.at("json"), "text");
                if (str(r.at("json"), "to") == "+79000000052" && std::regex_search(text, match, std::regex("code: ([0-9]{6})")))
                    code = match[1];
            }
            return !code.empty();
        },
        generous));
    CHECK(str(claim_phone(cafe.wallet, c, "+79000000052", code, KeyPair::generate()), "status") == "committed");
    // Used: the operator's view no longer shows it.
    bool shown_used = false;
    for (const auto& x : outbox(admin))
        if (str(x, "kind") == "claim_code")
            shown_used = str(x, "text").find("[code]") != std::string::npos && str(x, "text").find(code) == std::string::npos;
    CHECK(shown_used);

    // Neither the token, the code nor a number reached the log or the ledger.
    const std::string log = node.log();
    CHECK(log.find(token) == std::string::npos);
    CHECK(log.find(code) == std::string::npos);
    CHECK(log.find("79000000051") == std::string::npos);
    REQUIRE(node.stop() == 0);
    const auto records = outbox_records(node.data_dir());
    // Three messages, the credits' totals (the venue's, the node's own) and
    // the expiry reminders' watermark.
    CHECK(std::count_if(records.begin(), records.end(), [](const std::string& r) { return r.find("\"kind\"") != std::string::npos; }) == 3);
    CHECK(records.size() == 6);
    for (const auto& r : records) {
        INFO(r);
        CHECK(r.find("7900000005") == std::string::npos);
        CHECK(r.find("7900000009") == std::string::npos);
        CHECK(r.find(code) == std::string::npos);
    }
}

TEST_CASE("http gateway that never answers: the message is tried outbox-attempts-max times, then dead") {
    SmsNode s({"--sms-provider", "http", "--sms-url", "http://127.0.0.1:" + std::to_string(free_port()) + "/send",
               "--outbox-attempts-max", "3"},
              "");
    auto& [secrets, node, c, admin, cafe] = s;
    const std::string tx = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-00-53"), 1'00), "id");
    auto dead = wait_message(admin, tx, "dead");
    REQUIRE(dead);
    CHECK(dead->at("attempts") == 3);
    CHECK(str(*dead, "error").find("no answer") != std::string::npos);
    CHECK(dead->at("next_attempt_ms").is_null());
    CHECK(dead->at("done_ms").is_number());
}

TEST_CASE("SMS.ru: its form and JSON answers, 'try later' (220) retried, a number it refuses (207) dead") {
    const std::string api_id = "00000000-1111-2222-3333-444444444444";
    FakeProvider fake("smsru", api_id, {"--fail-first", "1", "--reject", "+79000000099"});
    SmsNode s({"--sms-provider", "smsru", "--sms-url", fake.url(), "--sms-from", "KOPILKA"}, api_id);
    auto& [secrets, node, c, admin, cafe] = s;
    const std::string tx = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-00-61"), 2'50), "id");
    auto m = wait_message(admin, tx, "sent");
    REQUIRE(m);
    CHECK(m->at("attempts") == 2);
    CHECK(str(*m, "channel") == "smsru");
    CHECK(str(*m, "provider_id") == "000000-0000002");
    const auto reqs = fake.requests();
    REQUIRE(reqs.size() == 2);
    for (const auto& r : reqs) {
        CHECK(str(r, "path") == "/sms/send");
        const auto& form = r.at("form");
        CHECK(str(form, "api_id") == api_id);
        CHECK(str(form, "to") == "79000000061");
        CHECK(str(form, "from") == "KOPILKA");
        CHECK(str(form, "json") == "1");
        CHECK(str(form, "msg").find("вам начислено 2,50 VOLODYA") != std::string::npos);
    }
    const std::string bad_tx = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-00-99"), 1'00), "id");
    auto dead = wait_message(admin, bad_tx, "dead");
    REQUIRE(dead);
    CHECK(dead->at("attempts") == 1);
    CHECK(str(*dead, "error").find("SMS.ru 207") != std::string::npos);
    CHECK(node.log().find(api_id) == std::string::npos);
}

TEST_CASE("Twilio: Basic auth, its form and 201 answer, 429 retried, a number it refuses (21211) dead") {
    const std::string sid = "AC0123456789abcdef0123456789abcdef";
    const std::string auth_token = "twilio-auth-token-77";
    FakeProvider fake("twilio", auth_token, {"--account", sid, "--fail-first", "1", "--reject", "+79000000099"});
    SmsNode s({"--sms-provider", "twilio", "--sms-url", fake.url(), "--sms-account", sid, "--sms-from", "+15005550006"},
              auth_token);
    auto& [secrets, node, c, admin, cafe] = s;
    const std::string tx = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-00-71"), 1'25), "id");
    auto m = wait_message(admin, tx, "sent");
    REQUIRE(m);
    CHECK(m->at("attempts") == 2);
    CHECK(str(*m, "channel") == "twilio");
    CHECK(str(*m, "provider_id").starts_with("SM"));
    const auto reqs = fake.requests();
    REQUIRE(reqs.size() == 2);
    CHECK(reqs[0].at("answered").at("status") == 429);
    CHECK(reqs[1].at("answered").at("status") == 201);
    for (const auto& r : reqs) {
        CHECK(str(r, "path") == "/2010-04-01/Accounts/" + sid + "/Messages.json");
        const auto& form = r.at("form");
        CHECK(str(form, "To") == "+79000000071");
        CHECK(str(form, "From") == "+15005550006");
        CHECK(str(form, "Body").find("вам начислено 1,25 VOLODYA") != std::string::npos);
    }
    const std::string bad_tx = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-00-99"), 1'00), "id");
    auto dead = wait_message(admin, bad_tx, "dead");
    REQUIRE(dead);
    CHECK(str(*dead, "error").find("Twilio 21211") != std::string::npos);
    CHECK(node.log().find(auth_token) == std::string::npos);
}

TEST_CASE("SIGKILLs while messages flow: each committed transfer to a phone has exactly one message, sent") {
    const std::uint64_t seed = pick_seed();
    std::cout << "outbox kill test: KOPILKA_SEED=" << seed << std::endl;
    INFO("KOPILKA_SEED=" << seed);
    std::mt19937_64 rng(seed);
    // Every 7th answer is lost on the way back: the provider has the message,
    // the node does not know it, and sends it again under the same key.
    const std::string token = "kill-token";
    FakeProvider fake("generic", token, {"--lose-every", "7"});
    SmsNode s({"--sms-provider", "http", "--sms-url", fake.url("/send")}, token);
    auto& [secrets, node, c, setup_admin, cafe] = s;
    // Credits for every message of the run (the free 100 would hold most).
    setup_admin.call("admin.credits.add", json::object{{"ticker", cafe.coin}, {"segments", 100'000}, {"note", "the kill test"}});
    // Five phones, each credited once so its number is in the book.
    std::vector<Account> phones;
    for (int i = 0; i < 5; ++i) {
        phones.push_back(cafe.phone("+7 900 000-01-0" + std::to_string(i)));
        cafe.give(cafe.masha, phones.back(), 1);
    }

    constexpr int kills = 20;
    const int per_round = sanitized ? 15 : 40;
    std::vector<std::string> submitted;  // every tx id a till started sending
    for (int round = 0; round < kills; ++round) {
        std::vector<SignedTx> blobs;
        for (int k = 0; k < per_round; ++k)
            blobs.push_back(cafe.wallet.sign(
                cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), phones[static_cast<std::size_t>(k) % phones.size()],
                                     1, "r" + std::to_string(round) + "." + std::to_string(k)}));
        std::mutex mu;
        std::thread till([&] {
            rpc::Client t = node.client();
            t.set_timeout(std::chrono::seconds(20));
            for (const SignedTx& stx : blobs) {
                {
                    std::lock_guard lock(mu);
                    submitted.push_back(to_hex(tx_id(stx.tx)));
                }
                try {
                    t.call("tx.submit", json::object{{"blob", TestWallet::blob(stx)}, {"wait", true}});
                } catch (const rpc::TransportError&) {
                    return;  // killed
                }
            }
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 250)(rng)));
        node.kill9();
        till.join();
        node.start();
    }

    rpc::Client fresh = node.client();
    rpc::Client admin = node.client(true);
    std::set<std::string> committed;
    for (const auto& id : submitted)
        if (str(fresh.call("tx.get", json::object{{"id", id}}), "status") == "committed") committed.insert(id);
    INFO(submitted.size() << " submitted, " << committed.size() << " committed");
    REQUIRE(!committed.empty());
    REQUIRE(wait_until([&] { return admin.call("admin.outbox", json::object{{"limit", 1}}).at("counts").at("pending") == 0; },
                       generous));

    std::map<std::string, std::string> key_of;  // tx -> its message's key
    for (const auto& m : outbox(admin)) {
        if (str(m, "kind") != "coins_received") continue;
        const std::string tx = str(m, "tx");
        if (!std::count(submitted.begin(), submitted.end(), tx)) continue;  // setup's
        CHECK(committed.contains(tx));
        CHECK(str(m, "state") == "sent");
        INFO("tx " << tx);
        CHECK(key_of.emplace(tx, str(m, "key")).second);  // one message a cause
    }
    CHECK(key_of.size() == committed.size());

    std::map<std::string, std::vector<json::object>> received;  // key -> the provider's copies
    for (const auto& r : fake.requests()) received[str(r.at("headers"), "idempotency-key")].push_back(r);
    std::size_t duplicates = 0;
    for (const auto& [tx, key] : key_of) {
        INFO("tx " << tx);
        REQUIRE(received.contains(key));
        const auto& copies = received.at(key);
        for (const auto& copy : copies) CHECK(copy.at("json") == copies.front().at("json"));  // the same message
        // A second copy only after an answer the provider lost (or a kill
        // before the node recorded "sent"), never a different message.
        duplicates += copies.size() - 1;
    }
    std::size_t lost = 0;
    for (const auto& r : fake.requests()) lost += r.at("answered").at("lost").as_bool() ? 1 : 0;
    std::cout << "outbox kill test: " << submitted.size() << " submitted, " << committed.size() << " committed, "
              << duplicates << " sent twice or more, " << lost << " answers lost" << std::endl;
    INFO(duplicates << " duplicates, " << lost << " answers lost");
    CHECK(lost > 0);
    CHECK(duplicates >= lost);  // each lost answer makes the node send that message again
    // Nothing was sent for a transaction that was not committed.
    std::set<std::string> known_keys;
    for (const auto& [tx, key] : key_of) known_keys.insert(key);
    for (const auto& m : outbox(admin)) known_keys.insert(str(m, "key"));
    for (const auto& [key, copies] : received) CHECK(known_keys.contains(key));
    // Each sent message was paid once, however often a kill or a lost
    // answer made it go out: the debit is written with its sent record.
    std::uint64_t paid = 0;
    for (const auto& m : outbox(admin))
        paid += str(m, "state") == "sent" && str(m, "venue") == cafe.coin ? m.at("segments").to_number<std::uint64_t>() : 0;
    const auto credits = fresh.call("sms.credits", json::object{{"ticker", cafe.coin}, {"limit", 1}});
    CHECK(credits.at("spent") == paid);
    CHECK(credits.at("balance").to_number<std::int64_t>() == static_cast<std::int64_t>(100 + 100'000 - paid));
}

TEST_CASE("SMS credits: a venue's free 100 segments pay for its SMS, then they are held but claim codes go, a pack sends what was held") {
    const std::string token = "credits-token";
    FakeProvider fake("generic", token);
    SmsNode s({"--sms-provider", "http", "--sms-url", fake.url("/send")}, token);
    auto& [secrets, node, c, admin, cafe] = s;
    auto credits = [&] { return c.call("sms.credits", json::object{{"ticker", cafe.coin}, {"limit", 1'000}}).as_object(); };
    auto i64 = [](const json::value& v) { return v.to_number<std::int64_t>(); };
    {
        const auto fresh = credits();
        CHECK(fresh.at("balance") == 100);
        CHECK(fresh.at("free") == 100);
        CHECK(fresh.at("granted") == 0);
        CHECK(fresh.at("spent") == 0);
        CHECK(fresh.at("metered") == true);
        CHECK(fresh.at("grants").as_array().empty());
    }

    // Transfers to one phone until a message is held: the free segments run out.
    const Account phone = cafe.phone("+7 900 000-00-71");
    std::vector<std::string> txs;
    std::optional<json::object> held;
    for (int i = 0; i < 101 && !held; ++i) {
        txs.push_back(str(cafe.give(cafe.masha, phone, 1), "id"));
        auto m = wait_settled(admin, txs.back());
        REQUIRE(m);
        if (str(*m, "state") == "held") held = m;
        else CHECK(m->at("segments").to_number<std::uint32_t>() >= 1);
    }
    REQUIRE(held);
    CHECK(held->at("attempts") == 0);  // never offered to the provider
    CHECK(str(*held, "error").find("no SMS credits") != std::string::npos);
    const std::size_t sent_before = fake.requests().size();
    CHECK(sent_before == txs.size() - 1);
    auto after_free = credits();
    CHECK(after_free.at("held") == 1);
    CHECK(i64(after_free.at("balance")) >= 0);
    CHECK(i64(after_free.at("balance")) < held->at("segments").to_number<std::int64_t>() + 3);  // too few for the next one
    std::int64_t debited = 0;
    for (const auto& d : after_free.at("debits").as_array()) debited += i64(d.at("segments"));
    CHECK(debited == i64(after_free.at("spent")));
    CHECK(i64(after_free.at("spent")) + i64(after_free.at("balance")) == 100);
    const std::string metrics = c.get("/metrics").body;
    CHECK(metric(metrics, "kopilka_outbox_messages", R"(state="held")") == 1);
    CHECK(metric(metrics, "kopilka_sms_credits", "venue=\"" + cafe.coin + "\"") == i64(after_free.at("balance")));

    // A claim code is sent without the venue's credits: a person is waiting
    // for it. It is the node's own message, counted on the node's account.
    REQUIRE(c.call("phone.claim.request", json::object{{"phone", "+7 900 000-00-72"}}).at("sent") == true);
    REQUIRE(wait_until([&] { return fake.requests().size() == sent_before + 1; }, generous));
    CHECK(str(fake.requests().back().at("json"), "to") == "+79000000072");
    CHECK(wait_until([&] { return metric(c.get("/metrics").body, "kopilka_sms_node_segments_total", "") >= 1; }, generous));
    const auto after_code = credits();
    CHECK(after_code.at("spent") == after_free.at("spent"));
    CHECK(after_code.at("held") == 1);

    // Only the operator adds credits, and only a sane pack.
    const json::string coin(cafe.coin);
    CHECK(error_of(c, "admin.credits.add", json::object{{"ticker", coin}, {"segments", 10}}).code == rpc::unauthorized);
    CHECK(error_of(admin, "admin.credits.add", json::object{{"ticker", coin}, {"segments", 0}}).code == rpc::invalid_params);
    CHECK(error_of(admin, "admin.credits.add", json::object{{"ticker", coin}, {"segments", 1'000'001}}).code ==
          rpc::invalid_params);
    CHECK(error_of(admin, "admin.credits.add", json::object{{"ticker", coin}, {"segments", 5}, {"note", std::string(201, 'x')}})
              .code == rpc::invalid_params);
    CHECK(error_of(admin, "admin.credits.add", json::object{{"ticker", "NOSUCH"}, {"segments", 5}}).code == rpc::not_found);
    CHECK(error_of(c, "sms.credits", json::object{{"ticker", "NOSUCH"}}).code == rpc::not_found);
    CHECK(credits().at("granted") == 0);

    // A pack: the debt first, then the held message goes, under its own key.
    const auto added =
        admin.call("admin.credits.add", json::object{{"ticker", coin}, {"segments", 50}, {"note", "invoice 7"}}).as_object();
    CHECK(added.at("granted") == 50);
    CHECK(i64(added.at("balance")) == 150 - i64(after_code.at("spent")));
    auto released = wait_message(admin, str(*held, "tx"), "sent");
    REQUIRE(released);
    CHECK(str(*released, "key") == str(*held, "key"));
    CHECK(released->at("attempts") == 1);
    const auto paid = credits();
    CHECK(paid.at("held") == 0);
    CHECK(i64(paid.at("spent")) + i64(paid.at("balance")) == 150);
    REQUIRE(paid.at("grants").as_array().size() == 1);
    CHECK(paid.at("grants").as_array()[0].at("note") == "invoice 7");
    CHECK(paid.at("grants").as_array()[0].at("segments") == 50);
    debited = 0;
    for (const auto& d : paid.at("debits").as_array()) debited += i64(d.at("segments"));
    CHECK(debited == i64(paid.at("spent")));

    // The totals and the packs survive a restart.
    REQUIRE(node.stop() == 0);
    node.start();
    rpc::Client after = node.client();
    const auto again = after.call("sms.credits", json::object{{"ticker", coin}, {"limit", 1'000}}).as_object();
    CHECK(again.at("spent") == paid.at("spent"));
    CHECK(again.at("granted") == 50);
    CHECK(again.at("grants") == paid.at("grants"));
    CHECK(again.at("debits") == paid.at("debits"));  // read back from the sent records

    // The preview prices a text as the provider will.
    const auto ru = after.call("sms.preview", json::object{{"text", std::string(71, 'a') + "б"}});
    CHECK(ru.at("encoding") == "ucs2");
    CHECK(ru.at("characters") == 72);
    CHECK(ru.at("segments") == 2);
    CHECK(ru.at("cost") == 2);
    const auto en = after.call("sms.preview", json::object{{"text", std::string(160, 'a')}});
    CHECK(en.at("encoding") == "gsm7");
    CHECK(en.at("segments") == 1);
    CHECK(error_of(after, "sms.preview", json::object{{"text", std::string(2'001, 'a')}}).code == rpc::invalid_params);
}

TEST_CASE("eight senders at once: each committed transfer to a phone has exactly one message, sent, and no more than eight attempts are ever in flight") {
    // Every 4th answer is "later" (503) and every 9th is lost on the way
    // back, each 20 ms late, so eight senders overlap, retry and resend
    // under one key at once.
    const std::string token = "senders-token";
    constexpr int senders = 8;
    const int messages = sanitized ? 120 : 300;
    FakeProvider fake("generic", token, {"--fail-every", "4", "--lose-every", "9", "--delay-ms", "20"});
    // Attempts enough that no message dies of bad luck in a row of failures.
    SmsNode s({"--sms-provider", "http", "--sms-url", fake.url("/send"), "--outbox-senders", std::to_string(senders),
               "--outbox-attempts-max", "100", "--sms-credits-free", "100000"},
              token);
    auto& [secrets, node, c, admin, cafe] = s;
    std::vector<Account> phones;
    for (int i = 0; i < 5; ++i) phones.push_back(cafe.phone("+7 900 000-02-0" + std::to_string(i)));

    // One batch of tx.submit calls (no wait), then each is committed.
    json::array batch;
    std::set<std::string> txs;
    for (int k = 0; k < messages; ++k) {
        const SignedTx stx = cafe.wallet.sign(
            cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), phones[static_cast<std::size_t>(k) % phones.size()], 1,
                                 "s" + std::to_string(k)});
        txs.insert(to_hex(tx_id(stx.tx)));
        batch.push_back(json::object{{"jsonrpc", "2.0"}, {"id", k}, {"method", "tx.submit"},
                                     {"params", json::object{{"blob", TestWallet::blob(stx)}}}});
    }
    const RawReply submitted = post_rpc(c, json::serialize(batch));
    REQUIRE(submitted.json.is_array());
    for (const auto& r : submitted.json.as_array()) REQUIRE(r.as_object().contains("result"));
    REQUIRE(wait_until(
        [&] {
            const json::value counts = admin.call("admin.outbox", json::object{{"limit", 1}}).at("counts");
            return counts.at("pending") == 0 && counts.at("sent").to_number<int>() >= messages;
        },
        generous));
    for (const auto& id : txs) CHECK(str(c.call("tx.get", json::object{{"id", id}}), "status") == "committed");

    std::map<std::string, std::string> key_of;  // tx -> its message's key
    for (const auto& m : outbox(admin)) {
        if (!m.as_object().contains("tx") || !txs.contains(str(m, "tx"))) continue;
        INFO("tx " << str(m, "tx"));
        CHECK(str(m, "state") == "sent");
        CHECK(key_of.emplace(str(m, "tx"), str(m, "key")).second);  // one message a cause
    }
    CHECK(key_of.size() == txs.size());

    std::map<std::string, std::vector<json::object>> received;  // key -> the provider's copies
    std::int64_t concurrent_max = 0;
    std::size_t lost = 0;
    for (const auto& r : fake.requests()) {
        received[str(r.at("headers"), "idempotency-key")].push_back(r);
        concurrent_max = std::max(concurrent_max, r.at("concurrent").to_number<std::int64_t>());
        lost += r.at("answered").at("lost").as_bool() ? 1 : 0;
    }
    std::size_t duplicates = 0;
    for (const auto& [tx, key] : key_of) {
        INFO("tx " << tx);
        REQUIRE(received.contains(key));
        std::size_t taken = 0;  // copies answered 200
        for (const auto& copy : received.at(key)) {
            CHECK(copy.at("json") == received.at(key).front().at("json"));  // the same message each time
            taken += copy.at("answered").at("status") == 200 ? 1 : 0;
        }
        CHECK(taken >= 1);
        duplicates += taken - 1;
    }
    std::set<std::string> known_keys;
    for (const auto& m : outbox(admin)) known_keys.insert(str(m, "key"));
    for (const auto& [key, copies] : received) CHECK(known_keys.contains(key));  // nothing sent that is not owed
    std::cout << "outbox senders test: " << messages << " messages, " << fake.requests().size() << " requests, "
              << lost << " answers lost, " << duplicates << " taken twice or more, at most " << concurrent_max
              << " at once" << std::endl;
    // Only an answer the provider lost makes it take a message twice.
    CHECK(duplicates <= lost);
    CHECK(concurrent_max <= senders);
    CHECK(concurrent_max >= 2);  // the senders did overlap
}

TEST_CASE("quiet hours: a coins message that comes due in the venue's night waits, unattempted, until the night ends, while a claim code goes at once") {
    // A night of two hours from the current UTC hour: whenever the test
    // runs, now is inside it, at least an hour before it ends.
    const auto now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    constexpr std::uint64_t hour_ms = 3'600'000;
    const std::uint64_t hour = now_ms / hour_ms % 24;
    const std::string night = std::to_string(hour) + "-" + std::to_string((hour + 2) % 24);
    NodeProcess node({"--quiet-hours", night, "--quiet-hours-zone", "UTC"});
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();

    const std::string tx = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-02-01"), 1'00), "id");
    auto m = wait_message(admin, tx, "pending");
    REQUIRE(m);
    CHECK(m->at("attempts") == 0);
    CHECK(str(*m, "error").find("quiet hours") != std::string::npos);
    // The end of the night: the start of the UTC hour two hours on.
    CHECK(m->at("next_attempt_ms").to_number<std::uint64_t>() == (now_ms / hour_ms + 2) * hour_ms);
    const fs::path file = node.data_dir() / "private" / "outbox.jsonl";
    auto lines_to = [&](const std::string& e164) {
        std::size_t n = 0;
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);)
            if (line.find("\"" + e164 + "\"") != std::string::npos) ++n;
        return n;
    };
    CHECK(lines_to("+79000000201") == 0);

    // A claim code is urgent: it goes at once, night or not.
    REQUIRE(request_claim_code(c, admin, "+79000000202"));
    CHECK(lines_to("+79000000202") == 1);
    // And the waiting message still waits.
    auto still = wait_message(admin, tx, "pending");
    REQUIRE(still);
    CHECK(still->at("attempts") == 0);
}
