// The push subscriptions' two contracts (node/messages/push_store.h): the
// bytes messages.push.set signs, against tests/vectors/push_request.json
// (made with @noble/curves from docs/formats.md alone, and read by the web
// library's test too), and the private journal: the newest choice per phone
// wins, a stale one is refused, a gone subscription is forgotten only if it
// is still the phone's, and all of it survives reopening, a torn last line
// included.
#include "crypto/keys.h"
#include "node/messages/push_store.h"

#include "support.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <sys/stat.h>

using kopilka::test::TempDir;
using namespace kopilka;
using node::PushSubscriptions;
namespace json = boost::json;

namespace {

ledger::PhoneRef ref_of(std::string_view holder) {
    REQUIRE(holder.rfind("phone:", 0) == 0);
    auto raw = from_hex(holder.substr(6));
    REQUIRE(raw);
    ledger::PhoneRef r{};
    REQUIRE(raw->size() == r.size());
    std::copy(raw->begin(), raw->end(), r.begin());
    return r;
}

Bytes hex_of(const json::value& v) {
    auto b = from_hex(v.as_string());
    REQUIRE(b);
    return *b;
}

PushSubscriptions::Entry entry(std::string endpoint) { return {std::move(endpoint), "p256dh", "auth", 0, 0}; }

}  // namespace

TEST_CASE("the bytes a messages.push.set request signs, and their signature (tests/vectors/push_request.json)", "[push]") {
    std::ifstream in(std::string(KOPILKA_SOURCE_DIR) + "/tests/vectors/push_request.json");
    REQUIRE(in);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const json::array cases = json::parse(text).at("cases").as_array();
    REQUIRE(cases.size() == 2);
    for (const auto& c : cases) {
        const std::uint64_t time_ms = c.at("time_ms").to_number<std::uint64_t>();
        INFO("time_ms " << time_ms);
        std::optional<node::PushKeys> keys;
        if (!c.at("subscription").is_null()) {
            const auto& s = c.at("subscription");
            auto p256dh = from_base64url(s.at("keys").at("p256dh").as_string());
            auto auth = from_base64url(s.at("keys").at("auth").as_string());
            REQUIRE(p256dh);
            REQUIRE(auth);
            keys = node::PushKeys{std::string(s.at("endpoint").as_string()), *p256dh, *auth};
        }
        auto bytes = node::push_request_bytes(ref_of(c.at("holder").as_string()), keys, time_ms);
        REQUIRE(bytes);
        CHECK(to_hex(*bytes) == c.at("bytes").as_string());
        const Bytes seed = hex_of(c.at("seed"));
        const KeyPair k = KeyPair::from_seed(seed);
        CHECK(to_hex(k.public_key().bytes) == c.at("key").as_string());
        ChainId chain{};
        const Bytes chain_bytes = hex_of(c.at("chain_id"));
        REQUIRE(chain_bytes.size() == chain.size());
        std::copy(chain_bytes.begin(), chain_bytes.end(), chain.begin());
        CHECK(to_hex(k.sign(Domain::push, chain, *bytes).view()) == c.at("signature").as_string());
    }
    CHECK(domain_tag(Domain::push) == "kopilka/push/v1");
    // What a browser never makes: no endpoint, one too long, keys of the wrong size.
    const ledger::PhoneRef r{};
    CHECK_FALSE(node::push_request_bytes(r, node::PushKeys{"", Bytes(65), Bytes(16)}, 0));
    CHECK_FALSE(node::push_request_bytes(r, node::PushKeys{std::string(2049, 'a'), Bytes(65), Bytes(16)}, 0));
    CHECK_FALSE(node::push_request_bytes(r, node::PushKeys{"https://p", Bytes(64), Bytes(16)}, 0));
    CHECK_FALSE(node::push_request_bytes(r, node::PushKeys{"https://p", Bytes(65), Bytes(15)}, 0));
}

TEST_CASE("the push journal: the newest choice wins, a stale one is refused, a gone one forgotten, all kept across reopening", "[push]") {
    TempDir dir{"kopilka-push"};
    const auto file = dir.path() / "private" / "push.jsonl";
    ledger::PhoneRef a{}, b{};
    a[0] = 1;
    b[0] = 2;
    {
        PushSubscriptions subs(file);
        REQUIRE(subs.set(a, entry("https://push.example/a1"), 100, 1'000));
        REQUIRE(subs.set(b, entry("https://push.example/b1"), 100, 1'000));
        // Signed at or before the last choice: refused, whatever it says.
        auto stale = subs.set(a, std::nullopt, 100, 1'001);
        REQUIRE_FALSE(stale);
        CHECK(stale.error().why == PushSubscriptions::Refusal::stale);
        // A second browser replaces the first.
        REQUIRE(subs.set(a, entry("https://push.example/a2"), 101, 1'002));
        // The first browser's subscription gone: a2 stays.
        subs.forget(a, "https://push.example/a1", 1'003);
        REQUIRE(subs.of(a));
        CHECK(subs.of(a)->endpoint == "https://push.example/a2");
        CHECK(subs.of(a)->time_ms == 1'002);
        CHECK(subs.of(a)->signed_ms == 101);
        // b's is gone.
        subs.forget(b, "https://push.example/b1", 1'004);
        CHECK_FALSE(subs.of(b));
        CHECK(subs.size() == 1);
    }
    struct stat st{};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    {
        PushSubscriptions subs(file);
        CHECK(subs.size() == 1);
        REQUIRE(subs.of(a));
        CHECK(subs.of(a)->endpoint == "https://push.example/a2");
        CHECK_FALSE(subs.of(b));
        // A forgotten subscription keeps the phone's last signed time: the
        // request that made it cannot be played again.
        CHECK_FALSE(subs.set(b, entry("https://push.example/b1"), 100, 2'000));
        REQUIRE(subs.set(b, std::nullopt, 102, 2'001));
        CHECK_FALSE(subs.set(a, entry("https://push.example/a1"), 101, 2'002));
    }
    // A crash mid-append leaves a torn last line: it is dropped, the journal
    // rewritten, and the next append starts on a line of its own.
    std::ofstream(file, std::ios::app) << R"({"v":1,"phone":"03)";
    {
        PushSubscriptions subs(file);
        CHECK(subs.size() == 1);
        ledger::PhoneRef c{};
        c[0] = 3;
        REQUIRE(subs.set(c, entry("https://push.example/c1"), 5, 3'000));
    }
    PushSubscriptions subs(file);
    CHECK(subs.size() == 2);
    CHECK(subs.of(a)->endpoint == "https://push.example/a2");
}
