// Fault injection: SIGKILL a process while it commits, then check what it left.
//
// crash_child (see crash_child.cpp) writes in a loop and prints what it has
// synced. The parent spawns it, lets it run for a random 20-300 ms, kills it
// with SIGKILL (no destructor, no flush, no close: the process is simply
// gone, possibly in the middle of a write), and then:
//   - the chain opens (Chain::open must not refuse what a crash leaves),
//   - the auditor's full replay passes on it,
//   - every block the child reported is there (it was synced before the
//     report), and at most one more (the block being written is wholly there
//     or wholly absent — never half a block, which the audit would name).
// The same dir is killed again and again, so the chain grows across crashes.
// The audit compares the venue aggregates too: a block is counted wholly or
// not at all, with the block.
//
// A rebuild of the aggregates (stats::rebuild) is killed the same way: its
// version marker is written last, so after any kill the ledger either has
// the marker and every record, or no marker, and its next open recounts.
//
// The seed is printed; KOPILKA_SEED=<seed> replays the same kill delays and
// child seeds (the kill points themselves depend on the machine's timing).
#include "support.h"

#include "ledger/codec.h"
#include "ledger/stats/records.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <poll.h>
#include <random>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace kopilka;
using namespace kopilka::test;

namespace {

constexpr int rounds = 20;
constexpr std::uint64_t kill_after_ms_min = 20;
constexpr std::uint64_t kill_after_ms_max = 300;
// Where the kill timer starts. From the spawn, the kill may land while the
// process starts, while RocksDB recovers the last crash or while Chain::open
// loads the state; but a child built with ASan on a busy machine can take
// longer than 300 ms to get that far, and then no kill would land mid-commit.
// So in most rounds the timer starts at the child's first report (the dir is
// open), and in every fourth round at the spawn.
bool timer_from_spawn(int round) { return round % 4 == 3; }
// The first child of a chain creates it. Before the genesis is stored a kill
// would leave a RocksDB dir without a genesis, which neither Chain::open nor
// Chain::create accepts afterwards (see the report on Chain::create); so the
// first round always waits for the first report.
constexpr int first_report_timeout_ms = 60'000;

std::uint64_t pick_seed() {
    if (const char* s = std::getenv("KOPILKA_SEED"); s && *s) return std::strtoull(s, nullptr, 0);
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
}

// One run of the child: spawned, read from, killed, reaped.
struct Run {
    std::vector<std::uint64_t> reported;  // every complete line, in order
    int status = 0;                        // from waitpid
    bool killed_by_us() const { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }
    std::string describe() const {
        if (WIFEXITED(status)) return "the child exited by itself with status " + std::to_string(WEXITSTATUS(status));
        if (WIFSIGNALED(status)) return "the child died of signal " + std::to_string(WTERMSIG(status));
        return "the child's status is " + std::to_string(status);
    }
};

std::int64_t ms_until(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - std::chrono::steady_clock::now()).count();
}

Run run_and_kill(const std::string& mode, const std::filesystem::path& dir, std::uint64_t child_seed,
                 std::uint64_t kill_after_ms, bool wait_for_first_report) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    REQUIRE(posix_spawn_file_actions_init(&actions) == 0);
    // dup2 clears close-on-exec on the child's stdout; both pipe ends close at exec.
    REQUIRE(posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO) == 0);
    std::string path = CRASH_CHILD, dir_arg = dir.string(), seed_arg = std::to_string(child_seed);
    char* argv[] = {path.data(), const_cast<char*>(mode.c_str()), dir_arg.data(), seed_arg.data(), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    REQUIRE(rc == 0);

    Run run;
    std::string pending;
    bool eof = false;
    auto read_some = [&](int timeout_ms) {
        pollfd p{fds[0], POLLIN, 0};
        const int n = poll(&p, 1, timeout_ms);
        if (n <= 0) return;
        char buf[4096];
        const ssize_t got = read(fds[0], buf, sizeof buf);
        if (got <= 0) {
            eof = true;
            return;
        }
        pending.append(buf, static_cast<std::size_t>(got));
        for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1))
            run.reported.push_back(std::stoull(pending.substr(0, nl)));
    };
    if (wait_for_first_report) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(first_report_timeout_ms);
        while (run.reported.empty() && !eof && ms_until(give_up) > 0) read_some(static_cast<int>(ms_until(give_up)));
    }
    const auto kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_after_ms);
    while (!eof && ms_until(kill_at) > 0) read_some(static_cast<int>(std::max<std::int64_t>(ms_until(kill_at), 0)));
    kill(pid, SIGKILL);
    // The child is dead: read what it wrote before it died, to the end.
    while (!eof) read_some(-1);
    close(fds[0]);
    while (waitpid(pid, &run.status, 0) < 0 && errno == EINTR) {
    }
    // A line cut short by the kill was never a complete report: ignored.
    return run;
}

