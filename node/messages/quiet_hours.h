// Quiet hours: the local night when news of coins waits for morning
// (kopilkad --quiet-hours, docs/messages.md). Local time is the venue's:
// the zone of its bonus programme when it has one, else --quiet-hours-zone,
// through the same POSIX rules the programme's evaluator uses (ledger/tz.h).
#pragma once

#include "ledger/tz.h"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace kopilka::node {

struct QuietHours {
    std::uint32_t start_s = 0;  // local second of the day it begins
    std::uint32_t end_s = 0;    // ...and ends (before start: it spans midnight)
};

// "22-9", "22:00-09:00", "23:30-7": hours 0-23 and minutes; empty text is
// no quiet hours. An error says what is wrong, for the operator.
std::expected<std::optional<QuietHours>, std::string> parse_quiet_hours(std::string_view text);

// When a message owed at `utc_ms` may go: `utc_ms` itself outside the quiet
// hours, else the moment they end (UTC ms): the local day's start plus the
// end's hours, so across a daylight-saving change between midnight and the
// end it is an hour early or late; never earlier than `utc_ms`.
std::uint64_t quiet_hours_end(const QuietHours& q, const ledger::tz::Rule& rule, std::uint64_t utc_ms);

// The POSIX rule of IANA zone `name` from this machine's tz database (its
// TZif file's footer); "UTC" needs no file.
std::expected<ledger::tz::Rule, std::string> system_zone_rule(std::string_view name,
                                                              const std::filesystem::path& zoneinfo = "/usr/share/zoneinfo");

}  // namespace kopilka::node
