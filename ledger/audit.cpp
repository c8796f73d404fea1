#include "ledger/audit.h"

#include "ledger/chain.h"
#include "ledger/codec.h"
#include "ledger/stats/recount.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <limits>
#include <thread>
#include <unordered_map>

namespace kopilka::ledger {

Replayer::Replayer(ByteView genesis_bytes) {
    try {
        genesis_ = decode_genesis(genesis_bytes);
        genesis_ok_ = true;
        report_.chain_id = blake2b256(genesis_bytes);
        report_.chain_name = genesis_.chain_name;
        prev_hash_ = report_.chain_id;
        prev_time_ms_ = genesis_.time_ms;
    } catch (const DecodeError& e) {
        fail(0, std::string("the genesis record is damaged: ") + e.what());
    }
}

void Replayer::fail(std::uint64_t height, std::string reason) {
    if (report_.bad_block) return;  // the first fault is the one that matters
    report_.bad_block = height;
    report_.reason = std::move(reason);
    report_.ok = false;
}

FetchTx store_fetch_tx(const Store& store) {
    return [&store](std::span<const Hash256> ids) {
        const std::vector<ByteView> keys(ids.begin(), ids.end());
        return store.multi_get(Column::txs, keys);
    };
}

bool Replayer::apply(PreparedBlock&& prepared) {
    if (failed()) return false;
    const std::uint64_t height = prepared.height;
    // The one verifier (verify.h), the same a follower runs on each block it appends.
    auto verified = verify_and_apply_block(state_, genesis_, report_.chain_id,
                                           BlockLink{next_height_ - 1, prev_hash_, prev_time_ms_}, prepared);
    if (!verified) {
        fail(height, std::move(verified.error().reason));
        return false;
    }
    state_.clear_journal();
    for (const SignedTx& stx : prepared.txs) {
        const std::string_view kind = kind_name(stx.tx.kind());
        auto counted = report_.tx_kinds.find(kind);
        if (counted == report_.tx_kinds.end()) counted = report_.tx_kinds.emplace(std::string(kind), 0).first;
        ++counted->second;
    }
    report_.txs_checked += verified->txs.size();
    report_.moved_units = verified->moved_units > std::numeric_limits<Amount>::max() - report_.moved_units
                              ? std::numeric_limits<Amount>::max()
                              : report_.moved_units + verified->moved_units;
    last_txs_ = std::move(verified->txs);
    last_events_ = std::move(verified->events);
    report_.supplies = std::move(verified->supplies);
    report_.state_digest = prepared.block->header.state_digest;
    prev_hash_ = verified->hash;
    prev_time_ms_ = prepared.block->header.time_ms;
    ++next_height_;
    ++report_.blocks_checked;
    return true;
}

namespace {

// The block-hash index entry of the block just replayed, read back; adds
// one to `expected_entries`.
bool check_block_hash_index(const Store& store, Replayer& rp, std::uint64_t height, std::uint64_t& expected_entries) {
    ++expected_entries;
    auto stored = store.get(Column::index, keys::block_hash_index(rp.last_hash()));
    if (!stored || *stored != keys::block(height)) {
        rp.fail(height, "block " + std::to_string(height) + ": the block-hash index entry is missing or wrong");
        return false;
    }
    return true;
}

// Calls visit(key, tx, venue) for each history entry the block just replayed
// should have: one in each touched account's list, one in its venue's.
template <class Visit>
void for_each_expected_history(const Replayer& rp, std::uint64_t height, Visit visit) {
    for (const auto& tx : rp.last_block_txs()) {
        for (const Account& a : tx.touched)
            visit(keys::history_entry(keys::account_history_prefix(a), {height, tx.index}), tx, false);
        if (!tx.ticker.empty())
            visit(keys::history_entry(keys::venue_history_prefix(tx.ticker), {height, tx.index}), tx, true);
    }
}

// The history entries the block just replayed should have, read back one by
// one (a batched point read a block): slow, but it names the block at fault.
// Adds their number to `expected_entries`.
bool check_block_history(const Store& store, Replayer& rp, std::uint64_t height, std::uint64_t& expected_entries) {
    struct Expected {
        Bytes key;
        const Replayer::TxIndexEntry* tx;
        bool venue;
    };
    std::vector<Expected> expected;
    for_each_expected_history(rp, height, [&](Bytes key, const Replayer::TxIndexEntry& tx, bool venue) {
        expected.push_back({std::move(key), &tx, venue});
    });
    expected_entries += expected.size();
    std::vector<ByteView> keys_wanted;
    keys_wanted.reserve(expected.size());
    for (const Expected& e : expected) keys_wanted.emplace_back(e.key);
    const auto stored_ids = store.multi_get(Column::index, keys_wanted);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& v = stored_ids[i];
        const Hash256& id = expected[i].tx->id;
        if (!v || !std::equal(v->begin(), v->end(), id.begin(), id.end())) {
            rp.fail(height, "block " + std::to_string(height) + ": " + (expected[i].venue ? "the venue" : "an account") +
                                " history entry for transaction " + std::to_string(expected[i].tx->index) +
                                " is missing or wrong");
            return false;
        }
    }
    return true;
}

// Adds every index entry the block just replayed should have (its block-hash
// entry and its history entries) to `expected`. The stored index is summed up
// the same way in one forward pass, and the two sums compared at the end: a
// key sorts each entry into its list, so equal sets of entries are equal
// lists.
void expect_block_index(KeyedSetDigest& expected, const Replayer& rp, std::uint64_t height) {
    expected.add(keys::block_hash_index(rp.last_hash()), keys::block(height));
    for_each_expected_history(rp, height,
                              [&](const Bytes& key, const Replayer::TxIndexEntry& tx, bool) { expected.add(key, tx.id); });
}

// What the stores the node serves from hold, read on a thread of its own
// while the replay runs: record counts, and the whole index summed up under
// the audit's key.
struct StoredRecords {
    std::uint64_t blocks = 0;
    std::uint64_t txs = 0;
    KeyedSetDigest index;
};

StoredRecords read_stored_records(const Store& store, const KeyedSetDigest::Key& index_key,
                                  const std::stop_token& stop) {
    StoredRecords out{.index = KeyedSetDigest(index_key)};
    store.scan(Column::index, {}, {}, [&](ByteView k, ByteView v) {
        if (stop.stop_requested()) return false;
        out.index.add(k, v);
        return true;
    });
    auto count = [&](std::uint64_t& n) {
        return [&](ByteView, ByteView) { return !stop.stop_requested() && (++n, true); };
    };
    store.scan(Column::blocks, {}, {}, count(out.blocks));
    store.scan(Column::txs, {}, {}, count(out.txs));
    return out;
}

// Prepares blocks 1..tip on `workers` threads of its own, each block whole on
// one thread (its reads, decoding and signature checks), and hands them out in
// height order. Whole blocks rather than slices of one keep every core busy
// without a barrier per block, while the consumer applies the blocks before.
// Workers run at most prefetch_blocks_max blocks ahead of the consumer and
// take no height past the first missing block or store error, which next()
// returns (or rethrows) in its turn.
class Prefetcher {
public:
    Prefetcher(const Store& store, const ChainId& chain, std::uint64_t tip, std::size_t workers)
        : store_(store), chain_(chain), end_(tip + 1), slots_(prefetch_blocks_max) {
        threads_.reserve(workers);
        for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { run(); });
    }
    ~Prefetcher() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        work_cv_.notify_all();
    }  // then the jthreads join

    // The next block in height order; nullopt when it is not stored. Called
    // at most once per height in 1..tip, and not again after a nullopt or a
    // rethrown error.
    std::optional<PreparedBlock> next() {
        std::unique_lock lock(mutex_);
        Slot& slot = slots_[next_out_ % slots_.size()];
        ready_cv_.wait(lock, [&] { return slot.ready && slot.height == next_out_; });
        Slot taken = std::move(slot);
        slot = Slot{};
        ++next_out_;
        lock.unlock();
        work_cv_.notify_all();  // a slot is free
        if (taken.error) std::rethrow_exception(taken.error);
        return std::move(taken.block);
    }

