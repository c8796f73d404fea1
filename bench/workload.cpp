#include "bench/workload.h"

#include "ledger/types.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace kopilka::bench {

using namespace kopilka::ledger;

namespace {

// splitmix64: a small, fast generator whose stream is fixed by the seed, so a
// plan can be rebuilt from the seed a report prints.
std::uint64_t next_random(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Amounts are small so that a venue's fixed supply funds millions of them.
constexpr Amount transfer_units_max = 100;          // 0.01 to 1.00 a transfer or gift
constexpr Amount product_price_units_first = 100;   // products cost 1.00, 1.50, 2.00, ...
constexpr Amount product_price_units_step = 50;
constexpr std::size_t sign_progress_every = 1024;
// A purchase's receipt: 1-3 lines of 1.00 to 50.00 each.
constexpr std::size_t receipt_lines_bench_max = 3;
constexpr Amount receipt_line_units_min = 100;
constexpr Amount receipt_line_units_max = 5000;
constexpr std::array<std::string_view, 3> receipt_categories{"coffee", "food", "alcohol"};

}  // namespace

std::string_view kind_text(Kind k) {
    switch (k) {
        case Kind::transfer: return "transfer";
        case Kind::gift: return "gift";
        case Kind::redeem: return "redeem";
        case Kind::purchase: return "purchase";
    }
    return "?";
}

std::expected<Mix, std::string> Mix::parse(std::string_view text) {
    Mix m{0, 0, 0, 0};
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) return std::unexpected("--mix: '" + std::string(item) + "' is not kind=share");
        const std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
        unsigned share = 0;
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), share);
        if (ec != std::errc() || ptr != value.data() + value.size() || share > 1'000'000)
            return std::unexpected("--mix: the share of " + std::string(name) + " must be a whole number");
        if (name == "transfer") m.transfer = share;
        else if (name == "gift") m.gift = share;
        else if (name == "redeem") m.redeem = share;
        else if (name == "purchase") m.purchase = share;
        else return std::unexpected("--mix: unknown kind '" + std::string(name) + "' (transfer, gift, redeem, purchase)");
    }
    if (m.total() == 0) return std::unexpected("--mix: give at least one kind a share above 0");
    return m;
}

std::string Mix::text() const {
    return "transfer=" + std::to_string(transfer) + ",gift=" + std::to_string(gift) +
           ",redeem=" + std::to_string(redeem) + ",purchase=" + std::to_string(purchase);
}

double Mix::signatures_per_tx() const {
    return static_cast<double>(transfer + gift + 2 * redeem + purchase) / static_cast<double>(total());
}

void SignedSet::append(const SignedTx& stx, Kind kind) {
    blobs.push_back(to_base64url(encode_signed_tx(stx)));
    ids.push_back(tx_id(stx.tx));
    kinds.push_back(kind);
}

