// Randomized ledger test against an independent model, from a printed seed.
//
// Thousands of transactions of every kind over five venues — most valid, many
// deliberately not (wrong signer, no funds, bad or foreign signatures, expired,
// over the staff limits, reused or expired vouchers, stale prices, bad
// attestations, resubmissions) — go in blocks of random size while time moves
// on randomly, sometimes past midnight or a whole day. A small model written
// from the product rules (a map of balances, staff, products, bindings and
// used vouchers) predicts the outcome of each transaction; after every block
// the chain must agree with it exactly, every coin must still sum to its
// supply, and a refused transaction must have changed nothing. At the end the
// auditor replays the whole chain and the chain reopens to the same digest.
//
// It also plays the owner and the operator as thieves (issue 13): staff_add
// of a client's key with an acceptance the client never signed, staff_update
// of a key that is not staff, removing a member who holds coins of their own,
// re-binding a claimed phone and spending from it at once. After every block
// it checks the consent invariant (docs/design.md) on the chain's own
// balances, apart from the model: no account's balance fell by more than the
// transactions of that block signed by its controlling key allow, plus the
// allowance rule of staff_remove.
//
// Replay a failure with KOPILKA_SEED=<the printed seed> ./test_random.
#include "support.h"

#include "ledger/codec.h"
#include "ledger/stats/query.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <limits>
#include <iostream>
#include <map>
#include <typeinfo>
#include <set>
#include <tuple>

using namespace kopilka;
using namespace kopilka::test;

namespace {

Profile profile_named(std::string name) {
    Profile p;
    p.name = std::move(name);
    return p;
}

// How much to do: at least this many committed transactions (and some 8,000
// more refused or resubmitted), enough blocks to cross weeks of block time,
// every rule hit often.
constexpr std::size_t committed_min = 10'000;
constexpr std::size_t block_candidates_max = 100;
constexpr std::size_t venue_count = 5;
constexpr std::size_t staff_pool_per_venue = 4;
constexpr std::size_t client_count = 40;
constexpr std::size_t phone_count = 24;
// Short enough that re-binds complete many times in a run's block time.
constexpr std::uint64_t random_rebind_delay_s = 2 * 3600;

std::uint64_t pick_seed() {
    if (const char* s = std::getenv("KOPILKA_SEED"); s && *s) return std::strtoull(s, nullptr, 0);
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
}

// What the model expects of one candidate. The location matters too: a
// transaction committed again is answered with its first location.
struct Expect {
    TxOutcome::Status status = TxOutcome::Status::committed;
    Refusal code{};
    TxLocation location{};
    static Expect ok() { return {}; }
    static Expect again(TxLocation at) { return {TxOutcome::Status::already_committed, {}, at}; }
    static Expect no(Refusal r) { return {TxOutcome::Status::refused, r, {}}; }
    bool operator==(const Expect&) const = default;
};

std::string status_name(TxOutcome::Status s) {
    return s == TxOutcome::Status::committed ? "committed" : s == TxOutcome::Status::already_committed ? "already_committed" : "refused";
}

std::string text(const Expect& e) {
    const std::string at = " at " + std::to_string(e.location.height) + "/" + std::to_string(e.location.index);
    switch (e.status) {
        case TxOutcome::Status::committed: return "committed" + at;
        case TxOutcome::Status::already_committed: return "already_committed" + at;
        case TxOutcome::Status::refused: return "refused(" + std::string(refusal_name(e.code)) + ")";
    }
    return "?";
}

// The rules, written again from the brief, on plain maps. Checks come in the
// order the ledger documents them, so a transaction with one fault gets that
// fault's code; nothing is written unless the transaction commits.
class Model {
public:
    struct Venue {
        PublicKey owner;
        Profile profile;
        std::map<std::uint32_t, Product> products;
        std::map<PublicKey, StaffRecord> staff;
    };

    std::map<std::string, Venue, std::less<>> venues;
    std::map<std::pair<std::string, Account>, Amount> balances;  // only non-zero
    std::map<PhoneRef, Binding> bindings;
    std::map<PhoneRef, PendingRebind> rebinds;
    std::set<Hash256> vouchers_used;  // and staff acceptances: one window
    std::map<Hash256, TxLocation> committed;  // every id ever committed, where
    PublicKey attestor;

    Amount balance(const std::string& ticker, const Account& a) const {
        auto it = balances.find({ticker, a});
        return it == balances.end() ? 0 : it->second;
    }
    bool controls(const PublicKey& k, const Account& a) const {
        if (a.is_key()) return a.key() == k;
        auto it = bindings.find(a.phone());
        return it != bindings.end() && it->second.key == k;
    }
    const Venue* venue(std::string_view t) const {
        auto it = venues.find(t);
        return it == venues.end() ? nullptr : &it->second;
    }
    // `next` is where the transaction lands if it commits.
    Expect apply(const SignedTx& stx, const Hash256& id, bool signatures_ok, std::uint64_t time_ms, TxLocation next) {
        // Committed before, in an earlier block or earlier in this one: the
        // first result again, whatever else is wrong with it now.
        if (auto it = committed.find(id); it != committed.end()) return Expect::again(it->second);
        if (!signatures_ok) return Expect::no(Refusal::bad_signature);
        const std::uint64_t now_s = time_ms / 1000;
        const Tx& tx = stx.tx;
        if (tx.expiry_s < now_s) return Expect::no(Refusal::expired);
        if (tx.expiry_s > now_s + 24 * 3600) return Expect::no(Refusal::expiry_too_far);
        const std::uint32_t day = static_cast<std::uint32_t>(time_ms / ms_per_day);
        std::function<void()> count_it = count(tx, day);  // judged on the model before the rules change it
        Expect e = std::visit([&](const auto& body) { return rule(tx.signer, body, now_s, day); }, tx.body);
        if (e.status == TxOutcome::Status::committed) {
            e.location = next;
            committed.emplace(id, next);
            count_it();
        }
        return e;
    }

