#include "wallet-cli/programme_file.h"

#include "ledger/types.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace kopilka::wallet {

using namespace ledger::loyalty;
using ledger::Amount;

namespace {

// A TZif file is a few kilobytes; anything near this is not one.
constexpr std::size_t tzif_bytes_max = 1024 * 1024;
constexpr std::array<std::string_view, 7> weekday_names{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> weekday_keys{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

struct Fail {
    std::size_t line;
    std::string message;
};

std::size_t line_of(const toml::node& n) { return n.source().begin.line; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string joined(const std::vector<std::string_view>& keys) {
    std::string out;
    for (auto k : keys) out += (out.empty() ? "" : ", ") + std::string(k);
    return out;
}

constexpr std::array<std::string_view, 19> top_keys{
    "zone", "zone_rule", "tzdb_version", "effective_from", "tier_basis", "period_months", "tier_recalc",
    "recalc_day", "accrual_excluded", "pay_excluded", "weekday_pay_share", "cap_per_client_day",
    "gift_budget_per_month", "referral", "referral_lifetime_days", "tiers", "rules", "gifts", "stamp_cards"};

// One TOML table read by name. A key not in its list is a typo, or a key of
// the programme written below a [[table]] header (TOML puts it in that table).
class Reader {
public:
    Reader(const toml::table& t, std::string where, std::string path, std::map<std::string, std::size_t, std::less<>>& lines,
           std::vector<std::string_view> keys)
        : t_(t), where_(std::move(where)), path_(std::move(path)), lines_(lines) {
        for (auto&& [k, v] : t_) {
            if (std::find(keys.begin(), keys.end(), k.str()) != keys.end()) continue;
            std::string msg = "'" + std::string(k.str()) + "' is not a key of " + where_ + " (its keys are: " + joined(keys) + ")";
            if (!path_.empty() && std::find(top_keys.begin(), top_keys.end(), k.str()) != top_keys.end())
                msg += "; '" + std::string(k.str()) + "' is the programme's own: write it above the first [[...]] table";
            throw Fail{line_of(v), msg};
        }
    }

    std::size_t line() const { return line_of(t_); }
    std::string field(std::string_view internal) const { return path_.empty() ? std::string(internal) : path_ + "." + std::string(internal); }

    // The node at `key`, noting its line under the internal field name.
    const toml::node* get(std::string_view key, std::string_view internal = {}) {
        const toml::node* n = t_.get(key);
        if (n) lines_.emplace(field(internal.empty() ? key : internal), line_of(*n));
        return n;
    }
    const toml::node& need(std::string_view key, std::string_view internal = {}) {
        const toml::node* n = get(key, internal);
        if (!n) throw Fail{line(), where_ + " needs '" + std::string(key) + "'"};
        return *n;
    }
    const std::string& where() const { return where_; }

private:
    const toml::table& t_;
    std::string where_;
    std::string path_;
    std::map<std::string, std::size_t, std::less<>>& lines_;
};

std::string what(std::string_view key, const Reader& r) { return "'" + std::string(key) + "' in " + r.where(); }

Amount amount_of(const toml::node& n, const std::string& what) {
    if (n.is_integer()) {
        const std::int64_t v = n.as_integer()->get();
        if (v < 0) throw Fail{line_of(n), what + " cannot be negative"};
        if (static_cast<std::uint64_t>(v) > std::numeric_limits<Amount>::max() / ledger::coin_minor_per_major)
            throw Fail{line_of(n), what + " is too large"};
        return static_cast<Amount>(v) * ledger::coin_minor_per_major;
    }
    if (n.is_string()) {
        auto a = ledger::parse_amount(n.as_string()->get());
        if (!a) throw Fail{line_of(n), what + ": \"" + n.as_string()->get() + "\" is not an amount (write \"500\" or \"2.50\")"};
        return *a;
    }
    if (n.is_floating_point())
        throw Fail{line_of(n), what + " must be exact: a whole number (500) or a string with at most two decimals (\"2.50\")"};
    throw Fail{line_of(n), what + " must be an amount: 500 or \"2.50\""};
}

std::uint32_t percent_of(const toml::node& n, const std::string& what) {
    if (n.is_string()) {
        auto bp = parse_percent(n.as_string()->get());
        if (!bp) throw Fail{line_of(n), what + ": \"" + n.as_string()->get() + "\" is not a percentage from \"0%\" to \"100%\" (at most two decimals)"};
        return *bp;
    }
    throw Fail{line_of(n), what + " must be a percentage in quotes, like \"3%\" or \"2.5%\""};
}

std::uint64_t whole_of(const toml::node& n, const std::string& what, std::uint64_t max) {
    if (!n.is_integer()) throw Fail{line_of(n), what + " must be a whole number"};
    const std::int64_t v = n.as_integer()->get();
    if (v < 0 || static_cast<std::uint64_t>(v) > max)
        throw Fail{line_of(n), what + " must be 0 to " + std::to_string(max) + ", not " + std::to_string(v)};
    return static_cast<std::uint64_t>(v);
}

std::string text_of(const toml::node& n, const std::string& what) {
    if (!n.is_string()) throw Fail{line_of(n), what + " must be text in quotes"};
    return std::string(n.as_string()->get());
}

std::vector<std::string> texts_of(const toml::node& n, const std::string& what) {
    if (!n.is_array()) throw Fail{line_of(n), what + " must be a list of text: [\"coffee\", \"cake\"]"};
    std::vector<std::string> out;
    for (const auto& e : *n.as_array()) out.push_back(text_of(e, what + "'s entries"));
    return out;
}

// "HH:MM" to minutes of the day; 24:00 only where `end`.
std::uint16_t clock_of(const toml::node& n, const std::string& what, bool end) {
    const std::string t = text_of(n, what);
    const bool shape = t.size() == 5 && t[2] == ':' && std::isdigit(static_cast<unsigned char>(t[0])) &&
                       std::isdigit(static_cast<unsigned char>(t[1])) && std::isdigit(static_cast<unsigned char>(t[3])) &&
                       std::isdigit(static_cast<unsigned char>(t[4]));
    if (shape) {
        const unsigned h = (t[0] - '0') * 10u + (t[1] - '0');
        const unsigned m = (t[3] - '0') * 10u + (t[4] - '0');
        if (m < 60 && (h < 24 || (end && h == 24 && m == 0))) return static_cast<std::uint16_t>(h * 60 + m);
    }
    throw Fail{line_of(n), what + ": \"" + t + "\" is not a time of day like \"09:00\"" + (end ? " (or \"24:00\")" : "")};
}

std::string clock_text(std::uint16_t minutes) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02u:%02u", minutes / 60u, minutes % 60u);
    return buf;
}

// A text naming an enum value (`of` reads it); `names` lists them for the error.
template <class E>
E named_of(const toml::node& n, const std::string& what, std::optional<E> (*of)(std::string_view), std::string_view names) {
    const std::string t = text_of(n, what);
    if (auto e = of(t)) return *e;
    throw Fail{line_of(n), what + " is " + std::string(names) + ", not \"" + t + "\""};
}

const toml::table& table_of(const toml::node& n, const std::string& what) {
    if (!n.is_table()) throw Fail{line_of(n), what + " must be a table"};
    return *n.as_table();
}

// [[name]]: an array of tables (or an empty array).
std::vector<const toml::table*> tables_of(const toml::node* n, std::string_view name) {
    std::vector<const toml::table*> out;
    if (!n) return out;
    if (!n->is_array()) throw Fail{line_of(*n), "'" + std::string(name) + "' must be written as [[" + std::string(name) + "]] tables"};
    for (const auto& e : *n->as_array()) {
        if (!e.is_table()) throw Fail{line_of(e), "'" + std::string(name) + "' must be written as [[" + std::string(name) + "]] tables"};
        out.push_back(e.as_table());
    }
    return out;
}

void read_draft(const toml::table& root, ProgrammeDraft& d) {
    Programme& p = d.programme;
    Reader top(root, "the programme", "", d.lines, {top_keys.begin(), top_keys.end()});
    p.zone = text_of(top.need("zone"), "'zone'");
    if (const auto* n = top.get("zone_rule")) {
        p.zone_rule = text_of(*n, "'zone_rule'");
        d.zone_rule_given = true;
    }
    if (const auto* n = top.get("tzdb_version")) p.tzdb_version = text_of(*n, "'tzdb_version'");
    if (const auto* n = top.get("effective_from", "effective_from_s")) {
        EffectiveFrom e;
        if (n->is_date_time()) {
            const toml::date_time dt = n->as_date_time()->get();
            e = {dt.date.year, dt.date.month, dt.date.day, dt.time.hour, dt.time.minute, dt.time.second, std::nullopt};
            if (dt.offset) e.utc_offset_s = dt.offset->minutes * 60;
        } else if (n->is_date()) {
            const toml::date dt = n->as_date()->get();
            e = {dt.year, dt.month, dt.day, 0, 0, 0, std::nullopt};
        } else {
            throw Fail{line_of(*n), "'effective_from' must be a date and time without quotes, like 2027-01-01 09:00:00"};
        }
        d.effective_from = e;
    }
    if (const auto* n = top.get("tier_basis"))
        p.tier_basis = named_of(*n, "'tier_basis'", tier_basis_of, "\"lifetime\", \"period\" or \"single_purchase\"");
    if (const auto* n = top.get("period_months"))
        p.period_months = static_cast<std::uint8_t>(whole_of(*n, "'period_months'", period_months_max));
    if (const auto* n = top.get("tier_recalc"))
        p.tier_recalc = named_of(*n, "'tier_recalc'", tier_recalc_of, "\"on_purchase\" or \"monthly\"");
    if (const auto* n = top.get("recalc_day")) p.recalc_day = static_cast<std::uint8_t>(whole_of(*n, "'recalc_day'", 28));
    if (const auto* n = top.get("accrual_excluded")) p.accrual_excluded = texts_of(*n, "'accrual_excluded'");
    if (const auto* n = top.get("pay_excluded")) p.pay_excluded = texts_of(*n, "'pay_excluded'");
    if (const auto* n = top.get("weekday_pay_share")) {
        Reader w(table_of(*n, "'weekday_pay_share'"), "weekday_pay_share", "", d.lines, {weekday_keys.begin(), weekday_keys.end()});
        for (std::size_t i = 0; i < 7; ++i) {
            if (const auto* v = w.get(weekday_keys[i], "weekday_pay_share_bp[" + std::to_string(i) + "]"))
                p.weekday_pay_share_bp[i] = percent_of(*v, what(weekday_keys[i], w));
        }
    }
    if (const auto* n = top.get("cap_per_client_day")) p.cap_per_client_day = amount_of(*n, "'cap_per_client_day'");
    if (const auto* n = top.get("gift_budget_per_month")) p.gift_budget_per_month = amount_of(*n, "'gift_budget_per_month'");
    if (const auto* n = top.get("referral", "referral_bp")) {
        if (!n->is_array()) throw Fail{line_of(*n), "'referral' must be a list of percentages, level 1 first: [\"5%\", \"2%\"]"};
        for (std::size_t i = 0; i < n->as_array()->size(); ++i) {
            d.lines.emplace("referral_bp[" + std::to_string(i) + "]", line_of(*n));
            p.referral_bp.push_back(percent_of(*n->as_array()->get(i), "'referral' level " + std::to_string(i + 1)));
        }
    }
    if (const auto* n = top.get("referral_lifetime_days"))
        p.referral_lifetime_days = static_cast<std::uint32_t>(whole_of(*n, "'referral_lifetime_days'", lifetime_days_max));

    // Tiers first: rules name them.
    const auto tiers = tables_of(top.get("tiers"), "tiers");
    if (tiers.empty()) throw Fail{0, "the programme needs at least one [[tiers]] table (the first with threshold = 0)"};
    for (std::size_t i = 0; i < tiers.size(); ++i) {
        const std::string path = "tiers[" + std::to_string(i) + "]";
        Reader t(*tiers[i], "[[tiers]] number " + std::to_string(i + 1), path, d.lines, {"name", "threshold", "pay_share"});
        d.lines.emplace(path, t.line());
        Tier tier;
        tier.name = text_of(t.need("name"), what("name", t));
        if (const auto* n = t.get("threshold")) tier.threshold = amount_of(*n, what("threshold", t));
        tier.pay_share_bp = percent_of(t.need("pay_share", "pay_share_bp"), what("pay_share", t));
        p.tiers.push_back(std::move(tier));
    }
    auto tier_index = [&](const toml::node& n, const std::string& w) -> std::size_t {
        const std::string name = text_of(n, w);
        for (std::size_t i = 0; i < p.tiers.size(); ++i)
            if (p.tiers[i].name == name) return i;
        std::string names;
        for (const auto& t : p.tiers) names += (names.empty() ? "" : ", ") + t.name;
        throw Fail{line_of(n), w + " names the tier \"" + name + "\", which is not one of the programme's (" + names + ")"};
    };

    const auto rules = tables_of(top.get("rules"), "rules");
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const std::string path = "rules[" + std::to_string(i) + "]";
        Reader r(*rules[i], "[[rules]] number " + std::to_string(i + 1), path, d.lines,
                 {"id", "name", "group", "percent", "fixed", "tiers", "receipt_min", "receipt_max", "window", "birthday_days",
                  "returning_days", "categories", "cap_per_month", "lifetime_days"});
        d.lines.emplace(path, r.line());
        Rule rule;
        rule.id = static_cast<std::uint16_t>(whole_of(r.need("id"), what("id", r), 65535));
        rule.name = text_of(r.need("name"), what("name", r));
        if (const auto* n = r.get("group")) rule.group = static_cast<std::uint16_t>(whole_of(*n, what("group", r), 65535));
        const auto* pct = r.get("percent", "value");
        const auto* fixed = r.get("fixed", "value");
        if ((pct != nullptr) == (fixed != nullptr))
            throw Fail{r.line(), r.where() + " needs one of 'percent' (of the money paid, \"3%\") or 'fixed' (an amount per purchase)"};
        if (pct) {
            rule.effect = Effect::percent;
            rule.value = percent_of(*pct, what("percent", r));
        } else {
            rule.effect = Effect::fixed;
            const Amount a = amount_of(*fixed, what("fixed", r));
            if (a > std::numeric_limits<std::uint32_t>::max()) throw Fail{line_of(*fixed), what("fixed", r) + " is too large"};
            rule.value = static_cast<std::uint32_t>(a);
        }
        if (const auto* n = r.get("tiers", "when.tier_mask")) {
            if (!n->is_array()) throw Fail{line_of(*n), what("tiers", r) + " must be a list of tier names: [\"Gold\", \"VIP\"]"};
            for (const auto& e : *n->as_array())
                rule.when.tier_mask = static_cast<std::uint16_t>(rule.when.tier_mask | (1u << tier_index(e, what("tiers", r))));
        }
        if (const auto* n = r.get("receipt_min", "when.receipt_min")) {
            rule.when.receipt_min = amount_of(*n, what("receipt_min", r));
            d.lines.emplace(path + ".when", line_of(*n));
        }
        if (const auto* n = r.get("receipt_max", "when.receipt_max")) {
            rule.when.receipt_max = amount_of(*n, what("receipt_max", r));
            d.lines.emplace(path + ".when", line_of(*n));
        }
        if (const auto* n = r.get("window", "when.window")) {
            Reader w(table_of(*n, what("window", r)), "the window of " + r.where(), path + ".when.window", d.lines, {"days", "from", "to"});
            Window win;
            if (const auto* days = w.get("days", "weekdays")) {
                const std::string t = text_of(*days, what("days", w));
                auto mask = parse_weekdays(t);
                if (!mask) throw Fail{line_of(*days), what("days", w) + ": \"" + t + "\" is not weekdays like \"Mon-Thu\" or \"Sat,Sun\""};
                win.weekdays = *mask;
            }
            win.from_minute = clock_of(w.need("from", "from_minute"), what("from", w), false);
            win.to_minute = clock_of(w.need("to", "to_minute"), what("to", w), true);
            rule.when.window = win;
        }
        if (const auto* n = r.get("birthday_days", "when.birthday_days"))
            rule.when.birthday_days = static_cast<std::uint16_t>(whole_of(*n, what("birthday_days", r), 65535));
        if (const auto* n = r.get("returning_days", "when.returning_days"))
            rule.when.returning_days = static_cast<std::uint16_t>(whole_of(*n, what("returning_days", r), 65535));
        if (const auto* n = r.get("categories", "when.categories")) rule.when.categories = texts_of(*n, what("categories", r));
        if (const auto* n = r.get("cap_per_month")) rule.cap_per_month = amount_of(*n, what("cap_per_month", r));
        if (const auto* n = r.get("lifetime_days"))
            rule.lifetime_days = static_cast<std::uint32_t>(whole_of(*n, what("lifetime_days", r), lifetime_days_max));
        p.rules.push_back(std::move(rule));
    }

    const auto gifts = tables_of(top.get("gifts"), "gifts");
    for (std::size_t i = 0; i < gifts.size(); ++i) {
        const std::string path = "gifts[" + std::to_string(i) + "]";
        Reader g(*gifts[i], "[[gifts]] number " + std::to_string(i + 1), path, d.lines,
                 {"kind", "amount", "lifetime_days", "days_before", "absent_days"});
        d.lines.emplace(path, g.line());
        Gift gift;
        gift.kind = named_of(g.need("kind"), what("kind", g), gift_kind_of,
                             "\"welcome\", \"birthday\", \"winback\" or \"review\"");
        gift.amount = amount_of(g.need("amount"), what("amount", g));
        if (const auto* n = g.get("lifetime_days"))
            gift.lifetime_days = static_cast<std::uint32_t>(whole_of(*n, what("lifetime_days", g), lifetime_days_max));
        const auto* before = g.get("days_before", "param_days");
        const auto* absent = g.get("absent_days", "param_days");
        if (before && gift.kind != GiftKind::birthday)
            throw Fail{line_of(*before), "'days_before' belongs to a birthday gift"};
        if (absent && gift.kind != GiftKind::winback) throw Fail{line_of(*absent), "'absent_days' belongs to a win-back gift"};
        if (gift.kind == GiftKind::winback && !absent)
            throw Fail{g.line(), "a win-back gift needs 'absent_days': the days without a purchase before it is given"};
        if (before) gift.param_days = static_cast<std::uint32_t>(whole_of(*before, what("days_before", g), gift_param_days_max));
        if (absent) gift.param_days = static_cast<std::uint32_t>(whole_of(*absent, what("absent_days", g), gift_param_days_max));
        p.gifts.push_back(gift);
    }

    const auto stamps = tables_of(top.get("stamp_cards"), "stamp_cards");
    for (std::size_t i = 0; i < stamps.size(); ++i) {
        const std::string path = "stamp_cards[" + std::to_string(i) + "]";
        Reader s(*stamps[i], "[[stamp_cards]] number " + std::to_string(i + 1), path, d.lines,
                 {"id", "category", "every", "reward", "lifetime_days"});
        d.lines.emplace(path, s.line());
        StampCard card;
        card.id = static_cast<std::uint16_t>(whole_of(s.need("id"), what("id", s), 65535));
        card.category = text_of(s.need("category"), what("category", s));
        card.every = static_cast<std::uint32_t>(whole_of(s.need("every"), what("every", s), stamp_every_max));
        card.reward = amount_of(s.need("reward"), what("reward", s));
        if (const auto* n = s.get("lifetime_days"))
            card.lifetime_days = static_cast<std::uint32_t>(whole_of(*n, what("lifetime_days", s), lifetime_days_max));
        p.stamp_cards.push_back(std::move(card));
    }
}

// TOML's basic string, escaped.
std::string toml_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04X", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string toml_list(const std::vector<std::string>& list) {
    std::string out = "[";
    for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + toml_string(list[i]);
    return out + "]";
}

std::string amount_text(Amount a) { return toml_string(ledger::format_amount(a)); }

}  // namespace

