// Logos and product images, stored by the node itself and content-addressed:
// POST /media takes an image's bytes and answers the URL
// /media/<BLAKE2b-256 hex>.<png|jpg|webp>, which GET /media/<name> serves.
// The pages' CSP lets images come from the node only (img-src 'self'), so a
// venue's logo_url and its products' image_url point here.
//
// Uploads need no key (an owner uploads the logo before the venue exists), so
// everything about them is bounded: the body (media_upload_bytes_max), the
// picture (media_side_px_max a side), the bytes per client address (a token
// bucket, as server.h's RequestRateLimiter counts requests), and the store as
// a whole (store_bytes_max). When the store is full, files that no venue
// profile and no product in the current state names, and that nobody has
// uploaded for unreferenced_keep_s, are deleted, oldest first; a referenced
// file is never deleted.
//
// Files live in <datadir>/media/<name>, written to a temporary name, fsynced,
// renamed and the directory fsynced, so a crash leaves either the whole file
// or a temporary, which open() removes. No Beast here: server.cpp writes the
// MediaReply this builds.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace kopilka::node {

class Clock;
class Log;

// The largest upload, in bytes of the body (the contract with the pages).
inline constexpr std::size_t media_upload_bytes_max = 262'144;
// The widest and tallest image, in pixels a side.
inline constexpr std::uint32_t media_side_px_max = 4096;
inline constexpr std::uint64_t media_store_bytes_max_default = 64ull << 20;
inline constexpr std::uint64_t media_unreferenced_keep_s_default = 86'400;
// Upload bytes per client address, in KiB: refilled this fast, at most this
// many at once. 4 MiB at once is sixteen of the largest uploads (a launch
// uploads a logo and a few product pictures); then 1 KiB a second, about
// 3.5 MiB an hour, so one address takes most of a day to fill the store.
inline constexpr std::uint32_t media_upload_kib_per_second_default = 1;
inline constexpr std::uint32_t media_upload_kib_burst_default = 4096;
inline constexpr std::string_view media_path_prefix = "/media/";

struct MediaLimits {
    std::uint64_t store_bytes_max = media_store_bytes_max_default;
    std::uint64_t unreferenced_keep_s = media_unreferenced_keep_s_default;
    std::uint32_t upload_kib_per_second = media_upload_kib_per_second_default;  // 0: no per-address budget
    std::uint32_t upload_kib_burst = media_upload_kib_burst_default;
};

// An HTTP answer for server.cpp to write: status, headers besides Server,
// Content-Length and Connection, and the body (a HEAD's too: the server
// tells its length and sends none).
struct MediaReply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// The answer to a request under /media when the node serves no media (a
// server without a store, e.g. in tests): 404.
MediaReply media_not_found();
// POST /media whose body is over media_upload_bytes_max (the server refuses
// on Content-Length, before reading the body, or when a chunked body passes it).
MediaReply media_too_large();
// Any method but POST at /media, or but GET and HEAD at /media/<name>.
MediaReply media_not_allowed(std::string_view allow);

// The stored name "<64 hex>.<ext>" a URL points at: the last "/media/"
// segment of its path (an absolute URL, or one with a query or fragment,
// points at the same file), or empty when it names no media file.
std::string media_name_in_url(std::string_view url);

class MediaStore {
public:
    // The names (media_name_in_url) that the current state references: every
    // venue profile's logo_url and every product's image_url.
    using Referenced = std::function<std::unordered_set<std::string>()>;

    // Opens (making it when missing) the directory: removes temporaries a
    // crash left, and removes a file whose bytes do not hash to its name
    // (logged: its URL would serve other bytes than it names). Then, when
    // the files are over store_bytes_max (the limit was lowered), collects.
    static std::expected<std::unique_ptr<MediaStore>, std::string> open(std::filesystem::path dir, MediaLimits limits,
                                                                        const Clock& clock, Log& log,
                                                                        Referenced referenced);
    ~MediaStore();
    MediaStore(const MediaStore&) = delete;
    MediaStore& operator=(const MediaStore&) = delete;

    // POST /media: checks and stores `body`, declared as `content_type`, from
    // the client `client_ip` (its rate key is charged). 201 with the URL when
    // new, 200 when the bytes were stored already (its age starts again, so
    // it outlives a wizard left open), or an error (docs/node.md, "Media").
    // Thread-safe; writes and fsyncs, so call it off the I/O threads.
    MediaReply put(std::string_view body, std::string_view content_type, const std::string& client_ip);
    // GET or HEAD of `path` (the request target without its query).
    // Thread-safe; reads one file of at most media_upload_bytes_max.
    MediaReply get(std::string_view path, bool head, std::string_view if_none_match) const;

    std::uint64_t bytes() const;  // of every stored file
    std::size_t files() const;
    std::uint64_t collected() const;  // files deleted to make room, since open

private:
    struct Impl;
    explicit MediaStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace kopilka::node
