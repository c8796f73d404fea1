// The auditor's replay: trust nothing that was stored, recompute everything.
//
// From the genesis, on an empty state: every block's link to its parent, its
// producer and signature, every transaction's bytes against its id and its
// place, every signature and rule (by applying it again), the Merkle root, the
// state digest after the block, and that every coin's balances still sum to
// its supply. The first block where anything differs is named with the reason.
// Against a local store it also checks the stored state and the indexes that
// the node serves history from.
#pragma once

#include "ledger/apply.h"
#include "ledger/block.h"
#include "ledger/store.h"
#include "ledger/stats/count.h"
#include "ledger/verify.h"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>

namespace kopilka::ledger {

struct AuditReport {
    bool ok = false;
    std::uint64_t tip_height = 0;       // what the source claims
    std::uint64_t blocks_checked = 0;   // blocks that passed every check
    std::uint64_t txs_checked = 0;
    std::optional<std::uint64_t> bad_block;  // first block that failed (0: the genesis)
    std::string reason;                 // why, for a person
    ChainId chain_id{};
    std::string chain_name;
    std::map<std::string, Amount> supplies;  // coin -> sum of all balances after the last good block
    std::map<std::string, std::uint64_t, std::less<>> tx_kinds;  // kind name -> count
    Amount moved_units = 0;             // every unit moved by transfers and redemptions (saturating)
    Hash256 state_digest{};
    // The index (block-hash and history entries) differed from the replay,
    // so the audit replayed the chain a second time, reading each block's
    // entries back, to name the block (see audit_store).
    bool index_rechecked = false;
    // The venue aggregates (ledger/stats/) were recounted from the blocks
    // and compared with the stored ones, record by record; false when the
    // ledger has none yet (made before them: the node counts them at its
    // next start), which is no fault.
    bool stats_checked = false;
    std::uint64_t stats_records = 0;  // aggregate records compared
};

// A FetchTx over a local store, which must outlive it: one batched read
// (Store::multi_get) a block.
FetchTx store_fetch_tx(const Store& store);

// Replays blocks one at a time; usable with any source of blocks (a local
// store here; a remote node for the wallet's auditor).
class Replayer {
public:
    // Throws nothing; a bad genesis makes every later check fail with the reason.
    explicit Replayer(ByteView genesis_bytes);
    // Checks and applies block `height` (which must be the next one). `fetch_tx`
    // returns the stored transaction records of the block's ids.
    // Returns false (and fills report()) at the first fault.
    bool replay_block(std::uint64_t height, ByteView block_bytes, const FetchTx& fetch_tx) {
        return apply(prepare(report_.chain_id, height, block_bytes, fetch_tx));
    }
    // replay_block in two steps: prepare (any thread, any time before) and
    // apply (in height order). Both are the shared verifier's (verify.h):
    // prepare_block, then verify_and_apply_block on the replayed state.
    using SignatureThreads = ledger::SignatureThreads;
    static PreparedBlock prepare(const ChainId& chain, std::uint64_t height, ByteView block_bytes,
                                 const FetchTx& fetch_tx,
                                 SignatureThreads threads = SignatureThreads::all_cores) {
        return prepare_block(chain, height, block_bytes, fetch_tx, threads);
    }
    bool apply(PreparedBlock&& prepared);
    // Effects of the last replayed block, for index checks.
    using TxIndexEntry = AppliedTx;
    const std::vector<TxIndexEntry>& last_block_txs() const { return last_txs_; }
    // What the last replayed block adds to the venue aggregates, each
    // transaction judged on the state before it (stats::classify).
    const std::vector<stats::Event>& last_block_events() const { return last_events_; }
    const Hash256& last_hash() const { return prev_hash_; }

    const State& state() const { return state_; }
    AuditReport& report() { return report_; }
    bool failed() const { return report_.bad_block.has_value(); }
    void fail(std::uint64_t height, std::string reason);

private:
    Genesis genesis_;
    bool genesis_ok_ = false;
    State state_;
    Hash256 prev_hash_{};
    std::uint64_t prev_time_ms_ = 0;
    std::uint64_t next_height_ = 1;
    std::vector<TxIndexEntry> last_txs_;
    std::vector<stats::Event> last_events_;
    AuditReport report_;
};

using AuditProgress = std::function<void(std::uint64_t height, std::uint64_t tip)>;

// Full audit of a local store: the replay above, then the tip record, the
// stored state, the history and block-hash indexes and the venue aggregates
// against the replay.
// The index is read in one sequential pass on a thread of its own and summed
// up under a key drawn for this audit (KeyedSetDigest), as the replay sums up
// the entries each block should have; only when the sums or counts differ is
// the chain replayed again with every block's entries read back, which names
// the first block at fault.
AuditReport audit_store(const Store& store, const AuditProgress& progress = {});
// The block cache of the store audit_dir opens. The audit reads every
// transaction record in block order, which is random in the store's key
// order, and a 4 KiB table block holds ~13 records: with RocksDB's 8 MiB
// default most blocks would be read and decompressed again for each record
// in them. 256 MiB holds a chain of about 600,000 transactions whole.
inline constexpr std::size_t audit_block_cache_bytes = std::size_t{256} << 20;
// Opens `dir` read-only (a running node may keep it open) and audits it.
AuditReport audit_dir(const std::filesystem::path& dir, const AuditProgress& progress = {});

}  // namespace kopilka::ledger
