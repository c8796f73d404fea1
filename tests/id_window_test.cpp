// The replay window (ledger/id_window.h) against the code it replaced.
//
// The window is consensus logic: `duplicate` and `voucher_used` refusals
// depend on it and the audit replays it. So the model here is a literal copy
// of the old State window (two unordered_sets, a multimap of expiries and an
// undo list), and random operations — inserts of colliding ids with past and
// future expiries, prunes with a clock that goes back, marks, rollbacks (also
// to marks taken before a clear) and clears — must leave IdWindow, and the
// State built on it, agreeing with it after every step. Then: a rollback
// costs O(1) per id, not a scan of the window, and a million ids fit in at
// most 64 bytes each.
//
// The seed is fixed; replay another with KOPILKA_SEED=<seed> ./test_id_window.
#include "ledger/id_window.h"
#include "ledger/state.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <stdexcept>
#include <unordered_set>
#include <vector>

using kopilka::Hash256;
using kopilka::ledger::Hash256Hasher;
using kopilka::ledger::IdWindow;
using kopilka::ledger::State;

namespace {

constexpr std::uint64_t default_seed = 20'260'921;

std::uint64_t run_seed() {
    static const std::uint64_t seed = [] {
        std::uint64_t s = default_seed;
        if (const char* env = std::getenv("KOPILKA_SEED"); env != nullptr && *env != '\0') {
            char* end = nullptr;
            errno = 0;
            const unsigned long long v = std::strtoull(env, &end, 0);
            if (errno != 0 || *end != '\0') throw std::invalid_argument("KOPILKA_SEED must be an unsigned integer");
            s = v;
        }
        std::cout << "id_window_test: seed " << s << " (replay with KOPILKA_SEED=" << s << ")" << std::endl;
        return s;
    }();
    return seed;
}

enum class Kind : std::uint8_t { tx, voucher };

// The window as State kept it before IdWindow, copied line for line (plus a
// size accessor).
class OldWindow {
public:
    bool tx_seen(const Hash256& id) const { return window_txs_.contains(id); }
    bool voucher_used(const Hash256& id) const { return window_vouchers_.contains(id); }
    std::size_t size(Kind k) const { return (k == Kind::tx ? window_txs_ : window_vouchers_).size(); }

    void remember_tx(const Hash256& id, std::uint64_t expiry_s) {
        if (window_txs_.insert(id).second) {
            window_expiry_.emplace(expiry_s, std::pair{WindowKind::tx, id});
            window_undo_.emplace_back(WindowKind::tx, id);
        }
    }

    void remember_voucher(const Hash256& id, std::uint64_t expiry_s) {
        if (window_vouchers_.insert(id).second) {
            window_expiry_.emplace(expiry_s, std::pair{WindowKind::voucher, id});
            window_undo_.emplace_back(WindowKind::voucher, id);
        }
    }

    void prune_window(std::uint64_t now_s) {
        auto end = window_expiry_.lower_bound(now_s);
        for (auto it = window_expiry_.begin(); it != end; ++it) {
            auto& [kind, id] = it->second;
            (kind == WindowKind::tx ? window_txs_ : window_vouchers_).erase(id);
        }
        window_expiry_.erase(window_expiry_.begin(), end);
    }

    std::size_t mark() const { return window_undo_.size(); }

    void rollback_to(std::size_t window_undo) {
        while (window_undo_.size() > window_undo) {
            auto [kind, id] = window_undo_.back();
            window_undo_.pop_back();
            (kind == WindowKind::tx ? window_txs_ : window_vouchers_).erase(id);
            for (auto it = window_expiry_.begin(); it != window_expiry_.end(); ++it)
                if (it->second == std::pair{kind, id}) {
                    window_expiry_.erase(it);
                    break;
                }
        }
    }

