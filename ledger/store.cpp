#include "ledger/store.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/cache.h>
#include <rocksdb/metadata.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/utilities/checkpoint.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <shared_mutex>
#include <unistd.h>

namespace kopilka::ledger {

namespace {
constexpr std::array<std::string_view, column_count> column_names = {"meta",  "blocks", "txs",   "state",
                                                                             "index", "stats",  "outbox"};

// The column `meta` takes one small write per block and never fills a
// memtable, so without a cap RocksDB keeps every WAL file alive (it holds
// meta's only copy) and replays all of them at each open: 562 MiB of WAL after
// a million transactions. Past this size RocksDB flushes the column families
// that pin the oldest WAL, and the files are deleted.
constexpr std::uint64_t wal_total_bytes_max = 64ull << 20;

// The share of a memtable's memory its Bloom filter may use (RocksDB's
// memtable_prefix_bloom_size_ratio; it caps it at 0.25).
constexpr double memtable_bloom_share = 0.02;

// What check_writable writes when an open has failed: enough to tell a full
// disk (or a file-size limit) from a dir that merely cannot be locked.
constexpr std::size_t open_probe_bytes = 64 << 10;

// RocksDB's info log ("LOG" in the ledger dir). Its default logger writes
// through a file writer that, in Debian's librocksdb (built with assertions),
// aborts the process on the first line after a failed write: on a full disk
// the node would die instead of reporting the error. This one writes with
// stdio, ignores errors, keeps one older generation and stops at a cap. With
// no file (read-only opens, which must not touch a live node's dir) it
// discards everything.
constexpr long info_log_bytes_max = 16l << 20;

//
// It also keeps the first report of a damaged write-ahead-log (or MANIFEST)
// record: RocksDB names the file only there ("/x/000012.log: dropping 1234
// bytes; Corruption: checksum mismatch"), not in the status the open returns.
constexpr std::size_t info_line_bytes_max = 1024;

class InfoLog final : public rocksdb::Logger {
public:
    explicit InfoLog(std::FILE* file) : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), file_(file) {}
    ~InfoLog() override {
        if (file_) std::fclose(file_);
    }
    using rocksdb::Logger::Logv;
    void Logv(const char* format, va_list ap) override {
        char line[info_line_bytes_max];
        const int n = std::vsnprintf(line, sizeof line, format, ap);
        if (n < 0) return;
        std::lock_guard lock(mutex_);
        const std::string_view text(line);
        if (wal_report_.empty() && text.find(": dropping ") != std::string_view::npos) wal_report_ = text;
        if (!file_ || written_ >= info_log_bytes_max) return;
        std::fputs(line, file_);
        std::fputc('\n', file_);
        std::fflush(file_);
        written_ += static_cast<long>(text.size()) + 1;
    }
    std::string wal_report() const {
        std::lock_guard lock(mutex_);
        return wal_report_;
    }

private:
    mutable std::mutex mutex_;
    std::FILE* file_;
    long written_ = 0;
    std::string wal_report_;
};

std::shared_ptr<InfoLog> info_log(const std::filesystem::path& dir, bool read_only) {
    if (read_only) return std::make_shared<InfoLog>(nullptr);
    std::error_code ec;
    std::filesystem::rename(dir / "LOG", dir / "LOG.old", ec);
    return std::make_shared<InfoLog>(std::fopen((dir / "LOG").c_str(), "we"));
}

rocksdb::Slice slice(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
ByteView view(const rocksdb::Slice& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
}  // namespace

std::string_view column_name(Column c) { return column_names[static_cast<std::size_t>(c)]; }

std::string StoreDamage::describe() const {
    std::string where;
    const std::string family = column ? "column family " + std::string(column_name(*column)) : "";
    if (!file.empty())
        where = "table file " + file + (family.empty() ? "" : " of " + family);
    else if (column && key && after_key)
        where = family + ", at or after key " + to_hex(*key);
    else if (column && key)
        where = family + ", key " + to_hex(*key);
    else if (column)
        where = family;
    // A block's key is its height: say it as one.
    if (file.empty() && column == Column::blocks && key && key->size() == 8 && !after_key) {
        std::uint64_t h = 0;
        for (auto b : *key) h = (h << 8) | b;
        where += " (block " + std::to_string(h) + ")";
    }
    return where.empty() ? what : where + ": " + what;
}

struct Store::Impl {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;  // as opened: the default family, then ours
    // Ours by Column; null for a family a read-only open did not find (a
    // ledger made before the family existed), which reads as empty.
    std::array<rocksdb::ColumnFamilyHandle*, column_count> families{};
    bool read_only = false;     // opened in Mode::read_only
    bool fallback_ro = false;   // reopen() could only open the ledger read-only
    std::size_t block_cache_bytes = 0;  // 0: RocksDB's default
    std::string closed_reason;  // why db is null after a failed reopen()
    rocksdb::Options opened_options;  // of the last open, for verify_files' readers
    std::shared_ptr<InfoLog> log;  // of the last open
    mutable std::mutex damage_mutex;
    mutable std::optional<StoreDamage> damage;  // the first found
    // Shared by every read and write, exclusive while reopen() swaps the
    // database: readers that hold no lock of the caller's (the node serves
    // many reads without the chain lock) never see a closed handle.
    mutable std::shared_mutex mutex;

    ~Impl() { close(); }
    void close() {
        for (auto* h : handles)
            if (db && h) db->DestroyColumnFamilyHandle(h);
        handles.clear();
        families.fill(nullptr);
        if (db) db->Close();
        db.reset();
    }
    std::expected<void, std::string> open(const std::filesystem::path& dir, Mode mode);
    rocksdb::ColumnFamilyHandle* cf(Column c) const { return families[static_cast<std::size_t>(c)]; }
    void note(const StoreDamage& d) const {
        std::lock_guard lock(damage_mutex);
        if (!damage) damage = d;
    }
    // A read that got neither a record nor "not found": damage (or a disk
    // that fails to read) is reported, never taken for an absent record.
    [[noreturn]] void fail(const rocksdb::Status& s, Column c, ByteView key, bool after_key) const {
        StoreDamage d{s.ToString(), c, Bytes(key.begin(), key.end()), after_key, {}};
        note(d);
        throw StoreError(std::move(d));
    }
    void require_open() const {
        if (!db) throw std::runtime_error("the ledger is not open: " + closed_reason);
    }
    // A checksum-verifying iterator over one family (null for an absent
    // family); the caller holds `mutex`.
    std::unique_ptr<rocksdb::Iterator> iterator(Column c) const {
        require_open();
        if (!cf(c)) return nullptr;
        rocksdb::ReadOptions ro;
        ro.verify_checksums = true;
        return std::unique_ptr<rocksdb::Iterator>(db->NewIterator(ro, cf(c)));
    }
};

Store::Store(std::unique_ptr<Impl> impl, std::filesystem::path dir) : impl_(std::move(impl)), dir_(std::move(dir)) {}
Store::~Store() = default;

std::expected<std::unique_ptr<Store>, std::string> Store::open(const std::filesystem::path& dir, Mode mode,
                                                                std::size_t block_cache_bytes, StoreDamage* damage) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(dir / "CURRENT", ec);
    if (mode == Mode::create_new && exists)
        return std::unexpected("a ledger already exists in " + dir.string() + "; refusing to overwrite it");
    if (mode != Mode::create_new && !exists)
        return std::unexpected("no ledger in " + dir.string() + " (run init first, or check the path)");
    if (mode == Mode::create_new) {
        std::filesystem::create_directories(dir, ec);
        if (ec) return std::unexpected("cannot create " + dir.string() + ": " + ec.message());
    }
    auto impl = std::make_unique<Impl>();
    impl->read_only = mode == Mode::read_only;
    impl->block_cache_bytes = block_cache_bytes;
    if (auto ok = impl->open(dir, mode); !ok) {
        if (impl->damage) {
            if (damage) *damage = *impl->damage;
            return std::unexpected(ok.error());
        }
        // RocksDB's complaint about a read-only or full data dir names a LOCK
        // or MANIFEST file; say first, plainly, that the dir cannot be written.
        if (mode != Mode::read_only)
            if (auto w = check_writable(dir, open_probe_bytes); !w)
                return std::unexpected(w.error() + " [" + ok.error() + "]");
        return std::unexpected(ok.error());
    }
    return std::unique_ptr<Store>(new Store(std::move(impl), dir));
}

std::expected<void, std::string> Store::Impl::open(const std::filesystem::path& dir, Mode mode) {
    rocksdb::Options options;
    options.create_if_missing = mode == Mode::create_new;
    // A family a later version added is created by the first read-write open
    // of a ledger made before it (the aggregates are then rebuilt: Chain).
    options.create_missing_column_families = mode != Mode::read_only;
    options.paranoid_checks = true;
    // Point-in-time recovery, RocksDB's default, stops replaying the log at
    // the first damaged record and opens without a word: one flipped bit
    // dropped every block after it. This mode drops only a record cut short
    // at the end of a log (a crash mid-write: with synced writes, a block
    // never acknowledged) and refuses any other damage. A record lost whole
    // from the tail is what the tip anchor (ledger/chain.cpp) catches.
    options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
    // A small node: bound background work and open files on a 2-core machine.
    options.IncreaseParallelism(2);
    options.max_open_files = 256;
    options.max_total_wal_size = wal_total_bytes_max;

    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));  // tx lookups by id are point reads
    if (block_cache_bytes > 0) table.block_cache = rocksdb::NewLRUCache(block_cache_bytes);
    rocksdb::ColumnFamilyOptions cf_options(options);
    cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

    // Transaction records are read by id, and most ids asked for are not
    // there (every new submission asks while the producer holds the chain
    // lock): a Bloom filter on the memtable answers those without searching
    // its skip list.
    rocksdb::ColumnFamilyOptions txs_options = cf_options;
    txs_options.memtable_whole_key_filtering = true;
    txs_options.memtable_prefix_bloom_size_ratio = memtable_bloom_share;

    // A read-only open must not create anything: it opens the families the
    // ledger has (an older ledger lacks `stats` or `outbox`).
    std::vector<std::string> present;
    if (mode == Mode::read_only) {
        rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(options, dir.string(), &present);
        if (!listed.ok()) return std::unexpected("cannot open the ledger in " + dir.string() + ": " + listed.ToString());
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    std::vector<Column> opened;  // the Column of descriptors[i + 1]
    descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
    for (std::size_t c = 0; c < column_count; ++c) {
        const std::string name(column_names[c]);
        if (mode == Mode::read_only && std::find(present.begin(), present.end(), name) == present.end()) continue;
        descriptors.emplace_back(name, static_cast<Column>(c) == Column::txs ? txs_options : cf_options);
        opened.push_back(static_cast<Column>(c));
    }

    log = info_log(dir, mode == Mode::read_only);
    options.info_log = log;

    rocksdb::DB* raw = nullptr;
    handles.clear();
    rocksdb::Status s = mode == Mode::read_only
                            ? rocksdb::DB::OpenForReadOnly(options, dir.string(), descriptors, &handles, &raw)
                            : rocksdb::DB::Open(options, dir.string(), descriptors, &handles, &raw);
    if (!s.ok()) {
        handles.clear();
        std::string why = s.ToString();
        if (s.IsCorruption()) {
            // The log file is named only in RocksDB's info log.
            if (const std::string wal = log->wal_report(); !wal.empty()) why += " (" + wal + ")";
            note(StoreDamage{why, {}, {}, false, {}});
        }
        return std::unexpected("cannot open the ledger in " + dir.string() + ": " + why);
    }
    db.reset(raw);
    for (std::size_t i = 0; i < opened.size(); ++i) families[static_cast<std::size_t>(opened[i])] = handles[i + 1];
    opened_options = options;
    return {};
}

