// The evaluator of venue bonus programmes: pure functions from a programme,
// a client's record, a receipt and a time to what the ledger does. The order
// of evaluation is docs/design.md, "Bonus programmes: evaluation order";
// every step below carries its number from there.
#include "ledger/programme.h"

#include <array>

#include "ledger/codec.h"

#include <algorithm>
#include <limits>

namespace kopilka::ledger::loyalty {

namespace {

constexpr std::uint64_t day_s = 24 * 60 * 60;
// A condition's day counts: a birthday window wider than half a year or a
// "returning" window longer than the lot lifetime limit means nothing more.
constexpr std::uint16_t birthday_days_max = 183;
constexpr std::uint16_t returning_days_max = 3660;

// floor(a * b / c) without overflow; c > 0. The result fits when b <= c.
__extension__ typedef unsigned __int128 u128;
Amount mul_div(Amount a, std::uint64_t b, std::uint64_t c) { return static_cast<Amount>(static_cast<u128>(a) * b / c); }

bool add_to(Amount& sum, Amount x) { return !__builtin_add_overflow(sum, x, &sum); }

bool contains(const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

std::uint32_t month_index(const tz::LocalTime& lt) {
    return static_cast<std::uint32_t>(lt.year * 12 + (lt.month - 1));
}

// The rule is checked by check_programme; an evaluator given a programme
// whose rule does not parse treats it as UTC rather than failing a block.
tz::Rule zone_of(const Programme& p) {
    auto r = tz::parse(p.zone_rule);
    return r ? *r : tz::Rule{};
}

// The local day of a client's birthday in year y; 29 February is
// 28 February in a year without it.
std::int64_t birthday_day(std::pair<std::uint8_t, std::uint8_t> b, std::int32_t y) {
    unsigned m = b.first, d = b.second;
    if (m == 2 && d == 29 && !tz::leap_year(y)) d = 28;
    return tz::days_from_civil(y, m, d);
}

const Gift* find_gift(const Programme& p, GiftKind kind) {
    for (const auto& g : p.gifts)
        if (g.kind == kind) return &g;
    return nullptr;
}

bool in_window(const Window& w, const tz::LocalTime& lt) {
    unsigned minute = lt.second_of_day / 60;
    auto day_bit = [&](unsigned weekday) { return (w.weekdays >> weekday) & 1u; };
    unsigned yesterday = (lt.weekday + 6) % 7;
    if (w.from_minute == w.to_minute) return day_bit(lt.weekday);
    if (w.from_minute < w.to_minute) return day_bit(lt.weekday) && minute >= w.from_minute && minute < w.to_minute;
    // Past midnight: the evening belongs to today, the early hours to the
    // day the window started.
    return (day_bit(lt.weekday) && minute >= w.from_minute) || (day_bit(yesterday) && minute < w.to_minute);
}

std::string text_error(const std::string& s, const std::string& field, std::size_t bytes_max, bool allow_empty) {
    if (s.empty()) return allow_empty ? std::string() : field + " is empty";
    if (s.size() > bytes_max)
        return field + " is " + std::to_string(s.size()) + " bytes, more than " + std::to_string(bytes_max);
    return display_text_error(s, field, false);
}

std::string categories_error(const std::vector<std::string>& list, const std::string& field) {
    if (list.size() > category_list_max)
        return field + " holds " + std::to_string(list.size()) + " categories, more than " +
               std::to_string(category_list_max);
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::string f = field + "[" + std::to_string(i) + "]";
        if (auto e = text_error(list[i], f, product_category_bytes_max, false); !e.empty()) return e;
        for (std::size_t j = 0; j < i; ++j)
            if (list[j] == list[i]) return f + ": \"" + list[i] + "\" is listed twice";
    }
    return {};
}

std::string bp_error(std::uint32_t bp, const std::string& field) {
    if (bp > bp_whole) return field + ": " + std::to_string(bp) + " bp is more than 100 %";
    return {};
}

// A lifetime's expiry in the client's record, or the credit's own.
void record_month_paid(Client& c, std::uint32_t month, Amount paid) {
    auto it = std::find_if(c.months.begin(), c.months.end(), [&](const MonthTotal& m) { return m.month >= month; });
    if (it != c.months.end() && it->month == month) {
        it->paid = it->paid > std::numeric_limits<Amount>::max() - paid ? std::numeric_limits<Amount>::max()
                                                                       : it->paid + paid;
    } else {
        c.months.insert(it, MonthTotal{month, paid});
    }
    // Only the newest months can count for a tier.
    if (c.months.size() > client_months_max)
        c.months.erase(c.months.begin(), c.months.begin() + static_cast<std::ptrdiff_t>(c.months.size() - client_months_max));
}

}  // namespace

// --- validity ---

std::string check_programme(const Programme& p) {
    if (p.version == 0) return "version: must be 1 or more";
    if (auto e = text_error(p.zone, "zone", tz::zone_name_bytes_max, false); !e.empty()) return e;
    if (auto e = text_error(p.tzdb_version, "tzdb_version", tz::tzdb_version_bytes_max, true); !e.empty()) return e;
    if (auto r = tz::parse(p.zone_rule); !r) return "zone_rule \"" + p.zone_rule + "\": " + r.error();
    if (p.tier_basis != TierBasis::lifetime && p.tier_basis != TierBasis::period &&
        p.tier_basis != TierBasis::single_purchase)
        return "tier_basis: " + std::to_string(int(p.tier_basis)) + " is not a basis (1-3)";
    if (p.tier_basis == TierBasis::period) {
        if (p.period_months < 1 || p.period_months > period_months_max)
            return "period_months: " + std::to_string(p.period_months) + " is not 1-" +
                   std::to_string(period_months_max);
    } else if (p.period_months != 0) {
        return "period_months: must be 0 unless tier_basis is period";
    }
    if (p.tier_recalc != TierRecalc::on_purchase && p.tier_recalc != TierRecalc::monthly)
        return "tier_recalc: " + std::to_string(int(p.tier_recalc)) + " is not a schedule (1-2)";
    if (p.recalc_day < 1 || p.recalc_day > 28)
        return "recalc_day: " + std::to_string(p.recalc_day) + " is not 1-28";
    if (p.tiers.empty()) return "tiers: a programme has at least one tier";
    if (p.tiers.size() > programme_tiers_max)
        return "tiers: " + std::to_string(p.tiers.size()) + " tiers, more than " + std::to_string(programme_tiers_max);
    for (std::size_t i = 0; i < p.tiers.size(); ++i) {
        std::string f = "tiers[" + std::to_string(i) + "]";
        const auto& t = p.tiers[i];
        if (auto e = text_error(t.name, f + ".name", tier_name_bytes_max, false); !e.empty()) return e;
        if (i == 0 && t.threshold != 0) return f + ".threshold: the first tier's threshold is 0";
        if (i > 0 && t.threshold <= p.tiers[i - 1].threshold)
            return f + ".threshold: " + std::to_string(t.threshold) + " is not above the previous tier's " +
                   std::to_string(p.tiers[i - 1].threshold);
        if (auto e = bp_error(t.pay_share_bp, f + ".pay_share_bp"); !e.empty()) return e;
    }
    if (p.rules.size() > programme_rules_max)
        return "rules: " + std::to_string(p.rules.size()) + " rules, more than " + std::to_string(programme_rules_max);
    for (std::size_t i = 0; i < p.rules.size(); ++i) {
        std::string f = "rules[" + std::to_string(i) + "]";
        const auto& r = p.rules[i];
        if (r.id == 0) return f + ".id: must be 1-65535";
        for (std::size_t j = 0; j < i; ++j)
            if (p.rules[j].id == r.id) return f + ".id: " + std::to_string(r.id) + " is used twice";
        if (auto e = text_error(r.name, f + ".name", rule_name_bytes_max, false); !e.empty()) return e;
        const auto& w = r.when;
        if (w.tier_mask >> p.tiers.size())
            return f + ".when.tier_mask: names a tier the programme does not have";
        if (w.receipt_min && w.receipt_max && *w.receipt_min >= *w.receipt_max)
            return f + ".when: receipt_min " + std::to_string(*w.receipt_min) + " is not below receipt_max " +
                   std::to_string(*w.receipt_max);
        if (w.window) {
            if (w.window->weekdays == 0 || w.window->weekdays > 0x7f)
                return f + ".when.window.weekdays: must hold 1-7 of bits 0 (Monday) to 6 (Sunday)";
            if (w.window->from_minute > 1439) return f + ".when.window.from_minute: must be 0-1439";
            if (w.window->to_minute > 1440) return f + ".when.window.to_minute: must be 0-1440";
        }
        if (w.birthday_days && *w.birthday_days > birthday_days_max)
            return f + ".when.birthday_days: more than " + std::to_string(birthday_days_max);
        if (w.returning_days && (*w.returning_days == 0 || *w.returning_days > returning_days_max))
            return f + ".when.returning_days: must be 1-" + std::to_string(returning_days_max);
        if (auto e = categories_error(w.categories, f + ".when.categories"); !e.empty()) return e;
        if (r.effect == Effect::percent) {
            if (auto e = bp_error(r.value, f + ".value"); !e.empty()) return e;
        } else if (r.effect != Effect::fixed) {
            return f + ".effect: " + std::to_string(int(r.effect)) + " is not an effect (1-2)";
        }
        if (r.value == 0) return f + ".value: a rule that credits nothing";
        if (r.cap_per_month && *r.cap_per_month == 0) return f + ".cap_per_month: 0 would credit nothing";
        if (r.lifetime_days > lifetime_days_max)
            return f + ".lifetime_days: more than " + std::to_string(lifetime_days_max);
    }
    if (auto e = categories_error(p.accrual_excluded, "accrual_excluded"); !e.empty()) return e;
    if (auto e = categories_error(p.pay_excluded, "pay_excluded"); !e.empty()) return e;
    for (std::size_t i = 0; i < 7; ++i)
        if (auto e = bp_error(p.weekday_pay_share_bp[i], "weekday_pay_share_bp[" + std::to_string(i) + "]"); !e.empty())
            return e;
    if (p.gifts.size() > programme_gifts_max) return "gifts: more than " + std::to_string(programme_gifts_max);
    for (std::size_t i = 0; i < p.gifts.size(); ++i) {
        std::string f = "gifts[" + std::to_string(i) + "]";
        const auto& g = p.gifts[i];
        if (g.kind != GiftKind::welcome && g.kind != GiftKind::birthday && g.kind != GiftKind::winback &&
            g.kind != GiftKind::review)
            return f + ".kind: " + std::to_string(int(g.kind)) + " is not a gift kind (1-4)";
        for (std::size_t j = 0; j < i; ++j)
            if (p.gifts[j].kind == g.kind) return f + ".kind: a second gift of one kind";
        if (g.amount == 0) return f + ".amount: a gift of nothing";
        if (g.lifetime_days > lifetime_days_max)
            return f + ".lifetime_days: more than " + std::to_string(lifetime_days_max);
        if (g.kind == GiftKind::birthday || g.kind == GiftKind::winback) {
            if (g.param_days > gift_param_days_max)
                return f + ".param_days: more than " + std::to_string(gift_param_days_max);
            if (g.kind == GiftKind::winback && g.param_days == 0) return f + ".param_days: a win-back needs 1 or more days";
        } else if (g.param_days != 0) {
            return f + ".param_days: must be 0 for this kind";
        }
    }
    if (p.referral_bp.size() > referral_levels_max)
        return "referral_bp: more than " + std::to_string(referral_levels_max) + " levels";
    for (std::size_t i = 0; i < p.referral_bp.size(); ++i)
        if (auto e = bp_error(p.referral_bp[i], "referral_bp[" + std::to_string(i) + "]"); !e.empty()) return e;
    if (p.referral_lifetime_days > lifetime_days_max)
        return "referral_lifetime_days: more than " + std::to_string(lifetime_days_max);
    if (p.stamp_cards.size() > programme_stamp_cards_max)
        return "stamp_cards: more than " + std::to_string(programme_stamp_cards_max);
    for (std::size_t i = 0; i < p.stamp_cards.size(); ++i) {
        std::string f = "stamp_cards[" + std::to_string(i) + "]";
        const auto& s = p.stamp_cards[i];
        if (s.id == 0) return f + ".id: must be 1-65535";
        for (std::size_t j = 0; j < i; ++j)
            if (p.stamp_cards[j].id == s.id) return f + ".id: " + std::to_string(s.id) + " is used twice";
        if (auto e = text_error(s.category, f + ".category", product_category_bytes_max, false); !e.empty()) return e;
        if (s.every < 1 || s.every > stamp_every_max)
            return f + ".every: " + std::to_string(s.every) + " is not 1-" + std::to_string(stamp_every_max);
        if (s.reward == 0) return f + ".reward: a reward of nothing";
        if (s.lifetime_days > lifetime_days_max)
            return f + ".lifetime_days: more than " + std::to_string(lifetime_days_max);
    }
    if (p.cap_per_client_day && *p.cap_per_client_day == 0) return "cap_per_client_day: 0 would credit nothing";
    return {};
}

std::optional<Amount> receipt_total(const Receipt& r) {
    Amount total = 0;
    for (const auto& l : r.lines)
        if (!add_to(total, l.amount)) return std::nullopt;
    return total;
}

std::string check_receipt(const Receipt& r) {
    if (r.id.size() > receipt_id_bytes_max)
        return "receipt id is " + std::to_string(r.id.size()) + " bytes, more than " +
               std::to_string(receipt_id_bytes_max);
    if (!r.id.empty())
        if (auto e = display_text_error(r.id, "receipt id", false); !e.empty()) return e;
    if (r.lines.empty()) return "the receipt has no lines";
    if (r.lines.size() > receipt_lines_max)
        return "the receipt has " + std::to_string(r.lines.size()) + " lines, more than " +
               std::to_string(receipt_lines_max);
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
        std::string f = "receipt line " + std::to_string(i + 1);
        if (r.lines[i].amount == 0) return f + ": the amount is 0";
        if (auto e = text_error(r.lines[i].category, f + " category", product_category_bytes_max, true); !e.empty())
            return e;
    }
    if (!receipt_total(r)) return "the receipt's total overflows";
    return {};
}

