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

// Wall-clock time plus an offset that an admin may move forward in test
// networks (never backwards: block time is monotonic anyway).
class SystemClock final : public Clock {
public:
    std::uint64_t now_ms() const override {
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count()) +
               offset_ms_.load();
    }
    void advance(std::uint64_t ms) { offset_ms_ += ms; }

private:
    std::atomic<std::uint64_t> offset_ms_{0};
};

}  // namespace kopilka::node
