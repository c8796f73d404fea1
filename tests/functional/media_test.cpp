// Logos and product images on the node (docs/node.md, "Media"), against the
// real kopilkad over raw HTTP:
//  - POST /media stores PNG, JPEG and WebP under /media/<BLAKE2b-256>.<ext>;
//    GET gives back the same bytes with the strict headers, HEAD the same
//    headers, If-None-Match a 304; the same bytes again answer 200 and the
//    same URL;
//  - every refusal has its status and code: a type that is not an image, a
//    body whose magic is another type's, a header cut short, a side over
//    4096 px, a body over 256 KiB (refused on Content-Length before the body
//    is sent, and when a chunked body passes it), a per-address budget;
//  - only exact names are served: traversal raw or percent-encoded, other
//    cases, suffixes and a crash's temporary are 404;
//  - the store's cap: full is 507; an unreferenced file is collected once
//    older than the keep time, a venue's logo and a product's image never;
//  - a restart keeps the files, and a temporary left by a "crash" is gone.
#include "harness.h"
#include "media_images.h"

#include "crypto/hash.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <thread>

using namespace kopilka;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

constexpr auto answer_wait = std::chrono::seconds(30);  // a bound, not a measurement
constexpr std::size_t upload_bytes_max = 262'144;

struct Reply {
    int status = 0;
    std::multimap<std::string, std::string> headers;  // names lowercased
    std::string body;
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    json::value json() const { return json::parse(body); }
    std::string code() const { return std::string(json().at("error").at("code").as_string()); }
    std::string url() const { return std::string(json().at("url").as_string()); }
};

Reply parse_reply(const std::string& got) {
    Reply r;
    const auto head_end = got.find("\r\n\r\n");
    if (got.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos)
        throw std::runtime_error("no HTTP answer: " + got.substr(0, 200));
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

// One request (Connection: close) from `from` (any 127.x.y.z is this host).
Reply exchange(std::uint16_t port, const std::string& method, const std::string& target,
               const std::vector<std::string>& headers = {}, const std::string& body = "",
               const std::string& from = "127.0.0.1") {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& h : headers) request += h + "\r\n";
    if (method == "POST") request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
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
    return parse_reply(got);
}

Reply upload(const NodeProcess& node, const std::string& bytes, const std::string& type,
             const std::string& from = "127.0.0.1") {
    return exchange(node.port(), "POST", "/media", {"Content-Type: " + type}, bytes, from);
}

Reply fetch(const NodeProcess& node, const std::string& target, const std::vector<std::string>& headers = {}) {
    return exchange(node.port(), "GET", target, headers);
}

std::string hex_of(const std::string& bytes) { return to_hex(blake2b256(as_bytes(bytes))); }

}  // namespace

