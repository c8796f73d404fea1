// The chain: a store, the state after its tip, and the rules that extend it.
//
// Chain is what the node's block producer and the tests drive. It owns no
// threads and reads no clock: the caller passes the block time, so tests can
// move time without sleeping.
#pragma once

#include "ledger/anchor.h"
#include "ledger/apply.h"
#include "ledger/block.h"
#include "ledger/store.h"
#include "ledger/stats/rebuild.h"
#include "ledger/verify.h"

#include <expected>
#include <functional>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <variant>

namespace kopilka::ledger {

struct TxLocation {
    std::uint64_t height = 0;
    std::uint32_t index = 0;
    bool operator==(const TxLocation&) const = default;
};

// What became of one submitted transaction.
struct TxOutcome {
    Hash256 id{};
    // Committed now, committed earlier (the first result, returned again), or refused.
    enum class Status { committed, already_committed, refused } status = Status::refused;
    TxLocation location;       // committed / already_committed
    std::optional<Refused> refusal;
    std::vector<Account> touched;  // committed now: every account it concerns
    std::vector<Movement> movements;  // produce_block, committed now: its coin movements, in order
    std::vector<TierChange> tiers;    // produce_block, committed now: the clients' tiers it moved
};

struct Produced {
    std::vector<TxOutcome> outcomes;   // one per candidate, in order
    std::optional<Block> block;        // nullopt when nothing applied
};

// A block another node made, appended after the shared verifier passed it.
struct Appended {
    Block block;
    Hash256 hash{};
    std::vector<SignedTx> txs;        // its transactions, in block order
    std::vector<TxOutcome> outcomes;  // one per transaction: committed, with its place and the accounts it touched
};
// Why append_block wrote nothing.
struct AppendFailure {
    // The block failed a check (BlockFault says which): nothing was written
    // and the chain is as before. nullopt: the block passed, but the store
    // could not write it, or a read met damage (store().damage() then says so).
    std::optional<BlockRefusal> refusal;
    std::string message;  // for a person
};

// Writes a caller adds to a block's batch, so they commit with the block or
// not at all (the node's outbox: the messages the block causes). Called once
// the block is made and signed, before its batch is written, with the state
// after the block, one outcome per candidate and what the programmes' time
// events the block ran first did (apply_due_events: the coin movements of
// gifts and expiries, the tiers a recalculation moved); it may only add to
// `batch`, and only outside the chain's own families (meta, blocks, txs,
// state, index, stats), which the audit checks.
using BlockExtras = std::function<void(const Block& block, std::span<const SignedTx> candidates,
                                       std::span<const TxOutcome> outcomes, const Effects& events,
                                       const State& state, Batch& batch)>;

// The first damage the startup check found.
struct ChainDamage {
    std::uint64_t height = 0;  // the broken block (when in_block)
    std::string reason;        // what is wrong with it, for a person
    // False: the damage is in no one block (a store file, a record RocksDB
    // cannot read, the tip anchor); `reason` says where: the file, or the
    // column family and key.
    bool in_block = true;
};

struct HistoryEntry {
    Hash256 id{};
    TxLocation location;
};
struct HistoryPage {
    std::vector<HistoryEntry> entries;  // newest first
    std::string next_cursor;            // empty: no more
    std::size_t scanned = 0;            // index entries read (a filtered page reads more than it returns)
};
// What a filtered history does with one entry. Entries come newest first, so
// a filter on time may stop at the first entry older than its range.
enum class HistoryVerdict { keep, skip, stop };
using HistoryFilter = std::function<HistoryVerdict(const HistoryEntry&)>;
inline constexpr std::size_t history_page_entries_max = 500;

class Chain {
public:
    static std::expected<std::unique_ptr<Chain>, std::string> create(const std::filesystem::path& dir,
                                                                     const Genesis& genesis);
    // Opens an existing chain; refuses (naming the problem) when the stored
    // state does not match the tip block's state digest, when RocksDB finds
    // damage (a log record or a block whose checksum fails), and when the
    // tip is below the tip anchor (ledger/anchor.h: blocks acknowledged to
    // clients are gone) or more than one block above it. When the refusal is
    // damage, `damage` says where: a stored block (or the state it leaves),
    // or, with in_block false, the file, family and key.
    // `block_cache_bytes` as Store::open's.
    static std::expected<std::unique_ptr<Chain>, std::string> open(const std::filesystem::path& dir,
                                                                   ChainDamage* damage = nullptr,
                                                                   std::size_t block_cache_bytes = 0);

