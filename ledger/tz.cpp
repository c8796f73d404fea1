// POSIX TZ rules (the footer of a TZif file) and civil-date arithmetic.
// Everything is integer arithmetic on seconds and days; no libc time zone
// code is consulted, so every node computes the same local times.
#include "ledger/tz.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace kopilka::ledger::tz {

namespace {

constexpr std::int64_t day_s = 24 * 60 * 60;
// POSIX allows a transition time of up to ±167 hours.
constexpr std::int32_t transition_time_s_max = 167 * 60 * 60;
// A zone abbreviation is 3 or more characters; TZif footers never need more.
constexpr std::size_t zone_abbreviation_chars_max = 16;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

unsigned days_in_month(std::int32_t y, unsigned m) {
    static constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

// A small cursor over the rule text that reports where it failed.
struct Cursor {
    std::string_view s;
    std::size_t i = 0;
    bool done() const { return i >= s.size(); }
    char peek() const { return done() ? '\0' : s[i]; }
    bool take(char c) {
        if (peek() != c) return false;
        ++i;
        return true;
    }
};

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A zone abbreviation: 3+ letters, or <...> of letters, digits, '+' and '-'.
std::expected<std::string, std::string> parse_name(Cursor& c, std::string_view what) {
    std::string name;
    if (c.take('<')) {
        while (!c.done() && c.peek() != '>') {
            char ch = c.peek();
            if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-')
                return std::unexpected(std::string(what) + " name holds '" + std::string(1, ch) +
                                       "' (only letters, digits, + and - between < and >)");
            name.push_back(ch);
            ++c.i;
        }
        if (!c.take('>')) return std::unexpected(std::string(what) + " name: '<' without a closing '>'");
    } else {
        while (is_alpha(c.peek())) name.push_back(c.s[c.i++]);
    }
    if (name.size() < 3)
        return std::unexpected(std::string(what) + " name \"" + name + "\" is shorter than 3 characters");
    if (name.size() > zone_abbreviation_chars_max)
        return std::unexpected(std::string(what) + " name is longer than " +
                               std::to_string(zone_abbreviation_chars_max) + " characters");
    return name;
}

// [+|-]hh[:mm[:ss]] with hh at most hours_max; seconds, sign applied.
std::expected<std::int32_t, std::string> parse_hms(Cursor& c, std::string_view what, int hours_max) {
    int sign = 1;
    if (c.take('-')) sign = -1;
    else c.take('+');
    auto number = [&](int digits_max, int& out) -> bool {
        std::size_t start = c.i;
        out = 0;
        while (is_digit(c.peek()) && c.i - start < static_cast<std::size_t>(digits_max))
            out = out * 10 + (c.s[c.i++] - '0');
        return c.i > start;
    };
    int h = 0, m = 0, s = 0;
    if (!number(3, h)) return std::unexpected(std::string(what) + ": expected hours");
    if (h > hours_max)
        return std::unexpected(std::string(what) + ": " + std::to_string(h) + " hours is more than " +
                               std::to_string(hours_max));
    if (c.take(':')) {
        if (!number(2, m) || m > 59) return std::unexpected(std::string(what) + ": minutes must be 00-59");
        if (c.take(':')) {
            if (!number(2, s) || s > 59) return std::unexpected(std::string(what) + ": seconds must be 00-59");
        }
    }
    return sign * (h * 3600 + m * 60 + s);
}

std::expected<Transition, std::string> parse_transition(Cursor& c, std::string_view what) {
    Transition t;
    auto number = [&](int& out) -> bool {
        std::size_t start = c.i;
        out = 0;
        while (is_digit(c.peek()) && c.i - start < 3) out = out * 10 + (c.s[c.i++] - '0');
        return c.i > start;
    };
    int a = 0, b = 0, d = 0;
    if (c.take('M')) {
        if (!number(a) || a < 1 || a > 12) return std::unexpected(std::string(what) + ": month must be 1-12");
        if (!c.take('.') || !number(b) || b < 1 || b > 5)
            return std::unexpected(std::string(what) + ": week must be .1-.5");
        if (!c.take('.') || !number(d) || d > 6)
            return std::unexpected(std::string(what) + ": weekday must be .0-.6");
        t.form = Transition::Form::month_week_day;
        t.month = static_cast<std::uint16_t>(a);
        t.week = static_cast<std::uint16_t>(b);
        t.weekday = static_cast<std::uint16_t>(d);
    } else if (c.take('J')) {
        if (!number(a) || a < 1 || a > 365) return std::unexpected(std::string(what) + ": Jn day must be 1-365");
        t.form = Transition::Form::julian_no_leap;
        t.day = static_cast<std::uint16_t>(a);
    } else if (is_digit(c.peek())) {
        number(a);
        if (a > 365) return std::unexpected(std::string(what) + ": day must be 0-365");
        t.form = Transition::Form::julian_zero;
        t.day = static_cast<std::uint16_t>(a);
    } else {
        return std::unexpected(std::string(what) + ": expected Mm.w.d, Jn or n");
    }
    t.time_s = 2 * 60 * 60;
    if (c.take('/')) {
        auto time = parse_hms(c, std::string(what) + " time", transition_time_s_max / 3600);
        if (!time) return std::unexpected(time.error());
        t.time_s = *time;
    }
    return t;
}

// The local day (days since 1970-01-01) a transition falls on in year y.
std::int64_t transition_day(const Transition& t, std::int32_t y) {
    std::int64_t jan1 = days_from_civil(y, 1, 1);
    switch (t.form) {
    case Transition::Form::julian_no_leap:
        return jan1 + (t.day - 1) + ((leap_year(y) && t.day >= 60) ? 1 : 0);
    case Transition::Form::julian_zero:
        return jan1 + t.day;
    case Transition::Form::month_week_day: {
        std::int64_t first = days_from_civil(y, t.month, 1);
        // 1970-01-01 was a Thursday (4 counting from Sunday).
        int first_wd = static_cast<int>(((first % 7) + 7 + 4) % 7);
        std::int64_t day = first + ((t.weekday - first_wd + 7) % 7) + (t.week - 1) * 7;
        std::int64_t last = first + days_in_month(y, t.month) - 1;
        while (day > last) day -= 7;
        return day;
    }
    }
    return jan1;
}

struct Change {
    std::int64_t utc_s;
    bool to_dst;
};

// The changes of years y-1 .. y+1 in UTC, sorted.
std::array<Change, 6> changes_around(const Rule& r, std::int32_t y) {
    std::array<Change, 6> out{};
    std::size_t n = 0;
    for (std::int32_t year = y - 1; year <= y + 1; ++year) {
        // The start is written in standard time, the end in daylight time.
        out[n++] = {transition_day(r.dst_start, year) * day_s + r.dst_start.time_s - r.std_offset_s, true};
        out[n++] = {transition_day(r.dst_end, year) * day_s + r.dst_end.time_s - *r.dst_offset_s, false};
    }
    std::stable_sort(out.begin(), out.end(), [](const Change& a, const Change& b) { return a.utc_s < b.utc_s; });
    return out;
}

std::int32_t offset_at(const Rule& r, std::int64_t utc_s) {
    if (!r.dst_offset_s) return r.std_offset_s;
    std::int64_t local_days = floor_div(utc_s + r.std_offset_s, day_s);
    std::int32_t y;
    unsigned m, d;
    civil_from_days(local_days, y, m, d);
    auto changes = changes_around(r, y);
    // Before the first change of the three years: the state the last
    // change of year y-2 left, which is the later of its two by kind.
    bool dst = !changes.front().to_dst;
    for (const auto& ch : changes) {
        if (ch.utc_s <= utc_s) dst = ch.to_dst;
        else break;
    }
    return dst ? *r.dst_offset_s : r.std_offset_s;
}

}  // namespace

bool leap_year(std::int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms".
std::int64_t days_from_civil(std::int32_t y_in, unsigned m, unsigned d) {
    std::int64_t y = static_cast<std::int64_t>(y_in) - (m <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;                                    // [0, 399]
    const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
    return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t z, std::int32_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;                                   // [0, 146096]
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
    const std::int64_t yy = yoe + era * 400;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365]
    const std::int64_t mp = (5 * doy + 2) / 153;                       // [0, 11]
    d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<std::int32_t>(yy + (m <= 2 ? 1 : 0));
}

std::expected<Rule, std::string> parse(std::string_view posix) {
    if (posix.empty()) return std::unexpected(std::string("the rule is empty"));
    if (posix.size() > posix_rule_bytes_max)
        return std::unexpected("the rule is longer than " + std::to_string(posix_rule_bytes_max) + " bytes");
    Cursor c{posix};
    Rule r;
    auto std_name = parse_name(c, "standard time");
    if (!std_name) return std::unexpected(std_name.error());
    if (c.done()) return std::unexpected(std::string("standard time offset is missing"));
    auto std_off = parse_hms(c, "standard time offset", 24);
    if (!std_off) return std::unexpected(std_off.error());
    r.std_offset_s = -*std_off;
    if (c.done()) return r;
    auto dst_name = parse_name(c, "daylight time");
    if (!dst_name) return std::unexpected(dst_name.error());
    r.dst_offset_s = r.std_offset_s + 3600;
    if (!c.done() && c.peek() != ',') {
        auto dst_off = parse_hms(c, "daylight time offset", 24);
        if (!dst_off) return std::unexpected(dst_off.error());
        r.dst_offset_s = -*dst_off;
    }
    // Without rules POSIX leaves the dates to the implementation; a rule
    // the ledger applies must say them.
    if (!c.take(','))
        return std::unexpected(std::string("daylight time without its start and end (,start[/time],end[/time])"));
    auto start = parse_transition(c, "daylight time start");
    if (!start) return std::unexpected(start.error());
    if (!c.take(',')) return std::unexpected(std::string("daylight time end is missing"));
    auto end = parse_transition(c, "daylight time end");
    if (!end) return std::unexpected(end.error());
    r.dst_start = *start;
    r.dst_end = *end;
    if (!c.done())
        return std::unexpected("unexpected \"" + std::string(posix.substr(c.i)) + "\" after the rule");
    return r;
}

LocalTime to_local(const Rule& rule, std::int64_t utc_s) {
    LocalTime lt;
    lt.offset_s = offset_at(rule, utc_s);
    std::int64_t local = utc_s + lt.offset_s;
    lt.day_number = floor_div(local, day_s);
    lt.second_of_day = static_cast<std::uint32_t>(local - lt.day_number * day_s);
    unsigned m, d;
    civil_from_days(lt.day_number, lt.year, m, d);
    lt.month = static_cast<std::uint8_t>(m);
    lt.day = static_cast<std::uint8_t>(d);
    // 1970-01-01 was a Thursday: 3 counting from Monday.
    lt.weekday = static_cast<std::uint8_t>(((lt.day_number % 7) + 7 + 3) % 7);
    return lt;
}

std::int64_t day_start_utc(const Rule& rule, std::int64_t day_number) {
    const std::int64_t midnight = day_number * day_s;
    auto starts_here = [&](std::int64_t t) {
        return to_local(rule, t).day_number == day_number && to_local(rule, t - 1).day_number < day_number;
    };
    std::optional<std::int64_t> best;
    auto consider = [&](std::int64_t t) {
        if (starts_here(t) && (!best || t < *best)) best = t;
    };
    consider(midnight - rule.std_offset_s);
    if (rule.dst_offset_s) {
        consider(midnight - *rule.dst_offset_s);
        // A midnight skipped by a change: the day begins at the change.
        std::int32_t y;
        unsigned m, d;
        civil_from_days(day_number, y, m, d);
        for (const auto& ch : changes_around(rule, y)) consider(ch.utc_s);
    }
    return best ? *best : midnight - rule.std_offset_s;
}

std::expected<std::string, std::string> tzif_footer(std::string_view b) {
    constexpr std::size_t header_bytes = 44;
    auto be32 = [&](std::size_t at) -> std::uint64_t {
        return (std::uint64_t(std::uint8_t(b[at])) << 24) | (std::uint64_t(std::uint8_t(b[at + 1])) << 16) |
               (std::uint64_t(std::uint8_t(b[at + 2])) << 8) | std::uint64_t(std::uint8_t(b[at + 3]));
    };
    struct Counts {
        std::uint64_t isut, isstd, leap, time, type, chars;
    };
    auto header = [&](std::size_t at) -> std::expected<Counts, std::string> {
        if (b.size() < at + header_bytes) return std::unexpected(std::string("TZif: the header is cut short"));
        if (b.substr(at, 4) != "TZif") return std::unexpected(std::string("TZif: no \"TZif\" magic"));
        return Counts{be32(at + 20), be32(at + 24), be32(at + 28), be32(at + 32), be32(at + 36), be32(at + 40)};
    };
    auto v1 = header(0);
    if (!v1) return std::unexpected(v1.error());
    char version = b[4];
    if (version != '2' && version != '3' && version != '4')
        return std::unexpected(std::string("TZif: version 1 files have no footer rule"));
    // Counts are 32-bit, so these sums cannot overflow 64 bits.
    std::uint64_t v1_data = v1->time * 5 + v1->type * 6 + v1->chars + v1->leap * 8 + v1->isstd + v1->isut;
    if (v1_data > b.size()) return std::unexpected(std::string("TZif: the version 1 data is cut short"));
    std::size_t at2 = header_bytes + static_cast<std::size_t>(v1_data);
    auto v2 = header(at2);
    if (!v2) return std::unexpected(v2.error());
    std::uint64_t v2_data = v2->time * 9 + v2->type * 6 + v2->chars + v2->leap * 12 + v2->isstd + v2->isut;
    std::uint64_t footer_at = at2 + header_bytes + v2_data;
    if (footer_at >= b.size() || b[footer_at] != '\n')
        return std::unexpected(std::string("TZif: no footer after the version 2 data"));
    auto end = b.find('\n', footer_at + 1);
    if (end == std::string_view::npos) return std::unexpected(std::string("TZif: the footer has no closing newline"));
    return std::string(b.substr(footer_at + 1, end - footer_at - 1));
}

}  // namespace kopilka::ledger::tz
