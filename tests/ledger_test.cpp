// The ledger's rules (ledger/apply.cpp), driven through a real Chain on RocksDB
// the way the node's block producer drives it. Each rule of SPEC.md "Ledger
// model" is its own TEST_CASE or SECTION and asserts exact balances and the
// outcome status or refusal code, so a rule that stops holding fails here by
// name. Hostile values (extremes, forged signatures) live in hostile_test.cpp.
#include "support.h"

#include "crypto/bytes.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace kopilka;
using namespace kopilka::test;

namespace {

const std::string coin = "VOLODYA";
// The worked example's catalogue: coffee 1.00, donut 2.00, cheesecake 3.00.
constexpr std::uint32_t coffee = 1;
constexpr std::uint32_t donut = 2;
constexpr std::uint32_t cheesecake = 3;
constexpr Amount coffee_price = 100;
constexpr Amount donut_price = 200;
constexpr Amount cheesecake_price = 300;
// Each barista's allowance from the owner: 500.00.
constexpr Amount allowance = 50'000;
// What the worked example's barista sends a client: 3.00.
constexpr Amount bonus = 300;

Account acct(const KeyPair& k) { return Account::of_key(k.public_key()); }

// The outcome in words, so a failed assertion says what the ledger said.
std::string describe(const TxOutcome& o) {
    switch (o.status) {
        case TxOutcome::Status::committed:
            return "committed at " + std::to_string(o.location.height) + "/" + std::to_string(o.location.index);
        case TxOutcome::Status::already_committed:
            return "already committed at " + std::to_string(o.location.height) + "/" +
                   std::to_string(o.location.index);
        case TxOutcome::Status::refused:
            if (!o.refusal) return "refused without a reason";
            return "refused (" + std::string(refusal_name(o.refusal->code)) + "): " + o.refusal->message;
    }
    return "unknown status";
}

void require_committed(const TxOutcome& o) {
    INFO(describe(o));
    REQUIRE(o.status == TxOutcome::Status::committed);
}

void require_refused(const TxOutcome& o, Refusal want) {
    INFO(describe(o));
    REQUIRE(o.status == TxOutcome::Status::refused);
    REQUIRE(o.refusal.has_value());
    // Compared by name so a mismatch prints both codes readably.
    CHECK(std::string(refusal_name(o.refusal->code)) == std::string(refusal_name(want)));
}

// Every coin's balances must sum to its supply after every block (SPEC.md).
void check_supply(const State& s) {
    auto totals = s.coin_totals();
    REQUIRE(totals.has_value());
    for (const auto& [ticker, sum] : *totals) {
        INFO("coin " << ticker);
        CHECK(sum == coin_supply_units);
    }
}

// The worked example after its first three steps: cafe "U Volodi" with coin
// VOLODYA, the catalogue, and two baristas holding 500.00 each. Every committed
// transaction's id is kept in `log`, in commit order, for the history tests.
struct Cafe {
    TestChain c;
    KeyPair owner = test_key(10);
    KeyPair masha = test_key(11);  // barista, no limits
    KeyPair petya = test_key(12);  // barista, no limits
    KeyPair client = test_key(13);
    KeyPair pal = test_key(14);  // the client's friend
    KeyPair stranger = test_key(15);
    Account treasury = acct(owner);
    std::vector<Hash256> log;

    Cafe() {
        ok(c.tx->venue_create(owner, coin));
        ok_all({c.tx->product(owner, coin, coffee, "coffee", coffee_price),
                c.tx->product(owner, coin, donut, "donut", donut_price),
                c.tx->product(owner, coin, cheesecake, "cheesecake", cheesecake_price)});
        ok_all({c.tx->staff_add(owner, coin, masha), c.tx->staff_add(owner, coin, petya),
                c.tx->transfer(owner, coin, acct(masha), allowance),
                c.tx->transfer(owner, coin, acct(petya), allowance)});
    }

    const State& state() const { return c.chain->state(); }
    Amount bal(const Account& a) const { return state().balance(coin, a); }
    Amount bal(const KeyPair& k) const { return bal(acct(k)); }
    TxBuilder& tx() { return *c.tx; }

    TxOutcome ok(const SignedTx& stx) {
        TxOutcome o = c.commit1(stx);
        require_committed(o);
        log.push_back(o.id);
        return o;
    }
    void ok_all(std::vector<SignedTx> txs) {
        Produced p = c.commit(std::move(txs));
        for (const auto& o : p.outcomes) {
            require_committed(o);
            log.push_back(o.id);
        }
    }
    // A refused transaction must leave no trace: no block, the same state.
    TxOutcome no(const SignedTx& stx, Refusal want) {
        const Hash256 digest = state().digest();
        const std::uint64_t height = c.chain->height();
        TxOutcome o = c.commit1(stx);
        require_refused(o, want);
        CHECK(state().digest() == digest);
        CHECK(c.chain->height() == height);
        return o;
    }
    SignedTx give(const KeyPair& from, const Account& to, Amount amount) {
        return c.tx->transfer(from, coin, to, amount);
    }
};

}  // namespace

// --- venues ---

TEST_CASE("venue create mints exactly the supply to the owner, once per ticker", "[ledger][venue]") {
    TestChain c;
    const KeyPair owner = test_key(10);
    const KeyPair other = test_key(15);
    require_committed(c.commit1(c.tx->venue_create(owner, coin)));
    const State& s = c.chain->state();
    REQUIRE(s.venue(coin) != nullptr);
    CHECK(s.venue(coin)->owner == owner.public_key());
    CHECK(s.balance(coin, acct(owner)) == coin_supply_units);
    // The owner is the only holder: nothing else was minted anywhere.
    CHECK(s.holders(coin).size() == 1);
    check_supply(s);

    SECTION("the same ticker by another owner is refused") {
        const Hash256 digest = s.digest();
        require_refused(c.commit1(c.tx->venue_create(other, coin, "Copycat")), Refusal::ticker_taken);
        CHECK(c.chain->state().digest() == digest);
        CHECK(c.chain->state().balance(coin, acct(other)) == 0);
        CHECK(c.chain->state().venue(coin)->owner == owner.public_key());
        CHECK(c.chain->state().venue(coin)->profile.name == "U Volodi");
    }
    SECTION("the same ticker by the same owner is refused: no second mint") {
        require_refused(c.commit1(c.tx->venue_create(owner, coin)), Refusal::ticker_taken);
        CHECK(c.chain->state().balance(coin, acct(owner)) == coin_supply_units);
    }
    SECTION("another ticker is another coin with its own supply") {
        require_committed(c.commit1(c.tx->venue_create(other, "BARBER", "Barber")));
        CHECK(c.chain->state().balance("BARBER", acct(other)) == coin_supply_units);
        CHECK(c.chain->state().balance(coin, acct(other)) == 0);
        CHECK(c.chain->state().balance(coin, acct(owner)) == coin_supply_units);
        check_supply(c.chain->state());
    }
}

TEST_CASE("venue update: the owner changes the profile, nobody else may", "[ledger][venue]") {
    Cafe f;
    Profile changed = f.state().venue(coin)->profile;
    changed.name = "U Volodi i Mashi";
    changed.hours = "24/7";
    changed.links.push_back("https://t.me/u_volodi");

    SECTION("by the owner") {
        f.ok(f.tx().sign(f.owner, VenueUpdate{coin, changed}));
        REQUIRE(f.state().venue(coin) != nullptr);
        CHECK(f.state().venue(coin)->profile == changed);
        CHECK(f.state().venue(coin)->owner == f.owner.public_key());
        // A profile change moves no coins.
        CHECK(f.bal(f.treasury) == coin_supply_units - 2 * allowance);
    }
    SECTION("by a staff member") {
        f.no(f.tx().sign(f.masha, VenueUpdate{coin, changed}), Refusal::not_owner);
        CHECK(f.state().venue(coin)->profile.name == "U Volodi");
    }
    SECTION("by a stranger") {
        f.no(f.tx().sign(f.stranger, VenueUpdate{coin, changed}), Refusal::not_owner);
        CHECK(f.state().venue(coin)->profile.name == "U Volodi");
    }
    SECTION("of a venue that does not exist") {
        f.no(f.tx().sign(f.owner, VenueUpdate{"NOSUCH", changed}), Refusal::unknown_ticker);
    }
}

// --- products ---

