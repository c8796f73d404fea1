#include "ledger/anchor.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kopilka::ledger {

namespace {
constexpr std::array<std::uint8_t, 4> slot_magic = {'K', 'T', 'I', 'P'};
constexpr std::uint8_t slot_version = 1;
constexpr std::size_t slot_check_bytes = 8;
// magic, version, height, hash: what the check covers.
constexpr std::size_t slot_body_bytes = slot_magic.size() + 1 + 8 + hash_bytes;

std::string os_error(const char* what, const std::filesystem::path& p, int err) {
    return std::string("cannot ") + what + " the tip anchor " + p.string() + ": " + std::strerror(err);
}

bool write_all(int fd, const std::uint8_t* data, std::size_t n, off_t at) {
    while (n > 0) {
        const ssize_t w = ::pwrite(fd, data, n, at);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        data += w;
        n -= static_cast<std::size_t>(w);
        at += w;
    }
    return true;
}
}  // namespace

std::array<std::uint8_t, anchor_slot_bytes> TipAnchor::encode_slot(const TipMark& mark) {
    std::array<std::uint8_t, anchor_slot_bytes> slot{};
    std::size_t at = 0;
    for (auto b : slot_magic) slot[at++] = b;
    slot[at++] = slot_version;
    for (int i = 7; i >= 0; --i) slot[at++] = static_cast<std::uint8_t>(mark.height >> (8 * i));
    for (auto b : mark.hash) slot[at++] = b;
    const Hash256 check = blake2b256(ByteView(slot.data(), slot_body_bytes));
    std::copy_n(check.begin(), slot_check_bytes, slot.begin() + slot_body_bytes);
    return slot;
}

std::optional<TipMark> TipAnchor::decode_slot(ByteView slot) {
    if (slot.size() != anchor_slot_bytes) return std::nullopt;
    if (!std::equal(slot_magic.begin(), slot_magic.end(), slot.begin()) || slot[slot_magic.size()] != slot_version)
        return std::nullopt;
    const Hash256 check = blake2b256(slot.first(slot_body_bytes));
    if (!std::equal(check.begin(), check.begin() + slot_check_bytes, slot.begin() + slot_body_bytes)) return std::nullopt;
    if (!std::all_of(slot.begin() + slot_body_bytes + slot_check_bytes, slot.end(), [](auto b) { return b == 0; }))
        return std::nullopt;
    TipMark m;
    std::size_t at = slot_magic.size() + 1;
    for (int i = 0; i < 8; ++i) m.height = (m.height << 8) | slot[at++];
    std::copy_n(slot.begin() + at, hash_bytes, m.hash.begin());
    return m;
}

std::expected<std::optional<TipMark>, std::string> TipAnchor::read(const std::filesystem::path& ledger_dir) {
    const auto path = path_in(ledger_dir);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::optional<TipMark>{};
        return std::unexpected(os_error("read", path, errno));
    }
    std::array<std::uint8_t, anchor_file_bytes + 1> buf{};
    std::size_t got = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            return std::unexpected(os_error("read", path, err));
        }
        if (n == 0 || (got += static_cast<std::size_t>(n)) == buf.size()) break;
    }
    ::close(fd);
    if (got != anchor_file_bytes)
        return std::unexpected("the tip anchor " + path.string() + " is damaged: it holds " + std::to_string(got) +
                               " bytes, not " + std::to_string(anchor_file_bytes));
    std::optional<TipMark> best;
    for (std::size_t i = 0; i < 2; ++i) {
        auto m = decode_slot(ByteView(buf.data() + i * anchor_slot_bytes, anchor_slot_bytes));
        if (m && (!best || m->height > best->height)) best = m;
    }
    if (!best)
        return std::unexpected("the tip anchor " + path.string() + " is damaged: neither slot holds a valid record");
    return best;
}

std::expected<std::unique_ptr<TipAnchor>, std::string> TipAnchor::create(const std::filesystem::path& ledger_dir,
                                                                       const TipMark& mark) {
    const auto path = path_in(ledger_dir);
    const auto tmp = ledger_dir / "tip.new";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return std::unexpected(os_error("create", tmp, errno));
    std::array<std::uint8_t, anchor_file_bytes> file{};
    const auto slot = encode_slot(mark);
    std::copy(slot.begin(), slot.end(), file.begin() + (mark.height % 2) * anchor_slot_bytes);
    if (!write_all(fd, file.data(), file.size(), 0) || ::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        return std::unexpected(os_error("write", tmp, err));
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return std::unexpected(os_error("rename", path, err));
    }
    // The rename is durable only once the dir is synced.
    const int dir = ::open(ledger_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0 || ::fsync(dir) != 0) {
        const int err = errno;
        if (dir >= 0) ::close(dir);
        return std::unexpected(os_error("sync the dir of", path, err));
    }
    ::close(dir);
    return open(ledger_dir);
}

std::expected<std::unique_ptr<TipAnchor>, std::string> TipAnchor::open(const std::filesystem::path& ledger_dir) {
    const auto path = path_in(ledger_dir);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(os_error("open", path, errno));
    return std::unique_ptr<TipAnchor>(new TipAnchor(fd, path));
}

TipAnchor::~TipAnchor() {
    if (fd_ >= 0) ::close(fd_);
}

std::expected<void, std::string> TipAnchor::advance(const TipMark& mark) {
    const auto slot = encode_slot(mark);
    const off_t at = static_cast<off_t>((mark.height % 2) * anchor_slot_bytes);
    if (!write_all(fd_, slot.data(), slot.size(), at) || ::fdatasync(fd_) != 0)
        return std::unexpected(os_error("write", path_, errno));
    return {};
}

}  // namespace kopilka::ledger
