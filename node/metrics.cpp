#include "node/metrics.h"

#include <sstream>

namespace kopilka::node {

void Metrics::refused(std::string_view reason) {
    std::lock_guard lock(mutex_);
    auto it = refused_.find(reason);
    if (it == refused_.end()) it = refused_.emplace(std::string(reason), 0).first;
    ++it->second;
}

void Metrics::commit_latency(double ms) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < latency_buckets_ms.size(); ++i)
        if (ms <= latency_buckets_ms[i]) ++latency_counts_[i];
    ++latency_count_;
    latency_sum_ms_ += ms;
}

std::string Metrics::prometheus() const {
    std::ostringstream o;
    auto counter = [&](const char* name, const char* help, std::uint64_t v) {
        o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n" << name << ' ' << v << '\n';
    };
    auto gauge = [&](const char* name, const char* help, std::int64_t v) {
        o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n" << name << ' ' << v << '\n';
    };
    counter("kopilka_tx_accepted_total", "Transactions accepted into the mempool.", tx_accepted);
    counter("kopilka_tx_committed_total", "Transactions committed in a block.", tx_committed);
    counter("kopilka_blocks_total", "Blocks committed by this node since start.", blocks);
    counter("kopilka_rpc_requests_total", "JSON-RPC requests handled.", rpc_requests);
    counter("kopilka_write_failures_total", "Blocks the store refused to write.", write_failures);
    counter("kopilka_rpc_rate_limited_total",
            "HTTP requests and WebSocket messages refused by the per-address request rate.", rate_limited);
    o << "# HELP kopilka_connections_refused_total Sockets closed at accept, by the limit they crossed.\n"
         "# TYPE kopilka_connections_refused_total counter\n"
         "kopilka_connections_refused_total{reason=\"connections_max\"} "
      << connections_refused_total << "\nkopilka_connections_refused_total{reason=\"per_address\"} "
      << connections_refused_per_address << '\n';
    counter("kopilka_send_queue_closed_total",
            "Connections closed because the answers queued to them passed send-queue-bytes-max (or a WebSocket's "
            "ws-send-queue-max).",
            send_queue_closed);
    counter("kopilka_reads_busy_total", "Heavy reads refused with 2003 because the read queue was full.", reads_busy);
    counter("kopilka_sms_hooks_unauthorized_total",
            "Provider callbacks (POST /hooks/sms) refused: no or a wrong signature or password.", hooks_unauthorized);
    counter("kopilka_sms_hooks_invalid_total", "Provider callbacks (POST /hooks/sms) refused: not in the provider's form.",
            hooks_invalid);
    gauge("kopilka_read_queue_length", "Requests with heavy reads waiting for a read thread.", reads_queued.load());
    gauge("kopilka_block_height", "Height of the tip block.", static_cast<std::int64_t>(height.load()));
    gauge("kopilka_mempool_length", "Transactions waiting for a block.", static_cast<std::int64_t>(mempool.load()));
    gauge("kopilka_connections", "Open client connections.", connections.load());
    std::lock_guard lock(mutex_);
    o << "# HELP kopilka_tx_refused_total Transactions refused, by reason.\n# TYPE kopilka_tx_refused_total counter\n";
    for (const auto& [reason, n] : refused_) o << "kopilka_tx_refused_total{reason=\"" << reason << "\"} " << n << '\n';
    o << "# HELP kopilka_commit_latency_seconds Submit-to-commit latency.\n"
         "# TYPE kopilka_commit_latency_seconds histogram\n";
    for (std::size_t i = 0; i < latency_buckets_ms.size(); ++i)
        o << "kopilka_commit_latency_seconds_bucket{le=\"" << latency_buckets_ms[i] / 1000.0 << "\"} "
          << latency_counts_[i] << '\n';
    o << "kopilka_commit_latency_seconds_bucket{le=\"+Inf\"} " << latency_count_ << '\n';
    o << "kopilka_commit_latency_seconds_sum " << latency_sum_ms_ / 1000.0 << '\n';
    o << "kopilka_commit_latency_seconds_count " << latency_count_ << '\n';
    return o.str();
}

}  // namespace kopilka::node