Workload::Workload(const WorkloadOptions& options) : options_(options), rng_state_(options.seed) {
    const auto& o = options_;
    if (o.venues == 0 || o.venues > 99'999'999) throw std::invalid_argument("--venues must be 1 to 99999999");
    if (o.staff_per_venue == 0 || o.staff_per_venue > venue_staff_max)
        throw std::invalid_argument("--staff must be 1 to " + std::to_string(venue_staff_max));
    if (o.products_per_venue == 0 || o.products_per_venue > catalogue_products_max)
        throw std::invalid_argument("--products must be 1 to " + std::to_string(catalogue_products_max));
    // Every venue needs a funded client of its own (see plan()).
    if (o.funded_clients < o.venues || o.funded_clients > o.clients)
        throw std::invalid_argument("--funded-clients must be at least --venues and at most --clients");
    if (o.clients > std::numeric_limits<std::uint32_t>::max()) throw std::invalid_argument("--clients is too large");
    if (!valid_ticker(o.ticker_prefix + std::to_string(std::max<std::size_t>(o.venues - 1, 1000))))
        throw std::invalid_argument("the ticker prefix and --venues make tickers longer than 10 characters");
    if (o.tx_ttl_s < 60 || o.tx_ttl_s > std::min(tx_expiry_ahead_s_max, voucher_expiry_ahead_s_max))
        throw std::invalid_argument("--tx-ttl-s must be 60 to 86400");

    // A programme the chain would refuse is a bug here, not the node's.
    if (o.programme)
        if (const std::string why = loyalty::check_programme(programme(1)); !why.empty())
            throw std::logic_error("the bench's programme is not valid: " + why);
    for (std::size_t v = 0; v < o.venues; ++v) {
        Venue venue{KeyPair::generate(), {}, std::vector<Amount>(o.staff_per_venue, 0), {}};
        for (std::size_t s = 0; s < o.staff_per_venue; ++s) venue.staff.push_back(KeyPair::generate());
        for (std::size_t p = 0; p < o.products_per_venue; ++p)
            venue.prices.push_back(product_price_units_first + product_price_units_step * p);
        venues_.push_back(std::move(venue));
    }
    funded_.reserve(o.funded_clients);
    for (std::size_t i = 0; i < o.funded_clients; ++i) funded_.push_back(KeyPair::generate());
    // A client that only receives never signs, so it needs no secret, and the
    // rules never check that a receiving key is a curve point: random bytes
    // stand in for its public key. (A million real key pairs would cost tens
    // of seconds and change nothing the node does.)
    receivers_.resize(o.clients - o.funded_clients);
    for (auto& k : receivers_) random_bytes(k.bytes);
    client_funding_.assign(o.funded_clients, 0);
    received_.assign(o.clients, 0);
    nonce_base_ = random_u64() >> 1;  // room above it for every index
}

std::string Workload::ticker(std::size_t venue) const {
    std::string digits = std::to_string(venue);
    if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
    return options_.ticker_prefix + digits;
}

Account Workload::client_account(std::size_t i) const {
    return i < funded_.size() ? Account::of_key(funded_[i].public_key())
                              : Account::of_key(receivers_[i - funded_.size()]);
}

void Workload::plan(std::size_t count) { plan(count, options_.mix); }

