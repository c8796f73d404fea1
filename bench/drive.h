// Drives a node with pre-signed transactions over keep-alive JSON-RPC
// (tx.submit with wait=true, alone or in batches) and times each one from
// submit to its "committed" answer.
//
// Closed loop: each connection sends its next request as soon as the last is
// answered (the peak). Open loop: requests leave on a fixed schedule whatever
// the answers do, and latency counts from the scheduled time, so a stalled
// node cannot hide its stall by slowing the sender (coordinated omission).
#pragma once

#include "bench/workload.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace kopilka::bench {

// One "committed" answer: where the node says the transaction is.
struct CommittedAnswer {
    std::size_t tx = 0;        // index in the SignedSet
    std::string id;            // the id the node answered, hex
    std::uint64_t height = 0;  // 0 when the answer named no place
    std::uint32_t index = 0;   // position in the block
};

struct DriveOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::size_t connections = 16;  // threads, one keep-alive connection each
    std::size_t batch = 1;         // tx.submit requests in one POST (1: a plain request, no batch)
    double rate_per_s = 0;         // 0: closed loop; above 0: open loop at this many transactions a second
    std::chrono::milliseconds timeout{120'000};
    std::size_t attempts_max = 20; // sends of one transaction (mempool full, dropped connection) before it fails
    // Told of each "committed" answer as it arrives, from the driving threads
    // (so it must be thread-safe); a test records what a client was promised.
    std::function<void(const CommittedAnswer&)> on_committed;
    // When it turns true the drive winds down: no request leaves any more and
    // nothing is sent again; what was not answered counts as failed. For a
    // caller that kills the node on purpose.
    const std::atomic<bool>* cancel = nullptr;
};

// Updated while a drive runs, for the progress line.
struct LiveCounters {
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> committed{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> retried{0};
};

struct DriveResult {
    std::size_t txs = 0;
    std::uint64_t committed = 0;
    std::uint64_t failed = 0;
    std::uint64_t retries = 0;           // sends beyond the first (mempool full, a dropped connection)
    std::uint64_t transport_errors = 0;
    std::uint64_t requests = 0;          // HTTP requests sent
    double seconds = 0;                  // first send to last answer
    std::vector<float> latency_ms;       // one per committed transaction
    std::vector<std::uint8_t> committed_flags;  // per transaction: 1 when answered "committed"
    std::map<std::string, std::uint64_t> errors;  // reason -> count
    std::vector<std::string> error_samples;        // the first few messages, for a person
    double send_lag_max_ms = 0;          // open loop: latest a request left after its scheduled time
    double tx_per_s() const { return seconds > 0 ? static_cast<double>(committed) / seconds : 0; }
};

DriveResult drive(const SignedSet& set, const DriveOptions& options, LiveCounters& live);

struct Latency {
    std::size_t count = 0;
    double mean = 0, p50 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;
};
Latency summarize(std::vector<float> ms);

}  // namespace kopilka::bench