std::expected<void, std::string> Store::check_writable(const std::filesystem::path& dir, std::size_t bytes) {
    const std::filesystem::path probe = dir / ".write-probe";
    auto fail = [&](const char* what, int err) -> std::expected<void, std::string> {
        return std::unexpected("cannot write to the data dir " + dir.string() + " (" + what + " " + probe.string() +
                               ": " + std::strerror(err) +
                               "); the disk may be full or the dir read-only or owned by another user");
    };
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail("creating", errno);
    std::vector<char> zeros(bytes, 0);
    int err = 0;
    for (std::size_t done = 0; done < zeros.size() && err == 0;) {
        const ssize_t n = ::write(fd, zeros.data() + done, zeros.size() - done);
        if (n < 0 && errno != EINTR) err = errno;
        if (n > 0) done += static_cast<std::size_t>(n);
    }
    if (err == 0 && ::fsync(fd) != 0) err = errno;
    ::close(fd);
    ::unlink(probe.c_str());
    if (err != 0) return fail("writing", err);
    return {};
}

std::expected<void, std::string> Store::reopen() {
    if (impl_->read_only) return std::unexpected("the ledger is open read-only");
    std::unique_lock lock(impl_->mutex);
    impl_->close();
    impl_->fallback_ro = false;
    auto ok = impl_->open(dir_, Mode::open_existing);
    if (ok) return {};
    // Keep serving reads from what is on disk while the disk stays broken.
    if (impl_->open(dir_, Mode::read_only)) {
        impl_->fallback_ro = true;
    } else {
        impl_->closed_reason = ok.error();
    }
    return ok;
}