// Keep these in step with crash_child.cpp.
const std::string coin = "CRASH";
constexpr std::uint32_t store_keys_per_column = 16;
constexpr std::size_t store_value_bytes = 1024;

Genesis crash_genesis() {
    Genesis g;
    g.chain_name = "kopilka-crash";
    g.time_ms = test_epoch_ms;
    g.producer = test_key(1).public_key();
    g.attestors = {test_key(2).public_key()};
    return g;
}

Bytes be64(std::uint64_t v) {
    Writer w;
    w.u64(v);
    return std::move(w).take();
}

Bytes store_value(std::uint64_t g, std::size_t c, std::uint32_t key) {
    Bytes v = be64(g);
    v.resize(store_value_bytes);
    for (std::size_t i = 8; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(g * 31 + c * 7 + key + i);
    return v;
}

}  // namespace

TEST_CASE("a chain SIGKILLed while committing reopens, audits clean and keeps every block it reported", "[crash]") {
    const std::uint64_t seed = pick_seed();
    std::cout << "crash_test (chain): KOPILKA_SEED=" << seed << std::endl;
    INFO("KOPILKA_SEED=" << seed);
    std::mt19937_64 rng(seed);
    TempDir tmp("kopilka-crash");
    const auto dir = tmp.path() / "data";

    std::uint64_t height = 0;  // what the last reopen found
    int rounds_with_reports = 0;
    for (int round = 0; round < rounds; ++round) {
        const std::uint64_t delay = std::uniform_int_distribution<std::uint64_t>(kill_after_ms_min, kill_after_ms_max)(rng);
        INFO("round " << round << ", killed after " << delay << " ms");
        const Run run = run_and_kill("chain", dir, rng(), delay, !timer_from_spawn(round));
        INFO("the child reported " << run.reported.size() << " commits"
                                   << (run.reported.empty() ? "" : ", the last at height " +
                                                                          std::to_string(run.reported.back())));
        REQUIRE(run.killed_by_us());  // not dead of its own accord (it says why on stderr)
        if (!timer_from_spawn(round)) REQUIRE_FALSE(run.reported.empty());  // it waited for this one

        // The child first reports the height it opened (0 for a new chain):
        // exactly what the last reopen found. Then one report per block.
        if (!run.reported.empty()) CHECK(run.reported.front() == height);
        for (std::size_t i = 1; i < run.reported.size(); ++i) CHECK(run.reported[i] == run.reported[i - 1] + 1);
        if (run.reported.size() > 1) ++rounds_with_reports;
        // The last height known to be durable: the child's last report, or
        // what the previous reopen found if it reported nothing this time.
        const std::uint64_t durable = run.reported.empty() ? height : std::max(height, run.reported.back());

        auto chain = Chain::open(dir);
        INFO((chain ? std::string() : "Chain::open: " + chain.error()));
        REQUIRE(chain);
        const std::uint64_t reopened = (*chain)->height();
        CHECK(reopened >= durable);      // a reported block was synced: it is there
        CHECK(reopened <= durable + 1);  // and at most the one being written besides
        CHECK((*chain)->genesis() == crash_genesis());
        if (reopened > 0) {
            auto totals = (*chain)->state().coin_totals();
            REQUIRE(totals);
            CHECK(totals->at(coin) == coin_supply_units);
        }
        chain->reset();

        const AuditReport report = audit_dir(dir);
        INFO("audit: " << report.reason);
        REQUIRE(report.ok);
        CHECK(report.blocks_checked == reopened);
        CHECK(report.tip_height == reopened);
        height = reopened;
    }
    std::cout << "crash_test (chain): " << rounds << " kills, final height " << height << ", " << rounds_with_reports
              << " rounds reported commits\n";
    // The test proves little if the child never got to write before the kill.
    CHECK(height >= static_cast<std::uint64_t>(rounds));
    CHECK(rounds_with_reports >= rounds / 2);
}