    const Genesis& genesis() const { return genesis_; }
    const ChainId& id() const { return chain_id_; }
    std::uint64_t height() const { return tip_.height; }
    const BlockHeader& tip() const { return tip_; }
    // The producer's signature over tip(); all zero at height 0 (the genesis is not signed as a block).
    const Signature& tip_signature() const { return tip_signature_; }
    const Hash256& tip_hash() const { return tip_hash_; }
    const State& state() const { return state_; }
    Store& store() { return *store_; }

    // The startup check (after Bitcoin Core's -checkblocks). Walks every
    // stored block header from 1 to the tip: contiguous heights, each prev
    // hash the hash of the header before (block 1: the chain id), the genesis
    // producer, time never going back, the tip record's hash; where a link
    // breaks, the signatures on both sides name the damaged block. The last
    // `full_blocks` blocks (0: all) are checked in full: the producer's
    // signature, the tx root against the stored ids, and each transaction
    // record present at its place, decoding, hashing to its id, its
    // signatures valid (Replayer::prepare, on every core for a large block).
    // It does not re-apply the rules (`kopilkad verify` does).
    std::expected<void, ChainDamage> check_blocks(std::uint64_t full_blocks) const;

    // Whether the venue aggregates (ledger/stats/) count every block: true
    // for a chain made by create(), and for one opened with the aggregates'
    // version marker. Otherwise rebuild_stats() must run before the next
    // block (produce_block refuses until then), after the startup check.
    bool stats_ready() const { return stats_ready_; }
    // Counts the aggregates again from the blocks (stats::rebuild), in
    // bounded batches, calling `progress` after each. Does nothing when ready.
    std::expected<void, std::string> rebuild_stats(const stats::RebuildProgress& progress = {});

    // Reopens the store from disk and rebuilds the tip, the state and the
    // replay window from what it holds (the tip anchor checked again, as at
    // open); used after a failed write, when a
    // block whose write failed may or may not be on disk. On an error the
    // in-memory chain is left as it was (and the store may be read-only).
    std::expected<void, std::string> reopen();

    // Applies the candidates in order on top of the tip and, if any applies,
    // commits them as one block (one synced write). A transaction already
    // committed is reported with its first location and not applied again.
    // With signatures_verified the caller vouches that verify_tx_signatures
    // passed for every candidate (the node checks them in parallel). The
    // block's aggregates (ledger/stats/count.h) are counted into the same
    // batch: a block is never half-counted.
    // An error means the store refused the write, or a read met damage
    // (store().damage() then says so); the state is unchanged. Once the
    // block's batch is synced the tip anchor is advanced and synced; when
    // that fails the block stands (memory follows the store) and the error
    // says the anchor could not be written.
    // `extras`, when set, adds its writes to the block's batch (BlockExtras).
    std::expected<Produced, std::string> produce_block(std::span<const SignedTx> candidates, std::uint64_t time_ms,
                                                       const KeyPair& producer, bool signatures_verified = false,
                                                       const BlockExtras& extras = {});

    // Appends a block another node made (a follower's: `kopilkad follow`):
    // `block_bytes` as stored, `fetch_tx` its transaction records as stored.
    // The block must pass the audit's own checks (verify_and_apply_block) on
    // top of the tip; then it is written exactly as produce_block writes a
    // block made here, in one synced batch with the same records beside it
    // (index entries, transaction records, state, aggregates, tip), and the
    // anchor is advanced. Nothing else is written: no BlockExtras (a
    // follower owes no messages). A refused block leaves the chain as it
    // was, in memory and on disk.
    std::expected<Appended, AppendFailure> append_block(ByteView block_bytes, const FetchTx& fetch_tx);