private:
    static constexpr std::size_t prefetch_blocks_max = 16;
    struct Slot {
        std::uint64_t height = 0;
        bool ready = false;
        std::optional<PreparedBlock> block;
        std::exception_ptr error;
    };

    void run() {
        const FetchTx fetch = store_fetch_tx(store_);
        for (;;) {
            std::uint64_t h = 0;
            {
                std::unique_lock lock(mutex_);
                // Slot h % size is free once the consumer took height h - size.
                work_cv_.wait(lock, [&] {
                    return stopping_ || (next_claim_ < end_ && next_claim_ < next_out_ + slots_.size());
                });
                if (stopping_) return;
                h = next_claim_++;
            }
            Slot done;
            done.height = h;
            try {
                if (auto bytes = store_.get(Column::blocks, keys::block(h)))
                    done.block = Replayer::prepare(chain_, h, *bytes, fetch, Replayer::SignatureThreads::this_thread);
            } catch (...) {
                done.error = std::current_exception();
            }
            {
                std::lock_guard lock(mutex_);
                if (done.error || !done.block) end_ = std::min(end_, h + 1);  // the consumer stops at h
                done.ready = true;
                slots_[h % slots_.size()] = std::move(done);
            }
            ready_cv_.notify_all();
        }
    }

    const Store& store_;
    const ChainId chain_;
    std::mutex mutex_;
    std::condition_variable work_cv_;   // a height can be claimed, or stopping
    std::condition_variable ready_cv_;  // a prepared block was stored
    bool stopping_ = false;
    std::uint64_t next_claim_ = 1;  // the next height a worker prepares
    std::uint64_t next_out_ = 1;    // the next height next() returns
    std::uint64_t end_;             // no height at or above this is claimed
    std::vector<Slot> slots_;       // height h waits in slots_[h % size]
    std::vector<std::jthread> threads_;  // last: they start after the members above exist
};

}  // namespace