std::optional<Bytes> Store::get(Column c, ByteView key) const {
    std::shared_lock lock(impl_->mutex);
    impl_->require_open();
    if (!impl_->cf(c)) return std::nullopt;
    std::string value;
    rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(c), slice(key), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) impl_->fail(s, c, key, false);
    return Bytes(value.begin(), value.end());
}

std::vector<std::optional<Bytes>> Store::multi_get(Column c, std::span<const ByteView> keys) const {
    std::vector<std::optional<Bytes>> out(keys.size());
    if (keys.empty()) return out;
    std::vector<rocksdb::Slice> slices;
    slices.reserve(keys.size());
    for (ByteView k : keys) slices.push_back(slice(k));
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    std::shared_lock lock(impl_->mutex);
    impl_->require_open();
    if (!impl_->cf(c)) return out;
    impl_->db->MultiGet(rocksdb::ReadOptions(), impl_->cf(c), keys.size(), slices.data(), values.data(),
                        statuses.data());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (statuses[i].IsNotFound()) continue;
        if (!statuses[i].ok()) impl_->fail(statuses[i], c, keys[i], false);
        out[i] = Bytes(values[i].data(), values[i].data() + values[i].size());
    }
    return out;
}

void Store::scan(Column c, ByteView prefix, ByteView from,
                 const std::function<bool(ByteView key, ByteView value)>& visit) const {
    std::shared_lock lock(impl_->mutex);
    const auto it = impl_->iterator(c);
    if (!it) return;
    const ByteView start = from.empty() ? prefix : from;
    it->Seek(slice(start));
    Bytes last(start.begin(), start.end());  // where damage met by Next() lies after
    for (; it->Valid(); it->Next()) {
        ByteView k = view(it->key());
        if (k.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), k.begin())) break;
        last.assign(k.begin(), k.end());
        if (!visit(k, view(it->value()))) return;
    }
    if (!it->status().ok()) impl_->fail(it->status(), c, last, true);
}

