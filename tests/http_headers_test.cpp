// The request headers the node reads for its pages and behind a proxy, at
// the function level: Accept-Encoding (pages.h accepts_gzip), If-None-Match
// (etag_matches) and X-Forwarded-For (proxy.h TrustedProxies). The real
// server's use of each is in functional/pages_test.cpp.
#include "node/pages.h"
#include "node/proxy.h"

#include <catch2/catch.hpp>

#include <array>

using namespace kopilka::node;

TEST_CASE("Accept-Encoding: gzip by name or by *, q=0 refuses, a malformed q counts as 0") {
    for (const char* yes : {"gzip", "GZip", "x-gzip", "deflate, gzip", "gzip;q=0.001", "gzip; q=1", "gzip;Q=0.5",
                            "*", "*;q=0.2", "br, *", "gzip;q=1.000", "identity;q=0, gzip", " gzip ,br"}) {
        INFO(yes);
        CHECK(accepts_gzip(yes));
    }
    for (const char* no : {"", "identity", "br, deflate", "gzip;q=0", "gzip;q=0.", "gzip;q=0.000", "gzip; q=0 , br",
                           "*;q=0", "*, gzip;q=0", "gzip;q=0, *", "gzip;q=abc", "gzip;q=1.5", "gzip;q=2",
                           "gzip;q=0.0001", "gzipx", "gzip2"}) {
        INFO(no);
        CHECK_FALSE(accepts_gzip(no));
    }
}

TEST_CASE("If-None-Match: a list of tags, weak or strong, or *") {
    CHECK(etag_matches("\"abc\"", "\"abc\""));
    CHECK(etag_matches("W/\"abc\"", "\"abc\""));
    CHECK(etag_matches("\"x\", \"abc\"", "\"abc\""));
    CHECK(etag_matches("*", "\"abc\""));
    CHECK_FALSE(etag_matches("\"abcd\"", "\"abc\""));
    CHECK_FALSE(etag_matches("abc", "\"abc\""));
    CHECK_FALSE(etag_matches("", "\"abc\""));
}

TEST_CASE("trusted-proxies: addresses by commas or spaces, each named when it is not one") {
    auto t = TrustedProxies::parse(" 127.0.0.1, ::1 10.0.0.2,,::ffff:10.0.0.3 127.0.0.1");
    REQUIRE(t);
    CHECK(t->addresses() == std::vector<std::string>{"127.0.0.1", "::1", "10.0.0.2", "10.0.0.3"});
    CHECK(t->trusts("10.0.0.3"));
    CHECK_FALSE(t->trusts("10.0.0.4"));
    REQUIRE(TrustedProxies::parse(""));
    CHECK(TrustedProxies::parse("")->addresses().empty());
    for (const char* bad : {"localhost", "10.0.0.0/8", "127.0.0.1:80", "1.2.3"}) {
        INFO(bad);
        auto r = TrustedProxies::parse(std::string("127.0.0.1 ") + bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().find(std::string("'") + bad + "'") != std::string::npos);
    }
}

TEST_CASE("X-Forwarded-For: the rightmost entry that is no trusted proxy, only from a trusted peer") {
    const auto t = *TrustedProxies::parse("127.0.0.1 10.0.0.2");
    auto client = [&](const std::string& peer, std::vector<std::string_view> lines) {
        return t.client_address(peer, lines);
    };
    CHECK(client("127.0.0.1", {"203.0.113.5"}) == "203.0.113.5");
    CHECK(client("127.0.0.1", {" 198.51.100.1 , 203.0.113.5 "}) == "203.0.113.5");
    // A chain of trusted proxies is walked through.
    CHECK(client("127.0.0.1", {"198.51.100.1, 203.0.113.5, 10.0.0.2"}) == "203.0.113.5");
    // Lines are one list in order.
    CHECK(client("127.0.0.1", {"198.51.100.1", "203.0.113.5"}) == "203.0.113.5");
    CHECK(client("127.0.0.1", {"203.0.113.5", "10.0.0.2"}) == "203.0.113.5");
    // Canonical text: an IPv4-mapped IPv6 address is the IPv4 one.
    CHECK(client("127.0.0.1", {"::ffff:203.0.113.5"}) == "203.0.113.5");
    CHECK(client("127.0.0.1", {"2001:DB8::1"}) == "2001:db8::1");
    // Nothing forwarded, every hop trusted, or nonsense: the nearest trusted hop.
    CHECK(client("127.0.0.1", {}) == "127.0.0.1");
    CHECK(client("127.0.0.1", {""}) == "127.0.0.1");
    CHECK(client("127.0.0.1", {"10.0.0.2"}) == "10.0.0.2");
    CHECK(client("127.0.0.1", {"203.0.113.5, nonsense"}) == "127.0.0.1");
    CHECK(client("127.0.0.1", {"203.0.113.5, nonsense, 10.0.0.2"}) == "10.0.0.2");
    CHECK(client("127.0.0.1", {"203.0.113.5:4711"}) == "127.0.0.1");
    // An untrusted peer is the client, whatever it forwards.
    CHECK(client("127.0.0.2", {"203.0.113.5"}) == "127.0.0.2");
    CHECK(TrustedProxies{}.client_address("127.0.0.1", std::array<std::string_view, 1>{"203.0.113.5"}) == "127.0.0.1");
}
