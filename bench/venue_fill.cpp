#include "bench/venue_fill.h"

#include "crypto/keystore.h"
#include "ledger/chain.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace kopilka::bench {

using namespace kopilka::ledger;

namespace {

// The catalogue: coffee 1.00, donut 2.00, cheesecake 3.00.
struct Reward {
    std::uint32_t id;
    const char* name;
    Amount price;
};
constexpr Reward rewards[] = {{1, "coffee", 100}, {2, "donut", 200}, {3, "cheesecake", 300}};
// What a member is topped up to by the treasury: 20,000.00.
constexpr Amount staff_float_units = 2'000'000;
// An issue is 0.10 to 2.00; a gift at most 0.50. With a fifth of the
// transactions redeeming, a million transactions stay within the supply.
constexpr Amount issue_units_min = 10;
constexpr Amount issue_units_max = 200;
constexpr Amount gift_units_max = 50;
// Tries at finding a client who can afford a reward before issuing instead.
constexpr int redeem_tries_max = 4;
constexpr std::uint64_t tx_ttl_s = 3600;

std::string passphrase_of(const std::filesystem::path& data_dir) {
    if (const char* env = std::getenv("KOPILKAD_PASSPHRASE"); env && *env) return env;
    std::ifstream in(data_dir / "keys" / "passphrase");
    std::string p;
    if (!in || !std::getline(in, p))
        throw std::runtime_error("cannot read " + (data_dir / "keys" / "passphrase").string() +
                                 " (or set KOPILKAD_PASSPHRASE)");
    return p;
}

}  // namespace

