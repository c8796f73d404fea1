// Bonus programmes on the chain: publishing versions, purchases evaluated at
// block time (accrual from the staff member's allowance, payment with the
// client's consent, gifts from the treasury), returns and debts, lots that
// expire at their due time whatever the block spacing, and the audit
// replaying it all. The evaluator's own arithmetic is programme_test.cpp's.
#include "support.h"

#include "ledger/audit.h"
#include "ledger/programme_codec.h"

#include <catch2/catch.hpp>

using namespace kopilka;
using namespace kopilka::test;

namespace {

const std::string coin = "VOLODYA";
constexpr Amount allowance = 50'000;  // 500.00 to the barista
constexpr Amount welcome = 10'000;    // 100.00, 14 days

// The seed's brackets (3 % under 500, 6 % to 1000, 12 % above) in one
// exclusive group, 30 % payable by bonuses (VIP at 30,000: all), a welcome
// gift and one referral level of 5 %.
loyalty::Programme seed_programme(std::uint64_t effective_from_s) {
    loyalty::Programme p;
    p.version = 1;
    p.effective_from_s = effective_from_s;
    p.zone = "Europe/Moscow";
    p.tzdb_version = "2024a";
    p.zone_rule = "MSK-3";
    p.tiers = {{"Base", 0, 3000}, {"VIP", 3'000'000, 10000}};
    loyalty::Rule small{1, "under 500", 1, {}, loyalty::Effect::percent, 300, std::nullopt, 0};
    small.when.receipt_max = 50'000;
    loyalty::Rule mid{2, "500 to 1000", 1, {}, loyalty::Effect::percent, 600, std::nullopt, 0};
    mid.when.receipt_min = 50'000;
    mid.when.receipt_max = 100'000;
    loyalty::Rule big{3, "above 1000", 1, {}, loyalty::Effect::percent, 1200, std::nullopt, 0};
    big.when.receipt_min = 100'000;
    p.rules = {small, mid, big};
    p.gifts = {{loyalty::GiftKind::welcome, welcome, 14, 0}};
    p.referral_bp = {500};
    return p;
}

struct Venue {
    TestChain tc;
    KeyPair owner = test_key(3);
    KeyPair barista = test_key(4);
    KeyPair client = test_key(6);
    KeyPair friend_key = test_key(7);
    Account treasury = Account::of_key(owner.public_key());
    Account staff = Account::of_key(barista.public_key());
    Account client_acc = Account::of_key(client.public_key());
    Account friend_acc = Account::of_key(friend_key.public_key());
    loyalty::Programme programme;