TEST_CASE("POST /media stores each type under its hash, and GET serves the same bytes with strict headers") {
    NodeProcess node;
    struct Case {
        std::string bytes, type, ext;
        int w, h;
    };
    const Case cases[] = {{png(64, 48), "image/png", "png", 64, 48},
                          {jpeg(33, 21, true), "image/jpeg", "jpg", 33, 21},
                          {webp(17, 9, WebpKind::lossy), "image/webp", "webp", 17, 9},
                          {webp(8, 12, WebpKind::extended), "image/webp", "webp", 8, 12}};
    for (const auto& c : cases) {
        const auto r = upload(node, c.bytes, c.type);
        INFO(r.body);
        REQUIRE(r.status == 201);
        const std::string url = "/media/" + hex_of(c.bytes) + "." + c.ext;
        const auto j = r.json().as_object();
        CHECK(j.at("url").as_string() == url);
        CHECK(r.header("location") == url);
        CHECK(j.at("bytes").to_number<std::size_t>() == c.bytes.size());
        CHECK(j.at("type").as_string() == c.type);
        CHECK(j.at("width").to_number<int>() == c.w);
        CHECK(j.at("height").to_number<int>() == c.h);

        const auto got = fetch(node, url);
        REQUIRE(got.status == 200);
        CHECK(got.body == c.bytes);
        CHECK(got.header("content-type") == c.type);
        CHECK(got.header("content-length") == std::to_string(c.bytes.size()));
        CHECK(got.header("x-content-type-options") == "nosniff");
        CHECK(got.header("cache-control") == "public, max-age=31536000, immutable");
        CHECK(got.header("content-security-policy") == "default-src 'none'; sandbox");
        CHECK(got.header("referrer-policy") == "no-referrer");
        CHECK(got.header("x-frame-options") == "DENY");
        CHECK(got.header("cross-origin-resource-policy") == "same-origin");
        const std::string etag = got.header("etag");
        CHECK(etag == "\"" + hex_of(c.bytes) + "\"");
        CHECK(fetch(node, url + "?v=2").body == c.bytes);  // a query changes nothing

        const auto head = exchange(node.port(), "HEAD", url);
        CHECK(head.status == 200);
        CHECK(head.body.empty());
        CHECK(head.header("content-length") == std::to_string(c.bytes.size()));
        const auto again = fetch(node, url, {"If-None-Match: " + etag});
        CHECK(again.status == 304);
        CHECK(again.body.empty());

        // The same bytes again: 200, the same URL, one file.
        const auto twice = upload(node, c.bytes, c.type, "127.0.0.2");
        CHECK(twice.status == 200);
        CHECK(twice.url() == url);
    }
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(node.data_dir() / "media")) files += e.is_regular_file();
    CHECK(files == 4);
    const auto metrics = exchange(node.port(), "GET", "/metrics").body;
    CHECK(metric(metrics, "kopilka_media_files") == 4);
}