    void clear_journal() { window_undo_.clear(); }

private:
    enum class WindowKind : std::uint8_t { tx, voucher };
    std::unordered_set<Hash256, Hash256Hasher> window_txs_;
    std::unordered_set<Hash256, Hash256Hasher> window_vouchers_;
    std::multimap<std::uint64_t, std::pair<WindowKind, Hash256>> window_expiry_;
    std::vector<std::pair<WindowKind, Hash256>> window_undo_;
};

// A pool of ids to draw from. Many share their first 8 bytes (the hashed
// part), so they share a home position and exercise probe runs and the
// backward shift on erase; the same id is drawn again and again.
std::vector<Hash256> id_pool(std::mt19937_64& rng, std::size_t n) {
    std::vector<Hash256> ids(n);
    const std::uint64_t heads[] = {rng(), rng(), rng()};
    for (Hash256& id : ids) {
        for (auto& b : id) b = static_cast<std::uint8_t>(rng());
        if (rng() % 2 == 0) {
            const std::uint64_t head = heads[rng() % 3];
            for (std::size_t i = 0; i < 8; ++i) id[i] = static_cast<std::uint8_t>(head >> (8 * i));
        }
    }
    return ids;
}

// Runs `ops` random operations on the model and on the subject S, checking
// every id of the pool in both kinds, and the number of ids, after each one.
// S has remember(kind, id, expiry), seen(kind, id), size() (of both kinds),
// prune(now), mark(), rollback_to(mark) and clear_journal().
template <class S>
void differential(S& subject, std::uint64_t seed, std::size_t pool_size, std::size_t ops, bool vouchers) {
    std::mt19937_64 rng(seed);
    const std::vector<Hash256> pool = id_pool(rng, pool_size);
    OldWindow model;
    using SubjectMark = decltype(subject.mark());
    std::vector<std::pair<std::size_t, SubjectMark>> marks;  // (model, subject); old ones survive clears
    std::uint64_t now = 1'000;

    for (std::size_t step = 0; step < ops; ++step) {
        const std::uint64_t op = rng() % 100;
        std::string what;
        if (op < 60) {
            const Kind k = vouchers && rng() % 3 == 0 ? Kind::voucher : Kind::tx;
            const Hash256& id = pool[rng() % pool.size()];
            // Mostly ahead of the clock, sometimes already past, often equal
            // to another id's expiry (same bucket).
            const std::uint64_t expiry = now - 20 + rng() % 120;
            if (k == Kind::tx)
                model.remember_tx(id, expiry);
            else
                model.remember_voucher(id, expiry);
            subject.remember(k, id, expiry);
            what = "insert, expiry " + std::to_string(expiry);
        } else if (op < 72) {
            // The clock mostly moves on, sometimes back.
            now = rng() % 4 == 0 ? now - rng() % 40 : now + rng() % 30;
            model.prune_window(now);
            subject.prune(now);
            what = "prune " + std::to_string(now);
        } else if (op < 84) {
            marks.emplace_back(model.mark(), subject.mark());
            what = "mark";
        } else if (op < 96) {
            if (marks.empty()) continue;
            const std::size_t i = rng() % marks.size();
            model.rollback_to(marks[i].first);
            subject.rollback_to(marks[i].second);
            // Marks after the one rolled back to are usually dropped, as the
            // chain does; sometimes kept, to roll back to a stale mark.
            if (rng() % 4 != 0) marks.resize(i + 1);
            what = "rollback to mark " + std::to_string(i);
        } else {
            model.clear_journal();
            subject.clear_journal();
            if (rng() % 2 == 0) marks.clear();
            what = "clear journal";
        }

        INFO("seed " << seed << ", step " << step << ": " << what);
        REQUIRE(subject.size() == model.size(Kind::tx) + model.size(Kind::voucher));
        for (const Kind k : {Kind::tx, Kind::voucher}) {
            for (const Hash256& id : pool) {
                const bool expected = k == Kind::tx ? model.tx_seen(id) : model.voucher_used(id);
                if (subject.seen(k, id) != expected) FAIL("kind " << int(k) << ": membership differs");
            }
        }
    }
}

// IdWindow alone holds transaction ids only.
struct OneWindow {
    IdWindow w;
    void remember(Kind, const Hash256& id, std::uint64_t expiry) { w.insert(id, expiry); }
    bool seen(Kind k, const Hash256& id) const { return k == Kind::tx && w.contains(id); }
    std::size_t size() const { return w.size(); }
    void prune(std::uint64_t now) { w.prune(now); }
    std::size_t mark() const { return w.mark(); }
    void rollback_to(std::size_t m) { w.rollback_to(m); }
    void clear_journal() { w.clear_journal(); }
};

struct StateWindow {
    State s;
    void remember(Kind k, const Hash256& id, std::uint64_t expiry) {
        if (k == Kind::tx)
            s.remember_tx(id, expiry);
        else
            s.remember_voucher(id, expiry);
    }
    bool seen(Kind k, const Hash256& id) const { return k == Kind::tx ? s.tx_seen(id) : s.voucher_used(id); }
    std::size_t size() const { return s.window_size(); }
    void prune(std::uint64_t now) { s.prune_window(now); }
    State::Mark mark() const { return s.mark(); }
    void rollback_to(State::Mark m) { s.rollback_to(m); }
    void clear_journal() { s.clear_journal(); }
};

Hash256 numbered_id(std::uint64_t n) {
    // Distinct and spread like a hash: the numbering goes through a mixer.
    Hash256 id{};
    std::uint64_t x = n + 0x9e3779b97f4a7c15ULL;
    for (std::size_t word = 0; word < 4; ++word) {
        x ^= x >> 31;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 29;
        for (std::size_t i = 0; i < 8; ++i) id[8 * word + i] = static_cast<std::uint8_t>(x >> (8 * i));
        x += n;
    }
    return id;
}

}  // namespace

