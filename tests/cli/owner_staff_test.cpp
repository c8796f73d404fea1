// The owner's and the staff's commands through the `kopilka` binary against
// a real kopilkad: the venue, its catalogue, staff and their allowances,
// bonuses by phone and by address, a redemption at the till, statistics and
// history. Errors along the way name their reason and what to do.
#include "cli_runner.h"
#include "harness.h"
#include "wallet-cli/qr_format.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <regex>

using namespace kopilka;
using namespace kopilka::test;
namespace json = boost::json;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }
}  // namespace

TEST_CASE("kopilka owner and staff: venue, catalogue, staff, allowances, bonuses, a redemption, stats and history") {
    NodeProcess node;
    rpc::Client c = node.client();
    TestWallet w(c);
    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));
    for (const char* name : {"owner", "masha", "petya"}) REQUIRE(cli({"key", "new", name}).code == 0);
    const std::string masha = address_of(cli, "masha"), petya = address_of(cli, "petya");
    const std::string owner = address_of(cli, "owner");
    // A client who is a key account, played over RPC (the client's CLI is tested in test_cli_client).
    const KeyPair client = test_key(31);
    const std::string client_address = ledger::account_text(ledger::Account::of_key(client.public_key()));

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
    // Nobody becomes staff without their own signature: each barista signs an
    // acceptance and hands the line to the owner.
    r = cli({"--as", "owner", "staff", "update", "VOLODYA", masha, "--role", "barista"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (unknown_staff)"));
    r = cli({"--as", "owner", "staff", "add", "VOLODYA", masha, "--role", "barista"});  // an address is no consent
    CHECK(r.code == 2);
    CHECK(has(r.err, "the acceptance cannot be read"));
    r = cli({"--as", "masha", "staff", "accept", "VOLODYA"});
    REQUIRE(r.code == 0);
    CHECK(has(r.err, "kopilka staff add VOLODYA ACCEPTANCE"));
    const std::string masha_yes = r.out.substr(0, r.out.find('\n'));
    r = cli({"--as", "petya", "staff", "accept", "VOLODYA", "--valid-min", "10"});
    REQUIRE(r.code == 0);
    const std::string petya_yes = r.out.substr(0, r.out.find('\n'));
    r = cli({"--as", "owner", "staff", "add", "PETYA", petya_yes});
    CHECK(r.code == 2);
    CHECK(has(r.err, "the acceptance is for VOLODYA, not PETYA"));
    r = cli({"--as", "owner", "staff", "add", "VOLODYA", masha_yes, "--role", "barista"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, masha + " is barista of VOLODYA"));
    r = cli({"--as", "owner", "staff", "add", "VOLODYA", masha_yes, "--role", "barista"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (acceptance_used)"));
    REQUIRE(cli({"--as", "owner", "staff", "update", "VOLODYA", "masha", "--role", "barista", "--limit-per-tx", "50",
                 "--limit-per-day", "300"}).code == 0);  // a key name works too
    REQUIRE(cli({"--as", "owner", "staff", "add", "VOLODYA", petya_yes, "--role", "barista"}).code == 0);
    REQUIRE(cli({"--as", "owner", "fund", "VOLODYA", masha, "500"}).code == 0);
    REQUIRE(cli({"--as", "owner", "fund", "VOLODYA", petya, "500"}).code == 0);
    REQUIRE(cli({"--as", "owner", "venue", "update", "VOLODYA", "--phone", "+7 495 000-00-00"}).code == 0);

    r = cli({"venue", "show", "VOLODYA"});
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
    r = cli({"key", "new", "nobody"});
    REQUIRE(r.code == 0);
    // A key that is neither staff nor bound to a phone may not turn numbers
    // into references (issue 13), and says so before any transfer is signed.
    r = cli({"--as", "nobody", "send", "VOLODYA", "+7 900 000-00-09", "5"});
    CHECK(r.code == 5);
    CHECK(has(r.err, "venue's owner or staff"));
    r = cli({"--as", "nobody", "send", "VOLODYA", petya, "5"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (insufficient_balance)"));
    CHECK(has(r.err, "holds 0.00 VOLODYA, this needs 5.00 VOLODYA"));

    // By address, to a client who holds a key; the client spends 1 at Petya's till.
    r = cli({"--as", "masha", "send", "VOLODYA", client_address, "2"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "sent 2.00 VOLODYA to " + client_address));
    const ledger::Voucher v = w.voucher(client, "VOLODYA", 1, 100, ledger::Account::of_key(client.public_key()));
    r = cli({"--as", "petya", "redeem", "VOLODYA", *wallet::encode_voucher_qr(v)});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "redeemed coffee for 1.00 VOLODYA"));


    // --- the owner's statistics and history
    r = cli({"--as", "owner", "stats", "VOLODYA"});
    REQUIRE(r.code == 0);
    CHECK(std::regex_search(r.out, std::regex("issued +5\\.00")));
    CHECK(std::regex_search(r.out, std::regex("redeemed +1\\.00")));
    CHECK(std::regex_search(r.out, std::regex("with clients +4\\.00")));
    CHECK(std::regex_search(r.out, std::regex("clients +2")));
    CHECK(has(r.out, masha));
    r = cli({"--as", "owner", "stats", "VOLODYA", "--from", "2100-01-01"});
    REQUIRE(r.code == 0);
    CHECK(std::regex_search(r.out, std::regex("issued +0\\.00")));
    r = cli({"--as", "owner", "stats", "VOLODYA", "--from", "yesterday"});
    CHECK(r.code == 2);
    // The node counts whole UTC days, and says which to use.
    r = cli({"--as", "owner", "stats", "VOLODYA", "--from", "2026-09-01T12:00"});
    CHECK(r.code != 0);
    CHECK(has(r.all(), "is not 00:00 UTC of a day"));
    CHECK(has(r.all(), "(2026-09-01) or"));

    r = cli({"--as", "owner", "history", "VOLODYA"});
    REQUIRE(r.code == 0);
    for (const char* k : {"venue_create", "product_upsert", "product_remove", "staff_add", "staff_update", "transfer",
                          "redeem", "welcome"})
        CHECK(has(r.out, k));
    r = cli({"--as", "owner", "history", "VOLODYA", "--json"});
    REQUIRE(r.code == 0);
    const auto doc = json::parse(r.out);
    const std::size_t n = doc.at("entries").as_array().size();
    CHECK(n == 15);  // create, 4 products, 1 remove, 2 staff, 1 staff change, 2 funds, update, 2 sends, redeem
    // Every page is fetched: three entries a page gives the same history.
    r = cli({"--as", "owner", "history", "VOLODYA", "--json", "--page-size", "3"});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out) == doc);
    r = cli({"--as", "owner", "history", "VOLODYA", "--csv"});
    REQUIRE(r.code == 0);
    CHECK(count_lines(r.out) == n + 1);
    CHECK(r.out.starts_with("time_utc,time_ms,height,index,id,kind,ticker,from,to,amount,note,signer\r\n"));

    r = cli({"--as", "masha", "history"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "me (kop1"));
    CHECK(has(r.out, "allowance"));
    r = cli({"history", "+7 900 000-00-01", "--as", "owner", "--json"});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out).at("entries").as_array().size() == 1);

    // Removing a barista returns the venue's allowance to the treasury, and
    // only that: the 2.00 Masha gave Petya are his.
    REQUIRE(cli({"--as", "masha", "send", "VOLODYA", petya, "2"}).code == 0);
    r = cli({"--as", "owner", "staff", "remove", "VOLODYA", petya});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "their own coins stay"));
    r = cli({"balance", petya, "--as", "owner"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "2.00"));
    CHECK_FALSE(has(r.out, "502.00"));
    // No longer staff: no phone lookups either (issue 13), and only his own
    // coins to send.
    r = cli({"--as", "petya", "send", "VOLODYA", "+7 900 000-00-01", "1"});
    CHECK(r.code == 5);
    CHECK(has(r.err, "venue's owner or staff"));
    r = cli({"--as", "petya", "send", "VOLODYA", owner, "3"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "insufficient_balance"));
    REQUIRE(cli({"--as", "petya", "send", "VOLODYA", owner, "2"}).code == 0);
    // Masha leaves on her own; her allowance left goes back as well.
    r = cli({"--as", "masha", "staff", "remove", "VOLODYA", "masha"});
    REQUIRE(r.code == 0);
    r = cli({"balance", masha, "--as", "owner"});
    REQUIRE(r.code == 0);
    CHECK_FALSE(has(r.out, "VOLODYA"));
}