TEST_CASE("POST /media refuses what is not a small readable image, each with its code") {
    NodeProcess node;
    const auto p = png(10, 10);
    auto refused = [&](const Reply& r, int status, const std::string& code) {
        INFO(r.body);
        CHECK(r.status == status);
        CHECK(r.code() == code);
        CHECK_FALSE(std::string(r.json().at("error").at("message").as_string()).empty());
    };
    refused(upload(node, p, "image/gif"), 415, "wrong_type");
    refused(upload(node, p, "image/svg+xml"), 415, "wrong_type");
    refused(exchange(node.port(), "POST", "/media", {}, p), 415, "wrong_type");  // no Content-Type
    refused(upload(node, p, "image/jpeg"), 415, "wrong_type");                   // a PNG said to be a JPEG
    refused(upload(node, "<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"), 415, "wrong_type");
    refused(upload(node, p.substr(0, 20), "image/png"), 400, "unreadable");
    refused(upload(node, jpeg(40, 40, true).substr(0, 200), "image/jpeg"), 400, "unreadable");
    refused(upload(node, png(4097, 2), "image/png"), 400, "too_big_dimensions");
    refused(upload(node, webp(3, 4100, WebpKind::lossless), "image/webp"), 400, "too_big_dimensions");
    refused(upload(node, std::string(upload_bytes_max + 1, 'x'), "image/png"), 413, "too_large");
    refused(exchange(node.port(), "GET", "/media"), 405, "method_not_allowed");
    refused(exchange(node.port(), "PUT", "/media/" + std::string(64, 'a') + ".png"), 405, "method_not_allowed");

    // Refused on Content-Length alone: the answer comes though no body is sent.
    {
        RawSocket s(node.port());
        REQUIRE(s.send("POST /media HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nExpect: 100-continue\r\n"
                       "Content-Length: 300000\r\n\r\n"));
        std::string got;
        REQUIRE(s.wait_closed(std::chrono::seconds(10), &got));
        INFO(got);
        const auto r = parse_reply(got);
        refused(r, 413, "too_large");
        CHECK(got.find("100 Continue") == std::string::npos);
    }
    // A chunked body past the limit.
    {
        RawSocket s(node.port());
        std::string req = "POST /media HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n";
        const std::string chunk(65'536, 'x');
        for (int i = 0; i < 5; ++i) req += "10000\r\n" + chunk + "\r\n";
        s.send(req);
        std::string got;
        REQUIRE(s.wait_closed(std::chrono::seconds(10), &got));
        refused(parse_reply(got), 413, "too_large");
    }
    // After an upload on a kept-alive connection, the next request's limits are its own:
    // an oversized /rpc body is refused as JSON-RPC, not as an upload.
    {
        RawSocket s(node.port());
        const auto img = png(6, 6);
        REQUIRE(s.send("POST /media HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: " +
                       std::to_string(img.size()) + "\r\n\r\n" + img +
                       "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 2000000\r\n\r\n"));
        std::string got;
        REQUIRE(s.wait_closed(std::chrono::seconds(10), &got));
        INFO(got);
        const auto second = got.find("HTTP/1.1 413");
        REQUIRE(second != std::string::npos);
        CHECK(got.rfind("HTTP/1.1 201", 0) == 0);
        CHECK(got.find("\"jsonrpc\"", second) != std::string::npos);
        CHECK(got.find("too_large", second) == std::string::npos);
    }
    // Nothing refused was stored: the one file is that last upload.
    std::vector<std::string> stored;
    for (const auto& e : std::filesystem::directory_iterator(node.data_dir() / "media"))
        stored.push_back(e.path().filename().string());
    CHECK(stored == std::vector<std::string>{hex_of(png(6, 6)) + ".png"});
    CHECK(upload(node, p, "image/png").status == 201);
}

TEST_CASE("GET /media serves exact names only: no traversal, no other spelling, no temporary") {
    NodeProcess node;
    const auto p = png(5, 5);
    const std::string hex = hex_of(p);
    REQUIRE(upload(node, p, "image/png").status == 201);
    // Files a traversal would reach if a path were ever joined to a directory.
    std::ofstream(node.data_dir() / "media" / (hex + ".png.tmp")) << "half";
    const std::vector<std::string> targets = {"/media/../kopilkad.conf", "/media/%2e%2e/kopilkad.conf", "/media/..%2fkopilkad.conf",
          "/media/../../etc/passwd", "/media//etc/passwd", "/media/" + hex + ".png/../../kopilkad.conf",
          "/media/" + hex + ".png.tmp", "/media/" + hex + ".PNG", "/media/" + hex + ".jpg",
          "/media/" + hex.substr(0, 63) + ".png", "/media/" + std::string(64, 'A') + ".png",
          "/media/" + hex + ".png/", "/media/" + hex + ".png%00", "/media/" + hex, "/media/"};
    for (const auto& target : targets) {
        const auto r = fetch(node, target);
        INFO(target << " -> " << r.status << " " << r.body);
        CHECK(r.status == 404);
        CHECK(r.body.find("[general]") == std::string::npos);
        CHECK(r.body != "half");
    }
    CHECK(fetch(node, "/media/" + hex + ".png").body == p);
}

TEST_CASE("The store is capped: full is 507, and only old unreferenced files make room") {
    const auto logo = png(120, 90), dish = jpeg(80, 80, false), spare = webp(70, 70, WebpKind::lossy),
               late = jpeg(90, 90, true);
    const std::size_t cap = logo.size() + dish.size() + spare.size() - 1;  // never all three
    // late needs the room of one collected file besides the logo.
    REQUIRE(logo.size() + spare.size() + late.size() > cap);
    REQUIRE(logo.size() + late.size() <= cap);
    NodeProcess node({"--media-store-bytes-max", std::to_string(cap), "--media-unreferenced-keep-s", "2"});
    auto rpc = node.client();
    Volodi v(rpc);
    v.open();

    const auto logo_url = upload(node, logo, "image/png").url();
    const auto dish_url = upload(node, dish, "image/jpeg").url();
    // The venue's logo and a product's picture point at them (an absolute URL counts too).
    ledger::Profile profile;
    profile.name = "U Volodi";
    profile.logo_url = "http://127.0.0.1:" + std::to_string(node.port()) + logo_url;
    v.wallet.submit(v.wallet.sign(v.owner, ledger::VenueUpdate{v.coin, profile}));
    ledger::Product coffee;
    coffee.id = 1;
    coffee.name = "coffee";
    coffee.price = 100;
    coffee.image_url = dish_url;
    v.wallet.submit(v.wallet.sign(v.owner, ledger::ProductUpsert{v.coin, coffee}));

    const auto first = upload(node, spare, "image/webp");
    REQUIRE(first.status == 507);
    CHECK(first.code() == "store_full");
    // Referenced files are never collected, however old: the store stays full.
    std::this_thread::sleep_for(std::chrono::milliseconds(2'100));  // past the keep time: the point of the test
    CHECK(upload(node, spare, "image/webp").status == 507);

    // The product's picture changes: the old one is unreferenced and old, so it makes room.
    coffee.image_url = "";
    v.wallet.submit(v.wallet.sign(v.owner, ledger::ProductUpsert{v.coin, coffee}));
    const auto spare_reply = upload(node, spare, "image/webp");
    REQUIRE(spare_reply.status == 201);
    CHECK(fetch(node, dish_url).status == 404);
    CHECK(fetch(node, logo_url).body == logo);
    CHECK(fetch(node, spare_reply.url()).body == spare);
    // spare is unreferenced but young: the next upload that needs room waits for it.
    CHECK(upload(node, late, "image/jpeg").status == 507);
    REQUIRE(wait_until([&] { return upload(node, late, "image/jpeg").status == 201; }, std::chrono::seconds(20)));
    CHECK(fetch(node, spare_reply.url()).status == 404);
    CHECK(fetch(node, logo_url).body == logo);
    const auto metrics = exchange(node.port(), "GET", "/metrics").body;
    CHECK(metric(metrics, "kopilka_media_collected_total") == 2);
}

TEST_CASE("Uploads are budgeted per client address, behind a trusted proxy by the forwarded address") {
    NodeProcess node({"--media-upload-kib-burst", "64", "--media-upload-kib-per-second", "1", "--trusted-proxies",
                      "127.0.0.1"});
    // Each about 20 KiB and different, so each is stored.
    std::vector<std::string> images;
    for (std::uint32_t i = 0; i < 6; ++i) images.push_back(jpeg(190 + i, 190, false));
    REQUIRE(images[0].size() > 16 * 1024);
    int stored = 0;
    Reply last;
    for (const auto& img : images) {
        last = upload(node, img, "image/jpeg", "127.0.0.2");
        if (last.status != 201) break;
        ++stored;
    }
    CHECK(stored >= 2);
    CHECK(stored < 6);
    CHECK(last.status == 429);
    CHECK(last.code() == "rate_limited");
    CHECK_FALSE(last.header("retry-after").empty());
    // Another address has its own budget; so has each client a trusted proxy names.
    CHECK(upload(node, images[5], "image/jpeg", "127.0.0.3").status == 201);
    const auto proxied = [&](const std::string& img, const std::string& client) {
        return exchange(node.port(), "POST", "/media", {"Content-Type: image/jpeg", "X-Forwarded-For: " + client}, img);
    };
    for (std::uint32_t i = 0; i < 3; ++i) (void)proxied(jpeg(200 + i, 200, false), "198.51.100.7");
    CHECK(proxied(jpeg(210, 200, false), "198.51.100.7").status == 429);
    CHECK(proxied(jpeg(211, 200, false), "198.51.100.8").status == 201);
}

TEST_CASE("A restart keeps the files, and a temporary a crash left is gone after start") {
    NodeProcess node;
    const auto p = png(30, 30), j = jpeg(20, 20, false);
    const auto p_url = upload(node, p, "image/png").url();
    const auto j_url = upload(node, j, "image/jpeg").url();
    node.kill9();
    // What a crash between write and rename leaves: a temporary under a name nothing serves.
    const auto temp = node.data_dir() / "media" / (hex_of(png(31, 31)) + ".png.tmp");
    std::ofstream(temp) << png(31, 31).substr(0, 40);
    node.start();
    CHECK_FALSE(std::filesystem::exists(temp));
    CHECK(fetch(node, p_url).body == p);
    CHECK(fetch(node, j_url).body == j);
    CHECK(upload(node, p, "image/png").status == 200);
    CHECK(node.log().find("media.temp_removed") != std::string::npos);
}