    Venue() {
        REQUIRE(tc.commit1(tc.tx->venue_create(owner, coin)).status == TxOutcome::Status::committed);
        REQUIRE(tc.commit1(tc.tx->staff_add(owner, coin, barista)).status == TxOutcome::Status::committed);
        REQUIRE(tc.commit1(tc.tx->transfer(owner, coin, staff, allowance)).status == TxOutcome::Status::committed);
        programme = seed_programme(tc.now_ms / 1000 + 10);
        REQUIRE(tc.commit1(tc.tx->sign(owner, ProgrammeSet{coin, programme})).status == TxOutcome::Status::committed);
        tc.advance_ms(20'000);
    }
    const State& state() const { return tc.chain->state(); }
    Amount balance(const Account& a) const { return state().balance(coin, a); }
    BlockContext next_block() const { return BlockContext{tc.chain->id(), &tc.chain->genesis(), tc.chain->height() + 1, tc.now_ms}; }

    Purchase purchase(const Account& who, std::vector<loyalty::ReceiptLine> lines, Amount pay = 0) const {
        return Purchase{coin, ClientRef{ClientRef::Kind::account, who, {}}, loyalty::Receipt{"R", std::move(lines)},
                        1, pay, std::nullopt, std::nullopt};
    }
    PayConsent consent(const KeyPair& key, const Account& who, const Purchase& p, Amount amount) const {
        PayConsent c{coin, who, amount, receipt_digest(p.receipt), tc.tx->now_s(), tc.tx->now_s() + 300, {}, {}};
        sign_pay_consent(c, key, tc.chain->id());
        return c;
    }
    TxOutcome commit(const Purchase& p) { return tc.commit1(tc.tx->sign(barista, p)); }
};

Refusal refusal_of(const TxOutcome& o) {
    REQUIRE(o.status == TxOutcome::Status::refused);
    return o.refusal->code;
}

void check_conserved(const State& s) {
    const auto totals = s.coin_totals();
    REQUIRE(totals);
    for (const auto& [ticker, total] : *totals) CHECK(total == coin_supply_units);
}

}  // namespace

TEST_CASE("programme_set: versions follow each other, only the owner publishes, and a version starts after its block",
          "[programme][chain]") {
    Venue v;
    REQUIRE(v.state().programme_in_force(coin, v.tc.now_ms / 1000));
    CHECK(v.state().programme_in_force(coin, v.tc.now_ms / 1000)->version == 1);

    loyalty::Programme next = seed_programme(v.tc.now_ms / 1000 + 100);
    next.version = 2;
    SECTION("version 2 must name version 1's hash") {
        CHECK(refusal_of(v.tc.commit1(v.tc.tx->sign(v.owner, ProgrammeSet{coin, next}))) == Refusal::programme_sequence);
        next.previous = loyalty::programme_hash(v.programme);
        REQUIRE(v.tc.commit1(v.tc.tx->sign(v.owner, ProgrammeSet{coin, next})).status == TxOutcome::Status::committed);
        // Version 1 stays in force until version 2's time; both are kept.
        CHECK(v.state().programme_in_force(coin, v.tc.now_ms / 1000)->version == 1);
        CHECK(v.state().programme_in_force(coin, next.effective_from_s)->version == 2);
        CHECK(v.state().programmes(coin).size() == 2);
        // A purchase names the version the till quoted: the old one is refused once the new one is in force.
        v.tc.advance_ms(200'000);
        CHECK(refusal_of(v.commit(v.purchase(v.client_acc, {{"", 10'000}})) ) == Refusal::programme_version);
    }
    SECTION("a version that skips one, a staff member, or a start in the past is refused") {
        next.previous = loyalty::programme_hash(v.programme);
        next.version = 3;
        CHECK(refusal_of(v.tc.commit1(v.tc.tx->sign(v.owner, ProgrammeSet{coin, next}))) == Refusal::programme_sequence);
        next.version = 2;
        CHECK(refusal_of(v.tc.commit1(v.tc.tx->sign(v.barista, ProgrammeSet{coin, next}))) == Refusal::not_owner);
        next.effective_from_s = v.tc.now_ms / 1000 - 1;
        CHECK(refusal_of(v.tc.commit1(v.tc.tx->sign(v.owner, ProgrammeSet{coin, next}))) == Refusal::programme_invalid);
        CHECK(v.state().programmes(coin).size() == 1);
    }
}

TEST_CASE("purchase: the accrual comes from the staff member's allowance, the welcome gift from the treasury, and "
          "the block does what the quote said",
          "[programme][chain]") {
    Venue v;
    const Purchase p = v.purchase(v.client_acc, {{"coffee", 20'000}, {"food", 40'000}});  // 600.00: 6 %
    auto q = quote_purchase(v.state(), v.next_block(), v.barista.public_key(), p);
    REQUIRE(q);
    CHECK(q->result.total == 60'000);
    CHECK(q->result.base == 60'000);
    CHECK(q->result.from_staff == 3'600);
    CHECK(q->result.from_treasury == welcome);
    const Amount staff_before = v.balance(v.staff), treasury_before = v.balance(v.treasury);
    const TxOutcome o = v.commit(p);
    REQUIRE(o.status == TxOutcome::Status::committed);
    CHECK(v.balance(v.client_acc) == 3'600 + welcome);
    CHECK(v.balance(v.staff) == staff_before - q->result.from_staff);
    CHECK(v.balance(v.treasury) == treasury_before - q->result.from_treasury);
    const loyalty::Client* c = v.state().loyalty_client(coin, v.client_acc);
    REQUIRE(c);
    CHECK(c->purchases == 1);
    CHECK(c->lifetime_paid == 60'000);
    // The welcome gift is a lot of 14 days; the accrual never expires.
    REQUIRE(c->lots.size() == 1);
    CHECK(c->lots[0].amount == welcome);
    REQUIRE(v.state().purchase(coin, o.id));
    CHECK(v.state().purchase(coin, o.id)->accrued_client == 3'600);
    check_conserved(v.state());

    SECTION("a referrer is named only at the first purchase, and earns its share of the next client's") {
        Purchase again = v.purchase(v.client_acc, {{"", 10'000}});
        again.referrer = v.friend_acc;
        CHECK(refusal_of(v.commit(again)) == Refusal::referrer_invalid);
        Purchase first = v.purchase(v.friend_acc, {{"", 20'000}});  // 200.00: 3 % = 6.00, referrer 5 % = 10.00
        first.referrer = v.client_acc;
        const Amount client_before = v.balance(v.client_acc);
        REQUIRE(v.commit(first).status == TxOutcome::Status::committed);
        CHECK(v.balance(v.client_acc) == client_before + 1'000);
        CHECK(v.state().loyalty_client(coin, v.friend_acc)->referrer == v.client_acc);
    }
    SECTION("a card bound to the client buys as the client") {
        REQUIRE(v.tc.commit1(v.tc.tx->sign(v.barista, CardBind{coin, "CARD0042", v.client_acc})).status ==
                TxOutcome::Status::committed);
        CHECK(refusal_of(v.tc.commit1(v.tc.tx->sign(v.barista, CardBind{coin, "CARD0042", v.friend_acc}))) ==
              Refusal::card_taken);
        Purchase by_card = v.purchase(v.client_acc, {{"", 10'000}});
        by_card.client = ClientRef{ClientRef::Kind::card, {}, "CARD0042"};
        const Amount before = v.balance(v.client_acc);
        REQUIRE(v.commit(by_card).status == TxOutcome::Status::committed);
        CHECK(v.balance(v.client_acc) == before + 300);
        by_card.client.card = "CARD0043";
        CHECK(refusal_of(v.commit(by_card)) == Refusal::unknown_card);
    }
}

TEST_CASE("purchase: paying with bonuses needs the client's own consent for this receipt, once, and a refusal changes "
          "nothing",
          "[programme][chain]") {
    Venue v;
    REQUIRE(v.commit(v.purchase(v.client_acc, {{"", 60'000}})).status == TxOutcome::Status::committed);
    const Amount balance = v.balance(v.client_acc);  // 36.00 + 100.00
    REQUIRE(balance == 13'600);
    Purchase p = v.purchase(v.client_acc, {{"", 20'000}}, 5'000);  // pays 50.00 of 200.00 (30 % allowed: 60.00)

    auto refused_cleanly = [&](Purchase bad, Refusal code) {
        const Hash256 before = v.state().digest();
        CHECK(refusal_of(v.commit(bad)) == code);
        CHECK(v.state().digest() == before);
    };
    refused_cleanly(p, Refusal::pay_consent_missing);
    p.consent = v.consent(v.friend_key, v.client_acc, p, 5'000);
    refused_cleanly(p, Refusal::pay_consent_invalid);  // another key signed it
    p.consent = v.consent(v.client, v.client_acc, p, 4'000);
    refused_cleanly(p, Refusal::pay_consent_invalid);  // another amount
    Purchase other_receipt = v.purchase(v.client_acc, {{"", 30'000}}, 5'000);
    other_receipt.consent = v.consent(v.client, v.client_acc, p, 5'000);
    refused_cleanly(other_receipt, Refusal::pay_consent_invalid);
    Purchase greedy = v.purchase(v.client_acc, {{"", 20'000}}, 7'000);  // more than 30 %
    greedy.consent = v.consent(v.client, v.client_acc, greedy, 7'000);
    refused_cleanly(greedy, Refusal::pay_too_much);

    p.consent = v.consent(v.client, v.client_acc, p, 5'000);
    const Amount treasury_before = v.balance(v.treasury);
    REQUIRE(v.commit(p).status == TxOutcome::Status::committed);
    // Accrual on the money paid: 3 % of 150.00 = 4.50.
    CHECK(v.balance(v.client_acc) == balance - 5'000 + 450);
    CHECK(v.balance(v.treasury) == treasury_before + 5'000);
    // The welcome lot was spent first (it expires; the accrual does not).
    CHECK(v.state().loyalty_client(coin, v.client_acc)->lots.at(0).amount == welcome - 5'000);
    // The same consent in another purchase of the same receipt pays nothing more.
    Purchase replay = p;
    replay.receipt.id = "R";
    refused_cleanly(replay, Refusal::pay_consent_used);
    check_conserved(v.state());
}

TEST_CASE("return: after the accrual was spent the client owes it, and the next accrual repays the debt first",
          "[programme][chain]") {
    Venue v;
    const TxOutcome bought = v.commit(v.purchase(v.client_acc, {{"", 150'000}}));  // 12 % = 180.00
    REQUIRE(bought.status == TxOutcome::Status::committed);
    REQUIRE(v.balance(v.client_acc) == 18'000 + welcome);
    // The client gives everything away.
    REQUIRE(v.tc.commit1(v.tc.tx->transfer(v.client, coin, v.friend_acc, 18'000 + welcome)).status ==
            TxOutcome::Status::committed);
    REQUIRE(v.state().loyalty_client(coin, v.client_acc)->lots.empty());
    // A full return: 180.00 to take back, nothing to take it from.
    REQUIRE(v.tc.commit1(v.tc.tx->sign(v.barista, PurchaseReturn{coin, bought.id, 150'000})).status ==
            TxOutcome::Status::committed);
    const loyalty::Client* c = v.state().loyalty_client(coin, v.client_acc);
    CHECK(c->debt == 18'000);
    CHECK(c->lifetime_paid == 0);
    CHECK(refusal_of(v.tc.commit1(v.tc.tx->sign(v.barista, PurchaseReturn{coin, bought.id, 1}))) ==
          Refusal::return_too_much);
    // The next purchase's 12 % (120.00 of 1000.00) goes to the debt, to the treasury.
    const Amount treasury_before = v.balance(v.treasury);
    REQUIRE(v.commit(v.purchase(v.client_acc, {{"", 100'000}})).status == TxOutcome::Status::committed);
    CHECK(v.balance(v.client_acc) == 0);
    CHECK(v.balance(v.treasury) == treasury_before + 12'000);
    CHECK(v.state().loyalty_client(coin, v.client_acc)->debt == 6'000);
    check_conserved(v.state());
    CHECK(audit_store(v.tc.chain->store()).ok);
}

TEST_CASE("an expiry falling between two blocks applies at its due time: one block a week later leaves the same "
          "state as an empty block made for the event",
          "[programme][chain]") {
    // Two chains with the same transactions at the same times.
    Venue spaced, sparse;
    for (Venue* v : {&spaced, &sparse})
        REQUIRE(v->commit(v->purchase(v->client_acc, {{"", 10'000}})).status == TxOutcome::Status::committed);
    REQUIRE(spaced.state().digest() == sparse.state().digest());
    const loyalty::Client* c = spaced.state().loyalty_client(coin, spaced.client_acc);
    REQUIRE(c->lots.size() == 1);
    const std::uint64_t expiry_s = c->lots[0].expiry_s;
    // Local midnight (Moscow, UTC+3) after 14 days.
    CHECK((expiry_s + 3 * 3600) % 86'400 == 0);
    REQUIRE(next_event_due_s(spaced.state()) == expiry_s);

    // One chain makes a block for the event alone, right after it is due.
    const std::uint64_t height = spaced.tc.chain->height();
    auto empty_early = spaced.tc.chain->produce_block({}, (expiry_s - 1) * 1000, spaced.tc.producer);
    REQUIRE(empty_early);
    CHECK_FALSE(empty_early->block);  // nothing due yet: no block
    auto event_block = spaced.tc.chain->produce_block({}, (expiry_s + 1) * 1000, spaced.tc.producer);
    REQUIRE(event_block);
    REQUIRE(event_block->block);
    CHECK(event_block->block->header.tx_count == 0);
    CHECK(spaced.tc.chain->height() == height + 1);
    CHECK(spaced.balance(spaced.client_acc) == 300);  // the welcome gift went back
    CHECK(spaced.state().loyalty_client(coin, spaced.client_acc)->lots.empty());

    // A week after the expiry both chains take the same transaction.
    const std::uint64_t later_ms = (expiry_s + 7 * 86'400) * 1000;
    for (Venue* v : {&spaced, &sparse}) {
        v->tc.now_ms = later_ms;
        v->tc.tx->set_time_ms(later_ms);
        REQUIRE(v->tc.commit1(v->tc.tx->transfer(v->client, coin, v->friend_acc, 100)).status ==
                TxOutcome::Status::committed);
    }
    CHECK(sparse.balance(sparse.client_acc) == 200);
    CHECK(spaced.state().digest() == sparse.state().digest());
    check_conserved(sparse.state());
    CHECK(audit_store(spaced.tc.chain->store()).ok);
    CHECK(audit_store(sparse.tc.chain->store()).ok);
}

TEST_CASE("birthday_set: only the client's key sets it, once", "[programme][chain]") {
    Venue v;
    CHECK(refusal_of(v.tc.commit1(v.tc.tx->sign(v.barista, BirthdaySet{coin, v.client_acc, 2, 29}))) ==
          Refusal::not_account_holder);
    REQUIRE(v.tc.commit1(v.tc.tx->sign(v.client, BirthdaySet{coin, v.client_acc, 2, 29})).status ==
            TxOutcome::Status::committed);
    CHECK(refusal_of(v.tc.commit1(v.tc.tx->sign(v.client, BirthdaySet{coin, v.client_acc, 3, 1}))) ==
          Refusal::birthday_already_set);
    // Setting it first does not cost the client its welcome gift.
    REQUIRE(v.commit(v.purchase(v.client_acc, {{"", 10'000}})).status == TxOutcome::Status::committed);
    CHECK(v.balance(v.client_acc) == 300 + welcome);
    CHECK(v.state().loyalty_client(coin, v.client_acc)->birthday == std::pair<std::uint8_t, std::uint8_t>{2, 29});
    // The programme records survive a reopen (the store's records and the digest).
    v.tc.reopen();
    CHECK(v.state().loyalty_client(coin, v.client_acc)->birthday == std::pair<std::uint8_t, std::uint8_t>{2, 29});
    CHECK(audit_store(v.tc.chain->store()).ok);
}

TEST_CASE("time events: a monthly tier recalculation and a win-back gift happen in blocks made for them alone",
          "[programme][chain]") {
    TestChain tc;
    const KeyPair owner = test_key(3), barista = test_key(4), client = test_key(6);
    const Account treasury = Account::of_key(owner.public_key()), staff = Account::of_key(barista.public_key());
    const Account who = Account::of_key(client.public_key());
    REQUIRE(tc.commit1(tc.tx->venue_create(owner, coin)).status == TxOutcome::Status::committed);
    REQUIRE(tc.commit1(tc.tx->staff_add(owner, coin, barista)).status == TxOutcome::Status::committed);
    REQUIRE(tc.commit1(tc.tx->transfer(owner, coin, staff, allowance)).status == TxOutcome::Status::committed);
    loyalty::Programme p = seed_programme(tc.now_ms / 1000 + 10);
    p.tier_recalc = loyalty::TierRecalc::monthly;
    p.recalc_day = 1;
    p.tier_basis = loyalty::TierBasis::lifetime;
    p.tiers = {{"Base", 0, 3000}, {"Gold", 100'000, 10000}};  // Gold at 1,000.00
    p.gifts = {{loyalty::GiftKind::winback, 20'000, 7, 30}};  // 200.00 for 7 days after 30 days away
    REQUIRE(tc.commit1(tc.tx->sign(owner, ProgrammeSet{coin, p})).status == TxOutcome::Status::committed);
    tc.advance_ms(20'000);
    const State& s = tc.chain->state();
    REQUIRE(tc.commit1(tc.tx->sign(barista, Purchase{coin, ClientRef{ClientRef::Kind::account, who, {}},
                                                      loyalty::Receipt{"R", {{"", 150'000}}}, 1, 0, std::nullopt,
                                                      std::nullopt}))
                .status == TxOutcome::Status::committed);
    // Past Gold's threshold, but tiers change only at the recalculation.
    CHECK(s.loyalty_client(coin, who)->tier == 0);
    const auto recalc = loyalty::next_tier_recalc(p, tc.now_ms / 1000);
    REQUIRE(recalc);
    const auto winback = loyalty::next_winback_gift(p, *s.loyalty_client(coin, who));
    REQUIRE(winback);
    REQUIRE(*recalc < *winback);  // 2026-10-01 00:00 MSK, then 30 days after the purchase
    REQUIRE(next_event_due_s(s) == *recalc);

    // What the block's time events did, as the node's extras see it (its POS webhooks).
    std::vector<TierChange> event_tiers;
    auto event_block = [&](std::uint64_t at_s) {
        event_tiers.clear();
        auto made = tc.chain->produce_block({}, at_s * 1000, tc.producer, /*signatures_verified=*/false,
                                            [&](const Block&, std::span<const SignedTx>, std::span<const TxOutcome>,
                                                const Effects& events, const State&, Batch&) { event_tiers = events.tiers; });
        REQUIRE(made);
        REQUIRE(made->block);
        CHECK(made->block->header.tx_count == 0);
    };
    event_block(*recalc);
    CHECK(s.loyalty_client(coin, who)->tier == 1);
    CHECK(event_tiers == std::vector<TierChange>{{coin, who, 0, 1}});
    const Amount treasury_before = s.balance(coin, treasury), client_before = s.balance(coin, who);
    event_block(*winback + 5);
    CHECK(event_tiers.empty());  // the next month's recalculation is later; a gift moves no tier
    CHECK(s.balance(coin, who) == client_before + 20'000);
    CHECK(s.balance(coin, treasury) == treasury_before - 20'000);
    CHECK(s.gifts_in_month(coin, static_cast<std::uint32_t>(tz::to_local(*tz::parse(p.zone_rule),
                                                                          static_cast<std::int64_t>(*winback)).year * 12 +
                                                            tz::to_local(*tz::parse(p.zone_rule),
                                                                          static_cast<std::int64_t>(*winback)).month - 1)) ==
          20'000);
    // Given once per absence: the gift's own expiry is the next event, not another gift.
    REQUIRE(s.loyalty_client(coin, who)->lots.size() == 1);
    CHECK(next_event_due_s(s) == s.loyalty_client(coin, who)->lots[0].expiry_s);
    check_conserved(s);
    CHECK(audit_store(tc.chain->store()).ok);
}

TEST_CASE("a purchase that reaches a tier and the return that takes it back each say so in their outcome",
          "[programme][chain]") {
    TestChain tc;
    const KeyPair owner = test_key(3), barista = test_key(4), client = test_key(6);
    const Account staff = Account::of_key(barista.public_key()), who = Account::of_key(client.public_key());
    REQUIRE(tc.commit1(tc.tx->venue_create(owner, coin)).status == TxOutcome::Status::committed);
    REQUIRE(tc.commit1(tc.tx->staff_add(owner, coin, barista)).status == TxOutcome::Status::committed);
    REQUIRE(tc.commit1(tc.tx->transfer(owner, coin, staff, allowance)).status == TxOutcome::Status::committed);
    loyalty::Programme p = seed_programme(tc.now_ms / 1000 + 10);
    p.tiers = {{"Base", 0, 3000}, {"Gold", 100'000, 10000}};  // Gold at 1,000.00, recomputed on purchase
    REQUIRE(p.tier_recalc == loyalty::TierRecalc::on_purchase);
    REQUIRE(tc.commit1(tc.tx->sign(owner, ProgrammeSet{coin, p})).status == TxOutcome::Status::committed);
    tc.advance_ms(20'000);
    auto buy = [&](Amount money) {
        return tc.commit1(tc.tx->sign(barista, Purchase{coin, ClientRef{ClientRef::Kind::account, who, {}},
                                                         loyalty::Receipt{"R", {{"", money}}}, 1, 0, std::nullopt,
                                                         std::nullopt}));
    };
    const TxOutcome small = buy(40'000);  // 400.00: still Base
    REQUIRE(small.status == TxOutcome::Status::committed);
    CHECK(small.tiers.empty());
    const TxOutcome big = buy(70'000);  // 1,100.00 in all: Gold
    REQUIRE(big.status == TxOutcome::Status::committed);
    CHECK(big.tiers == std::vector<TierChange>{{coin, who, 0, 1}});
    CHECK(tc.chain->state().loyalty_client(coin, who)->tier == 1);
    // Half of the big one back: 750.00 in all, Base again.
    const TxOutcome back = tc.commit1(tc.tx->sign(barista, PurchaseReturn{coin, big.id, 35'000}));
    REQUIRE(back.status == TxOutcome::Status::committed);
    CHECK(back.tiers == std::vector<TierChange>{{coin, who, 1, 0}});
    CHECK(tc.chain->state().loyalty_client(coin, who)->tier == 0);
    CHECK(audit_store(tc.chain->store()).ok);
}
