// What bounds the figures on this machine: its Ed25519 verification rate on
// every core, its load while the benchmark ran, and the disk a ledger uses.
#pragma once

#include <cstdint>
#include <filesystem>

namespace kopilka::bench {

struct VerifyBound {
    unsigned threads = 0;
    std::uint64_t verifications = 0;
    double seconds = 0;      // wall time
    double cpu_seconds = 0;  // the threads' CPU time: unlike the rate, not lowered by other load
    double per_s() const { return seconds > 0 ? static_cast<double>(verifications) / seconds : 0; }
    double cpu_us_per_verify() const {
        return verifications ? 1e6 * cpu_seconds / static_cast<double>(verifications) : 0;
    }
    // Two measurements counted as one (of the same thread count).
    VerifyBound operator+(const VerifyBound& other) const {
        return {threads, verifications + other.verifications, seconds + other.seconds,
                cpu_seconds + other.cpu_seconds};
    }
};
// crypto_sign_verify_detached in `threads` threads (0: one per core) over
// pre-made signatures of messages the size of a signed transfer, for about
// `seconds`. Run it while nothing else of ours is busy.
VerifyBound measure_verify_bound(double seconds, unsigned threads = 0);

struct DiskUse {
    std::uint64_t total_bytes = 0;
    std::uint64_t sst_bytes = 0;  // RocksDB tables
    std::uint64_t wal_bytes = 0;  // RocksDB write-ahead log (*.log): not yet flushed into tables
    std::uint64_t files = 0;
};
// Allocated bytes (st_blocks, as du counts them) under `dir`.
DiskUse disk_use(const std::filesystem::path& dir);

// The 1-minute load average, or -1.
double load_average_1m();

}  // namespace kopilka::bench
