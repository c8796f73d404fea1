// Web push (docs/messages.md, "Web push"), against the real kopilkad, a fake
// SMS gateway and a fake push service (fake_sms.py): a client who turned
// push on in the cabinet gets news of coins in their browser, encrypted to
// the browser's key (decrypted here with it), free of the venue's credits,
// while a claim code still goes by SMS; a subscription the push service
// says is gone is forgotten and the message goes by SMS; and whatever is
// unsigned, wrongly signed, stale, replayed or not a browser's changes
// nothing.
#include "fake_provider.h"
#include "harness.h"
#include "node/messages/webpush.h"
#include "node/messages/webpush_p256.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sodium.h>

using namespace kopilka;
using namespace kopilka::test;
using namespace kopilka::ledger;
namespace json = boost::json;

namespace {

constexpr auto generous = std::chrono::seconds(30);
const std::string push_contact = "mailto:ops@example.com";

// A browser's side of a subscription: its P-256 key pair and auth secret,
// made here, and the endpoint the push service gave it.
struct Browser {
    explicit Browser(std::string endpoint) {
        for (;;) {  // a random scalar is below the group order all but 2^-32 of the time
            randombytes_buf(secret.data(), secret.size());
            if ((key = node::p256::Key::from_private(secret))) break;
        }
        randombytes_buf(auth.data(), auth.size());
        sub = PushSub{std::move(endpoint), to_base64url(key->public_key()), to_base64url(auth)};
    }
    std::array<std::uint8_t, 32> secret{};
    std::array<std::uint8_t, 16> auth{};
    std::optional<node::p256::Key> key;
    PushSub sub;

    // What the node sent, as the browser reads it.
    json::object read(const json::object& request) const {
        auto body = from_base64url(std::string(request.at("body").as_string()));
        REQUIRE(body);
        auto plain = node::push_decrypt(*body, secret, auth);
        INFO((plain ? "" : plain.error().message));
        REQUIRE(plain);
        return json::parse(std::string(plain->begin(), plain->end())).as_object();
    }
};

std::size_t requests_to(const FakeProvider& sms, const std::string& e164) {
    std::size_t n = 0;
    for (const auto& r : sms.requests())
        if (r.at("json").at("to") == json::value(e164)) ++n;
    return n;
}

std::uint64_t node_ms(rpc::Client& c) { return c.call("node.info").at("time_ms").to_number<std::uint64_t>(); }

// A claimed phone: `client` is the key it is bound to.
void claim(Volodi& cafe, rpc::Client& c, rpc::Client& admin, const std::string& e164, const KeyPair& client) {
    auto code = request_claim_code(c, admin, e164);
    REQUIRE(code);
    REQUIRE(claim_phone(cafe.wallet, c, e164, *code, client).at("status") == "committed");
}

}  // namespace

