// The on-disk store: RocksDB with one column family per kind of record.
//
//   meta    genesis bytes, the tip (height, hash)
//   blocks  BE64 height -> stored block (header, signature, tx ids)
//   txs     tx id -> (height, index, signed blob)
//   state   state record key -> value (the state after the tip block)
//   index   history and lookup indexes (account and venue history, block hash -> height)
//   stats   the venues' aggregates per UTC day and their first-seen markers (ledger/stats/)
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
#include <stdexcept>
#include <string>
#include <vector>

namespace kopilka::ledger {

// `outbox` is the node's, not the chain's: the messages blocks cause, written
// in the block's batch (node/outbox.h). No digest or audit covers it.
enum class Column : std::uint8_t { meta = 0, blocks = 1, txs = 2, state = 3, index = 4, stats = 5, outbox = 6 };
inline constexpr std::size_t column_count = 7;
std::string_view column_name(Column c);

// Damage the store found: a checksum that does not match, a record or file
// RocksDB cannot decode, a read the disk fails. `what` is RocksDB's report,
// which names the file (and offset) where it knows it.
struct StoreDamage {
    std::string what;
    std::optional<Column> column;  // the family being read, when a read found it
    std::optional<Bytes> key;      // the key read; for a scan, the last key read before the damage
    bool after_key = false;        // scan: the damage lies after `key` (or at the scan's start when no key)
    std::string file;              // a table file checked whole (verify_files), with its key range
    // For a person: the family, the key in hex and RocksDB's words.
    std::string describe() const;
};

// Thrown by get, multi_get and scan when RocksDB reports damage or an I/O
// failure instead of a record: a read never passes off a damaged record as
// absent. The store remembers the first one (Store::damage()).
class StoreError : public std::runtime_error {
public:
    explicit StoreError(StoreDamage d) : std::runtime_error(d.describe()), damage_(std::move(d)) {}
    const StoreDamage& damage() const { return damage_; }

private:
    StoreDamage damage_;
};

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
    // When the open fails because RocksDB found damage (a write-ahead-log
    // record or a file whose checksum does not match), `damage` says what it
    // knows: the log file and its report. The write-ahead log is replayed
    // with kTolerateCorruptedTailRecords: a record cut short at the end of a
    // log (a crash mid-write) is dropped, any other damage refuses the open
    // (see docs/design.md, Storage).
    // A family added by a later version (`stats`, `outbox`) is created by the first
    // read-write open of a ledger made before it; a read-only open of such a
    // ledger reads it as empty.
    static std::expected<std::unique_ptr<Store>, std::string> open(const std::filesystem::path& dir, Mode mode,
                                                                   std::size_t block_cache_bytes = 0,
                                                                   StoreDamage* damage = nullptr);
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

    // Reads every table (.sst) file whole and checks each block's checksum
    // (RocksDB's own reads check only the blocks they touch). The first
    // damaged file is returned, with its family and key range.
    std::expected<void, StoreDamage> verify_files() const;
    // The live table files, each with its family.
    std::vector<std::pair<Column, std::filesystem::path>> table_files() const;
    // Flushes every family's memtable and compacts it into table files (a
    // test makes the files whose bytes it damages; an operator may shrink
    // the ledger). Reads go on meanwhile.
    std::expected<void, std::string> compact();
    // A consistent copy of every family as of one moment (RocksDB's
    // Checkpoint: memtables flushed, table files hard-linked where `dir` is
    // on the same file system, else copied) into `dir`, which must not exist;
    // its parent must. Reads and writes go on meanwhile. The copy opens as a
    // ledger of its own; it holds no tip anchor (the caller writes one).
    std::expected<void, std::string> checkpoint(const std::filesystem::path& dir) const;
    // The first damage a read, a write or verify_files of this store met
    // (RocksDB's background work included: a compaction that meets damage
    // stops every later write, which then reports it); nullopt while none.
    std::optional<StoreDamage> damage() const;
    // Records damage a caller found in a record RocksDB read back whole (it
    // does not decode), so that damage() reports it as it reports RocksDB's.
    void note_damage(const StoreDamage& d) const;

    const std::filesystem::path& dir() const { return dir_; }

private:
    struct Impl;
    Store(std::unique_ptr<Impl> impl, std::filesystem::path dir);
    std::unique_ptr<Impl> impl_;
    std::filesystem::path dir_;
};

}  // namespace kopilka::ledger
