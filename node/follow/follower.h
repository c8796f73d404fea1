// `kopilkad follow <url>`: an auditor's node. It replicates the chain another
// node serves, through that node's public JSON-RPC only (chain.genesis,
// node.info, block.raw), verifies every block with the audit's own checks
// before it keeps it (Chain::append_block), and serves a read-only copy. It
// remembers the highest header the producer signed that the source served
// (evidence.h) and stops, loudly and for good, when the source serves a block
// that fails a check, another chain, a tip below what it served before, or
// another block at a height already seen: for the last two it writes the proof.
//
// One thread polls the source every poll interval and appends the blocks it
// lacks, one at a time, under the chain's exclusive lock (readers meanwhile
// wait one block's write at most). The follower owns no key and writes
// nothing but its ledger and DIR/follow/.
#pragma once

#include "ledger/chain.h"
#include "node/clock.h"
#include "node/follow/evidence.h"
#include "node/follow/source.h"
#include "node/log.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace kopilka::node::follow {

// Why following stopped for good. Each has its own exit code (node/main.cpp).
enum class Fault {
    block_refused,  // a block (or the source's tip header) failed verification
    other_chain,    // the source serves another chain (another genesis)
    rollback,       // the source's tip went below a header it served before (proof written)
    equivocation,   // a different block at a height already held or seen (proof written)
};
std::string_view fault_name(Fault f);

struct Stop {
    Fault fault = Fault::block_refused;
    std::string message;  // for a person: what was found; for a proof, its text
};

// The source's genesis for a follower's first start: chain.genesis, whose
// bytes must hash to the chain id the source names and decode canonically.
std::expected<ledger::Genesis, std::string> fetch_genesis(Source& source);

class Follower {
public:
    struct Hooks {
        // A block was appended (called with no lock held): publish it.
        std::function<void(const ledger::Appended&)> appended;
        // A Fault was found: following is over (the node stops and exits).
        std::function<void(const Stop&)> stopped;
        // The ledger met damage writing or reading: following is over, the
        // node goes on serving what it can (its damaged state).
        std::function<void(const ledger::StoreDamage&)> damaged;
    };
    // `known`: the known tip read at open (read_known_tip); the ledger's own
    // tip stands in when it is higher or there is none.
    Follower(std::unique_ptr<Source> source, FollowDir dir, std::optional<ledger::Block> known, ledger::Chain& chain,
             std::shared_mutex& chain_mutex, Log& log, Clock& clock, std::chrono::milliseconds poll, Hooks hooks);
    ~Follower();
    Follower(const Follower&) = delete;
    Follower& operator=(const Follower&) = delete;

    void start();
    // Ends the polling thread; a block being written is finished first.
    void stop();

    const std::string& source_url() const { return source_->url(); }
    // The height the source last named in node.info (0 before the first poll).
    std::uint64_t source_height() const { return source_height_.load(); }

private:
    void run();
    // One poll: the source's chain and tip against what is known, then every
    // block it has that this ledger lacks. False once following is over.
    bool poll();
    // Appends the source's blocks after the tip, up to `height`.
    bool sync(std::uint64_t height);
    // Appends the block after the tip (fetched already). `retry`: the store
    // could not write it (a full disk); the next poll tries again.
    enum class Appended { ok, retry, over };
    Appended append(std::uint64_t height, const Bytes& block_bytes, const ledger::FetchTx& fetch);
    // What a step that asks the source found: go on, try at the next poll
    // (a call failed, logged), or following is over (a Stop reported).
    enum class Fetched { ok, retry, over };
    // The source's signed header at `height` (block.raw), checked against the
    // producer's signature.
    Fetched fetch_head(std::uint64_t height, ledger::Block& out);
    // Whether `block` (signed by the producer, the next height) rewrites a
    // height this follower holds or saw: then the proof, and over.
    Fetched check_history(const ledger::Block& block, const Hash256& our_tip);
    // A call to the source failed: logged (the first, then now and then);
    // every such failure waits for the next poll, none ends following.
    void source_failed(const SourceError& e);
    bool refuse(Fault f, std::string message);
    bool prove(Proof::Kind kind, const ledger::Block& remembered, const std::optional<ledger::Block>& served);
    // Remembers `head` as the known tip when it is higher (and says so in the log).
    void remember(const ledger::Block& head);
    // The ledger's own tip as a signed header (nullopt at height 0).
    std::optional<ledger::Block> own_tip() const;
    bool stopping();

    std::unique_ptr<Source> source_;
    FollowDir dir_;
    ledger::Chain& chain_;
    std::shared_mutex& chain_mutex_;
    Log& log_;
    Clock& clock_;
    std::chrono::milliseconds poll_;
    Hooks hooks_;
    std::optional<ledger::Block> known_;  // the highest signed header seen (the follower's thread only)
    bool genesis_checked_ = false;
    std::uint64_t failures_ = 0;  // source calls failed in a row, for the log
    std::atomic<std::uint64_t> source_height_{0};

    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;  // under mutex_
    std::thread thread_;
};

}  // namespace kopilka::node::follow