namespace {

// How a pass checks the index (the block-hash and history entries):
// `streamed` compares the stored index, summed up in one sequential pass
// beside the replay, with the replay's sum; `per_block` reads back every
// entry a block should have right after the block, so the first fault names
// its block.
enum class IndexCheck { streamed, per_block };

struct Pass {
    AuditReport report;
    bool index_differs = false;  // the fault (if any) is the index's, found only after the last block
};

Pass audit_pass(const Store& store, const AuditProgress& progress, IndexCheck index_check) {
    Pass pass;
    auto genesis = store.get(Column::meta, keys::meta_genesis());
    if (!genesis) {
        pass.report.bad_block = 0;
        pass.report.reason = "there is no genesis record";
        return pass;
    }
    Replayer rp(*genesis);
    auto done = [&] {
        pass.report = rp.report();
        return pass;
    };
    if (rp.failed()) return done();

    auto tip = store.get(Column::meta, keys::meta_tip());
    std::uint64_t tip_height = 0;
    Hash256 tip_hash{};
    try {
        if (!tip) throw DecodeError("missing");
        Reader r(*tip);
        tip_height = r.u64();
        tip_hash = r.hash();
        r.finish();
    } catch (const DecodeError&) {
        rp.fail(0, "the tip record is missing or damaged");
        return done();
    }
    rp.report().tip_height = tip_height;

    std::optional<std::uint64_t> reading_block;  // the block whose records the replay is reading
    std::uint64_t expected_index_entries = 0;  // counted by the per-block checks; the streamed sum counts its own
    std::uint64_t expected_tx_records = 0;
    // Drawn now, after everything it will sum up was written: nobody who
    // wrote the store could know it.
    const KeyedSetDigest::Key index_key = KeyedSetDigest::random_key();
    KeyedSetDigest expected_index(index_key);
    stats::Recount recount;  // the aggregates, counted again from the replay
    try {
        // Nothing extra may hide in the stores the node serves from: their
        // records are counted (and the index summed up) on a thread of their
        // own, while the replay runs, and compared with it at the end.
        std::optional<StoredRecords> stored;
        std::exception_ptr stored_error;
        std::jthread reader([&](std::stop_token stop) {
            try {
                stored = read_stored_records(store, index_key, stop);
            } catch (...) {
                stored_error = std::current_exception();
            }
        });
        {
            // Blocks are read, decoded and signature-checked on every core
            // while this thread applies the rules to the blocks before them.
            Prefetcher ahead(store, rp.report().chain_id, tip_height,
                             std::max(1u, std::thread::hardware_concurrency()));
            for (std::uint64_t h = 1; h <= tip_height; ++h) {
                reading_block = h;
                if (progress) progress(h, tip_height);
                auto next = ahead.next();
                if (!next) {
                    rp.fail(h, "block " + std::to_string(h) + " is missing");
                    return done();
                }
                if (!rp.apply(std::move(*next))) return done();
                expected_tx_records += rp.last_block_txs().size();
                recount.add(rp.last_block_events());
                if (index_check == IndexCheck::per_block) {
                    if (!check_block_hash_index(store, rp, h, expected_index_entries)) return done();
                    if (!check_block_history(store, rp, h, expected_index_entries)) return done();
                } else {
                    expect_block_index(expected_index, rp, h);
                }
            }
        }
        reading_block.reset();
        const std::uint64_t after = tip_height + 1;
        if (rp.last_hash() != tip_hash) {
            rp.fail(tip_height, "the tip record's hash does not match block " + std::to_string(tip_height));
            return done();
        }
        if (store.get(Column::blocks, keys::block(after))) {
            rp.fail(after, "block " + std::to_string(after) + " is stored beyond the tip");
            return done();
        }

        reader.join();
        if (stored_error) std::rethrow_exception(stored_error);
        if (stored->blocks != tip_height) {
            rp.fail(tip_height, "the store holds " + std::to_string(stored->blocks) + " blocks, expected " +
                                    std::to_string(tip_height));
            return done();
        }
        if (stored->txs != expected_tx_records) {
            rp.fail(tip_height, "the store holds " + std::to_string(stored->txs) +
                                    " transaction records; the blocks list " + std::to_string(expected_tx_records));
            return done();
        }
        if (index_check == IndexCheck::streamed) expected_index_entries = expected_index.records();
        if (stored->index.records() != expected_index_entries) {
            rp.fail(tip_height, "the index holds " + std::to_string(stored->index.records()) +
                                    " entries, expected " + std::to_string(expected_index_entries));
            pass.index_differs = true;
            return done();
        }
        if (index_check == IndexCheck::streamed && !(stored->index == expected_index)) {
            rp.fail(tip_height, "after block " + std::to_string(tip_height) +
                                    ": the index entries (block hashes and history) differ from the replay");
            pass.index_differs = true;
            return done();
        }

        // The stored state must be exactly the replayed state.
        std::uint64_t state_stored = 0;
        std::string state_fault;
        std::unordered_map<Bytes, Bytes, BytesHash> replayed;
        rp.state().for_each_record([&](const Bytes& k, const Bytes& v) { replayed.emplace(k, v); });
        store.scan(Column::state, {}, {}, [&](ByteView k, ByteView v) {
            ++state_stored;
            auto it = replayed.find(Bytes(k.begin(), k.end()));
            if (it == replayed.end() || !std::equal(v.begin(), v.end(), it->second.begin(), it->second.end())) {
                state_fault = "the stored state record " + to_hex(k) + " differs from the replay";
                return false;
            }
            return true;
        });
        if (state_fault.empty() && state_stored != replayed.size())
            state_fault = "the stored state has " + std::to_string(state_stored) + " records; the replay has " +
                          std::to_string(replayed.size());
        if (!state_fault.empty()) {
            rp.fail(tip_height, "after block " + std::to_string(tip_height) + ": " + state_fault);
            return done();
        }

        // The aggregates must be exactly the recount, once the ledger has
        // them (a version marker): a ledger made before them has none until
        // the node's next start counts them.
        const auto marker = store.get(Column::meta, stats::meta_stats_key());
        if (marker && stats::is_current_version(*marker)) {
            if (auto fault = recount.compare(store, rp.report().stats_records)) {
                rp.fail(tip_height, "after block " + std::to_string(tip_height) +
                                        ": the venue aggregates differ from the blocks: " + *fault);
                return done();
            }
            rp.report().stats_checked = true;
        }
    } catch (const std::exception& e) {
        // A block is named only when the failed read was one of its own
        // (its record, its transactions, its index entries); damage met by
        // the scans of the whole store names the family and key instead.
        const auto* se = dynamic_cast<const StoreError*>(&e);
        const std::string what = se ? se->damage().describe() : e.what();
        if (reading_block) {
            rp.fail(*reading_block, "its records could not be read: " + what);
        } else {
            pass.report = rp.report();
            pass.report.ok = false;
            pass.report.reason = "the store could not be read: " + what;
            return pass;
        }
        return done();
    }
    rp.report().ok = true;
    return done();
}

}  // namespace