TEST_CASE("a client who turned push on gets news of coins in the browser, encrypted to it and free, codes still by SMS, and SMS again once off") {
    const std::string token = "gw-token-push-1";
    FakeProvider sms("generic", token);
    FakeProvider push("push", "unused");
    SmsNode s({"--sms-provider", "http", "--sms-url", sms.url("/send"), "--push-contact", push_contact}, token);
    auto& [secrets, node, c, admin, cafe] = s;
    const ChainId chain = cafe.wallet.chain();

    const json::value key = c.call("messages.push.key");
    REQUIRE(key.at("enabled") == true);
    const std::string vapid = str(key, "public_key");
    CHECK(vapid.size() == 87);  // 65 bytes in base64url

    const Account phone = cafe.phone("+7 900 000-00-71");
    REQUIRE(wait_message(admin, str(cafe.give(cafe.masha, phone, 1'00), "id"), "sent"));
    const KeyPair client = KeyPair::generate();
    claim(cafe, c, admin, "+79000000071", client);
    const std::size_t sms_before = requests_to(sms, "+79000000071");  // the coins message and the code

    const Browser browser(push.url("/push/sub-71"));
    CHECK(c.call("messages.push.get", json::object{{"holder", account_text(phone)}}).at("subscribed") == false);
    const json::object on = push_params(chain, client, phone, browser.sub, node_ms(c));
    const json::value set = c.call("messages.push.set", on);
    CHECK(set.at("subscribed") == true);
    const json::value got = c.call("messages.push.get", json::object{{"holder", account_text(phone)}});
    CHECK(got.at("subscribed") == true);
    CHECK(got.at("since_ms") == set.at("time_ms"));
    // The owner sees how many of the venue's clients have it.
    auto clients_push = [&] { return c.call("venue.stats", json::object{{"ticker", cafe.coin}}).at("clients_push"); };
    CHECK(clients_push() == 1);

    // Refused, and nothing changes: the same request again, a key the phone
    // is not bound to, another chain, a time far from the node's, a key
    // that is not on P-256, an endpoint that is no push service's, a
    // signature over other bytes.
    CHECK(error_code_of(c, "messages.push.set", on) == rpc::unauthorized);
    CHECK(error_code_of(c, "messages.push.set", push_params(chain, KeyPair::generate(), phone, browser.sub, node_ms(c))) ==
          rpc::unauthorized);
    ChainId elsewhere = chain;
    elsewhere[0] ^= 1;
    CHECK(error_code_of(c, "messages.push.set", push_params(elsewhere, client, phone, std::nullopt, node_ms(c))) ==
          rpc::unauthorized);
    CHECK(error_code_of(c, "messages.push.set", push_params(chain, client, phone, std::nullopt, node_ms(c) + 10 * 60'000)) ==
          rpc::unauthorized);
    PushSub off_curve = browser.sub;
    off_curve.p256dh = to_base64url(Bytes(65, 0x04));
    CHECK(error_code_of(c, "messages.push.set", push_params(chain, client, phone, off_curve, node_ms(c))) ==
          rpc::invalid_params);
    PushSub plain_http = browser.sub;
    plain_http.endpoint = "http://push.example.net/sub";
    CHECK(error_code_of(c, "messages.push.set", push_params(chain, client, phone, plain_http, node_ms(c))) ==
          rpc::invalid_params);
    json::object forged = push_params(chain, client, phone, browser.sub, node_ms(c));
    forged["subscription"].as_object()["endpoint"] = push.url("/push/someone-else");
    CHECK(error_code_of(c, "messages.push.set", forged) == rpc::unauthorized);
    CHECK(c.call("messages.push.get", json::object{{"holder", account_text(phone)}}).at("since_ms") == set.at("time_ms"));

    // News of coins: to the browser, not the phone, and free.
    const json::value credits_before = admin.call("sms.credits", json::object{{"ticker", cafe.coin}});
    const std::string tx = str(cafe.give(cafe.masha, phone, 2'00), "id");
    auto sent = wait_message(admin, tx, "sent");
    REQUIRE(sent);
    CHECK(str(*sent, "channel") == "webpush");
    CHECK(sent->at("segments") == 0);
    REQUIRE(push.requests().size() == 1);
    const json::object request = push.requests()[0];
    CHECK(str(request, "path") == "/push/sub-71");
    const json::value& headers = request.at("headers");
    CHECK(str(headers, "content-encoding") == "aes128gcm");
    CHECK(str(headers, "ttl") == "259200");
    CHECK(str(headers, "authorization").rfind("vapid t=", 0) == 0);
    CHECK(str(headers, "authorization").find("k=" + vapid) != std::string::npos);
    const json::object payload = browser.read(request);
    CHECK(payload.at("v") == 1);
    CHECK(str(payload, "title") == str(c.call("venue.get", json::object{{"ticker", cafe.coin}}).at("profile"), "name"));
    CHECK(str(payload, "body") == str(*sent, "text"));
    CHECK(str(payload, "url") == str(*sent, "link"));
    CHECK(str(payload, "tag") == str(*sent, "key"));
    CHECK(requests_to(sms, "+79000000071") == sms_before);
    CHECK(admin.call("sms.credits", json::object{{"ticker", cafe.coin}}).at("spent") == credits_before.at("spent"));

    // A claim code goes by SMS whatever the phone chose.
    REQUIRE(request_claim_code(c, admin, "+79000000071"));
    REQUIRE(wait_until([&] { return requests_to(sms, "+79000000071") == sms_before + 1; }, generous));
    CHECK(push.requests().size() == 1);

    // Kept across a restart.
    node.stop();
    node.start();
    c = node.client();
    admin = node.client(true);
    CHECK(c.call("messages.push.key").at("public_key") == json::value(vapid));  // the same VAPID key
    REQUIRE(wait_message(admin, str(cafe.give(cafe.masha, phone, 1'00), "id"), "sent"));
    REQUIRE(wait_until([&] { return push.requests().size() == 2; }, generous));
    CHECK(str(browser.read(push.requests()[1]), "body").find("1") != std::string::npos);

    // Off: the next news goes by SMS again.
    CHECK(c.call("messages.push.set", push_params(chain, client, phone, std::nullopt, node_ms(c))).at("subscribed") == false);
    CHECK(c.call("messages.push.get", json::object{{"holder", account_text(phone)}}).at("subscribed") == false);
    CHECK(clients_push() == 0);
    auto by_sms = wait_message(admin, str(cafe.give(cafe.masha, phone, 1'00), "id"), "sent");
    REQUIRE(by_sms);
    CHECK(str(*by_sms, "channel") == "http");
    CHECK(requests_to(sms, "+79000000071") == sms_before + 2);
    CHECK(push.requests().size() == 2);
}

namespace {

// A node with push on, its fake gateway and push service (started with
// `push_flags`), and +7 900 000-00-<nn> claimed, its client subscribed at
// `path` of the push service.
struct Subscribed {
    Subscribed(const std::string& nn, const std::string& path, std::vector<std::string> push_flags = {})
        : push("push", "unused", std::move(push_flags)),
          s({"--sms-provider", "http", "--sms-url", sms.url("/send"), "--push-contact", push_contact}, token),
          e164("+790000000" + nn),
          phone(s.cafe.phone(e164)),
          browser(push.url(path)) {
        REQUIRE(wait_message(s.admin, str(s.cafe.give(s.cafe.masha, phone, 1'00), "id"), "sent"));
        claim(s.cafe, s.c, s.admin, e164, client);
        sms_before = requests_to(sms, e164);
        REQUIRE(s.c.call("messages.push.set", push_params(s.cafe.wallet.chain(), client, phone, browser.sub, node_ms(s.c)))
                    .at("subscribed") == true);
    }
    // News of 2.00, once its message is sent.
    json::object news() {
        auto sent = wait_message(s.admin, str(s.cafe.give(s.cafe.masha, phone, 2'00), "id"), "sent");
        REQUIRE(sent);
        return *sent;
    }
    bool subscribed() { return s.c.call("messages.push.get", json::object{{"holder", account_text(phone)}}).at("subscribed") == true; }

    const std::string token = "gw-token-push";
    FakeProvider sms{"generic", token};
    FakeProvider push;
    SmsNode s;
    const std::string e164;
    const Account phone;
    const KeyPair client = KeyPair::generate();
    const Browser browser;
    std::size_t sms_before = 0;
};

}  // namespace

TEST_CASE("a subscription the push service says is gone is forgotten, and the message goes by SMS") {
    Subscribed w("72", "/gone/sub-72");
    const json::object sent = w.news();
    CHECK(str(sent, "channel") == "http");
    CHECK(sent.at("attempts") == 2);  // the push the service refused, then the SMS
    CHECK(w.push.requests().size() == 1);
    CHECK(requests_to(w.sms, w.e164) == w.sms_before + 1);
    CHECK_FALSE(w.subscribed());
}

TEST_CASE("a push service that does not take the message: after 3 attempts it goes by SMS, and the subscription stays") {
    Subscribed w("74", "/push/sub-74", {"--fail-first", "1000"});  // 503 to everything
    const json::object sent = w.news();
    CHECK(str(sent, "channel") == "http");
    CHECK(sent.at("attempts") == 4);  // three by push, then the SMS
    CHECK(w.push.requests().size() == 3);
    CHECK(requests_to(w.sms, w.e164) == w.sms_before + 1);
    CHECK(w.subscribed());
}

TEST_CASE("a node without --push-contact offers no push and takes no subscription") {
    NodeProcess node;
    rpc::Client c = node.client();
    const json::value key = c.call("messages.push.key");
    CHECK(key.at("enabled") == false);
    CHECK(!key.as_object().contains("public_key"));
    Volodi cafe(c);
    cafe.open();
    const Account phone = cafe.phone("+7 900 000-00-73");
    const KeyPair client = KeyPair::generate();
    const json::object on = push_params(cafe.wallet.chain(), client, phone,
                                        PushSub{"https://push.example.net/sub",
                                                "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
                                                "BTBZMqHH6r4Tts7J_aSIgg"},
                                        c.call("node.info").at("time_ms").to_number<std::uint64_t>());
    CHECK(error_code_of(c, "messages.push.set", on) == rpc::not_found);
    CHECK(c.call("messages.push.get", json::object{{"holder", account_text(phone)}}).at("subscribed") == false);
}