std::expected<void, std::string> Store::write(const Batch& batch, bool sync) {
    if (impl_->read_only) return std::unexpected("the ledger is open read-only");
    std::shared_lock lock(impl_->mutex);
    if (!impl_->db) return std::unexpected("the ledger is not open: " + impl_->closed_reason);
    if (impl_->fallback_ro)
        return std::unexpected("the ledger could only be reopened read-only; the disk is not fixed yet");
    // Staged in key order within each column; two writes of one key keep
    // their order (std::stable_sort would do, but its temporary buffer is
    // deprecated in C++23). RocksDB inserts each key into a memtable skip
    // list starting from where its last insert ended; a block's writes in
    // their natural order (each transaction's record, history entries and
    // balances in turn) jump across the key space and pay a full descent each,
    // while a venue's history entries in key order are appended one after
    // another. The memtable inserts are the block producer's largest cost.
    std::vector<const Batch::Op*> staged;
    staged.reserve(batch.ops.size());
    for (const auto& op : batch.ops) staged.push_back(&op);
    std::ranges::sort(staged, [](const Batch::Op* a, const Batch::Op* b) {
        if (a->column != b->column) return a->column < b->column;
        if (BytesLess{}(a->key, b->key)) return true;
        if (BytesLess{}(b->key, a->key)) return false;
        return std::less<const Batch::Op*>{}(a, b);  // batch order
    });
    rocksdb::WriteBatch wb;
    for (const Batch::Op* staged_op : staged) {
        const Batch::Op& op = *staged_op;
        rocksdb::Status s = op.value ? wb.Put(impl_->cf(op.column), slice(op.key), slice(*op.value))
                                     : wb.Delete(impl_->cf(op.column), slice(op.key));
        if (!s.ok()) return std::unexpected("cannot stage the write: " + s.ToString());
    }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    rocksdb::Status s = impl_->db->Write(wo, &wb);
    // Not "nothing was written": the write-ahead-log record may have reached
    // the file before the error, and then it comes back at the next open.
    // A corruption status here is RocksDB's background error: a flush or
    // compaction met damage, and the database takes no more writes.
    if (s.IsCorruption()) impl_->note(StoreDamage{s.ToString(), {}, {}, false, {}});
    if (!s.ok()) return std::unexpected("the ledger could not be written: " + s.ToString());
    return {};
}

