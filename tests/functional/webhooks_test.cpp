// A venue's POS webhook (docs/messages.md, "POS webhooks") against the real
// kopilkad and a local receiver (fake_sms.py --mode webhook) that logs every
// request's raw body and headers: the test checks each signature with the
// secret webhook.set answered (HMAC-SHA256 over "<timestamp>.<body>",
// computed here from the docs), the order (the venue's seq 1, 2, ... with no
// gap, none before the one being retried), at least once under one delivery
// id, across a restart and a new URL; dead letters after the attempts; and
// that only the owner, with a fresh signature, points the events anywhere.
#include "fake_provider.h"
#include "harness.h"
#include "crypto/address.h"
#include "ledger/webhook.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sodium.h>

#include <chrono>
#include <map>
#include <optional>
#include <thread>

using namespace kopilka;
using namespace kopilka::test;
using namespace kopilka::ledger;
namespace json = boost::json;

namespace {

constexpr auto generous = std::chrono::seconds(30);

json::object webhook_params(const ChainId& chain, const KeyPair& signer, const std::string& ticker,
                            const std::string& url, std::uint64_t time_ms) {
    auto bytes = webhook_set_bytes(ticker, url, time_ms);
    REQUIRE(bytes);
    return json::object{{"ticker", ticker},
                        {"url", url},
                        {"key", address_from_key(signer.public_key())},
                        {"time_ms", time_ms},
                        {"signature", to_hex(signer.sign(Domain::webhook, chain, *bytes).view())}};
}

// What the receiver computes: v1= and the hex HMAC-SHA256, keyed with the
// secret's text, of the timestamp, a dot and the raw body.
std::string expected_signature(const std::string& secret, const std::string& ts, const std::string& body) {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    const std::string text = ts + "." + body;
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&st, mac);
    return "v1=" + to_hex(ByteView(mac, sizeof mac));
}

std::int64_t unix_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Every request the receiver took (answered 200), in the order it took them,
// each checked against `secret`.
std::vector<json::object> accepted_events(const FakeProvider& receiver, const std::string& secret) {
    std::vector<json::object> out;
    for (const auto& r : receiver.requests()) {
        const std::string raw = str(r, "raw");
        const json::object& h = r.at("headers").as_object();
        const std::string ts = str(h, "x-kopilka-timestamp");
        INFO("request " << raw);
        CHECK(str(h, "x-kopilka-signature") == expected_signature(secret, ts, raw));
        CHECK(std::llabs(std::stoll(ts) - unix_s()) <= 300);
        CHECK(str(h, "content-type") == "application/json");
        const json::object body = json::parse(raw).as_object();
        CHECK(str(h, "x-kopilka-delivery") == str(body, "id"));
        CHECK(str(h, "x-kopilka-event") == str(body, "type"));
        if (r.at("answered").at("status") == 200) out.push_back(body);
    }
    return out;
}

json::object webhooks(rpc::Client& admin, const std::string& ticker = "") {
    json::object p{{"limit", 1000}};
    if (!ticker.empty()) p["ticker"] = ticker;
    return admin.call("admin.webhooks", p).as_object();
}

std::uint64_t count(rpc::Client& admin, const char* state) {
    return webhooks(admin).at("counts").at(state).to_number<std::uint64_t>();
}

std::uint64_t node_ms(rpc::Client& c) { return c.call("node.info").at("time_ms").to_number<std::uint64_t>(); }