    // The venue aggregates, counted again from docs/design.md on plain sets
    // (where the ledger keeps first-seen markers), each committed
    // transaction judged on the model as it was before it.
    struct DayCount {
        Amount issued = 0;
        std::uint64_t issues = 0;
        Amount redeemed = 0;
        std::uint64_t redemptions = 0;
        std::set<Account> fresh, active;
    };
    struct StaffCount {
        Amount given = 0, redeemed = 0;
        std::set<Account> served, served_first;
    };
    struct Counts {
        std::map<std::pair<std::string, std::uint32_t>, DayCount> days;
        std::map<std::tuple<std::string, std::uint32_t, std::uint32_t>, stats::ProductDay> products;
        std::map<std::tuple<std::string, std::uint32_t, PublicKey>, StaffCount> staff;
        std::map<std::pair<std::string, Account>, std::uint32_t> first_seen;
        std::set<std::tuple<std::string, PublicKey, Account>> served_ever;
    } counts;

private:
    enum class Role { treasury, staff, client };
    static Role role(const Venue& v, const Account& a) {
        if (a == Account::of_key(v.owner)) return Role::treasury;
        return a.is_key() && v.staff.contains(a.key()) ? Role::staff : Role::client;
    }
    // What `tx` adds to the counts if it commits.
    std::function<void()> count(const Tx& tx, std::uint32_t day) {
        enum class Kind { receipt, issue, redemption };
        Kind kind = Kind::receipt;
        std::string ticker;
        std::optional<Account> client;
        std::optional<PublicKey> member;
        Amount amount = 0;
        std::uint32_t product = 0;
        if (const auto* t = std::get_if<Transfer>(&tx.body)) {
            const Venue* v = venue(t->ticker);
            if (!v || role(*v, t->to) != Role::client) return [] {};
            ticker = t->ticker;
            client = t->to;
            const Role from = role(*v, t->from);
            if (from != Role::client) {
                kind = Kind::issue;
                amount = t->amount;
                if (from == Role::staff) member = t->from.key();
            }
        } else if (const auto* r = std::get_if<Redeem>(&tx.body)) {
            const Venue* v = venue(r->ticker);
            if (!v) return [] {};
            ticker = r->ticker;
            kind = Kind::redemption;
            amount = r->voucher.price;
            product = r->voucher.product_id;
            if (role(*v, r->voucher.client) == Role::client) client = r->voucher.client;
            if (role(*v, Account::of_key(tx.signer)) == Role::staff) member = tx.signer;
        } else {
            return [] {};
        }
        return [=, this] {
            DayCount& d = counts.days[{ticker, day}];
            if (client) {
                if (counts.first_seen.emplace(std::pair{ticker, *client}, day).second) d.fresh.insert(*client);
                if (kind != Kind::receipt) d.active.insert(*client);
            }
            if (kind == Kind::issue) {
                d.issued += amount;
                ++d.issues;
            }
            if (kind == Kind::redemption) {
                d.redeemed += amount;
                ++d.redemptions;
                stats::ProductDay& p = counts.products[{ticker, day, product}];
                ++p.redemptions;
                p.redeemed += amount;
            }
            if (member) {
                StaffCount& m = counts.staff[{ticker, day, *member}];
                (kind == Kind::issue ? m.given : m.redeemed) += amount;
                if (client) {
                    m.served.insert(*client);
                    if (counts.served_ever.emplace(ticker, *member, *client).second) m.served_first.insert(*client);
                }
            }
        };
    }

    void set(const std::string& ticker, const Account& a, Amount v) {
        if (v == 0)
            balances.erase({ticker, a});
        else
            balances[{ticker, a}] = v;
    }
    // Also the allowance: the treasury's coins sent to a member add to it,
    // anything leaving the member's key account takes from it.
    void move(const std::string& ticker, const Account& from, const Account& to, Amount amount) {
        const Amount f = balance(ticker, from);
        REQUIRE(f >= amount);
        set(ticker, from, f - amount);
        set(ticker, to, balance(ticker, to) + amount);
        Venue& v = venues.at(ticker);
        if (from.is_key())
            if (auto it = v.staff.find(from.key()); it != v.staff.end())
                it->second.allowance -= std::min(it->second.allowance, amount);
        if (to.is_key() && from == Account::of_key(v.owner))
            if (auto it = v.staff.find(to.key()); it != v.staff.end()) it->second.allowance += amount;
    }
    // unknown_ticker, then not_owner; the venue when the signer owns it.
    Venue* owned(const std::string& ticker, const PublicKey& signer, Expect& e) {
        auto it = venues.find(ticker);
        if (it == venues.end()) return e = Expect::no(Refusal::unknown_ticker), nullptr;
        if (it->second.owner != signer) return e = Expect::no(Refusal::not_owner), nullptr;
        return &it->second;
    }

    // The programme kinds are not generated here (tests/programme_chain_test.cpp has them).
    template <class Body>
    Expect rule(const PublicKey&, const Body&, std::uint64_t, std::uint64_t) {
        FAIL("the random test does not generate " << typeid(Body).name());
        return Expect::ok();
    }

