#include "node/media.h"

#include "node/clock.h"
#include "node/log.h"

#include "crypto/hash.h"
#include "node/media_image.h"
#include "node/pages.h"
#include "node/server.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>

namespace kopilka::node {
namespace json = boost::json;
namespace {

constexpr std::size_t hex64_chars = 64;
constexpr std::size_t kib_bytes = 1024;
constexpr std::uint64_t ms_per_s = 1000;
// A temporary is the file's name with this added; open() removes any.
constexpr std::string_view temp_suffix = ".tmp";
// What a stored file may do when opened on its own (a link to it, or a
// browser told to render it): nothing. No script runs in a sandboxed,
// default-src 'none' document, so even an image that some browser would
// sniff as HTML could not act for the node's origin.
constexpr std::string_view media_csp = "default-src 'none'; sandbox";
// A stored name never changes content: a year, never revalidated.
constexpr std::string_view cache_immutable = "public, max-age=31536000, immutable";

std::uint64_t steady_now_ms() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

bool lower_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Whether `name` is "<64 lowercase hex>.<png|jpg|webp>"; its type if so.
std::optional<ImageType> stored_name_type(std::string_view name) {
    if (name.size() <= hex64_chars + 1 || name[hex64_chars] != '.' || !lower_hex(name.substr(0, hex64_chars)))
        return std::nullopt;
    return image_type_of_extension(name.substr(hex64_chars + 1));
}

// Headers every answer under /media carries; an error is never cached.
void add_plain_headers(MediaReply& r) {
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Cache-Control", "no-store");
}

MediaReply error_reply(int status, std::string_view code, std::string message) {
    MediaReply r;
    r.status = status;
    add_plain_headers(r);
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = json::serialize(json::object{{"error", json::object{{"code", code}, {"message", std::move(message)}}}});
    return r;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::optional<std::string> read_whole(const std::filesystem::path& p, std::size_t max_bytes) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    std::optional<std::string> out;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) <= max_bytes) {
        std::string s(static_cast<std::size_t>(st.st_size), '\0');
        std::size_t got = 0;
        while (got < s.size()) {
            const ssize_t n = ::read(fd, s.data() + got, s.size() - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        if (got == s.size()) out = std::move(s);
    }
    ::close(fd);
    return out;
}

// A file's modification time as the store's clock (ms since the epoch).
std::uint64_t mtime_ms(const struct stat& st) {
    return static_cast<std::uint64_t>(st.st_mtim.tv_sec) * ms_per_s +
           static_cast<std::uint64_t>(st.st_mtim.tv_nsec) / 1'000'000;
}

// Sets a file's times to `ms` (the store's clock), so an age survives a restart.
void set_mtime(const std::filesystem::path& p, std::uint64_t ms) {
    timespec t[2];
    t[0].tv_sec = t[1].tv_sec = static_cast<time_t>(ms / ms_per_s);
    t[0].tv_nsec = t[1].tv_nsec = static_cast<long>((ms % ms_per_s) * 1'000'000);
    ::utimensat(AT_FDCWD, p.c_str(), t, 0);
}

}  // namespace

MediaReply media_not_found() {
    return error_reply(404, "not_found",
                       "no such media file: a media URL is /media/<64 hex>.<png|jpg|webp> as POST /media answered it");
}

MediaReply media_too_large() {
    return error_reply(413, "too_large",
                       "the image is over " + std::to_string(media_upload_bytes_max) +
                           " bytes (256 KiB); make it smaller (a logo of 512 x 512 pixels is plenty) and upload again");
}

MediaReply media_not_allowed(std::string_view allow) {
    auto r = error_reply(405, "method_not_allowed", "method not allowed here; use " + std::string(allow));
    r.headers.emplace_back("Allow", std::string(allow));
    return r;
}

std::string media_name_in_url(std::string_view url) {
    url = url.substr(0, url.find_first_of("?#"));
    const auto at = url.rfind(media_path_prefix);
    if (at == std::string_view::npos) return {};
    const auto name = url.substr(at + media_path_prefix.size());
    return stored_name_type(name) ? std::string(name) : std::string();
}

struct MediaStore::Impl {
    struct Entry {
        std::uint64_t bytes = 0;
        std::uint64_t stored_ms = 0;  // last uploaded, on the store's clock
    };

