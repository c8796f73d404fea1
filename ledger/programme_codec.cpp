#include "ledger/programme_codec.h"

#include <stdexcept>

namespace kopilka::ledger::loyalty {

namespace {

constexpr std::uint8_t programme_format = 1;
constexpr std::uint8_t client_format = 1;
constexpr std::uint8_t purchase_record_format = 1;

void require(const std::string& err) {
    if (!err.empty()) throw std::invalid_argument(err);
}

std::size_t count(Reader& r, std::size_t max, std::string_view what) {
    const std::size_t n = r.u8();
    if (n > max) throw DecodeError(std::string(what) + ": " + std::to_string(n) + " entries, at most " + std::to_string(max));
    return n;
}

std::size_t count16(Reader& r, std::size_t max, std::string_view what) {
    const std::size_t n = r.u16();
    if (n > max) throw DecodeError(std::string(what) + ": " + std::to_string(n) + " entries, at most " + std::to_string(max));
    return n;
}

void write_opt(Writer& w, const std::optional<Amount>& v) {
    w.boolean(v.has_value());
    if (v) w.u64(*v);
}
std::optional<Amount> read_opt(Reader& r) {
    if (!r.boolean()) return std::nullopt;
    return r.u64();
}
void write_opt16(Writer& w, const std::optional<std::uint16_t>& v) {
    w.boolean(v.has_value());
    if (v) w.u16(*v);
}
std::optional<std::uint16_t> read_opt16(Reader& r) {
    if (!r.boolean()) return std::nullopt;
    return r.u16();
}

void write_categories(Writer& w, const std::vector<std::string>& list) {
    w.u8(static_cast<std::uint8_t>(list.size()));
    for (const auto& c : list) w.text(c);
}
std::vector<std::string> read_categories(Reader& r, std::string_view field) {
    std::vector<std::string> out(count(r, category_list_max, field));
    for (auto& c : out) c = r.text(product_category_bytes_max, field);
    return out;
}

void write_opt_account(Writer& w, const std::optional<Account>& a) {
    w.boolean(a.has_value());
    if (a) write_account(w, *a);
}
std::optional<Account> read_opt_account(Reader& r) {
    if (!r.boolean()) return std::nullopt;
    return read_account(r);
}

template <class E>
E read_enum(Reader& r, std::uint8_t first, std::uint8_t last, std::string_view what) {
    const std::uint8_t v = r.u8();
    if (v < first || v > last) throw DecodeError(std::string(what) + " " + std::to_string(v) + " is unknown");
    return static_cast<E>(v);
}

void write_programme_fields(Writer& w, const Programme& p) {
    w.u8(programme_format).u32(p.version).hash(p.previous).u64(p.effective_from_s);
    w.text(p.zone).text(p.tzdb_version).text(p.zone_rule);
    w.u8(static_cast<std::uint8_t>(p.tier_basis)).u8(p.period_months);
    w.u8(static_cast<std::uint8_t>(p.tier_recalc)).u8(p.recalc_day);
    w.u8(static_cast<std::uint8_t>(p.tiers.size()));
    for (const auto& t : p.tiers) w.text(t.name).u64(t.threshold).u32(t.pay_share_bp);
    w.u8(static_cast<std::uint8_t>(p.rules.size()));
    for (const auto& rule : p.rules) {
        w.u16(rule.id).text(rule.name).u16(rule.group);
        const Condition& c = rule.when;
        w.u16(c.tier_mask);
        write_opt(w, c.receipt_min);
        write_opt(w, c.receipt_max);
        w.boolean(c.window.has_value());
        if (c.window) w.u8(c.window->weekdays).u16(c.window->from_minute).u16(c.window->to_minute);
        write_opt16(w, c.birthday_days);
        write_opt16(w, c.returning_days);
        write_categories(w, c.categories);
        w.u8(static_cast<std::uint8_t>(rule.effect)).u32(rule.value);
        write_opt(w, rule.cap_per_month);
        w.u32(rule.lifetime_days);
    }
    write_categories(w, p.accrual_excluded);
    write_categories(w, p.pay_excluded);
    for (auto bp : p.weekday_pay_share_bp) w.u32(bp);
    w.u8(static_cast<std::uint8_t>(p.gifts.size()));
    for (const auto& g : p.gifts) w.u8(static_cast<std::uint8_t>(g.kind)).u64(g.amount).u32(g.lifetime_days).u32(g.param_days);
    w.u8(static_cast<std::uint8_t>(p.referral_bp.size()));
    for (auto bp : p.referral_bp) w.u32(bp);
    w.u32(p.referral_lifetime_days);
    w.u8(static_cast<std::uint8_t>(p.stamp_cards.size()));
    for (const auto& s : p.stamp_cards) w.u16(s.id).text(s.category).u32(s.every).u64(s.reward).u32(s.lifetime_days);
    write_opt(w, p.cap_per_client_day);
    write_opt(w, p.gift_budget_per_month);
}

}  // namespace

bool valid_birthday(std::uint8_t month, std::uint8_t day) {
    static constexpr std::uint8_t days_in_leap_year[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month >= 1 && month <= 12 && day >= 1 && day <= days_in_leap_year[month - 1];
}

void write_programme(Writer& w, const Programme& p) {
    require(check_programme(p));
    Writer inner;
    write_programme_fields(inner, p);
    if (inner.bytes().size() > programme_bytes_max)
        throw std::invalid_argument("the programme is " + std::to_string(inner.bytes().size()) + " bytes, at most " +
                                    std::to_string(programme_bytes_max));
    w.raw(inner.bytes());
}

Programme read_programme(Reader& r) {
    const std::size_t start = r.position();
    if (const auto f = r.u8(); f != programme_format) throw DecodeError("unknown programme format " + std::to_string(f));
    Programme p;
    p.version = r.u32();
    p.previous = r.hash();
    p.effective_from_s = r.u64();
    p.zone = r.text(tz::zone_name_bytes_max, "zone");
    p.tzdb_version = r.text(tz::tzdb_version_bytes_max, "tzdb version");
    p.zone_rule = r.text(tz::posix_rule_bytes_max, "zone rule");
    p.tier_basis = read_enum<TierBasis>(r, 1, 3, "tier basis");
    p.period_months = r.u8();
    p.tier_recalc = read_enum<TierRecalc>(r, 1, 2, "tier recalculation");
    p.recalc_day = r.u8();
    p.tiers.resize(count(r, programme_tiers_max, "tiers"));
    for (auto& t : p.tiers) {
        t.name = r.text(tier_name_bytes_max, "tier name");
        t.threshold = r.u64();
        t.pay_share_bp = r.u32();
    }
    p.rules.resize(count(r, programme_rules_max, "rules"));
    for (auto& rule : p.rules) {
        rule.id = r.u16();
        rule.name = r.text(rule_name_bytes_max, "rule name");
        rule.group = r.u16();
        Condition& c = rule.when;
        c.tier_mask = r.u16();
        c.receipt_min = read_opt(r);
        c.receipt_max = read_opt(r);
        if (r.boolean()) {
            Window win;
            win.weekdays = r.u8();
            win.from_minute = r.u16();
            win.to_minute = r.u16();
            c.window = win;
        }
        c.birthday_days = read_opt16(r);
        c.returning_days = read_opt16(r);
        c.categories = read_categories(r, "rule category");
        rule.effect = read_enum<Effect>(r, 1, 2, "effect");
        rule.value = r.u32();
        rule.cap_per_month = read_opt(r);
        rule.lifetime_days = r.u32();
    }
    p.accrual_excluded = read_categories(r, "accrual-excluded category");
    p.pay_excluded = read_categories(r, "pay-excluded category");
    for (auto& bp : p.weekday_pay_share_bp) bp = r.u32();
    p.gifts.resize(count(r, programme_gifts_max, "gifts"));
    for (auto& g : p.gifts) {
        g.kind = read_enum<GiftKind>(r, 1, 4, "gift kind");
        g.amount = r.u64();
        g.lifetime_days = r.u32();
        g.param_days = r.u32();
    }
    p.referral_bp.resize(count(r, referral_levels_max, "referral levels"));
    for (auto& bp : p.referral_bp) bp = r.u32();
    p.referral_lifetime_days = r.u32();
    p.stamp_cards.resize(count(r, programme_stamp_cards_max, "stamp cards"));
    for (auto& s : p.stamp_cards) {
        s.id = r.u16();
        s.category = r.text(product_category_bytes_max, "stamp card category");
        s.every = r.u32();
        s.reward = r.u64();
        s.lifetime_days = r.u32();
    }
    p.cap_per_client_day = read_opt(r);
    p.gift_budget_per_month = read_opt(r);
    if (r.position() - start > programme_bytes_max)
        throw DecodeError("the programme is " + std::to_string(r.position() - start) + " bytes, at most " +
                          std::to_string(programme_bytes_max));
    if (auto err = check_programme(p); !err.empty()) throw DecodeError("programme: " + err);
    return p;
}

void write_receipt(Writer& w, const Receipt& rc) {
    require(check_receipt(rc));
    w.text(rc.id).u8(static_cast<std::uint8_t>(rc.lines.size()));
    for (const auto& l : rc.lines) w.text(l.category).u64(l.amount);
}

Receipt read_receipt(Reader& r) {
    Receipt rc;
    rc.id = r.text(receipt_id_bytes_max, "receipt id");
    rc.lines.resize(count(r, receipt_lines_max, "receipt lines"));
    for (auto& l : rc.lines) {
        l.category = r.text(product_category_bytes_max, "receipt line category");
        l.amount = r.u64();
    }
    if (auto err = check_receipt(rc); !err.empty()) throw DecodeError("receipt: " + err);
    return rc;
}

Bytes encode_programme(const Programme& p) {
    Writer w;
    write_programme(w, p);
    return std::move(w).take();
}

std::expected<Programme, std::string> decode_programme(ByteView bytes) {
    return decode_exact(bytes, "programme", read_programme);
}

Hash256 programme_hash(const Programme& p) { return blake2b256(encode_programme(p)); }

Bytes encode_receipt(const Receipt& r) {
    Writer w;
    write_receipt(w, r);
    return std::move(w).take();
}

Bytes encode_client(const Client& c) {
    Writer w;
    w.u8(client_format).u8(c.tier).u64(c.lifetime_paid).u64(c.best_purchase);
    if (c.months.size() > client_months_max) throw std::invalid_argument("client record: too many months");
    w.u8(static_cast<std::uint8_t>(c.months.size()));
    for (const auto& m : c.months) w.u32(m.month).u64(m.paid);
    w.u64(c.registered_s).u64(c.last_purchase_s).u32(c.purchases);
    write_opt_account(w, c.referrer);
    w.boolean(c.birthday.has_value());
    if (c.birthday) w.u8(c.birthday->first).u8(c.birthday->second);
    w.i32(c.birthday_gift_year).u64(c.winback_given_s);
    w.u64(static_cast<std::uint64_t>(c.day)).u64(c.accrued_day);
    if (c.rule_months.size() > client_rule_months_max) throw std::invalid_argument("client record: too many rule months");
    w.u8(static_cast<std::uint8_t>(c.rule_months.size()));
    for (const auto& m : c.rule_months) w.u16(m.rule).u32(m.month).u64(m.credited);
    if (c.stamps.size() > client_stamp_counts_max) throw std::invalid_argument("client record: too many stamp counts");
    w.u8(static_cast<std::uint8_t>(c.stamps.size()));
    for (const auto& s : c.stamps) w.u16(s.card).u32(s.count);
    w.u64(c.debt);
    if (c.lots.size() > client_lots_max) throw std::invalid_argument("client record: too many lots");
    w.u16(static_cast<std::uint16_t>(c.lots.size()));
    for (std::size_t i = 0; i < c.lots.size(); ++i) {
        if (c.lots[i].amount == 0 || (i > 0 && c.lots[i - 1].expiry_s >= c.lots[i].expiry_s))
            throw std::invalid_argument("client record: lots must be non-zero and in strictly ascending expiry");
        w.u64(c.lots[i].amount).u64(c.lots[i].expiry_s);
    }
    return std::move(w).take();
}

Client decode_client(ByteView bytes) {
    Reader r(bytes);
    if (const auto f = r.u8(); f != client_format) throw DecodeError("unknown client record format " + std::to_string(f));
    Client c;
    c.tier = r.u8();
    c.lifetime_paid = r.u64();
    c.best_purchase = r.u64();
    c.months.resize(count(r, client_months_max, "client months"));
    for (auto& m : c.months) {
        m.month = r.u32();
        m.paid = r.u64();
    }
    c.registered_s = r.u64();
    c.last_purchase_s = r.u64();
    c.purchases = r.u32();
    c.referrer = read_opt_account(r);
    if (r.boolean()) {
        const std::uint8_t m = r.u8(), d = r.u8();
        if (!valid_birthday(m, d)) throw DecodeError("client record: birthday " + std::to_string(m) + "-" + std::to_string(d));
        c.birthday = std::pair{m, d};
    }
    c.birthday_gift_year = r.i32();
    c.winback_given_s = r.u64();
    c.day = static_cast<std::int64_t>(r.u64());
    c.accrued_day = r.u64();
    c.rule_months.resize(count(r, client_rule_months_max, "client rule months"));
    for (auto& m : c.rule_months) {
        m.rule = r.u16();
        m.month = r.u32();
        m.credited = r.u64();
    }
    c.stamps.resize(count(r, client_stamp_counts_max, "client stamp counts"));
    for (auto& s : c.stamps) {
        s.card = r.u16();
        s.count = r.u32();
    }
    c.debt = r.u64();
    c.lots.resize(count16(r, client_lots_max, "client lots"));
    for (std::size_t i = 0; i < c.lots.size(); ++i) {
        c.lots[i].amount = r.u64();
        c.lots[i].expiry_s = r.u64();
        if (c.lots[i].amount == 0 || (i > 0 && c.lots[i - 1].expiry_s >= c.lots[i].expiry_s))
            throw DecodeError("client record: lots must be non-zero and in strictly ascending expiry");
    }
    r.finish();
    return c;
}

Bytes encode_purchase_record(const PurchaseRecord& p) {
    Writer w;
    w.u8(purchase_record_format);
    write_account(w, p.client);
    w.key(p.staff).u32(p.programme_version).u64(p.time_s);
    w.u64(p.total).u64(p.paid).u64(p.base).u64(p.accrued_client);
    for (auto a : p.accrued_referrer) w.u64(a);
    for (const auto& a : p.referrers) write_opt_account(w, a);
    w.u64(p.returned);
    return std::move(w).take();
}

PurchaseRecord decode_purchase_record(ByteView bytes) {
    Reader r(bytes);
    if (const auto f = r.u8(); f != purchase_record_format)
        throw DecodeError("unknown purchase record format " + std::to_string(f));
    PurchaseRecord p;
    p.client = read_account(r);
    p.staff = r.key();
    p.programme_version = r.u32();
    p.time_s = r.u64();
    p.total = r.u64();
    p.paid = r.u64();
    p.base = r.u64();
    p.accrued_client = r.u64();
    for (auto& a : p.accrued_referrer) a = r.u64();
    for (auto& a : p.referrers) a = read_opt_account(r);
    p.returned = r.u64();
    if (p.returned > p.total || p.paid > p.total) throw DecodeError("purchase record: returned or paid above the total");
    r.finish();
    return p;
}

}  // namespace kopilka::ledger::loyalty