namespace {
AuditReport audit_store_passes(const Store& store, const AuditProgress& progress);
}  // namespace

AuditReport audit_store(const Store& store, const AuditProgress& progress) {
    try {
        return audit_store_passes(store, progress);
    } catch (const StoreError& e) {
        // The genesis or tip record, read before any block.
        AuditReport r;
        r.reason = "the store could not be read: " + e.damage().describe();
        return r;
    }
}

namespace {
AuditReport audit_store_passes(const Store& store, const AuditProgress& progress) {
    Pass fast = audit_pass(store, progress, IndexCheck::streamed);
    if (!fast.index_differs) return fast.report;
    // The streamed check saw that the index differs, but not where: replay
    // again, reading every block's entries back, to name the block.
    Pass exact = audit_pass(store, progress, IndexCheck::per_block);
    AuditReport& r = exact.report.ok ? fast.report : exact.report;
    r.ok = false;
    r.index_rechecked = true;
    return r;
}
}  // namespace

AuditReport audit_dir(const std::filesystem::path& dir, const AuditProgress& progress) {
    // The anchor first: a node running beside the audit writes its store
    // before its anchor, so the store opened after can only be further on.
    auto anchor = TipAnchor::read(dir);
    auto store = Store::open(dir, Store::Mode::read_only, audit_block_cache_bytes);
    if (!store) {
        AuditReport r;
        r.reason = store.error();
        return r;
    }
    AuditReport r = audit_store(**store, progress);
    if (!r.ok) return r;
    auto refuse = [&](std::string why) {
        r.ok = false;
        r.reason = std::move(why);
        return r;
    };
    // The replay read every record; this reads every byte of every table
    // file, what no record covers (old versions, filters, indexes) included.
    if (auto files = (*store)->verify_files(); !files)
        return refuse("a checksum does not match in " + files.error().describe());
    if (!anchor) return refuse(anchor.error());
    if (!*anchor) return r;  // a ledger made before the anchor existed
    const TipMark& a = **anchor;
    if (a.height > r.tip_height)
        return refuse("the ledger's tip is block " + std::to_string(r.tip_height) + ", but block " +
                      std::to_string(a.height) + " was acknowledged to clients (the tip anchor " +
                      TipAnchor::path_in(dir).string() + " says so): " + std::to_string(a.height - r.tip_height) +
                      " synced block(s) are lost");
    Hash256 hash = r.chain_id;
    if (a.height > 0) {
        auto raw = (*store)->get(Column::blocks, keys::block(a.height));
        auto b = raw ? decode_block(*raw) : std::unexpected(std::string("missing"));
        if (!b) return refuse("block " + std::to_string(a.height) + ", the tip anchor's, cannot be read");
        hash = block_hash(b->header);
    }
    if (hash != a.hash)
        return refuse("block " + std::to_string(a.height) + "'s hash differs from the one in the tip anchor " +
                      TipAnchor::path_in(dir).string());
    return r;
}

}  // namespace kopilka::ledger