    std::optional<TxLocation> find_tx(const Hash256& id) const;
    // False only when `id` cannot have been committed: the replay window holds
    // every committed id whose expiry is not before the tip's time, so an id
    // outside it that expires at or after the tip was never committed. Spares
    // a store read per new transaction (find_tx is needed only when true).
    bool maybe_committed(const Tx& tx, const Hash256& id) const {
        return state_.tx_seen(id) || tx.expiry_s < tip_.time_ms / 1000;
    }
    std::optional<TxRecord> tx_record(const Hash256& id) const;
    std::optional<Block> block_at(std::uint64_t height) const;
    std::optional<std::uint64_t> height_of(const Hash256& block_hash) const;
    std::optional<InclusionProof> prove(const Hash256& id) const;

    // History, newest first; `cursor` is empty or a next_cursor from before.
    std::expected<HistoryPage, std::string> account_history(const Account& account, std::string_view cursor,
                                                            std::size_t limit) const;
    std::expected<HistoryPage, std::string> venue_history(std::string_view ticker, std::string_view cursor,
                                                          std::size_t limit) const;
    // The entries `keep` keeps, reading at most `scan_max` index entries: a
    // page may hold fewer than `limit` (none at all) and still have a
    // next_cursor, which is set whenever entries remain to be read.
    std::expected<HistoryPage, std::string> venue_history(std::string_view ticker, std::string_view cursor,
                                                          std::size_t limit, const HistoryFilter& keep,
                                                          std::size_t scan_max) const;

private:
    Chain(std::unique_ptr<Store> store, Genesis genesis);
    std::expected<void, std::string> load(ChainDamage* damage = nullptr);
    std::expected<void, std::string> load_records(ChainDamage* damage);
    // Checks the tip against the tip anchor and opens the anchor for writing.
    std::expected<void, std::string> check_anchor(ChainDamage* damage);
    std::expected<void, ChainDamage> check_block_records(std::uint64_t full_blocks) const;
    // What every block's batch holds besides any extras, the same for a block
    // made here and one appended (chain_append.cpp): the block, its
    // block-hash and history index entries, its transaction records (`blobs`,
    // the signed bytes of each of `txs`), the state's journalled changes, the
    // aggregates' changed records and the tip record.
    void stage_block(Batch& batch, const Block& block, const Hash256& hash, std::span<const AppliedTx> txs,
                     std::vector<Bytes>&& blobs, std::map<Bytes, Bytes, BytesLess>&& aggregates) const;
    // Writes a staged block's batch (rolling the state back to `start` when
    // the store refuses it), then moves the tip and advances the anchor.
    std::expected<void, std::string> commit_block(const Block& block, const Hash256& hash, const Batch& batch,
                                                  State::Mark start);
    std::expected<HistoryPage, std::string> history(const Bytes& prefix, std::string_view cursor, std::size_t limit,
                                                    const HistoryFilter* keep = nullptr,
                                                    std::size_t scan_max = 0) const;

    std::unique_ptr<Store> store_;
    Genesis genesis_;
    ChainId chain_id_{};
    BlockHeader tip_;
    Signature tip_signature_{};
    Hash256 tip_hash_{};
    State state_;
    std::unique_ptr<TipAnchor> anchor_;
    bool stats_ready_ = false;
};

// Store keys shared with the audit.
namespace keys {
Bytes meta_genesis();
Bytes meta_tip();
Bytes block(std::uint64_t height);
Bytes block_hash_index(const Hash256& hash);
Bytes account_history_prefix(const Account& account);
Bytes venue_history_prefix(std::string_view ticker);
// prefix || ~height || ~index, so newer entries sort first.
Bytes history_entry(const Bytes& prefix, TxLocation at);
// The ~height || ~index part of a history entry's key.
constexpr std::size_t history_entry_position_bytes = 8 + 4;
Bytes tip_value(std::uint64_t height, const Hash256& hash);
}  // namespace keys

}  // namespace kopilka::ledger