void Workload::plan(std::size_t count, const Mix& mix) {
    const auto& o = options_;
    if (mix.purchase > 0 && !o.programme) throw std::invalid_argument("purchases need the venues' programme in setup");
    const auto V = static_cast<std::uint32_t>(o.venues);
    const std::uint64_t per_venue_funded = o.funded_clients / o.venues;  // >= 1, checked above
    const unsigned total = mix.total();
    plan_.reserve(plan_.size() + count);
    for (std::size_t n = 0; n < count; ++n) {
        const unsigned pick = static_cast<unsigned>(next_random(rng_state_) % total);
        Kind kind = pick < mix.transfer                           ? Kind::transfer
                    : pick < mix.transfer + mix.gift              ? Kind::gift
                    : pick < mix.transfer + mix.gift + mix.redeem ? Kind::redeem
                                                                  : Kind::purchase;
        Planned p{};
        if (kind == Kind::purchase) {
            // A staff member of the client's home venue records a receipt for
            // it; pay is 0, so no purchase depends on another's result, and
            // the staff member is funded with the most its accruals can be.
            p.client = static_cast<std::uint32_t>(next_receiver_++ % o.clients);
            p.venue = p.client % V;
            p.signer = static_cast<std::uint32_t>(next_random(rng_state_) % o.staff_per_venue);
            p.value = static_cast<std::uint32_t>(next_random(rng_state_));
            venues_[p.venue].staff_funding[p.signer] += accrual_bound(receipt(p.value, plan_.size()));
            received_[p.client] = 1;
        } else if (kind == Kind::redeem) {
            // A funded client of any venue shows a voucher for one of its products.
            p.client = static_cast<std::uint32_t>(next_random(rng_state_) % o.funded_clients);
            p.venue = p.client % V;
            p.signer = static_cast<std::uint32_t>(next_random(rng_state_) % o.staff_per_venue);
            p.value = static_cast<std::uint32_t>(next_random(rng_state_) % o.products_per_venue);
            client_funding_[p.client] += venues_[p.venue].prices[p.value];
        } else {
            // Receivers take turns, so N transactions reach min(N, clients)
            // distinct accounts; a client holds only its home venue's coin
            // (client i's venue is i % venues).
            p.client = static_cast<std::uint32_t>(next_receiver_++ % o.clients);
            p.venue = p.client % V;
            p.value = static_cast<std::uint32_t>(1 + next_random(rng_state_) % transfer_units_max);
            if (kind == Kind::gift) {
                // A funded client of the same venue sends it.
                p.signer = static_cast<std::uint32_t>(p.venue + V * (next_random(rng_state_) % per_venue_funded));
                if (p.signer == p.client) kind = Kind::transfer;  // nobody gives to themselves
            }
            if (kind == Kind::gift) {
                client_funding_[p.signer] += p.value;
            } else {
                p.signer = static_cast<std::uint32_t>(next_random(rng_state_) % o.staff_per_venue);
                venues_[p.venue].staff_funding[p.signer] += p.value;
            }
            received_[p.client] = 1;
        }
        p.kind = kind;
        plan_.push_back(p);
    }
    // Each treasury funds its staff and its clients in setup.
    std::vector<Amount> need(o.venues, 0);
    for (std::size_t v = 0; v < o.venues; ++v)
        for (Amount a : venues_[v].staff_funding) need[v] += a;
    for (std::size_t c = 0; c < o.funded_clients; ++c) need[c % o.venues] += client_funding_[c];
    // Gifts (welcome) come from the treasury, at most the month's budget.
    if (o.programme)
        for (auto& n : need) n += programme(0).gift_budget_per_month.value_or(0);
    for (std::size_t v = 0; v < o.venues; ++v)
        if (need[v] > coin_supply_units)
            throw std::invalid_argument("venue " + ticker(v) + " would need " + format_amount(need[v]) +
                                        " coins but a venue mints " + format_amount(coin_supply_units) +
                                        "; use more --venues");
}