// 3 % of every receipt and 50.00 on the first; Gold from 1,000.00 of lifetime purchases, recomputed
// at each purchase and return (or, `monthly`, on the night of each month's
// 1st, in Moscow). Published 2 s ahead of the node's clock;
// returns once it is in force.
void publish_gold_programme(Volodi& cafe, rpc::Client& c, bool monthly = false) {
    loyalty::Programme p;
    if (monthly) {
        p.tier_recalc = loyalty::TierRecalc::monthly;
        p.recalc_day = 1;
    }
    p.version = 1;
    p.zone = "Europe/Moscow";
    p.tzdb_version = "2024a";
    p.zone_rule = "MSK-3";
    p.tiers = {{"Base", 0, 3000}, {"Gold", 1000'00, 3000}};
    p.rules = {loyalty::Rule{1, "3 %", 0, {}, loyalty::Effect::percent, 300, std::nullopt, 0}};
    p.gifts = {loyalty::Gift{loyalty::GiftKind::welcome, 50'00, 0, 0}};
    p.effective_from_s = node_ms(c) / 1000 + 2;
    REQUIRE(cafe.wallet.submit(cafe.wallet.sign(cafe.owner, ProgrammeSet{cafe.coin, p})).at("status") == "committed");
    while (node_ms(c) / 1000 < p.effective_from_s) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace

TEST_CASE("a venue's POS gets every event of its coin, signed with its secret, in order, at least once: retried while it fails, across a restart and a new URL") {
    std::optional<FakeProvider> receiver;
    receiver.emplace("webhook", "unused", std::vector<std::string>{"--fail-first", "3"});
    // Quick pauses, and attempts enough that nothing dies while the POS is away.
    std::vector<std::string> args = quick_retries;
    args.insert(args.end(), {"--webhook-attempts-max", "100000"});
    NodeProcess node(args);
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    Volodi other(c, "KOFE");  // no webhook: its transactions make no events
    other.open();
    const ChainId& chain = cafe.wallet.chain();

    // Only the owner, with a URL the node may call, with a fresh signature.
    const std::string url = receiver->url("/pos/events");
    CHECK(error_code_of(c, "webhook.set", webhook_params(chain, cafe.masha, cafe.coin, url, node_ms(c))) == rpc::unauthorized);
    CHECK(error_code_of(c, "webhook.set", webhook_params(chain, other.owner, cafe.coin, url, node_ms(c))) == rpc::unauthorized);
    CHECK(error_code_of(c, "webhook.set", webhook_params(chain, cafe.owner, cafe.coin, "http://10.0.0.7/pos", node_ms(c))) ==
          rpc::invalid_params);
    CHECK(error_code_of(c, "webhook.set",
                        webhook_params(chain, cafe.owner, cafe.coin, "https://user:pw@pos.example/x", node_ms(c))) ==
          rpc::invalid_params);
    CHECK(error_code_of(c, "webhook.set", webhook_params(chain, cafe.owner, cafe.coin, url, node_ms(c) - 10 * 60 * 1000)) ==
          rpc::unauthorized);
    const json::object set_params = webhook_params(chain, cafe.owner, cafe.coin, url, node_ms(c));
    const json::value set = c.call("webhook.set", set_params);
    const std::string secret = str(set, "secret");
    REQUIRE(secret.size() == 64);
    CHECK(error_code_of(c, "webhook.set", set_params) == rpc::unauthorized);  // played again
    // The secret is in the node's private file only: not in its log.
    CHECK(node.log().find(secret) == std::string::npos);

    std::vector<std::string> txs;
    for (int i = 0; i < 5; ++i) txs.push_back(str(cafe.give(cafe.masha, cafe.phone("+7 900 000-01-0" + std::to_string(i)), 1'00 + i), "id"));
    other.give(other.masha, other.phone("+7 900 000-01-09"), 1'00);
    Product p{9, "tea", 50, "", "", true};
    REQUIRE(cafe.wallet.submit(cafe.wallet.sign(cafe.owner, ProductUpsert{cafe.coin, p})).at("status") == "committed");

    REQUIRE(wait_until([&] { return count(admin, "sent") == 5; }, generous));
    CHECK(count(admin, "pending") == 0);
    const auto requests = receiver->requests();
    // The first event three times refused (500), then taken; nothing after it meanwhile.
    REQUIRE(requests.size() == 8);
    for (int i = 0; i < 4; ++i) CHECK(json::parse(str(requests[i], "raw")).at("seq") == 1);
    auto events = accepted_events(*receiver, secret);
    REQUIRE(events.size() == 5);
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].at("seq") == i + 1);
        CHECK(str(events[i], "venue") == cafe.coin);
        CHECK(str(events[i], "type") == "transfer");
        CHECK(str(events[i], "tx") == txs[i]);
        CHECK(str(events[i].at("data"), "kind") == "transfer");
        CHECK(str(events[i].at("data"), "amount") == (i == 0 ? "1.00" : "1.0" + std::to_string(i)));
    }
    const json::object listed = webhooks(admin, cafe.coin);
    REQUIRE(listed.at("events").as_array().size() == 5);
    CHECK(listed.at("events").as_array()[4].at("attempts") == 4);
    CHECK(str(listed.at("targets").as_array()[0], "url") == url);
    CHECK(json::serialize(listed).find(secret) == std::string::npos);
    const std::string metrics = run_captured("curl -s http://127.0.0.1:" + std::to_string(node.port()) + "/metrics").out;
    CHECK(metric(metrics, "kopilka_webhook_events", R"(state="sent")") == 5);

    // The POS goes away: new events wait (the first is tried, the second
    // waits behind it), and a restart keeps them.
    receiver.reset();
    const std::string tx6 = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-01-06"), 6'00), "id");
    const std::string tx7 = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-01-07"), 7'00), "id");
    REQUIRE(wait_until([&] { return count(admin, "pending") == 2; }, generous));
    node.stop();
    node.start();
    c = node.client();
    admin = node.client(true);
    CHECK(count(admin, "pending") == 2);
    // Back at a new address: the owner points the webhook there (a new secret).
    receiver.emplace("webhook", "unused");
    const json::value moved = c.call("webhook.set", webhook_params(chain, cafe.owner, cafe.coin, receiver->url("/v2"), node_ms(c)));
    const std::string secret2 = str(moved, "secret");
    CHECK(secret2 != secret);
    REQUIRE(wait_until([&] { return count(admin, "sent") == 7; }, generous));
    events = accepted_events(*receiver, secret2);
    REQUIRE(events.size() == 2);
    CHECK(events[0].at("seq") == 6);
    CHECK(str(events[0], "tx") == tx6);
    CHECK(events[1].at("seq") == 7);
    CHECK(str(events[1], "tx") == tx7);

    // Stopped: no more events.
    REQUIRE(c.call("webhook.set", webhook_params(chain, cafe.owner, cafe.coin, "", node_ms(c))).at("secret").is_null());
    cafe.give(cafe.masha, cafe.phone("+7 900 000-01-08"), 1'00);
    CHECK(webhooks(admin).at("events").as_array().size() == 7);
    CHECK(webhooks(admin).at("targets").as_array().empty());
}

TEST_CASE("a POS that never takes an event: each is dead after the attempts, in order, and the operator sees why") {
    FakeProvider receiver("webhook", "unused", {"--fail-first", "1000000"});
    NodeProcess node(quick_retries);
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    REQUIRE(c.call("webhook.set", webhook_params(cafe.wallet.chain(), cafe.owner, cafe.coin, receiver.url("/pos"), node_ms(c)))
                .at("secret")
                .is_string());
    cafe.give(cafe.masha, cafe.phone("+7 900 000-01-11"), 1'00);
    cafe.give(cafe.masha, cafe.phone("+7 900 000-01-12"), 1'00);
    REQUIRE(wait_until([&] { return count(admin, "dead") == 2; }, std::chrono::seconds(60)));
    const auto events = webhooks(admin).at("events").as_array();
    REQUIRE(events.size() == 2);
    for (const auto& e : events) {
        CHECK(e.at("attempts") == 12);
        CHECK(e.at("status") == 500);
        CHECK(str(e, "error").find("the till is restarting") != std::string::npos);
    }
    // Strictly in order: the first one's every attempt came before the second's first.
    const auto requests = receiver.requests();
    REQUIRE(requests.size() == 24);
    for (std::size_t i = 0; i < requests.size(); ++i)
        CHECK(json::parse(str(requests[i], "raw")).at("seq") == (i < 12 ? 1 : 2));
    CHECK(node.log().find("webhook.dead") != std::string::npos);
}

TEST_CASE("a purchase that lifts a client to Gold is followed by a tier_change event, and the return that takes it "
          "back by another, each signed and in order") {
    FakeProvider receiver("webhook", "unused");
    NodeProcess node(quick_retries);
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    const json::value set =
        c.call("webhook.set", webhook_params(cafe.wallet.chain(), cafe.owner, cafe.coin, receiver.url("/pos"), node_ms(c)));
    const std::string secret = str(set, "secret");
    publish_gold_programme(cafe, c);
    const Account client = cafe.phone("+7 900 000-02-01");
    auto purchase = [&](Amount money, const std::string& receipt) {
        Purchase p{cafe.coin, ClientRef{ClientRef::Kind::account, client, ""},
                   loyalty::Receipt{receipt, {loyalty::ReceiptLine{"", money}}}, 1, 0, std::nullopt, std::nullopt};
        return cafe.wallet.submit(cafe.wallet.sign(cafe.masha, p));
    };
    // 400.00: still Base, no tier event; then 700.00: 1,100.00 in all, Gold.
    REQUIRE(str(purchase(400'00, "R-1"), "status") == "committed");
    const json::value gold = purchase(700'00, "R-2");
    REQUIRE(str(gold, "status") == "committed");
    Hash256 gold_id{};
    const auto raw = from_hex(str(gold, "id"));
    REQUIRE(raw);
    std::copy(raw->begin(), raw->end(), gold_id.begin());
    // Half of it back: 750.00 in all, Base again.
    const json::value back = cafe.wallet.submit(cafe.wallet.sign(cafe.masha, PurchaseReturn{cafe.coin, gold_id, 350'00}));
    REQUIRE(str(back, "status") == "committed");

    REQUIRE(wait_until([&] { return count(admin, "sent") == 5; }, generous));
    const auto events = accepted_events(receiver, secret);
    REQUIRE(events.size() == 5);
    std::vector<std::string> types;
    for (const auto& e : events) types.push_back(str(e, "type"));
    CHECK(types == std::vector<std::string>{"purchase", "purchase", "tier_change", "return", "tier_change"});
    for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].at("seq") == i + 1);
    // Each event its own delivery id, though two share their transaction.
    CHECK(str(events[1], "id") != str(events[2], "id"));
    CHECK(events[2].at("tx") == gold.at("id"));
    // The purchase's own event says what it did: the first 3 % of 400.00 and
    // the welcome gift from the treasury; the second 3 % of 700.00 from
    // Masha's allowance, no gift again; nothing paid with bonuses.
    const json::object& first = events[0].at("data").at("outcome").as_object();
    CHECK(str(first, "accrued") == "12.00");
    CHECK(str(first, "gift") == "50.00");
    const json::object& outcome = events[1].at("data").at("outcome").as_object();
    CHECK(str(outcome, "client") == account_text(client));
    CHECK(str(outcome, "total") == "700.00");
    CHECK(str(outcome, "accrued") == "21.00");
    CHECK(str(outcome, "paid") == "0.00");
    CHECK(str(outcome, "gift") == "0.00");
    CHECK(str(outcome, "referrals") == "0.00");
    CHECK(events[4].at("tx") == back.at("id"));
    const json::object& up = events[2].at("data").as_object();
    CHECK(str(up, "ticker") == "VOLODYA");
    CHECK(str(up, "client") == account_text(client));
    CHECK(up.at("tier_before") == json::parse(R"({"index":0,"name":"Base"})"));
    CHECK(up.at("tier_after") == json::parse(R"({"index":1,"name":"Gold"})"));
    CHECK(str(up, "cause") == "purchase");
    const json::object& down = events[4].at("data").as_object();
    CHECK(down.at("tier_before") == json::parse(R"({"index":1,"name":"Gold"})"));
    CHECK(down.at("tier_after") == json::parse(R"({"index":0,"name":"Base"})"));
    CHECK(str(down, "cause") == "return");
    // The node's own view agrees.
    CHECK(c.call("loyalty.get", json::object{{"ticker", cafe.coin}, {"client", account_text(client)}})
              .at("tier")
              .at("index") == 0);
}

TEST_CASE("the monthly recalculation that makes a client Gold is a tier_change event of its own, with no transaction") {
    constexpr std::int64_t day_s = 24 * 3600;
    FakeProvider receiver("webhook", "unused");
    // The chain and the node's clock begin 40 days ago: a 1st of the month
    // falls between then and now.
    const std::string forty_days_ago = std::to_string(-40 * day_s);
    std::vector<std::string> args = quick_retries;
    std::vector<std::string> then = args;
    then.insert(then.end(), {"--clock-offset-s", forty_days_ago});
    NodeProcess node(then, {"--clock-offset-s", forty_days_ago});
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.wallet.set_clock_offset_s(-40 * day_s);
    cafe.open();
    const std::string secret = str(
        c.call("webhook.set", webhook_params(cafe.wallet.chain(), cafe.owner, cafe.coin, receiver.url("/pos"), node_ms(c))),
        "secret");
    publish_gold_programme(cafe, c, /*monthly=*/true);
    const Account client = cafe.phone("+7 900 000-02-02");
    Purchase p{cafe.coin, ClientRef{ClientRef::Kind::account, client, ""},
               loyalty::Receipt{"R-1", {loyalty::ReceiptLine{"", 1200'00}}}, 1, 0, std::nullopt, std::nullopt};
    REQUIRE(str(cafe.wallet.submit(cafe.wallet.sign(cafe.masha, p)), "status") == "committed");
    // Past Gold's threshold, but the tier waits for the recalculation.
    CHECK(c.call("loyalty.get", json::object{{"ticker", cafe.coin}, {"client", account_text(client)}}).at("tier").at("index") == 0);
    REQUIRE(wait_until([&] { return count(admin, "sent") == 1; }, generous));

    // Now: the 1st of a month has passed; the node closes a block for it.
    node.stop();
    node.set_extra_args(args);
    node.start();
    c = node.client();
    admin = node.client(true);
    REQUIRE(wait_until([&] { return count(admin, "sent") == 2; }, generous));
    const auto events = accepted_events(receiver, secret);
    REQUIRE(events.size() == 2);
    CHECK(str(events[0], "type") == "purchase");
    const json::object& e = events[1];
    CHECK(str(e, "type") == "tier_change");
    CHECK(e.at("seq") == 2);
    CHECK(e.at("tx").is_null());
    CHECK(str(e.at("data").as_object(), "cause") == "recalculation");
    CHECK(e.at("data").at("tier_after") == json::parse(R"({"index":1,"name":"Gold"})"));
    CHECK(c.call("loyalty.get", json::object{{"ticker", cafe.coin}, {"client", account_text(client)}}).at("tier").at("index") == 1);
}
