// The bonus programme evaluator (ledger/programme.h) on the figures of the
// programme it models (BonusPlus, /work/shared/seeds): receipt brackets,
// tiers by lifetime and by period, monthly recalculation, payment limits,
// windows in local time across midnight and daylight-saving changes,
// birthdays, returning clients, gifts, referrals, stamp cards, caps, debts
// from returns, and lots.
#include "ledger/programme.h"

#include <catch2/catch.hpp>

using namespace kopilka::ledger;
using namespace kopilka::ledger::loyalty;

namespace {

constexpr Amount major = 100;  // minor units per rouble

// UTC seconds of a Moscow (UTC+3) wall-clock time.
std::uint64_t msk(std::int32_t y, unsigned mo, unsigned d, unsigned h = 12, unsigned mi = 0) {
    return static_cast<std::uint64_t>(tz::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 - 3 * 3600);
}
std::uint64_t utc(std::int32_t y, unsigned mo, unsigned d, unsigned h, unsigned mi = 0) {
    return static_cast<std::uint64_t>(tz::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60);
}

Programme moscow() {
    Programme p;
    p.zone = "Europe/Moscow";
    p.tzdb_version = "2024a";
    p.zone_rule = "MSK-3";
    p.tiers = {Tier{"Base", 0, bp_whole}};
    return p;
}

Rule percent(std::uint16_t id, std::uint32_t bp) {
    Rule r;
    r.id = id;
    r.name = "rule " + std::to_string(id);
    r.effect = Effect::percent;
    r.value = bp;
    return r;
}
Rule fixed(std::uint16_t id, std::uint32_t amount) {
    Rule r = percent(id, amount);
    r.effect = Effect::fixed;
    return r;
}

Receipt receipt(std::initializer_list<ReceiptLine> lines) { return Receipt{"R-1", lines}; }
Receipt receipt(Amount amount) { return Receipt{"R-1", {ReceiptLine{"", amount}}}; }

struct Call {
    const Programme* p;
    const Client* client = nullptr;
    Receipt r;
    std::uint64_t time = msk(2024, 5, 10);
    Amount pay = 0;
    Amount balance = 0;
    std::vector<const Client*> referrers;
    Amount gifts = 0;
};

PurchaseResult run(const Call& c) {
    PurchaseInput in;
    in.programme = c.p;
    in.client = c.client;
    in.receipt = c.r;
    in.pay = c.pay;
    in.client_balance = c.balance;
    in.time_s = c.time;
    in.referrers = c.referrers;
    in.gifts_this_month = c.gifts;
    auto res = evaluate_purchase(in);
    INFO((res ? std::string() : res.error()));
    REQUIRE(res);
    return *res;
}

// The amounts credited by rules, in evaluation order.
std::vector<Amount> credited(const PurchaseResult& r, Credit::Source source = Credit::Source::rule) {
    std::vector<Amount> out;
    for (const auto& c : r.credits)
        if (c.source == source) out.push_back(c.amount);
    return out;
}
std::vector<std::uint16_t> rule_ids(const PurchaseResult& r) {
    std::vector<std::uint16_t> out;
    for (const auto& c : r.credits)
        if (c.source == Credit::Source::rule) out.push_back(c.id);
    return out;
}

using V = std::vector<Amount>;
using Ids = std::vector<std::uint16_t>;

}  // namespace

TEST_CASE("programme: receipt brackets 3 % under 500, 6 % from 500 to 1000, 12 % above", "[programme]") {
    auto p = moscow();
    Rule low = percent(1, 300), mid = percent(2, 600), high = percent(3, 1200);
    low.when.receipt_max = 500 * major;
    mid.when.receipt_min = 500 * major;
    mid.when.receipt_max = 1000 * major + 1;
    high.when.receipt_min = 1000 * major + 1;
    p.rules = {high, low, mid};  // evaluated in ascending id whatever the order held
    REQUIRE(check_programme(p).empty());
    CHECK(credited(run({&p, nullptr, receipt(49999)})) == V{1499});  // 3 % of 499.99, floored
    CHECK(credited(run({&p, nullptr, receipt(500 * major)})) == V{3000});
    CHECK(credited(run({&p, nullptr, receipt(1000 * major)})) == V{6000});
    CHECK(credited(run({&p, nullptr, receipt(1000 * major + 1)})) == V{12000});
    CHECK(credited(run({&p, nullptr, receipt(750 * major)})) == V{4500});  // the seed's average receipt
    // A small receipt earns nothing rather than a rounded-up unit: 3 % of 33 is 0.99.
    auto small = run({&p, nullptr, receipt(33)});
    CHECK(small.credits.empty());
    CHECK(small.from_staff == 0);
    CHECK(credited(run({&p, nullptr, receipt(34)})) == V{1});
}