    Expect rule(const PublicKey& signer, const VenueCreate& b, std::uint64_t, std::uint64_t) {
        if (venues.contains(b.ticker)) return Expect::no(Refusal::ticker_taken);
        venues[b.ticker] = Venue{signer, b.profile, {}, {}};
        set(b.ticker, Account::of_key(signer), coin_supply_units);
        return Expect::ok();
    }
    Expect rule(const PublicKey& signer, const VenueUpdate& b, std::uint64_t, std::uint64_t) {
        Expect e;
        Venue* v = owned(b.ticker, signer, e);
        if (!v) return e;
        v->profile = b.profile;
        return e;
    }
    Expect rule(const PublicKey& signer, const ProductUpsert& b, std::uint64_t, std::uint64_t) {
        Expect e;
        Venue* v = owned(b.ticker, signer, e);
        if (!v) return e;
        if (!v->products.contains(b.product.id) && v->products.size() >= catalogue_products_max)
            return Expect::no(Refusal::catalogue_full);
        v->products[b.product.id] = b.product;
        return e;
    }
    Expect rule(const PublicKey& signer, const ProductRemove& b, std::uint64_t, std::uint64_t) {
        Expect e;
        Venue* v = owned(b.ticker, signer, e);
        if (!v) return e;
        if (!v->products.erase(b.product_id)) return Expect::no(Refusal::unknown_product);
        return e;
    }
    Expect rule(const PublicKey& signer, const StaffUpdate& b, std::uint64_t, std::uint64_t) {
        Expect e;
        Venue* v = owned(b.ticker, signer, e);
        if (!v) return e;
        auto it = v->staff.find(b.staff);
        if (it == v->staff.end()) return Expect::no(Refusal::unknown_staff);  // never adds
        it->second.role = b.role;
        it->second.limits = b.limits;
        return e;
    }
    Expect rule(const PublicKey& signer, const StaffAdd& b, std::uint64_t now_s, std::uint64_t) {
        Expect e;
        Venue* v = owned(b.ticker, signer, e);
        if (!v) return e;
        const StaffAcceptance& a = b.acceptance;
        if (a.ticker != b.ticker) return Expect::no(Refusal::acceptance_wrong_venue);
        if (a.staff == signer) return Expect::no(Refusal::owner_cannot_be_staff);
        if (a.expiry_s < now_s) return Expect::no(Refusal::acceptance_expired);
        if (a.expiry_s > now_s + 24 * 3600) return Expect::no(Refusal::expiry_too_far);
        const Hash256 aid = staff_acceptance_id(a);
        if (vouchers_used.contains(aid)) return Expect::no(Refusal::acceptance_used);
        if (!v->staff.contains(a.staff) && v->staff.size() >= venue_staff_max) return Expect::no(Refusal::staff_full);
        StaffRecord& s = v->staff[a.staff];  // a new member starts with nothing given and no allowance
        s.role = b.role;
        s.limits = b.limits;
        vouchers_used.insert(aid);
        return e;
    }
    Expect rule(const PublicKey& signer, const StaffRemove& b, std::uint64_t, std::uint64_t) {
        auto vit = venues.find(b.ticker);
        if (vit == venues.end()) return Expect::no(Refusal::unknown_ticker);
        Venue* v = &vit->second;
        if (v->owner != signer && b.staff != signer) return Expect::no(Refusal::not_owner);
        auto it = v->staff.find(b.staff);
        if (it == v->staff.end()) return Expect::no(Refusal::unknown_staff);
        const Account member = Account::of_key(b.staff);
        move(b.ticker, member, Account::of_key(v->owner), std::min(balance(b.ticker, member), it->second.allowance));
        v->staff.erase(b.staff);
        return Expect::ok();
    }
    Expect rule(const PublicKey& signer, const Transfer& b, std::uint64_t, std::uint64_t day) {
        auto it = venues.find(b.ticker);
        if (it == venues.end()) return Expect::no(Refusal::unknown_ticker);
        if (b.amount == 0) return Expect::no(Refusal::zero_amount);
        if (b.from == b.to) return Expect::no(Refusal::self_transfer);
        if (!controls(signer, b.from)) return Expect::no(Refusal::not_account_holder);
        // Staff give from their own key within the owner's limits; handing
        // coins back to the treasury is not giving, and is not limited.
        StaffRecord* s = nullptr;
        if (b.from.is_key() && b.to != Account::of_key(it->second.owner))
            if (auto st = it->second.staff.find(signer); st != it->second.staff.end()) s = &st->second;
        Amount given = 0;
        if (s && s->limits.per_tx && b.amount > *s->limits.per_tx) return Expect::no(Refusal::limit_per_tx);
        // Funds before the daily tally: short of funds is short of funds.
        if (balance(b.ticker, b.from) < b.amount) return Expect::no(Refusal::insufficient_balance);
        if (s) {
            given = s->day == day ? s->given_today : 0;
            if (s->limits.per_day && given + b.amount > *s->limits.per_day) return Expect::no(Refusal::limit_per_day);
        }
        move(b.ticker, b.from, b.to, b.amount);
        if (s) {
            s->day = day;
            s->given_today = given + b.amount;
        }
        return Expect::ok();
    }
    Expect rule(const PublicKey& signer, const PhoneBind& b, std::uint64_t now_s, std::uint64_t) {
        const Attestation& a = b.attestation;
        if (a.attestor != attestor) return Expect::no(Refusal::unknown_attestor);
        if (a.key != signer) return Expect::no(Refusal::attestation_wrong_key);
        if (a.expiry_s < now_s) return Expect::no(Refusal::attestation_expired);
        if (a.expiry_s > now_s + 3600) return Expect::no(Refusal::expiry_too_far);
        auto it = bindings.find(a.phone);
        const std::uint32_t next = it == bindings.end() ? 1 : it->second.sequence + 1;
        if (a.sequence != next) return Expect::no(Refusal::attestation_sequence);
        if (it == bindings.end() || it->second.key == signer) {
            bindings[a.phone] = Binding{signer, a.sequence};
            return Expect::ok();
        }
        if (rebinds.contains(a.phone)) return Expect::no(Refusal::rebind_pending);
        it->second.sequence = a.sequence;  // the old key stays
        rebinds[a.phone] = PendingRebind{signer, now_s + random_rebind_delay_s};
        return Expect::ok();
    }
    Expect rule(const PublicKey& signer, const PhoneRebindCancel& b, std::uint64_t, std::uint64_t) {
        if (!rebinds.contains(b.phone)) return Expect::no(Refusal::no_rebind_pending);
        auto it = bindings.find(b.phone);
        if (it == bindings.end() || it->second.key != signer) return Expect::no(Refusal::not_account_holder);
        rebinds.erase(b.phone);
        return Expect::ok();
    }
    Expect rule(const PublicKey& signer, const PhoneRebindComplete& b, std::uint64_t now_s, std::uint64_t) {
        auto r = rebinds.find(b.phone);
        if (r == rebinds.end()) return Expect::no(Refusal::no_rebind_pending);
        if (r->second.key != signer) return Expect::no(Refusal::not_account_holder);
        if (now_s < r->second.effective_s) return Expect::no(Refusal::rebind_not_due);
        bindings[b.phone].key = signer;
        rebinds.erase(r);
        return Expect::ok();
    }
    Expect rule(const PublicKey& signer, const Redeem& b, std::uint64_t now_s, std::uint64_t) {
        auto it = venues.find(b.ticker);
        if (it == venues.end()) return Expect::no(Refusal::unknown_ticker);
        const Venue& v = it->second;
        if (v.owner != signer && !v.staff.contains(signer)) return Expect::no(Refusal::not_staff);
        const Voucher& q = b.voucher;
        if (q.ticker != b.ticker) return Expect::no(Refusal::voucher_wrong_venue);
        if (q.expiry_s < now_s) return Expect::no(Refusal::voucher_expired);
        if (q.expiry_s > now_s + 24 * 3600) return Expect::no(Refusal::voucher_expiry_too_far);
        const Hash256 qid = voucher_id(q);
        if (vouchers_used.contains(qid)) return Expect::no(Refusal::voucher_used);
        auto p = v.products.find(q.product_id);
        if (p == v.products.end()) return Expect::no(Refusal::unknown_product);
        if (!p->second.active) return Expect::no(Refusal::product_inactive);
        if (p->second.price != q.price) return Expect::no(Refusal::price_changed);
        if (!controls(q.signer, q.client)) return Expect::no(Refusal::voucher_not_client);
        const Account treasury = Account::of_key(v.owner);
        if (q.client == treasury) return Expect::no(Refusal::self_transfer);
        if (balance(b.ticker, q.client) < q.price) return Expect::no(Refusal::insufficient_balance);
        move(b.ticker, q.client, treasury, q.price);
        vouchers_used.insert(qid);
        return Expect::ok();
    }
};

struct Candidate {
    SignedTx stx;
    Hash256 id;
    Expect expect;
    std::string what;  // how the generator meant it, for failure messages
};

class World {
public:
    explicit World(std::uint64_t seed) : rng_(seed), seed_(seed) {
        for (std::uint32_t i = 0; i < venue_count * (1 + staff_pool_per_venue) + client_count; ++i)
            keys_.push_back(test_key(1000 + i));
        for (std::size_t i = 0; i < client_count; ++i) clients_.insert(client(i).public_key());
        for (std::size_t i = 0; i < phone_count; ++i) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "+7900%07zu", i + 1);
            phones_.push_back(phone_ref(buf));
        }
        tickers_ = {"KOFE", "BARBER", "WASH", "PIZZA1", "FLOWERS"};
        model_.attestor = tc_.attestor.public_key();
        now_ms_ = tc_.now_ms;
    }

    const KeyPair& owner(std::size_t v) const { return keys_[v]; }
    const KeyPair& staff(std::size_t v, std::size_t i) const {
        return keys_[venue_count + v * staff_pool_per_venue + i];
    }
    const KeyPair& client(std::size_t i) const { return keys_[venue_count * (1 + staff_pool_per_venue) + i]; }
    const KeyPair& key_of(const PublicKey& k) const {
        for (const auto& kp : keys_)
            if (kp.public_key() == k) return kp;
        FAIL("no test key for a public key");
        return keys_[0];
    }

    void run() {
        setup();
        while (outcomes_["committed"] < committed_min) random_block();
        finish();
    }

