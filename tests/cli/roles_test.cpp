// Every role through the `kopilka` binary against a real kopilkad, the way the
// "U Volodi" story goes: the owner sets up the venue, staff give and redeem,
// the client claims the phone, spends and gifts, the owner reads statistics
// and history. Errors along the way name their reason and what to do.
#include "cli_runner.h"
#include "harness.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <regex>

using namespace kopilka::test;
namespace json = boost::json;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }
}  // namespace

TEST_CASE("kopilka roles: owner, staff, client end to end against kopilkad (U Volodi)") {
    NodeProcess node;
    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));
    for (const char* name : {"owner", "masha", "petya", "client", "friend"}) REQUIRE(cli({"key", "new", name}).code == 0);
    const std::string masha = address_of(cli, "masha"), petya = address_of(cli, "petya");

    // --- the owner sets up the venue
    auto r = cli({"--as", "owner", "venue", "create", "VOLODYA", "--name", "U Volodi", "--address", "ul. Lenina 1",
                  "--hours", "Mo-Su 08:00-22:00", "--link", "https://example.org/u-volodi", "--geo", "55.7558,37.6173"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "created venue VOLODYA"));
    CHECK(has(r.out, "committed in block"));
    r = cli({"--as", "owner", "venue", "create", "VOLODYA", "--name", "Copycat"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (ticker_taken)"));

    REQUIRE(cli({"--as", "owner", "product", "set", "VOLODYA", "1", "coffee", "1", "--category", "drinks"}).code == 0);
    REQUIRE(cli({"--as", "owner", "product", "set", "VOLODYA", "2", "donut", "2"}).code == 0);
    REQUIRE(cli({"--as", "owner", "product", "set", "VOLODYA", "3", "cheesecake", "3"}).code == 0);
    REQUIRE(cli({"--as", "owner", "product", "set", "VOLODYA", "4", "old pie", "1", "--inactive"}).code == 0);
    REQUIRE(cli({"--as", "owner", "product", "remove", "VOLODYA", "4"}).code == 0);
    REQUIRE(cli({"--as", "owner", "staff", "add", "VOLODYA", masha, "--role", "barista", "--limit-per-tx", "50",
                 "--limit-per-day", "300"}).code == 0);
    REQUIRE(cli({"--as", "owner", "staff", "add", "VOLODYA", "petya", "--role", "barista"}).code == 0);  // a key name works too
    REQUIRE(cli({"--as", "owner", "fund", "VOLODYA", masha, "500"}).code == 0);
    REQUIRE(cli({"--as", "owner", "fund", "VOLODYA", petya, "500"}).code == 0);
    REQUIRE(cli({"--as", "owner", "venue", "update", "VOLODYA", "--phone", "+7 495 000-00-00"}).code == 0);

    r = cli({"venue", "show", "VOLODYA", "--as", "client"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "U Volodi"));
    CHECK(has(r.out, "ul. Lenina 1"));           // kept by the update
    CHECK(has(r.out, "+7 495 000-00-00"));
    CHECK(has(r.out, "999000.00"));
    for (const char* p : {"coffee", "donut", "cheesecake"}) CHECK(has(r.out, p));
    CHECK_FALSE(has(r.out, "old pie"));
    CHECK(has(r.out, masha));
    CHECK(has(r.out, "500.00"));

    // Only the owner changes the catalogue.
    r = cli({"--as", "masha", "product", "set", "VOLODYA", "5", "tea", "1"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (not_owner)"));
    CHECK(has(r.err, "you are 'masha'"));

    // --- staff give bonuses by phone number
    r = cli({"--as", "masha", "send", "VOLODYA", "+7 900 000-00-01", "3", "--memo", "welcome"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "sent 3.00 VOLODYA to +79000000001"));
    CHECK(std::regex_search(r.out, std::regex("committed in block [0-9]+")));
    r = cli({"--as", "masha", "send", "VOLODYA", "+7 900 000-00-09", "60"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (limit_per_tx)"));
    r = cli({"--as", "client", "send", "VOLODYA", "+7 900 000-00-09", "5"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (insufficient_balance)"));
    CHECK(has(r.err, "holds 0.00 VOLODYA, this needs 5.00 VOLODYA"));

    // --- the client claims the phone with the code from the message
    r = cli({"admin", "outbox", "--cookie", (node.data_dir() / ".cookie").string()});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "+79000000001"));
    r = cli({"admin", "outbox", "--cookie", (node.data_dir() / ".cookie").string(), "--phone", "+7 900 000-00-01", "--code"});
    REQUIRE(r.code == 0);
    const std::string code = r.out.substr(0, r.out.find('\n'));
    REQUIRE(std::regex_match(code, std::regex("[0-9]{6}")));
    r = cli({"--as", "client", "claim", "+7 900 000-00-01", "--code", "000000"});
    CHECK(r.code == 5);
    CHECK(has(r.err, "claim code is wrong"));
    r = cli({"--as", "client", "claim", "+7 900 000-00-01", "--code", code});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "claimed +79000000001 for 'client'"));
    CHECK(has(r.out, "balance: 3.00 VOLODYA (U Volodi)"));
    CHECK(std::filesystem::exists(dir.path() / "wallet" / "keys" / "client.phone"));
    r = cli({"key", "list"});
    CHECK(has(r.out, "+79000000001"));

    r = cli({"--as", "client", "balance"});
    REQUIRE(r.code == 0);
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +U Volodi +3\\.00 +\\+79000000001")));

    // --- a coffee: the client's QR, the barista scans it (PNG, then a scanner on stdin)
    const auto png = dir.path() / "coffee.png";
    const auto svg = dir.path() / "coffee.svg";
    r = cli({"--as", "client", "voucher", "VOLODYA", "1", "--png", png.string(), "--svg", svg.string()});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "\u2580"));  // the QR in half blocks
    CHECK(has(r.out, "coffee at U Volodi for 1.00 VOLODYA"));
    const auto payload_line = field(r.out, "payload (184 chars)");
    REQUIRE(payload_line);
    CHECK(payload_line->starts_with("KV1:"));
    CHECK(std::filesystem::file_size(png) > 0);
    CHECK(std::filesystem::file_size(svg) > 0);

    r = cli({"--as", "petya", "redeem", "VOLODYA", "--png", png.string(), "--check-only"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "voucher: coffee (product 1) for 1.00 VOLODYA"));
    CHECK(has(r.out, "balance 3.00 VOLODYA"));
    CHECK(has(r.out, "check:   OK"));
    CHECK_FALSE(has(r.out, "redeemed"));
    r = cli({"--as", "petya", "redeem", "VOLODYA", "-"}, *payload_line + "\r\n");
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "redeemed coffee for 1.00 VOLODYA"));
    CHECK(has(r.out, "committed in block"));
    r = cli({"--as", "client", "balance"});
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +U Volodi +2\\.00")));

    // Rewards split by what the client holds now (2.00).
    r = cli({"--as", "client", "rewards", "VOLODYA"});
    REQUIRE(r.code == 0);
    const std::string affordable = r.out.substr(0, r.out.find("not yet:"));
    const std::string not_yet = r.out.substr(r.out.find("not yet:"));
    CHECK(has(affordable, "coffee"));
    CHECK(has(affordable, "donut"));
    CHECK(has(not_yet, "cheesecake"));
    CHECK(has(not_yet, "1.00 more"));
    r = cli({"--as", "client", "voucher", "VOLODYA", "3"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (insufficient_balance): you hold 2.00 VOLODYA, cheesecake costs 3.00 VOLODYA"));

    // Someone who is not staff cannot redeem; the message says who they are and what the owner runs.
    r = cli({"--as", "client", "voucher", "VOLODYA", "2", "--text-only"});
    REQUIRE(r.code == 0);
    const std::string donut = r.out.substr(0, r.out.find('\n'));
    r = cli({"--as", "friend", "redeem", "VOLODYA", donut});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (not_staff)"));
    CHECK(has(r.err, "kopilka staff add VOLODYA " + address_of(cli, "friend")));

    // --- a gift to a friend by phone, from the client's phone account
    r = cli({"--as", "friend", "gift", "VOLODYA", "+7 900 000-00-01", "1"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "has not claimed a phone"));
    r = cli({"--as", "client", "gift", "VOLODYA", "+7 900 000-00-02", "1", "--memo", "for you"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "gave 1.00 VOLODYA to +79000000002 from +79000000001"));
    r = cli({"balance", "+7 900 000-00-02", "--as", "friend"});
    REQUIRE(r.code == 0);
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +U Volodi +1\\.00 +\\+79000000002")));

    // --- the owner's statistics and history
    r = cli({"--as", "owner", "stats", "VOLODYA"});
    REQUIRE(r.code == 0);
    CHECK(std::regex_search(r.out, std::regex("issued +3\\.00")));
    CHECK(std::regex_search(r.out, std::regex("redeemed +1\\.00")));
    CHECK(std::regex_search(r.out, std::regex("with clients +2\\.00")));
    CHECK(std::regex_search(r.out, std::regex("clients +2")));
    CHECK(has(r.out, masha));
    r = cli({"--as", "owner", "stats", "VOLODYA", "--from", "2100-01-01"});
    REQUIRE(r.code == 0);
    CHECK(std::regex_search(r.out, std::regex("issued +0\\.00")));
    r = cli({"--as", "owner", "stats", "VOLODYA", "--from", "yesterday"});
    CHECK(r.code == 2);

    r = cli({"--as", "owner", "history", "VOLODYA"});
    REQUIRE(r.code == 0);
    for (const char* k : {"venue_create", "product_upsert", "product_remove", "staff_add", "transfer", "redeem", "welcome"})
        CHECK(has(r.out, k));
    r = cli({"--as", "owner", "history", "VOLODYA", "--json"});
    REQUIRE(r.code == 0);
    const auto doc = json::parse(r.out);
    const std::size_t n = doc.at("entries").as_array().size();
    CHECK(n == 14);  // create, 4 products, 1 remove, 2 staff, 2 funds, update, send, redeem, gift
    // Every page is fetched: three entries a page gives the same history.
    r = cli({"--as", "owner", "history", "VOLODYA", "--json", "--page-size", "3"});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out) == doc);
    r = cli({"--as", "owner", "history", "VOLODYA", "--csv"});
    REQUIRE(r.code == 0);
    CHECK(count_lines(r.out) == n + 1);
    CHECK(r.out.starts_with("time_utc,time_ms,height,index,id,kind,ticker,from,to,amount,note,signer\r\n"));

    r = cli({"--as", "client", "history"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "phone_bind"));
    CHECK(has(r.out, "me (phone:"));
    CHECK(has(r.out, "redeem"));
    r = cli({"history", "+7 900 000-00-02", "--as", "client", "--json"});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out).at("entries").as_array().size() == 1);

    // Removing a barista returns their balance to the treasury.
    r = cli({"--as", "owner", "staff", "remove", "VOLODYA", petya});
    REQUIRE(r.code == 0);
    r = cli({"balance", petya, "--as", "owner"});
    REQUIRE(r.code == 0);
    CHECK_FALSE(has(r.out, "VOLODYA"));
    r = cli({"--as", "petya", "send", "VOLODYA", "+7 900 000-00-01", "1"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "insufficient_balance"));
}
