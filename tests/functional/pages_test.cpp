// kopilkad serves the web pages built into it (issue 14, "Foundation"):
//  - the cabinet's HTML shell at / and /c/<64 lowercase hex>, and the hashed
//    files it names at /assets/<name>, each with the strict headers of
//    docs/node.md "Serving the pages" (CSP, no referrer, no framing, camera
//    to itself only, nosniff, COOP), pages revalidated, assets immutable;
//  - the gzip body made at build time when Accept-Encoding allows it (q=0
//    refuses), inflating to the identity body; HEAD tells the same headers
//    with no body; an ETag the browser sends back gets a 304;
//  - only GET and HEAD (405 with Allow otherwise), and 404 for every path
//    that is no page: a reference that is not 64 lowercase hex, a missing
//    asset, path traversal raw or percent-encoded;
//  - X-Forwarded-For names the client only when the peer is a trusted proxy
//    (--trusted-proxies), so phones behind Caddy keep separate claim-code
//    budgets, and a forged header from anyone else changes nothing.
#include "harness.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <map>
#include <regex>

using namespace kopilka;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

// A bound on waiting for the node's answer, not a measurement.
constexpr auto answer_wait = std::chrono::seconds(30);
const std::string ref(64, 'a');  // a phone reference's shape: 64 lowercase hex

struct Reply {
    int status = 0;
    std::multimap<std::string, std::string> headers;  // names lowercased
    std::string body;

    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    bool has(const std::string& name) const { return headers.count(name) != 0; }
};

// One request (Connection: close) from `from`, an address of 127.0.0.0/8
// (every one is this host), so the node sees that client address.
Reply exchange(std::uint16_t port, const std::string& method, const std::string& target,
               const std::vector<std::string>& headers = {}, const std::string& from = "127.0.0.1",
               const std::string& body = "") {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& h : headers) request += h + "\r\n";
    if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    const int fd = connect_from(from, port);
    for (std::string_view rest = request; !rest.empty();) {
        const auto n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + answer_wait;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) continue;
        char buf[16384];
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);

    Reply r;
    const auto head_end = got.find("\r\n\r\n");
    if (got.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos)
        throw std::runtime_error("no HTTP answer to " + method + " " + target + ": " + got.substr(0, 200));
    r.status = std::stoi(got.substr(9, 3));
    std::size_t at = got.find("\r\n") + 2;
    while (at < head_end) {
        const auto eol = got.find("\r\n", at);
        const std::string line = got.substr(at, eol - at);
        const auto colon = line.find(':');
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers.emplace(name, line.substr(line.find_first_not_of(' ', colon + 1)));
        at = eol + 2;
    }
    r.body = got.substr(head_end + 4);
    return r;
}

std::string inflate_gzip(const std::string& in) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);  // 16: a gzip wrapper, not zlib's
    std::string out;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
        char buf[16384];
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
    }
    inflateEnd(&z);
    REQUIRE(rc == Z_STREAM_END);
    return out;
}

// The headers docs/node.md "Serving the pages" promises on every page and file.
void check_security_headers(const Reply& r) {
    CHECK(r.header("content-security-policy") ==
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
          "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'");
    CHECK(r.header("referrer-policy") == "no-referrer");
    CHECK(r.header("x-frame-options") == "DENY");
    CHECK(r.header("x-content-type-options") == "nosniff");
    const std::string permissions = r.header("permissions-policy");
    CHECK(permissions.find("camera=(self)") != std::string::npos);
    CHECK(permissions.find("microphone=()") != std::string::npos);
    CHECK(permissions.find("geolocation=()") != std::string::npos);
    CHECK(permissions.find("payment=()") != std::string::npos);
    CHECK(r.header("cross-origin-opener-policy") == "same-origin");
    CHECK(r.header("vary") == "Accept-Encoding");
    CHECK(r.header("etag").size() > 2);
}

