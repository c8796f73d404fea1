// The independent model of the bonus-programme rules, shared by
// programme_model_test.cpp (against the evaluator, ledger/programme_eval.cpp)
// and programme_random_chain_test.cpp (against the chain: blocks, balances,
// lots, events and the audit).
//
// It is written from the rules in docs/design.md ("Bonus programmes:
// evaluation order") with plain loops and maps, and zones of a fixed UTC
// offset so it needs no POSIX TZ parser (it borrows only tz's civil-date
// helpers and the data types of ledger/programme.h). It must never call the
// evaluator: that is what it checks.
//
// Also here: the seed both tests print (KOPILKA_SEED replays a run), the
// random source, and the random programmes they draw.
#pragma once

#include "ledger/programme.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace Catch {
template <> struct StringMaker<kopilka::ledger::loyalty::Lot> {
    static std::string convert(const kopilka::ledger::loyalty::Lot& l) { return std::to_string(l.amount) + "@" + std::to_string(l.expiry_s); }
};
template <> struct StringMaker<kopilka::ledger::loyalty::Credit> {
    static std::string convert(const kopilka::ledger::loyalty::Credit& c) {
        return "{" + std::to_string(int(c.source)) + "#" + std::to_string(c.id) + "->" + std::to_string(c.recipient) +
               " " + std::to_string(c.amount) + "@" + std::to_string(c.expiry_s) + "}";
    }
};
template <> struct StringMaker<kopilka::ledger::loyalty::MonthTotal> {
    static std::string convert(const kopilka::ledger::loyalty::MonthTotal& m) { return std::to_string(m.month) + ":" + std::to_string(m.paid); }
};
}  // namespace Catch

namespace kopilka::test::programme_model {

using namespace kopilka::ledger;
using namespace kopilka::ledger::loyalty;

inline std::uint64_t run_seed() {
    if (const char* s = std::getenv("KOPILKA_SEED"); s != nullptr && *s != '\0') {
        errno = 0;
        char* end = nullptr;
        auto v = std::strtoull(s, &end, 0);
        if (errno != 0 || *end != '\0') throw std::invalid_argument("KOPILKA_SEED must be an unsigned integer");
        return v;
    }
    return std::random_device{}() * 0x100000000ull + std::random_device{}();
}

struct Rng {
    std::mt19937_64 g;
    std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return std::uniform_int_distribution<std::uint64_t>(lo, hi)(g); }
    bool chance(int percent) { return between(1, 100) <= static_cast<std::uint64_t>(percent); }
    template <class T> const T& pick(const std::vector<T>& v) { return v[between(0, v.size() - 1)]; }
};

inline const std::vector<std::string> category_pool{"", "coffee", "cake", "tobacco", "wine"};

inline std::vector<std::string> some_categories(Rng& rng, int percent) {
    std::vector<std::string> out;
    for (std::size_t i = 1; i < category_pool.size(); ++i)
        if (rng.chance(percent)) out.push_back(category_pool[i]);
    return out;
}

// --- the model's clock: local = UTC + a fixed offset ---

struct Clock {
    std::int64_t offset_s;
    std::int64_t local(std::uint64_t t) const { return static_cast<std::int64_t>(t) + offset_s; }
    std::int64_t day(std::uint64_t t) const {
        std::int64_t l = local(t);
        return l >= 0 ? l / 86400 : -((-l + 86399) / 86400);
    }
    unsigned minute(std::uint64_t t) const { return static_cast<unsigned>((local(t) - day(t) * 86400) / 60); }
    unsigned weekday(std::uint64_t t) const { return static_cast<unsigned>(((day(t) % 7) + 7 + 3) % 7); }  // Monday 0
    void date(std::uint64_t t, std::int32_t& y, unsigned& m, unsigned& d) const { tz::civil_from_days(day(t), y, m, d); }
    std::uint32_t month(std::uint64_t t) const {
        std::int32_t y;
        unsigned m, d;
        date(t, y, m, d);
        return static_cast<std::uint32_t>(y * 12 + m - 1);
    }
    std::uint64_t midnight(std::int64_t day_number) const {
        return static_cast<std::uint64_t>(day_number * 86400 - offset_s);
    }
    std::uint64_t expiry(std::uint64_t t, std::uint32_t lifetime) const {
        return lifetime == 0 ? 0 : midnight(day(t) + lifetime + 1);
    }
};

