// Bonus programmes through the `kopilka` binary against a real kopilkad:
// the owner checks and publishes a programme file (a mistake named by its
// line), shows it and publishes it again as the next version; a barista
// records purchases (the quote first) by address and by a bound card; the
// client signs a consent to pay with bonuses, sees tier and lots, and sets
// a birthday once; a return reverses the accrual.
#include "cli_runner.h"
#include "harness.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

using namespace kopilka;
using namespace kopilka::test;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p);
    out << text;
    REQUIRE(out);
}

// TOML's offset date-time, UTC.
std::string toml_utc(std::uint64_t unix_s) {
    const std::time_t t = static_cast<std::time_t>(unix_s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::uint64_t now_s() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

std::string tx_id(const std::string& out) {
    std::smatch m;
    REQUIRE(std::regex_search(out, m, std::regex("committed in block [0-9]+ \\(tx ([0-9a-f]{64})\\)")));
    return m[1];
}

// The seed's three brackets, a welcome gift of 100 for 14 days; no rule that
// depends on the time of day, so the figures below hold whenever it runs.
std::string programme_file(std::uint64_t effective_from_s) {
    return "zone = \"Europe/Moscow\"\n"
           "effective_from = " + toml_utc(effective_from_s) + "\n"
           "\n"
           "[[tiers]]\nname = \"Base\"\nthreshold = 0\npay_share = \"30%\"\n"
           "[[tiers]]\nname = \"Gold\"\nthreshold = 10000\npay_share = \"50%\"\n"
           "\n"
           "[[rules]]\nid = 1\nname = \"under 500\"\ngroup = 1\npercent = \"3%\"\nreceipt_max = 500\n"
           "[[rules]]\nid = 2\nname = \"500 to 1000\"\ngroup = 1\npercent = \"6%\"\nreceipt_min = 500\nreceipt_max = 1000\n"
           "[[rules]]\nid = 3\nname = \"above 1000\"\ngroup = 1\npercent = \"12%\"\nreceipt_min = 1000\n"
           "\n"
           "[[gifts]]\nkind = \"welcome\"\namount = 100\nlifetime_days = 14\n";
}

}  // namespace

TEST_CASE("kopilka programme, purchase, pay-consent, return, loyalty, card and birthday against a node") {
    NodeProcess node;
    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));
    for (const char* name : {"owner", "masha", "client"}) REQUIRE(cli({"key", "new", name}).code == 0);
    const std::string masha = address_of(cli, "masha"), client = address_of(cli, "client");
    REQUIRE(cli({"--as", "owner", "venue", "create", "VOLODYA", "--name", "U Volodi"}).code == 0);
    auto r = cli({"--as", "masha", "staff", "accept", "VOLODYA"});
    REQUIRE(r.code == 0);
    REQUIRE(cli({"--as", "owner", "staff", "add", "VOLODYA", r.out.substr(0, r.out.find('\n')), "--role", "barista"}).code == 0);
    REQUIRE(cli({"--as", "owner", "fund", "VOLODYA", masha, "500"}).code == 0);

    // --- no programme yet
    r = cli({"programme", "show", "VOLODYA"});
    CHECK(r.code == 5);
    CHECK(has(r.err, "VOLODYA has no bonus programme yet"));
    r = cli({"--as", "masha", "purchase", "VOLODYA", client, "350", "--quote-only"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (no_programme)"));

    // --- a mistake is named by file and line; nothing is published
    const auto bad = dir.path() / "bad.toml";
    std::string text = programme_file(now_s() + 5);
    write(bad, std::regex_replace(text, std::regex("percent = \"6%\""), "percnt = \"6%\""));
    r = cli({"--as", "owner", "programme", "set", "VOLODYA", bad.string()});
    CHECK(r.code == 2);
    CHECK(has(r.err, bad.string() + ":23: 'percnt' is not a key of [[rules]] number 2"));
    write(bad, std::regex_replace(text, std::regex("threshold = 10000"), "threshold = 0"));
    r = cli({"--as", "owner", "programme", "set", "VOLODYA", bad.string()});
    CHECK(r.code == 2);
    CHECK(has(r.err, bad.string() + ":10: tiers[1].threshold"));
    write(bad, std::regex_replace(text, std::regex("Europe/Moscow"), "Europe/Atlantis"));
    r = cli({"--as", "owner", "programme", "set", "VOLODYA", bad.string()});
    CHECK(r.code == 2);
    CHECK(has(r.err, bad.string() + ":1: this machine's tz database"));

    // --- the owner checks, then publishes, the programme
    const std::uint64_t effective = now_s() + 5;
    const auto file = dir.path() / "programme.toml";
    write(file, programme_file(effective));
    r = cli({"--as", "owner", "programme", "set", "VOLODYA", file.string(), "--dry-run"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "would publish version 1 of VOLODYA's programme: 2 tier(s), 3 rule(s), 1 gift(s)"));
    CHECK(has(r.out, "(MSK-3, tz database"));
    CHECK_FALSE(has(r.out, "committed"));
    r = cli({"--as", "masha", "programme", "set", "VOLODYA", file.string()});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (not_owner)"));
    r = cli({"--as", "owner", "programme", "set", "VOLODYA", file.string()});
    INFO(r.all());
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "publishing version 1"));
    CHECK(has(r.out, "committed in block"));
    r = cli({"programme", "show", "VOLODYA"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "version 1 of 1, not yet in force"));
    while (now_s() <= effective + 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    r = cli({"programme", "show", "VOLODYA"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "version 1 of 1, in force"));
    CHECK(has(r.out, "percent = \"6%\""));
    CHECK(has(r.out, "receipt_min = \"500.00\""));

    // --- a first purchase: 6 % of 500 from Masha, the welcome gift from the treasury
    r = cli({"--as", "masha", "purchase", "VOLODYA", client, "coffee=350", "cake=150", "--receipt", "R-1"});
    INFO(r.all());
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "receipt:   500.00, paid with bonuses 0.00 VOLODYA (at most 0.00), accrual on 500.00"));
    CHECK(has(r.out, "30.00 VOLODYA rule 2 \"500 to 1000\""));
    CHECK(has(r.out, "100.00 VOLODYA welcome gift, expires"));
    CHECK(has(r.out, "funded:    30.00 from your balance, 100.00 from the treasury"));
    const std::string first = tx_id(r.out);
    r = cli({"loyalty", "VOLODYA", client});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "tier:      Base"));
    CHECK(has(r.out, "balance:   130.00 VOLODYA"));
    CHECK(has(r.out, "paid:      500.00 in 1 purchase(s)"));
    CHECK(std::regex_search(r.out, std::regex("100\\.00 +[0-9-]+ [0-9:]+ UTC +in 1[34] d")));

    // --- the client pays 30 with bonuses on a 200 receipt, with its own signature
    r = cli({"--as", "client", "pay-consent", "VOLODYA", "30", "coffee=200"});
    REQUIRE(r.code == 0);
    const std::string consent = r.out.substr(0, r.out.find('\n'));
    r = cli({"--as", "masha", "purchase", "VOLODYA", client, "coffee=200", "--pay", "30"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "needs the client's consent"));
    CHECK(has(r.err, "kopilka pay-consent VOLODYA 30.00 coffee=200"));
    r = cli({"--as", "masha", "purchase", "VOLODYA", client, "coffee=250", "--consent", consent});
    CHECK(r.code == 2);
    CHECK(has(r.err, "the consent is for another venue, amount or receipt"));
    r = cli({"--as", "masha", "purchase", "VOLODYA", client, "coffee=200", "--consent", consent});
    INFO(r.all());
    REQUIRE(r.code == 0);
    // 30 % of 200 payable; 3 % of the 170 paid in money.
    CHECK(has(r.out, "receipt:   200.00, paid with bonuses 30.00 VOLODYA (at most 60.00), accrual on 170.00"));
    CHECK(has(r.out, "5.10 VOLODYA rule 1 \"under 500\""));
    r = cli({"--as", "masha", "purchase", "VOLODYA", client, "coffee=200", "--consent", consent});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (pay_consent_used)"));
    r = cli({"--as", "client", "loyalty", "VOLODYA"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "balance:   105.10 VOLODYA"));
    CHECK(std::regex_search(r.out, std::regex("\n70\\.00 +[0-9-]+")));  // the payment took the expiring lot first

    // --- a full return of the first purchase takes its 30 back
    r = cli({"--as", "masha", "return", "VOLODYA", first, "500"});
    INFO(r.all());
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "returned 500.00 of purchase " + first));
    r = cli({"--as", "masha", "return", "VOLODYA", first, "1"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (return_too_much)"));
    r = cli({"loyalty", "VOLODYA", client, "--json"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "\"balance\":\"75.10\""));
    CHECK(has(r.out, "\"lifetime_paid\":\"170.00\""));
    // The auditor's export tells each movement of a purchase and a return apart.
    r = cli({"export", "VOLODYA", "--csv", "-"});
    REQUIRE(r.code == 0);
    const std::string treasury_of = address_of(cli, "owner");
    CHECK(has(r.out, ",purchase,accrual,VOLODYA," + masha + "," + client + ",30.00,"));
    CHECK(has(r.out, ",purchase,programme_gift,VOLODYA," + treasury_of + "," + client + ",100.00,"));
    CHECK(has(r.out, ",purchase,payment,VOLODYA," + client + "," + treasury_of + ",30.00,"));
    CHECK(has(r.out, ",purchase,accrual,VOLODYA," + masha + "," + client + ",5.10,"));
    CHECK(has(r.out, ",purchase_return,reversal,VOLODYA," + client + "," + treasury_of + ",30.00,"));

    // --- a loyalty card, typed in lower case
    r = cli({"--as", "masha", "card", "bind", "VOLODYA", "ab12cd34", client});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "card AB12CD34 is " + client + "'s at VOLODYA"));
    r = cli({"--as", "masha", "purchase", "VOLODYA", "card:AB12CD34", "100"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "3.00 VOLODYA rule 1"));
    r = cli({"loyalty", "VOLODYA", "card:ab12cd34"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "balance:   78.10 VOLODYA"));
    r = cli({"--as", "masha", "card", "bind", "VOLODYA", "AB12CD34", masha});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (card_taken)"));
    r = cli({"--as", "masha", "card", "bind", "VOLODYA", "ab-12", client});
    CHECK(r.code == 2);

    // --- the client's birthday, once
    r = cli({"--as", "client", "birthday", "set", "VOLODYA", "02-30"});
    CHECK(r.code == 2);
    r = cli({"--as", "client", "birthday", "set", "VOLODYA", "02-29"});
    REQUIRE(r.code == 0);
    r = cli({"--as", "client", "birthday", "set", "VOLODYA", "03-01"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (birthday_already_set)"));
    r = cli({"--as", "client", "loyalty", "VOLODYA"});
    CHECK(has(r.out, "birthday:  set"));

    // --- what `show` prints is a file `set` takes: the next version, a minute from now
    r = cli({"programme", "show", "VOLODYA"});
    REQUIRE(r.code == 0);
    const auto shown = dir.path() / "shown.toml";
    write(shown, r.out);
    r = cli({"--as", "owner", "programme", "set", "VOLODYA", shown.string()});
    INFO(r.all());
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "publishing version 2"));
    CHECK(has(r.out, "in 60 s"));
    r = cli({"programme", "show", "VOLODYA", "--version", "2"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "version 2 of 2, not yet in force"));
    r = cli({"programme", "show", "VOLODYA"});
    CHECK(has(r.out, "version 1 of 2, in force"));
    r = cli({"programme", "show", "VOLODYA", "--version", "3"});
    CHECK(r.code == 5);

    // --- 20 days on (a test network's clock): the rest of the welcome gift
    // expires in a block made for it alone, and the export shows it at its due time.
    REQUIRE(node.stop() == 0);
    node.set_extra_args({"--clock-offset-s", std::to_string(20 * 86'400)});
    node.start();
    Cli later(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));
    std::string balance;
    for (int i = 0; i < 100 && !has(balance, "balance:   38.10 VOLODYA"); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        balance = later({"loyalty", "VOLODYA", client}).out;
    }
    INFO(balance);
    CHECK(has(balance, "balance:   38.10 VOLODYA"));  // 40.00 of the gift was left after the payment and the return
    CHECK(has(balance, "expiring:  nothing"));
    r = later({"export", "VOLODYA", "--csv", "-"});
    REQUIRE(r.code == 0);
    CHECK(std::regex_search(r.out, std::regex(" 21:00:00 UTC,[0-9]+000,[0-9]+,0,,event,expiry,VOLODYA," + client + "," +
                                              address_of(cli, "owner") + ",40\\.00,")));
}