VenueFill fill_venue(const std::filesystem::path& data_dir, const VenueFillOptions& o,
                     const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
    if (o.staff < 2 || o.clients < 2 || o.block_txs == 0 || o.block_txs > block_txs_max || o.days == 0)
        throw std::runtime_error("fill_venue: at least 2 staff and 2 clients, 1 to 10,000 transactions a block, a day");
    auto producer = keystore_read_file(data_dir / "keys" / "producer.key", passphrase_of(data_dir));
    if (!producer) throw std::runtime_error("cannot open the producer key: " + producer.error().message);
    const std::uint64_t end_ms = o.end_ms
                                     ? o.end_ms
                                     : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                      std::chrono::system_clock::now().time_since_epoch())
                                                                      .count());
    const std::uint64_t span_ms = o.days * ms_per_day - 1;
    if (end_ms <= span_ms + 1000) throw std::runtime_error("fill_venue: end_ms is before the history could start");
    const std::filesystem::path ledger_dir = data_dir / "ledger";
    Genesis genesis;
    {
        auto made = Chain::open(ledger_dir);
        if (!made) throw std::runtime_error("cannot open the ledger: " + made.error());
        if ((*made)->height() != 0) throw std::runtime_error("fill_venue: the ledger already has blocks");
        genesis = (*made)->genesis();
    }
    genesis.time_ms = end_ms - span_ms - 1000;
    std::filesystem::remove_all(ledger_dir);
    auto created = Chain::create(ledger_dir, genesis);
    if (!created) throw std::runtime_error("cannot make the ledger again: " + created.error());
    Chain& chain = **created;
    const ChainId chain_id = chain.id();
    const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    std::mt19937_64 rng(o.seed);
    auto uni = [&](std::uint64_t lo, std::uint64_t hi) { return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng); };

    VenueFill fill;
    fill.ticker = o.ticker;
    fill.staff.reserve(o.staff + 1);  // the plan keeps references to members: no reallocation
    for (std::size_t i = 0; i < o.staff; ++i) fill.staff.push_back(KeyPair::generate());
    for (std::size_t i = 0; i < o.clients; ++i) fill.clients.push_back(KeyPair::generate());
    const Account treasury = Account::of_key(fill.owner.public_key());
    Amount treasury_units = coin_supply_units;
    std::vector<Amount> staff_units(o.staff, 0);
    std::vector<Amount> client_units(o.clients, 0);
    std::vector<std::size_t> on_staff;  // indices into fill.staff
    for (std::size_t i = 0; i < o.staff; ++i) on_staff.push_back(i);
    std::size_t first_client = 0;       // clients below it have joined the staff

    const std::uint64_t blocks = std::max<std::uint64_t>(1, (o.txs + o.block_txs - 1) / o.block_txs);
    std::uint64_t nonce = o.seed << 32;

    // Each block: its transactions decided one by one (balances tracked, so
    // every one applies), signed on every core, committed.
    for (std::uint64_t b = 0; b < blocks && fill.txs < o.txs; ++b) {
        const std::uint64_t time_ms = end_ms - span_ms + (blocks == 1 ? span_ms : b * span_ms / (blocks - 1));
        const std::uint64_t time_s = time_ms / 1000;
        std::vector<std::function<SignedTx()>> plan;
        auto add = [&](const KeyPair& signer, TxBody body) {
            Tx tx{signer.public_key(), ++nonce, time_s + tx_ttl_s, std::move(body)};
            plan.push_back([&signer, chain_id, tx = std::move(tx)] { return sign_tx(tx, signer, chain_id); });
        };
        auto add_staff = [&](const KeyPair& member) {
            const StaffAcceptance a = accept_staff(member, o.ticker, time_s + tx_ttl_s, chain_id);
            add(fill.owner, StaffAdd{o.ticker, StaffRole::barista, {}, a});
        };
        auto fund = [&](std::size_t s) {
            const Amount want = staff_float_units - std::min(staff_float_units, staff_units[s]);
            const Amount amount = std::min(want, treasury_units);
            if (amount == 0) return;
            add(fill.owner, Transfer{o.ticker, treasury, Account::of_key(fill.staff[s].public_key()), amount, "float"});
            treasury_units -= amount;
            staff_units[s] += amount;
        };
        if (b == 0) {
            Profile p;
            p.name = "Dashboard Cafe";
            add(fill.owner, VenueCreate{o.ticker, p});
            for (const Reward& r : rewards) add(fill.owner, ProductUpsert{o.ticker, Product{r.id, r.name, r.price, "", "", true}});
            for (std::size_t s = 0; s < o.staff; ++s) add_staff(fill.staff[s]);
            for (std::size_t s = 0; s < o.staff; ++s) fund(s);
        }
        if (b == blocks / 2 && blocks > 1) {
            // Halfway: a member leaves (the treasury takes back what it gave)
            // and a client, coins and all, joins the staff.
            add(fill.owner, StaffRemove{o.ticker, fill.staff[on_staff.front()].public_key()});
            treasury_units += staff_units[on_staff.front()];
            staff_units[on_staff.front()] = 0;
            on_staff.erase(on_staff.begin());
            fill.staff.push_back(fill.clients[first_client]);
            staff_units.push_back(client_units[first_client]);
            add_staff(fill.staff.back());
            on_staff.push_back(fill.staff.size() - 1);
            ++first_client;
        }
        const std::size_t room = std::min<std::uint64_t>(o.block_txs, o.txs - fill.txs);
        while (plan.size() < room) {
            const unsigned pick = static_cast<unsigned>(uni(0, 99));
            const std::size_t c = uni(first_client, o.clients - 1);
            const Account client = Account::of_key(fill.clients[c].public_key());
            if (pick < o.redeem_percent) {
                std::optional<std::size_t> payer;
                for (int t = 0; t < redeem_tries_max && !payer; ++t) {
                    const std::size_t k = uni(first_client, o.clients - 1);
                    if (client_units[k] >= rewards[0].price) payer = k;
                }
                if (payer) {
                    std::size_t r = uni(0, std::size(rewards) - 1);
                    while (rewards[r].price > client_units[*payer]) --r;
                    Voucher v{o.ticker, rewards[r].id, rewards[r].price, Account::of_key(fill.clients[*payer].public_key()),
                              ++nonce, time_s + tx_ttl_s, fill.clients[*payer].public_key(), {}};
                    const KeyPair& member = fill.staff[on_staff[uni(0, on_staff.size() - 1)]];
                    const KeyPair& holder = fill.clients[*payer];
                    Tx tx{member.public_key(), ++nonce, time_s + tx_ttl_s, Redeem{o.ticker, v}};
                    plan.push_back([&member, &holder, chain_id, tx = std::move(tx)]() mutable {
                        sign_voucher(std::get<Redeem>(tx.body).voucher, holder, chain_id);
                        return sign_tx(tx, member, chain_id);
                    });
                    client_units[*payer] -= rewards[r].price;
                    treasury_units += rewards[r].price;
                    continue;
                }
            } else if (pick < o.redeem_percent + o.gift_percent && client_units[c] > 0) {
                std::size_t to = uni(first_client, o.clients - 1);
                if (to == c) to = to + 1 < o.clients ? to + 1 : first_client;
                if (to != c) {
                    const Amount amount = uni(1, std::min(gift_units_max, client_units[c]));
                    add(fill.clients[c], Transfer{o.ticker, client, Account::of_key(fill.clients[to].public_key()), amount, ""});
                    client_units[c] -= amount;
                    client_units[to] += amount;
                    continue;
                }
            }
            const Amount amount = uni(issue_units_min, issue_units_max);
            if (uni(0, 99) < o.treasury_percent && treasury_units >= amount) {
                add(fill.owner, Transfer{o.ticker, treasury, client, amount, ""});
                treasury_units -= amount;
            } else {
                const std::size_t s = on_staff[uni(0, on_staff.size() - 1)];
                if (staff_units[s] < amount) {
                    fund(s);
                    if (staff_units[s] < amount) throw std::runtime_error("fill_venue: the treasury ran dry; fewer transactions");
                    continue;
                }
                add(fill.staff[s], Transfer{o.ticker, Account::of_key(fill.staff[s].public_key()), client, amount, ""});
                staff_units[s] -= amount;
            }
            client_units[c] += amount;
        }

        const auto sign_start = std::chrono::steady_clock::now();
        std::vector<SignedTx> txs(plan.size());
        {
            std::vector<std::jthread> workers;
            for (unsigned w = 0; w < threads; ++w)
                workers.emplace_back([&, w] {
                    for (std::size_t i = w; i < plan.size(); i += threads) txs[i] = plan[i]();
                });
        }
        const auto commit_start = std::chrono::steady_clock::now();
        auto produced = chain.produce_block(txs, time_ms, *producer, true);
        if (!produced) throw std::runtime_error("block " + std::to_string(chain.height() + 1) + ": " + produced.error());
        for (const auto& out : produced->outcomes)
            if (out.status != TxOutcome::Status::committed)
                throw std::runtime_error("fill_venue: a planned transaction was refused: " +
                                         (out.refusal ? out.refusal->message : std::string("(no reason)")));
        const auto done = std::chrono::steady_clock::now();
        fill.sign_seconds += std::chrono::duration<double>(commit_start - sign_start).count();
        fill.commit_seconds += std::chrono::duration<double>(done - commit_start).count();
        if (fill.blocks == 0) fill.first_ms = produced->block->header.time_ms;
        fill.last_ms = produced->block->header.time_ms;
        fill.txs += txs.size();
        ++fill.blocks;
        if (progress) progress(fill.txs, o.txs);
    }
    return fill;
}

}  // namespace kopilka::bench
