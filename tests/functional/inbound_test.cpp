// What clients and providers tell the node (docs/messages.md, "Opting out"
// and "Inbound"), against the real kopilkad and fake_sms.py: a provider's
// delivery report marks a sent message delivered or failed, a client's STOP
// reply stops every venue's coins messages to that number (claim codes still
// go) and START undoes it, a client turns one venue's messages off from the
// cabinet with a signature of the phone's key; and whatever is unsigned,
// wrongly signed, stale or replayed changes nothing.
#include "fake_provider.h"
#include "harness.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sodium.h>

#include <chrono>
#include <fstream>
#include <thread>

using namespace kopilka;
using namespace kopilka::test;
using namespace kopilka::ledger;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr auto generous = std::chrono::seconds(30);
const std::string inbound_secret = "inbound-secret-7d2e91c4b8a6f053";

// The generic gateway's signature, computed here from docs/messages.md alone:
// v1= and the hex HMAC-SHA256 of "<timestamp>.<body>" under the secret.
std::string sign_hook(const std::string& secret, const std::string& timestamp, const std::string& body) {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    const std::string signed_text = timestamp + "." + body;
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&st, mac);
    return "v1=" + to_hex(ByteView(mac, sizeof mac));
}

struct HookReply {
    int status = 0;
    std::string body;
};

// POST /hooks/sms with `body` byte for byte and `headers` ("Name: value"), through curl.
HookReply post_hook(std::uint16_t port, const std::string& body, const std::vector<std::string>& headers) {
    TempDir dir("kopilka-hook");
    const fs::path in = dir.path() / "body", out = dir.path() / "answer";
    std::ofstream(in, std::ios::binary) << body;
    std::string cmd = "curl -s -o '" + out.string() + "' -w '%{http_code}' -X POST --data-binary @'" + in.string() + "'";
    for (const auto& h : headers) cmd += " -H '" + h + "'";
    cmd += " http://127.0.0.1:" + std::to_string(port) + "/hooks/sms";
    const Captured r = run_captured(cmd);
    HookReply reply;
    reply.status = std::atoi(r.out.c_str());
    reply.body = fs::exists(out) ? read_text(out) : "";
    return reply;
}

std::string unix_s_now(std::int64_t offset_s = 0) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    return std::to_string(now.count() + offset_s);
}

// A generic gateway's signed POST of `events`.
HookReply post_signed(std::uint16_t port, const json::array& events, const std::string& secret = inbound_secret,
                      std::int64_t clock_offset_s = 0) {
    const std::string body = json::serialize(json::object{{"events", events}});
    const std::string ts = unix_s_now(clock_offset_s);
    return post_hook(port, body,
                     {"Content-Type: application/json", "X-Kopilka-Timestamp: " + ts,
                      "X-Kopilka-Signature: " + sign_hook(secret, ts, body)});
}

fs::path write_inbound_secret(const TempDir& dir) {
    const fs::path p = dir.path() / "inbound.secret";
    std::ofstream(p) << inbound_secret << "\n";
    return p;
}

json::object message_of(rpc::Client& admin, const std::string& tx) {
    for (const auto& m : outbox(admin))
        if (m.at("tx") == json::value(tx)) return m.as_object();
    FAIL("no message for " << tx);
    return {};
}

std::size_t requests_to(const FakeProvider& fake, const std::string& e164) {
    std::size_t n = 0;
    for (const auto& r : fake.requests())
        if (r.contains("json") && r.at("json").as_object().contains("to") && str(r.at("json"), "to") == e164) ++n;
    return n;
}

}  // namespace

