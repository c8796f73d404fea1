// Uploaded images (node/media_image, node/media): the type and size read from
// each format's own header, on real files made here by the real encoders
// (libpng; libjpeg, baseline and progressive; libwebp, lossy VP8, lossless
// VP8L and extended VP8X), then cut short or bent; and the store over a
// temporary directory with a clock the test moves: content addressing,
// idempotent re-uploads, the cap, collection that never touches a referenced
// file, and what open() does with a crash's temporary or a damaged file.
#include "node/media.h"
#include "node/media_image.h"

#include "crypto/hash.h"
#include "node/clock.h"
#include "node/log.h"
#include "media_images.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

using namespace kopilka;
using namespace kopilka::node;
using kopilka::test::TempDir;
using kopilka::test::WebpKind;
using kopilka::test::jpeg;
using kopilka::test::png;
using kopilka::test::webp;
namespace json = boost::json;

namespace {

std::expected<ImageInfo, ImageFailure> read(const std::string& bytes, ImageType declared) {
    return read_image_header(as_bytes(bytes), declared);
}

void check_size(const std::string& bytes, ImageType t, std::uint32_t w, std::uint32_t h) {
    const auto info = read(bytes, t);
    INFO((info ? std::string() : info.error().message));
    REQUIRE(info);
    CHECK(info->type == t);
    CHECK(info->width == w);
    CHECK(info->height == h);
}

ImageError failure(const std::string& bytes, ImageType t) {
    const auto info = read(bytes, t);
    REQUIRE_FALSE(info);
    CHECK_FALSE(info.error().message.empty());
    return info.error().code;
}

class TestClock final : public Clock {
public:
    std::uint64_t now_ms() const override { return now.load(); }
    std::atomic<std::uint64_t> now{1'700'000'000'000};
};

}  // namespace

TEST_CASE("PNG: the size from IHDR, the type from the signature") {
    const auto p = png(3, 2);
    check_size(p, ImageType::png, 3, 2);
    check_size(png(4096, 1), ImageType::png, 4096, 1);
    CHECK(failure(p, ImageType::jpeg) == ImageError::wrong_type);
    CHECK(failure(p, ImageType::webp) == ImageError::wrong_type);
    CHECK(failure(p.substr(0, 23), ImageType::png) == ImageError::unreadable);  // ends inside IHDR
    auto bent = p;
    bent[12] = 'X';  // the first chunk is no longer IHDR
    CHECK(failure(bent, ImageType::png) == ImageError::unreadable);
    auto zero = p;
    zero[16] = zero[17] = zero[18] = zero[19] = 0;  // width 0
    CHECK(failure(zero, ImageType::png) == ImageError::unreadable);
}

TEST_CASE("JPEG: baseline (SOF0) and progressive (SOF2) past other segments") {
    const auto base = jpeg(5, 4, false);
    const auto prog = jpeg(7, 3, true);
    // The encoder wrote the frames this test means to read.
    CHECK(base.find("\xff\xc0") != std::string::npos);
    CHECK(prog.find("\xff\xc2") != std::string::npos);
    CHECK(prog.find("\xff\xc0") == std::string::npos);
    check_size(base, ImageType::jpeg, 5, 4);
    check_size(prog, ImageType::jpeg, 7, 3);
    check_size(jpeg(4097, 2, true), ImageType::jpeg, 4097, 2);
    CHECK(failure(base, ImageType::png) == ImageError::wrong_type);
    // Cut inside the comment segment, before any frame header.
    const auto sof = prog.find("\xff\xc2");
    CHECK(failure(prog.substr(0, 40), ImageType::jpeg) == ImageError::unreadable);
    CHECK(failure(prog.substr(0, sof + 4), ImageType::jpeg) == ImageError::unreadable);
    // A segment whose length runs past the end.
    std::string runaway = "\xff\xd8\xff\xe0\xff\xf0";
    runaway += std::string(10, 'x');
    CHECK(failure(runaway, ImageType::jpeg) == ImageError::unreadable);
    // Image data (SOS) before any frame header.
    CHECK(failure(std::string("\xff\xd8\xff\xda\x00\x02", 6), ImageType::jpeg) == ImageError::unreadable);
}