private:
    // --- randomness ---
    std::uint64_t uni(std::uint64_t lo, std::uint64_t hi) { return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_); }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[uni(0, v.size() - 1)];
    }

    TxBuilder& t() { return *tc_.tx; }
    std::size_t venue_index() { return uni(0, venue_count - 1); }

    Account random_client_account() {
        if (chance(0.5)) return Account::of_key(client(uni(0, client_count - 1)).public_key());
        return Account::of_phone(pick(phones_));
    }
    // Client-held accounts (client keys and phones) with a balance of `ticker`.
    std::vector<Account> client_holders(const std::string& ticker) const {
        std::vector<Account> out;
        for (auto it = model_.balances.lower_bound({ticker, Account{}});
             it != model_.balances.end() && it->first.first == ticker; ++it) {
            const Account& a = it->first.second;
            if (!a.is_key() || is_client(a.key())) out.push_back(a);
        }
        return out;
    }
    bool is_client(const PublicKey& k) const { return clients_.contains(k); }
    // The key that may spend from an account: its own, or the phone's binding.
    std::optional<PublicKey> controller(const Account& a) const {
        if (a.is_key()) return a.key();
        auto it = model_.bindings.find(a.phone());
        if (it == model_.bindings.end()) return std::nullopt;
        return it->second.key;
    }
    std::vector<PublicKey> current_staff(std::size_t v) const {
        std::vector<PublicKey> out;
        if (const auto* ven = model_.venue(tickers_[v]))
            for (const auto& [k, _] : ven->staff) out.push_back(k);
        return out;
    }
    StaffLimits random_limits() {
        StaffLimits l;
        if (chance(0.6)) l.per_tx = uni(300, 2000);
        if (chance(0.6)) l.per_day = uni(2000, 15000);
        return l;
    }

    // --- candidates ---
    void add(SignedTx stx, std::string what, bool signatures_ok = true) {
        Candidate c{std::move(stx), {}, {}, std::move(what)};
        c.id = tx_id(c.stx.tx);
        c.expect = model_.apply(c.stx, c.id, signatures_ok, now_ms_,
                                TxLocation{chain().height() + 1, block_committed_});
        if (c.expect.status == TxOutcome::Status::committed) ++block_committed_;
        block_.push_back(std::move(c));
        ++submitted_;
    }
    // A transaction object no encoder accepts (as a careless caller could
    // build in memory): it has no id and is refused as malformed.
    void add_malformed(SignedTx stx, std::string what) {
        block_.push_back(Candidate{std::move(stx), {}, Expect::no(Refusal::malformed), std::move(what)});
        ++submitted_;
    }
    // Signed with the builder's clock moved by `shift_s` (negative: in the past).
    template <class F>
    auto at_shifted_time(std::int64_t shift_s, F&& make) {
        t().set_time_ms(static_cast<std::uint64_t>(static_cast<std::int64_t>(now_ms_) + shift_s * 1000));
        auto out = make();
        t().set_time_ms(now_ms_);
        return out;
    }

    void gen_staff_give() {
        const std::size_t v = venue_index();
        auto members = current_staff(v);
        // Now and then a former (or never) staff member tries: no limits, but
        // their balance went back to the treasury.
        const PublicKey giver =
            members.empty() || chance(0.08) ? staff(v, uni(0, staff_pool_per_venue - 1)).public_key() : pick(members);
        Amount amount = chance(0.75) ? uni(1, 900) : chance(0.7) ? uni(900, 3000) : uni(3000, 30000);
        if (chance(0.05)) {
            // Back to the treasury: not giving, so over any limit is fine.
            add(t().transfer(key_of(giver), tickers_[v], Account::of_key(owner(v).public_key()), amount),
                "staff returns coins");
            return;
        }
        add(t().transfer(key_of(giver), tickers_[v], random_client_account(), amount, chance(0.3) ? "bonus" : ""),
            "staff gives");
    }
    void gen_owner_fund() {
        const std::size_t v = venue_index();
        auto members = current_staff(v);
        Account to = members.empty() || chance(0.15) ? random_client_account() : Account::of_key(pick(members));
        add(t().transfer(owner(v), tickers_[v], to, uni(5'000, 80'000), "allowance"), "owner funds");
    }
    void gen_client_gift() {
        const std::size_t v = venue_index();
        const std::string& ticker = tickers_[v];
        auto holders = client_holders(ticker);
        if (holders.empty()) return gen_staff_give();
        const Account from = pick(holders);
        auto signer = controller(from);
        if (!signer || chance(0.04)) {
            // Not the holder: a stranger, or anyone at all for an unclaimed phone.
            const KeyPair& thief = client(uni(0, client_count - 1));
            add(t().transfer_from(thief, ticker, from, random_client_account(), 1), "spend what is not yours");
            return;
        }
        const Amount has = model_.balance(ticker, from);
        const Amount amount = chance(0.85) ? uni(1, has) : has + uni(1, 500);  // sometimes more than it holds
        add(t().transfer_from(key_of(*signer), ticker, from, random_client_account(), amount), "client gives");
    }
    // A voucher from a client for a product, priced as the model knows it (or stale).
    std::optional<Voucher> make_voucher(std::size_t v, std::optional<std::uint64_t> ttl = {}) {
        const auto* ven = model_.venue(tickers_[v]);
        if (!ven || ven->products.empty()) return std::nullopt;
        std::vector<std::uint32_t> ids;
        for (const auto& [id, _] : ven->products) ids.push_back(id);
        std::uint32_t pid = pick(ids);
        if (chance(0.03)) pid = 99;  // not in the catalogue
        Amount price = pid == 99 ? 100 : ven->products.at(pid).price;
        if (chance(0.06)) price += uni(1, 50);  // the client's page was stale
        auto holders = client_holders(tickers_[v]);
        Account acc = holders.empty() || chance(0.1) ? random_client_account() : pick(holders);
        auto signer = controller(acc);
        const KeyPair& k =
            !signer || chance(0.04) ? client(uni(0, client_count - 1)) : key_of(*signer);  // sometimes not the holder
        Voucher q = t().voucher(k, tickers_[v], pid, price, acc, ttl.value_or(uni(60, 900)));
        vouchers_.push_back(q);
        return q;
    }
    const KeyPair& redeemer(std::size_t v) {
        auto members = current_staff(v);
        const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (r < 0.7 && !members.empty()) return key_of(pick(members));
        if (r < 0.9) return owner(v);
        return client(uni(0, client_count - 1));  // not staff
    }
    void gen_redeem() {
        const std::size_t v = venue_index();
        auto q = make_voucher(v);
        if (!q) return gen_product();
        // Sometimes scanned at another venue's till.
        const std::size_t at = chance(0.03) ? (v + 1) % venue_count : v;
        add(t().redeem(redeemer(at), tickers_[at], *q), "redeem");
    }
    void gen_reuse_voucher() {
        if (vouchers_.empty()) return gen_redeem();
        // Mostly a recent one (likely redeemed and still live: voucher_used),
        // sometimes an old one (expired).
        const std::size_t n = vouchers_.size();
        const Voucher& q = chance(0.8) ? vouchers_[n - 1 - uni(0, std::min<std::size_t>(n, 30) - 1)] : pick(vouchers_);
        std::size_t v = 0;
        while (tickers_[v] != q.ticker) ++v;
        add(t().redeem(redeemer(v), q.ticker, q), "voucher scanned again");
    }
    void gen_expired_voucher() {
        const std::size_t v = venue_index();
        const bool too_far = chance(0.2);
        auto q = too_far ? make_voucher(v, 24 * 3600 + uni(10, 3600))
                         : at_shifted_time(-static_cast<std::int64_t>(uni(1000, 20'000)), [&] { return make_voucher(v); });
        if (!q) return gen_product();
        add(t().redeem(redeemer(v), tickers_[v], *q), too_far ? "voucher valid too long" : "expired voucher");
    }
    void gen_bind() {
        const PhoneRef phone = pick(phones_);
        auto it = model_.bindings.find(phone);
        const std::uint32_t next = it == model_.bindings.end() ? 1 : it->second.sequence + 1;
        const KeyPair& who = client(uni(0, client_count - 1));
        const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (r < 0.80) {
            add(t().phone_bind(who, t().attest(tc_.attestor, phone, who.public_key(), next)),
                next == 1 ? "bind" : "rebind");
        } else if (r < 0.86) {
            const std::uint32_t seq = chance(0.5) ? next + 1 : next - 1;  // an old code, or one from the future
            add(t().phone_bind(who, t().attest(tc_.attestor, phone, who.public_key(), seq)), "bind, wrong sequence");
        } else if (r < 0.90) {
            const KeyPair fake = test_key(77);  // not a genesis attestor
            add(t().phone_bind(who, t().attest(fake, phone, who.public_key(), next)), "bind, unknown attestor");
        } else if (r < 0.94) {
            const KeyPair& other = client(uni(0, client_count - 1));
            add(t().phone_bind(who, t().attest(tc_.attestor, phone, other.public_key(), next)),
                "bind, attestation for another key");
        } else {
            auto a = at_shifted_time(-4000, [&] { return t().attest(tc_.attestor, phone, who.public_key(), next); });
            add(t().phone_bind(who, a), "bind, attestation expired");
        }
    }
    void gen_product() {
        const std::size_t v = venue_index();
        const KeyPair& signer = chance(0.06) ? staff(v, 0) : owner(v);  // staff may not edit the catalogue
        const std::uint32_t id = static_cast<std::uint32_t>(uni(1, 8));
        if (chance(0.25)) {
            add(t().product_remove(signer, tickers_[v], id), "product removed");
        } else {
            add(t().product(signer, tickers_[v], id, "item " + std::to_string(id), uni(50, 1500), chance(0.85)),
                "product upserted");
        }
    }
    void gen_staff_change() {
        const std::size_t v = venue_index();
        const KeyPair& who = staff(v, uni(0, staff_pool_per_venue - 1));
        const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (r < 0.25) {
            const StaffAcceptance a = t().accept(who, tickers_[v]);
            acceptances_.push_back(a);
            add(t().sign(owner(v), StaffAdd{tickers_[v], StaffRole::barista, random_limits(), a}), "staff added");
        } else if (r < 0.40) {
            add(t().staff_update(owner(v), tickers_[v], who.public_key(), random_limits()), "staff changed");
        } else if (r < 0.65) {
            add(t().staff_remove(owner(v), tickers_[v], who.public_key()), "staff removed");
        } else if (r < 0.70) {
            add(t().staff_remove(who, tickers_[v], who.public_key()), "staff leaves");
        } else if (r < 0.75) {
            // A client agrees to work the till: their own coins must survive
            // their removal, only the venue's allowance goes back.
            const KeyPair& c = client(uni(0, client_count - 1));
            const StaffAcceptance a = t().accept(c, tickers_[v]);
            acceptances_.push_back(a);
            add(t().sign(owner(v), StaffAdd{tickers_[v], StaffRole::cashier, {}, a}), "client joins the staff");
        } else if (r < 0.80) {
            // Removing whoever is staff, client or not: only the allowance returns.
            auto members = current_staff(v);
            if (members.empty()) return gen_staff_give();
            add(t().staff_remove(owner(v), tickers_[v], pick(members)), "staff removed, own coins stay");
        } else if (r < 0.84) {
            add(t().staff_add(staff(v, 0), tickers_[v], who, {}), "staff adds staff");
        } else if (r < 0.86) {
            add(t().staff_add(owner(v), tickers_[v], owner(v), {}), "owner as staff");
        } else if (r < 0.91) {
            // Seizure, the old way: make a client's key staff without asking.
            // The acceptance is signed by the owner, not by the client.
            const KeyPair& c = client(uni(0, client_count - 1));
            StaffAcceptance forged{tickers_[v], c.public_key(), t().now_s() + 600, {}};
            forged.signature =
                owner(v).sign(Domain::staff_accept, t().chain(), encode_staff_acceptance_unsigned(forged));
            add(t().sign(owner(v), StaffAdd{tickers_[v], StaffRole::cashier, StaffLimits{0, 0}, forged}),
                "seize: staff_add without the client's consent", false);
        } else if (r < 0.93) {
            const KeyPair& c = client(uni(0, client_count - 1));
            add(t().staff_update(owner(v), tickers_[v], c.public_key(), StaffLimits{0, 0}),
                "seize: staff_update of a client's key");
        } else if (!acceptances_.empty()) {
            // An acceptance used before (mostly the latest, likely still
            // live: acceptance_used), or for another venue.
            const StaffAcceptance& a = chance(0.8) ? acceptances_.back() : pick(acceptances_);
            std::size_t at = 0;
            while (tickers_[at] != a.ticker) ++at;
            if (chance(0.35)) at = (at + 1) % venue_count;
            add(t().sign(owner(at), StaffAdd{tickers_[at], StaffRole::cashier, {}, a}), "acceptance again");
        } else {
            add(t().staff_add(owner(v), tickers_[v], owner(v), {}), "owner as staff");
        }
    }
    void gen_rebind_action() {
        if (model_.rebinds.empty() || chance(0.1)) {
            const PhoneRef phone = pick(phones_);
            const KeyPair& who = client(uni(0, client_count - 1));
            return add(chance(0.5) ? t().rebind_cancel(who, phone) : t().rebind_complete(who, phone),
                       "rebind action, nothing pending");
        }
        auto it = model_.rebinds.begin();
        std::advance(it, uni(0, model_.rebinds.size() - 1));
        const PhoneRef phone = it->first;
        const KeyPair& newcomer = key_of(it->second.key);
        const Account account = Account::of_phone(phone);
        const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (r < 0.25) {
            add(t().rebind_cancel(key_of(model_.bindings.at(phone).key), phone), "bound key cancels the rebind");
        } else if (r < 0.35) {
            add(t().rebind_cancel(newcomer, phone), "newcomer cancels");
        } else if (r < 0.75) {
            add(t().rebind_complete(newcomer, phone), "rebind completed");
        } else if (r < 0.80) {
            add(t().rebind_complete(client(uni(0, client_count - 1)), phone), "stranger completes");
        } else {
            // The operator's move: bind a new key and drain the phone at once.
            const std::string& ticker = pick(tickers_);
            const Amount has = model_.balance(ticker, account);
            add(t().transfer_from(newcomer, ticker, account, Account::of_key(newcomer.public_key()),
                                  has > 0 ? has : 1),
                "seize: spend a phone whose rebind is pending");
        }
    }
    void gen_invalid() {
        const std::size_t v = venue_index();
        const std::string& ticker = tickers_[v];
        const KeyPair& c = client(uni(0, client_count - 1));
        const Account to = random_client_account();
        switch (uni(0, 12)) {
            case 0: {  // one flipped bit in the transaction's signature
                SignedTx s = t().transfer(owner(v), ticker, to, 10);
                s.signature.bytes[uni(0, signature_bytes - 1)] ^= static_cast<std::uint8_t>(1u << uni(0, 7));
                return add(s, "flipped signature bit", false);
            }
            case 1: {  // signed by someone else over the right bytes
                SignedTx s = t().transfer(owner(v), ticker, to, 10);
                s.signature = c.sign(Domain::transaction, t().chain(), encode_tx(s.tx));
                return add(s, "signed by the wrong key", false);
            }
            case 2: {  // a valid signature for another chain
                SignedTx s = t().transfer(owner(v), ticker, to, 10);
                ChainId other = t().chain();
                other[0] ^= 0x5A;
                s.signature = owner(v).sign(Domain::transaction, other, encode_tx(s.tx));
                return add(s, "signed for another chain", false);
            }
            case 3: {  // the voucher's signature is bad; the transaction's is fine
                auto q = make_voucher(v);
                if (!q) return gen_product();
                q->signature.bytes[0] ^= 0x01;
                return add(t().redeem(owner(v), ticker, *q), "forged voucher", false);
            }
            case 4: {  // the attestation's signature is bad
                Attestation a = t().attest(tc_.attestor, pick(phones_), c.public_key(), 1);
                a.signature.bytes[5] ^= 0x10;
                return add(t().phone_bind(c, a), "forged attestation", false);
            }
            case 5:
                return add(at_shifted_time(-static_cast<std::int64_t>(uni(3601, 50'000)),
                                           [&] { return t().transfer(owner(v), ticker, to, 10); }),
                           "expired transaction");
            case 6:
                return add(at_shifted_time(static_cast<std::int64_t>(uni(23 * 3600 + 1, 30 * 3600)),
                                           [&] { return t().transfer(owner(v), ticker, to, 10); }),
                           "expiry too far ahead");
            case 7: return add(t().transfer(owner(v), ticker, to, 0), "zero amount");
            case 8:
                return add(t().transfer(owner(v), ticker, Account::of_key(owner(v).public_key()), 5), "to itself");
            case 9: return add(t().transfer(owner(v), "NOSUCH", to, 5), "unknown coin");
            case 10: return add(t().venue_create(c, ticker), "ticker taken");
            case 11: {  // a memo longer than any encoder writes
                SignedTx s = t().transfer(owner(v), ticker, to, 10);
                std::get<Transfer>(s.tx.body).memo = std::string(memo_bytes_max + 1, 'x');
                return add_malformed(s, "memo too long");
            }
            default: return add(t().sign(c, VenueUpdate{ticker, profile_named("Hijacked")}), "not the owner");
        }
    }
    void gen_resubmit() {
        if (!block_.empty() && chance(0.5)) {
            // The same blob twice in one block: it commits once, and the copy
            // gets the first one's result.
            Candidate c = block_[uni(0, block_.size() - 1)];
            if (c.expect.code == Refusal::malformed) return add_malformed(c.stx, "again: " + c.what);
            return add(c.stx, "again in the same block: " + c.what,
                       c.expect.status != TxOutcome::Status::refused || c.expect.code != Refusal::bad_signature);
        }
        if (committed_.empty()) return gen_staff_give();
        add(pick(committed_), "resubmitted after commit");
    }
    void gen_venue_update() {
        const std::size_t v = venue_index();
        Profile p;
        p.name = "Venue " + std::to_string(uni(1, 1000));
        p.hours = "Mo-Fr 09:00-21:00";
        if (chance(0.5)) p.geo = Geo{static_cast<std::int32_t>(uni(0, 900'000'000)), 0};
        add(t().sign(owner(v), VenueUpdate{tickers_[v], p}), "profile updated");
    }

    void random_tx() {
        const auto r = uni(0, 999);
        if (r < 300) return gen_staff_give();
        if (r < 370) return gen_owner_fund();
        if (r < 530) return gen_client_gift();
        if (r < 660) return gen_redeem();
        if (r < 700) return gen_reuse_voucher();
        if (r < 720) return gen_expired_voucher();
        if (r < 780) return gen_bind();
        if (r < 810) return gen_product();
        if (r < 840) return gen_staff_change();
        if (r < 860) return gen_rebind_action();
        if (r < 950) return gen_invalid();
        if (r < 990) return gen_resubmit();
        return gen_venue_update();
    }

    // --- blocks ---
    void setup() {
        for (std::size_t v = 0; v < venue_count; ++v) add(t().venue_create(owner(v), tickers_[v]), "venue");
        commit_block();
        for (std::size_t v = 0; v < venue_count; ++v)
            for (std::uint32_t id = 1; id <= 4; ++id)
                add(t().product(owner(v), tickers_[v], id, "item " + std::to_string(id), 100 * id), "catalogue");
        commit_block();
        for (std::size_t v = 0; v < venue_count; ++v)
            for (std::size_t i = 0; i < 3; ++i)
                add(t().staff_add(owner(v), tickers_[v], staff(v, i), random_limits()), "staff");
        commit_block();
        for (std::size_t v = 0; v < venue_count; ++v)
            for (std::size_t i = 0; i < 3; ++i)
                add(t().transfer(owner(v), tickers_[v], Account::of_key(staff(v, i).public_key()), 50'000), "fund");
        commit_block();
    }

    void random_block() {
        const std::size_t n = chance(0.1) ? 1 : uni(1, block_candidates_max);
        for (std::size_t i = 0; i < n; ++i) random_tx();
        commit_block();
    }

    void advance_time() {
        const auto r = uni(0, 99);
        std::uint64_t s;
        if (r < 80)
            s = uni(1, 120);
        else if (r < 96)
            s = uni(120, 3 * 3600);
        else
            s = uni(24 * 3600, 40 * 3600);  // a quiet day: limits and vouchers roll over
        now_ms_ += s * 1000 + uni(0, 999);
        t().set_time_ms(now_ms_);
    }

    void commit_block() {
        Chain& chain = *tc_.chain;
        const std::uint64_t height = chain.height();
        const Hash256 digest = chain.state().digest();
        const Hash256 tip = chain.tip_hash();
        std::vector<SignedTx> stxs;
        for (const auto& c : block_) stxs.push_back(c.stx);
        const ChainView before = view(chain.state());
        auto produced = chain.produce_block(stxs, now_ms_, tc_.producer);
        INFO("seed " << seed_ << ", block " << height + 1);
        REQUIRE(produced);
        REQUIRE(produced->outcomes.size() == block_.size());

        std::vector<Hash256> committed_ids;
        for (std::size_t i = 0; i < block_.size(); ++i) {
            const Candidate& c = block_[i];
            const TxOutcome& o = produced->outcomes[i];
            Expect got{o.status, o.refusal ? o.refusal->code : Refusal{},
                       o.status == TxOutcome::Status::refused ? TxLocation{} : o.location};
            if (got != c.expect) {
                FAIL("seed " << seed_ << ", block " << height + 1 << ", candidate " << i << " (" << c.what << ", "
                             << kind_name(c.stx.tx.kind()) << "): the model expects " << text(c.expect)
                             << ", the chain says " << text(got) << (o.refusal ? ": " + o.refusal->message : ""));
            }
            CHECK(o.id == c.id);
            ++outcomes_[got.status == TxOutcome::Status::refused ? text(got) : status_name(got.status)];
            if (o.status == TxOutcome::Status::committed) {
                committed_ids.push_back(c.id);
                committed_.push_back(c.stx);
                ++kinds_committed_[std::string(kind_name(c.stx.tx.kind()))];
                if (const auto* b = std::get_if<PhoneBind>(&c.stx.tx.body); b && b->attestation.sequence > 1)
                    ++rebinds_;
            } else if (o.status == TxOutcome::Status::refused && c.expect.code != Refusal::malformed &&
                       !model_.committed.contains(c.id)) {
                CHECK_FALSE(chain.find_tx(c.id));  // a refused transaction is stored nowhere
            }
        }
        std::vector<const SignedTx*> committed_txs;
        for (std::size_t i = 0; i < block_.size(); ++i)
            if (produced->outcomes[i].status == TxOutcome::Status::committed) committed_txs.push_back(&block_[i].stx);
        check_consent(before, view(chain.state()), committed_txs);
        block_.clear();
        block_committed_ = 0;

        if (committed_ids.empty()) {
            // Nothing applied: no block, and the state is exactly as it was.
            CHECK_FALSE(produced->block);
            CHECK(chain.height() == height);
            CHECK(chain.state().digest() == digest);
        } else {
            REQUIRE(produced->block);
            CHECK(chain.height() == height + 1);
            CHECK(produced->block->tx_ids == committed_ids);
            CHECK(produced->block->header.prev == tip);
            CHECK(produced->block->header.time_ms == now_ms_);
            CHECK(chain.tip_hash() == block_hash(produced->block->header));
            CHECK(produced->block->header.state_digest == chain.state().digest());
            ++blocks_;
        }
        check_against_model();
        advance_time();
    }

    // The chain's balances, phone bindings and staff allowances: what the
    // consent check compares across a block, read from the chain itself.
    struct ChainView {
        std::map<std::pair<std::string, Account>, Amount> balances;
        std::map<PhoneRef, PublicKey> bound;
        std::map<std::pair<std::string, PublicKey>, Amount> allowances;
        std::map<std::string, PublicKey> owners;
    };
    ChainView view(const State& st) const {
        ChainView v;
        for (const std::string& t : st.tickers()) {
            for (const auto& [a, amount] : st.holders(t)) v.balances[{t, a}] = amount;
            for (const auto& [k, rec] : st.staff_list(t)) v.allowances[{t, k}] = rec.allowance;
            v.owners[t] = st.venue(t)->owner;
        }
        for (const PhoneRef& p : phones_)
            if (const Binding* b = st.binding(p)) v.bound[p] = b->key;
        return v;
    }

    // The invariant of docs/design.md, checked on the chain and not on the
    // model: a balance falls only through transactions signed by the key that
    // controls the account (its own key; for a phone, the key bound to it
    // before or after the block), or through a staff_remove by the owner,
    // which may take at most the member's allowance (as it stood before the
    // block, plus what the treasury sent the member during it). A member who
    // signs their own removal consents to it.
    void check_consent(const ChainView& before, const ChainView& after, const std::vector<const SignedTx*>& txs) {
        auto controls = [&](const PublicKey& k, const Account& a) {
            if (a.is_key()) return a.key() == k;
            auto b = before.bound.find(a.phone());
            auto e = after.bound.find(a.phone());
            return (b != before.bound.end() && b->second == k) || (e != after.bound.end() && e->second == k);
        };
        using Key = std::pair<std::string, Account>;
        std::map<Key, Amount> may_leave;
        std::set<Key> consented;
        std::map<Key, Amount> from_treasury;
        auto add_to = [](std::map<Key, Amount>& m, const Key& k, Amount a) {
            Amount& x = m[k];
            x = x > std::numeric_limits<Amount>::max() - a ? std::numeric_limits<Amount>::max() : x + a;
        };
        for (const SignedTx* stx : txs)
            if (const auto* t = std::get_if<Transfer>(&stx->tx.body); t && before.owners.contains(t->ticker) &&
                                                                      t->from == Account::of_key(before.owners.at(t->ticker)))
                add_to(from_treasury, {t->ticker, t->to}, t->amount);
        for (const SignedTx* stx : txs) {
            const PublicKey& signer = stx->tx.signer;
            if (const auto* t = std::get_if<Transfer>(&stx->tx.body); t && controls(signer, t->from))
                add_to(may_leave, {t->ticker, t->from}, t->amount);
            if (const auto* r = std::get_if<Redeem>(&stx->tx.body); r && controls(r->voucher.signer, r->voucher.client))
                add_to(may_leave, {r->ticker, r->voucher.client}, r->voucher.price);
            if (const auto* r = std::get_if<StaffRemove>(&stx->tx.body)) {
                const Key member{r->ticker, Account::of_key(r->staff)};
                if (signer == r->staff) {
                    consented.insert(member);
                } else {
                    auto al = before.allowances.find({r->ticker, r->staff});
                    add_to(may_leave, member, al == before.allowances.end() ? 0 : al->second);
                    if (auto f = from_treasury.find(member); f != from_treasury.end())
                        add_to(may_leave, member, f->second);
                }
            }
        }
        for (const auto& [key, was] : before.balances) {
            auto now = after.balances.find(key);
            const Amount is = now == after.balances.end() ? 0 : now->second;
            if (is >= was || consented.contains(key)) continue;
            auto allowed = may_leave.find(key);
            INFO("seed " << seed_ << ", height " << chain().height() << ": " << account_text(key.second) << " lost "
                         << format_amount(was - is) << " " << key.first << " without its key's signature");
            REQUIRE(allowed != may_leave.end());
            REQUIRE(was - is <= allowed->second);
        }
    }

    void check_against_model() {
        const State& st = chain().state();
        auto totals = st.coin_totals();
        REQUIRE(totals);
        REQUIRE(totals->size() == model_.venues.size());
        for (const auto& [ticker, ven] : model_.venues) {
            INFO("seed " << seed_ << ", height " << chain().height() << ", coin " << ticker);
            REQUIRE(totals->at(ticker) == coin_supply_units);
            std::vector<std::pair<Account, Amount>> expected;
            Amount sum = 0;
            for (auto it = model_.balances.lower_bound({ticker, Account{}});
                 it != model_.balances.end() && it->first.first == ticker; ++it) {
                expected.emplace_back(it->first.second, it->second);
                sum += it->second;
            }
            REQUIRE(sum == coin_supply_units);
            REQUIRE(st.holders(ticker) == expected);

            const VenueRecord* rec = st.venue(ticker);
            REQUIRE(rec);
            REQUIRE(rec->owner == ven.owner);
            REQUIRE(rec->profile == ven.profile);
            std::vector<Product> products;
            for (const auto& [_, p] : ven.products) products.push_back(p);
            REQUIRE(st.products(ticker) == products);
            std::vector<std::pair<PublicKey, StaffRecord>> staff(ven.staff.begin(), ven.staff.end());
            REQUIRE(st.staff_list(ticker) == staff);
        }
        for (const PhoneRef& p : phones_) {
            const Binding* b = st.binding(p);
            auto it = model_.bindings.find(p);
            REQUIRE(bool(b) == (it != model_.bindings.end()));
            if (b) REQUIRE(*b == it->second);
            const PendingRebind* r = st.pending_rebind(p);
            auto rt = model_.rebinds.find(p);
            REQUIRE(bool(r) == (rt != model_.rebinds.end()));
            if (r) REQUIRE(*r == rt->second);
        }
    }

    void finish() {
        Chain& c = chain();
        std::cout << "random_test: seed " << seed_ << ": " << submitted_ << " candidates, " << blocks_ << " blocks, "
                  << c.height() << " height, " << (now_ms_ - test_epoch_ms) / ms_per_day << " days\n  outcomes:";
        for (const auto& [k, n] : outcomes_) std::cout << " " << k << "=" << n;
        std::cout << "\n  committed:";
        for (const auto& [k, n] : kinds_committed_) std::cout << " " << k << "=" << n;
        std::cout << "\n";

        INFO("seed " << seed_);
        // The mix really happened (a generator that silently degenerated,
        // say every redeem refused, would make the test prove little).
        CHECK(outcomes_["committed"] >= committed_min);
        CHECK(submitted_ >= committed_min * 3 / 2);
        for (const char* k : {"venue_create", "venue_update", "product_upsert", "product_remove", "staff_update",
                              "staff_add", "staff_remove", "transfer", "phone_bind", "redeem", "phone_rebind_cancel",
                              "phone_rebind_complete"})
            CHECK(kinds_committed_[k] > 0);
        CHECK(rebinds_ > 0);
        for (const char* k : {"already_committed", "refused(bad_signature)", "refused(expired)",
                              "refused(expiry_too_far)", "refused(malformed)", "refused(not_owner)",
                              "refused(not_staff)", "refused(not_account_holder)", "refused(insufficient_balance)",
                              "refused(limit_per_tx)", "refused(limit_per_day)", "refused(voucher_used)",
                              "refused(voucher_expired)", "refused(voucher_expiry_too_far)",
                              "refused(price_changed)", "refused(attestation_sequence)",
                              "refused(unknown_attestor)", "refused(attestation_expired)",
                              "refused(attestation_wrong_key)", "refused(unknown_staff)",
                              "refused(acceptance_used)", "refused(acceptance_wrong_venue)",
                              "refused(rebind_pending)", "refused(no_rebind_pending)", "refused(rebind_not_due)"}) {
            INFO(k);
            CHECK(outcomes_[k] > 0);
        }
        CHECK(c.tip().time_ms - test_epoch_ms > 2 * ms_per_day);

        // The auditor, from the genesis on an empty state, reproduces every
        // block's digest and ends on the chain's.
        const Hash256 digest = c.state().digest();
        const Hash256 tip = c.tip_hash();
        auto report = audit_dir(tc_.dir.path() / "data");
        INFO(report.reason);
        REQUIRE(report.ok);
        CHECK(report.blocks_checked == c.height());
        CHECK(report.txs_checked == static_cast<std::uint64_t>(outcomes_["committed"]));
        CHECK(report.state_digest == digest);
        for (const auto& [ticker, sum] : report.supplies) CHECK(sum == coin_supply_units);
        CHECK(report.supplies.size() == venue_count);

        CHECK(report.stats_checked);

        tc_.reopen();
        CHECK(tc_.chain->state().digest() == digest);
        CHECK(tc_.chain->tip_hash() == tip);
        check_against_model();
        check_aggregates();
    }

    // Every venue's aggregates, as the ledger reads them back (per day and
    // per week rows, and each day's staff and products), against the
    // model's count.
    void check_aggregates() {
        const std::uint32_t first = stats::day_of_ms(test_epoch_ms);
        const std::uint32_t last = stats::day_of_ms(chain().tip().time_ms);
        std::uint64_t issues = 0, returning = 0, staff_days = 0;
        for (const std::string& ticker : tickers_) {
            INFO("seed " << seed_ << ", coin " << ticker);
            auto day_count = [&](std::uint32_t d) {
                auto it = model_.counts.days.find({ticker, d});
                return it == model_.counts.days.end() ? Model::DayCount{} : it->second;
            };
            auto returning_of = [&](const std::set<Account>& active, std::uint32_t start) {
                return static_cast<std::uint64_t>(std::ranges::count_if(
                    active, [&](const Account& a) { return model_.counts.first_seen.at({ticker, a}) < start; }));
            };
            const stats::Summary by_day = stats::summarize(chain().store(), ticker, first, last + 1, stats::Bucket::day);
            REQUIRE(by_day.rows.size() == last + 1 - first);
            for (const stats::Row& r : by_day.rows) {
                INFO("day " << stats::day_text(r.start));
                const Model::DayCount want = day_count(r.start);
                const stats::Row expected{r.start, want.issued, want.issues, want.redeemed, want.redemptions,
                                          want.fresh.size(), want.active.size(), returning_of(want.active, r.start)};
                CHECK(r == expected);
                issues += r.issues;
                returning += r.returning_clients;

                const stats::Summary one = stats::summarize(chain().store(), ticker, r.start, r.start + 1, std::nullopt);
                std::map<PublicKey, stats::StaffDay> staff;
                for (const auto& [key, m] : model_.counts.staff)
                    if (std::get<0>(key) == ticker && std::get<1>(key) == r.start)
                        staff[std::get<2>(key)] = stats::StaffDay{m.given, m.redeemed, m.served_first.size(), m.served.size()};
                CHECK(one.staff == staff);
                staff_days += staff.size();
                std::map<std::uint32_t, stats::ProductDay> products;
                for (const auto& [key, p] : model_.counts.products)
                    if (std::get<0>(key) == ticker && std::get<1>(key) == r.start) products[std::get<2>(key)] = p;
                CHECK(one.products == products);
            }
            const std::uint32_t week0 = stats::week_start(first);
            const std::uint32_t weeks_end = stats::week_start(last) + 7;
            const stats::Summary by_week = stats::summarize(chain().store(), ticker, week0, weeks_end, stats::Bucket::week);
            for (const stats::Row& r : by_week.rows) {
                INFO("week of " << stats::day_text(r.start));
                stats::Row want{r.start, 0, 0, 0, 0, 0, 0, 0};
                std::set<Account> active;
                for (std::uint32_t d = r.start; d < r.start + 7; ++d) {
                    const Model::DayCount c = day_count(d);
                    want.issued += c.issued;
                    want.issues += c.issues;
                    want.redeemed += c.redeemed;
                    want.redemptions += c.redemptions;
                    want.new_clients += c.fresh.size();
                    active.insert(c.active.begin(), c.active.end());
                }
                want.active_clients = active.size();
                want.returning_clients = returning_of(active, r.start);
                CHECK(r == want);
            }
        }
        // The count saw the whole mix: issues, returning clients, staff at work.
        CHECK(issues > 1000);
        CHECK(returning > 100);
        CHECK(staff_days > 20);
    }

    Chain& chain() { return *tc_.chain; }

    std::mt19937_64 rng_;
    std::uint64_t seed_;
    TestChain tc_{random_rebind_delay_s};
    Model model_;
    std::vector<StaffAcceptance> acceptances_;
    std::vector<KeyPair> keys_;
    std::set<PublicKey> clients_;
    std::vector<PhoneRef> phones_;
    std::vector<std::string> tickers_;
    std::uint64_t now_ms_ = 0;
    std::vector<Candidate> block_;
    std::vector<SignedTx> committed_;
    std::vector<Voucher> vouchers_;
    std::size_t submitted_ = 0;
    std::uint32_t block_committed_ = 0;  // candidates of this block the model expects to commit
    std::size_t blocks_ = 0;
    std::size_t rebinds_ = 0;
    std::map<std::string, std::size_t> outcomes_;
    std::map<std::string, std::size_t> kinds_committed_;
};

}  // namespace

TEST_CASE("random transactions over many blocks agree with an independent model, and the audit replays them",
          "[random]") {
    const std::uint64_t seed = pick_seed();
    // Printed first, so even a crash names the seed to replay.
    std::cout << "random_test: KOPILKA_SEED=" << seed << std::endl;
    INFO("KOPILKA_SEED=" << seed);
    World w(seed);
    w.run();
}
