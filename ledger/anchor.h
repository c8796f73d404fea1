// The tip anchor: the height and hash of the newest block clients were told
// is committed, in a small file beside the RocksDB files (`ledger/tip`).
//
// RocksDB can lose synced writes without a word (a record whose length field
// was damaged looks like a tail cut short by a crash, and is dropped). The
// anchor is written and synced after each block's batch is synced and before
// any client is answered, so a store whose tip is below it has lost blocks
// that were acknowledged: Chain::open refuses it. One block above it is the
// block in flight at a crash (synced in RocksDB, not yet anchored); it was
// never acknowledged, and is fine.
//
// The file (docs/formats.md) is 1024 bytes: two 512-byte slots, block h in
// slot h % 2, each with its own checksum, so a write torn by a power cut
// spoils only the slot it was writing and the other still holds the block
// before. One pwrite and one fdatasync a block; the file is created whole
// (temporary file, fsync, rename, fsync of the dir).
#pragma once

#include "crypto/hash.h"

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace kopilka::ledger {

struct TipMark {
    std::uint64_t height = 0;
    Hash256 hash{};
    bool operator==(const TipMark&) const = default;
};

inline constexpr std::size_t anchor_slot_bytes = 512;
inline constexpr std::size_t anchor_file_bytes = 2 * anchor_slot_bytes;

class TipAnchor {
public:
    static std::filesystem::path path_in(const std::filesystem::path& ledger_dir) { return ledger_dir / "tip"; }
    // The anchored tip: nullopt when there is no file (a ledger made before
    // the anchor existed); an error, for a person, when the file cannot be
    // read or neither slot holds a valid record.
    static std::expected<std::optional<TipMark>, std::string> read(const std::filesystem::path& ledger_dir);
    // Writes a new file holding `mark` (replacing any), then keeps it open.
    static std::expected<std::unique_ptr<TipAnchor>, std::string> create(const std::filesystem::path& ledger_dir,
                                                                       const TipMark& mark);
    // Opens the existing file for advance().
    static std::expected<std::unique_ptr<TipAnchor>, std::string> open(const std::filesystem::path& ledger_dir);
    ~TipAnchor();
    TipAnchor(const TipAnchor&) = delete;
    TipAnchor& operator=(const TipAnchor&) = delete;

    // Records `mark` in slot height % 2 and syncs it.
    std::expected<void, std::string> advance(const TipMark& mark);

    // One slot's bytes: "KTIP", version 1, BE64 height, hash, the first 8
    // bytes of BLAKE2b-256 of what precedes them, zeros to the slot's end.
    static std::array<std::uint8_t, anchor_slot_bytes> encode_slot(const TipMark& mark);
    static std::optional<TipMark> decode_slot(ByteView slot);

private:
    TipAnchor(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::filesystem::path path_;
};

}  // namespace kopilka::ledger