TEST_CASE("WebP: lossy VP8, lossless VP8L and extended VP8X") {
    const auto lossy = webp(9, 5, WebpKind::lossy);
    const auto lossless = webp(6, 11, WebpKind::lossless);
    const auto extended = webp(13, 2, WebpKind::extended);
    // Each encoder wrote the chunk kind this test means to read.
    CHECK(lossy.substr(12, 4) == "VP8 ");
    CHECK(lossless.substr(12, 4) == "VP8L");
    CHECK(extended.substr(12, 4) == "VP8X");
    check_size(lossy, ImageType::webp, 9, 5);
    check_size(lossless, ImageType::webp, 6, 11);
    check_size(extended, ImageType::webp, 13, 2);
    check_size(webp(4000, 3, WebpKind::lossless), ImageType::webp, 4000, 3);
    CHECK(failure(lossy, ImageType::png) == ImageError::wrong_type);
    for (const auto* w : {&lossy, &lossless, &extended}) {
        CHECK(failure(w->substr(0, 24), ImageType::webp) == ImageError::unreadable);  // RIFF size past the end
        auto bent = *w;
        bent[15] = 'Q';  // an unknown first chunk
        CHECK(failure(bent, ImageType::webp) == ImageError::unreadable);
    }
    auto vp8l = lossless;
    vp8l[20] = 0x00;  // no VP8L signature
    CHECK(failure(vp8l, ImageType::webp) == ImageError::unreadable);
    auto vp8 = lossy;
    vp8[23] = 0x00;  // no VP8 start code
    CHECK(failure(vp8, ImageType::webp) == ImageError::unreadable);
}

TEST_CASE("Image headers: types by name, and random bytes after each magic never crash") {
    CHECK(image_type_of_mime("image/png") == ImageType::png);
    CHECK(image_type_of_mime(" IMAGE/JPEG ; q=1") == ImageType::jpeg);
    CHECK(image_type_of_mime("image/webp") == ImageType::webp);
    CHECK_FALSE(image_type_of_mime("image/gif"));
    CHECK_FALSE(image_type_of_mime("image/svg+xml"));
    CHECK_FALSE(image_type_of_mime(""));
    CHECK(failure("GIF89a......", ImageType::png) == ImageError::wrong_type);
    CHECK(failure("", ImageType::webp) == ImageError::wrong_type);

    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    using namespace std::string_literals;
    const std::string magics[] = {png(1, 1).substr(0, 8), "\xff\xd8\xff"s, "RIFF\x20\x00\x00\x00WEBPVP8 "s};
    const ImageType types[] = {ImageType::png, ImageType::jpeg, ImageType::webp};
    for (int round = 0; round < 3000; ++round) {
        const int k = round % 3;
        std::string b = magics[k];
        const std::size_t extra = rng() % 64;
        for (std::size_t i = 0; i < extra; ++i) b += static_cast<char>(rng() % 256);
        const auto info = read(b, types[k]);
        if (info) {
            CHECK(info->width > 0);
            CHECK(info->height > 0);
        } else {
            CHECK(info.error().code == ImageError::unreadable);
        }
    }
}

TEST_CASE("Media URLs: the name a profile's URL points at") {
    const std::string name = std::string(64, 'a') + ".png";
    CHECK(media_name_in_url("/media/" + name) == name);
    CHECK(media_name_in_url("https://kopilka.example.org/media/" + name + "?v=1#x") == name);
    CHECK(media_name_in_url("/media/" + std::string(64, 'A') + ".png").empty());  // uppercase hex
    CHECK(media_name_in_url("/media/" + std::string(63, 'a') + ".png").empty());
    CHECK(media_name_in_url("/media/" + std::string(64, 'a') + ".gif").empty());
    CHECK(media_name_in_url("/media/" + name + "/x").empty());
    CHECK(media_name_in_url("https://example.org/logo.png").empty());
    CHECK(media_name_in_url("").empty());
}