inline std::string posix_rule(std::int64_t offset_s) {
    std::int64_t a = offset_s < 0 ? -offset_s : offset_s;
    std::string s = "ZZZ";
    if (offset_s > 0) s += "-";  // POSIX writes east as negative
    s += std::to_string(a / 3600);
    if (a % 3600) s += ":" + std::to_string((a % 3600) / 60);
    return s;
}

inline Programme random_programme(Rng& rng, Clock& clock) {
    Programme p;
    clock.offset_s = rng.pick(std::vector<std::int64_t>{-36000, -18000, -12600, 0, 3600, 10800, 19800, 20700, 37800, 45900});
    p.zone = "Test/Zone";
    p.zone_rule = posix_rule(clock.offset_s);
    p.tier_basis = static_cast<TierBasis>(rng.between(1, 3));
    if (p.tier_basis == TierBasis::period) p.period_months = static_cast<std::uint8_t>(rng.between(1, 6));
    p.tier_recalc = rng.chance(30) ? TierRecalc::monthly : TierRecalc::on_purchase;
    p.recalc_day = static_cast<std::uint8_t>(rng.between(1, 28));
    Amount threshold = 0;
    for (std::size_t i = 0, n = rng.between(1, 4); i < n; ++i) {
        p.tiers.push_back(Tier{"T" + std::to_string(i), threshold, static_cast<std::uint32_t>(rng.between(0, 10000))});
        threshold += rng.between(1, 40'000);
    }
    std::set<std::uint16_t> ids;
    while (ids.size() < rng.between(0, 7)) ids.insert(static_cast<std::uint16_t>(rng.between(1, 40)));
    for (auto id : ids) {
        Rule r;
        r.id = id;
        r.name = "r" + std::to_string(id);
        r.group = rng.chance(40) ? static_cast<std::uint16_t>(rng.between(1, 2)) : 0;
        r.effect = rng.chance(70) ? Effect::percent : Effect::fixed;
        r.value = static_cast<std::uint32_t>(r.effect == Effect::percent ? rng.between(1, 3000) : rng.between(1, 500));
        if (rng.chance(30)) r.when.tier_mask = static_cast<std::uint16_t>(rng.between(1, (1u << p.tiers.size()) - 1));
        if (rng.chance(25)) r.when.receipt_min = rng.between(1, 5000);
        if (rng.chance(25)) r.when.receipt_max = r.when.receipt_min.value_or(0) + rng.between(1, 8000);
        if (rng.chance(30))
            r.when.window = Window{static_cast<std::uint8_t>(rng.between(1, 0x7f)),
                                   static_cast<std::uint16_t>(rng.between(0, 1439)),
                                   static_cast<std::uint16_t>(rng.between(0, 1440))};
        if (rng.chance(15)) r.when.birthday_days = static_cast<std::uint16_t>(rng.between(0, 10));
        if (rng.chance(20)) r.when.returning_days = static_cast<std::uint16_t>(rng.between(1, 20));
        if (rng.chance(30)) r.when.categories = some_categories(rng, 40);
        if (rng.chance(25)) r.cap_per_month = rng.between(1, 1500);
        if (rng.chance(40)) r.lifetime_days = static_cast<std::uint32_t>(rng.between(1, 60));
        p.rules.push_back(r);
    }
    std::shuffle(p.rules.begin(), p.rules.end(), rng.g);
    if (rng.chance(40)) p.accrual_excluded = some_categories(rng, 30);
    if (rng.chance(40)) p.pay_excluded = some_categories(rng, 30);
    for (auto& s : p.weekday_pay_share_bp)
        if (rng.chance(20)) s = static_cast<std::uint32_t>(rng.between(0, 10000));
    if (rng.chance(50)) p.gifts.push_back(Gift{GiftKind::welcome, rng.between(1, 2000), static_cast<std::uint32_t>(rng.between(0, 30)), 0});
    if (rng.chance(50)) p.gifts.push_back(Gift{GiftKind::birthday, rng.between(1, 2000), static_cast<std::uint32_t>(rng.between(0, 30)), static_cast<std::uint32_t>(rng.between(0, 10))});
    if (rng.chance(50)) p.gifts.push_back(Gift{GiftKind::winback, rng.between(1, 2000), static_cast<std::uint32_t>(rng.between(0, 30)), static_cast<std::uint32_t>(rng.between(1, 40))});
    for (std::size_t i = 0, n = rng.between(0, 3); i < n; ++i) p.referral_bp.push_back(static_cast<std::uint32_t>(rng.between(0, 2000)));
    p.referral_lifetime_days = static_cast<std::uint32_t>(rng.between(0, 30));
    for (std::uint16_t id = 1, n = static_cast<std::uint16_t>(rng.between(0, 2)); id <= n; ++id)
        p.stamp_cards.push_back(StampCard{static_cast<std::uint16_t>(10 - id), category_pool[rng.between(1, 4)],
                                          static_cast<std::uint32_t>(rng.between(1, 6)), rng.between(1, 800),
                                          static_cast<std::uint32_t>(rng.between(0, 20))});
    if (rng.chance(30)) p.cap_per_client_day = rng.between(1, 2000);
    if (rng.chance(30)) p.gift_budget_per_month = rng.between(1, 3000);
    return p;
}

// --- the model ---

struct ModelPurchase {
    std::uint64_t time;
    Amount total, paid, accrued_client;
    std::array<Amount, 3> referrer{};
    Amount returned = 0;
};

struct Model {
    const Programme& p;
    Clock clock;
    Model(const Programme& programme, Clock c) : p(programme), clock(c) {}
    bool registered = false;
    unsigned tier = 0;
    Amount lifetime = 0, best = 0, debt = 0, balance = 0;
    std::map<std::uint32_t, Amount> months;
    std::uint64_t last_purchase = 0, winback_given = 0;
    std::uint32_t purchases = 0;
    std::int32_t birthday_year = 0;
    std::optional<std::pair<std::uint8_t, std::uint8_t>> birthday;
    std::int64_t day = 0;
    Amount accrued_day = 0;
    std::map<std::pair<std::uint16_t, std::uint32_t>, Amount> rule_month;
    std::map<std::uint16_t, std::uint32_t> stamps;
    std::map<std::uint64_t, Amount> lots;  // expiry -> amount
    std::vector<ModelPurchase> history;
    Amount gifts_month_total = 0;
    std::uint32_t gifts_month = 0;

    const Gift* gift(GiftKind k) const {
        for (const auto& g : p.gifts)
            if (g.kind == k) return &g;
        return nullptr;
    }
    static bool in(const std::vector<std::string>& v, const std::string& s) {
        for (const auto& x : v)
            if (x == s) return true;
        return false;
    }
    static Amount share(Amount x, std::uint64_t num, std::uint64_t den) {
        __extension__ typedef unsigned __int128 u128;
        return static_cast<Amount>(static_cast<u128>(x) * num / den);
    }
    std::int64_t birthday_on(std::int32_t y) const {
        unsigned d = birthday->second;
        if (birthday->first == 2 && d == 29 && !tz::leap_year(y)) d = 28;
        return tz::days_from_civil(y, birthday->first, d);
    }

    unsigned tier_for(std::uint64_t t, bool scheduled) const {
        Amount basis = 0;
        if (p.tier_basis == TierBasis::lifetime) basis = lifetime;
        if (p.tier_basis == TierBasis::single_purchase) basis = best;
        if (p.tier_basis == TierBasis::period) {
            std::uint32_t m = clock.month(t);
            for (std::uint32_t k = 0; k < p.period_months; ++k) {
                std::uint32_t month = (scheduled ? m - 1 : m) - k;
                if (months.count(month)) basis += months.at(month);
            }
        }
        unsigned best_tier = 0;
        for (unsigned i = 0; i < p.tiers.size(); ++i)
            if (basis >= p.tiers[i].threshold) best_tier = i;
        return best_tier;
    }

    Amount gift_room(std::uint64_t t) {
        if (clock.month(t) != gifts_month) gifts_month = clock.month(t), gifts_month_total = 0;
        if (!p.gift_budget_per_month) return ~Amount{0};
        return *p.gift_budget_per_month > gifts_month_total ? *p.gift_budget_per_month - gifts_month_total : 0;
    }

    // A birthday or win-back gift falls due at `due`: marks it given (the
    // birthday for the year the due day leads to) and returns what the
    // month's budget leaves of it; the caller credits what is paid.
    Amount mark_gift_due(GiftKind kind, std::uint64_t due) {
        const Amount room = gift_room(due);
        const Gift* g = gift(kind);
        if (kind == GiftKind::birthday) {
            std::int32_t y;
            unsigned mo, d;
            clock.date(due, y, mo, d);
            birthday_year = (clock.day(due) == birthday_on(y) - g->param_days) ? y : y + 1;
        } else {
            winback_given = due;
        }
        return std::min(g->amount, room);
    }

    void credit_to_client(Amount amount, std::uint64_t expiry) {
        balance += amount;
        if (expiry != 0 && amount != 0) lots[expiry] += amount;
    }
    void debit(Amount amount) {
        balance -= amount;
        while (amount > 0 && !lots.empty()) {
            auto it = lots.begin();
            Amount take = std::min(amount, it->second);
            it->second -= take;
            amount -= take;
            if (it->second == 0) lots.erase(it);
        }
    }
    void expire(std::uint64_t now) {
        while (!lots.empty() && lots.begin()->first <= now) {
            balance -= lots.begin()->second;
            lots.erase(lots.begin());
        }
    }

    struct Outcome {
        bool refused = false;
        Amount payable_max = 0, base = 0, debt_paid = 0, from_staff = 0, from_treasury = 0;
        unsigned tier_before = 0, tier_after = 0;
        std::vector<Credit> credits;
    };

    Outcome purchase(const Receipt& r, Amount pay, std::uint64_t t, const std::vector<bool>& referrer_exists) {
        Outcome o;
        Amount total = 0;
        for (const auto& l : r.lines) total += l.amount;
        o.tier_before = registered ? tier : 0;
        const unsigned tb = o.tier_before;
        Amount payable = 0;
        for (const auto& l : r.lines)
            if (!in(p.pay_excluded, l.category)) payable += l.amount;
        std::uint32_t bp = std::min(p.tiers[tb].pay_share_bp, p.weekday_pay_share_bp[clock.weekday(t)]);
        Amount spendable = balance > debt ? balance - debt : 0;
        o.payable_max = std::min(share(payable, bp, 10000), spendable);
        if (pay > o.payable_max) {
            o.refused = true;
            return o;
        }
        // The payment over the payable lines.
        std::vector<Amount> bonus(r.lines.size(), 0);
        Amount spread = 0;
        for (std::size_t i = 0; i < r.lines.size(); ++i)
            if (!in(p.pay_excluded, r.lines[i].category)) {
                bonus[i] = share(pay, r.lines[i].amount, payable);
                spread += bonus[i];
            }
        for (std::size_t round = 0; spread < pay; ++round)
            for (std::size_t i = 0; i < r.lines.size() && spread < pay; ++i)
                if (!in(p.pay_excluded, r.lines[i].category) && bonus[i] < r.lines[i].amount) ++bonus[i], ++spread;
        auto base_in = [&](const std::vector<std::string>& cats) {
            Amount b = 0;
            for (std::size_t i = 0; i < r.lines.size(); ++i)
                if (!in(p.accrual_excluded, r.lines[i].category) && (cats.empty() || in(cats, r.lines[i].category)))
                    b += r.lines[i].amount - bonus[i];
            return b;
        };
        o.base = base_in({});
        const std::uint32_t month = clock.month(t);
        const std::int64_t today = clock.day(t);
        std::int32_t year;
        unsigned mo, da;
        clock.date(t, year, mo, da);

        // Rules by id.
        std::vector<Rule> rules = p.rules;
        std::sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) { return a.id < b.id; });
        std::set<std::uint16_t> groups;
        std::vector<Credit> mine;
        for (const auto& rule : rules) {
            const auto& w = rule.when;
            if (w.tier_mask && !(w.tier_mask & (1u << tb))) continue;
            if (w.receipt_min && total < *w.receipt_min) continue;
            if (w.receipt_max && total >= *w.receipt_max) continue;
            if (w.window) {
                unsigned wd = clock.weekday(t), min = clock.minute(t), prev = (wd + 6) % 7;
                bool ok;
                if (w.window->from_minute == w.window->to_minute) ok = w.window->weekdays & (1u << wd);
                else if (w.window->from_minute < w.window->to_minute)
                    ok = (w.window->weekdays & (1u << wd)) && min >= w.window->from_minute && min < w.window->to_minute;
                else
                    ok = ((w.window->weekdays & (1u << wd)) && min >= w.window->from_minute) ||
                         ((w.window->weekdays & (1u << prev)) && min < w.window->to_minute);
                if (!ok) continue;
            }
            if (w.birthday_days) {
                if (!registered || !birthday) continue;
                bool ok = false;
                for (std::int32_t y = year - 1; y <= year + 1; ++y) {
                    std::int64_t d = today - birthday_on(y);
                    if (d < 0) d = -d;
                    if (d <= *w.birthday_days) ok = true;
                }
                if (!ok) continue;
            }
            if (w.returning_days && (!registered || last_purchase == 0 || t - last_purchase > *w.returning_days * 86400ull))
                continue;
            if (rule.group) {
                if (groups.count(rule.group)) continue;
                groups.insert(rule.group);
            }
            Amount amount = rule.effect == Effect::percent ? share(base_in(w.categories), rule.value, 10000) : rule.value;
            if (rule.cap_per_month) {
                Amount used = rule_month[{rule.id, month}];
                amount = std::min(amount, *rule.cap_per_month > used ? *rule.cap_per_month - used : 0);
            }
            mine.push_back({Credit::Source::rule, rule.id, 0, amount, clock.expiry(t, rule.lifetime_days)});
        }
        std::vector<StampCard> cards = p.stamp_cards;
        std::sort(cards.begin(), cards.end(), [](const StampCard& a, const StampCard& b) { return a.id < b.id; });
        for (const auto& card : cards) {
            bool has = false;
            for (const auto& l : r.lines) has = has || l.category == card.category;
            if (!has) continue;
            if (++stamps[card.id] == card.every) {
                stamps[card.id] = 0;
                mine.push_back({Credit::Source::stamp, card.id, 0, card.reward, clock.expiry(t, card.lifetime_days)});
            }
        }
        if (day != today) day = today, accrued_day = 0;
        std::vector<Credit> kept;
        for (auto c : mine) {
            if (p.cap_per_client_day)
                c.amount = std::min(c.amount, *p.cap_per_client_day > accrued_day ? *p.cap_per_client_day - accrued_day : 0);
            accrued_day += c.amount;
            if (c.amount == 0) continue;
            if (c.source == Credit::Source::rule) rule_month[{c.id, month}] += c.amount;
            kept.push_back(c);
        }
        Amount client_sum = 0;
        for (const auto& c : kept) {
            Amount to_debt = std::min(debt, c.amount);
            debt -= to_debt;
            o.debt_paid += to_debt;
            credit_to_client(c.amount - to_debt, c.expiry_s);
            client_sum += c.amount;
        }
        o.from_staff = client_sum;
        o.credits = kept;
        Amount money = total - pay;
        if (!registered) {
            registered = true;
            tier = 0;
        }
        lifetime += money;
        months[month] += money;
        best = std::max(best, money);
        const bool first = purchases == 0;
        ++purchases;
        last_purchase = t;
        if (p.tier_recalc == TierRecalc::on_purchase) tier = tier_for(t, false);
        o.tier_after = tier;
        ModelPurchase rec{t, total, pay, client_sum, {}, 0};
        for (std::size_t level = 0; level < p.referral_bp.size() && level < referrer_exists.size(); ++level) {
            if (!referrer_exists[level]) break;
            Amount a = share(o.base, p.referral_bp[level], 10000);
            if (a == 0) continue;
            o.credits.push_back({Credit::Source::referral, static_cast<std::uint16_t>(level + 1),
                                 static_cast<std::uint8_t>(level + 1), a, clock.expiry(t, p.referral_lifetime_days)});
            o.from_staff += a;
            rec.referrer[level] = a;
        }
        history.push_back(rec);
        if (first) {
            if (const Gift* g = gift(GiftKind::welcome)) {
                Amount a = std::min(g->amount, gift_room(t));
                if (a > 0) {
                    o.credits.push_back({Credit::Source::gift, 1, 0, a, clock.expiry(t, g->lifetime_days)});
                    o.from_treasury = a;
                    gifts_month_total += a;
                    credit_to_client(a, clock.expiry(t, g->lifetime_days));
                }
            }
        }
        // The payment leaves the balance last, soonest lots first: the
        // client's new lots (the welcome gift's too) are there before it is
        // spent (design.md, step 9: the caller spends `paid` from client_after).
        debit(pay);
        return o;
    }

    // A return of `amount` of the receipt's money of purchase `k`: each
    // reversed part is floor(part * returned_after / total) - floor(part *
    // returned_before / total), so the returns of a purchase reverse exactly.
    struct ReturnCut {
        Amount refund_paid = 0, take_client = 0, money = 0;
        std::array<Amount, 3> take_referrer{};
    };
    ReturnCut cut_return(std::size_t k, Amount amount) const {
        const ModelPurchase& mp = history[k];
        auto cut = [&](Amount part) {
            return share(part, mp.returned + amount, mp.total) - share(part, mp.returned, mp.total);
        };
        ReturnCut c;
        c.refund_paid = cut(mp.paid);
        c.take_client = cut(mp.accrued_client);
        for (std::size_t i = 0; i < 3; ++i) c.take_referrer[i] = cut(mp.referrer[i]);
        c.money = amount - c.refund_paid;
        return c;
    }
    // The return on the client, as the chain does it: the refund back to the
    // client, then what the balance allows of the reversal (soonest lots
    // first); the rest becomes debt. The money part comes off lifetime_paid
    // and the purchase's month (never below 0), and the tier is recomputed
    // when tiers are recomputed on purchase. Returns what was taken.
    struct ReturnTaken {
        Amount take = 0, debt_added = 0;
    };
    ReturnTaken apply_return(std::size_t k, Amount amount, const ReturnCut& c, std::uint64_t now) {
        ModelPurchase& mp = history[k];
        mp.returned += amount;
        credit_to_client(c.refund_paid, 0);
        ReturnTaken t;
        t.take = std::min(balance, c.take_client);
        debit(t.take);
        t.debt_added = c.take_client - t.take;
        lifetime -= std::min(lifetime, c.money);
        auto mo = months.find(clock.month(mp.time));
        if (mo != months.end()) mo->second -= std::min(mo->second, c.money);
        debt += t.debt_added;
        if (p.tier_recalc == TierRecalc::on_purchase) tier = tier_for(now, false);
        return t;
    }

    std::optional<std::uint64_t> next_birthday(std::uint64_t after) const {
        const Gift* g = gift(GiftKind::birthday);
        if (!g || !birthday) return std::nullopt;
        for (std::int32_t y = 1990; y < 2200; ++y) {
            if (y <= birthday_year) continue;
            std::uint64_t due = clock.midnight(birthday_on(y) - g->param_days);
            if (due > after) return due;
        }
        return std::nullopt;
    }
    std::optional<std::uint64_t> next_winback() const {
        const Gift* g = gift(GiftKind::winback);
        if (!g || last_purchase == 0 || winback_given >= last_purchase) return std::nullopt;
        return last_purchase + g->param_days * 86400ull;
    }
    std::optional<std::uint64_t> next_recalc(std::uint64_t after) const {
        if (p.tier_recalc != TierRecalc::monthly) return std::nullopt;
        for (std::int64_t d = clock.day(after) - 31;; ++d) {
            std::int32_t y;
            unsigned m, dd;
            tz::civil_from_days(d, y, m, dd);
            if (dd == p.recalc_day && clock.midnight(d) > after) return clock.midnight(d);
        }
    }
};

