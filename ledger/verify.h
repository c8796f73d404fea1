// The checks one block must pass to extend a chain, shared by everything that
// takes a block it did not make: the audit's replay (`kopilkad verify`,
// `kopilka audit`) and a follower appending a block another node served
// (Chain::append_block, `kopilkad follow`). One verifier, so an auditor and a
// follower can never disagree about what a valid block is.
//
// In two steps. prepare_block needs no state: it decodes the block and its
// transaction records, checks every signature and recomputes the Merkle root,
// and may run ahead on other threads. verify_and_apply_block then judges the
// prepared block against the block it must extend and the state after it:
// height, previous hash, producer and its signature, time, Merkle root, the
// programmes' due time events, every transaction's record, signature and
// rules (by applying it), the state digest, and that every coin's balances
// still sum to its supply.
#pragma once

#include "ledger/apply.h"
#include "ledger/block.h"
#include "ledger/stats/count.h"

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kopilka::ledger {

// The stored transaction record bytes for each id, in the ids' order
// (nullopt: not stored); one call per block, so a store can batch its reads.
using FetchTx = std::function<std::vector<std::optional<Bytes>>(std::span<const Hash256> ids)>;

// The part of checking a block that needs no state. Faults are recorded, not
// judged: verify_and_apply_block reports them in the order a sequential
// replay meets them.
struct PreparedBlock {
    std::uint64_t height = 0;
    std::optional<Block> block;         // nullopt: block_fault says why
    std::string block_fault;
    bool producer_signature_ok = false;
    bool merkle_root_ok = false;
    std::vector<SignedTx> txs;          // in block order, up to the first record fault
    std::string tx_fault;               // "transaction i (id): why", when txs is shorter than the block's ids
    std::vector<char> tx_signatures_ok;  // one per entry of txs
};

// Where the signature checks of one block run: a caller that prepares several
// blocks at once on its own threads checks each block's on the preparing thread.
enum class SignatureThreads { all_cores, this_thread };

// Decodes `block_bytes` as block `height` of `chain`, fetches its transaction
// records (`fetch_tx` must be safe to call from the calling thread), checks
// each record's place, bytes and id, every signature and the Merkle root.
PreparedBlock prepare_block(const ChainId& chain, std::uint64_t height, ByteView block_bytes, const FetchTx& fetch_tx,
                            SignatureThreads threads = SignatureThreads::all_cores);

// The block a new one must extend: height 0 is the genesis (its hash the
// chain id, its time the genesis time).
struct BlockLink {
    std::uint64_t height = 0;
    Hash256 hash{};
    std::uint64_t time_ms = 0;
};

// Why a block was refused. Stable names (block_fault_name) for logs and tests.
enum class BlockFault : std::uint8_t {
    out_of_order,        // not the next height after the link
    undecodable,         // the block record does not decode
    height,              // its header names another height
    prev_hash,           // it does not link to the block it must extend
    producer,            // a key other than the genesis producer made it
    producer_signature,  // the producer's signature does not verify
    time,                // earlier than the block it extends
    merkle_root,         // the root does not match its transaction ids
    empty,               // no transaction and no programme event due
    tx_record,           // a transaction record is missing, misplaced, malformed or not its id
    tx_signature,        // a transaction's signature does not verify
    tx_rules,            // the rules refuse a transaction
    state_digest,        // the state after it is not the one its header commits to
    supply,              // a coin's balances do not sum to its supply
};
std::string_view block_fault_name(BlockFault f);

struct BlockRefusal {
    BlockFault fault = BlockFault::undecodable;
    std::uint64_t height = 0;
    std::string reason;  // for a person: "block 7: ...", naming the transaction when one is at fault
};

// What one transaction of a block did when it applied: the accounts and the
// venue whose history lists it (the index entries a store keeps beside the
// block, made here or appended, and which the audit expects).
struct AppliedTx {
    Hash256 id;
    std::uint32_t index;
    std::vector<Account> touched;
    std::string ticker;
};
// What a verified block did, for the records a store keeps beside it and for
// the audit's report.
struct VerifiedBlock {
    Hash256 hash{};
    std::vector<AppliedTx> txs;        // in block order
    std::vector<stats::Event> events;   // what it adds to the venue aggregates, judged on the state before each
    Amount moved_units = 0;             // units its transactions moved (saturating)
    std::map<std::string, Amount> supplies;  // coin -> sum of its balances after the block
};

// Checks `prepared` as the block after `link`, applying its due events and
// transactions to `state` (the state after `link`). On success the state is
// the state after the block, its writes still journalled (State::changes):
// the caller clears the journal once it has stored them. On a refusal the
// state holds whatever the block had applied when it failed: a caller that
// goes on from it rolls back to a State::mark() taken before (the replay
// window's pruning at the block's time is not undone; it only forgets ids
// that expired before a time the producer signed).
std::expected<VerifiedBlock, BlockRefusal> verify_and_apply_block(State& state, const Genesis& genesis,
                                                                  const ChainId& chain, const BlockLink& link,
                                                                  const PreparedBlock& prepared);

}  // namespace kopilka::ledger