TEST_CASE("products: upsert, replace and remove", "[ledger][products]") {
    Cafe f;
    REQUIRE(f.state().product_count(coin) == 3);

    SECTION("upsert adds a product") {
        f.ok(f.tx().product(f.owner, coin, 7, "eclair", 250));
        REQUIRE(f.state().product(coin, 7) != nullptr);
        CHECK(f.state().product(coin, 7)->name == "eclair");
        CHECK(f.state().product(coin, 7)->price == 250);
        CHECK(f.state().product(coin, 7)->active);
        CHECK(f.state().product_count(coin) == 4);
    }
    SECTION("upsert of an existing id replaces it") {
        f.ok(f.tx().product(f.owner, coin, coffee, "latte", 150, false));
        REQUIRE(f.state().product(coin, coffee) != nullptr);
        CHECK(f.state().product(coin, coffee)->name == "latte");
        CHECK(f.state().product(coin, coffee)->price == 150);
        CHECK_FALSE(f.state().product(coin, coffee)->active);
        CHECK(f.state().product_count(coin) == 3);
    }
    SECTION("remove takes it out; removing it again is unknown_product") {
        f.ok(f.tx().product_remove(f.owner, coin, donut));
        CHECK(f.state().product(coin, donut) == nullptr);
        CHECK(f.state().product_count(coin) == 2);
        f.no(f.tx().product_remove(f.owner, coin, donut), Refusal::unknown_product);
    }
    SECTION("removing an id never listed is unknown_product") {
        f.no(f.tx().product_remove(f.owner, coin, 4242), Refusal::unknown_product);
    }
    SECTION("staff and strangers may not touch the catalogue") {
        f.no(f.tx().product(f.masha, coin, 7, "eclair", 250), Refusal::not_owner);
        f.no(f.tx().product(f.stranger, coin, coffee, "free coffee", 1), Refusal::not_owner);
        f.no(f.tx().product_remove(f.petya, coin, coffee), Refusal::not_owner);
        CHECK(f.state().product(coin, 7) == nullptr);
        CHECK(f.state().product(coin, coffee)->price == coffee_price);
    }
    SECTION("the catalogue of an unknown coin") {
        f.no(f.tx().product(f.owner, "NOSUCH", 1, "coffee", 100), Refusal::unknown_ticker);
        f.no(f.tx().product_remove(f.owner, "NOSUCH", 1), Refusal::unknown_ticker);
    }
}