std::size_t ProgrammeDraft::line_of(std::string_view message) const {
    std::string path(message.substr(0, message.find_first_of(": ")));
    while (!path.empty()) {
        if (auto it = lines.find(path); it != lines.end()) return it->second;
        if (path.back() == ']') {
            path.erase(path.rfind('['));
        } else {
            const auto dot = path.rfind('.');
            if (dot == std::string::npos) break;
            path.erase(dot);
        }
    }
    return 0;
}

std::expected<ProgrammeDraft, ProgrammeFileError> parse_programme_file(std::string_view text) {
    if (text.size() > programme_file_bytes_max)
        return std::unexpected(ProgrammeFileError{0, "the file is larger than " + std::to_string(programme_file_bytes_max / 1024) + " KiB"});
    ProgrammeDraft d;
    try {
        const toml::table root = toml::parse(text);
        read_draft(root, d);
    } catch (const toml::parse_error& e) {
        return std::unexpected(ProgrammeFileError{e.source().begin.line, "not TOML: " + std::string(e.description())});
    } catch (const Fail& f) {
        return std::unexpected(ProgrammeFileError{f.line, f.message});
    }
    return d;
}

std::optional<std::uint32_t> parse_percent(std::string_view t) {
    if (t.size() < 2 || t.back() != '%') return std::nullopt;
    t.remove_suffix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    const auto dot = t.find('.');
    const std::string_view whole = t.substr(0, dot);
    const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : t.substr(dot + 1);
    if (whole.empty() || whole.size() > 3 || frac.size() > 2 || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
    std::uint32_t bp = 0;
    for (char c : whole) {
        if (c < '0' || c > '9') return std::nullopt;
        bp = bp * 10 + static_cast<std::uint32_t>(c - '0');
    }
    for (std::size_t i = 0; i < 2; ++i) {
        const char c = i < frac.size() ? frac[i] : '0';
        if (c < '0' || c > '9') return std::nullopt;
        bp = bp * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (bp > bp_whole) return std::nullopt;
    return bp;
}

std::string percent_text(std::uint32_t bp) {
    std::string s = std::to_string(bp / 100);
    if (const std::uint32_t frac = bp % 100; frac != 0) {
        s += '.';
        s += static_cast<char>('0' + frac / 10);
        if (frac % 10 != 0) s += static_cast<char>('0' + frac % 10);
    }
    return s + "%";
}

std::optional<std::uint8_t> parse_weekdays(std::string_view text) {
    auto day = [](std::string_view s) -> std::optional<unsigned> {
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        const std::string l = lower(s);
        for (unsigned i = 0; i < 7; ++i)
            if (l == weekday_keys[i]) return i;
        return std::nullopt;
    };
    std::uint8_t mask = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const std::string_view part = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        const auto dash = part.find('-');
        if (dash == std::string_view::npos) {
            auto d = day(part);
            if (!d) return std::nullopt;
            mask = static_cast<std::uint8_t>(mask | (1u << *d));
        } else {
            auto a = day(part.substr(0, dash));
            auto b = day(part.substr(dash + 1));
            if (!a || !b) return std::nullopt;
            // "Fri-Mon" runs over the weekend.
            for (unsigned i = *a;; i = (i + 1) % 7) {
                mask = static_cast<std::uint8_t>(mask | (1u << i));
                if (i == *b) break;
            }
        }
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return mask == 0 ? std::nullopt : std::optional<std::uint8_t>(mask);
}

std::string weekdays_text(std::uint8_t mask) {
    if ((mask & 0x7f) == 0x7f) return "Mon-Sun";
    std::string out;
    for (unsigned i = 0; i < 7;) {
        if (!(mask & (1u << i))) {
            ++i;
            continue;
        }
        unsigned j = i;
        while (j + 1 < 7 && (mask & (1u << (j + 1)))) ++j;
        if (!out.empty()) out += ',';
        out += weekday_names[i];
        if (j >= i + 2) out += "-" + std::string(weekday_names[j]);
        else if (j == i + 1) out += "," + std::string(weekday_names[j]);
        i = j + 1;
    }
    return out;
}

std::string programme_file_text(const Programme& p, const std::vector<std::string>& header) {
    std::ostringstream o;
    for (const auto& h : header) o << "#" << (h.empty() ? "" : " ") << h << "\n";
    if (!header.empty()) o << "\n";
    o << "zone = " << toml_string(p.zone) << "\n";
    o << "# this version applies zone_rule = " << toml_string(p.zone_rule) << " from tz database "
      << toml_string(p.tzdb_version) << "; `kopilka programme set` takes the rule of 'zone' from this machine's tz database"
      << " unless the file sets zone_rule\n";
    o << "tier_basis = " << toml_string(tier_basis_name(p.tier_basis)) << "\n";
    if (p.tier_basis == TierBasis::period) o << "period_months = " << unsigned(p.period_months) << "\n";
    o << "tier_recalc = " << toml_string(tier_recalc_name(p.tier_recalc)) << "\n";
    if (p.tier_recalc == TierRecalc::monthly || p.recalc_day != 1) o << "recalc_day = " << unsigned(p.recalc_day) << "\n";
    if (!p.accrual_excluded.empty()) o << "accrual_excluded = " << toml_list(p.accrual_excluded) << "\n";
    if (!p.pay_excluded.empty()) o << "pay_excluded = " << toml_list(p.pay_excluded) << "\n";
    std::string weekday;
    for (std::size_t i = 0; i < 7; ++i)
        if (p.weekday_pay_share_bp[i] != bp_whole)
            weekday += (weekday.empty() ? "" : ", ") + std::string(weekday_keys[i]) + " = " + toml_string(percent_text(p.weekday_pay_share_bp[i]));
    if (!weekday.empty()) o << "weekday_pay_share = { " << weekday << " }\n";
    if (p.cap_per_client_day) o << "cap_per_client_day = " << amount_text(*p.cap_per_client_day) << "\n";
    if (p.gift_budget_per_month) o << "gift_budget_per_month = " << amount_text(*p.gift_budget_per_month) << "\n";
    if (!p.referral_bp.empty()) {
        std::vector<std::string> levels;
        for (auto bp : p.referral_bp) levels.push_back(percent_text(bp));
        o << "referral = " << toml_list(levels) << "\n";
        if (p.referral_lifetime_days != 0) o << "referral_lifetime_days = " << p.referral_lifetime_days << "\n";
    }
    for (const auto& t : p.tiers)
        o << "\n[[tiers]]\nname = " << toml_string(t.name) << "\nthreshold = " << amount_text(t.threshold)
          << "\npay_share = " << toml_string(percent_text(t.pay_share_bp)) << "\n";
    for (const auto& r : p.rules) {
        o << "\n[[rules]]\nid = " << r.id << "\nname = " << toml_string(r.name) << "\n";
        if (r.group != 0) o << "group = " << r.group << "\n";
        if (r.effect == Effect::percent)
            o << "percent = " << toml_string(percent_text(r.value)) << "\n";
        else
            o << "fixed = " << amount_text(r.value) << "\n";
        if (r.when.tier_mask != 0) {
            std::vector<std::string> names;
            for (std::size_t i = 0; i < p.tiers.size(); ++i)
                if (r.when.tier_mask & (1u << i)) names.push_back(p.tiers[i].name);
            o << "tiers = " << toml_list(names) << "\n";
        }
        if (r.when.receipt_min) o << "receipt_min = " << amount_text(*r.when.receipt_min) << "\n";
        if (r.when.receipt_max) o << "receipt_max = " << amount_text(*r.when.receipt_max) << "\n";
        if (r.when.window)
            o << "window = { days = " << toml_string(weekdays_text(r.when.window->weekdays))
              << ", from = " << toml_string(clock_text(r.when.window->from_minute))
              << ", to = " << toml_string(clock_text(r.when.window->to_minute)) << " }\n";
        if (r.when.birthday_days) o << "birthday_days = " << *r.when.birthday_days << "\n";
        if (r.when.returning_days) o << "returning_days = " << *r.when.returning_days << "\n";
        if (!r.when.categories.empty()) o << "categories = " << toml_list(r.when.categories) << "\n";
        if (r.cap_per_month) o << "cap_per_month = " << amount_text(*r.cap_per_month) << "\n";
        if (r.lifetime_days != 0) o << "lifetime_days = " << r.lifetime_days << "\n";
    }
    for (const auto& g : p.gifts) {
        o << "\n[[gifts]]\nkind = " << toml_string(gift_kind_name(g.kind)) << "\namount = " << amount_text(g.amount) << "\n";
        if (g.lifetime_days != 0) o << "lifetime_days = " << g.lifetime_days << "\n";
        if (g.kind == GiftKind::birthday && g.param_days != 0) o << "days_before = " << g.param_days << "\n";
        if (g.kind == GiftKind::winback) o << "absent_days = " << g.param_days << "\n";
    }
    for (const auto& s : p.stamp_cards) {
        o << "\n[[stamp_cards]]\nid = " << s.id << "\ncategory = " << toml_string(s.category) << "\nevery = " << s.every
          << "\nreward = " << amount_text(s.reward) << "\n";
        if (s.lifetime_days != 0) o << "lifetime_days = " << s.lifetime_days << "\n";
    }
    return o.str();
}

std::expected<ZoneRule, std::string> system_zone_rule(std::string_view zone, const std::filesystem::path& zoneinfo) {
    const bool name_ok = !zone.empty() && zone.size() <= ledger::tz::zone_name_bytes_max && zone.front() != '/' &&
                         zone.find("..") == std::string_view::npos &&
                         std::all_of(zone.begin(), zone.end(), [](char c) {
                             return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+';
                         });
    if (!name_ok) return std::unexpected("\"" + std::string(zone) + "\" is not a time zone name like \"Europe/Moscow\"");
    const std::filesystem::path file = zoneinfo / std::string(zone);
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return std::unexpected("this machine's tz database (" + zoneinfo.string() + ") has no zone \"" + std::string(zone) +
                               "\"; check the name (e.g. \"Europe/Moscow\"), install tzdata, or set zone_rule in the file");
    }
    std::string bytes;
    bytes.resize(tzif_bytes_max);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    auto rule = ledger::tz::tzif_footer(bytes);
    if (!rule) return std::unexpected(file.string() + ": " + rule.error());
    ZoneRule z{*rule, ""};
    // tzdata.zi begins "# version 2024a".
    std::ifstream zi(zoneinfo / "tzdata.zi");
    std::string line;
    if (zi && std::getline(zi, line) && line.starts_with("# version ")) z.tzdb_version = line.substr(10);
    if (z.tzdb_version.size() > ledger::tz::tzdb_version_bytes_max) z.tzdb_version.clear();
    return z;
}

std::expected<std::uint64_t, std::string> resolve_effective_from(const EffectiveFrom& e, std::string_view rule_text) {
    namespace tz = ledger::tz;
    if (e.month < 1 || e.month > 12 || e.day < 1 || e.day > 31 || e.hour > 23 || e.minute > 59 || e.second > 59)
        return std::unexpected("effective_from is not a date and time");
    const std::int64_t local = tz::days_from_civil(e.year, e.month, e.day) * 86'400 + e.hour * 3600 + e.minute * 60 + e.second;
    if (e.utc_offset_s) {
        const std::int64_t t = local - *e.utc_offset_s;
        if (t < 0) return std::unexpected("effective_from is before 1970");
        return static_cast<std::uint64_t>(t);
    }
    auto rule = tz::parse(rule_text);
    if (!rule) return std::unexpected("zone_rule \"" + std::string(rule_text) + "\": " + rule.error());
    std::optional<std::int64_t> best;
    for (std::int32_t off : {rule->std_offset_s, rule->dst_offset_s.value_or(rule->std_offset_s)}) {
        const std::int64_t t = local - off;
        const tz::LocalTime lt = tz::to_local(*rule, t);
        if (lt.day_number * 86'400 + lt.second_of_day == local && (!best || t < *best)) best = t;
    }
    if (!best) return std::unexpected("effective_from does not exist in the programme's zone: the clocks skip that hour");
    if (*best < 0) return std::unexpected("effective_from is before 1970");
    return static_cast<std::uint64_t>(*best);
}

}  // namespace kopilka::wallet
