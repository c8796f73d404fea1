// crash_child: a process for crash_test to SIGKILL while it writes.
//
//   crash_child chain DIR SEED   creates the chain in DIR (or opens it) and
//                                commits blocks of valid transfers forever
//   crash_child store DIR SEED   writes batches spanning every column family
//                                of a bare Store in DIR forever
//   crash_child rebuild DIR SEED opens the chain in DIR and, forever, deletes
//                                the aggregates' version marker and recounts
//                                them (ledger/stats/rebuild.h) in small batches
//
// It prints one line to stdout (and flushes) once the dir is open — the
// height (0 once a new chain's genesis is stored) or the generation found —
// and one after each synced write: the height just committed, or the
// generation just written. In rebuild mode: the chain's height at the open,
// then the height each batch counted up to. A line printed is a promise: that much is on disk. Anything unexpected ends the process with a message on stderr
// and a non-zero status, which the parent reports.
//
// The genesis and the keys are fixed (the same as crash_test's), so the
// parent can recognise the chain; the seed only varies the transfers.
#include "support.h"

#include "ledger/codec.h"
#include "ledger/stats/records.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

using namespace kopilka;
using namespace kopilka::test;

namespace {

// Keep these in step with crash_test.cpp.
constexpr const char* coin = "CRASH";
constexpr std::uint32_t owner_key = 10;
constexpr std::uint32_t client_key_first = 100;
constexpr std::uint32_t client_count = 8;
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

[[noreturn]] void die(int code, const std::string& why) {
    std::fprintf(stderr, "crash_child: %s\n", why.c_str());
    std::exit(code);
}

void report(std::uint64_t n) {
    std::printf("%llu\n", static_cast<unsigned long long>(n));
    std::fflush(stdout);
}

SignedTx transfer(const KeyPair& from, const Account& to, Amount amount, std::uint64_t nonce, std::uint64_t now_ms,
                  const ChainId& chain) {
    Tx tx;
    tx.signer = from.public_key();
    tx.nonce = nonce;  // random: ids never repeat across runs of the child
    tx.expiry_s = now_ms / 1000 + 3600;
    tx.body = Transfer{coin, Account::of_key(from.public_key()), to, amount, ""};
    return sign_tx(tx, from, chain);
}

void commit(Chain& chain, const std::vector<SignedTx>& txs, std::uint64_t now_ms, const KeyPair& producer) {
    auto p = chain.produce_block(txs, now_ms, producer);
    if (!p) die(5, "the block could not be written: " + p.error());
    for (const auto& o : p->outcomes)
        if (o.status != TxOutcome::Status::committed)
            die(6, "a valid transfer was not committed" +
                       (o.refusal ? ": " + std::string(refusal_name(o.refusal->code)) + " " + o.refusal->message : ""));
    report(chain.height());
}

int run_chain(const std::filesystem::path& dir, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto uni = [&](std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    const Genesis genesis = crash_genesis();
    std::unique_ptr<Chain> chain;
    if (!std::filesystem::exists(dir / "CURRENT")) {
        auto c = Chain::create(dir, genesis);
        if (!c) die(3, "cannot create the chain: " + c.error());
        chain = std::move(*c);
        report(0);
    } else {
        auto c = Chain::open(dir);
        if (!c) die(3, "cannot open the chain: " + c.error());
        chain = std::move(*c);
        if (chain->genesis() != genesis) die(4, "the dir holds another chain");
        report(chain->height());
    }
    const KeyPair producer = test_key(1);
    const KeyPair owner = test_key(owner_key);
    std::vector<KeyPair> people{owner};
    for (std::uint32_t i = 0; i < client_count; ++i) people.push_back(test_key(client_key_first + i));

    std::uint64_t now_ms = chain->tip().time_ms;
    if (!chain->state().venue(coin)) {
        // The first block: the venue, and an allowance for every client.
        now_ms += 1000;
        Tx create;
        create.signer = owner.public_key();
        create.nonce = rng();
        create.expiry_s = now_ms / 1000 + 3600;
        Profile p;
        p.name = "Crash Cafe";
        create.body = VenueCreate{coin, p};
        std::vector<SignedTx> txs{sign_tx(create, owner, chain->id())};
        for (std::uint32_t i = 1; i < people.size(); ++i)
            txs.push_back(transfer(owner, Account::of_key(people[i].public_key()), 100'000, rng(), now_ms, chain->id()));
        commit(*chain, txs, now_ms, producer);
    }
    for (;;) {
        // Blocks tens of minutes apart: the replay window that Chain::open
        // rebuilds stays a day's worth of blocks, not the whole chain.
        now_ms += uni(10, 40) * 60 * 1000 + uni(0, 999);
        std::map<std::size_t, Amount> balance;
        for (std::size_t i = 0; i < people.size(); ++i)
            balance[i] = chain->state().balance(coin, Account::of_key(people[i].public_key()));
        std::vector<SignedTx> txs;
        const std::size_t n = uni(1, 8);
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t from = uni(0, people.size() - 1);
            std::size_t to = uni(0, people.size() - 2);
            if (to >= from) ++to;
            if (balance[from] < 2) continue;
            const Amount amount = uni(1, balance[from] / 2);
            balance[from] -= amount;
            balance[to] += amount;
            txs.push_back(
                transfer(people[from], Account::of_key(people[to].public_key()), amount, rng(), now_ms, chain->id()));
        }
        if (!txs.empty()) commit(*chain, txs, now_ms, producer);
    }
}

Bytes be64(std::uint64_t v) {
    Writer w;
    w.u64(v);
    return std::move(w).take();
}

// The record `key` of column `c` holds at generation g (crash_test checks it).
Bytes store_value(std::uint64_t g, std::size_t c, std::uint32_t key) {
    Bytes v = be64(g);
    v.resize(store_value_bytes);
    for (std::size_t i = 8; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(g * 31 + c * 7 + key + i);
    return v;
}

int run_store(const std::filesystem::path& dir) {
    const bool exists = std::filesystem::exists(dir / "CURRENT");
    auto s = Store::open(dir, exists ? Store::Mode::open_existing : Store::Mode::create_new);
    if (!s) die(3, "cannot open the store: " + s.error());
    Store& store = **s;
    const Bytes gen_key{'g', 'e', 'n'};
    std::uint64_t g = 0;
    if (auto v = store.get(Column::meta, gen_key)) {
        Reader r(*v);
        g = r.u64();
    }
    report(g);
    constexpr Column columns[] = {Column::meta,  Column::blocks, Column::txs,   Column::state,
                                  Column::index, Column::stats,  Column::outbox};
    for (;;) {
        ++g;
        Batch b;
        for (std::size_t c = 0; c < column_count; ++c) {
            b.put(columns[c], gen_key, be64(g));
            for (std::uint32_t k = 0; k < store_keys_per_column; ++k)
                b.put(columns[c], Bytes{'k', static_cast<std::uint8_t>(k)}, store_value(g, c, k));
        }
        if (auto ok = store.write(b); !ok) die(5, "the batch could not be written: " + ok.error());
        report(g);
    }
}

}  // namespace

// Small batches, so a kill lands between many of them.
constexpr std::size_t rebuild_batch_events = 200;

int run_rebuild(const std::filesystem::path& dir) {
    auto c = Chain::open(dir);
    if (!c) die(3, "cannot open the chain: " + c.error());
    Chain& chain = **c;
    report(chain.height());
    for (;;) {
        Batch b;
        b.erase(Column::meta, stats::meta_stats_key());
        if (auto ok = chain.store().write(b); !ok) die(5, "cannot erase the marker: " + ok.error());
        auto ok = stats::rebuild(chain.store(), chain.genesis(), chain.height(),
                                 [](std::uint64_t h, std::uint64_t) { report(h); }, rebuild_batch_events);
        if (!ok) die(6, ok.error());
    }
}

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: crash_child chain|store|rebuild DIR SEED\n");
        return 2;
    }
    const std::string mode = argv[1];
    const std::filesystem::path dir = argv[2];
    const std::uint64_t seed = std::strtoull(argv[3], nullptr, 10);
    try {
        if (mode == "chain") return run_chain(dir, seed);
        if (mode == "store") return run_store(dir);
        if (mode == "rebuild") return run_rebuild(dir);
    } catch (const std::exception& e) {
        die(7, std::string("exception: ") + e.what());
    }
    std::fprintf(stderr, "crash_child: unknown mode %s\n", mode.c_str());
    return 2;
}
