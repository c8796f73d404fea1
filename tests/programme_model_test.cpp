// The bonus programme evaluator against an independent model, from a
// printed seed (replay with KOPILKA_SEED=<seed> ./programme_model_test).
//
// Hundreds of random programmes, each with a client who registers, buys,
// pays with bonuses, returns purchases in parts, is given birthday and
// win-back gifts and sees lots expire and monthly tiers recomputed, while
// time jumps by minutes to weeks. The model (programme_model.h, shared with
// programme_random_chain_test.cpp) is written from the rules in
// docs/design.md ("Bonus programmes: evaluation order") with plain loops and
// maps, and zones of a fixed UTC offset so it needs no POSIX TZ parser (it
// borrows only tz's civil-date helpers). After every step every credit,
// payable_max, the tier, the lots and the totals must agree.
#include "programme_model.h"

#include <catch2/catch.hpp>

using namespace kopilka::ledger;
using namespace kopilka::ledger::loyalty;
using namespace kopilka::test::programme_model;

TEST_CASE("programme model: random purchases, returns, gifts and time jumps agree with a simple model",
          "[programme][random]") {
    const std::uint64_t seed = run_seed();
    WARN("programme model seed " << seed << " (replay: KOPILKA_SEED=" << seed << ")");
    Rng rng{std::mt19937_64(seed)};
    const Client referrer_record;
    std::size_t purchases = 0, refusals = 0, returns = 0, gifts = 0, recalcs = 0, credits = 0;
    for (int programme_no = 0; programme_no < 500; ++programme_no) {
        Clock clock{0};
        const Programme p = random_programme(rng, clock);
        INFO("programme " << programme_no << " zone " << p.zone_rule);
        REQUIRE(check_programme(p) == "");
        Model m{p, clock};
        Client client;
        std::uint64_t now = static_cast<std::uint64_t>(tz::days_from_civil(2023, 1, 1) * 86400) + rng.between(0, 400 * 86400);
        bool have_client = false;
        std::vector<PurchaseRecord> records;
        std::uint64_t recalc_from = now;
        for (int step = 0; step < 40; ++step) {
            INFO("step " << step << " at " << now);
            // Time passes: minutes, hours, days or weeks.
            std::uint64_t jump = rng.pick(std::vector<std::uint64_t>{60, 3600, 6 * 3600, 86400, 5 * 86400, 20 * 86400});
            now += rng.between(1, jump);
            // Due events up to now, in time order: lot expiry, tier recalculation, gifts.
            if (have_client) {
                for (;;) {
                    std::optional<std::uint64_t> recalc = next_tier_recalc(p, recalc_from);
                    CHECK(recalc == m.next_recalc(recalc_from));
                    std::optional<std::uint64_t> bday = next_birthday_gift(p, client, recalc_from);
                    CHECK(bday == m.next_birthday(recalc_from));
                    auto wb = next_winback_gift(p, client);
                    CHECK(wb == m.next_winback());
                    std::uint64_t due = now + 1;
                    for (auto t : {recalc, bday, wb})
                        if (t && *t < due) due = std::max(*t, recalc_from);
                    if (due > now) break;
                    while (!client.lots.empty() && client.lots.front().expiry_s <= due) client.lots.erase(client.lots.begin());
                    m.expire(due);
                    if (recalc && *recalc <= due) {
                        client.tier = tier_at(p, client, due, true);
                        m.tier = m.tier_for(due, true);
                        ++recalcs;
                    }
                    for (GiftKind kind : {GiftKind::birthday, GiftKind::winback}) {
                        auto t = kind == GiftKind::birthday ? bday : wb;
                        if (!t || *t > due) continue;
                        m.gift_room(due);  // a new month starts its budget before the ledger reads it
                        auto got = give_gift(p, client, kind, due, m.gifts_month_total);
                        const Gift* g = m.gift(kind);
                        const Amount amount = m.mark_gift_due(kind, due);
                        if (amount == 0) {
                            CHECK_FALSE(got);
                        } else {
                            REQUIRE(got);
                            CHECK(*got == Credit{Credit::Source::gift, static_cast<std::uint16_t>(kind), 0, amount,
                                                 clock.expiry(due, g->lifetime_days)});
                            m.credit_to_client(amount, clock.expiry(due, g->lifetime_days));
                            m.gifts_month_total += amount;
                            ++gifts;
                        }
                    }
                    recalc_from = due;
                    check_same(m, client);
                }
            }
            recalc_from = now;
            while (!client.lots.empty() && client.lots.front().expiry_s <= now) client.lots.erase(client.lots.begin());
            m.expire(now);
            if (have_client && !m.birthday && rng.chance(10))
                client.birthday = m.birthday = std::pair<std::uint8_t, std::uint8_t>{
                    static_cast<std::uint8_t>(rng.between(1, 12)), static_cast<std::uint8_t>(rng.between(1, 28) + (rng.chance(10) ? 1 : 0))};
            if (have_client && !records.empty() && rng.chance(25)) {
                // A return of part of a purchase.
                std::size_t k = rng.between(0, records.size() - 1);
                PurchaseRecord& rec = records[k];
                if (rec.returned == rec.total) continue;
                Amount left = rec.total - rec.returned;
                Amount amount = rng.chance(30) ? left : rng.between(1, left);
                auto res = evaluate_return(rec, amount);
                REQUIRE(res);
                const auto want = m.cut_return(k, amount);
                CHECK(res->refund_paid == want.refund_paid);
                CHECK(res->take_client == want.take_client);
                for (int i = 0; i < 3; ++i) CHECK(res->take_referrer[i] == want.take_referrer[i]);
                CHECK(res->money_returned == want.money);
                rec = res->record_after;
                // The chain: the refund back to the client, then what the
                // balance allows of the reversal; the rest becomes debt.
                const auto taken = m.apply_return(k, amount, want, now);
                spend_lots(client, taken.take);
                client = apply_return_to_client(p, client, rec.time_s, res->money_returned, taken.debt_added, now);
                ++returns;
                check_same(m, client);
                continue;
            }
            // A purchase.
            Receipt r{"R" + std::to_string(step), {}};
            for (std::size_t i = 0, n = rng.between(1, 4); i < n; ++i)
                r.lines.push_back({category_pool[rng.between(0, category_pool.size() - 1)],
                                   rng.chance(20) ? rng.between(1, 50) : rng.between(1, 6000)});
            std::vector<bool> exists;
            std::vector<const Client*> referrers;
            for (std::size_t i = 0, n = rng.between(0, 3); i < n; ++i) {
                exists.push_back(rng.chance(80));
                referrers.push_back(exists.back() ? &referrer_record : nullptr);
            }
            Model probe = m;
            auto expect = probe.purchase(r, 0, now, exists);  // payable_max first, at pay 0
            Amount pay = 0;
            if (rng.chance(50) && expect.payable_max > 0) pay = rng.between(0, expect.payable_max);
            if (rng.chance(5)) pay = expect.payable_max + 1;
            PurchaseInput in;
            in.programme = &p;
            in.client = have_client ? &client : nullptr;
            in.receipt = r;
            in.pay = pay;
            in.client_balance = m.balance;
            in.time_s = now;
            in.referrers = referrers;
            m.gift_room(now);  // a new local month starts the venue's gift total again
            in.gifts_this_month = m.gifts_month_total;
            auto got = evaluate_purchase(in);
            auto want = m.purchase(r, pay, now, exists);
            if (want.refused) {
                CHECK_FALSE(got);
                ++refusals;
                continue;
            }
            REQUIRE(got);
            ++purchases;
            credits += got->credits.size();
            CHECK(got->payable_max == want.payable_max);
            CHECK(got->paid == pay);
            CHECK(got->base == want.base);
            CHECK(got->credits == want.credits);
            CHECK(got->debt_paid == want.debt_paid);
            CHECK(got->from_staff == want.from_staff);
            CHECK(got->from_treasury == want.from_treasury);
            CHECK(got->tier_before == want.tier_before);
            CHECK(got->tier_after == want.tier_after);
            CHECK(got->gifts_this_month_after == m.gifts_month_total);
            client = got->client_after;
            spend_lots(client, pay);  // the chain's part
            have_client = true;
            check_same(m, client);
            PurchaseRecord rec;
            rec.time_s = now;
            rec.total = got->total;
            rec.paid = got->paid;
            rec.base = got->base;
            for (const auto& c : got->credits) {
                if (c.source == Credit::Source::rule || c.source == Credit::Source::stamp) rec.accrued_client += c.amount;
                if (c.source == Credit::Source::referral) rec.accrued_referrer[c.recipient - 1] += c.amount;
            }
            records.push_back(rec);
        }
    }
    WARN(purchases << " purchases, " << refusals << " refusals, " << returns << " returns, " << gifts << " gifts, "
                   << recalcs << " recalculations, " << credits << " credits");
    CHECK(purchases > 10000);
    CHECK(returns > 2000);
}
