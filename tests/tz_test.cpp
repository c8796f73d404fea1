// POSIX TZ rules (ledger/tz.h): the parser's refusals, the offsets of real
// zones' footers around their changes, day starts, civil dates, and the
// TZif footer reader.
#include "ledger/tz.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace kopilka::ledger::tz;

namespace {

std::int64_t utc(std::int32_t y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0, unsigned s = 0) {
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

Rule rule(std::string_view text) {
    auto r = parse(text);
    INFO(text << ": " << (r ? std::string() : r.error()));
    REQUIRE(r);
    return *r;
}

std::string error_of(std::string_view text) {
    auto r = parse(text);
    return r ? std::string("(parsed)") : r.error();
}

}  // namespace

TEST_CASE("tz: a rule that is not POSIX TZ is refused, naming what is wrong", "[tz]") {
    CHECK_THAT(error_of(""), Catch::Contains("empty"));
    CHECK_THAT(error_of("MS-3"), Catch::Contains("standard time name \"MS\""));
    CHECK_THAT(error_of("MSK"), Catch::Contains("standard time offset is missing"));
    CHECK_THAT(error_of("MSK-3X"), Catch::Contains("daylight time name \"X\" is shorter than 3"));
    CHECK_THAT(error_of("MSK-3XYZ"), Catch::Contains("daylight time without its start and end"));
    CHECK_THAT(error_of("MSK-3,"), Catch::Contains("daylight time name"));
    CHECK_THAT(error_of("MSK-25"), Catch::Contains("25 hours is more than 24"));
    CHECK_THAT(error_of("MSK-3:60"), Catch::Contains("minutes"));
    CHECK_THAT(error_of("<+03-3"), Catch::Contains("closing '>'"));
    CHECK_THAT(error_of("<+0 3>-3"), Catch::Contains("holds ' '"));
    CHECK_THAT(error_of("CET-1CEST"), Catch::Contains("daylight time without its start and end"));
    CHECK_THAT(error_of("CET-1CEST,M3.5.0"), Catch::Contains("daylight time end is missing"));
    CHECK_THAT(error_of("CET-1CEST,M13.5.0,M10.5.0/3"), Catch::Contains("daylight time start: month must be 1-12"));
    CHECK_THAT(error_of("CET-1CEST,M3.6.0,M10.5.0/3"), Catch::Contains("week"));
    CHECK_THAT(error_of("CET-1CEST,M3.5.7,M10.5.0/3"), Catch::Contains("weekday"));
    CHECK_THAT(error_of("CET-1CEST,J0,J300"), Catch::Contains("Jn day must be 1-365"));
    CHECK_THAT(error_of("CET-1CEST,366,300"), Catch::Contains("day must be 0-365"));
    CHECK_THAT(error_of("CET-1CEST,M3.5.0/168,M10.5.0/3"), Catch::Contains("168 hours is more than 167"));
    CHECK_THAT(error_of("CET-1CEST,M3.5.0,M10.5.0/3x"), Catch::Contains("unexpected \"x\""));
    CHECK_THAT(error_of("CET-1CEST,X3,M10.5.0"), Catch::Contains("expected Mm.w.d, Jn or n"));
    CHECK_THAT(error_of(std::string(70, 'A') + "-3"), Catch::Contains("longer than 64 bytes"));
}

TEST_CASE("tz: parsed rules hold the offsets with local = UTC + offset", "[tz]") {
    CHECK(rule("MSK-3") == Rule{10800, std::nullopt, {}, {}});
    CHECK(rule("<+03>-3").std_offset_s == 10800);
    CHECK(rule("<-0330>3:30").std_offset_s == -12600);
    CHECK(rule("UTC0").std_offset_s == 0);
    auto berlin = rule("CET-1CEST,M3.5.0,M10.5.0/3");
    CHECK(berlin.std_offset_s == 3600);
    CHECK(berlin.dst_offset_s == 7200);  // one hour ahead of standard when not written
    CHECK(berlin.dst_start == Transition{Transition::Form::month_week_day, 3, 5, 0, 0, 7200});
    CHECK(berlin.dst_end == Transition{Transition::Form::month_week_day, 10, 5, 0, 0, 10800});
    auto nuuk = rule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    CHECK(nuuk.dst_start.time_s == -3600);
    CHECK(nuuk.dst_end.time_s == 0);
    CHECK(rule("IST-2IDT,M3.4.4/26,M10.5.0").dst_start.time_s == 26 * 3600);
    auto howe = rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    CHECK(howe.std_offset_s == 37800);
    CHECK(howe.dst_offset_s == 39600);
}

TEST_CASE("tz: Moscow has one offset all year", "[tz]") {
    auto msk = rule("MSK-3");
    auto lt = to_local(msk, utc(2024, 1, 1, 21, 30));
    CHECK(lt.year == 2024);
    CHECK(lt.month == 1);
    CHECK(lt.day == 2);
    CHECK(lt.second_of_day == 30 * 60);
    CHECK(lt.weekday == 1);  // 2 January 2024 was a Tuesday
    CHECK(lt.offset_s == 10800);
    CHECK(lt.day_number == days_from_civil(2024, 1, 2));
    CHECK(day_start_utc(msk, days_from_civil(2024, 1, 2)) == utc(2024, 1, 1, 21));
    auto summer = to_local(msk, utc(2024, 7, 1, 12));
    CHECK(summer.offset_s == 10800);
}

TEST_CASE("tz: Berlin skips 02:00-03:00 on the last Sunday of March and repeats 02:00-03:00 in October", "[tz]") {
    auto berlin = rule("CET-1CEST,M3.5.0,M10.5.0/3");
    // 31 March 2024, 01:00 UTC.
    auto before = to_local(berlin, utc(2024, 3, 31, 0, 59, 59));
    auto after = to_local(berlin, utc(2024, 3, 31, 1));
    CHECK(before.offset_s == 3600);
    CHECK(before.second_of_day == 1 * 3600 + 59 * 60 + 59);
    CHECK(after.offset_s == 7200);
    CHECK(after.second_of_day == 3 * 3600);  // 02:xx never happens
    CHECK(after.weekday == 6);
    // 27 October 2024, 01:00 UTC: 02:00-03:00 again, now in CET.
    auto last_summer = to_local(berlin, utc(2024, 10, 27, 0, 59, 59));
    auto first_winter = to_local(berlin, utc(2024, 10, 27, 1));
    CHECK(last_summer.offset_s == 7200);
    CHECK(last_summer.second_of_day == 2 * 3600 + 59 * 60 + 59);
    CHECK(first_winter.offset_s == 3600);
    CHECK(first_winter.second_of_day == 2 * 3600);
    CHECK(to_local(berlin, utc(2024, 12, 31, 23)).offset_s == 3600);
    CHECK(to_local(berlin, utc(2024, 12, 31, 23)).year == 2025);
    CHECK(to_local(berlin, utc(2024, 7, 1)).offset_s == 7200);
    // Days begin at local midnight in whichever offset is in force.
    CHECK(day_start_utc(berlin, days_from_civil(2024, 3, 31)) == utc(2024, 3, 30, 23));
    CHECK(day_start_utc(berlin, days_from_civil(2024, 4, 1)) == utc(2024, 3, 31, 22));
    CHECK(day_start_utc(berlin, days_from_civil(2024, 10, 28)) == utc(2024, 10, 27, 23));
    // 2021: the last Sunday of March was the 28th (a week-5 rule in a month
    // whose fifth Sunday does not exist falls back to the fourth).
    CHECK(to_local(berlin, utc(2021, 3, 28, 0, 59)).offset_s == 3600);
    CHECK(to_local(berlin, utc(2021, 3, 28, 1)).offset_s == 7200);
}

TEST_CASE("tz: New York changes on the second Sunday of March and the first of November", "[tz]") {
    auto ny = rule("EST5EDT,M3.2.0,M11.1.0");
    CHECK(to_local(ny, utc(2024, 3, 10, 6, 59, 59)).offset_s == -5 * 3600);
    CHECK(to_local(ny, utc(2024, 3, 10, 7)).offset_s == -4 * 3600);
    CHECK(to_local(ny, utc(2024, 3, 10, 7)).second_of_day == 3 * 3600);
    CHECK(to_local(ny, utc(2024, 11, 3, 5, 59, 59)).offset_s == -4 * 3600);
    CHECK(to_local(ny, utc(2024, 11, 3, 6)).offset_s == -5 * 3600);
    CHECK(to_local(ny, utc(2024, 11, 3, 6)).second_of_day == 1 * 3600);
    // New Year's Eve evening in New York is still the old year.
    auto eve = to_local(ny, utc(2025, 1, 1, 3));
    CHECK(eve.year == 2024);
    CHECK(eve.month == 12);
    CHECK(eve.day == 31);
}

TEST_CASE("tz: Lord Howe's half-hour offsets and half-hour daylight saving, southern hemisphere", "[tz]") {
    auto howe = rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    // Daylight saving in January; standard in July.
    CHECK(to_local(howe, utc(2024, 1, 15)).offset_s == 39600);
    CHECK(to_local(howe, utc(2024, 7, 15)).offset_s == 37800);
    // Ends 7 April 2024 02:00 +11 = 6 April 15:00 UTC.
    CHECK(to_local(howe, utc(2024, 4, 6, 14, 59, 59)).offset_s == 39600);
    CHECK(to_local(howe, utc(2024, 4, 6, 15)).offset_s == 37800);
    CHECK(to_local(howe, utc(2024, 4, 6, 15)).second_of_day == 90 * 60);  // 01:30 again
    // Starts 6 October 2024 02:00 +10:30 = 5 October 15:30 UTC.
    CHECK(to_local(howe, utc(2024, 10, 5, 15, 29, 59)).offset_s == 37800);
    CHECK(to_local(howe, utc(2024, 10, 5, 15, 30)).offset_s == 39600);
    CHECK(to_local(howe, utc(2024, 10, 5, 15, 30)).second_of_day == 150 * 60);  // 02:30
    CHECK(day_start_utc(howe, days_from_civil(2024, 7, 15)) == utc(2024, 7, 14, 13, 30));
}

TEST_CASE("tz: transition times before midnight and past 24 h", "[tz]") {
    // Nuuk: daylight saving from the Saturday 23:00 (-1 h on Sunday) before
    // the last Sunday of March, i.e. 31 March 2024 01:00 UTC.
    auto nuuk = rule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    CHECK(to_local(nuuk, utc(2024, 3, 31, 0, 59, 59)).offset_s == -7200);
    CHECK(to_local(nuuk, utc(2024, 3, 31, 1)).offset_s == -3600);
    CHECK(to_local(nuuk, utc(2024, 10, 27, 0, 59, 59)).offset_s == -3600);
    CHECK(to_local(nuuk, utc(2024, 10, 27, 1)).offset_s == -7200);
    // Jerusalem: the fourth Thursday of March at 26:00, i.e. Friday 02:00
    // (29 March 2024 00:00 UTC).
    auto jerusalem = rule("IST-2IDT,M3.4.4/26,M10.5.0");
    CHECK(to_local(jerusalem, utc(2024, 3, 28, 23, 59, 59)).offset_s == 7200);
    CHECK(to_local(jerusalem, utc(2024, 3, 29)).offset_s == 10800);
}

TEST_CASE("tz: Jn never counts 29 February, n does", "[tz]") {
    // J60 is 1 March in every year; 59 (zero-based) is 29 February in a leap year.
    auto j = rule("AAA0BBB,J60/0,J300/0");
    CHECK(to_local(j, utc(2024, 2, 29, 23, 59, 59)).offset_s == 0);
    CHECK(to_local(j, utc(2024, 3, 1)).offset_s == 3600);
    CHECK(to_local(j, utc(2023, 3, 1)).offset_s == 3600);
    CHECK(to_local(j, utc(2023, 2, 28, 23, 59, 59)).offset_s == 0);
    auto n = rule("AAA0BBB,59/0,300/0");
    CHECK(to_local(n, utc(2024, 2, 28, 23, 59, 59)).offset_s == 0);
    CHECK(to_local(n, utc(2024, 2, 29)).offset_s == 3600);
    CHECK(to_local(n, utc(2023, 3, 1)).offset_s == 3600);  // day 59 of 2023 is 1 March
    CHECK(to_local(n, utc(2023, 2, 28, 23, 59, 59)).offset_s == 0);
}

TEST_CASE("tz: a day whose midnight is skipped begins at the change, a repeated midnight at its first", "[tz]") {
    // Havana: daylight saving from 00:00 on the second Sunday of March, so
    // 10 March 2024 has no 00:00-01:00; it ends 01:00 CDT on 3 November.
    auto havana = rule("CST5CDT,M3.2.0/0,M11.1.0/1");
    CHECK(day_start_utc(havana, days_from_civil(2024, 3, 10)) == utc(2024, 3, 10, 5));
    CHECK(to_local(havana, utc(2024, 3, 10, 5)).second_of_day == 3600);
    CHECK(day_start_utc(havana, days_from_civil(2024, 3, 9)) == utc(2024, 3, 9, 5));
    CHECK(day_start_utc(havana, days_from_civil(2024, 3, 11)) == utc(2024, 3, 11, 4));
    // 3 November: 00:00-01:00 happens twice; the day begins at the first.
    CHECK(day_start_utc(havana, days_from_civil(2024, 11, 3)) == utc(2024, 11, 3, 4));
    CHECK(day_start_utc(havana, days_from_civil(2024, 11, 4)) == utc(2024, 11, 4, 5));
}

TEST_CASE("tz: civil dates round-trip and know their leap years", "[tz]") {
    CHECK(days_from_civil(1970, 1, 1) == 0);
    CHECK(days_from_civil(2000, 3, 1) == 11017);
    CHECK(days_from_civil(1969, 12, 31) == -1);
    CHECK(leap_year(2000));
    CHECK(leap_year(2024));
    CHECK_FALSE(leap_year(1900));
    CHECK_FALSE(leap_year(2023));
    std::int32_t y;
    unsigned m, d;
    civil_from_days(-1, y, m, d);
    CHECK((y == 1969 && m == 12 && d == 31));
    civil_from_days(days_from_civil(2024, 2, 29), y, m, d);
    CHECK((y == 2024 && m == 2 && d == 29));
    // Every day of 1600-2400 maps back to itself, one after another.
    std::int64_t prev = days_from_civil(1599, 12, 31);
    for (std::int64_t z = days_from_civil(1600, 1, 1); z <= days_from_civil(2400, 12, 31); ++z) {
        civil_from_days(z, y, m, d);
        if (days_from_civil(y, m, d) != z || z != prev + 1) FAIL("day " << z);
        prev = z;
    }
}

namespace {

void put32(std::string& s, std::uint32_t v) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A TZif file of `version` with one transition, one type and 4 bytes of
// abbreviations in each block, and `footer` after the second block.
std::string tzif(char version, std::string_view footer) {
    auto block = [&](int time_bytes) {
        std::string h = "TZif";
        h.push_back(version);
        h.append(15, '\0');
        put32(h, 1);  // isutcnt
        put32(h, 1);  // isstdcnt
        put32(h, 0);  // leapcnt
        put32(h, 1);  // timecnt
        put32(h, 1);  // typecnt
        put32(h, 4);  // charcnt
        h.append(time_bytes, '\x01');  // a transition time
        h.push_back('\0');             // its type
        h.append("\0\0\x0e\x10\0\0", 6);  // +1 h, standard, abbreviation 0
        h.append("CET\0", 4);
        h.push_back('\0');
        h.push_back('\0');
        return h;
    };
    std::string out = block(4);
    if (version != '\0') {
        out += block(8);
        out += "\n";
        out += footer;
        out += "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("tz: tzif_footer reads the rule after the version 2 data", "[tz]") {
    auto f = tzif('2', "CET-1CEST,M3.5.0,M10.5.0/3");
    REQUIRE(tzif_footer(f));
    CHECK(*tzif_footer(f) == "CET-1CEST,M3.5.0,M10.5.0/3");
    CHECK(*tzif_footer(tzif('3', "<+03>-3")) == "<+03>-3");
    CHECK(*tzif_footer(tzif('4', "")) == "");
    CHECK_THAT(tzif_footer(tzif('\0', "")).error(), Catch::Contains("version 1"));
    std::string bad = f;
    bad[0] = 'X';
    CHECK_THAT(tzif_footer(bad).error(), Catch::Contains("magic"));
    CHECK_THAT(tzif_footer(f.substr(0, 30)).error(), Catch::Contains("cut short"));
    CHECK_THAT(tzif_footer(f.substr(0, f.size() - 1)).error(), Catch::Contains("closing newline"));
    CHECK_THAT(tzif_footer(f.substr(0, 100)).error(), Catch::Contains("cut short"));
    std::string no_footer = f.substr(0, f.find('\n'));
    CHECK_THAT(tzif_footer(no_footer).error(), Catch::Contains("no footer"));
}

TEST_CASE("tz: the system's Europe/Berlin TZif has the rule we carry", "[tz]") {
    std::ifstream in("/usr/share/zoneinfo/Europe/Berlin", std::ios::binary);
    if (!in) {
        WARN("/usr/share/zoneinfo/Europe/Berlin is absent; skipped");
        return;
    }
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto footer = tzif_footer(bytes.str());
    REQUIRE(footer);
    CHECK(*footer == "CET-1CEST,M3.5.0,M10.5.0/3");
    CHECK(parse(*footer));
}
