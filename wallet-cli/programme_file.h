// The programme file: a venue's bonus programme as an owner writes it, in
// TOML (docs/programme.md), and back. `kopilka programme set` reads one,
// `kopilka programme show` prints one that `set` takes again.
//
// The file says what people say: amounts in coins ("500", "2.50" or 500),
// shares as percentages ("3%", "2.5%"), tiers by name, windows as weekdays
// and clock times ("Mon-Thu", "09:00"-"12:00"), the zone by its IANA name.
// The chain's value (ledger/programme.h) holds minor units, basis points,
// masks, minutes and the zone's POSIX rule. Every error names the line.
// toml++ stays inside programme_file.cpp.
#pragma once

#include "ledger/programme.h"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace kopilka::wallet {

// A programme file larger than this is not a programme (the canonical bytes
// are at most 12 KiB; comments are welcome, but not a megabyte of them).
inline constexpr std::size_t programme_file_bytes_max = 64 * 1024;

struct ProgrammeFileError {
    std::size_t line = 0;  // 1-based; 0 when the error is about the whole file
    std::string message;
};

// effective_from as written: a local date and time in the programme's zone,
// or an instant (a TOML offset date-time).
struct EffectiveFrom {
    std::int32_t year = 0;
    unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
    std::optional<std::int32_t> utc_offset_s;  // set: an instant; absent: local time in the zone
};

struct ProgrammeDraft {
    // Every field but version, previous and effective_from_s (the chain's to
    // fill); zone_rule and tzdb_version only when the file overrides them.
    ledger::loyalty::Programme programme;
    std::optional<EffectiveFrom> effective_from;
    bool zone_rule_given = false;
    // Where each field is written: "zone", "rules[2]", "rules[2].value", ...
    // (the names check_programme's messages use).
    std::map<std::string, std::size_t, std::less<>> lines;

    // The line a check_programme message is about: its field path, or the
    // nearest enclosing one written in the file; 0 when none is.
    std::size_t line_of(std::string_view message) const;
};

std::expected<ProgrammeDraft, ProgrammeFileError> parse_programme_file(std::string_view text);

// The file for a programme: every field, in the order docs/programme.md
// explains them, preceded by `header` (comment lines, each without '#').
// parse_programme_file of it gives the same programme back, but for
// version, previous and effective_from_s (written as comments) and
// zone_rule and tzdb_version (the zone's, unless they differ from it).
std::string programme_file_text(const ledger::loyalty::Programme& p, const std::vector<std::string>& header);

// The zone's current POSIX rule (the TZif footer) and the tz database's
// version, from the machine's tz database (Debian's tzdata).
struct ZoneRule {
    std::string rule;
    std::string tzdb_version;
};
std::expected<ZoneRule, std::string> system_zone_rule(std::string_view zone,
                                                      const std::filesystem::path& zoneinfo = "/usr/share/zoneinfo");

// The UTC second of effective_from: a local time resolved in `rule`
// (a time the clocks skip is an error; one they repeat is its first instant).
std::expected<std::uint64_t, std::string> resolve_effective_from(const EffectiveFrom& e, std::string_view rule);

// "3%", "2.5%", "0.01%": basis points. At most two decimals, at most 100 %.
std::optional<std::uint32_t> parse_percent(std::string_view text);
std::string percent_text(std::uint32_t bp);
// "Mon-Thu", "Mon,Wed,Fri", "Fri-Mon", "Sat": the weekday mask (bit 0 Monday).
std::optional<std::uint8_t> parse_weekdays(std::string_view text);
std::string weekdays_text(std::uint8_t mask);

}  // namespace kopilka::wallet