TEST_CASE("a Store SIGKILLed while writing keeps each batch whole across every column family", "[crash][store]") {
    const std::uint64_t seed = pick_seed();
    std::cout << "crash_test (store): KOPILKA_SEED=" << seed << std::endl;
    INFO("KOPILKA_SEED=" << seed);
    std::mt19937_64 rng(seed ^ 0x5EED);
    TempDir tmp("kopilka-crash");
    const auto dir = tmp.path() / "store";
    constexpr Column columns[] = {Column::meta,  Column::blocks, Column::txs,   Column::state,
                                  Column::index, Column::stats,  Column::outbox};
    const Bytes gen_key{'g', 'e', 'n'};

    std::uint64_t generation = 0;
    int rounds_with_reports = 0;
    for (int round = 0; round < rounds; ++round) {
        const std::uint64_t delay = std::uniform_int_distribution<std::uint64_t>(kill_after_ms_min, kill_after_ms_max)(rng);
        INFO("round " << round << ", killed after " << delay << " ms");
        const Run run = run_and_kill("store", dir, 0, delay, !timer_from_spawn(round));
        REQUIRE(run.killed_by_us());
        if (!timer_from_spawn(round)) REQUIRE_FALSE(run.reported.empty());
        // First the generation it found on opening (0: new), then one per batch.
        if (!run.reported.empty()) CHECK(run.reported.front() == generation);
        for (std::size_t i = 1; i < run.reported.size(); ++i) CHECK(run.reported[i] == run.reported[i - 1] + 1);
        const std::uint64_t durable =
            run.reported.empty() ? generation : std::max(generation, run.reported.back());

        auto s = Store::open(dir, Store::Mode::open_existing);
        INFO((s ? std::string() : s.error()));
        REQUIRE(s);
        // Every family holds the same generation, and all of it: one batch
        // wholly there or wholly absent, never split across families. (No
        // generation at all, if the first batch never made it.)
        std::optional<std::uint64_t> first;
        for (std::size_t c = 0; c < column_count; ++c) {
            INFO("column " << column_name(columns[c]));
            std::uint64_t here = 0;
            if (auto v = (*s)->get(columns[c], gen_key)) {
                Reader r(*v);
                here = r.u64();
                REQUIRE(here > 0);
            }
            if (!first) first = here;
            REQUIRE(here == *first);
            for (std::uint32_t k = 0; k < store_keys_per_column; ++k) {
                auto v = (*s)->get(columns[c], Bytes{'k', static_cast<std::uint8_t>(k)});
                if (here == 0)
                    REQUIRE_FALSE(v);
                else
                    REQUIRE(v == store_value(here, c, k));
            }
        }
        const std::uint64_t g = *first;
        CHECK(g >= durable);
        CHECK(g <= durable + 1);
        if (run.reported.size() > 1) ++rounds_with_reports;
        generation = g;
    }
    std::cout << "crash_test (store): " << rounds << " kills, final generation " << generation << ", "
              << rounds_with_reports << " rounds reported batches\n";
    CHECK(generation >= static_cast<std::uint64_t>(rounds));
    CHECK(rounds_with_reports >= rounds / 2);
}

