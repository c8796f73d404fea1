// `kopilka media put FILE` against a real kopilkad: it prints the URL the node
// stored the image under, the same for the same bytes, and that URL works as
// a venue's logo and a product's picture; a file that is no image, a type the
// bytes contradict, an oversized file and a node that cannot be reached each
// end with their exit code and a message saying what to do.
#include "cli_runner.h"
#include "harness.h"
#include "media_images.h"

#include "crypto/hash.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>

using namespace kopilka;
using namespace kopilka::test;
namespace json = boost::json;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
void write(const std::filesystem::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }
}  // namespace

TEST_CASE("kopilka media put uploads an image and prints its URL, which a venue and a product then use") {
    NodeProcess node;
    rpc::Client c = node.client();
    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));
    const auto logo = png(64, 64), dish = webp(32, 32, WebpKind::lossless);
    write(dir.path() / "logo.png", logo);
    write(dir.path() / "dish.bin", dish);  // the type comes from the bytes, not the name

    auto r = cli({"media", "put", (dir.path() / "logo.png").string()});
    REQUIRE(r.code == 0);
    const std::string logo_url = "/media/" + to_hex(blake2b256(as_bytes(logo))) + ".png";
    CHECK(r.out == logo_url + "\n");
    CHECK(cli({"media", "put", (dir.path() / "logo.png").string()}).out == logo_url + "\n");
    r = cli({"media", "put", (dir.path() / "dish.bin").string()});
    REQUIRE(r.code == 0);
    const std::string dish_url = r.out.substr(0, r.out.size() - 1);
    CHECK(dish_url.ends_with(".webp"));
    CHECK(c.get(logo_url).body == logo);
    CHECK(c.get(dish_url).body == dish);

    REQUIRE(cli({"key", "new", "owner"}).code == 0);
    REQUIRE(cli({"--as", "owner", "venue", "create", "VOLODYA", "--name", "U Volodi", "--logo-url", logo_url}).code == 0);
    REQUIRE(cli({"--as", "owner", "product", "set", "VOLODYA", "1", "coffee", "1", "--image", dish_url}).code == 0);
    const auto v = c.call("venue.get", json::object{{"ticker", "VOLODYA"}});
    CHECK(v.at("profile").at("logo_url").as_string() == logo_url);
    CHECK(v.at("products").at(0).at("image_url").as_string() == dish_url);
}

TEST_CASE("kopilka media put: no image, a contradicted type, too large, no node: each says what to do") {
    NodeProcess node;
    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));
    write(dir.path() / "notes.txt", "not a picture");
    write(dir.path() / "logo.png", png(8, 8));
    write(dir.path() / "huge.png", png(8, 8) + std::string(300'000, '\0'));
    write(dir.path() / "wide.png", png(5000, 1));

    auto r = cli({"media", "put", (dir.path() / "notes.txt").string()});
    CHECK(r.code == 2);
    CHECK(has(r.err, "is not a PNG, JPEG or WebP image"));
    r = cli({"media", "put", (dir.path() / "logo.png").string(), "--type", "image/jpeg"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "refused (wrong_type)"));
    CHECK(has(r.err, "its Content-Type says image/jpeg"));
    r = cli({"media", "put", (dir.path() / "huge.png").string()});
    CHECK(r.code == 2);
    CHECK(has(r.err, "over 262144 bytes"));
    r = cli({"media", "put", (dir.path() / "wide.png").string()});
    CHECK(r.code == 2);
    CHECK(has(r.err, "refused (too_big_dimensions)"));
    r = cli({"media", "put", (dir.path() / "missing.png").string()});
    CHECK(r.code == 2);
    CHECK(has(r.err, "cannot read"));
    node.stop();
    r = cli({"media", "put", (dir.path() / "logo.png").string()});
    CHECK(r.code == 3);
    CHECK(has(r.err, "--node"));
}