TEST_CASE("IdWindow keeps the old window's rules", "[id_window]") {
    const Hash256 a = numbered_id(1);
    const Hash256 b = numbered_id(2);
    IdWindow w;
    CHECK_FALSE(w.contains(a));

    // The first expiry stays; a second insert changes nothing, journals nothing.
    CHECK(w.insert(a, 100));
    const std::size_t m = w.mark();
    CHECK_FALSE(w.insert(a, 500));
    CHECK(w.mark() == m);
    w.prune(100);  // expiry 100 is not before 100
    CHECK(w.contains(a));
    w.prune(101);
    CHECK_FALSE(w.contains(a));

    // An id inserted after a prune stays until the next one, even with an
    // expiry the earlier prune would have taken (the clock may go back).
    CHECK(w.insert(b, 50));
    CHECK(w.contains(b));
    w.prune(40);
    CHECK(w.contains(b));
    w.prune(51);
    CHECK_FALSE(w.contains(b));

    // A rollback undoes inserts, not prunes.
    CHECK(w.insert(a, 10));
    const std::size_t before = w.mark();
    CHECK(w.insert(b, 20));
    w.prune(15);
    CHECK_FALSE(w.contains(a));
    w.rollback_to(before);
    CHECK_FALSE(w.contains(a));
    CHECK_FALSE(w.contains(b));
    CHECK(w.size() == 0);

    // A transaction id and a voucher id may be the same bytes: two sets.
    State s;
    s.remember_tx(a, 100);
    CHECK(s.tx_seen(a));
    CHECK_FALSE(s.voucher_used(a));
    const State::Mark sm = s.mark();
    s.remember_voucher(a, 200);
    CHECK(s.voucher_used(a));
    s.rollback_to(sm);
    CHECK(s.tx_seen(a));
    CHECK_FALSE(s.voucher_used(a));
}

