// The outbox's senders on their own (node/messages/outbox.h), on a store in a
// temp dir, with a channel the test holds shut: attempts overlap up to
// OutboxLimits::senders and no further, one message is never in two
// attempts at once, reload() again and again while attempts are in flight
// counts each message once, and stop() waits for every attempt in flight,
// whose state is then on disk.
#include "node/messages/outbox.h"

#include "support.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace kopilka;
using namespace kopilka::node;
using kopilka::test::TempDir;

namespace {

constexpr auto generous = std::chrono::seconds(20);

// Holds every send while shut; counts what the outbox did with it.
class GateChannel final : public Channel {
public:
    std::string_view name() const override { return "gate"; }
    Attempt send(const Rendered&, std::string_view key) override {
        std::unique_lock lock(mutex);
        const std::string k(key);
        if (!now_.insert(k).second) ++same_key_at_once;
        in_flight_max = std::max(in_flight_max, now_.size());
        changed_.notify_all();
        changed_.wait(lock, [&] { return open_; });
        now_.erase(k);
        // Each message's first attempt of every third is "later": retried.
        const std::size_t n = attempts[k]++;
        if (n == 0 && std::hash<std::string>{}(k) % 3 == 0) return Attempt{Attempt::Result::retry, {}, "later", 0};
        ++accepted[k];
        return Attempt{Attempt::Result::accepted, "id-" + k.substr(0, 8), {}, 0};
    }
    void set_open(bool open) {
        std::lock_guard lock(mutex);
        open_ = open;
        changed_.notify_all();
    }
    // Waits until `n` sends are held (the gate shut).
    bool wait_held(std::size_t n) {
        std::unique_lock lock(mutex);
        return changed_.wait_for(lock, generous, [&] { return now_.size() >= n; });
    }
    std::size_t held() {
        std::lock_guard lock(mutex);
        return now_.size();
    }

    std::mutex mutex;  // guards the counts below and the gate
    std::size_t in_flight_max = 0;
    std::size_t same_key_at_once = 0;
    std::map<std::string, std::size_t> attempts, accepted;

private:
    std::condition_variable changed_;
    std::set<std::string> now_;
    bool open_ = false;
};

std::unique_ptr<ledger::Store> open_store(const std::filesystem::path& dir) {
    auto s = ledger::Store::open(dir, ledger::Store::Mode::create_new);
    if (!s) throw std::runtime_error(s.error());
    return std::move(*s);
}

struct Fixture {
    TempDir dir{"kopilka-outbox"};
    std::unique_ptr<ledger::Store> store = open_store(dir.path() / "ledger");
    SystemClock clock;
    Log log{LogLevel::error};
    Hash256 chain{};

    std::unique_ptr<Outbox> outbox(std::unique_ptr<Channel> channel, std::uint32_t senders) {
        OutboxLimits limits;
        limits.senders = senders;
        limits.retry_first_ms = 1;
        limits.retry_max_ms = 5;
        return std::make_unique<Outbox>(*store, chain, std::move(channel), limits, clock, log,
                                        [](const OutboxMessage& m) -> std::expected<Rendered, Outbox::Unsendable> {
                                            return Rendered{"+79000000001", m.text, m.link, false, 0, std::nullopt};
                                        });
    }
    // `n` messages, each caused by its own transaction, written and owed.
    void owe(Outbox& o, std::size_t n, std::uint32_t first) {
        ledger::Batch b;
        std::vector<OutboxMessage> ms;
        for (std::size_t i = 0; i < n; ++i) {
            OutboxMessage m;
            m.text = "message " + std::to_string(first + i);
            m.created_ms = clock.now_ms();
            Hash256 tx{};
            for (int k = 0; k < 4; ++k) tx[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>((first + i) >> (8 * k));
            ms.push_back(o.add(std::move(m), tx, 1, b));
        }
        REQUIRE(store->write(b));
        o.committed(std::move(ms));
    }
};

bool wait_for(const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + generous;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

}  // namespace

TEST_CASE("four senders: four attempts at once and no more, one message never in two, each counted once through reloads", "[outbox]") {
    Fixture f;
    auto gate = std::make_unique<GateChannel>();
    GateChannel& g = *gate;
    auto outbox = f.outbox(std::move(gate), 4);
    constexpr std::size_t messages = 60;
    f.owe(*outbox, messages, 0);
    outbox->start();

    // Shut: four senders hold a message each, the rest wait in the outbox.
    REQUIRE(g.wait_held(4));
    outbox->reload();
    CHECK(outbox->counts().pending == messages);
    CHECK(g.held() == 4);

    // Open, with reload() running the whole time: a message whose attempt
    // has written "sent" but not yet counted it must still count once.
    // Every message is pending, sent or dead, each once, at every moment.
    std::atomic<bool> reloading{true};
    std::atomic<std::uint64_t> total_min{messages}, total_max{messages};
    std::thread reloader([&] {
        while (reloading) {
            outbox->reload();
            const Outbox::Counts n = outbox->counts();
            const std::uint64_t total = n.pending + n.sent + n.dead + n.expired;
            total_min = std::min<std::uint64_t>(total_min, total);
            total_max = std::max<std::uint64_t>(total_max, total);
        }
    });
    g.set_open(true);
    const bool drained = wait_for([&] { return outbox->counts().sent == messages; });
    reloading = false;
    reloader.join();
    REQUIRE(drained);
    CHECK(total_min == messages);
    CHECK(total_max == messages);
    const Outbox::Counts c = outbox->counts();
    CHECK(c.sent == messages);
    CHECK(c.pending == 0);
    CHECK(c.dead == 0);
    {
        std::lock_guard lock(g.mutex);
        CHECK(g.in_flight_max == 4);
        CHECK(g.same_key_at_once == 0);
        CHECK(g.accepted.size() == messages);
        for (const auto& [key, n] : g.accepted) CHECK(n == 1);  // no answer was lost: each taken once
    }
    // What the records say, read back.
    outbox->reload();
    CHECK(outbox->counts().sent == messages);
    CHECK(outbox->counts().pending == 0);
    for (const auto& m : outbox->recent(messages)) CHECK(m.state == MessageState::sent);
}

TEST_CASE("stop() waits for every attempt in flight, and each one's state is on disk when it returns", "[outbox]") {
    Fixture f;
    auto gate = std::make_unique<GateChannel>();
    GateChannel& g = *gate;
    auto outbox = f.outbox(std::move(gate), 3);
    f.owe(*outbox, 10, 100);
    outbox->start();
    REQUIRE(g.wait_held(3));

    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        outbox->stop();
        stopped = true;
    });
    // stop() cannot return while the gate holds its senders; give it the
    // chance to be wrong, then open the gate.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(!stopped);
    g.set_open(true);
    stopper.join();
    CHECK(stopped);

    // The three attempts ended (sent, or pending again when "later") and no
    // other began; a new outbox on the same store reads exactly that.
    std::size_t attempted = 0, sent = 0;
    {
        std::lock_guard lock(g.mutex);
        attempted = g.attempts.size();
        for (const auto& [key, n] : g.accepted) sent += n;
    }
    CHECK(attempted == 3);
    outbox.reset();
    auto again = f.outbox(std::make_unique<GateChannel>(), 1);
    CHECK(again->counts().sent == sent);
    CHECK(again->counts().pending == 10 - sent);
}