std::expected<void, StoreDamage> Store::verify_files() const {
    std::shared_lock lock(impl_->mutex);
    impl_->require_open();
    std::vector<rocksdb::LiveFileMetaData> files;
    impl_->db->GetLiveFilesMetaData(&files);
    for (const auto& f : files) {
        const std::filesystem::path path = std::filesystem::path(f.db_path) / std::filesystem::path(f.name).filename();
        rocksdb::SstFileReader reader(impl_->opened_options);
        rocksdb::Status s = reader.Open(path.string());
        if (s.ok()) {
            rocksdb::ReadOptions ro;
            ro.verify_checksums = true;
            ro.fill_cache = false;
            s = reader.VerifyChecksum(ro);
        }
        if (s.ok()) continue;
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) continue;  // compacted away meanwhile
        StoreDamage d;
        d.what = s.ToString();
        for (std::size_t c = 0; c < column_count; ++c)
            if (f.column_family_name == column_names[c]) d.column = static_cast<Column>(c);
        d.file = path.string() + " (keys " + to_hex(as_bytes(f.smallestkey)) + " to " + to_hex(as_bytes(f.largestkey)) + ")";
        impl_->note(d);
        return std::unexpected(std::move(d));
    }
    return {};
}

std::vector<std::pair<Column, std::filesystem::path>> Store::table_files() const {
    std::shared_lock lock(impl_->mutex);
    impl_->require_open();
    std::vector<rocksdb::LiveFileMetaData> files;
    impl_->db->GetLiveFilesMetaData(&files);
    std::vector<std::pair<Column, std::filesystem::path>> out;
    for (const auto& f : files)
        for (std::size_t c = 0; c < column_count; ++c)
            if (f.column_family_name == column_names[c])
                out.emplace_back(static_cast<Column>(c),
                                 std::filesystem::path(f.db_path) / std::filesystem::path(f.name).filename());
    return out;
}

std::expected<void, std::string> Store::compact() {
    if (impl_->read_only) return std::unexpected("the ledger is open read-only");
    std::shared_lock lock(impl_->mutex);
    if (!impl_->db) return std::unexpected("the ledger is not open: " + impl_->closed_reason);
    for (std::size_t c = 0; c < column_count; ++c) {
        rocksdb::ColumnFamilyHandle* h = impl_->cf(static_cast<Column>(c));
        if (!h) continue;
        rocksdb::Status s = impl_->db->Flush(rocksdb::FlushOptions(), h);
        if (s.ok()) s = impl_->db->CompactRange(rocksdb::CompactRangeOptions(), h, nullptr, nullptr);
        if (!s.ok()) return std::unexpected("cannot compact column family " + std::string(column_names[c]) + ": " + s.ToString());
    }
    return {};
}

std::expected<void, std::string> Store::checkpoint(const std::filesystem::path& dir) const {
    std::shared_lock lock(impl_->mutex);
    if (!impl_->db) return std::unexpected("the ledger is not open: " + impl_->closed_reason);
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(impl_->db.get(), &raw);
    std::unique_ptr<rocksdb::Checkpoint> cp(raw);
    // log_size_for_flush 0: the memtables are flushed first, so the copy
    // needs no write-ahead log of the live store's.
    if (s.ok()) s = cp->CreateCheckpoint(dir.string(), /*log_size_for_flush=*/0);
    if (!s.ok()) return std::unexpected("cannot make a checkpoint of the ledger in " + dir.string() + ": " + s.ToString());
    return {};
}

void Store::note_damage(const StoreDamage& d) const { impl_->note(d); }

std::optional<StoreDamage> Store::damage() const {
    std::lock_guard lock(impl_->damage_mutex);
    return impl_->damage;
}

}  // namespace kopilka::ledger