    std::filesystem::path dir;
    MediaLimits limits;
    const Clock& clock;
    Log& log;
    Referenced referenced;
    RequestRateLimiter budget;

    // Held through a whole put (check, collect, write, rename): uploads are
    // few, and one at a time no two can both take the last room.
    std::mutex write_mu;
    // The index; held briefly, so a GET never waits for an upload's fsync.
    mutable std::mutex index_mu;
    std::unordered_map<std::string, Entry> index;  // under index_mu
    std::uint64_t total_bytes = 0;                 // under index_mu
    std::uint64_t collected = 0;                   // under index_mu

    Impl(std::filesystem::path d, MediaLimits l, const Clock& c, Log& lg, Referenced r)
        : dir(std::move(d)),
          limits(l),
          clock(c),
          log(lg),
          referenced(std::move(r)),
          budget(l.upload_kib_per_second, l.upload_kib_burst) {}

    std::expected<void, std::string> load();
    // Deletes unreferenced files older than the keep time, oldest first,
    // until `incoming` more bytes fit; whether they do. Under write_mu.
    bool make_room(std::uint64_t incoming);
    // The file written durably under its name. Under write_mu.
    std::expected<void, int> write_file(const std::string& name, std::string_view body);
    MediaReply stored_reply(int status, const std::string& name, const ImageInfo& info, std::size_t bytes) const;
};

std::expected<void, std::string> MediaStore::Impl::load() {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return std::unexpected("cannot create " + dir.string() + ": " + ec.message());
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        std::error_code rm;
        if (name.ends_with(temp_suffix)) {
            // A crash between creating and renaming: never served, never named.
            std::filesystem::remove(e.path(), rm);
            log.info("media.temp_removed", {{"file", name}});
            continue;
        }
        if (!stored_name_type(name)) {
            log.warn("media.unknown_file", {{"file", e.path().string()}, {"hint", "not a media file; left alone"}});
            continue;
        }
        struct stat st {};
        const auto bytes = read_whole(e.path(), media_upload_bytes_max);
        if (!bytes || ::stat(e.path().c_str(), &st) != 0) {
            log.warn("media.unreadable_file", {{"file", e.path().string()}});
            continue;
        }
        if (to_hex(blake2b256(as_bytes(*bytes))) != name.substr(0, hex64_chars)) {
            // Its URL promises other bytes; an owner re-uploading the image gets it back.
            std::filesystem::remove(e.path(), rm);
            log.warn("media.damaged_removed", {{"file", name}, {"hint", "its bytes do not hash to its name"}});
            continue;
        }
        index.emplace(name, Entry{bytes->size(), mtime_ms(st)});
        total_bytes += bytes->size();
    }
    if (ec) return std::unexpected("cannot read " + dir.string() + ": " + ec.message());
    if (total_bytes > limits.store_bytes_max) {
        std::lock_guard w(write_mu);
        make_room(0);
        if (total_bytes > limits.store_bytes_max)
            log.warn("media.over_limit", {{"bytes", total_bytes},
                                          {"limit", limits.store_bytes_max},
                                          {"hint", "the referenced files alone are over media-store-bytes-max"}});
    }
    log.info("media.open", {{"dir", dir.string()}, {"files", index.size()}, {"bytes", total_bytes}});
    return {};
}

