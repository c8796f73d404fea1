#include "ledger/store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/write_batch.h>

#include <array>

namespace kopilka::ledger {

namespace {
constexpr std::array<std::string_view, column_count> column_names = {"meta", "blocks", "txs", "state", "index"};

rocksdb::Slice slice(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
ByteView view(const rocksdb::Slice& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
}  // namespace

std::string_view column_name(Column c) { return column_names[static_cast<std::size_t>(c)]; }

struct Store::Impl {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;  // indexed by Column
    bool read_only = false;

    ~Impl() {
        for (auto* h : handles)
            if (db && h) db->DestroyColumnFamilyHandle(h);
        if (db) db->Close();
    }
    rocksdb::ColumnFamilyHandle* cf(Column c) const { return handles[static_cast<std::size_t>(c) + 1]; }
};

Store::Store(std::unique_ptr<Impl> impl, std::filesystem::path dir) : impl_(std::move(impl)), dir_(std::move(dir)) {}
Store::~Store() = default;

std::expected<std::unique_ptr<Store>, std::string> Store::open(const std::filesystem::path& dir, Mode mode) {
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

    rocksdb::Options options;
    options.create_if_missing = mode == Mode::create_new;
    options.create_missing_column_families = mode == Mode::create_new;
    options.paranoid_checks = true;
    // A small node: bound background work and open files on a 2-core machine.
    options.IncreaseParallelism(2);
    options.max_open_files = 256;
    options.keep_log_file_num = 4;

    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));  // tx lookups by id are point reads
    rocksdb::ColumnFamilyOptions cf_options(options);
    cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
    for (auto name : column_names) descriptors.emplace_back(std::string(name), cf_options);

    auto impl = std::make_unique<Impl>();
    impl->read_only = mode == Mode::read_only;
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = impl->read_only
                            ? rocksdb::DB::OpenForReadOnly(options, dir.string(), descriptors, &impl->handles, &raw)
                            : rocksdb::DB::Open(options, dir.string(), descriptors, &impl->handles, &raw);
    if (!s.ok()) return std::unexpected("cannot open the ledger in " + dir.string() + ": " + s.ToString());
    impl->db.reset(raw);
    return std::unique_ptr<Store>(new Store(std::move(impl), dir));
}

std::optional<Bytes> Store::get(Column c, ByteView key) const {
    std::string value;
    rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(c), slice(key), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) throw std::runtime_error("store read failed: " + s.ToString());
    return Bytes(value.begin(), value.end());
}

void Store::scan(Column c, ByteView prefix, ByteView from,
                 const std::function<bool(ByteView key, ByteView value)>& visit) const {
    rocksdb::ReadOptions ro;
    ro.verify_checksums = true;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf(c)));
    it->Seek(slice(from.empty() ? prefix : from));
    for (; it->Valid(); it->Next()) {
        ByteView k = view(it->key());
        if (k.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), k.begin())) break;
        if (!visit(k, view(it->value()))) return;
    }
    if (!it->status().ok()) throw std::runtime_error("store scan failed: " + it->status().ToString());
}

std::expected<void, std::string> Store::write(const Batch& batch, bool sync) {
    if (impl_->read_only) return std::unexpected("the ledger is open read-only");
    rocksdb::WriteBatch wb;
    for (const auto& op : batch.ops) {
        rocksdb::Status s = op.value ? wb.Put(impl_->cf(op.column), slice(op.key), slice(*op.value))
                                     : wb.Delete(impl_->cf(op.column), slice(op.key));
        if (!s.ok()) return std::unexpected("cannot stage the write: " + s.ToString());
    }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    rocksdb::Status s = impl_->db->Write(wo, &wb);
    if (!s.ok()) return std::unexpected("the ledger could not be written (nothing was committed): " + s.ToString());
    return {};
}

}  // namespace kopilka::ledger
