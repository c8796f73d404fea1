// Quiet hours (node/messages/quiet_hours.h): what --quiet-hours accepts, and
// when a message owed at night may go, in UTC, in Moscow (no daylight
// saving) and in Berlin on both sides of a change; a window that does not
// span midnight; the zone read from this machine's tz database.
#include "node/messages/quiet_hours.h"

#include <catch2/catch.hpp>

using namespace kopilka;
using namespace kopilka::node;

namespace {

// Unix ms of a UTC date and time.
std::uint64_t utc(int y, unsigned mo, unsigned d, unsigned h, unsigned mi = 0) {
    return static_cast<std::uint64_t>(ledger::tz::days_from_civil(y, mo, d) * 86'400 + h * 3600 + mi * 60) * 1000;
}

ledger::tz::Rule rule(const char* posix) { return *ledger::tz::parse(posix); }

}  // namespace

TEST_CASE("quiet hours: the flag's forms, and what it refuses") {
    CHECK(!parse_quiet_hours("").value().has_value());
    auto q = parse_quiet_hours("22-9").value();
    REQUIRE(q);
    CHECK(q->start_s == 22 * 3600);
    CHECK(q->end_s == 9 * 3600);
    auto r = parse_quiet_hours("23:30-07:05").value();
    REQUIRE(r);
    CHECK(r->start_s == 23 * 3600 + 30 * 60);
    CHECK(r->end_s == 7 * 3600 + 5 * 60);
    for (const char* bad : {"22", "22-", "-9", "24-9", "22-9:5", "22:60-9", "ten-nine", "22-9-1", "9-9"}) {
        INFO(bad);
        auto p = parse_quiet_hours(bad);
        REQUIRE(!p);
        CHECK(p.error().find("--quiet-hours") != std::string::npos);
    }
}

TEST_CASE("quiet hours: a message owed at night goes at the night's end in the venue's zone, one owed by day at once") {
    const QuietHours night = *parse_quiet_hours("22-9").value();
    const auto z = rule("UTC0");
    CHECK(quiet_hours_end(night, z, utc(2026, 12, 3, 12)) == utc(2026, 12, 3, 12));          // by day: now
    CHECK(quiet_hours_end(night, z, utc(2026, 12, 3, 21, 59)) == utc(2026, 12, 3, 21, 59));  // a minute before
    CHECK(quiet_hours_end(night, z, utc(2026, 12, 3, 22)) == utc(2026, 12, 4, 9));           // evening: next morning
    CHECK(quiet_hours_end(night, z, utc(2026, 12, 4, 3)) == utc(2026, 12, 4, 9));            // after midnight: this morning
    CHECK(quiet_hours_end(night, z, utc(2026, 12, 4, 9)) == utc(2026, 12, 4, 9));            // the end itself is day
    // Moscow is UTC+3: 22:00 there is 19:00 UTC, 09:00 is 06:00 UTC.
    const auto msk = rule("MSK-3");
    CHECK(quiet_hours_end(night, msk, utc(2026, 12, 3, 18, 59)) == utc(2026, 12, 3, 18, 59));
    CHECK(quiet_hours_end(night, msk, utc(2026, 12, 3, 19)) == utc(2026, 12, 4, 6));
    CHECK(quiet_hours_end(night, msk, utc(2026, 12, 3, 23)) == utc(2026, 12, 4, 6));
    // A window inside one day (a siesta, 13-15).
    const QuietHours siesta = *parse_quiet_hours("13-15").value();
    CHECK(quiet_hours_end(siesta, z, utc(2026, 12, 3, 14)) == utc(2026, 12, 3, 15));
    CHECK(quiet_hours_end(siesta, z, utc(2026, 12, 3, 16)) == utc(2026, 12, 3, 16));
}

TEST_CASE("quiet hours: Berlin's nights in winter and summer end at 09:00 local") {
    const QuietHours night = *parse_quiet_hours("22-9").value();
    const auto berlin = rule("CET-1CEST,M3.5.0,M10.5.0/3");
    CHECK(quiet_hours_end(night, berlin, utc(2026, 12, 3, 22)) == utc(2026, 12, 4, 8));  // CET: 09:00 is 08:00 UTC
    CHECK(quiet_hours_end(night, berlin, utc(2026, 7, 3, 22)) == utc(2026, 7, 4, 7));    // CEST: 07:00 UTC
}

TEST_CASE("quiet hours: zones come from this machine's tz database, and a name it lacks is named") {
    auto utc_rule = system_zone_rule("UTC");
    REQUIRE(utc_rule);
    CHECK(utc_rule->std_offset_s == 0);
    auto msk = system_zone_rule("Europe/Moscow");
    REQUIRE(msk);
    CHECK(msk->std_offset_s == 3 * 3600);
    CHECK(!msk->dst_offset_s);
    auto none = system_zone_rule("Europe/Atlantis");
    REQUIRE(!none);
    CHECK(none.error().find("Europe/Atlantis") != std::string::npos);
    CHECK(!system_zone_rule("../../etc/passwd"));
}
