// The on-disk store: RocksDB with one column family per kind of record.
//
//   meta    genesis bytes, the tip (height, hash)
//   blocks  BE64 height -> stored block (header, signature, tx ids)
//   txs     tx id -> (height, index, signed blob)
//   state   state record key -> value (the state after the tip block)
//   index   history and lookup indexes (account and venue history, block hash -> height)
//
// Separate families let each be read by its own access pattern (blocks by
// height in order, transactions by random id, state loaded whole at start)
// and tuned on its own, while one WriteBatch still spans them all: a block,
// its transactions, the state it leaves and its indexes land together, synced,
// or not at all. RocksDB headers stay inside store.cpp.
#pragma once

#include "crypto/bytes.h"

#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kopilka::ledger {

enum class Column : std::uint8_t { meta = 0, blocks = 1, txs = 2, state = 3, index = 4 };
inline constexpr std::size_t column_count = 5;
std::string_view column_name(Column c);

// An ordered list of writes that commit together.
struct Batch {
    struct Op {
        Column column;
        Bytes key;
        std::optional<Bytes> value;  // nullopt: delete
    };
    std::vector<Op> ops;
    void put(Column c, Bytes key, Bytes value) { ops.push_back({c, std::move(key), std::move(value)}); }
    void erase(Column c, Bytes key) { ops.push_back({c, std::move(key), std::nullopt}); }
};

class Store {
public:
    enum class Mode { create_new, open_existing, read_only };
    // `block_cache_bytes`: RocksDB's cache of uncompressed table blocks; 0
    // keeps RocksDB's default (8 MiB), which keeps a node's memory small.
    static std::expected<std::unique_ptr<Store>, std::string> open(const std::filesystem::path& dir, Mode mode,
                                                                   std::size_t block_cache_bytes = 0);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    std::optional<Bytes> get(Column c, ByteView key) const;
    // get of each key, in one batched read (RocksDB MultiGet): one entry per
    // key, in the keys' order.
    std::vector<std::optional<Bytes>> multi_get(Column c, std::span<const ByteView> keys) const;
    // Visits records whose key starts with `prefix`, in key order, starting at
    // `from` (which must itself start with the prefix; empty: the prefix).
    // The visitor returns false to stop.
    void scan(Column c, ByteView prefix, ByteView from,
              const std::function<bool(ByteView key, ByteView value)>& visit) const;
    // Writes the batch atomically; with sync, returns only after the write-ahead
    // log is on disk. After an error (disk full, read-only) the outcome is
    // unknown: the log record may have reached the file before the error and
    // then comes back at the next open (or a crash may drop it). RocksDB then
    // refuses every write until the store is reopened.
    std::expected<void, std::string> write(const Batch& batch, bool sync = true);

    // Closes the database and opens it again from disk, so what it serves is
    // exactly what the files hold (a record whose write failed is either back
    // and flushed, or gone for good). Reads wait meanwhile. When the read-write
    // open fails (the disk is still full) it falls back to a read-only open, so
    // reads go on, and returns the error; call it again once the disk is fixed.
    std::expected<void, std::string> reopen();

    // Creates, fills with `bytes` zeros, syncs and deletes a probe file in
    // `dir`; the error names the OS reason ("No space left on device",
    // "Read-only file system", "Permission denied", "File too large").
    static std::expected<void, std::string> check_writable(const std::filesystem::path& dir, std::size_t bytes);

    const std::filesystem::path& dir() const { return dir_; }

private:
    struct Impl;
    Store(std::unique_ptr<Impl> impl, std::filesystem::path dir);
    std::unique_ptr<Impl> impl_;
    std::filesystem::path dir_;
};

}  // namespace kopilka::ledger