namespace {
template <class E, std::size_t N>
std::optional<E> enum_of(const std::array<std::pair<E, std::string_view>, N>& names, std::string_view name) {
    for (const auto& [e, n] : names)
        if (n == name) return e;
    return std::nullopt;
}
template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& names, E e) {
    for (const auto& [k, n] : names)
        if (k == e) return n;
    return "unknown";
}
constexpr std::array<std::pair<TierBasis, std::string_view>, 3> tier_basis_names{
    {{TierBasis::lifetime, "lifetime"}, {TierBasis::period, "period"}, {TierBasis::single_purchase, "single_purchase"}}};
constexpr std::array<std::pair<TierRecalc, std::string_view>, 2> tier_recalc_names{
    {{TierRecalc::on_purchase, "on_purchase"}, {TierRecalc::monthly, "monthly"}}};
constexpr std::array<std::pair<GiftKind, std::string_view>, 4> gift_kind_names{
    {{GiftKind::welcome, "welcome"}, {GiftKind::birthday, "birthday"}, {GiftKind::winback, "winback"}, {GiftKind::review, "review"}}};
}  // namespace

std::string_view tier_basis_name(TierBasis b) { return name_of(tier_basis_names, b); }
std::optional<TierBasis> tier_basis_of(std::string_view name) { return enum_of(tier_basis_names, name); }
std::string_view tier_recalc_name(TierRecalc r) { return name_of(tier_recalc_names, r); }
std::optional<TierRecalc> tier_recalc_of(std::string_view name) { return enum_of(tier_recalc_names, name); }
std::string_view gift_kind_name(GiftKind k) { return name_of(gift_kind_names, k); }
std::optional<GiftKind> gift_kind_of(std::string_view name) { return enum_of(gift_kind_names, name); }

