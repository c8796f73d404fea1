#include "node/messages/quiet_hours.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>

namespace kopilka::node {

namespace {

// "HH" or "HH:MM" as a second of the day.
std::optional<std::uint32_t> clock_time(std::string_view t) {
    unsigned h = 0, m = 0;
    const auto colon = t.find(':');
    const std::string_view hh = t.substr(0, colon);
    auto [p, ec] = std::from_chars(hh.data(), hh.data() + hh.size(), h);
    if (ec != std::errc{} || p != hh.data() + hh.size() || hh.empty() || hh.size() > 2 || h > 23) return std::nullopt;
    if (colon != std::string_view::npos) {
        const std::string_view mm = t.substr(colon + 1);
        auto [q, ec2] = std::from_chars(mm.data(), mm.data() + mm.size(), m);
        if (ec2 != std::errc{} || q != mm.data() + mm.size() || mm.size() != 2 || m > 59) return std::nullopt;
    }
    return h * 3600 + m * 60;
}

}  // namespace

std::expected<std::optional<QuietHours>, std::string> parse_quiet_hours(std::string_view text) {
    if (text.empty()) return std::optional<QuietHours>{};
    const auto dash = text.find('-');
    auto bad = [&] {
        return std::unexpected("--quiet-hours must be FROM-TO in local hours, e.g. 22-9 or 22:00-09:00, not '" +
                               std::string(text) + "'");
    };
    if (dash == std::string_view::npos) return bad();
    auto start = clock_time(text.substr(0, dash)), end = clock_time(text.substr(dash + 1));
    if (!start || !end) return bad();
    if (*start == *end)
        return std::unexpected("--quiet-hours '" + std::string(text) + "' begins and ends at once; leave it empty for none");
    return std::optional<QuietHours>{QuietHours{*start, *end}};
}

std::uint64_t quiet_hours_end(const QuietHours& q, const ledger::tz::Rule& rule, std::uint64_t utc_ms) {
    const auto utc_s = static_cast<std::int64_t>(utc_ms / 1000);
    const ledger::tz::LocalTime local = ledger::tz::to_local(rule, utc_s);
    const std::uint32_t sod = local.second_of_day;
    const bool spans_midnight = q.end_s < q.start_s;
    const bool quiet = spans_midnight ? (sod >= q.start_s || sod < q.end_s) : (sod >= q.start_s && sod < q.end_s);
    if (!quiet) return utc_ms;
    // The end is on this local day, or the next one for an evening in a
    // window that spans midnight.
    const std::int64_t day = local.day_number + (spans_midnight && sod >= q.start_s ? 1 : 0);
    const std::int64_t end_s = ledger::tz::day_start_utc(rule, day) + q.end_s;
    return std::max<std::uint64_t>(utc_ms, static_cast<std::uint64_t>(std::max<std::int64_t>(0, end_s)) * 1000);
}

std::expected<ledger::tz::Rule, std::string> system_zone_rule(std::string_view name,
                                                              const std::filesystem::path& zoneinfo) {
    if (name == "UTC") return ledger::tz::parse("UTC0");
    if (name.empty() || name.find("..") != std::string_view::npos || name.front() == '/')
        return std::unexpected("--quiet-hours-zone must be an IANA zone such as Europe/Moscow, not '" + std::string(name) + "'");
    const std::filesystem::path file = zoneinfo / std::string(name);
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return std::unexpected("this machine's tz database (" + zoneinfo.string() + ") has no zone '" + std::string(name) +
                               "' (Debian's tzdata)");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto footer = ledger::tz::tzif_footer(bytes);
    if (!footer) return std::unexpected(file.string() + ": " + footer.error());
    return ledger::tz::parse(*footer);
}

}  // namespace kopilka::node