TEST_CASE("IdWindow agrees with the old window on random operations", "[id_window]") {
    const std::uint64_t seed = run_seed();
    // Small pools collide often; large ones make the table grow through
    // several sizes.
    for (const std::size_t pool : {8, 64, 600, 3000}) {
        OneWindow w;
        differential(w, seed + pool, pool, 6'000, false);
    }
}

TEST_CASE("State's replay window agrees with the old window on random operations", "[id_window]") {
    const std::uint64_t seed = run_seed();
    for (const std::size_t pool : {8, 64, 600}) {
        StateWindow w;
        differential(w, seed + pool, pool, 6'000, true);
    }
}

// The old rollback scanned the whole multimap for each undone id: here that
// is 10^5 ids times a window of 10^6, hours of work. IdWindow undoes each in
// O(1), so this runs in seconds even under the sanitizers. Nothing is timed;
// the results are checked, down to the expiry buckets the undo went through.
TEST_CASE("IdWindow undoes inserts without scanning the window", "[id_window]") {
    constexpr std::size_t window_ids = 1'000'000;
    constexpr std::size_t undone_ids = 100'000;
    constexpr std::uint64_t first_expiry = 5'000;
    constexpr std::uint64_t expiries = 1'000;  // about 1,000 ids per bucket
    IdWindow w;
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < window_ids; ++i) wrong += !w.insert(numbered_id(i), first_expiry + i % expiries);
    w.clear_journal();
    REQUIRE(wrong == 0);
    REQUIRE(w.size() == window_ids);

    const std::size_t m = w.mark();
    // New ids into the same buckets, and ids already present (not journalled).
    for (std::size_t i = 0; i < undone_ids; ++i) {
        wrong += !w.insert(numbered_id(window_ids + i), first_expiry + (7 * i) % expiries);
        wrong += w.insert(numbered_id(i), first_expiry + expiries + 1);
    }
    REQUIRE(wrong == 0);
    REQUIRE(w.size() == window_ids + undone_ids);
    w.rollback_to(m);
    REQUIRE(w.size() == window_ids);
    for (std::size_t i = 0; i < undone_ids; ++i) wrong += w.contains(numbered_id(window_ids + i));
    for (std::size_t i = 0; i < window_ids; ++i) wrong += !w.contains(numbered_id(i));
    CHECK(wrong == 0);

    // The buckets are intact: pruning half the expiries forgets exactly their
    // ids, each with the expiry of its first insert.
    w.prune(first_expiry + expiries / 2);
    CHECK(w.size() == window_ids / 2);
    for (std::size_t i = 0; i < window_ids; ++i) wrong += w.contains(numbered_id(i)) != (i % expiries >= expiries / 2);
    CHECK(wrong == 0);
    w.prune(first_expiry + expiries);
    CHECK(w.size() == 0);
}

// The node must hold 10^7 transactions of one expiry window in well under
// 1 GiB, so an id may cost at most 64 bytes (about 50 at steady state).
TEST_CASE("A million ids take at most 64 bytes each", "[id_window]") {
    constexpr std::size_t ids = 1'000'000;
    constexpr std::uint64_t day_s = 86'400;
    constexpr std::uint64_t start = 1'790'000'000;
    IdWindow w;
    for (std::size_t i = 0; i < ids; ++i) w.insert(numbered_id(i), start + i % day_s);
    w.clear_journal();
    REQUIRE(w.size() == ids);
    const double per_id = static_cast<double>(w.memory_bytes()) / static_cast<double>(w.size());
    std::cout << "id_window_test: " << w.size() << " ids, " << w.memory_bytes() << " bytes, " << per_id
              << " bytes per id" << std::endl;
    CHECK(per_id <= 64);

    // Steady state: the window rolls on, a tenth of a day at a time: the
    // oldest tenth expires and as many new ids come in, expiring a day later.
    // Freed slots and buckets are reused; nothing grows.
    const std::size_t before = w.memory_bytes();
    std::size_t next = ids;
    for (std::uint64_t round = 1; round <= 10; ++round) {
        w.prune(start + round * day_s / 10);
        for (std::size_t k = 0; w.size() < ids; ++k, ++next)
            w.insert(numbered_id(next), start + day_s + (round - 1) * day_s / 10 + k % (day_s / 10));
        w.clear_journal();
    }
    CHECK(w.size() == ids);
    CHECK(w.memory_bytes() <= before + before / 100);
}
