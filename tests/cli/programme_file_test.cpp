// The programme file (wallet-cli/programme_file.h) offline: the example in
// docs/examples/ reads into the programme its comments describe, a shown
// programme reads back the same, every mistake names its line, and local
// times resolve in the zone's rules (a skipped hour is refused).
#include "ledger/programme_codec.h"
#include "ledger/tz.h"
#include "wallet-cli/programme_file.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace kopilka;
using namespace kopilka::wallet;
using namespace kopilka::ledger::loyalty;
using kopilka::ledger::Amount;

namespace {

std::string example_text() {
    std::ifstream in(std::string(KOPILKA_SOURCE_DIR) + "/docs/examples/programme.toml");
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The line (1-based) of the first line of `text` holding `part`.
std::size_t line_with(const std::string& text, const std::string& part) {
    std::istringstream in(text);
    std::string l;
    for (std::size_t n = 1; std::getline(in, l); ++n)
        if (l.find(part) != std::string::npos) return n;
    FAIL("no line holds " << part);
    return 0;
}

ProgrammeFileError error_of(const std::string& text) {
    auto d = parse_programme_file(text);
    REQUIRE_FALSE(d);
    return d.error();
}

// The error check_programme gives, on the line the draft maps it to.
std::pair<std::size_t, std::string> check_error_of(const std::string& text) {
    auto d = parse_programme_file(text);
    REQUIRE(d);
    Programme p = d->programme;
    p.zone_rule = "MSK-3";
    const std::string e = check_programme(p);
    REQUIRE_FALSE(e.empty());
    return {d->line_of(e), e};
}

const std::string minimal = "zone = \"Europe/Moscow\"\n"
                            "[[tiers]]\n"
                            "name = \"Base\"\n"
                            "pay_share = \"30%\"\n";
// A programme with `top` (keys of the programme itself) on line 2 onwards,
// above its tier table.
std::string with_top(const std::string& top) {
    return "zone = \"Europe/Moscow\"\n" + top + "[[tiers]]\nname = \"Base\"\npay_share = \"30%\"\n";
}

}  // namespace

TEST_CASE("the example programme file reads into the seed's programme") {
    auto d = parse_programme_file(example_text());
    INFO((d ? std::string() : std::to_string(d.error().line) + ": " + d.error().message));
    REQUIRE(d);
    const Programme& p = d->programme;
    CHECK(p.zone == "Europe/Moscow");
    CHECK_FALSE(d->zone_rule_given);
    CHECK_FALSE(d->effective_from);
    REQUIRE(p.tiers.size() == 3);
    CHECK(p.tiers[1].name == "Gold");
    CHECK(p.tiers[1].threshold == 1'000'000);  // 10,000.00 in minor units
    CHECK(p.tiers[2].threshold == 3'000'000);
    CHECK(p.tiers[0].pay_share_bp == 3000);
    CHECK(p.tiers[2].pay_share_bp == 10000);
    REQUIRE(p.rules.size() == 7);
    CHECK(p.rules[0].value == 300);
    CHECK(p.rules[0].group == 1);
    CHECK(p.rules[0].when.receipt_max == Amount{50'000});
    CHECK(p.rules[1].when.receipt_min == Amount{50'000});
    CHECK(p.rules[2].value == 1200);
    REQUIRE(p.rules[3].when.window);
    CHECK(p.rules[3].when.window->weekdays == 0x0f);  // Monday to Thursday
    CHECK(p.rules[3].when.window->from_minute == 9 * 60);
    CHECK(p.rules[3].when.window->to_minute == 12 * 60);
    CHECK(p.rules[4].when.birthday_days == std::uint16_t{3});
    CHECK(p.rules[4].lifetime_days == 30);
    CHECK(p.rules[5].when.returning_days == std::uint16_t{7});
    CHECK(p.rules[5].cap_per_month == Amount{30'000});
    CHECK(p.rules[6].when.tier_mask == 0b100);  // VIP only
    CHECK(p.rules[6].when.categories == std::vector<std::string>{"coffee"});
    REQUIRE(p.gifts.size() == 3);
    CHECK(p.gifts[0].kind == GiftKind::welcome);
    CHECK(p.gifts[0].amount == 10'000);
    CHECK(p.gifts[0].lifetime_days == 14);
    CHECK(p.gifts[2].kind == GiftKind::winback);
    CHECK(p.gifts[2].param_days == 30);
    CHECK(p.referral_bp == std::vector<std::uint32_t>{500, 200, 100});
    CHECK(p.referral_lifetime_days == 90);
    REQUIRE(p.stamp_cards.size() == 1);
    CHECK(p.stamp_cards[0].every == 6);
    CHECK(p.stamp_cards[0].reward == 15'000);
    CHECK(p.cap_per_client_day == Amount{100'000});
    CHECK(p.gift_budget_per_month == Amount{2'000'000});
    CHECK(p.accrual_excluded == std::vector<std::string>{"tobacco"});
    CHECK(p.pay_excluded == std::vector<std::string>{"tobacco", "alcohol"});

    // With the chain's fields filled it is a valid programme that fits a transaction.
    Programme full = p;
    full.zone_rule = "MSK-3";
    full.tzdb_version = "2024a";
    full.effective_from_s = 1'800'000'000;
    CHECK(check_programme(full).empty());
    CHECK(encode_programme(full).size() <= programme_bytes_max);
}

TEST_CASE("a shown programme reads back as the same programme") {
    auto d = parse_programme_file(example_text());
    REQUIRE(d);
    Programme p = d->programme;
    p.version = 3;
    p.previous.fill(7);
    p.effective_from_s = 1'800'000'000;
    p.zone_rule = "MSK-3";
    p.tzdb_version = "2024a";
    // Every optional field in use, and a weekday limit.
    p.weekday_pay_share_bp[5] = 5000;
    p.weekday_pay_share_bp[6] = 2550;
    p.tier_basis = TierBasis::period;
    p.period_months = 3;
    p.tier_recalc = TierRecalc::monthly;
    p.rules[0].effect = Effect::fixed;
    p.rules[0].value = 5'050;
    p.rules[3].when.window = Window{0b1010101, 22 * 60, 2 * 60};
    p.rules[3].name = "a \"quoted\" name\\ with a backslash";
    REQUIRE(check_programme(p).empty());

    const std::string text = programme_file_text(p, {"a header", ""});
    CHECK(text.starts_with("# a header\n#\n"));
    auto back = parse_programme_file(text);
    INFO(text);
    INFO((back ? std::string() : std::to_string(back.error().line) + ": " + back.error().message));
    REQUIRE(back);
    Programme q = back->programme;
    CHECK(q.zone_rule.empty());  // a comment: `set` takes the machine's rule for the zone
    q.version = p.version;
    q.previous = p.previous;
    q.effective_from_s = p.effective_from_s;
    q.zone_rule = p.zone_rule;
    q.tzdb_version = p.tzdb_version;
    CHECK(q == p);
    CHECK(programme_hash(q) == programme_hash(p));
}

TEST_CASE("every mistake in a programme file names its line") {
    SECTION("not TOML") {
        const std::string t = minimal + "percent = \"3%\n";
        CHECK(error_of(t).line == 5);
        CHECK(error_of(t).message.starts_with("not TOML"));
    }
    SECTION("a mistyped key, with the keys there are") {
        const std::string t = minimal + "[[rules]]\nid = 1\nname = \"x\"\npercnt = \"3%\"\n";
        const auto e = error_of(t);
        CHECK(e.line == line_with(t, "percnt"));
        CHECK(e.message.find("'percnt' is not a key of [[rules]] number 1") != std::string::npos);
        CHECK(e.message.find("percent") != std::string::npos);
    }
    SECTION("an amount as a float") {
        const std::string t = with_top("cap_per_client_day = 2.5\n");
        const auto e = error_of(t);
        CHECK(e.line == 2);
        CHECK(e.message.find("must be exact") != std::string::npos);
    }
    SECTION("a share without its percent sign") {
        const std::string t = "zone = \"Europe/Moscow\"\n[[tiers]]\nname = \"Base\"\npay_share = 30\n";
        const auto e = error_of(t);
        CHECK(e.line == 4);
        CHECK(e.message.find("\"3%\"") != std::string::npos);
    }
    SECTION("a share above 100 %") {
        const std::string t = with_top("referral = [\"5%\", \"120%\"]\n");
        const auto e = error_of(t);
        CHECK(e.line == 2);
        CHECK(e.message.find("'referral' level 2") != std::string::npos);
    }
    SECTION("a tier the programme does not have") {
        const std::string t = minimal + "[[rules]]\nid = 1\nname = \"x\"\npercent = \"3%\"\ntiers = [\"Gold\"]\n";
        const auto e = error_of(t);
        CHECK(e.line == line_with(t, "tiers = [\"Gold\"]"));
        CHECK(e.message.find("\"Gold\", which is not one of the programme's (Base)") != std::string::npos);
    }
    SECTION("a rule with both a percentage and a fixed amount") {
        const std::string t = minimal + "\n[[rules]]\nid = 1\nname = \"x\"\npercent = \"3%\"\nfixed = 10\n";
        const auto e = error_of(t);
        CHECK(e.line == line_with(t, "[[rules]]"));
        CHECK(e.message.find("one of 'percent'") != std::string::npos);
    }
    SECTION("a window's time") {
        const std::string t = minimal + "[[rules]]\nid = 1\nname = \"x\"\npercent = \"3%\"\n"
                                        "window = { days = \"Mon-Thu\", from = \"9:00\", to = \"12:00\" }\n";
        const auto e = error_of(t);
        CHECK(e.line == line_with(t, "window"));
        CHECK(e.message.find("\"9:00\" is not a time of day") != std::string::npos);
    }
    SECTION("a win-back gift without its days") {
        const std::string t = minimal + "[[gifts]]\nkind = \"winback\"\namount = 200\n";
        const auto e = error_of(t);
        CHECK(e.line == line_with(t, "[[gifts]]"));
        CHECK(e.message.find("absent_days") != std::string::npos);
    }
    SECTION("no tier at all") {
        const auto e = error_of("zone = \"Europe/Moscow\"\n");
        CHECK(e.message.find("at least one [[tiers]]") != std::string::npos);
    }
    SECTION("effective_from in quotes") {
        const std::string t = with_top("effective_from = \"2027-01-01 00:00\"\n");
        const auto e = error_of(t);
        CHECK(e.line == 2);
        CHECK(e.message.find("without quotes") != std::string::npos);
    }
    SECTION("a key of the programme written below a table, where TOML puts it in that table") {
        const std::string t = minimal + "cap_per_client_day = 500\n";
        const auto e = error_of(t);
        CHECK(e.line == 5);
        CHECK(e.message.find("'cap_per_client_day' is not a key of [[tiers]] number 1") != std::string::npos);
        CHECK(e.message.find("above the first [[...]] table") != std::string::npos);
    }
}

TEST_CASE("the programme's own checks point at the line of the field they name") {
    SECTION("a rule id used twice") {
        const std::string t = minimal + "[[rules]]\nid = 4\nname = \"a\"\npercent = \"3%\"\n"
                                        "[[rules]]\nid = 4\nname = \"b\"\npercent = \"3%\"\n";
        const auto [line, message] = check_error_of(t);
        CHECK(message.starts_with("rules[1].id"));
        CHECK(line == 10);
    }
    SECTION("tiers not ascending") {
        const std::string t = minimal + "[[tiers]]\nname = \"Gold\"\nthreshold = 0\npay_share = \"50%\"\n";
        const auto [line, message] = check_error_of(t);
        CHECK(message.starts_with("tiers[1].threshold"));
        CHECK(line == line_with(t, "threshold = 0"));
    }
    SECTION("receipt_min not below receipt_max") {
        const std::string t = minimal + "[[rules]]\nid = 1\nname = \"a\"\npercent = \"3%\"\nreceipt_min = 500\nreceipt_max = 100\n";
        const auto [line, message] = check_error_of(t);
        CHECK(message.starts_with("rules[0].when"));
        CHECK(line == line_with(t, "receipt_min"));
    }
    SECTION("a period basis without its months") {
        const std::string t = with_top("tier_basis = \"period\"\n");
        const auto [line, message] = check_error_of(t);
        CHECK(message.starts_with("period_months"));
        CHECK(line == 0);  // the file does not write it: no line to point at
    }
}

TEST_CASE("percentages and weekdays as people write them") {
    CHECK(parse_percent("3%") == std::uint32_t{300});
    CHECK(parse_percent("2.5%") == std::uint32_t{250});
    CHECK(parse_percent("0.01%") == std::uint32_t{1});
    CHECK(parse_percent("100%") == std::uint32_t{10000});
    CHECK_FALSE(parse_percent("100.01%"));
    CHECK_FALSE(parse_percent("3"));
    CHECK_FALSE(parse_percent("3.%"));
    CHECK_FALSE(parse_percent("1.234%"));
    CHECK_FALSE(parse_percent("-1%"));
    for (std::uint32_t bp : {0u, 1u, 10u, 250u, 333u, 1200u, 10000u}) CHECK(parse_percent(percent_text(bp)) == bp);

    CHECK(parse_weekdays("Mon-Thu") == std::uint8_t{0x0f});
    CHECK(parse_weekdays("sat,sun") == std::uint8_t{0x60});
    CHECK(parse_weekdays("Fri-Mon") == std::uint8_t{0x71});  // over the weekend
    CHECK(parse_weekdays("Mon-Sun") == std::uint8_t{0x7f});
    CHECK_FALSE(parse_weekdays("Monday"));
    CHECK_FALSE(parse_weekdays(""));
    CHECK_FALSE(parse_weekdays("Mon,,Tue"));
    for (unsigned mask = 1; mask < 128; ++mask) CHECK(parse_weekdays(weekdays_text(static_cast<std::uint8_t>(mask))) == mask);
}

TEST_CASE("effective_from in local time: resolved in the zone's rules, a skipped hour refused") {
    const std::string berlin = "CET-1CEST,M3.5.0,M10.5.0/3";
    // 2027-01-01 00:00 in Berlin (UTC+1) is 2026-12-31 23:00 UTC.
    auto t = resolve_effective_from({2027, 1, 1, 0, 0, 0, std::nullopt}, berlin);
    REQUIRE(t);
    CHECK(*t == static_cast<std::uint64_t>(ledger::tz::days_from_civil(2027, 1, 1) * 86'400 - 3600));
    // 2027-07-01 09:00 in summer (UTC+2).
    t = resolve_effective_from({2027, 7, 1, 9, 0, 0, std::nullopt}, berlin);
    REQUIRE(t);
    CHECK(*t == static_cast<std::uint64_t>(ledger::tz::days_from_civil(2027, 7, 1) * 86'400 + 7 * 3600));
    // The clocks go from 02:00 to 03:00 on 28 March 2027: 02:30 does not exist.
    auto gap = resolve_effective_from({2027, 3, 28, 2, 30, 0, std::nullopt}, berlin);
    REQUIRE_FALSE(gap);
    CHECK(gap.error().find("skip") != std::string::npos);
    // 31 October 2027 02:30 happens twice: the first (still summer time) is taken.
    t = resolve_effective_from({2027, 10, 31, 2, 30, 0, std::nullopt}, berlin);
    REQUIRE(t);
    CHECK(*t == static_cast<std::uint64_t>(ledger::tz::days_from_civil(2027, 10, 31) * 86'400 + 30 * 60));
    // An offset date-time is an instant whatever the zone.
    t = resolve_effective_from({2027, 1, 1, 12, 0, 0, 3 * 3600}, berlin);
    REQUIRE(t);
    CHECK(*t == static_cast<std::uint64_t>(ledger::tz::days_from_civil(2027, 1, 1) * 86'400 + 9 * 3600));
    // A TOML date-time in the file.
    auto d = parse_programme_file(with_top("effective_from = 2027-01-01 09:30:00\n"));
    REQUIRE(d);
    REQUIRE(d->effective_from);
    CHECK(d->effective_from->hour == 9);
    CHECK(d->effective_from->minute == 30);
    CHECK_FALSE(d->effective_from->utc_offset_s);
}

TEST_CASE("the zone's rule comes from the machine's tz database") {
    auto z = system_zone_rule("Europe/Moscow");
    INFO((z ? std::string() : z.error()));
    REQUIRE(z);
    CHECK(z->rule == "MSK-3");
    CHECK_FALSE(z->tzdb_version.empty());
    CHECK(system_zone_rule("Europe/Berlin")->rule == "CET-1CEST,M3.5.0,M10.5.0/3");
    CHECK_FALSE(system_zone_rule("Europe/Atlantis"));
    CHECK_FALSE(system_zone_rule("../../etc/passwd"));
    CHECK_FALSE(system_zone_rule("/etc/passwd"));
}
