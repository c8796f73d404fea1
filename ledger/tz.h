// A venue's local time, from a POSIX TZ rule ("MSK-3",
// "CET-1CEST,M3.5.0,M10.5.0/3"): the footer of the IANA TZif file, which
// gives the zone's current rules. A programme carries the rule itself, not
// only the zone's name, so every node and every auditor computes the same
// local times whatever tz database its machine has (the name and the
// database version are carried too, for people).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace kopilka::ledger::tz {

inline constexpr std::size_t zone_name_bytes_max = 64;
inline constexpr std::size_t posix_rule_bytes_max = 64;
inline constexpr std::size_t tzdb_version_bytes_max = 16;
// Offsets beyond this are not a real zone's.
inline constexpr std::int32_t utc_offset_s_max = 26 * 60 * 60;

// When a daylight-saving change happens in a year: Mm.w.d (month 1-12, week
// 1-5 where 5 is the last, weekday 0-6 from Sunday), Jn (day 1-365, never
// counting 29 February) or n (day 0-365), at `time_s` local seconds after
// midnight (may be negative or past 24 h, as POSIX allows to ±167 h).
struct Transition {
    enum class Form : std::uint8_t { month_week_day, julian_no_leap, julian_zero };
    Form form = Form::month_week_day;
    std::uint16_t month = 0, week = 0, weekday = 0, day = 0;
    std::int32_t time_s = 2 * 60 * 60;
    bool operator==(const Transition&) const = default;
};

struct Rule {
    std::int32_t std_offset_s = 0;  // local = UTC + offset (POSIX writes the opposite sign)
    std::optional<std::int32_t> dst_offset_s;  // absent: no daylight saving
    Transition dst_start, dst_end;             // in local standard / daylight time
    bool operator==(const Rule&) const = default;
};

// Strict: an error names what is wrong with the rule.
std::expected<Rule, std::string> parse(std::string_view posix);

struct LocalTime {
    std::int32_t year = 1970;
    std::uint8_t month = 1;     // 1-12
    std::uint8_t day = 1;       // 1-31
    std::uint8_t weekday = 0;   // 0 Monday ... 6 Sunday (ISO)
    std::uint32_t second_of_day = 0;
    std::int64_t day_number = 0;  // local days since 1970-01-01
    std::int32_t offset_s = 0;    // the offset in force
};
LocalTime to_local(const Rule& rule, std::int64_t utc_s);
// The UTC second at which local day `day_number` begins (its first second
// that exists: a day whose midnight is skipped by a change begins later).
std::int64_t day_start_utc(const Rule& rule, std::int64_t day_number);
// Days since 1970-01-01 of a civil date (proleptic Gregorian), and back.
std::int64_t days_from_civil(std::int32_t y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, std::int32_t& y, unsigned& m, unsigned& d);
bool leap_year(std::int32_t y);

// The footer rule of a TZif file (RFC 8536), e.g. /usr/share/zoneinfo/NAME;
// and the database version from tzdata.zi ("# version 2024a"). Used by the
// CLI when an owner names a zone; never by the ledger.
std::expected<std::string, std::string> tzif_footer(std::string_view tzif_bytes);

}  // namespace kopilka::ledger::tz