TEST_CASE("the catalogue holds at most catalogue_products_max products", "[ledger][products][limits]") {
    Cafe f;
    std::vector<SignedTx> fill;
    for (std::uint32_t id = 4; id <= catalogue_products_max; ++id)
        fill.push_back(f.tx().product(f.owner, coin, id, "item " + std::to_string(id), id));
    f.ok_all(std::move(fill));
    REQUIRE(f.state().product_count(coin) == catalogue_products_max);

    // One more new id is refused...
    f.no(f.tx().product(f.owner, coin, 100'000, "one too many", 100), Refusal::catalogue_full);
    CHECK(f.state().product(coin, 100'000) == nullptr);
    // ...but a full catalogue can still be edited in place...
    f.ok(f.tx().product(f.owner, coin, coffee, "coffee", 120));
    CHECK(f.state().product(coin, coffee)->price == 120);
    CHECK(f.state().product_count(coin) == catalogue_products_max);
    // ...and after a removal the new product fits.
    f.ok(f.tx().product_remove(f.owner, coin, donut));
    f.ok(f.tx().product(f.owner, coin, 100'000, "now it fits", 100));
    CHECK(f.state().product_count(coin) == catalogue_products_max);
}

// --- staff ---

TEST_CASE("staff: add, and re-add changes limits but keeps today's counter", "[ledger][staff]") {
    Cafe f;
    const StaffRecord* m = f.state().staff(coin, f.masha.public_key());
    REQUIRE(m != nullptr);
    CHECK(m->role == StaffRole::barista);
    CHECK(m->limits == StaffLimits{});
    CHECK(f.state().staff_count(coin) == 2);

    // Masha gives 3.00 today: counted even with no limit set, so a limit added
    // later in the day applies to the whole day.
    f.ok(f.give(f.masha, acct(f.client), bonus));
    REQUIRE(f.state().staff(coin, f.masha.public_key())->given_today == bonus);
    const std::uint64_t today = f.state().staff(coin, f.masha.public_key())->day;

    const StaffLimits limits{800, 1'000};
    f.ok(f.tx().staff_update(f.owner, coin, f.masha.public_key(), limits, StaffRole::manager));
    m = f.state().staff(coin, f.masha.public_key());
    REQUIRE(m != nullptr);
    CHECK(m->role == StaffRole::manager);
    CHECK(m->limits == limits);
    CHECK(m->given_today == bonus);
    CHECK(m->day == today);
    CHECK(f.state().staff_count(coin) == 2);
    // Changing a member moves no coins.
    CHECK(f.bal(f.masha) == allowance - bonus);

    // 3.00 already given + 7.01 > 10.00 a day (7.01 is within the 8.00 per-tx
    // cap, so only the kept counter can refuse it); 3.00 + 7.00 fits exactly.
    f.no(f.give(f.masha, acct(f.client), 701), Refusal::limit_per_day);
    f.ok(f.give(f.masha, acct(f.client), 700));
    CHECK(f.state().staff(coin, f.masha.public_key())->given_today == 1'000);
}

TEST_CASE("staff: the owner cannot be staff, and only the owner adds", "[ledger][staff]") {
    Cafe f;
    f.no(f.tx().staff_add(f.owner, coin, f.owner), Refusal::owner_cannot_be_staff);
    CHECK(f.state().staff(coin, f.owner.public_key()) == nullptr);
    f.no(f.tx().staff_add(f.masha, coin, f.client), Refusal::not_owner);
    f.no(f.tx().staff_add(f.stranger, coin, f.stranger), Refusal::not_owner);
    CHECK(f.state().staff(coin, f.client.public_key()) == nullptr);
    CHECK(f.state().staff(coin, f.stranger.public_key()) == nullptr);
    f.no(f.tx().staff_add(f.owner, "NOSUCH", f.client), Refusal::unknown_ticker);
}

TEST_CASE("a venue has at most venue_staff_max staff", "[ledger][staff][limits]") {
    Cafe f;
    std::vector<SignedTx> hire;
    for (std::uint32_t i = 2; i < venue_staff_max; ++i) hire.push_back(f.tx().staff_add(f.owner, coin, test_key(1000 + i)));
    f.ok_all(std::move(hire));
    REQUIRE(f.state().staff_count(coin) == venue_staff_max);

    f.no(f.tx().staff_add(f.owner, coin, f.client), Refusal::staff_full);
    CHECK(f.state().staff(coin, f.client.public_key()) == nullptr);
    // Changing someone already there is not a new member.
    f.ok(f.tx().staff_update(f.owner, coin, f.masha.public_key(), StaffLimits{100, 100}));
    CHECK(f.state().staff(coin, f.masha.public_key())->limits.per_tx == 100);
    // A removal frees a place.
    f.ok(f.tx().staff_remove(f.owner, coin, f.petya.public_key()));
    f.ok(f.tx().staff_add(f.owner, coin, f.client));
    CHECK(f.state().staff_count(coin) == venue_staff_max);
}

TEST_CASE("staff removal returns the member's balance to the treasury", "[ledger][staff]") {
    Cafe f;
    f.ok(f.give(f.masha, acct(f.client), bonus));
    const Amount treasury_before = coin_supply_units - 2 * allowance;
    REQUIRE(f.bal(f.treasury) == treasury_before);
    REQUIRE(f.bal(f.masha) == allowance - bonus);

    f.ok(f.tx().staff_remove(f.owner, coin, f.masha.public_key()));
    CHECK(f.state().staff(coin, f.masha.public_key()) == nullptr);
    CHECK(f.state().staff_count(coin) == 1);
    CHECK(f.bal(f.masha) == 0);
    CHECK(f.bal(f.treasury) == treasury_before + allowance - bonus);
    // What she already gave stays given; the other barista keeps hers.
    CHECK(f.bal(f.client) == bonus);
    CHECK(f.bal(f.petya) == allowance);
    check_supply(f.state());

    SECTION("removing her again is unknown_staff") {
        f.no(f.tx().staff_remove(f.owner, coin, f.masha.public_key()), Refusal::unknown_staff);
    }
    SECTION("removing a key that never was staff is unknown_staff") {
        f.no(f.tx().staff_remove(f.owner, coin, f.client.public_key()), Refusal::unknown_staff);
        CHECK(f.bal(f.client) == bonus);
    }
    SECTION("a removed member can no longer redeem") {
        const Voucher v = f.tx().voucher(f.client, coin, coffee, coffee_price, acct(f.client));
        f.no(f.tx().redeem(f.masha, coin, v), Refusal::not_staff);
        CHECK(f.bal(f.client) == bonus);
        // The voucher itself is still good at a till that is staffed.
        f.ok(f.tx().redeem(f.petya, coin, v));
        CHECK(f.bal(f.client) == bonus - coffee_price);
    }
    SECTION("only the owner or the member removes staff") {
        f.no(f.tx().staff_remove(f.stranger, coin, f.petya.public_key()), Refusal::not_owner);
        f.no(f.tx().staff_remove(f.masha, coin, f.petya.public_key()), Refusal::not_owner);  // not hers to remove
        CHECK(f.bal(f.petya) == allowance);
        // Petya leaves by himself: the allowance goes back all the same.
        f.ok(f.tx().staff_remove(f.petya, coin, f.petya.public_key()));
        CHECK(f.bal(f.petya) == 0);
        CHECK(f.bal(f.treasury) == treasury_before + 2 * allowance - bonus);
    }
}

// --- transfers ---

TEST_CASE("transfer: the owner funds staff allowances from the treasury", "[ledger][transfer]") {
    Cafe f;
    CHECK(f.bal(f.treasury) == coin_supply_units - 2 * allowance);
    CHECK(f.bal(f.masha) == allowance);
    CHECK(f.bal(f.petya) == allowance);
    check_supply(f.state());
    // Topping up an allowance is just another transfer.
    f.ok(f.give(f.owner, acct(f.masha), 12'345));
    CHECK(f.bal(f.masha) == allowance + 12'345);
    CHECK(f.bal(f.treasury) == coin_supply_units - 2 * allowance - 12'345);
}

TEST_CASE("transfer to an unclaimed phone: nobody spends it before a bind", "[ledger][transfer][phone]") {
    Cafe f;
    const Account phone = Account::of_phone(phone_ref("+79000000001"));
    f.ok(f.give(f.masha, phone, bonus));
    CHECK(f.bal(phone) == bonus);
    CHECK(f.bal(f.masha) == allowance - bonus);

    // Not the client-to-be, not the barista who sent it, not the owner.
    f.no(f.tx().transfer_from(f.client, coin, phone, acct(f.client), 100), Refusal::not_account_holder);
    f.no(f.tx().transfer_from(f.masha, coin, phone, acct(f.masha), 100), Refusal::not_account_holder);
    f.no(f.tx().transfer_from(f.owner, coin, phone, f.treasury, 100), Refusal::not_account_holder);
    CHECK(f.bal(phone) == bonus);

    // After the client proves the phone, their key spends it.
    f.ok(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, phone.phone(), f.client.public_key(), 1)));
    f.ok(f.tx().transfer_from(f.client, coin, phone, acct(f.pal), 100));
    CHECK(f.bal(phone) == bonus - 100);
    CHECK(f.bal(f.pal) == 100);
    // A bound phone is still only its key's: the barista cannot pull it back.
    f.no(f.tx().transfer_from(f.masha, coin, phone, acct(f.masha), 100), Refusal::not_account_holder);
    check_supply(f.state());
}

TEST_CASE("transfer: a staff member's per-transaction limit", "[ledger][transfer][limits]") {
    Cafe f;
    f.ok(f.tx().staff_update(f.owner, coin, f.petya.public_key(), StaffLimits{1'000, std::nullopt}));
    f.no(f.give(f.petya, acct(f.client), 1'001), Refusal::limit_per_tx);
    // Also towards a phone reference.
    f.no(f.give(f.petya, Account::of_phone(phone_ref("+79000000002")), 1'001), Refusal::limit_per_tx);
    CHECK(f.bal(f.client) == 0);
    f.ok(f.give(f.petya, acct(f.client), 1'000));
    f.ok(f.give(f.petya, acct(f.client), 1'000));  // no per-day limit: the cap is per transfer only
    CHECK(f.bal(f.client) == 2'000);
    CHECK(f.bal(f.petya) == allowance - 2'000);
    // Masha has no limits and the owner is never limited.
    f.ok(f.give(f.masha, acct(f.client), 5'000));
    f.ok(f.give(f.owner, acct(f.client), 100'000));
    CHECK(f.bal(f.client) == 107'000);
}

TEST_CASE("transfer: a staff member's per-day limit resets on the next UTC day", "[ledger][transfer][limits]") {
    Cafe f;
    f.ok(f.tx().staff_update(f.owner, coin, f.petya.public_key(), StaffLimits{std::nullopt, 1'000}));
    f.ok(f.give(f.petya, acct(f.client), 600));
    f.ok(f.give(f.petya, acct(f.client), 400));  // exactly the limit is allowed
    f.no(f.give(f.petya, acct(f.client), 1), Refusal::limit_per_day);
    const StaffRecord* p = f.state().staff(coin, f.petya.public_key());
    REQUIRE(p != nullptr);
    CHECK(p->given_today == 1'000);
    const std::uint64_t today = p->day;
    CHECK(today == f.c.chain->tip().time_ms / ms_per_day);

    // A second before UTC midnight it is still the same day (a calendar day,
    // not a rolling 24 hours: the block time decides).
    const std::uint64_t midnight_ms = (f.c.now_ms / ms_per_day + 1) * ms_per_day;
    f.c.advance_ms(midnight_ms - 1'000 - f.c.now_ms);
    f.no(f.give(f.petya, acct(f.client), 1), Refusal::limit_per_day);
    // commit() moved the clock one second on: now exactly midnight.
    REQUIRE(f.c.now_ms == midnight_ms);
    f.ok(f.give(f.petya, acct(f.client), 1'000));
    p = f.state().staff(coin, f.petya.public_key());
    REQUIRE(p != nullptr);
    CHECK(p->day == today + 1);
    CHECK(p->given_today == 1'000);
    f.no(f.give(f.petya, acct(f.client), 1), Refusal::limit_per_day);
    CHECK(f.bal(f.client) == 2'000);
    CHECK(f.bal(f.petya) == allowance - 2'000);
}

TEST_CASE("transfer refusals: balance, zero, self, unknown coin", "[ledger][transfer]") {
    Cafe f;
    f.ok(f.give(f.masha, acct(f.client), bonus));

    SECTION("insufficient balance names what the account holds") {
        const TxOutcome o = f.no(f.give(f.client, acct(f.pal), bonus + 1), Refusal::insufficient_balance);
        REQUIRE(o.refusal.has_value());
        CHECK_THAT(o.refusal->message, Catch::Matchers::Contains("holds 3.00"));
        CHECK_THAT(o.refusal->message, Catch::Matchers::Contains("needs 3.01"));
        CHECK(f.bal(f.client) == bonus);
        CHECK(f.bal(f.pal) == 0);
        // The whole balance is fine.
        f.ok(f.give(f.client, acct(f.pal), bonus));
        CHECK(f.bal(f.client) == 0);
        CHECK(f.bal(f.pal) == bonus);
    }
    SECTION("an account that never held the coin") {
        f.no(f.give(f.stranger, acct(f.pal), 1), Refusal::insufficient_balance);
    }
    SECTION("zero amount") {
        f.no(f.give(f.client, acct(f.pal), 0), Refusal::zero_amount);
        f.no(f.give(f.owner, acct(f.masha), 0), Refusal::zero_amount);
    }
    SECTION("self transfer") {
        f.no(f.give(f.client, acct(f.client), 1), Refusal::self_transfer);
        f.no(f.give(f.owner, f.treasury, 1), Refusal::self_transfer);
        CHECK(f.bal(f.client) == bonus);
    }
    SECTION("unknown ticker") {
        f.no(f.tx().transfer(f.client, "NOSUCH", acct(f.pal), 1), Refusal::unknown_ticker);
    }
    SECTION("a key account is only its own key's") {
        f.no(f.tx().transfer_from(f.pal, coin, acct(f.client), acct(f.pal), 1), Refusal::not_account_holder);
        f.no(f.tx().transfer_from(f.owner, coin, acct(f.client), f.treasury, 1), Refusal::not_account_holder);
        CHECK(f.bal(f.client) == bonus);
    }
}

TEST_CASE("transfer: a client gifts bonuses to a friend by phone", "[ledger][transfer][phone]") {
    Cafe f;
    const Account mine = Account::of_phone(phone_ref("+79000000001"));
    const Account friends = Account::of_phone(phone_ref("+79000000002"));
    f.ok(f.give(f.masha, mine, bonus));
    f.ok(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, mine.phone(), f.client.public_key(), 1)));

    // The friend has never heard of Kopilka: the gift waits on their phone.
    f.ok(f.tx().transfer_from(f.client, coin, mine, friends, 150));
    CHECK(f.bal(mine) == bonus - 150);
    CHECK(f.bal(friends) == 150);
    // The friend claims it and spends part of it back.
    f.ok(f.tx().phone_bind(f.pal, f.tx().attest(f.c.attestor, friends.phone(), f.pal.public_key(), 1)));
    f.ok(f.tx().transfer_from(f.pal, coin, friends, mine, 50));
    CHECK(f.bal(mine) == bonus - 100);
    CHECK(f.bal(friends) == 100);
    // Neither key reaches the other's phone.
    f.no(f.tx().transfer_from(f.client, coin, friends, mine, 1), Refusal::not_account_holder);
    check_supply(f.state());
}

// --- phone binding ---

TEST_CASE("phone bind: attestor, key, expiry and sequence are checked", "[ledger][phone]") {
    Cafe f;
    const PhoneRef phone = phone_ref("+79000000001");

    SECTION("an attestation by a key that is not a genesis attestor") {
        f.no(f.tx().phone_bind(f.client, f.tx().attest(f.stranger, phone, f.client.public_key(), 1)),
             Refusal::unknown_attestor);
        // The block producer is not an attestor either.
        f.no(f.tx().phone_bind(f.client, f.tx().attest(f.c.producer, phone, f.client.public_key(), 1)),
             Refusal::unknown_attestor);
        CHECK(f.state().binding(phone) == nullptr);
    }
    SECTION("an attestation for a different key") {
        f.no(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, phone, f.pal.public_key(), 1)),
             Refusal::attestation_wrong_key);
        CHECK(f.state().binding(phone) == nullptr);
    }
    SECTION("an expired attestation") {
        const Attestation a = f.tx().attest(f.c.attestor, phone, f.client.public_key(), 1);
        // The builder's attestations live 600 s; the tx itself is built fresh.
        f.c.advance_ms(601'000);
        f.no(f.tx().phone_bind(f.client, a), Refusal::attestation_expired);
        CHECK(f.state().binding(phone) == nullptr);
    }
    SECTION("a sequence that is not the next one") {
        f.no(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, phone, f.client.public_key(), 0)),
             Refusal::attestation_sequence);
        f.no(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, phone, f.client.public_key(), 2)),
             Refusal::attestation_sequence);
        CHECK(f.state().binding(phone) == nullptr);
    }
    SECTION("the first binding") {
        f.ok(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, phone, f.client.public_key(), 1)));
        const Binding* b = f.state().binding(phone);
        REQUIRE(b != nullptr);
        CHECK(b->key == f.client.public_key());
        CHECK(b->sequence == 1);
        // Binding moves no coins.
        CHECK(f.bal(Account::of_phone(phone)) == 0);
    }
}

TEST_CASE("phone re-bind replaces the key only after the delay, and the old key and attestation stop working",
          "[ledger][phone][rebind]") {
    Cafe f;
    const Account phone = Account::of_phone(phone_ref("+79000000001"));
    const KeyPair new_key = test_key(16);
    f.ok(f.give(f.masha, phone, bonus));
    const Attestation first = f.tx().attest(f.c.attestor, phone.phone(), f.client.public_key(), 1);
    const SignedTx first_bind = f.tx().phone_bind(f.client, first);
    f.ok(first_bind);
    f.ok(f.tx().transfer_from(f.client, coin, phone, acct(f.pal), 100));

    // The client lost the key: a new SMS, a new key, binding #2. It is only
    // announced: the old key keeps the phone for the genesis's delay.
    const std::uint64_t announced_s = f.c.now_ms / 1000;
    f.ok(f.tx().phone_bind(new_key, f.tx().attest(f.c.attestor, phone.phone(), new_key.public_key(), 2)));
    const Binding* b = f.state().binding(phone.phone());
    REQUIRE(b != nullptr);
    CHECK(b->key == f.client.public_key());
    CHECK(b->sequence == 2);  // the attestation is used up either way
    const PendingRebind* p = f.state().pending_rebind(phone.phone());
    REQUIRE(p != nullptr);
    CHECK(p->key == new_key.public_key());
    CHECK(p->effective_s == announced_s + rebind_delay_s_default);
    f.no(f.tx().transfer_from(new_key, coin, phone, acct(new_key), 100), Refusal::not_account_holder);
    f.no(f.tx().rebind_complete(new_key, phone.phone()), Refusal::rebind_not_due);
    f.ok(f.tx().transfer_from(f.client, coin, phone, acct(f.pal), 100));  // still the client's
    // A second re-bind cannot queue behind the first.
    f.no(f.tx().phone_bind(f.stranger, f.tx().attest(f.c.attestor, phone.phone(), f.stranger.public_key(), 3)),
         Refusal::rebind_pending);

    f.c.advance_ms(rebind_delay_s_default * 1000);
    // Only the named key completes it.
    f.no(f.tx().rebind_complete(f.stranger, phone.phone()), Refusal::not_account_holder);
    f.ok(f.tx().rebind_complete(new_key, phone.phone()));
    b = f.state().binding(phone.phone());
    REQUIRE(b != nullptr);
    CHECK(b->key == new_key.public_key());
    CHECK(b->sequence == 2);
    CHECK(f.state().pending_rebind(phone.phone()) == nullptr);
    f.no(f.tx().rebind_complete(new_key, phone.phone()), Refusal::no_rebind_pending);

    // The old key can no longer move the phone's coins, directly or by QR.
    f.no(f.tx().transfer_from(f.client, coin, phone, acct(f.client), 100), Refusal::not_account_holder);
    const Voucher old_qr = f.tx().voucher(f.client, coin, coffee, coffee_price, phone);
    f.no(f.tx().redeem(f.petya, coin, old_qr), Refusal::voucher_not_client);
    // An attestation for the first binding (even a freshly signed one) is
    // refused, so it cannot bring the old key back.
    f.no(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, phone.phone(), f.client.public_key(), 1)),
         Refusal::attestation_sequence);
    // ...and the first bind's own blob does not apply again.
    const TxOutcome replay = f.c.commit1(first_bind);
    CHECK(replay.status != TxOutcome::Status::committed);
    CHECK(f.state().binding(phone.phone())->key == new_key.public_key());

    f.ok(f.tx().transfer_from(new_key, coin, phone, acct(new_key), 100));
    CHECK(f.bal(phone) == bonus - 300);
    CHECK(f.bal(new_key) == 100);
    check_supply(f.state());
}

TEST_CASE("phone re-bind: the operator's fresh code cannot drain a claimed phone, and the bound key cancels",
          "[ledger][phone][rebind]") {
    // The attack of issue 13: with the admin cookie the operator asks a code,
    // reads it from the outbox, binds its own key and spends at once. Now the
    // bind is only announced, and the client cancels it.
    Cafe f;
    const Account phone = Account::of_phone(phone_ref("+79000000001"));
    const KeyPair thief = test_key(17);
    f.ok(f.give(f.masha, phone, bonus));
    f.ok(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, phone.phone(), f.client.public_key(), 1)));
    f.ok(f.tx().phone_bind(thief, f.tx().attest(f.c.attestor, phone.phone(), thief.public_key(), 2)));
    // In the same block and any block before the delay: nothing moves.
    f.no(f.tx().transfer_from(thief, coin, phone, acct(thief), bonus), Refusal::not_account_holder);
    const Voucher qr = f.tx().voucher(thief, coin, coffee, coffee_price, phone);
    f.no(f.tx().redeem(f.petya, coin, qr), Refusal::voucher_not_client);
    CHECK(f.bal(phone) == bonus);

    // Nobody but the bound key may cancel.
    f.no(f.tx().rebind_cancel(thief, phone.phone()), Refusal::not_account_holder);
    f.no(f.tx().rebind_cancel(f.owner, phone.phone()), Refusal::not_account_holder);
    f.ok(f.tx().rebind_cancel(f.client, phone.phone()));
    CHECK(f.state().pending_rebind(phone.phone()) == nullptr);
    f.no(f.tx().rebind_cancel(f.client, phone.phone()), Refusal::no_rebind_pending);
    f.c.advance_ms(rebind_delay_s_default * 1000);
    f.no(f.tx().rebind_complete(thief, phone.phone()), Refusal::no_rebind_pending);
    CHECK(f.state().binding(phone.phone())->key == f.client.public_key());
    CHECK(f.state().binding(phone.phone())->sequence == 2);
    // The cancelled attestation's sequence is spent: it can never be used again.
    f.no(f.tx().phone_bind(thief, f.tx().attest(f.c.attestor, phone.phone(), thief.public_key(), 2)),
         Refusal::attestation_sequence);
    f.ok(f.tx().transfer_from(f.client, coin, phone, acct(f.client), bonus));
    CHECK(f.bal(f.client) == bonus);
}

TEST_CASE("phone re-bind: the delay comes from the genesis", "[ledger][phone][rebind]") {
    TestChain c;
    Genesis g = c.genesis;
    g.rebind_delay_s = 60;
    TempDir dir("kopilka-rebind");
    auto chain = Chain::create(dir.path() / "ledger", g);
    REQUIRE(chain);
    TxBuilder tx((*chain)->id());
    const std::uint64_t t0 = test_epoch_ms + 1000;
    tx.set_time_ms(t0);
    const PhoneRef phone = phone_ref("+79000000001");
    const KeyPair a = test_key(20), b = test_key(21);
    auto commit = [&](const SignedTx& stx, std::uint64_t at_ms) {
        tx.set_time_ms(at_ms);
        auto p = (*chain)->produce_block(std::vector<SignedTx>{stx}, at_ms, c.producer);
        REQUIRE(p);
        REQUIRE(p->outcomes.size() == 1);
        return p->outcomes[0];
    };
    require_committed(commit(tx.phone_bind(a, tx.attest(c.attestor, phone, a.public_key(), 1)), t0));
    require_committed(commit(tx.phone_bind(b, tx.attest(c.attestor, phone, b.public_key(), 2)), t0 + 1000));
    REQUIRE((*chain)->state().pending_rebind(phone) != nullptr);
    CHECK((*chain)->state().pending_rebind(phone)->effective_s == (t0 + 1000) / 1000 + 60);
    require_refused(commit(tx.rebind_complete(b, phone), t0 + 60'000), Refusal::rebind_not_due);
    require_committed(commit(tx.rebind_complete(b, phone), t0 + 61'000));
    CHECK((*chain)->state().binding(phone)->key == b.public_key());
}

TEST_CASE("phone bind of an unclaimed phone is still immediate", "[ledger][phone][rebind]") {
    Cafe f;
    const Account phone = Account::of_phone(phone_ref("+79000000005"));
    f.ok(f.give(f.masha, phone, bonus));
    f.ok(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, phone.phone(), f.client.public_key(), 1)));
    CHECK(f.state().pending_rebind(phone.phone()) == nullptr);
    f.ok(f.tx().transfer_from(f.client, coin, phone, acct(f.client), bonus));
    CHECK(f.bal(f.client) == bonus);
}

// --- staff consent and allowance ---

TEST_CASE("staff: the owner cannot seize a client's coins by making the client's key staff",
          "[ledger][staff][consent]") {
    // The attack of issue 13: staff_add of a client's key with a zero
    // per-transaction limit, then staff_remove, swept the client's balance to
    // the treasury. The key never agreed.
    Cafe f;
    f.ok(f.give(f.masha, acct(f.client), bonus));
    const Amount treasury = f.bal(f.treasury);
    // An acceptance the client never signed: the owner's own signature over
    // the client's key is not the client's.
    StaffAcceptance forged{coin, f.client.public_key(), f.tx().now_s() + 600, {}};
    forged.signature = f.owner.sign(Domain::staff_accept, f.c.chain->id(), encode_staff_acceptance_unsigned(forged));
    const SignedTx add = f.tx().sign(f.owner, StaffAdd{coin, StaffRole::cashier, StaffLimits{0, 0}, forged});
    CHECK_FALSE(verify_tx_signatures(add, f.c.chain->id()));
    const TxOutcome o = f.c.commit1(add);
    require_refused(o, Refusal::bad_signature);
    // Changing a key that is not staff is not adding it.
    f.no(f.tx().staff_update(f.owner, coin, f.client.public_key(), StaffLimits{0, 0}), Refusal::unknown_staff);
    f.no(f.tx().staff_remove(f.owner, coin, f.client.public_key()), Refusal::unknown_staff);
    CHECK(f.state().staff(coin, f.client.public_key()) == nullptr);
    CHECK(f.bal(f.client) == bonus);
    CHECK(f.bal(f.treasury) == treasury);
}

TEST_CASE("staff: an acceptance is for one venue, one use, and a limited time", "[ledger][staff][consent]") {
    Cafe f;
    SECTION("for another venue") {
        f.ok(f.tx().venue_create(f.stranger, "OTHER"));
        const StaffAcceptance a = f.tx().accept(f.client, "OTHER");
        f.no(f.tx().sign(f.owner, StaffAdd{coin, StaffRole::cashier, {}, a}), Refusal::acceptance_wrong_venue);
    }
    SECTION("used twice") {
        const StaffAcceptance a = f.tx().accept(f.client, coin);
        f.ok(f.tx().sign(f.owner, StaffAdd{coin, StaffRole::cashier, {}, a}));
        f.ok(f.tx().staff_remove(f.client, coin, f.client.public_key()));  // the client leaves
        // The owner cannot hire them back with the same consent.
        f.no(f.tx().sign(f.owner, StaffAdd{coin, StaffRole::cashier, {}, a}), Refusal::acceptance_used);
        CHECK(f.state().staff(coin, f.client.public_key()) == nullptr);
    }
    SECTION("expired, or too far ahead") {
        const StaffAcceptance a = f.tx().accept(f.client, coin);
        f.c.advance_ms((a.expiry_s - f.tx().now_s() + 1) * 1000);
        f.no(f.tx().sign(f.owner, StaffAdd{coin, StaffRole::cashier, {}, a}), Refusal::acceptance_expired);
        const StaffAcceptance far = accept_staff(f.client, coin, f.tx().now_s() + staff_acceptance_expiry_ahead_s_max + 10,
                                                 f.c.chain->id());
        f.no(f.tx().sign(f.owner, StaffAdd{coin, StaffRole::cashier, {}, far}), Refusal::expiry_too_far);
    }
    SECTION("signed for another chain") {
        const StaffAcceptance a = accept_staff(f.client, coin, f.tx().now_s() + 600, ChainId{});
        const TxOutcome o = f.c.commit1(f.tx().sign(f.owner, StaffAdd{coin, StaffRole::cashier, {}, a}));
        require_refused(o, Refusal::bad_signature);
    }
}

TEST_CASE("staff removal returns only the venue's allowance, and the member's own coins stay",
          "[ledger][staff][consent]") {
    Cafe f;
    // The client holds 3.00 of their own, then agrees to work the till.
    f.ok(f.give(f.masha, acct(f.client), bonus));
    f.ok(f.tx().staff_add(f.owner, coin, f.client, StaffLimits{Amount{0}, Amount{0}}));
    CHECK(f.state().staff(coin, f.client.public_key())->allowance == 0);
    const Amount treasury = f.bal(f.treasury);

    SECTION("with no allowance nothing goes back") {
        f.ok(f.tx().staff_remove(f.owner, coin, f.client.public_key()));
        CHECK(f.bal(f.client) == bonus);
        CHECK(f.bal(f.treasury) == treasury);
    }
    SECTION("the allowance goes back, the own coins stay") {
        f.ok(f.give(f.owner, acct(f.client), 10'000));
        CHECK(f.state().staff(coin, f.client.public_key())->allowance == 10'000);
        // Coins from anyone else are not allowance.
        f.ok(f.give(f.masha, acct(f.client), 50));
        CHECK(f.state().staff(coin, f.client.public_key())->allowance == 10'000);
        f.ok(f.tx().staff_remove(f.owner, coin, f.client.public_key()));
        CHECK(f.bal(f.client) == bonus + 50);
        CHECK(f.bal(f.treasury) == treasury);
    }
    SECTION("what the member gave away comes off the allowance first") {
        f.ok(f.tx().staff_update(f.owner, coin, f.client.public_key()));  // lift the limits
        f.ok(f.give(f.owner, acct(f.client), 1'000));
        f.ok(f.give(f.client, acct(f.pal), 400));
        CHECK(f.state().staff(coin, f.client.public_key())->allowance == 600);
        f.ok(f.give(f.client, f.treasury, 100));  // handing back is leaving too
        CHECK(f.state().staff(coin, f.client.public_key())->allowance == 500);
        f.ok(f.tx().staff_remove(f.owner, coin, f.client.public_key()));
        CHECK(f.bal(f.client) == bonus);
        CHECK(f.bal(f.treasury) == treasury - 1'000 + 100 + 500);
        check_supply(f.state());
    }
    SECTION("the member may leave on their own, keeping their own coins") {
        f.ok(f.give(f.owner, acct(f.client), 700));
        f.ok(f.tx().staff_remove(f.client, coin, f.client.public_key()));
        CHECK(f.bal(f.client) == bonus);
        CHECK(f.bal(f.treasury) == treasury);
        f.ok(f.give(f.client, acct(f.pal), bonus));  // no staff limits any more
    }
}
// --- redemption ---

TEST_CASE("redeem: the price moves from the client to the treasury, once", "[ledger][redeem]") {
    Cafe f;
    f.ok(f.give(f.masha, acct(f.client), bonus));
    const Amount treasury = f.bal(f.treasury);
    const Voucher v = f.tx().voucher(f.client, coin, coffee, coffee_price, acct(f.client));

    SECTION("redeemed, then refused in a later block") {
        f.ok(f.tx().redeem(f.petya, coin, v));
        CHECK(f.bal(f.client) == bonus - coffee_price);
        CHECK(f.bal(f.treasury) == treasury + coffee_price);
        CHECK(f.bal(f.petya) == allowance);  // the barista only submits it
        f.no(f.tx().redeem(f.masha, coin, v), Refusal::voucher_used);
        f.no(f.tx().redeem(f.petya, coin, v), Refusal::voucher_used);
        CHECK(f.bal(f.client) == bonus - coffee_price);
        CHECK(f.bal(f.treasury) == treasury + coffee_price);
    }
    SECTION("two tills scan it into the same block: only the first counts") {
        const Produced p = f.c.commit({f.tx().redeem(f.petya, coin, v), f.tx().redeem(f.masha, coin, v)});
        REQUIRE(p.outcomes.size() == 2);
        require_committed(p.outcomes[0]);
        require_refused(p.outcomes[1], Refusal::voucher_used);
        REQUIRE(p.block.has_value());
        CHECK(p.block->tx_ids.size() == 1);
        CHECK(f.bal(f.client) == bonus - coffee_price);
        CHECK(f.bal(f.treasury) == treasury + coffee_price);
    }
    SECTION("the owner may redeem too") {
        f.ok(f.tx().redeem(f.owner, coin, v));
        CHECK(f.bal(f.client) == bonus - coffee_price);
        CHECK(f.bal(f.treasury) == treasury + coffee_price);
    }
    SECTION("a phone account bound to the voucher's signer pays") {
        const Account phone = Account::of_phone(phone_ref("+79000000001"));
        f.ok(f.give(f.masha, phone, bonus));
        f.ok(f.tx().phone_bind(f.client, f.tx().attest(f.c.attestor, phone.phone(), f.client.public_key(), 1)));
        const Voucher pv = f.tx().voucher(f.client, coin, cheesecake, cheesecake_price, phone);
        f.ok(f.tx().redeem(f.petya, coin, pv));
        CHECK(f.bal(phone) == 0);
        CHECK(f.bal(f.client) == bonus);  // the key account is a different account
        CHECK(f.bal(f.treasury) == treasury + cheesecake_price);
    }
    check_supply(f.state());
}

TEST_CASE("redeem refusals", "[ledger][redeem]") {
    Cafe f;
    f.ok(f.give(f.masha, acct(f.client), bonus));
    const Amount treasury = f.bal(f.treasury);

    SECTION("the price changed after the voucher was made") {
        const Voucher v = f.tx().voucher(f.client, coin, cheesecake, cheesecake_price, acct(f.client));
        f.ok(f.tx().product(f.owner, coin, cheesecake, "cheesecake", 350));
        f.no(f.tx().redeem(f.petya, coin, v), Refusal::price_changed);
        // Cheaper is a change too: the client agreed to one price.
        f.ok(f.tx().product(f.owner, coin, cheesecake, "cheesecake", 250));
        f.no(f.tx().redeem(f.petya, coin, v), Refusal::price_changed);
        CHECK(f.bal(f.client) == bonus);
        CHECK(f.bal(f.treasury) == treasury);
    }
    SECTION("the product is not offered at the moment") {
        f.ok(f.tx().product(f.owner, coin, donut, "donut", donut_price, false));
        const Voucher v = f.tx().voucher(f.client, coin, donut, donut_price, acct(f.client));
        f.no(f.tx().redeem(f.petya, coin, v), Refusal::product_inactive);
    }
    SECTION("the product was removed") {
        const Voucher v = f.tx().voucher(f.client, coin, donut, donut_price, acct(f.client));
        f.ok(f.tx().product_remove(f.owner, coin, donut));
        f.no(f.tx().redeem(f.petya, coin, v), Refusal::unknown_product);
    }
    SECTION("a voucher for venue B submitted as venue A") {
        f.ok(f.tx().venue_create(f.stranger, "BARBER", "Barber"));
        f.ok(f.c.tx->product(f.stranger, "BARBER", coffee, "haircut", coffee_price));
        f.ok(f.c.tx->transfer(f.stranger, "BARBER", acct(f.client), bonus));
        const Voucher v = f.tx().voucher(f.client, "BARBER", coffee, coffee_price, acct(f.client));
        f.no(f.tx().redeem(f.petya, coin, v), Refusal::voucher_wrong_venue);
        CHECK(f.state().balance("BARBER", acct(f.client)) == bonus);
    }
    SECTION("submitted by someone who is not staff") {
        const Voucher v = f.tx().voucher(f.client, coin, coffee, coffee_price, acct(f.client));
        f.no(f.tx().redeem(f.stranger, coin, v), Refusal::not_staff);
        f.no(f.tx().redeem(f.client, coin, v), Refusal::not_staff);  // clients cannot serve themselves
    }
    SECTION("the voucher expired") {
        const Voucher v = f.tx().voucher(f.client, coin, coffee, coffee_price, acct(f.client), 300);
        f.c.advance_ms(301'000);
        REQUIRE(f.c.now_ms / 1000 > v.expiry_s);
        f.no(f.tx().redeem(f.petya, coin, v), Refusal::voucher_expired);
    }
    SECTION("the voucher is signed by a key that does not hold the client account") {
        Voucher v;
        v.ticker = coin;
        v.product_id = coffee;
        v.price = coffee_price;
        v.client = acct(f.client);
        v.nonce = f.tx().next_nonce();
        v.expiry_s = f.tx().now_s() + 300;
        sign_voucher(v, f.pal, f.c.chain->id());  // a valid signature, by the wrong key
        f.no(f.tx().redeem(f.petya, coin, v), Refusal::voucher_not_client);
        // The builder's form of the same thing.
        f.no(f.tx().redeem(f.petya, coin, f.tx().voucher(f.masha, coin, coffee, coffee_price, acct(f.client))),
             Refusal::voucher_not_client);
    }
    SECTION("the client cannot pay") {
        // The friend holds nothing.
        f.no(f.tx().redeem(f.petya, coin, f.tx().voucher(f.pal, coin, coffee, coffee_price, acct(f.pal))),
             Refusal::insufficient_balance);
        // The client holds 3.00 and spends 2.00: 1.00 left, a cheesecake is 3.00.
        f.ok(f.tx().redeem(f.petya, coin, f.tx().voucher(f.client, coin, donut, donut_price, acct(f.client))));
        f.no(f.tx().redeem(f.petya, coin,
                           f.tx().voucher(f.client, coin, cheesecake, cheesecake_price, acct(f.client))),
             Refusal::insufficient_balance);
        CHECK(f.bal(f.client) == bonus - donut_price);
        CHECK(f.bal(f.treasury) == treasury + donut_price);
    }
    SECTION("unknown ticker") {
        const Voucher v = f.tx().voucher(f.client, "NOSUCH", coffee, coffee_price, acct(f.client));
        f.no(f.tx().redeem(f.petya, "NOSUCH", v), Refusal::unknown_ticker);
    }
    check_supply(f.state());
}

// --- idempotence ---

TEST_CASE("idempotence: the same transaction never moves coins twice", "[ledger][idempotence]") {
    Cafe f;
    const SignedTx gift = f.give(f.owner, acct(f.client), 500);
    const TxOutcome first = f.ok(gift);
    const Amount client = f.bal(f.client);
    const Amount treasury = f.bal(f.treasury);
    const std::uint64_t height = f.c.chain->height();
    const Hash256 digest = f.state().digest();
    auto unchanged = [&] {
        CHECK(f.bal(f.client) == client);
        CHECK(f.bal(f.treasury) == treasury);
        CHECK(f.c.chain->height() == height);
        CHECK(f.state().digest() == digest);
    };

    SECTION("the exact same blob again") {
        const TxOutcome again = f.c.commit1(gift);
        CHECK(again.status == TxOutcome::Status::already_committed);
        CHECK(again.id == first.id);
        CHECK(again.location == first.location);
        CHECK_FALSE(again.refusal.has_value());
        unchanged();
        // Even after the transaction's own expiry the answer is the first result.
        f.c.advance_ms(2 * 3600 * 1000);
        const TxOutcome late = f.c.commit1(gift);
        CHECK(late.status == TxOutcome::Status::already_committed);
        CHECK(late.location == first.location);
        unchanged();
    }
    SECTION("signed again: Ed25519 is deterministic, so the blob is identical") {
        const SignedTx resigned = sign_tx(gift.tx, f.owner, f.c.chain->id());
        CHECK(resigned == gift);
        const TxOutcome again = f.c.commit1(resigned);
        CHECK(again.status == TxOutcome::Status::already_committed);
        CHECK(again.location == first.location);
        unchanged();
    }
    SECTION("rebuilt from the same nonce, expiry and body: the same id") {
        Tx rebuilt;
        rebuilt.signer = f.owner.public_key();
        rebuilt.nonce = gift.tx.nonce;
        rebuilt.expiry_s = gift.tx.expiry_s;
        rebuilt.body = Transfer{coin, f.treasury, acct(f.client), 500, ""};
        CHECK(tx_id(rebuilt) == first.id);
        const TxOutcome again = f.c.commit1(sign_tx(rebuilt, f.owner, f.c.chain->id()));
        CHECK(again.status == TxOutcome::Status::already_committed);
        CHECK(again.id == first.id);
        CHECK(again.location == first.location);
        unchanged();
    }
    SECTION("a different nonce is a new transaction") {
        Tx other = gift.tx;
        other.nonce = gift.tx.nonce + 1;
        const SignedTx stx = sign_tx(other, f.owner, f.c.chain->id());
        CHECK(tx_id(stx.tx) != first.id);
        const TxOutcome o = f.ok(stx);
        CHECK(o.location != first.location);
        CHECK(f.bal(f.client) == client + 500);
        CHECK(f.bal(f.treasury) == treasury - 500);
    }
    SECTION("the same blob twice in one block moves coins once") {
        const SignedTx again = f.give(f.owner, acct(f.client), 700);
        const Produced p = f.c.commit({again, again});
        REQUIRE(p.outcomes.size() == 2);
        require_committed(p.outcomes[0]);
        // The second copy must not be a second movement. (SPEC.md asks for
        // the first result here; see the report: today it is refused as a
        // duplicate, which is safe, so only safety is asserted.)
        CHECK(p.outcomes[1].status != TxOutcome::Status::committed);
        REQUIRE(p.block.has_value());
        CHECK(p.block->tx_ids.size() == 1);
        CHECK(f.bal(f.client) == client + 700);
        CHECK(f.bal(f.treasury) == treasury - 700);
    }
}

// --- restart ---

TEST_CASE("reopen gives the same chain and keeps refusing replays", "[ledger][reopen]") {
    Cafe f;
    f.ok(f.give(f.masha, acct(f.client), bonus));
    const Voucher v = f.tx().voucher(f.client, coin, coffee, coffee_price, acct(f.client));
    f.ok(f.tx().redeem(f.petya, coin, v));
    const SignedTx gift = f.give(f.client, acct(f.pal), 50);
    const TxOutcome gift_out = f.ok(gift);
    f.ok(f.tx().phone_bind(f.pal, f.tx().attest(f.c.attestor, phone_ref("+79000000002"), f.pal.public_key(), 1)));

    const Hash256 digest = f.state().digest();
    const std::uint64_t height = f.c.chain->height();
    const Hash256 tip = f.c.chain->tip_hash();
    const auto holders = f.state().holders(coin);
    const auto staff = f.state().staff_list(coin);
    const auto products = f.state().products(coin);
    REQUIRE(height >= 6);

    f.c.reopen();
    CHECK(f.state().digest() == digest);
    CHECK(f.state().digest() == f.c.chain->tip().state_digest);
    CHECK(f.c.chain->height() == height);
    CHECK(f.c.chain->tip_hash() == tip);
    CHECK(f.state().holders(coin) == holders);
    CHECK(f.state().staff_list(coin) == staff);
    CHECK(f.state().products(coin) == products);
    CHECK(f.bal(f.client) == bonus - coffee_price - 50);
    CHECK(f.bal(f.pal) == 50);
    REQUIRE(f.state().binding(phone_ref("+79000000002")) != nullptr);
    check_supply(f.state());

    // The replay window was rebuilt from the stored blocks...
    CHECK(f.state().tx_seen(gift_out.id));
    CHECK(f.state().voucher_used(voucher_id(v)));
    // ...so the rules themselves refuse the duplicate, not only the store's index:
    {
        State copy = f.state();
        const BlockContext ctx{f.c.chain->id(), &f.c.chain->genesis(), height + 1, f.c.now_ms};
        auto r = apply_tx(copy, ctx, gift, gift_out.id);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == Refusal::duplicate);
    }
    const TxOutcome again = f.c.commit1(gift);
    CHECK(again.status == TxOutcome::Status::already_committed);
    CHECK(again.location == gift_out.location);
    f.no(f.tx().redeem(f.masha, coin, v), Refusal::voucher_used);

    // And the chain goes on from where it was.
    f.ok(f.give(f.owner, acct(f.pal), 1));
    CHECK(f.c.chain->height() == height + 1);
    CHECK(f.c.chain->tip().prev == tip);
    CHECK(f.bal(f.pal) == 51);
}

// --- history ---

namespace {

std::vector<Hash256> ids_of(const HistoryPage& p) {
    std::vector<Hash256> out;
    for (const auto& e : p.entries) out.push_back(e.id);
    return out;
}

// Walks every page of `fetch` with `limit` entries each.
template <class Fetch>
std::vector<HistoryEntry> walk(Fetch fetch, std::size_t limit, std::size_t& pages) {
    std::vector<HistoryEntry> out;
    std::string cursor;
    pages = 0;
    do {
        auto page = fetch(cursor, limit);
        REQUIRE(page.has_value());
        CHECK(page->entries.size() <= limit);
        CHECK_FALSE(page->entries.empty());
        out.insert(out.end(), page->entries.begin(), page->entries.end());
        cursor = page->next_cursor;
        ++pages;
        REQUIRE(pages < 1000);  // a cursor that never ends is a bug too
    } while (!cursor.empty());
    return out;
}

void check_newest_first(const std::vector<HistoryEntry>& entries) {
    for (std::size_t i = 1; i < entries.size(); ++i) {
        const TxLocation& a = entries[i - 1].location;
        const TxLocation& b = entries[i].location;
        INFO("entry " << i);
        CHECK((a.height > b.height || (a.height == b.height && a.index > b.index)));
    }
}

}  // namespace

TEST_CASE("history: newest first, paged by cursor, each entry once", "[ledger][history]") {
    Cafe f;
    std::vector<Hash256> client_ids;  // commit order
    const std::size_t before = f.log.size();
    client_ids.push_back(f.ok(f.give(f.masha, acct(f.client), 100)).id);
    client_ids.push_back(f.ok(f.give(f.masha, acct(f.client), 200)).id);
    f.ok(f.give(f.masha, acct(f.pal), 10));  // not the client's
    {
        // Two of the client's in one block, with someone else's between them.
        const Produced p = f.c.commit({f.give(f.owner, acct(f.client), 50), f.give(f.owner, acct(f.pal), 5),
                                       f.give(f.petya, acct(f.client), 25)});
        for (const auto& o : p.outcomes) {
            require_committed(o);
            f.log.push_back(o.id);
        }
        client_ids.push_back(p.outcomes[0].id);
        client_ids.push_back(p.outcomes[2].id);
    }
    client_ids.push_back(f.ok(f.give(f.client, acct(f.pal), 10)).id);
    const Voucher v = f.tx().voucher(f.client, coin, coffee, coffee_price, acct(f.client));
    client_ids.push_back(f.ok(f.tx().redeem(f.petya, coin, v)).id);
    REQUIRE(f.log.size() == before + 8);

    std::vector<Hash256> client_newest(client_ids.rbegin(), client_ids.rend());
    std::vector<Hash256> venue_newest(f.log.rbegin(), f.log.rend());

    SECTION("one page holds the whole account history, newest first") {
        auto page = f.c.chain->account_history(acct(f.client), "", history_page_entries_max);
        REQUIRE(page.has_value());
        CHECK(ids_of(*page) == client_newest);
        CHECK(page->next_cursor.empty());
        check_newest_first(page->entries);
        for (const auto& e : page->entries) CHECK(f.c.chain->find_tx(e.id) == e.location);
    }
    SECTION("pages of 2 visit every account entry exactly once") {
        std::size_t pages = 0;
        const auto all = walk(
            [&](const std::string& cursor, std::size_t limit) {
                return f.c.chain->account_history(acct(f.client), cursor, limit);
            },
            2, pages);
        std::vector<Hash256> got;
        for (const auto& e : all) got.push_back(e.id);
        CHECK(got == client_newest);
        CHECK(pages == 3);
        check_newest_first(all);
    }
    SECTION("pages of 2 visit every venue entry exactly once") {
        std::size_t pages = 0;
        const auto all = walk(
            [&](const std::string& cursor, std::size_t limit) { return f.c.chain->venue_history(coin, cursor, limit); },
            2, pages);
        std::vector<Hash256> got;
        for (const auto& e : all) got.push_back(e.id);
        CHECK(got == venue_newest);
        CHECK(std::set<Hash256>(got.begin(), got.end()).size() == got.size());
        CHECK(pages == (venue_newest.size() + 1) / 2);
        check_newest_first(all);
    }
    SECTION("an account with no history has one empty page") {
        auto page = f.c.chain->account_history(acct(f.stranger), "", 2);
        REQUIRE(page.has_value());
        CHECK(page->entries.empty());
        CHECK(page->next_cursor.empty());
    }
    SECTION("a garbage cursor is an error, not a page") {
        CHECK_FALSE(f.c.chain->account_history(acct(f.client), "not a cursor!", 2).has_value());
        CHECK_FALSE(f.c.chain->venue_history(coin, "%%%", 2).has_value());
        // Valid base64url of the wrong length.
        const Bytes five{1, 2, 3, 4, 5};
        CHECK_FALSE(f.c.chain->account_history(acct(f.client), to_base64url(five), 2).has_value());
        // An invalid ticker is an error too.
        CHECK_FALSE(f.c.chain->venue_history("no", "", 2).has_value());
    }
}

// --- inclusion proofs ---

TEST_CASE("inclusion proofs verify against the block's tx root", "[ledger][proof]") {
    Cafe f;
    std::vector<SignedTx> txs;
    for (std::uint32_t i = 0; i < 5; ++i) txs.push_back(f.give(f.owner, acct(test_key(100 + i)), 100 + i));
    const Produced p = f.c.commit(txs);
    REQUIRE(p.block.has_value());
    REQUIRE(p.outcomes.size() == 5);

    std::vector<Hash256> ids = f.log;  // the fixture's blocks (1, 3 and 4 transactions)
    for (const auto& o : p.outcomes) {
        require_committed(o);
        ids.push_back(o.id);
    }
    for (const Hash256& id : ids) {
        const auto loc = f.c.chain->find_tx(id);
        REQUIRE(loc.has_value());
        const auto block = f.c.chain->block_at(loc->height);
        REQUIRE(block.has_value());
        const auto proof = f.c.chain->prove(id);
        REQUIRE(proof.has_value());
        CHECK(proof->index == loc->index);
        CHECK(proof->tree_size == block->tx_ids.size());
        CHECK(merkle_verify(id, *proof, block->header.tx_root));
        // The same proof does not vouch for a neighbour or another root.
        const Hash256 other = id == ids.front() ? ids.back() : ids.front();
        CHECK_FALSE(merkle_verify(other, *proof, block->header.tx_root));
        Hash256 wrong_root = block->header.tx_root;
        wrong_root[0] ^= 1;
        CHECK_FALSE(merkle_verify(id, *proof, wrong_root));
    }
    Hash256 unknown{};
    unknown[0] = 0x42;
    CHECK_FALSE(f.c.chain->prove(unknown).has_value());
}

TEST_CASE("transfer: returning coins to the treasury is not giving, so limits do not apply",
          "[ledger][transfer][limits]") {
    // A barista handing back an unused allowance must not be blocked by, or
    // use up, the limits the owner set on what she gives to clients.
    Cafe f;
    f.ok(f.tx().staff_update(f.owner, coin, f.petya.public_key(), StaffLimits{Amount{100}, Amount{1'000}}));
    f.no(f.give(f.petya, acct(f.client), 101), Refusal::limit_per_tx);
    const Amount before = f.bal(f.treasury);
    f.ok(f.give(f.petya, f.treasury, 20'000));  // far over both limits
    CHECK(f.bal(f.treasury) == before + 20'000);
    CHECK(f.bal(f.petya) == allowance - 20'000);
    CHECK(f.state().staff(coin, f.petya.public_key())->given_today == 0);
    // Giving to a client is still limited.
    f.ok(f.give(f.petya, acct(f.client), 100));
    f.no(f.give(f.petya, acct(f.client), 101), Refusal::limit_per_tx);
}

namespace {
// The digest of the same records loaded afresh into an empty state.
Hash256 fresh_digest(const State& s) {
    State loaded;
    s.for_each_record([&](const Bytes& k, const Bytes& v) { loaded.load_record(k, v); });
    return loaded.digest();
}
}  // namespace

// The state's lattice hash takes a block's writes at update_digest /
// clear_journal, one net change per key. Whatever order of writes, rollbacks
// and folds, the digest must equal that of the same records loaded afresh.
TEST_CASE("the state digest folds repeated writes to one key exactly, across rollbacks", "[ledger][digest]") {
    const std::string ticker = "DIGEST";
    const Account a = Account::of_key(test_key(21).public_key());
    const Account b = Account::of_key(test_key(22).public_key());

    Profile profile;
    profile.name = "Digest";
    State s;
    s.put_venue(ticker, VenueRecord{test_key(20).public_key(), profile});
    s.set_balance(ticker, a, 100);
    s.clear_journal();
    const Hash256 start = s.digest();
    CHECK(start == fresh_digest(s));

    // Several writes to one key, one of them back to its starting value.
    s.set_balance(ticker, a, 90);
    s.set_balance(ticker, b, 10);
    s.set_balance(ticker, a, 100);
    s.set_balance(ticker, b, 0);  // erased again: no record at all
    CHECK(s.digest() == start);  // before the fold: computed on a copy
    s.update_digest();
    CHECK(s.digest() == start);

    // A fold, then more writes, then a rollback past the fold.
    const State::Mark before = s.mark();
    s.set_balance(ticker, a, 60);
    s.set_balance(ticker, b, 40);
    s.update_digest();
    const Hash256 moved = s.digest();
    CHECK(moved != start);
    CHECK(moved == fresh_digest(s));
    const State::Mark middle = s.mark();
    s.set_balance(ticker, a, 1);
    s.set_balance(ticker, b, 99);
    s.rollback_to(middle);  // unfolded writes only
    CHECK(s.digest() == moved);
    s.set_balance(ticker, a, 30);
    s.rollback_to(before);  // folded and unfolded writes
    CHECK(s.balance(ticker, a) == 100);
    CHECK(s.balance(ticker, b) == 0);
    CHECK(s.digest() == start);
    CHECK(s.digest() == fresh_digest(s));

    s.set_balance(ticker, a, 70);
    s.set_balance(ticker, b, 30);
    s.set_balance(ticker, a, 65);
    s.set_balance(ticker, b, 35);
    s.clear_journal();
    CHECK(s.digest() == fresh_digest(s));
    CHECK(s.digest() != start);
}

TEST_CASE("the lattice-hash memo gives back only the element of exactly what it was given", "[ledger][digest]") {
    const Bytes key1 = bytes_of("key one"), value1 = bytes_of("value one"), value2 = bytes_of("value two");
    LtHashMemo memo;
    CHECK(memo.find(key1, value1) == nullptr);
    const LtHash::Element e1 = LtHash::element(key1, value1);
    memo.put(key1, value1, e1);
    const LtHash::Element* found = memo.find(key1, value1);
    REQUIRE(found != nullptr);
    CHECK(*found == e1);
    CHECK(memo.find(key1, value2) == nullptr);  // same key, another value
    CHECK(memo.find(bytes_of("key two"), value1) == nullptr);
    CHECK(LtHashMemo(memo).find(key1, value1) == nullptr);  // a copy starts empty

    // Another key that lands in the same slot replaces it.
    std::optional<Bytes> rival;
    for (int i = 0; i < 100 * static_cast<int>(LtHashMemo::slots) && !rival; ++i) {
        const Bytes k = bytes_of("rival " + std::to_string(i));
        memo.put(k, value1, LtHash::element(k, value1));
        if (!memo.find(key1, value1)) rival = k;
    }
    REQUIRE(rival);
    CHECK(memo.find(*rival, value1) != nullptr);
}

TEST_CASE("the state digest stays exact while the memo supplies elements across blocks and rollbacks",
          "[ledger][digest]") {
    const std::string ticker = "MEMO";
    Profile profile;
    profile.name = "Memo";
    State s;
    s.put_venue(ticker, VenueRecord{test_key(30).public_key(), profile});
    std::vector<Account> accounts;
    for (int i = 0; i < 8; ++i) accounts.push_back(Account::of_key(test_key(31 + i).public_key()));
    s.clear_journal();
    // Blocks whose balances come back to earlier values (the memo's element
    // for the value being taken out may or may not be the one it holds).
    for (int block = 0; block < 40; ++block) {
        for (std::size_t i = 0; i < accounts.size(); ++i)
            if ((block + static_cast<int>(i)) % 3 != 0)
                s.set_balance(ticker, accounts[i], static_cast<Amount>((block * 7 + static_cast<int>(i)) % 5));
        if (block % 5 == 4) {
            // Folded, then rolled back: the memo now remembers values the
            // state no longer holds.
            const State::Mark before = s.mark();
            for (const Account& a : accounts) s.set_balance(ticker, a, 1000 + static_cast<Amount>(block));
            s.update_digest();
            s.rollback_to(before);
        }
        s.clear_journal();
        INFO("block " << block);
        REQUIRE(s.digest() == fresh_digest(s));
    }
}
