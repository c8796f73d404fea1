// Time as the node sees it. Injectable (after stellar-core's VirtualClock) so
// tests can move time without sleeping; the node never calls the system clock
// directly.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace kopilka::node {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::uint64_t now_ms() const = 0;
};

// The furthest a test network's clock may be set from the wall clock
// (kopilkad --clock-offset-s): ten years either way.
inline constexpr std::int64_t clock_offset_s_max = 10LL * 366 * 24 * 3600;

// Wall-clock time plus a fixed offset (kopilkad's --clock-offset-s, for test
// networks that play days in the past, after Bitcoin Core's -mocktime; zero
// in production) plus what an admin moved it forward by. Block time only
// moves forward whatever the clock says (ledger/chain.cpp).
class SystemClock final : public Clock {
public:
    explicit SystemClock(std::int64_t offset_ms = 0) : offset_ms_(offset_ms) {}
    std::uint64_t now_ms() const override {
        const std::int64_t wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
        const std::int64_t now = wall + offset_ms_ + static_cast<std::int64_t>(advanced_ms_.load());
        return now < 0 ? 0 : static_cast<std::uint64_t>(now);
    }
    void advance(std::uint64_t ms) { advanced_ms_ += ms; }

private:
    const std::int64_t offset_ms_;
    std::atomic<std::uint64_t> advanced_ms_{0};
};

}  // namespace kopilka::node