TEST_CASE("Media store: content-addressed, idempotent, capped, and collected only when unreferenced and old") {
    TempDir dir("media");
    TestClock clock;
    Log log(LogLevel::error);
    std::unordered_set<std::string> referenced;
    MediaLimits limits;
    const auto a = png(40, 30), b = jpeg(30, 20, true), c = webp(20, 10, WebpKind::lossless);
    limits.store_bytes_max = a.size() + b.size() + c.size() - 1;  // two fit, not three
    limits.unreferenced_keep_s = 60;
    limits.upload_kib_per_second = 0;  // the budget has its own case
    auto opened = MediaStore::open(dir.path() / "media", limits, clock, log, [&] { return referenced; });
    REQUIRE(opened);
    MediaStore& store = **opened;

    auto put = [&](const std::string& bytes, std::string_view type) {
        return store.put(bytes, type, "192.0.2.1");
    };
    auto url_of = [](const MediaReply& r) { return std::string(json::parse(r.body).at("url").as_string()); };

    const auto first = put(a, "image/png");
    REQUIRE(first.status == 201);
    const auto j = json::parse(first.body).as_object();
    const std::string hex = to_hex(blake2b256(as_bytes(a)));
    CHECK(j.at("url").as_string() == "/media/" + hex + ".png");
    CHECK(j.at("bytes").to_number<std::size_t>() == a.size());
    CHECK(j.at("type").as_string() == "image/png");
    CHECK(j.at("width").to_number<int>() == 40);
    CHECK(j.at("height").to_number<int>() == 30);
    CHECK(put(a, "image/png").status == 200);  // the same bytes: the same URL, stored once
    CHECK(url_of(put(a, "image/png")) == "/media/" + hex + ".png");
    CHECK(store.files() == 1);

    const auto got = store.get("/media/" + hex + ".png", false, "");
    CHECK(got.status == 200);
    CHECK(got.body == a);
    CHECK(store.get("/media/" + hex + ".png", false, "\"" + hex + "\"").status == 304);
    CHECK(store.get("/media/" + hex + ".jpg", false, "").status == 404);  // the name is hash and type

    referenced.insert(hex + ".png");
    const auto rb = put(b, "image/jpeg");
    REQUIRE(rb.status == 201);
    const std::string b_name = url_of(rb).substr(7);
    // Full: c does not fit, and b is too young to collect.
    const auto full = put(c, "image/webp");
    CHECK(full.status == 507);
    CHECK(json::parse(full.body).at("error").at("code").as_string() == "store_full");
    // A minute later b may go; a, referenced, never.
    clock.now += 61'000;
    CHECK(put(c, "image/webp").status == 201);
    CHECK(store.get("/media/" + b_name, false, "").status == 404);
    CHECK(store.get("/media/" + hex + ".png", false, "").status == 200);
    CHECK(store.collected() == 1);
    CHECK(store.bytes() == a.size() + c.size());

    // Referenced files alone over the cap: nothing is deleted, the upload is refused.
    clock.now += 61'000;
    referenced.insert(url_of(put(c, "image/webp")).substr(7));
    CHECK(put(b, "image/jpeg").status == 507);
    CHECK(store.files() == 2);
}

TEST_CASE("Media store: refusals name their code") {
    TempDir dir("media");
    TestClock clock;
    Log log(LogLevel::error);
    MediaLimits limits;
    limits.upload_kib_per_second = 1;
    limits.upload_kib_burst = 8;
    auto store = MediaStore::open(dir.path(), limits, clock, log, [] { return std::unordered_set<std::string>{}; });
    REQUIRE(store);
    auto code = [&](const MediaReply& r) { return std::string(json::parse(r.body).at("error").at("code").as_string()); };
    const auto p = png(2, 2);
    auto r = (*store)->put(p, "image/gif", "192.0.2.1");
    CHECK(r.status == 415);
    CHECK(code(r) == "wrong_type");
    r = (*store)->put(p, "image/jpeg", "192.0.2.1");
    CHECK(r.status == 415);
    CHECK(code(r) == "wrong_type");
    r = (*store)->put(p.substr(0, 20), "image/png", "192.0.2.1");
    CHECK(r.status == 400);
    CHECK(code(r) == "unreadable");
    r = (*store)->put(png(4097, 1), "image/png", "192.0.2.2");
    CHECK(r.status == 400);
    CHECK(code(r) == "too_big_dimensions");
    r = (*store)->put(std::string(media_upload_bytes_max + 1, 'x'), "image/png", "192.0.2.3");
    CHECK(r.status == 413);
    CHECK(code(r) == "too_large");
    // 8 KiB at once per address: the ninth KiB waits; another address does not.
    for (int i = 0; i < 5; ++i) (void)(*store)->put(p, "image/png", "192.0.2.4");
    const auto big = jpeg(300, 300, false);
    REQUIRE(big.size() > 4 * 1024);
    r = (*store)->put(big, "image/jpeg", "192.0.2.4");
    CHECK(r.status == 429);
    CHECK(code(r) == "rate_limited");
    CHECK(std::find_if(r.headers.begin(), r.headers.end(), [](const auto& h) { return h.first == "Retry-After"; }) !=
          r.headers.end());
    CHECK((*store)->put(p, "image/png", "192.0.2.5").status == 200);  // stored by .4 already
    CHECK((*store)->files() == 1);
}