namespace {

// A venue with a staff member and clients, and a fortnight of blocks: the
// treasury and the member give, clients pass coins on.
std::uint64_t build_rebuild_history(const std::filesystem::path& dir, std::mt19937_64& rng) {
    constexpr std::size_t blocks = 600;
    constexpr std::size_t txs_per_block = 20;
    constexpr std::uint32_t clients = 60;
    auto made = Chain::create(dir, crash_genesis());
    REQUIRE(made);
    Chain& chain = **made;
    const KeyPair producer = test_key(1), owner = test_key(10), member = test_key(11);
    TxBuilder tx(chain.id());
    std::uint64_t now_ms = test_epoch_ms + 1000;
    auto commit = [&](std::vector<SignedTx> txs) {
        auto p = chain.produce_block(txs, now_ms, producer);
        REQUIRE(p);
        for (const auto& o : p->outcomes) REQUIRE(o.status == TxOutcome::Status::committed);
        now_ms += 20 * 60 * 1000 + rng() % 1000;
        tx.set_time_ms(now_ms);
    };
    tx.set_time_ms(now_ms);
    commit({tx.venue_create(owner, coin)});
    commit({tx.staff_add(owner, coin, member)});
    commit({tx.transfer(owner, coin, Account::of_key(member.public_key()), 10'000'000)});
    std::map<std::uint32_t, Amount> held;
    auto client = [&](std::uint32_t i) { return test_key(100 + i); };
    for (std::size_t b = 0; b < blocks; ++b) {
        std::vector<SignedTx> txs;
        for (std::size_t k = 0; k < txs_per_block; ++k) {
            const std::uint32_t to = static_cast<std::uint32_t>(rng() % clients);
            const std::uint32_t from = static_cast<std::uint32_t>(rng() % clients);
            const Account to_account = Account::of_key(client(to).public_key());
            if (k % 4 == 3 && from != to && held[from] > 1) {
                txs.push_back(tx.transfer(client(from), coin, to_account, 1));
                --held[from];
            } else {
                txs.push_back(tx.transfer(k % 2 ? owner : member, coin, to_account, 100));
                held[to] += 100;
            }
        }
        commit(std::move(txs));
    }
    return chain.height();
}

std::map<Bytes, Bytes, BytesLess> stats_records(Chain& chain) {
    std::map<Bytes, Bytes, BytesLess> out;
    chain.store().scan(Column::stats, {}, {}, [&](ByteView k, ByteView v) {
        out.emplace(Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end()));
        return true;
    });
    return out;
}

}  // namespace

TEST_CASE("a rebuild of the aggregates SIGKILLed at any point leaves the marker and every record, or no marker",
          "[crash][stats]") {
    const std::uint64_t seed = pick_seed();
    std::cout << "crash_test (rebuild): KOPILKA_SEED=" << seed << std::endl;
    INFO("KOPILKA_SEED=" << seed);
    std::mt19937_64 rng(seed ^ 0xAC6);
    TempDir tmp("kopilka-crash");
    const auto dir = tmp.path() / "data";
    const std::uint64_t height = build_rebuild_history(dir, rng);
    std::map<Bytes, Bytes, BytesLess> counted;
    {
        auto chain = Chain::open(dir);
        REQUIRE(chain);
        counted = stats_records(**chain);
    }
    REQUIRE(counted.size() > 100);

    int cut_short = 0;
    for (int round = 0; round < rounds; ++round) {
        const std::uint64_t delay = std::uniform_int_distribution<std::uint64_t>(kill_after_ms_min, kill_after_ms_max)(rng);
        INFO("round " << round << ", killed after " << delay << " ms");
        const Run run = run_and_kill("rebuild", dir, 0, delay, !timer_from_spawn(round));
        REQUIRE(run.killed_by_us());
        if (!run.reported.empty()) CHECK(run.reported.front() == height);

        auto chain = Chain::open(dir);
        INFO((chain ? std::string() : "Chain::open: " + chain.error()));
        REQUIRE(chain);
        if (!(*chain)->stats_ready()) {
            ++cut_short;
            REQUIRE((*chain)->rebuild_stats());
        }
        // With the marker, every record is there: the recount agrees.
        CHECK(stats_records(**chain) == counted);
        chain->reset();
        const AuditReport report = audit_dir(dir);
        INFO("audit: " << report.reason);
        REQUIRE(report.ok);
        CHECK(report.stats_checked);
    }
    std::cout << "crash_test (rebuild): " << rounds << " kills, " << cut_short << " cut a rebuild short\n";
    CHECK(cut_short >= rounds / 2);
}