bool MediaStore::Impl::make_room(std::uint64_t incoming) {
    auto fits = [&] {
        std::lock_guard l(index_mu);
        return total_bytes + incoming <= limits.store_bytes_max;
    };
    if (fits()) return true;
    const std::unordered_set<std::string> keep = referenced();
    const std::uint64_t now = clock.now_ms();
    const std::uint64_t keep_ms = limits.unreferenced_keep_s * ms_per_s;
    std::vector<std::pair<std::uint64_t, std::string>> old;  // (stored_ms, name)
    {
        std::lock_guard l(index_mu);
        for (const auto& [name, e] : index)
            if (!keep.contains(name) && now >= e.stored_ms && now - e.stored_ms >= keep_ms) old.emplace_back(e.stored_ms, name);
    }
    std::sort(old.begin(), old.end());
    for (const auto& [stored, name] : old) {
        if (fits()) break;
        std::error_code ec;
        std::filesystem::remove(dir / name, ec);
        if (ec) {
            log.warn("media.remove_failed", {{"file", name}, {"error", ec.message()}});
            continue;
        }
        std::lock_guard l(index_mu);
        const auto it = index.find(name);
        total_bytes -= it->second.bytes;
        index.erase(it);
        ++collected;
        log.info("media.collected", {{"file", name}, {"age_s", (now - stored) / ms_per_s}});
    }
    return fits();
}

std::expected<void, int> MediaStore::Impl::write_file(const std::string& name, std::string_view body) {
    const auto path = dir / name;
    const auto temp = dir / (name + std::string(temp_suffix));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return std::unexpected(errno);
    int err = 0;
    if (!write_all(fd, body) || ::fsync(fd) != 0) err = errno != 0 ? errno : EIO;
    ::close(fd);
    if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
        ::unlink(temp.c_str());
        return std::unexpected(err);
    }
    // The rename is durable only once the directory is synced.
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

MediaReply MediaStore::Impl::stored_reply(int status, const std::string& name, const ImageInfo& info,
                                          std::size_t bytes) const {
    MediaReply r;
    r.status = status;
    add_plain_headers(r);
    const std::string url = std::string(media_path_prefix) + name;
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("Location", url);
    r.body = json::serialize(json::object{{"url", url},
                                          {"bytes", bytes},
                                          {"type", image_mime(info.type)},
                                          {"width", info.width},
                                          {"height", info.height}});
    return r;
}

MediaStore::MediaStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MediaStore::~MediaStore() = default;

std::expected<std::unique_ptr<MediaStore>, std::string> MediaStore::open(std::filesystem::path dir, MediaLimits limits,
                                                                         const Clock& clock, Log& log,
                                                                         Referenced referenced) {
    auto impl = std::make_unique<Impl>(std::move(dir), limits, clock, log, std::move(referenced));
    if (auto ok = impl->load(); !ok) return std::unexpected(ok.error());
    return std::unique_ptr<MediaStore>(new MediaStore(std::move(impl)));
}