TEST_CASE("Media store: open removes a crash's temporary and a damaged file, and keeps the rest") {
    TempDir dir("media");
    TestClock clock;
    Log log(LogLevel::error);
    const auto a = png(3, 3), b = png(4, 4);
    std::string a_name, b_name;
    {
        auto store = MediaStore::open(dir.path(), {}, clock, log, [] { return std::unordered_set<std::string>{}; });
        REQUIRE(store);
        a_name = std::string(json::parse((*store)->put(a, "image/png", "192.0.2.1").body).at("url").as_string()).substr(7);
        b_name = std::string(json::parse((*store)->put(b, "image/png", "192.0.2.1").body).at("url").as_string()).substr(7);
    }
    // A crash between write and rename; a flipped byte in b; a stranger's file.
    std::ofstream(dir.path() / (a_name + ".tmp")) << "half";
    {
        std::fstream f(dir.path() / b_name, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(30);
        f.put('\x55');
    }
    std::ofstream(dir.path() / "README") << "operator's note";
    auto store = MediaStore::open(dir.path(), {}, clock, log, [] { return std::unordered_set<std::string>{}; });
    REQUIRE(store);
    CHECK_FALSE(std::filesystem::exists(dir.path() / (a_name + ".tmp")));
    CHECK_FALSE(std::filesystem::exists(dir.path() / b_name));
    CHECK(std::filesystem::exists(dir.path() / "README"));
    CHECK((*store)->get("/media/" + a_name, false, "").body == a);
    CHECK((*store)->get("/media/" + b_name, false, "").status == 404);
    CHECK((*store)->files() == 1);
    // Re-uploading the damaged image restores its URL.
    CHECK((*store)->put(b, "image/png", "192.0.2.1").status == 201);
    CHECK((*store)->get("/media/" + b_name, false, "").body == b);
}

TEST_CASE("Media store: uploads at once never pass the cap, and the same bytes at once make one file") {
    TempDir dir("media");
    TestClock clock;
    Log log(LogLevel::error);
    std::vector<std::string> images;
    for (std::uint32_t i = 0; i < 8; ++i) images.push_back(jpeg(60 + i, 60, false));
    MediaLimits limits;
    limits.upload_kib_per_second = 0;
    limits.store_bytes_max = images[0].size() * 3 + images[0].size() / 2;  // room for about three
    auto store = MediaStore::open(dir.path(), limits, clock, log, [] { return std::unordered_set<std::string>{}; });
    REQUIRE(store);
    std::vector<int> status(16);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < status.size(); ++i)
        threads.emplace_back([&, i] {
            // Two threads for each image: its twin uploads the same bytes at the same time.
            status[i] = (*store)->put(images[i % images.size()], "image/jpeg", "192.0.2.1").status;
        });
    for (auto& t : threads) t.join();
    CHECK((*store)->bytes() <= limits.store_bytes_max);
    std::uint64_t on_disk = 0;
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        on_disk += e.file_size();
        ++files;
    }
    CHECK(on_disk == (*store)->bytes());
    CHECK(files == (*store)->files());
    CHECK(std::count(status.begin(), status.end(), 201) == static_cast<long>(files));
    for (std::size_t i = 0; i < images.size(); ++i) {
        const bool stored = status[i] == 201 || status[i + images.size()] == 201;
        // Each twin pair: one stored it (201) and the other found it (200), or both were refused.
        if (stored) CHECK(status[i] + status[i + images.size()] == 401);
        else CHECK((status[i] == 507 && status[i + images.size()] == 507));
    }
    CHECK(files >= 2);
}