// Asks for a claim code for `phone` as a client behind `forwarded_for`
// (empty: no header) on a connection from `from`; the JSON-RPC answer.
json::object claim_request(std::uint16_t port, const std::string& phone, const std::string& from,
                           const std::string& forwarded_for) {
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (!forwarded_for.empty()) headers.push_back("X-Forwarded-For: " + forwarded_for);
    const std::string body = json::serialize(json::object{
        {"jsonrpc", "2.0"}, {"id", 1}, {"method", "phone.claim.request"}, {"params", {{"phone", phone}}}});
    const Reply r = exchange(port, "POST", "/rpc", headers, from, body);
    REQUIRE(r.status == 200);
    return json::parse(r.body).as_object();
}

bool refused_for_address(const json::object& answer) {
    const auto* error = answer.if_contains("error");
    if (!error) return false;
    CHECK(error->at("code").to_number<int>() == rpc::rate_limited);
    return std::string(error->at("message").as_string()).find("address") != std::string::npos;
}

}  // namespace

TEST_CASE("the cabinet's shell and its files: every header, gzip or identity by Accept-Encoding, HEAD, ETag") {
    NodeProcess node;
    const auto port = node.port();

    const Reply root = exchange(port, "GET", "/");
    REQUIRE(root.status == 200);
    check_security_headers(root);
    CHECK(root.header("content-type") == "text/html; charset=utf-8");
    CHECK(root.header("cache-control") == "no-cache");
    CHECK_FALSE(root.has("content-encoding"));
    CHECK(root.header("content-length") == std::to_string(root.body.size()));
    CHECK(root.body.find("<div id=\"app\"></div>") != std::string::npos);
    CHECK(root.body.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">") != std::string::npos);
    // No inline script or style, nothing from another origin.
    CHECK(root.body.find("<style") == std::string::npos);
    CHECK(root.body.find("style=") == std::string::npos);
    CHECK(root.body.find("http:") == std::string::npos);
    CHECK(root.body.find("https:") == std::string::npos);
    CHECK(root.body.find("src=\"//") == std::string::npos);
    const std::regex inline_script(R"(<script(?![^>]*\ssrc=)[^>]*>)");
    CHECK_FALSE(std::regex_search(root.body, inline_script));

    // The same shell at a link's path, with a query, and as HEAD.
    const Reply cabinet = exchange(port, "GET", "/c/" + ref + "?from=sms");
    REQUIRE(cabinet.status == 200);
    check_security_headers(cabinet);
    CHECK(cabinet.body == root.body);
    CHECK(cabinet.header("etag") == root.header("etag"));
    const Reply head = exchange(port, "HEAD", "/c/" + ref);
    CHECK(head.status == 200);
    check_security_headers(head);
    CHECK(head.body.empty());
    CHECK(head.header("content-length") == std::to_string(root.body.size()));
    CHECK(head.header("content-type") == "text/html; charset=utf-8");

    // gzip when allowed; q=0 refuses it, and "*" allows it unless gzip is refused by name.
    const Reply gz = exchange(port, "GET", "/", {"Accept-Encoding: gzip, deflate, br"});
    REQUIRE(gz.status == 200);
    check_security_headers(gz);
    CHECK(gz.header("content-encoding") == "gzip");
    CHECK(gz.header("content-length") == std::to_string(gz.body.size()));
    CHECK(gz.header("etag") != root.header("etag"));  // another representation, another tag
    CHECK(inflate_gzip(gz.body) == root.body);
    for (const char* refuses : {"gzip;q=0", "gzip; q=0.000, identity", "br", "*;q=0", "*, gzip;q=0", "gzip;q=zero"}) {
        INFO(refuses);
        const Reply r = exchange(port, "GET", "/", {std::string("Accept-Encoding: ") + refuses});
        CHECK_FALSE(r.has("content-encoding"));
        CHECK(r.body == root.body);
    }
    for (const char* allows : {"GZIP", "deflate, gzip;q=0.5", "x-gzip", "*", "br;q=1, *;q=0.1", "gzip;q=1.000"}) {
        INFO(allows);
        CHECK(exchange(port, "GET", "/", {std::string("Accept-Encoding: ") + allows}).header("content-encoding") ==
              "gzip");
    }
    const Reply head_gz = exchange(port, "HEAD", "/", {"Accept-Encoding: gzip"});
    CHECK(head_gz.body.empty());
    CHECK(head_gz.header("content-length") == std::to_string(gz.body.size()));
    CHECK(head_gz.header("content-encoding") == "gzip");

    // The browser's cached copy: 304 for its own representation's tag only.
    const Reply same = exchange(port, "GET", "/", {"If-None-Match: " + root.header("etag")});
    CHECK(same.status == 304);
    CHECK(same.body.empty());
    CHECK(same.header("etag") == root.header("etag"));
    CHECK(same.header("cache-control") == "no-cache");
    CHECK(exchange(port, "GET", "/", {"If-None-Match: \"stale\", W/" + gz.header("etag"), "Accept-Encoding: gzip"})
              .status == 304);
    CHECK(exchange(port, "GET", "/", {"If-None-Match: " + gz.header("etag")}).status == 200);  // identity asked

    // Every file the shell names is served, immutable, with its type.
    const std::regex reference(R"((?:src|href)="(/assets/[^"]+)\")");
    std::vector<std::string> files;
    for (std::sregex_iterator it(root.body.begin(), root.body.end(), reference), end; it != end; ++it)
        files.push_back((*it)[1]);
    REQUIRE(files.size() >= 3);  // the entry script, the stylesheet and the icon at least
    bool script = false, style = false, icon = false;
    for (const auto& path : files) {
        INFO(path);
        CHECK(std::regex_match(path, std::regex(R"(/assets/[A-Za-z0-9_.]+-[A-Z0-9]{8}\.(js|css|svg))")));
        const Reply file = exchange(port, "GET", path);
        REQUIRE(file.status == 200);
        check_security_headers(file);
        CHECK(file.header("cache-control") == "public, max-age=31536000, immutable");
        CHECK_FALSE(file.body.empty());
        const std::string type = file.header("content-type");
        script = script || type == "text/javascript; charset=utf-8";
        style = style || type == "text/css; charset=utf-8";
        icon = icon || type == "image/svg+xml";
        const Reply zipped = exchange(port, "GET", path, {"Accept-Encoding: gzip"});
        CHECK(zipped.header("content-encoding") == "gzip");
        CHECK(inflate_gzip(zipped.body) == file.body);
        const Reply file_head = exchange(port, "HEAD", path);
        CHECK(file_head.status == 200);
        CHECK(file_head.body.empty());
        CHECK(file_head.header("content-length") == std::to_string(file.body.size()));
    }
    CHECK(script);
    CHECK(style);
    CHECK(icon);

    // A kept-alive connection serves pages one after another, like a browser's.
    const int fd = connect_from("127.0.0.1", port);
    const std::string two = "GET / HTTP/1.1\r\nHost: x\r\n\r\nHEAD " + files[0] + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ::send(fd, two.data(), two.size(), MSG_NOSIGNAL);
    std::string got;
    char buf[16384];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    CHECK(got.find(root.body) != std::string::npos);
    CHECK(got.find("HTTP/1.1 200 OK", got.find(root.body)) != std::string::npos);
}

TEST_CASE("only the owner's shell (/o) may compile WebAssembly, while its files and every other page keep the strict CSP") {
    NodeProcess node;
    const auto port = node.port();
    const std::string strict =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'";
    const std::string wasm =
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'";
    for (const char* encoding : {"", "gzip"}) {
        INFO("Accept-Encoding: " << encoding);
        const std::vector<std::string> headers = {std::string("Accept-Encoding: ") + encoding};
        const Reply owner = exchange(port, "GET", "/o", headers);
        REQUIRE(owner.status == 200);
        CHECK(owner.header("content-security-policy") == wasm);
        // 'wasm-unsafe-eval' allows compiling WebAssembly, never eval: no 'unsafe-eval' sneaks in.
        CHECK(owner.header("content-security-policy").find("'unsafe-eval'") == std::string::npos);
        CHECK(owner.header("x-frame-options") == "DENY");
        CHECK(owner.header("referrer-policy") == "no-referrer");
        const Reply head = exchange(port, "HEAD", "/o", headers);
        CHECK(head.header("content-security-policy") == wasm);
        CHECK(exchange(port, "GET", "/o", {"If-None-Match: " + owner.header("etag")}).header("content-security-policy") ==
              wasm);
        for (const char* path : {"/", "/c/" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}) {
            INFO(path);
            const Reply other = exchange(port, "GET", path, headers);
            REQUIRE(other.status == 200);
            CHECK(other.header("content-security-policy") == strict);
        }
    }
    // The owner's scripts themselves are served with the strict policy (a
    // document's CSP governs what its scripts may do).
    const Reply owner = exchange(port, "GET", "/o");
    const std::regex reference(R"((?:src|href)="(/assets/[^"]+)\")");
    std::size_t files = 0;
    for (std::sregex_iterator it(owner.body.begin(), owner.body.end(), reference), end; it != end; ++it, ++files) {
        const Reply file = exchange(port, "GET", (*it)[1]);
        REQUIRE(file.status == 200);
        CHECK(file.header("content-security-policy") == strict);
    }
    CHECK(files >= 2);
}

TEST_CASE("the cabinet's service worker is /sw.js: its own stable name, asked for again each time, the strict CSP") {
    NodeProcess node;
    const auto port = node.port();
    const Reply sw = exchange(port, "GET", "/sw.js");
    REQUIRE(sw.status == 200);
    CHECK(sw.header("content-type") == "text/javascript; charset=utf-8");
    // Not a hashed name: a browser checks it against the node at each
    // registration, so a new build's worker replaces the old one.
    CHECK(sw.header("cache-control") == "no-cache");
    CHECK(sw.header("content-security-policy") ==
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
          "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'");
    CHECK(sw.body.find("showNotification") != std::string::npos);
    const Reply gz = exchange(port, "GET", "/sw.js", {"Accept-Encoding: gzip"});
    CHECK(gz.status == 200);
    CHECK(gz.header("content-encoding") == "gzip");
    CHECK(exchange(port, "HEAD", "/sw.js").status == 200);
    CHECK(exchange(port, "GET", "/sw.js", {"If-None-Match: " + sw.header("etag")}).status == 304);
    for (const char* path : {"/sw.js.gz", "/sw.js/", "/assets/sw.js", "/SW.js", "/sw.mjs", "/cabinet.js"}) {
        INFO(path);
        CHECK(exchange(port, "GET", path).status == 404);
    }
}

TEST_CASE("pages answer GET and HEAD only, and every path that is no page or file is 404") {
    NodeProcess node;
    const auto port = node.port();

    for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
        for (const std::string& path : {std::string("/"), "/c/" + ref}) {
            INFO(method << " " << path);
            const Reply r = exchange(port, method, path);
            CHECK(r.status == 405);
            CHECK(r.header("allow") == "GET, HEAD");
        }
    }
    const Reply root = exchange(port, "GET", "/");
    const std::smatch script = [&] {
        std::smatch m;
        std::regex_search(root.body, m, std::regex(R"(src="(/assets/[^"]+)\")"));
        return m;
    }();
    REQUIRE(script.size() == 2);
    const std::string asset = script[1];
    CHECK(exchange(port, "POST", asset).status == 405);

    const std::vector<std::string> missing = {
        "/c/not-hex",
        "/c/" + std::string(64, 'A'),         // uppercase is not a reference
        "/c/" + std::string(63, 'a'),         // one digit short
        "/c/" + std::string(65, 'a'),         // one too many
        "/c/" + ref + "/",                    // no trailing segments
        "/c/" + ref + "/x",
        "/c/",
        "/c",
        "/assets/missing.js",
        "/assets/",
        "/cabinet.html",                      // a shell is served only at its routes
        "/assets/../cabinet.html",
        "/assets/../../../../etc/passwd",
        "/assets/%2e%2e/cabinet.html",
        "/assets/%2E%2E%2Fcabinet.html",
        "/assets/..%2f..%2fetc%2fpasswd",
        asset.substr(0, asset.size() - 1),    // a name is matched whole
        asset + ".gz",                         // the gzip file is no file of its own
        "/" + asset.substr(8),                 // assets live under /assets/ only
        "//" + asset.substr(1),
        "/index.html",
    };
    for (const auto& path : missing) {
        INFO(path);
        const Reply r = exchange(port, "GET", path);
        CHECK(r.status == 404);
        CHECK_FALSE(r.has("content-security-policy"));  // the server's own JSON 404, not a page
        CHECK(exchange(port, "HEAD", path).status == 404);
    }
}

TEST_CASE("X-Forwarded-For names the client only from a trusted proxy: claim-code budgets per forwarded address") {
    NodeProcess node({"--trusted-proxies", "127.0.0.1", "--claim-codes-per-ip-per-hour", "2"});
    const auto port = node.port();
    int phone = 10;
    auto next_phone = [&] { return "+790000001" + std::to_string(phone++); };
    // Codes asked for fresh phones (so only the address's budget binds) until
    // the address is refused; returns how many were sent.
    auto spend = [&](const std::string& from, const std::string& forwarded_for) {
        for (int sent = 0; sent < 5; ++sent) {
            const auto answer = claim_request(port, next_phone(), from, forwarded_for);
            if (refused_for_address(answer)) return sent;
            REQUIRE(answer.at("result").at("sent") == true);
        }
        return 5;
    };

    // Through the proxy (127.0.0.1), two phones at two addresses: two budgets.
    CHECK(spend("127.0.0.1", "203.0.113.5") == 2);
    CHECK(spend("127.0.0.1", "203.0.113.6") == 2);
    // The proxy appends the address it saw; what the client put before it is
    // not read: a phone cannot pick another budget by forging the header.
    CHECK(spend("127.0.0.1", "198.51.100.1, 203.0.113.5") == 0);
    CHECK(spend("127.0.0.1", "198.51.100.2, 203.0.113.7") == 2);
    // Two header lines are one list, in order: the last line's last entry is the client.
    {
        const Reply r = exchange(port, "POST", "/rpc",
                                 {"Content-Type: application/json", "X-Forwarded-For: 198.51.100.3",
                                  "X-Forwarded-For: 203.0.113.7"},
                                 "127.0.0.1",
                                 R"({"jsonrpc":"2.0","id":1,"method":"phone.claim.request","params":{"phone":"+79000000299"}})");
        CHECK(refused_for_address(json::parse(r.body).as_object()));
    }
    // IPv6 and the IPv4-mapped form of an address are one client.
    CHECK(spend("127.0.0.1", "::ffff:203.0.113.6") == 0);
    CHECK(spend("127.0.0.1", "2001:db8::1") == 2);
    // A proxy's request with no header, or one that is not an address, is the proxy's own.
    CHECK(spend("127.0.0.1", "") == 2);
    CHECK(spend("127.0.0.1", "not-an-address") == 0);

    // Any other peer is its own client, whatever it forwards.
    CHECK(spend("127.0.0.2", "203.0.113.8") == 2);
    CHECK(spend("127.0.0.2", "203.0.113.9") == 0);
    CHECK(spend("127.0.0.2", "") == 0);
    CHECK(spend("127.0.0.3", "") == 2);

    // Without --trusted-proxies, the header is read from nobody.
    NodeProcess plain({"--claim-codes-per-ip-per-hour", "2"});
    const auto plain_port = plain.port();
    auto plain_spend = [&](const std::string& forwarded_for) {
        for (int sent = 0; sent < 5; ++sent) {
            const auto answer = claim_request(plain_port, next_phone(), "127.0.0.1", forwarded_for);
            if (refused_for_address(answer)) return sent;
        }
        return 5;
    };
    CHECK(plain_spend("203.0.113.5") == 2);
    CHECK(plain_spend("203.0.113.6") == 0);
}

TEST_CASE("kopilkad refuses a trusted-proxies entry that is not an address, naming it") {
    auto [code, out] = run_kopilkad({"run", "--datadir", "/nonexistent-kopilka-dir", "--trusted-proxies", "127.0.0.1,proxy.lan"});
    CHECK(code == 2);
    CHECK(out.find("'proxy.lan' is not an IP address") != std::string::npos);
}