TEST_CASE("generic gateway: signed delivery reports mark sent messages delivered or failed, and unsigned, wrongly signed or stale ones change nothing") {
    const std::string token = "gw-token-5f1c9a";
    FakeProvider fake("generic", token);
    TempDir inbound("kopilka-inbound");
    SmsNode s({"--sms-provider", "http", "--sms-url", fake.url("/send"), "--sms-inbound-secret-file",
               write_inbound_secret(inbound).string()},
              token);
    auto& [secrets, node, c, admin, cafe] = s;

    const std::string tx1 = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-00-61"), 1'00), "id");
    const std::string tx2 = str(cafe.give(cafe.masha, cafe.phone("+7 900 000-00-62"), 2'00), "id");
    auto m1 = wait_message(admin, tx1, "sent");
    auto m2 = wait_message(admin, tx2, "sent");
    REQUIRE(m1);
    REQUIRE(m2);
    CHECK(m1->at("delivery").is_null());
    const std::string id1 = str(*m1, "provider_id"), id2 = str(*m2, "provider_id");
    REQUIRE(!id1.empty());

    const json::array events{json::object{{"type", "delivery"}, {"id", id1}, {"status", "delivered"}},
                             json::object{{"type", "delivery"}, {"id", id2}, {"status", "failed"}, {"error", "absent subscriber"}},
                             json::object{{"type", "delivery"}, {"id", "gw-never"}, {"status", "delivered"}}};
    const std::string body = json::serialize(json::object{{"events", events}});
    const std::string ts = unix_s_now();
    // Not the gateway: no signature, another secret's, a signature of other
    // bytes, a timestamp ten minutes old, none at all.
    CHECK(post_hook(node.port(), body, {"Content-Type: application/json"}).status == 401);
    CHECK(post_signed(node.port(), events, "another-secret-0123456789").status == 401);
    CHECK(post_hook(node.port(), body + " ",
                    {"X-Kopilka-Timestamp: " + ts, "X-Kopilka-Signature: " + sign_hook(inbound_secret, ts, body)})
              .status == 401);
    CHECK(post_signed(node.port(), events, inbound_secret, -600).status == 401);
    CHECK(message_of(admin, tx1).at("delivery").is_null());
    CHECK(message_of(admin, tx2).at("delivery").is_null());
    const std::string metrics = run_captured("curl -s http://127.0.0.1:" + std::to_string(node.port()) + "/metrics").out;
    CHECK(metric(metrics, "kopilka_sms_hooks_unauthorized_total") == 4);
    // Signed, but not the form: refused whole, nothing applied.
    const HookReply bad = post_signed(node.port(), json::array{json::object{{"type", "delivery"}, {"id", id1}}});
    CHECK(bad.status == 400);
    CHECK(bad.body.find("'status'") != std::string::npos);
    CHECK(message_of(admin, tx1).at("delivery").is_null());

    const HookReply ok = post_signed(node.port(), events);
    INFO(ok.body);
    REQUIRE(ok.status == 200);
    const json::value answer = json::parse(ok.body);
    CHECK(answer.at("reports") == 2);
    CHECK(answer.at("unknown") == 1);
    auto d1 = message_of(admin, tx1), d2 = message_of(admin, tx2);
    CHECK(str(d1, "delivery") == "delivered");
    CHECK(d1.at("delivery_ms").to_number<std::uint64_t>() >= d1.at("done_ms").to_number<std::uint64_t>());
    CHECK(str(d2, "delivery") == "failed");
    CHECK(str(d2, "error") == "absent subscriber");
    CHECK(str(d2, "state") == "sent");  // it left: credits stay spent, nothing is sent again

    // A restart keeps the reports, and reads new ones for messages sent before it.
    node.stop();
    node.start();
    c = node.client();
    admin = node.client(true);  // a fresh cookie each start
    CHECK(str(message_of(admin, tx1), "delivery") == "delivered");
    REQUIRE(post_signed(node.port(), json::array{json::object{{"type", "delivery"}, {"id", id2}, {"status", "delivered"}}})
                .status == 200);
    CHECK(str(message_of(admin, tx2), "delivery") == "delivered");
}

TEST_CASE("a STOP reply stops every venue's coins messages to that number, claim codes still go, START lets them go again") {
    const std::string token = "gw-token-5f1c9a";
    FakeProvider fake("generic", token);
    TempDir inbound("kopilka-inbound");
    SmsNode s({"--sms-provider", "http", "--sms-url", fake.url("/send"), "--sms-inbound-secret-file",
               write_inbound_secret(inbound).string()},
              token);
    auto& [secrets, node, c, admin, cafe] = s;
    Volodi other(c, "KOFE");
    other.open();

    const Account phone = cafe.phone("+7 900 000-00-63");
    REQUIRE(wait_message(admin, str(cafe.give(cafe.masha, phone, 1'00), "id"), "sent"));
    CHECK(requests_to(fake, "+79000000063") == 1);

    // The client answers the SMS with " Stop " (as a phone's keyboard may
    // write it); a reply that is not a word the node knows changes nothing.
    HookReply r = post_signed(node.port(), json::array{json::object{{"type", "reply"}, {"from", "+79000000063"}, {"text", "thanks!"}},
                                                       json::object{{"type", "reply"}, {"from", "+79000000063"}, {"text", " Stop "}}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body).at("stops") == 1);
    CHECK(json::parse(r.body).at("ignored") == 1);
    const json::value choices = c.call("messages.consent.get", json::object{{"holder", account_text(phone)}});
    CHECK(choices.at("receive_all") == false);
    REQUIRE(choices.at("choices").as_array().size() == 1);
    CHECK(str(choices.at("choices").as_array()[0], "source") == "reply");

    // Coins from both venues: committed, their messages stopped, never offered.
    const std::string stopped1 = str(cafe.give(cafe.masha, phone, 2'00), "id");
    const std::string stopped2 = str(other.give(other.masha, phone, 3'00), "id");
    auto m1 = wait_message(admin, stopped1, "stopped");
    auto m2 = wait_message(admin, stopped2, "stopped");
    REQUIRE(m1);
    REQUIRE(m2);
    CHECK(str(*m1, "error").find("STOP") != std::string::npos);
    CHECK(m1->at("attempts") == 0);
    CHECK(cafe.wallet.balance(phone, cafe.coin) == "3.00");
    // A claim code the person asks for still goes.
    REQUIRE(request_claim_code(c, admin, "+79000000063"));
    REQUIRE(wait_until([&] { return requests_to(fake, "+79000000063") == 2; }, generous));
    CHECK(admin.call("admin.outbox", json::object{{"state", "stopped"}}).at("counts").at("stopped") == 2);
    const std::string metrics = run_captured("curl -s http://127.0.0.1:" + std::to_string(node.port()) + "/metrics").out;
    CHECK(metric(metrics, "kopilka_outbox_messages", R"(state="stopped")") == 2);
    CHECK(metric(metrics, "kopilka_consent_stopped", R"(scope="all")") == 1);

    // Kept across a restart.
    node.stop();
    node.start();
    c = node.client();
    admin = node.client(true);  // a fresh cookie each start
    const std::string still = str(cafe.give(cafe.masha, phone, 1'00), "id");
    REQUIRE(wait_message(admin, still, "stopped"));

    // START: the next one goes.
    REQUIRE(post_signed(node.port(), json::array{json::object{{"type", "reply"}, {"from", "+7 900 000-00-63"}, {"text", "START"}}})
                .status == 200);
    CHECK(c.call("messages.consent.get", json::object{{"holder", account_text(phone)}}).at("receive_all") == true);
    const std::string again = str(other.give(other.masha, phone, 1'00), "id");
    REQUIRE(wait_message(admin, again, "sent"));
    CHECK(requests_to(fake, "+79000000063") == 3);
}

TEST_CASE("Twilio: a status callback with the webhook's Basic credentials marks the message delivered, an incoming STOP stops, without them 401") {
    const std::string token = "twilio-auth-token-1";
    const std::string sid = "AC00000000000000000000000000000001";
    FakeProvider fake("twilio", token, {"--account", sid});
    TempDir inbound("kopilka-inbound");
    SmsNode s({"--sms-provider", "twilio", "--sms-url", fake.url(), "--sms-account", sid, "--sms-from", "+15005550006",
               "--sms-inbound-secret-file", write_inbound_secret(inbound).string()},
              token);
    auto& [secrets, node, c, admin, cafe] = s;

    const Account phone = cafe.phone("+7 900 000-00-64");
    const std::string tx = str(cafe.give(cafe.masha, phone, 1'00), "id");
    auto m = wait_message(admin, tx, "sent");
    REQUIRE(m);
    const std::string message_sid = str(*m, "provider_id");
    REQUIRE(message_sid.starts_with("SM"));

    const std::string basic = "Authorization: Basic " +
                              run_captured("printf '%s' 'kopilka:" + inbound_secret + "' | base64 -w0").out;
    const std::string wrong = "Authorization: Basic " + run_captured("printf '%s' 'kopilka:guess' | base64 -w0").out;
    const std::string form = "Content-Type: application/x-www-form-urlencoded";
    const std::string status_body = "MessageSid=" + message_sid + "&MessageStatus=delivered&AccountSid=" + sid;
    CHECK(post_hook(node.port(), status_body, {form}).status == 401);
    CHECK(post_hook(node.port(), status_body, {form, wrong}).status == 401);
    CHECK(message_of(admin, tx).at("delivery").is_null());
    // "sent" is not news: ignored.
    CHECK(post_hook(node.port(), "MessageSid=" + message_sid + "&MessageStatus=sent", {form, basic}).status == 200);
    CHECK(message_of(admin, tx).at("delivery").is_null());
    const HookReply ok = post_hook(node.port(), status_body, {form, basic});
    CHECK(ok.status == 200);
    CHECK(ok.body.find("<Response>") != std::string::npos);
    CHECK(str(message_of(admin, tx), "delivery") == "delivered");

    // An incoming message, as Twilio forwards it: From in E.164 (%2B is '+').
    REQUIRE(post_hook(node.port(), "From=%2B79000000064&To=%2B15005550006&Body=STOP&SmsStatus=received", {form, basic})
                .status == 200);
    CHECK(c.call("messages.consent.get", json::object{{"holder", account_text(phone)}}).at("receive_all") == false);
    REQUIRE(wait_message(admin, str(cafe.give(cafe.masha, phone, 1'00), "id"), "stopped"));
}

TEST_CASE("a client turns one venue's messages off in the cabinet with the phone's key: that venue's stop, another's still go, and a replayed, stale or foreign choice is refused") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    Volodi other(c, "KOFE");
    other.open();
    const Account phone = cafe.phone("+7 900 000-00-65");
    cafe.give(cafe.masha, phone, 5'00);
    auto code = request_claim_code(c, admin, "+79000000065");
    REQUIRE(code);
    const KeyPair client = KeyPair::generate();
    REQUIRE(claim_phone(cafe.wallet, c, "+79000000065", *code, client).at("status") == "committed");
    const ChainId& chain = cafe.wallet.chain();
    auto node_ms = [&] { return c.call("node.info").at("time_ms").to_number<std::uint64_t>(); };

    const std::uint64_t t0 = node_ms();
    const json::object off = consent_params(chain, client, phone, cafe.coin, false, t0);
    const json::value set = c.call("messages.consent.set", off);
    CHECK(set.at("receive") == false);
    CHECK(str(set, "ticker") == cafe.coin);
    CHECK(str(set, "source") == "cabinet");

    // The same request again, a stranger's key, another chain's bytes, a
    // time outside the window, a venue that does not exist.
    CHECK(error_code_of(c, "messages.consent.set", off) == rpc::unauthorized);
    const KeyPair stranger = KeyPair::generate();
    CHECK(error_code_of(c, "messages.consent.set", consent_params(chain, stranger, phone, cafe.coin, true, t0 + 1)) ==
          rpc::unauthorized);
    ChainId elsewhere = chain;
    elsewhere[0] ^= 1;
    CHECK(error_code_of(c, "messages.consent.set", consent_params(elsewhere, client, phone, cafe.coin, true, t0 + 2)) ==
          rpc::unauthorized);
    CHECK(error_code_of(c, "messages.consent.set",
                        consent_params(chain, client, phone, cafe.coin, true, t0 + 10 * 60 * 1000)) == rpc::unauthorized);
    CHECK(error_code_of(c, "messages.consent.set", consent_params(chain, client, phone, "NOPE", false, t0 + 3)) ==
          rpc::not_found);
    // The signed choice is what counts: a request whose receive was changed after signing.
    json::object forged = consent_params(chain, client, phone, cafe.coin, false, t0 + 4);
    forged["receive"] = true;
    CHECK(error_code_of(c, "messages.consent.set", forged) == rpc::unauthorized);

    const std::string stopped = str(cafe.give(cafe.masha, phone, 1'00), "id");
    const std::string sent = str(other.give(other.masha, phone, 1'00), "id");
    auto ms = wait_message(admin, stopped, "stopped");
    REQUIRE(ms);
    CHECK(str(*ms, "error").find("cabinet") != std::string::npos);
    REQUIRE(wait_message(admin, sent, "sent"));
    const json::value choices = c.call("messages.consent.get", json::object{{"holder", account_text(phone)}});
    CHECK(choices.at("receive_all") == true);
    REQUIRE(choices.at("choices").as_array().size() == 1);

    // Kept across a restart; then turned back on, signed later.
    node.stop();
    node.start();
    c = node.client();
    admin = node.client(true);  // a fresh cookie each start
    REQUIRE(c.call("messages.consent.get", json::object{{"holder", account_text(phone)}}).at("choices").as_array().size() == 1);
    REQUIRE(wait_message(admin, str(cafe.give(cafe.masha, phone, 1'00), "id"), "stopped"));
    c.call("messages.consent.set", consent_params(chain, client, phone, cafe.coin, true, node_ms() + 5));
    REQUIRE(wait_message(admin, str(cafe.give(cafe.masha, phone, 1'00), "id"), "sent"));
    // The node's log names no number.
    CHECK(node.log().find("79000000065") == std::string::npos);
}
