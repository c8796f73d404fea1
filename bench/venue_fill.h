// One venue's long history, written into a `kopilkad init`ed data dir
// straight through the ledger (ledger::Chain::produce_block, the block
// producer's own path, aggregates and all) instead of over RPC: a million
// transactions take minutes this way, not the hour a node's synced blocks
// would. For the dashboard benchmark (kopilka-dashboard-bench) and the
// functional test of the aggregates; the node is started on the dir after.
//
// Over `days` days ending at `end_ms`: staff issue to clients, clients
// redeem rewards and pass coins to friends, the treasury issues now and then
// and tops staff up; halfway, one member leaves and a client joins the staff,
// so "who was staff at the time" matters to the figures.
#pragma once

#include "crypto/keys.h"
#include "ledger/types.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace kopilka::bench {

struct VenueFillOptions {
    std::string ticker = "DASH";
    std::size_t txs = 1'000'000;     // committed transactions of the venue, setup included
    std::size_t days = 365;          // spread evenly over this many days
    std::uint64_t end_ms = 0;        // the last block's time; 0: now
    std::size_t clients = 20'000;
    std::size_t staff = 8;
    std::size_t block_txs = 2'000;   // transactions a block (the node's default block-txs-max)
    unsigned redeem_percent = 20;    // of the transactions after setup
    unsigned gift_percent = 5;
    unsigned treasury_percent = 5;   // issues signed by the owner rather than staff
    std::uint64_t seed = 1;
    unsigned threads = 0;            // signing threads; 0: one a core
};

struct VenueFill {
    std::string ticker;
    KeyPair owner = KeyPair::generate();
    std::vector<KeyPair> staff;      // everyone who was staff, the one who left and the client who joined included
    std::vector<KeyPair> clients;
    std::uint64_t first_ms = 0;      // the first and last block times
    std::uint64_t last_ms = 0;
    std::uint64_t txs = 0;           // committed
    std::uint64_t blocks = 0;
    double sign_seconds = 0;         // CPU-parallel signing, wall time
    double commit_seconds = 0;       // produce_block, wall time
};

// `data_dir` is a kopilkad data dir just made by `kopilkad init`, not
// running, with no block yet. Block times never go back, and the genesis
// `init` wrote is dated now, so its ledger is made again with the same
// genesis (name, producer, attestors, delay) dated just before the history.
// The producer key is read with the passphrase in keys/passphrase or
// KOPILKAD_PASSPHRASE. `progress(txs, of)` is called after each block.
// Throws std::runtime_error naming what failed.
VenueFill fill_venue(const std::filesystem::path& data_dir, const VenueFillOptions& options,
                     const std::function<void(std::uint64_t txs, std::uint64_t of)>& progress = {});

}  // namespace kopilka::bench