TEST_CASE("programme: Gold from 10,000 and VIP from 30,000 paid in all, the tier before sets the rate", "[programme]") {
    auto p = moscow();
    p.tiers = {Tier{"Base", 0, 3000}, Tier{"Gold", 10'000 * major, bp_whole}, Tier{"VIP", 30'000 * major, bp_whole}};
    Rule base = percent(1, 300), gold = percent(2, 500), vip = percent(3, 1000);
    base.when.tier_mask = 1;
    gold.when.tier_mask = 2;
    vip.when.tier_mask = 4;
    p.rules = {base, gold, vip};
    REQUIRE(check_programme(p).empty());
    Client c;
    c.lifetime_paid = 9'900 * major;
    c.purchases = 10;
    c.last_purchase_s = msk(2024, 4, 1);
    auto first = run({&p, &c, receipt(100 * major)});
    CHECK(first.tier_before == 0);
    CHECK(first.tier_after == 1);
    CHECK(first.client_after.tier == 1);
    CHECK(first.client_after.lifetime_paid == 10'000 * major);
    CHECK(rule_ids(first) == Ids{1});
    CHECK(credited(first) == V{300});
    auto second = run({&p, &first.client_after, receipt(20'000 * major)});
    CHECK(rule_ids(second) == Ids{2});
    CHECK(credited(second) == V{100'000});
    CHECK(second.tier_after == 2);
    auto third = run({&p, &second.client_after, receipt(100 * major)});
    CHECK(rule_ids(third) == Ids{3});
    CHECK(credited(third) == V{1000});
    CHECK(third.client_after.best_purchase == 20'000 * major);
}

TEST_CASE("programme: over 30,000 in the last 3 months earns 15 %, else 5 %", "[programme]") {
    auto p = moscow();
    p.tier_basis = TierBasis::period;
    p.period_months = 3;
    p.tiers = {Tier{"5 %", 0, bp_whole}, Tier{"15 %", 30'000 * major + 1, bp_whole}};
    Rule five = percent(1, 500), fifteen = percent(2, 1500);
    five.when.tier_mask = 1;
    fifteen.when.tier_mask = 2;
    p.rules = {five, fifteen};
    REQUIRE(check_programme(p).empty());
    auto jan = run({&p, nullptr, receipt(10'000 * major), msk(2024, 1, 15)});
    auto feb = run({&p, &jan.client_after, receipt(10'000 * major), msk(2024, 2, 15)});
    CHECK(feb.tier_after == 0);
    auto mar = run({&p, &feb.client_after, receipt(10'000 * major + 1), msk(2024, 3, 15)});
    CHECK(credited(mar) == V{50'000});  // 5 % of 10,000.01 at the tier before
    CHECK(mar.tier_after == 1);
    CHECK(mar.client_after.months ==
          std::vector<MonthTotal>{{2024 * 12 + 0, 1'000'000}, {2024 * 12 + 1, 1'000'000}, {2024 * 12 + 2, 1'000'001}});
    // April: January has left the window (February, March, April).
    auto apr = run({&p, &mar.client_after, receipt(100 * major), msk(2024, 4, 15)});
    CHECK(credited(apr) == V{1500});
    CHECK(apr.tier_after == 0);
}

TEST_CASE("programme: a monthly recalculation on the 1st over the last 6 months earns a tier and takes it back",
          "[programme]") {
    auto p = moscow();
    p.tier_basis = TierBasis::period;
    p.period_months = 6;
    p.tier_recalc = TierRecalc::monthly;
    p.recalc_day = 1;
    p.tiers = {Tier{"Base", 0, bp_whole}, Tier{"Gold", 10'000 * major, bp_whole}};
    REQUIRE(check_programme(p).empty());
    auto buy = run({&p, nullptr, receipt(12'000 * major), msk(2024, 1, 20)});
    CHECK(buy.tier_after == 0);  // a purchase does not move a monthly tier
    CHECK(buy.client_after.tier == 0);
    auto recalc = next_tier_recalc(p, msk(2024, 1, 20));
    REQUIRE(recalc);
    CHECK(*recalc == msk(2024, 2, 1, 0, 0));
    CHECK(next_tier_recalc(p, *recalc) == msk(2024, 3, 1, 0, 0));
    CHECK(next_tier_recalc(p, *recalc - 1) == *recalc);
    CHECK(tier_at(p, buy.client_after, *recalc, true) == 1);
    // 1 July still counts January (January to June); 1 August does not.
    CHECK(tier_at(p, buy.client_after, msk(2024, 7, 1, 0, 0), true) == 1);
    CHECK(tier_at(p, buy.client_after, msk(2024, 8, 1, 0, 0), true) == 0);
    // The scheduled window ends before the month of the recalculation: a
    // purchase on the 1st itself counts from the next one.
    auto on_first = run({&p, nullptr, receipt(12'000 * major), msk(2024, 2, 1, 10)});
    CHECK(tier_at(p, on_first.client_after, msk(2024, 2, 1, 0, 0), true) == 0);
    CHECK(tier_at(p, on_first.client_after, msk(2024, 2, 1, 10), false) == 1);
    p.tier_recalc = TierRecalc::on_purchase;
    CHECK_FALSE(next_tier_recalc(p, msk(2024, 1, 20)));
    p.tier_recalc = TierRecalc::monthly;
    p.recalc_day = 28;
    CHECK(next_tier_recalc(p, msk(2024, 2, 28, 0, 0)) == msk(2024, 3, 28, 0, 0));
}

TEST_CASE("programme: bonuses pay 30 % of a receipt at Base, all of it at Gold, within the balance", "[programme]") {
    auto p = moscow();
    p.tiers = {Tier{"Base", 0, 3000}, Tier{"Gold", 10'000 * major, bp_whole}};
    Client base;
    Client gold;
    gold.tier = 1;
    CHECK(run({&p, &base, receipt(1000 * major), msk(2024, 5, 10), 0, 1'000'000}).payable_max == 300 * major);
    CHECK(run({&p, &gold, receipt(1000 * major), msk(2024, 5, 10), 0, 1'000'000}).payable_max == 1000 * major);
    CHECK(run({&p, &gold, receipt(1000 * major), msk(2024, 5, 10), 0, 2000}).payable_max == 2000);
    CHECK(run({&p, &base, receipt(1001), msk(2024, 5, 10), 0, 1'000'000}).payable_max == 300);  // floor(300.3)
    auto ok = run({&p, &base, receipt(1000 * major), msk(2024, 5, 10), 300 * major, 1'000'000});
    CHECK(ok.paid == 300 * major);
    CHECK(ok.client_after.lifetime_paid == 700 * major);
    PurchaseInput in;
    in.programme = &p;
    in.client = &base;
    in.receipt = receipt(1000 * major);
    in.pay = 300 * major + 1;
    in.client_balance = 1'000'000;
    in.time_s = msk(2024, 5, 10);
    auto refused = evaluate_purchase(in);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error(), Catch::Contains("30001") && Catch::Contains("30000"));
}

TEST_CASE("programme: excluded categories are not payable and earn nothing, weekdays limit payment", "[programme]") {
    auto p = moscow();
    p.tiers = {Tier{"Base", 0, 3000}, Tier{"Gold", 10'000 * major, bp_whole}};
    p.pay_excluded = {"tobacco", "alcohol"};
    p.accrual_excluded = {"alcohol"};
    p.rules = {percent(1, 1000)};
    p.weekday_pay_share_bp[4] = 5000;  // Friday: at most half
    p.weekday_pay_share_bp[5] = 0;     // Saturday: bonuses pay nothing
    REQUIRE(check_programme(p).empty());
    Client gold;
    gold.tier = 1;
    auto r = receipt({{"coffee", 6000}, {"tobacco", 3000}, {"alcohol", 1000}});
    auto thursday = msk(2024, 5, 9), friday = msk(2024, 5, 10), saturday = msk(2024, 5, 11);
    CHECK(run({&p, &gold, r, thursday, 0, 1'000'000}).payable_max == 6000);
    CHECK(run({&p, &gold, r, friday, 0, 1'000'000}).payable_max == 3000);  // half of the payable 6000
    CHECK(run({&p, &gold, r, saturday, 0, 1'000'000}).payable_max == 0);
    Client base;
    CHECK(run({&p, &base, r, friday, 0, 1'000'000}).payable_max == 1800);  // 30 % is less than half
    auto paid = run({&p, &gold, r, thursday, 6000, 1'000'000});
    CHECK(paid.base == 3000);  // coffee was paid in bonuses, tobacco in money, alcohol earns nothing
    CHECK(credited(paid) == V{300});
    CHECK(paid.client_after.lifetime_paid == 4000);
}

TEST_CASE("programme: bonuses paid on a receipt earn nothing, the payment is spread over the lines", "[programme]") {
    auto p = moscow();
    Rule all = percent(1, 1000), b_only = percent(2, 1000);
    b_only.when.categories = {"b"};
    p.rules = {all, b_only};
    // 1001 over 3000 and 7000: 300 and 700, the unit left to the first line.
    auto r = run({&p, nullptr, receipt({{"a", 3000}, {"b", 7000}}), msk(2024, 5, 10), 1001, 5000});
    CHECK(r.paid == 1001);
    CHECK(r.base == 8999);
    CHECK(credited(r) == V{899, 630});
    // The remainder never takes a line past its amount.
    auto tiny = run({&p, nullptr, receipt({{"a", 1}, {"b", 1}, {"c", 1}}), msk(2024, 5, 10), 2, 5000});
    CHECK(tiny.base == 1);
    CHECK(credited(tiny) == V{});
    auto full = run({&p, nullptr, receipt({{"a", 1}, {"b", 2}}), msk(2024, 5, 10), 3, 5000});
    CHECK(full.base == 0);
}

TEST_CASE("programme: happy hour Monday to Thursday 9-12 local time", "[programme]") {
    auto p = moscow();
    Rule happy = percent(2, 500);
    happy.when.window = Window{0x0f, 9 * 60, 12 * 60};
    p.rules = {percent(1, 300), happy};
    auto at = [&](std::uint64_t t) { return rule_ids(run({&p, nullptr, receipt(10'000), t})); };
    // 6 May 2024 was a Monday.
    CHECK(at(msk(2024, 5, 6, 9, 0)) == Ids{1, 2});
    CHECK(at(msk(2024, 5, 6, 11, 59)) == Ids{1, 2});
    CHECK(at(msk(2024, 5, 6, 12, 0)) == Ids{1});
    CHECK(at(msk(2024, 5, 6, 8, 59)) == Ids{1});
    CHECK(at(msk(2024, 5, 9, 10, 0)) == Ids{1, 2});   // Thursday
    CHECK(at(msk(2024, 5, 10, 10, 0)) == Ids{1});     // Friday
    CHECK(at(msk(2024, 5, 12, 10, 0)) == Ids{1});     // Sunday
    // 06:00-09:00 UTC is 09:00-12:00 in Moscow.
    CHECK(at(utc(2024, 5, 6, 6, 0)) == Ids{1, 2});
    CHECK(at(utc(2024, 5, 6, 9, 0)) == Ids{1});
}

TEST_CASE("programme: a Saturday-night window past midnight across Berlin's daylight-saving changes", "[programme]") {
    auto p = moscow();
    p.zone = "Europe/Berlin";
    p.zone_rule = "CET-1CEST,M3.5.0,M10.5.0/3";
    Rule night = fixed(1, 100);
    night.when.window = Window{1 << 5, 22 * 60, 4 * 60};  // Saturday 22:00 - Sunday 04:00
    p.rules = {night};
    REQUIRE(check_programme(p).empty());
    auto in = [&](std::uint64_t t) { return !run({&p, nullptr, receipt(10'000), t}).credits.empty(); };
    // Spring: Sunday 31 March 2024, 02:00 CET becomes 03:00 CEST at 01:00 UTC.
    CHECK_FALSE(in(utc(2024, 3, 30, 20, 59)));  // Saturday 21:59 CET
    CHECK(in(utc(2024, 3, 30, 21, 0)));         // Saturday 22:00 CET
    CHECK(in(utc(2024, 3, 31, 0, 30)));         // Sunday 01:30 CET
    CHECK(in(utc(2024, 3, 31, 1, 30)));         // Sunday 03:30 CEST
    CHECK_FALSE(in(utc(2024, 3, 31, 2, 0)));    // Sunday 04:00 CEST: three hours after 01:00 CET
    CHECK_FALSE(in(utc(2024, 3, 31, 21, 0)));   // Sunday 23:00: Sunday is not a start day
    // Autumn: Sunday 27 October, 03:00 CEST becomes 02:00 CET at 01:00 UTC.
    CHECK(in(utc(2024, 10, 27, 0, 30)));        // 02:30 CEST
    CHECK(in(utc(2024, 10, 27, 1, 30)));        // 02:30 CET, again
    CHECK(in(utc(2024, 10, 27, 2, 59)));        // 03:59 CET
    CHECK_FALSE(in(utc(2024, 10, 27, 3, 0)));   // 04:00 CET: an hour later than in summer time
    CHECK(in(utc(2024, 10, 26, 20, 0)));        // Saturday 22:00 CEST
    CHECK_FALSE(in(utc(2024, 10, 26, 19, 59)));
}

TEST_CASE("programme: birthday within 3 days, 29 February in a year without it, across New Year", "[programme]") {
    auto p = moscow();
    Rule bday = fixed(1, 5000);
    bday.when.birthday_days = 3;
    p.rules = {bday};
    auto near = [&](std::uint8_t m, std::uint8_t d, std::uint64_t t) {
        Client c;
        c.birthday = std::pair{m, d};
        return !run({&p, &c, receipt(10'000), t}).credits.empty();
    };
    // 2023 has no 29 February: the birthday is the 28th.
    CHECK_FALSE(near(2, 29, msk(2023, 2, 24, 23, 59)));
    CHECK(near(2, 29, msk(2023, 2, 25, 0, 0)));
    CHECK(near(2, 29, msk(2023, 3, 3, 23, 59)));
    CHECK_FALSE(near(2, 29, msk(2023, 3, 4, 0, 0)));
    CHECK_FALSE(near(2, 29, msk(2024, 2, 25)));
    CHECK(near(2, 29, msk(2024, 2, 26)));
    CHECK(near(2, 29, msk(2024, 3, 3)));
    CHECK_FALSE(near(2, 29, msk(2024, 3, 4)));
    // 1 January and 30 December, across the year's end both ways.
    CHECK_FALSE(near(1, 1, msk(2023, 12, 28)));
    CHECK(near(1, 1, msk(2023, 12, 29)));
    CHECK(near(1, 1, msk(2024, 1, 4)));
    CHECK_FALSE(near(1, 1, msk(2024, 1, 5)));
    CHECK(near(12, 30, msk(2025, 1, 2)));
    CHECK_FALSE(near(12, 30, msk(2025, 1, 3)));
    // Local dates: 31 December 22:00 UTC is already 1 January in Moscow.
    CHECK(near(1, 4, utc(2023, 12, 31, 22, 0)));
    CHECK_FALSE(near(1, 4, utc(2023, 12, 31, 20, 59)));
    // No birthday set, or a new client: no match.
    Client none;
    CHECK(run({&p, &none, receipt(10'000), msk(2024, 1, 1)}).credits.empty());
}

TEST_CASE("programme: a returning client within 7 days earns extra", "[programme]") {
    auto p = moscow();
    Rule back = fixed(1, 700);
    back.when.returning_days = 7;
    p.rules = {back};
    Client c;
    c.purchases = 1;
    c.last_purchase_s = msk(2024, 5, 1, 10, 0);
    CHECK(credited(run({&p, &c, receipt(10'000), c.last_purchase_s + 7 * 86400})) == V{700});
    CHECK(credited(run({&p, &c, receipt(10'000), c.last_purchase_s + 7 * 86400 + 1})) == V{});
    CHECK(credited(run({&p, nullptr, receipt(10'000), c.last_purchase_s})) == V{});
    auto first = run({&p, nullptr, receipt(10'000), msk(2024, 5, 1)});
    CHECK(credited(run({&p, &first.client_after, receipt(10'000), msk(2024, 5, 2)})) == V{700});
}

TEST_CASE("programme: groups are exclusive, group 0 rules stack", "[programme]") {
    auto p = moscow();
    Rule big = percent(1, 1200), mid = percent(2, 600), any = percent(3, 300), extra = fixed(4, 100);
    big.group = mid.group = any.group = 7;
    big.when.receipt_min = 100'000;
    mid.when.receipt_min = 50'000;
    p.rules = {extra, any, mid, big};
    CHECK(rule_ids(run({&p, nullptr, receipt(150'000)})) == Ids{1, 4});
    CHECK(rule_ids(run({&p, nullptr, receipt(60'000)})) == Ids{2, 4});
    CHECK(rule_ids(run({&p, nullptr, receipt(10'000)})) == Ids{3, 4});
}

TEST_CASE("programme: welcome 100 for 14 days on registration, within the month's gift budget", "[programme]") {
    auto p = moscow();
    p.gifts = {Gift{GiftKind::welcome, 100 * major, 14, 0}};
    REQUIRE(check_programme(p).empty());
    auto t = msk(2024, 5, 10, 15, 0);
    auto r = run({&p, nullptr, receipt(10'000), t});
    REQUIRE(r.credits.size() == 1);
    CHECK(r.credits[0] == Credit{Credit::Source::gift, 1, 0, 100 * major, msk(2024, 5, 25, 0, 0)});
    CHECK(r.from_treasury == 100 * major);
    CHECK(r.from_staff == 0);
    CHECK(r.gifts_this_month_after == 100 * major);
    CHECK(r.client_after.lots == std::vector<Lot>{{100 * major, msk(2024, 5, 25, 0, 0)}});
    CHECK(r.client_after.registered_s == t);
    CHECK(r.client_after.purchases == 1);
    // Once: a known client has no welcome.
    CHECK(run({&p, &r.client_after, receipt(10'000), t + 60}).credits.empty());
    Client again = r.client_after;
    CHECK_FALSE(give_gift(p, again, GiftKind::welcome, t, 0));
    // The budget cuts it, then stops it.
    p.gift_budget_per_month = 150 * major;
    auto cut = run({&p, nullptr, receipt(10'000), t, 0, 0, {}, 90 * major});
    CHECK(cut.from_treasury == 60 * major);
    CHECK(cut.gifts_this_month_after == 150 * major);
    auto none = run({&p, nullptr, receipt(10'000), t, 0, 0, {}, 150 * major});
    CHECK(none.credits.empty());
    CHECK(none.client_after.lots.empty());
}

TEST_CASE("programme: win-back 200 for 7 days after 30 days without a purchase, once per absence", "[programme]") {
    auto p = moscow();
    p.gifts = {Gift{GiftKind::winback, 200 * major, 7, 30}};
    REQUIRE(check_programme(p).empty());
    auto first = run({&p, nullptr, receipt(10'000), msk(2024, 5, 1, 12, 0)});
    Client c = first.client_after;
    auto due = next_winback_gift(p, c);
    REQUIRE(due);
    CHECK(*due == msk(2024, 5, 31, 12, 0));
    CHECK_FALSE(give_gift(p, c, GiftKind::winback, *due - 1, 0));
    auto gift = give_gift(p, c, GiftKind::winback, *due, 0);
    REQUIRE(gift);
    CHECK(*gift == Credit{Credit::Source::gift, 3, 0, 200 * major, msk(2024, 6, 8, 0, 0)});
    CHECK(c.winback_given_s == *due);
    CHECK(c.lots == std::vector<Lot>{{200 * major, msk(2024, 6, 8, 0, 0)}});
    CHECK_FALSE(next_winback_gift(p, c));
    CHECK_FALSE(give_gift(p, c, GiftKind::winback, *due + 86400, 0));
    // Back, and away again: a new absence earns a new gift.
    auto back = run({&p, &c, receipt(10'000), msk(2024, 6, 5, 12, 0)});
    CHECK(next_winback_gift(p, back.client_after) == msk(2024, 7, 5, 12, 0));
    // The month's budget.
    p.gift_budget_per_month = 250 * major;
    Client d = first.client_after;
    auto cut = give_gift(p, d, GiftKind::winback, *due, 100 * major);
    REQUIRE(cut);
    CHECK(cut->amount == 150 * major);
    Client e = first.client_after;
    CHECK_FALSE(give_gift(p, e, GiftKind::winback, *due, 250 * major));
    CHECK_FALSE(next_winback_gift(p, e));  // spent budget: the gift is forfeited, not retried
    Programme no_gift = moscow();
    CHECK_FALSE(next_winback_gift(no_gift, first.client_after));
}

TEST_CASE("programme: a birthday gift 3 days before, once a year", "[programme]") {
    auto p = moscow();
    p.gifts = {Gift{GiftKind::birthday, 500 * major, 10, 3}};
    Client c;
    c.birthday = std::pair<std::uint8_t, std::uint8_t>{5, 20};
    auto due = next_birthday_gift(p, c, msk(2024, 1, 1));
    REQUIRE(due);
    CHECK(*due == msk(2024, 5, 17, 0, 0));
    auto gift = give_gift(p, c, GiftKind::birthday, *due, 0);
    REQUIRE(gift);
    CHECK(gift->amount == 500 * major);
    CHECK(gift->expiry_s == msk(2024, 5, 28, 0, 0));
    CHECK(c.birthday_gift_year == 2024);
    CHECK_FALSE(give_gift(p, c, GiftKind::birthday, *due + 3600, 0));
    CHECK(next_birthday_gift(p, c, *due) == msk(2025, 5, 17, 0, 0));
    CHECK(next_birthday_gift(p, c, msk(2024, 1, 1)) == msk(2025, 5, 17, 0, 0));  // 2024's is given
    // 2 January with 5 days ahead: the gift for 2025 comes on 28 December 2024.
    Client jan;
    jan.birthday = std::pair<std::uint8_t, std::uint8_t>{1, 2};
    p.gifts[0].param_days = 5;
    CHECK(next_birthday_gift(p, jan, msk(2024, 6, 1)) == msk(2024, 12, 28, 0, 0));
    REQUIRE(give_gift(p, jan, GiftKind::birthday, msk(2024, 12, 28, 0, 0), 0));
    CHECK(jan.birthday_gift_year == 2025);
    CHECK(next_birthday_gift(p, jan, msk(2024, 12, 28, 0, 0)) == msk(2025, 12, 28, 0, 0));
    // 29 February in 2025 is the 28th.
    Client leap;
    leap.birthday = std::pair<std::uint8_t, std::uint8_t>{2, 29};
    p.gifts[0].param_days = 0;
    CHECK(next_birthday_gift(p, leap, msk(2025, 1, 1)) == msk(2025, 2, 28, 0, 0));
    CHECK(next_birthday_gift(p, leap, msk(2027, 3, 1)) == msk(2028, 2, 29, 0, 0));
    Client no_birthday;
    CHECK_FALSE(next_birthday_gift(p, no_birthday, msk(2025, 1, 1)));
}

TEST_CASE("programme: referral three levels deep, ending where a record is missing", "[programme]") {
    auto p = moscow();
    p.rules = {percent(1, 500)};
    p.referral_bp = {500, 300, 100};
    p.referral_lifetime_days = 30;
    REQUIRE(check_programme(p).empty());
    Client r1, r2, r3;
    auto t = msk(2024, 5, 10);
    auto r = run({&p, nullptr, receipt(10'000), t, 0, 0, {&r1, &r2, &r3}});
    auto expiry = msk(2024, 6, 10, 0, 0);
    REQUIRE(r.credits.size() == 4);
    CHECK(r.credits[1] == Credit{Credit::Source::referral, 1, 1, 500, expiry});
    CHECK(r.credits[2] == Credit{Credit::Source::referral, 2, 2, 300, expiry});
    CHECK(r.credits[3] == Credit{Credit::Source::referral, 3, 3, 100, expiry});
    CHECK(r.from_staff == 500 + 500 + 300 + 100);
    CHECK(r.client_after.lots.empty());  // referrers' lots are not the client's
    CHECK(credited(run({&p, nullptr, receipt(10'000), t, 0, 0, {&r1, nullptr, &r3}}), Credit::Source::referral) ==
          V{500});
    CHECK(credited(run({&p, nullptr, receipt(10'000), t, 0, 0, {&r1, &r2}}), Credit::Source::referral) ==
          V{500, 300});
    // Referral is on the base: money paid, not bonuses.
    CHECK(credited(run({&p, nullptr, receipt(10'000), t, 2000, 5000, {&r1}}), Credit::Source::referral) == V{400});
}

TEST_CASE("programme: a stamp card rewards every 5th coffee", "[programme]") {
    auto p = moscow();
    p.stamp_cards = {StampCard{1, "coffee", 5, 150 * major, 0}};
    REQUIRE(check_programme(p).empty());
    Client c;
    for (int i = 1; i <= 4; ++i) {
        auto r = run({&p, &c, receipt({{"coffee", 1}, {"cake", 30'000}})});
        CHECK(r.credits.empty());
        c = r.client_after;
    }
    CHECK(c.stamps == std::vector<StampCount>{{1, 4}});
    auto tea = run({&p, &c, receipt({{"tea", 20'000}})});
    CHECK(tea.credits.empty());
    CHECK(tea.client_after.stamps == c.stamps);
    auto fifth = run({&p, &c, receipt({{"coffee", 20'000}})});
    CHECK(fifth.credits == std::vector<Credit>{{Credit::Source::stamp, 1, 0, 150 * major, 0}});
    CHECK(fifth.from_staff == 150 * major);
    CHECK(fifth.client_after.stamps.empty());
    auto sixth = run({&p, &fifth.client_after, receipt({{"coffee", 20'000}})});
    CHECK(sixth.credits.empty());
    CHECK(sixth.client_after.stamps == std::vector<StampCount>{{1, 1}});
}

TEST_CASE("programme: caps per client day and per rule per month", "[programme]") {
    auto p = moscow();
    p.rules = {percent(1, 1000)};
    p.stamp_cards = {StampCard{1, "coffee", 1, 150, 0}};
    p.cap_per_client_day = 500;
    auto a = run({&p, nullptr, receipt({{"coffee", 3000}}), msk(2024, 5, 10, 9)});
    CHECK(a.credits == std::vector<Credit>{{Credit::Source::rule, 1, 0, 300, 0}, {Credit::Source::stamp, 1, 0, 150, 0}});
    auto b = run({&p, &a.client_after, receipt({{"coffee", 3000}}), msk(2024, 5, 10, 23, 59)});
    CHECK(b.credits == std::vector<Credit>{{Credit::Source::rule, 1, 0, 50, 0}});  // rules first, then stamps
    CHECK(b.client_after.accrued_day == 500);
    auto c = run({&p, &b.client_after, receipt({{"coffee", 3000}}), msk(2024, 5, 11, 0, 0)});
    CHECK(credited(c) == V{300});
    CHECK(c.client_after.accrued_day == 450);

    auto q = moscow();
    Rule capped = percent(1, 1000);
    capped.cap_per_month = 1000;
    q.rules = {capped, fixed(2, 10)};
    auto m1 = run({&q, nullptr, receipt(6000), msk(2024, 5, 1)});
    auto m2 = run({&q, &m1.client_after, receipt(6000), msk(2024, 5, 20)});
    auto m3 = run({&q, &m2.client_after, receipt(6000), msk(2024, 5, 31, 23, 59)});
    CHECK(credited(m1) == V{600, 10});
    CHECK(credited(m2) == V{400, 10});
    CHECK(credited(m3) == V{10});
    CHECK(m3.client_after.rule_months == std::vector<RuleMonth>{{1, 2024 * 12 + 4, 1000}});
    auto june = run({&q, &m3.client_after, receipt(6000), msk(2024, 6, 1, 0, 0)});
    CHECK(credited(june) == V{600, 10});
    CHECK(june.client_after.rule_months == std::vector<RuleMonth>{{1, 2024 * 12 + 5, 600}});
}

TEST_CASE("programme: a return after the bonuses were spent leaves a debt that later accruals repay",
          "[programme]") {
    auto p = moscow();
    p.rules = {percent(1, 1000)};
    p.tiers = {Tier{"Base", 0, bp_whole}, Tier{"Gold", 10'000, bp_whole}};
    auto buy = run({&p, nullptr, receipt(10'000), msk(2024, 5, 10)});
    CHECK(buy.tier_after == 1);
    PurchaseRecord rec;
    rec.time_s = msk(2024, 5, 10);
    rec.total = buy.total;
    rec.paid = buy.paid;
    rec.base = buy.base;
    rec.accrued_client = 1000;
    auto ret = evaluate_return(rec, 10'000);
    REQUIRE(ret);
    CHECK(ret->take_client == 1000);
    CHECK(ret->refund_paid == 0);
    CHECK(ret->money_returned == 10'000);
    CHECK(ret->record_after.returned == 10'000);
    // The client spent the 1000 already: the chain takes 0 and the debt is 1000.
    Client after = apply_return_to_client(p, buy.client_after, rec.time_s, ret->money_returned, 1000, msk(2024, 5, 12));
    CHECK(after.debt == 1000);
    CHECK(after.lifetime_paid == 0);
    CHECK(after.months == std::vector<MonthTotal>{{2024 * 12 + 4, 0}});
    CHECK(after.tier == 0);
    // The debt is not spendable, and the next accruals repay it first.
    auto next = run({&p, &after, receipt(6000), msk(2024, 5, 13), 0, 700});
    CHECK(next.payable_max == 0);
    CHECK(credited(next) == V{600});  // gross
    CHECK(next.debt_paid == 600);
    CHECK(next.client_after.debt == 400);
    auto last = run({&p, &next.client_after, receipt(6000), msk(2024, 5, 14), 0, 700});
    CHECK(last.debt_paid == 400);
    CHECK(last.client_after.debt == 0);
    CHECK(last.payable_max == 300);  // the balance of 700 less the 400 still owed
    // Only the part past the debt becomes lots.
    Programme q = p;
    q.rules[0].lifetime_days = 10;
    auto lots = run({&q, &next.client_after, receipt(6000), msk(2024, 5, 14)});
    CHECK(lots.debt_paid == 400);
    CHECK(lots.client_after.lots == std::vector<Lot>{{200, msk(2024, 5, 25, 0, 0)}});
}

TEST_CASE("programme: a full return reverses exactly, in one go or in several parts", "[programme]") {
    PurchaseRecord rec;
    rec.total = 10'001;
    rec.paid = 3333;
    rec.accrued_client = 667;
    rec.accrued_referrer = {33, 20, 7};
    auto one = evaluate_return(rec, 10'001);
    REQUIRE(one);
    CHECK(one->refund_paid == 3333);
    CHECK(one->take_client == 667);
    CHECK(one->take_referrer == std::array<Amount, 3>{33, 20, 7});
    CHECK(one->money_returned == 10'001 - 3333);
    Amount refund = 0, take = 0, money = 0;
    std::array<Amount, 3> ref{};
    PurchaseRecord r = rec;
    for (Amount part : {1ull, 2500ull, 3333ull, 4166ull, 1ull}) {
        auto res = evaluate_return(r, part);
        REQUIRE(res);
        refund += res->refund_paid;
        take += res->take_client;
        money += res->money_returned;
        for (int i = 0; i < 3; ++i) ref[i] += res->take_referrer[i];
        r = res->record_after;
    }
    CHECK(r.returned == 10'001);
    CHECK(refund == 3333);
    CHECK(take == 667);
    CHECK(money == 10'001 - 3333);
    CHECK(ref == std::array<Amount, 3>{33, 20, 7});
    auto over = evaluate_return(r, 1);
    REQUIRE_FALSE(over);
    CHECK_THAT(over.error(), Catch::Contains("0 of 10001"));
    CHECK_FALSE(evaluate_return(rec, 10'002));
    CHECK_FALSE(evaluate_return(rec, 0));
    // A first part of 1 returns nothing of the bonus paid: floor(3333 * 1 / 10001).
    CHECK(evaluate_return(rec, 1)->refund_paid == 0);
    CHECK(evaluate_return(rec, 1)->money_returned == 1);
}

TEST_CASE("programme: lots expire at local midnight, lifetime days after today", "[programme]") {
    auto p = moscow();
    CHECK(lot_expiry(p, msk(2024, 5, 10, 15, 0), 14) == msk(2024, 5, 25, 0, 0));
    CHECK(lot_expiry(p, msk(2024, 5, 10, 23, 59), 14) == msk(2024, 5, 25, 0, 0));
    CHECK(lot_expiry(p, msk(2024, 5, 11, 0, 0), 14) == msk(2024, 5, 26, 0, 0));
    CHECK(lot_expiry(p, msk(2024, 5, 10), 0) == 0);
    p.zone_rule = "CET-1CEST,M3.5.0,M10.5.0/3";
    // 20 March (CET) + 14 days: the end of 3 April, midnight CEST = 22:00 UTC.
    CHECK(lot_expiry(p, utc(2024, 3, 20, 12), 14) == utc(2024, 4, 3, 22));
    CHECK(lot_expiry(p, utc(2024, 10, 20, 12), 14) == utc(2024, 11, 3, 23));
    auto q = moscow();
    Rule r = percent(1, 1000);
    r.lifetime_days = 30;
    q.rules = {r};
    auto res = run({&q, nullptr, receipt(10'000), msk(2024, 5, 10, 15, 0)});
    CHECK(res.credits == std::vector<Credit>{{Credit::Source::rule, 1, 0, 1000, msk(2024, 6, 10, 0, 0)}});
    CHECK(res.client_after.lots == std::vector<Lot>{{1000, msk(2024, 6, 10, 0, 0)}});
    // Two credits of one day merge into one lot.
    auto again = run({&q, &res.client_after, receipt(20'000), msk(2024, 5, 10, 20, 0)});
    CHECK(again.client_after.lots == std::vector<Lot>{{3000, msk(2024, 6, 10, 0, 0)}});
}

TEST_CASE("programme: spending takes the soonest lots first, then the balance that never expires", "[programme]") {
    Client c;
    c.lots = {{100, 10}, {200, 20}, {300, 30}};
    spend_lots(c, 250);
    CHECK(c.lots == std::vector<Lot>{{50, 20}, {300, 30}});
    spend_lots(c, 0);
    CHECK(c.lots == std::vector<Lot>{{50, 20}, {300, 30}});
    spend_lots(c, 50);
    CHECK(c.lots == std::vector<Lot>{{300, 30}});
    spend_lots(c, 1000);
    CHECK(c.lots.empty());
}

TEST_CASE("programme: add_lot merges equal expiries and, when full, joins the nearest lot", "[programme]") {
    Client c;
    add_lot(c, 5, 20);
    add_lot(c, 7, 10);
    add_lot(c, 1, 20);
    add_lot(c, 0, 15);
    CHECK(c.lots == std::vector<Lot>{{7, 10}, {6, 20}});
    c.lots.clear();
    for (std::uint64_t i = 1; i <= client_lots_max; ++i) add_lot(c, 1, i * 1000);
    REQUIRE(c.lots.size() == client_lots_max);
    add_lot(c, 5, 2400);  // nearer 2000 than 3000: that lot moves to 2400
    CHECK(c.lots[1] == Lot{6, 2400});
    CHECK(c.lots[2] == Lot{1, 3000});
    add_lot(c, 5, 3500);  // a tie between 3000 and 4000: the later keeps its expiry
    CHECK(c.lots[2] == Lot{1, 3000});
    CHECK(c.lots[3] == Lot{6, 4000});
    add_lot(c, 5, 1);  // before the first: never sooner than promised
    CHECK(c.lots[0] == Lot{6, 1000});
    add_lot(c, 5, client_lots_max * 1000 + 7);  // past the last
    CHECK(c.lots.back() == Lot{6, client_lots_max * 1000 + 7});
    CHECK(c.lots.size() == client_lots_max);
    Amount sum = 0;
    for (std::size_t i = 0; i < c.lots.size(); ++i) {
        sum += c.lots[i].amount;
        if (i > 0) CHECK(c.lots[i - 1].expiry_s < c.lots[i].expiry_s);
    }
    CHECK(sum == client_lots_max + 20);
}

TEST_CASE("programme: check_programme names the field at fault", "[programme]") {
    auto ok = moscow();
    ok.rules = {percent(1, 300)};
    REQUIRE(check_programme(ok) == "");
    auto bad = [&](auto change) {
        Programme p = ok;
        change(p);
        return check_programme(p);
    };
    CHECK(bad([](Programme& p) { p.rules[0].value = 12000; }) == "rules[0].value: 12000 bp is more than 100 %");
    CHECK_THAT(bad([](Programme& p) { p.zone_rule = "CET-1CEST"; }), Catch::Contains("zone_rule \"CET-1CEST\""));
    CHECK_THAT(bad([](Programme& p) { p.tiers.clear(); }), Catch::Contains("tiers"));
    CHECK_THAT(bad([](Programme& p) { p.tiers.push_back(Tier{"Gold", 0, 0}); }),
               Catch::Contains("tiers[1].threshold"));
    CHECK_THAT(bad([](Programme& p) { p.tiers[0].threshold = 5; }), Catch::Contains("tiers[0].threshold"));
    CHECK_THAT(bad([](Programme& p) { p.rules.push_back(percent(1, 5)); }), Catch::Contains("rules[1].id"));
    CHECK_THAT(bad([](Programme& p) { p.rules[0].when.tier_mask = 2; }), Catch::Contains("rules[0].when.tier_mask"));
    CHECK_THAT(bad([](Programme& p) { p.rules[0].when.window = Window{0, 0, 0}; }),
               Catch::Contains("rules[0].when.window.weekdays"));
    CHECK_THAT(bad([](Programme& p) { p.rules[0].when.window = Window{1, 1440, 0}; }),
               Catch::Contains("from_minute"));
    CHECK_THAT(bad([](Programme& p) { p.rules[0].when.categories = {"a", "a"}; }),
               Catch::Contains("rules[0].when.categories[1]"));
    CHECK_THAT(bad([](Programme& p) { p.rules[0].lifetime_days = lifetime_days_max + 1; }),
               Catch::Contains("rules[0].lifetime_days"));
    CHECK_THAT(bad([](Programme& p) { p.rules[0].name = "a\u202Eb"; }), Catch::Contains("rules[0].name"));
    CHECK_THAT(bad([](Programme& p) { p.weekday_pay_share_bp[6] = 10001; }),
               Catch::Contains("weekday_pay_share_bp[6]"));
    CHECK_THAT(bad([](Programme& p) {
                   p.gifts = {Gift{GiftKind::welcome, 1, 0, 0}, Gift{GiftKind::welcome, 2, 0, 0}};
               }),
               Catch::Contains("gifts[1].kind"));
    CHECK_THAT(bad([](Programme& p) { p.referral_bp = {1, 2, 3, 4}; }), Catch::Contains("referral_bp"));
    CHECK_THAT(bad([](Programme& p) { p.stamp_cards = {StampCard{1, "coffee", 0, 10, 0}}; }),
               Catch::Contains("stamp_cards[0].every"));
    CHECK_THAT(bad([](Programme& p) { p.tier_basis = TierBasis::period; }), Catch::Contains("period_months"));
    CHECK_THAT(bad([](Programme& p) { p.recalc_day = 29; }), Catch::Contains("recalc_day"));
}

TEST_CASE("programme: receipts and cards are checked", "[programme]") {
    CHECK(check_receipt(receipt(1)) == "");
    CHECK_THAT(check_receipt(Receipt{"R", {}}), Catch::Contains("no lines"));
    CHECK_THAT(check_receipt(receipt({{"a", 1}, {"b", 0}})), Catch::Contains("receipt line 2: the amount is 0"));
    CHECK_THAT(check_receipt(receipt({{std::string(33, 'c'), 1}})), Catch::Contains("33 bytes"));
    CHECK_THAT(check_receipt(Receipt{std::string(65, '1'), {{"", 1}}}), Catch::Contains("receipt id"));
    Receipt many{"R", std::vector<ReceiptLine>(receipt_lines_max + 1, ReceiptLine{"", 1})};
    CHECK_THAT(check_receipt(many), Catch::Contains("65 lines"));
    Receipt huge = receipt({{"", ~Amount{0}}, {"", 1}});
    CHECK_FALSE(receipt_total(huge));
    CHECK_THAT(check_receipt(huge), Catch::Contains("overflows"));
    auto p = moscow();
    PurchaseInput in;
    in.programme = &p;
    in.receipt = huge;
    CHECK_FALSE(evaluate_purchase(in));
    CHECK(valid_card("0123"));
    CHECK(valid_card("ABCDEF0123456789ABCDEF0123456789"));
    CHECK_FALSE(valid_card("012"));
    CHECK_FALSE(valid_card("ABCDEF0123456789ABCDEF01234567890"));
    CHECK_FALSE(valid_card("abcd"));
    CHECK_FALSE(valid_card("12 34"));
}
