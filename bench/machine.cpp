#include "bench/machine.h"

#include "crypto/bytes.h"

#include <sodium.h>
#include <sys/stat.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>
#include <vector>

namespace kopilka::bench {

namespace {

// A signed transfer's signing message is about this long (tag, chain id and
// canonical bytes); verification cost hardly depends on it, but be honest.
constexpr std::size_t message_bytes = 160;
// Distinct keys and messages, so no cache makes one verification cheaper
// than a node's.
constexpr std::size_t samples = 512;

struct Sample {
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk;
    std::array<unsigned char, message_bytes> msg;
    std::array<unsigned char, crypto_sign_BYTES> sig;
};

double thread_cpu_s() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

}  // namespace

VerifyBound measure_verify_bound(double seconds, unsigned threads) {
    ensure_sodium();
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<Sample> set(samples);
    for (auto& s : set) {
        std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk;
        crypto_sign_keypair(s.pk.data(), sk.data());
        randombytes_buf(s.msg.data(), s.msg.size());
        crypto_sign_detached(s.sig.data(), nullptr, s.msg.data(), s.msg.size(), sk.data());
        sodium_memzero(sk.data(), sk.size());
    }
    std::atomic<bool> stop{false};
    std::atomic<bool> go{false};
    std::atomic<std::uint64_t> total{0};
    std::atomic<std::uint64_t> bad{0};
    std::mutex cpu_mutex;
    double cpu_total = 0;
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            const double cpu0 = thread_cpu_s();
            std::uint64_t n = 0, failed = 0;
            std::size_t i = t * (samples / threads);
            while (!stop.load(std::memory_order_relaxed)) {
                const Sample& s = set[i++ % samples];
                if (crypto_sign_verify_detached(s.sig.data(), s.msg.data(), s.msg.size(), s.pk.data()) != 0) ++failed;
                ++n;
            }
            total += n;
            bad += failed;
            const double used = thread_cpu_s() - cpu0;
            std::lock_guard lock(cpu_mutex);
            cpu_total += used;
        });
    const auto start = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : pool) th.join();
    const auto end = std::chrono::steady_clock::now();
    if (bad != 0) throw std::runtime_error("a benchmark signature did not verify; libsodium is broken");
    VerifyBound b;
    b.threads = threads;
    b.verifications = total;
    b.seconds = std::chrono::duration<double>(end - start).count();
    b.cpu_seconds = cpu_total;
    return b;
}

DiskUse disk_use(const std::filesystem::path& dir) {
    DiskUse d;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        const auto bytes = static_cast<std::uint64_t>(st.st_blocks) * 512;
        d.total_bytes += bytes;
        ++d.files;
        const auto ext = it->path().extension();
        if (ext == ".sst") d.sst_bytes += bytes;
        else if (ext == ".log") d.wal_bytes += bytes;
    }
    return d;
}

double load_average_1m() {
    double l[1];
    return ::getloadavg(l, 1) == 1 ? l[0] : -1;
}

}  // namespace kopilka::bench
