// Counters for GET /metrics in Prometheus text format. Lock-free where hot
// (the submit path), a mutex only for the labelled refusal counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace kopilka::node {

class Metrics {
public:
    // Submit-to-commit latency buckets, in milliseconds.
    static constexpr std::array<double, 12> latency_buckets_ms = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};

    std::atomic<std::uint64_t> tx_accepted{0};
    std::atomic<std::uint64_t> tx_committed{0};
    std::atomic<std::uint64_t> blocks{0};
    std::atomic<std::uint64_t> height{0};
    std::atomic<std::uint64_t> mempool{0};
    std::atomic<std::int64_t> connections{0};
    std::atomic<std::uint64_t> rpc_requests{0};
    std::atomic<std::uint64_t> write_failures{0};
    std::atomic<std::uint64_t> rate_limited{0};
    std::atomic<std::uint64_t> connections_refused_total{0};        // over connections-max
    std::atomic<std::uint64_t> connections_refused_per_address{0};  // over connections-per-address-max
    std::atomic<std::uint64_t> send_queue_closed{0};
    std::atomic<std::uint64_t> reads_busy{0};   // heavy reads refused: the read queue was full
    std::atomic<std::int64_t> reads_queued{0};  // requests waiting for a read thread
    std::atomic<std::uint64_t> hooks_unauthorized{0};  // POST /hooks/sms without the provider's proof
    std::atomic<std::uint64_t> hooks_invalid{0};       // POST /hooks/sms not in the provider's form

    void refused(std::string_view reason);
    void commit_latency(double ms);
    std::string prometheus() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::uint64_t, std::less<>> refused_;
    std::array<std::uint64_t, latency_buckets_ms.size()> latency_counts_{};
    std::uint64_t latency_count_ = 0;
    double latency_sum_ms_ = 0;
};

}  // namespace kopilka::node