// The parts of a client's record the model keeps, as the record would hold them.
inline std::vector<Lot> model_lots(const Model& m) {
    std::vector<Lot> lots;
    for (const auto& [e, a] : m.lots) lots.push_back({a, e});
    return lots;
}
inline std::vector<MonthTotal> model_months(const Model& m) {
    std::vector<MonthTotal> months;
    for (const auto& [mo, a] : m.months) months.push_back({mo, a});
    if (months.size() > client_months_max) months.erase(months.begin(), months.end() - client_months_max);
    return months;
}
inline std::vector<StampCount> model_stamps(const Model& m) {
    std::vector<StampCount> stamps;
    for (const auto& [id, n] : m.stamps)
        if (n) stamps.push_back({id, n});
    return stamps;
}

// Whether the record agrees with the model in everything check_same checks.
inline bool same_as(const Model& m, const Client& c) {
    return c.tier == m.tier && c.lifetime_paid == m.lifetime && c.best_purchase == m.best &&
           c.purchases == m.purchases && c.last_purchase_s == m.last_purchase && c.debt == m.debt &&
           c.winback_given_s == m.winback_given && c.birthday_gift_year == m.birthday_year &&
           c.lots == model_lots(m) && c.months == model_months(m) && c.stamps == model_stamps(m);
}

inline void check_same(const Model& m, const Client& c) {
    CHECK(c.tier == m.tier);
    CHECK(c.lifetime_paid == m.lifetime);
    CHECK(c.best_purchase == m.best);
    CHECK(c.purchases == m.purchases);
    CHECK(c.last_purchase_s == m.last_purchase);
    CHECK(c.debt == m.debt);
    CHECK(c.winback_given_s == m.winback_given);
    CHECK(c.birthday_gift_year == m.birthday_year);
    CHECK(c.lots == model_lots(m));
    CHECK(c.months == model_months(m));
    CHECK(c.stamps == model_stamps(m));
}

}  // namespace kopilka::test::programme_model