loyalty::Programme Workload::programme(std::uint64_t effective_from_s) {
    using namespace loyalty;
    Programme p;
    p.version = 1;
    p.previous = Hash256{};
    p.effective_from_s = effective_from_s;
    p.zone = "Europe/Moscow";
    p.tzdb_version = "2024a";
    p.zone_rule = "MSK-3";
    p.tier_basis = TierBasis::lifetime;
    p.tier_recalc = TierRecalc::on_purchase;
    p.tiers = {Tier{"Bronze", 0, 3000}, Tier{"Silver", 50'000, 4000}, Tier{"Gold", 200'000, 5000}};
    auto rule = [](std::uint16_t id, std::string name, std::uint16_t group, Condition when, Effect effect,
                   std::uint32_t value, std::optional<Amount> cap = std::nullopt, std::uint32_t lifetime_days = 0) {
        return Rule{id, std::move(name), group, std::move(when), effect, value, cap, lifetime_days};
    };
    Condition small, middle, large, silver, gold, happy, birthday, returning, coffee, big;
    small.receipt_max = 1000;
    middle.receipt_min = 1000;
    middle.receipt_max = 3000;
    large.receipt_min = 3000;
    silver.tier_mask = 0b010;
    gold.tier_mask = 0b100;
    happy.window = Window{0x1f, 15 * 60, 17 * 60};  // weekdays 15:00-17:00
    birthday.birthday_days = 3;
    returning.returning_days = 7;
    coffee.categories = {"coffee"};
    big.receipt_min = 5000;
    p.rules = {
        rule(1, "Bracket 3%", 1, small, Effect::percent, 300),
        rule(2, "Bracket 6%", 1, middle, Effect::percent, 600),
        rule(3, "Bracket 12%", 1, large, Effect::percent, 1200, 50'000),
        rule(4, "Silver rate", 0, silver, Effect::percent, 100),
        rule(5, "Gold rate", 0, gold, Effect::percent, 200),
        rule(6, "Happy hour", 0, happy, Effect::percent, 200, std::nullopt, 30),
        rule(7, "Birthday week", 0, birthday, Effect::percent, 500, 10'000),
        rule(8, "Come back within a week", 0, returning, Effect::percent, 100),
        rule(9, "Coffee lovers", 0, coffee, Effect::percent, 300, std::nullopt, 90),
        rule(10, "Big receipt bonus", 0, big, Effect::fixed, 100, 2'000),
    };
    p.accrual_excluded = {"alcohol"};
    p.pay_excluded = {"alcohol"};
    p.gifts = {Gift{GiftKind::welcome, 100, 30, 0}};
    p.referral_bp = {500, 200, 100};
    p.referral_lifetime_days = 180;
    p.stamp_cards = {StampCard{1, "coffee", 6, 150, 60}};
    p.cap_per_client_day = 100'000;
    p.gift_budget_per_month = 1'000'000;
    return p;
}

Amount Workload::accrual_bound(const loyalty::Receipt& r) {
    static const loyalty::Programme p = programme(0);
    const Amount total = loyalty::receipt_total(r).value_or(0);
    Amount bound = 0;
    auto share = [&](std::uint64_t bp) { return (total * bp + loyalty::bp_whole - 1) / loyalty::bp_whole; };
    for (const auto& rule : p.rules) bound += rule.effect == loyalty::Effect::fixed ? rule.value : share(rule.value);
    for (const auto& card : p.stamp_cards) bound += card.reward;
    for (const auto bp : p.referral_bp) bound += share(bp);
    return bound;
}

loyalty::Receipt Workload::receipt(std::uint32_t seed, std::size_t index) const {
    std::uint64_t state = seed;
    loyalty::Receipt r;
    r.id = "B" + std::to_string(index);
    const std::size_t lines = 1 + next_random(state) % receipt_lines_bench_max;
    for (std::size_t i = 0; i < lines; ++i)
        r.lines.push_back({std::string(receipt_categories[next_random(state) % receipt_categories.size()]),
                           receipt_line_units_min +
                               next_random(state) % (receipt_line_units_max - receipt_line_units_min + 1)});
    return r;
}

std::vector<std::vector<SignedTx>> Workload::setup(const ChainId& chain, std::uint64_t now_s) const {
    const auto& o = options_;
    std::uint64_t nonce = nonce_base_ - 1;  // setup nonces count down below the plan's
    auto sign = [&](const KeyPair& key, TxBody body) {
        Tx tx;
        tx.signer = key.public_key();
        tx.nonce = nonce--;
        tx.expiry_s = now_s + o.tx_ttl_s;
        tx.body = std::move(body);
        return sign_tx(tx, key, chain);
    };
    std::vector<std::vector<SignedTx>> rounds(3);
    for (std::size_t v = 0; v < o.venues; ++v) {
        const Venue& venue = venues_[v];
        const std::string t = ticker(v);
        Profile profile;
        profile.name = "Bench venue " + std::to_string(v);
        rounds[0].push_back(sign(venue.owner, VenueCreate{t, profile}));
        if (o.programme) rounds[1].push_back(sign(venue.owner, ProgrammeSet{t, programme(now_s + programme_delay_s)}));
        for (std::size_t p = 0; p < venue.prices.size(); ++p) {
            Product product;
            product.id = static_cast<std::uint32_t>(p + 1);
            product.name = "item " + std::to_string(p + 1);
            product.price = venue.prices[p];
            rounds[1].push_back(sign(venue.owner, ProductUpsert{t, product}));
        }
        const Account treasury = Account::of_key(venue.owner.public_key());
        for (std::size_t s = 0; s < venue.staff.size(); ++s) {
            rounds[1].push_back(sign(venue.owner, StaffAdd{t, StaffRole::barista, {},
                                                               accept_staff(venue.staff[s], t, now_s + o.tx_ttl_s, chain)}));
            if (venue.staff_funding[s] > 0)
                rounds[2].push_back(sign(venue.owner, Transfer{t, treasury, Account::of_key(venue.staff[s].public_key()),
                                                               venue.staff_funding[s], "float"}));
        }
    }
    for (std::size_t c = 0; c < o.funded_clients; ++c) {
        if (client_funding_[c] == 0) continue;
        const Venue& venue = venues_[c % o.venues];
        rounds[2].push_back(sign(venue.owner, Transfer{ticker(c % o.venues), Account::of_key(venue.owner.public_key()),
                                                       client_account(c), client_funding_[c], "welcome"}));
    }
    return rounds;
}

SignedTx Workload::sign_one(const Planned& p, std::size_t index, const ChainId& chain, std::uint64_t now_s) const {
    const Venue& venue = venues_[p.venue];
    const std::string t = ticker(p.venue);
    Tx tx;
    tx.nonce = nonce_base_ + index;
    tx.expiry_s = now_s + options_.tx_ttl_s;
    const KeyPair* key = nullptr;
    switch (p.kind) {
        case Kind::transfer:
            key = &venue.staff[p.signer];
            tx.body = Transfer{t, Account::of_key(key->public_key()), client_account(p.client), p.value, ""};
            break;
        case Kind::gift:
            key = &funded_[p.signer];
            tx.body = Transfer{t, Account::of_key(key->public_key()), client_account(p.client), p.value, ""};
            break;
        case Kind::redeem: {
            key = &venue.staff[p.signer];
            const KeyPair& client = funded_[p.client];
            Voucher v;
            v.ticker = t;
            v.product_id = p.value + 1;
            v.price = venue.prices[p.value];
            v.client = Account::of_key(client.public_key());
            v.nonce = nonce_base_ + index;
            v.expiry_s = now_s + options_.tx_ttl_s;
            sign_voucher(v, client, chain);
            tx.body = Redeem{t, std::move(v)};
            break;
        }
        case Kind::purchase: {
            key = &venue.staff[p.signer];
            Purchase purchase;
            purchase.ticker = t;
            purchase.client = ClientRef{ClientRef::Kind::account, client_account(p.client), {}};
            purchase.receipt = receipt(p.value, index);
            purchase.programme_version = 1;
            purchase.pay = 0;
            tx.body = std::move(purchase);
            break;
        }
    }
    tx.signer = key->public_key();
    return sign_tx(tx, *key, chain);
}

SignedSet Workload::sign(const ChainId& chain, std::uint64_t now_s, std::size_t begin, std::size_t end,
                         unsigned threads, const std::function<void(std::size_t)>& progress) const {
    end = std::min(end, plan_.size());
    const std::size_t n = end > begin ? end - begin : 0;
    SignedSet out;
    out.blobs.resize(n);
    out.ids.resize(n);
    out.kinds.resize(n);
    threads = std::max(1u, threads);
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            for (;;) {
                const std::size_t from = next.fetch_add(sign_progress_every);
                if (from >= n) return;
                const std::size_t to = std::min(n, from + sign_progress_every);
                for (std::size_t i = from; i < to; ++i) {
                    const SignedTx stx = sign_one(plan_[begin + i], begin + i, chain, now_s);
                    out.blobs[i] = to_base64url(encode_signed_tx(stx));
                    out.ids[i] = tx_id(stx.tx);
                    out.kinds[i] = plan_[begin + i].kind;
                }
                const std::size_t total_done = done += to - from;
                if (progress) progress(total_done);
            }
        });
    for (auto& th : pool) th.join();
    return out;
}

std::size_t Workload::accounts() const {
    std::size_t n = venues_.size();  // treasuries
    for (const auto& v : venues_)
        for (Amount a : v.staff_funding) n += a > 0;
    for (std::size_t c = 0; c < options_.clients; ++c)
        n += received_[c] || (c < client_funding_.size() && client_funding_[c] > 0);
    return n;
}

}  // namespace kopilka::bench