MediaReply MediaStore::put(std::string_view body, std::string_view content_type, const std::string& client_ip) {
    auto& m = *impl_;
    const auto declared = image_type_of_mime(content_type);
    if (!declared)
        return error_reply(415, "wrong_type",
                           "send the image with Content-Type image/png, image/jpeg or image/webp (this upload says '" +
                               std::string(content_type.substr(0, 64)) + "')");
    if (body.size() > media_upload_bytes_max) return media_too_large();
    const std::uint64_t kib = std::max<std::uint64_t>(1, (body.size() + kib_bytes - 1) / kib_bytes);
    if (const auto wait_ms = m.budget.take(client_ip, kib, steady_now_ms()); wait_ms != 0) {
        auto r = error_reply(429, "rate_limited",
                             "this address has uploaded its share of images for now (" +
                                 std::to_string(m.limits.upload_kib_burst) + " KiB at once, then " +
                                 std::to_string(m.limits.upload_kib_per_second) + " KiB a second); retry in " +
                                 std::to_string((wait_ms + 999) / 1000) + " s");
        r.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
        return r;
    }
    const auto info = read_image_header(as_bytes(body), *declared);
    if (!info) {
        if (info.error().code == ImageError::wrong_type) return error_reply(415, "wrong_type", info.error().message);
        return error_reply(400, "unreadable", info.error().message);
    }
    if (info->width > media_side_px_max || info->height > media_side_px_max)
        return error_reply(400, "too_big_dimensions",
                           "the image is " + std::to_string(info->width) + " x " + std::to_string(info->height) +
                               " pixels; each side may be at most " + std::to_string(media_side_px_max) +
                               ": scale it down and upload again");

    const std::string name = to_hex(blake2b256(as_bytes(body))) + "." + std::string(image_extension(*declared));
    std::lock_guard w(m.write_mu);
    const std::uint64_t now = m.clock.now_ms();
    bool known = false;
    {
        std::lock_guard l(m.index_mu);
        if (auto it = m.index.find(name); it != m.index.end()) {
            it->second.stored_ms = now;
            known = true;
        }
    }
    if (known) {
        struct stat st {};
        if (::stat((m.dir / name).c_str(), &st) == 0) {
            set_mtime(m.dir / name, now);
            return m.stored_reply(200, name, *info, body.size());
        }
        // Gone from under the store (removed by hand): write it again.
        std::lock_guard l(m.index_mu);
        m.total_bytes -= m.index[name].bytes;
        m.index.erase(name);
    }
    if (!m.make_room(body.size())) {
        m.log.warn("media.store_full", {{"bytes", bytes()}, {"limit", m.limits.store_bytes_max}});
        return error_reply(507, "store_full",
                           "the node's image store is full (" + std::to_string(m.limits.store_bytes_max) +
                               " bytes of images that venues use or that were uploaded in the last " +
                               std::to_string(m.limits.unreferenced_keep_s) +
                               " s); retry later or with a smaller image, or ask the node's operator to raise "
                               "media-store-bytes-max");
    }
    if (auto ok = m.write_file(name, body); !ok) {
        m.log.error("media.write_failed", {{"file", name}, {"error", std::strerror(ok.error())}});
        if (ok.error() == ENOSPC || ok.error() == EDQUOT)
            return error_reply(507, "store_full", "the node's disk is full; ask its operator to free space");
        return error_reply(500, "store_failed",
                           "the node could not write the image (" + std::string(std::strerror(ok.error())) +
                               "); retry later or tell the node's operator");
    }
    set_mtime(m.dir / name, now);
    {
        std::lock_guard l(m.index_mu);
        m.index[name] = Impl::Entry{body.size(), now};
        m.total_bytes += body.size();
    }
    m.log.info("media.stored", {{"file", name}, {"bytes", body.size()}});
    return m.stored_reply(201, name, *info, body.size());
}

MediaReply MediaStore::get(std::string_view path, bool head, std::string_view if_none_match) const {
    (void)head;  // the server sends a HEAD the headers with the GET's length
    auto& m = *impl_;
    if (!path.starts_with(media_path_prefix)) return media_not_found();
    const std::string name(path.substr(media_path_prefix.size()));
    const auto type = stored_name_type(name);
    if (!type) return media_not_found();
    {
        std::lock_guard l(m.index_mu);
        if (!m.index.contains(name)) return media_not_found();
    }
    const std::string etag = "\"" + name.substr(0, hex64_chars) + "\"";
    MediaReply r;
    for (const auto& [h, v] : page_security_headers())
        r.headers.emplace_back(std::string(h), std::string(h == "Content-Security-Policy" ? media_csp : v));
    r.headers.emplace_back("Cache-Control", std::string(cache_immutable));
    r.headers.emplace_back("ETag", etag);
    if (!if_none_match.empty() && etag_matches(if_none_match, etag)) {
        r.status = 304;
        return r;
    }
    auto bytes = read_whole(m.dir / name, media_upload_bytes_max);
    if (!bytes) return media_not_found();  // collected a moment ago
    r.headers.emplace_back("Content-Type", std::string(image_mime(*type)));
    r.body = std::move(*bytes);
    return r;
}

std::uint64_t MediaStore::bytes() const {
    std::lock_guard l(impl_->index_mu);
    return impl_->total_bytes;
}

std::size_t MediaStore::files() const {
    std::lock_guard l(impl_->index_mu);
    return impl_->index.size();
}

std::uint64_t MediaStore::collected() const {
    std::lock_guard l(impl_->index_mu);
    return impl_->collected;
}

}  // namespace kopilka::node