bool valid_card(std::string_view card) {
    if (card.size() < card_bytes_min || card.size() > card_bytes_max) return false;
    return std::all_of(card.begin(), card.end(), [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z'); });
}

// --- lots ---

void spend_lots(Client& c, Amount amount) {
    std::size_t used = 0;
    while (amount > 0 && used < c.lots.size()) {
        Lot& lot = c.lots[used];
        Amount take = std::min(amount, lot.amount);
        lot.amount -= take;
        amount -= take;
        if (lot.amount == 0) ++used;
    }
    c.lots.erase(c.lots.begin(), c.lots.begin() + static_cast<std::ptrdiff_t>(used));
}

void add_lot(Client& c, Amount amount, std::uint64_t expiry_s) {
    if (amount == 0) return;
    auto saturating_add = [](Amount& to, Amount x) {
        if (!add_to(to, x)) to = std::numeric_limits<Amount>::max();
    };
    auto it = std::lower_bound(c.lots.begin(), c.lots.end(), expiry_s,
                               [](const Lot& l, std::uint64_t e) { return l.expiry_s < e; });
    if (it != c.lots.end() && it->expiry_s == expiry_s) {
        saturating_add(it->amount, amount);
        return;
    }
    if (c.lots.size() < client_lots_max) {
        c.lots.insert(it, Lot{amount, expiry_s});
        return;
    }
    // Full: join the nearest lot (on a tie the later one, whose expiry
    // stands). The merged lot keeps the later expiry, which stays between its
    // neighbours, so the lots stay ascending.
    Lot* target = nullptr;
    if (it == c.lots.end()) {
        target = &c.lots.back();
    } else if (it == c.lots.begin()) {
        target = &*it;
    } else {
        Lot& before = *(it - 1);
        target = (expiry_s - before.expiry_s < it->expiry_s - expiry_s) ? &before : &*it;
    }
    saturating_add(target->amount, amount);
    target->expiry_s = std::max(target->expiry_s, expiry_s);
}

std::uint64_t lot_expiry(const Programme& p, std::uint64_t time_s, std::uint32_t lifetime_days) {
    if (lifetime_days == 0) return 0;
    tz::Rule zone = zone_of(p);
    auto lt = tz::to_local(zone, static_cast<std::int64_t>(time_s));
    return static_cast<std::uint64_t>(tz::day_start_utc(zone, lt.day_number + lifetime_days + 1));
}

// --- tiers ---

std::uint8_t tier_at(const Programme& p, const Client& c, std::uint64_t time_s, bool scheduled) {
    if (p.tiers.empty()) return 0;
    Amount basis = 0;
    switch (p.tier_basis) {
    case TierBasis::lifetime: basis = c.lifetime_paid; break;
    case TierBasis::single_purchase: basis = c.best_purchase; break;
    case TierBasis::period: {
        tz::Rule zone = zone_of(p);
        std::uint32_t month = month_index(tz::to_local(zone, static_cast<std::int64_t>(time_s)));
        // On purchase: the current month and the period-1 before it; on the
        // schedule: the period months before the current one.
        std::uint32_t last = scheduled ? month - 1 : month;
        std::uint32_t first = last + 1 - p.period_months;
        for (const auto& m : c.months)
            if (m.month >= first && m.month <= last)
                if (!add_to(basis, m.paid)) basis = std::numeric_limits<Amount>::max();
        break;
    }
    }
    std::uint8_t tier = 0;
    for (std::size_t i = 0; i < p.tiers.size(); ++i)
        if (p.tiers[i].threshold <= basis) tier = static_cast<std::uint8_t>(i);
    return tier;
}

// --- gifts and events ---

namespace {

// The year whose birthday gift falls on `today` or most recently before it.
std::int32_t birthday_gift_year_of(std::pair<std::uint8_t, std::uint8_t> b, std::uint32_t param_days,
                                   std::int64_t today, std::int32_t year) {
    std::int32_t best = year - 1;
    for (std::int32_t y = year - 1; y <= year + 1; ++y)
        if (birthday_day(b, y) - param_days <= today) best = y;
    return best;
}

}  // namespace

std::optional<Credit> give_gift(const Programme& p, Client& c, GiftKind kind, std::uint64_t time_s,
                                Amount gifts_this_month) {
    const Gift* g = find_gift(p, kind);
    if (!g) return std::nullopt;
    tz::Rule zone = zone_of(p);
    auto lt = tz::to_local(zone, static_cast<std::int64_t>(time_s));
    switch (kind) {
    case GiftKind::welcome:
        // Once: at the registration.
        if (c.registered_s != time_s || c.purchases != 0) return std::nullopt;
        break;
    case GiftKind::birthday: {
        if (!c.birthday) return std::nullopt;
        std::int32_t year = birthday_gift_year_of(*c.birthday, g->param_days, lt.day_number, lt.year);
        if (c.birthday_gift_year >= year) return std::nullopt;
        c.birthday_gift_year = year;
        break;
    }
    case GiftKind::winback:
        // Once per absence: not again until a purchase after this one.
        if (c.last_purchase_s == 0 || c.winback_given_s >= c.last_purchase_s) return std::nullopt;
        if (time_s < c.last_purchase_s + std::uint64_t(g->param_days) * day_s) return std::nullopt;
        c.winback_given_s = time_s;
        break;
    case GiftKind::review: break;
    }
    // The month's budget: a gift that is due is given (and counted as given)
    // even when the budget cuts it, so an event is never retried.
    Amount amount = g->amount;
    if (p.gift_budget_per_month) {
        Amount left = *p.gift_budget_per_month - std::min(*p.gift_budget_per_month, gifts_this_month);
        amount = std::min(amount, left);
    }
    if (amount == 0) return std::nullopt;
    Credit credit{Credit::Source::gift, static_cast<std::uint16_t>(kind), 0, amount, lot_expiry(p, time_s, g->lifetime_days)};
    if (credit.expiry_s != 0) add_lot(c, amount, credit.expiry_s);
    return credit;
}

std::optional<std::uint64_t> next_tier_recalc(const Programme& p, std::uint64_t after_s) {
    if (p.tier_recalc != TierRecalc::monthly) return std::nullopt;
    tz::Rule zone = zone_of(p);
    auto lt = tz::to_local(zone, static_cast<std::int64_t>(after_s));
    std::int32_t y = lt.year;
    unsigned m = lt.month;
    for (int i = 0; i < 3; ++i) {
        auto t = tz::day_start_utc(zone, tz::days_from_civil(y, m, p.recalc_day));
        if (t > static_cast<std::int64_t>(after_s)) return static_cast<std::uint64_t>(t);
        if (++m > 12) m = 1, ++y;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> next_birthday_gift(const Programme& p, const Client& c, std::uint64_t after_s) {
    const Gift* g = find_gift(p, GiftKind::birthday);
    if (!g || !c.birthday) return std::nullopt;
    tz::Rule zone = zone_of(p);
    auto lt = tz::to_local(zone, static_cast<std::int64_t>(after_s));
    for (std::int32_t y = std::max(lt.year - 1, c.birthday_gift_year + 1); y <= lt.year + 2; ++y) {
        auto t = tz::day_start_utc(zone, birthday_day(*c.birthday, y) - g->param_days);
        if (t > static_cast<std::int64_t>(after_s)) return static_cast<std::uint64_t>(t);
    }
    return std::nullopt;
}

std::optional<std::uint64_t> next_winback_gift(const Programme& p, const Client& c) {
    const Gift* g = find_gift(p, GiftKind::winback);
    if (!g || c.last_purchase_s == 0 || c.winback_given_s >= c.last_purchase_s) return std::nullopt;
    return c.last_purchase_s + std::uint64_t(g->param_days) * day_s;
}

// --- purchases ---

std::expected<PurchaseResult, std::string> evaluate_purchase(const PurchaseInput& in) {
    if (!in.programme) return std::unexpected(std::string("no programme"));
    const Programme& p = *in.programme;
    if (p.tiers.empty()) return std::unexpected(std::string("the programme has no tiers"));
    auto zone = tz::parse(p.zone_rule);
    if (!zone) return std::unexpected("the programme's zone rule: " + zone.error());
    const auto local = tz::to_local(*zone, static_cast<std::int64_t>(in.time_s));
    const std::uint32_t month = month_index(local);
    const auto& lines = in.receipt.lines;

    // 1. The receipt.
    if (auto e = check_receipt(in.receipt); !e.empty()) return std::unexpected(e);
    PurchaseResult res;
    res.total = *receipt_total(in.receipt);

    // 2. The tier before; a new client registers now.
    Client c;
    if (in.client) {
        c = *in.client;
    } else {
        c.registered_s = in.time_s;
    }
    const std::uint8_t tier = std::min<std::uint8_t>(c.tier, static_cast<std::uint8_t>(p.tiers.size() - 1));
    res.tier_before = tier;

    // 3. Payment first.
    Amount payable_sum = 0;
    for (const auto& l : lines)
        if (!contains(p.pay_excluded, l.category)) payable_sum += l.amount;  // <= total: no overflow
    std::uint32_t share = std::min(p.tiers[tier].pay_share_bp, p.weekday_pay_share_bp[local.weekday]);
    share = std::min(share, bp_whole);
    Amount spendable = in.client_balance - std::min(in.client_balance, c.debt);
    res.payable_max = std::min(mul_div(payable_sum, share, bp_whole), spendable);
    if (in.pay > res.payable_max)
        return std::unexpected("asks to pay " + std::to_string(in.pay) + " in bonuses, but at most " +
                               std::to_string(res.payable_max) + " is payable on this receipt");
    res.paid = in.pay;
    std::vector<Amount> bonus_on_line(lines.size(), 0);
    if (res.paid > 0) {
        Amount given = 0;
        for (std::size_t i = 0; i < lines.size(); ++i)
            if (!contains(p.pay_excluded, lines[i].category)) {
                bonus_on_line[i] = mul_div(res.paid, lines[i].amount, payable_sum);
                given += bonus_on_line[i];
            }
        while (given < res.paid)
            for (std::size_t i = 0; i < lines.size() && given < res.paid; ++i)
                if (!contains(p.pay_excluded, lines[i].category) && bonus_on_line[i] < lines[i].amount) {
                    ++bonus_on_line[i];
                    ++given;
                }
    }

    // 4. The accrual base: money paid on eligible lines.
    auto base_of = [&](const std::vector<std::string>& categories) {
        Amount sum = 0;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (contains(p.accrual_excluded, lines[i].category)) continue;
            if (!categories.empty() && !contains(categories, lines[i].category)) continue;
            sum += lines[i].amount - bonus_on_line[i];
        }
        return sum;
    };
    res.base = base_of({});

    // 5. Rules in ascending id.
    std::vector<const Rule*> rules;
    for (const auto& r : p.rules) rules.push_back(&r);
    std::sort(rules.begin(), rules.end(), [](const Rule* a, const Rule* b) { return a->id < b->id; });
    std::vector<std::uint16_t> groups_used;
    std::vector<Credit> client_credits;  // rules and stamps, before the day's cap
    for (const Rule* r : rules) {
        const Condition& w = r->when;
        if (w.tier_mask != 0 && !((w.tier_mask >> tier) & 1u)) continue;
        if (w.receipt_min && res.total < *w.receipt_min) continue;
        if (w.receipt_max && res.total >= *w.receipt_max) continue;
        if (w.window && !in_window(*w.window, local)) continue;
        if (w.birthday_days) {
            if (!c.birthday) continue;
            bool near = false;
            for (std::int32_t y = local.year - 1; y <= local.year + 1; ++y) {
                std::int64_t d = local.day_number - birthday_day(*c.birthday, y);
                if (d >= -std::int64_t(*w.birthday_days) && d <= std::int64_t(*w.birthday_days)) near = true;
            }
            if (!near) continue;
        }
        if (w.returning_days) {
            if (c.last_purchase_s == 0 || in.time_s < c.last_purchase_s ||
                in.time_s - c.last_purchase_s > std::uint64_t(*w.returning_days) * day_s)
                continue;
        }
        if (r->group != 0) {
            if (std::find(groups_used.begin(), groups_used.end(), r->group) != groups_used.end()) continue;
            groups_used.push_back(r->group);
        }
        Amount amount = r->effect == Effect::percent ? mul_div(base_of(w.categories), r->value, bp_whole) : r->value;
        if (r->cap_per_month) {
            Amount so_far = 0;
            for (const auto& rm : c.rule_months)
                if (rm.rule == r->id && rm.month == month) so_far = rm.credited;
            amount = std::min(amount, *r->cap_per_month - std::min(*r->cap_per_month, so_far));
        }
        client_credits.push_back(
            Credit{Credit::Source::rule, r->id, 0, amount, lot_expiry(p, in.time_s, r->lifetime_days)});
    }

    // 6. Stamp cards, in ascending id.
    std::vector<const StampCard*> cards;
    for (const auto& s : p.stamp_cards) cards.push_back(&s);
    std::sort(cards.begin(), cards.end(), [](const StampCard* a, const StampCard* b) { return a->id < b->id; });
    // Counts of cards the programme no longer has are dropped.
    std::erase_if(c.stamps, [&](const StampCount& s) {
        return std::none_of(cards.begin(), cards.end(), [&](const StampCard* k) { return k->id == s.card; });
    });
    for (const StampCard* card : cards) {
        bool stamped = std::any_of(lines.begin(), lines.end(), [&](const ReceiptLine& l) { return l.category == card->category; });
        if (!stamped) continue;
        auto it = std::find_if(c.stamps.begin(), c.stamps.end(), [&](const StampCount& s) { return s.card >= card->id; });
        if (it == c.stamps.end() || it->card != card->id) it = c.stamps.insert(it, StampCount{card->id, 0});
        if (++it->count >= card->every) {
            it->count = 0;
            client_credits.push_back(Credit{Credit::Source::stamp, card->id, 0, card->reward,
                                            lot_expiry(p, in.time_s, card->lifetime_days)});
        }
    }
    std::erase_if(c.stamps, [](const StampCount& s) { return s.count == 0; });

    // 7. The client's day: rule and stamp credits together may not pass the cap.
    if (c.day != local.day_number) {
        c.day = local.day_number;
        c.accrued_day = 0;
    }
    for (auto& cr : client_credits) {
        if (p.cap_per_client_day)
            cr.amount = std::min(cr.amount, *p.cap_per_client_day - std::min(*p.cap_per_client_day, c.accrued_day));
        if (!add_to(c.accrued_day, cr.amount)) return std::unexpected(std::string("the day's accruals overflow"));
    }
    std::erase_if(client_credits, [](const Credit& cr) { return cr.amount == 0; });
    // What a capped rule credited this month; entries of earlier months mean nothing more.
    for (const auto& cr : client_credits) {
        if (cr.source != Credit::Source::rule) continue;
        const Rule* r = *std::find_if(rules.begin(), rules.end(), [&](const Rule* x) { return x->id == cr.id; });
        if (!r->cap_per_month) continue;
        std::erase_if(c.rule_months, [&](const RuleMonth& rm) { return rm.month != month; });
        auto it = std::find_if(c.rule_months.begin(), c.rule_months.end(), [&](const RuleMonth& rm) { return rm.rule >= cr.id; });
        if (it == c.rule_months.end() || it->rule != cr.id) it = c.rule_months.insert(it, RuleMonth{cr.id, month, 0});
        it->credited += cr.amount;  // <= the cap
    }

    // 8. Debt first, then the balance; 9. lots for credits that expire. The
    // debt takes from the client's credits in evaluation order.
    Amount debt_left = c.debt;
    for (const auto& cr : client_credits) {
        Amount to_debt = std::min(debt_left, cr.amount);
        debt_left -= to_debt;
        res.debt_paid += to_debt;
        if (cr.expiry_s != 0) add_lot(c, cr.amount - to_debt, cr.expiry_s);
        if (!add_to(res.from_staff, cr.amount)) return std::unexpected(std::string("the accruals overflow"));
    }
    c.debt = debt_left;
    res.credits = client_credits;

    // 10. Totals.
    const Amount money_paid = res.total - res.paid;
    if (!add_to(c.lifetime_paid, money_paid)) return std::unexpected(std::string("the client's lifetime total overflows"));
    record_month_paid(c, month, money_paid);
    c.best_purchase = std::max(c.best_purchase, money_paid);
    if (c.purchases < std::numeric_limits<std::uint32_t>::max()) ++c.purchases;
    const bool registers = in.client == nullptr;
    const std::uint32_t purchases_before = in.client ? in.client->purchases : 0;
    c.last_purchase_s = in.time_s;

    // 11. The tier after.
    res.tier_after = p.tier_recalc == TierRecalc::on_purchase ? tier_at(p, c, in.time_s, false) : tier;
    c.tier = res.tier_after;

    // 12. Referral levels, while the chain of records lasts.
    for (std::size_t level = 1; level <= p.referral_bp.size() && level <= in.referrers.size(); ++level) {
        if (!in.referrers[level - 1]) break;
        Amount amount = mul_div(res.base, p.referral_bp[level - 1], bp_whole);
        if (amount == 0) continue;
        res.credits.push_back(Credit{Credit::Source::referral, static_cast<std::uint16_t>(level),
                                     static_cast<std::uint8_t>(level), amount,
                                     lot_expiry(p, in.time_s, p.referral_lifetime_days)});
        if (!add_to(res.from_staff, amount)) return std::unexpected(std::string("the accruals overflow"));
    }

    // 13. The welcome gift, from the treasury, to a client who registers now.
    res.gifts_this_month_after = in.gifts_this_month;
    if (registers) {
        // give_gift sees the record as at registration (no purchase yet).
        c.purchases = purchases_before;
        auto gift = give_gift(p, c, GiftKind::welcome, in.time_s, in.gifts_this_month);
        c.purchases = purchases_before + 1;
        if (gift) {
            res.credits.push_back(*gift);
            res.from_treasury = gift->amount;
            res.gifts_this_month_after = in.gifts_this_month + gift->amount;
        }
    }
    res.client_after = std::move(c);
    return res;
}

// --- returns ---

std::expected<ReturnResult, std::string> evaluate_return(const PurchaseRecord& rec, Amount amount) {
    if (amount == 0) return std::unexpected(std::string("a return of 0"));
    if (rec.returned > rec.total || amount > rec.total - rec.returned)
        return std::unexpected("a return of " + std::to_string(amount) + " passes what is left of the receipt: " +
                               std::to_string(rec.total - std::min(rec.total, rec.returned)) + " of " +
                               std::to_string(rec.total));
    const Amount before = rec.returned, after = rec.returned + amount;
    auto part = [&](Amount x) { return mul_div(x, after, rec.total) - mul_div(x, before, rec.total); };
    ReturnResult out;
    out.refund_paid = part(rec.paid);
    out.take_client = part(rec.accrued_client);
    out.money_returned = amount - out.refund_paid;  // refund_paid <= amount as paid <= total
    for (std::size_t i = 0; i < referral_levels_max; ++i) out.take_referrer[i] = part(rec.accrued_referrer[i]);
    out.record_after = rec;
    out.record_after.returned = after;
    return out;
}

Client apply_return_to_client(const Programme& p, const Client& c, std::uint64_t purchase_time_s, Amount amount,
                              Amount debt_added, std::uint64_t time_s) {
    Client out = c;
    out.lifetime_paid -= std::min(out.lifetime_paid, amount);
    std::uint32_t month = month_index(tz::to_local(zone_of(p), static_cast<std::int64_t>(purchase_time_s)));
    for (auto& m : out.months)
        if (m.month == month) m.paid -= std::min(m.paid, amount);
    if (!add_to(out.debt, debt_added)) out.debt = std::numeric_limits<Amount>::max();
    if (p.tier_recalc == TierRecalc::on_purchase && !p.tiers.empty()) out.tier = tier_at(p, out, time_s, false);
    return out;
}

}  // namespace kopilka::ledger::loyalty
