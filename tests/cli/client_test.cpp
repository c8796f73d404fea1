// The client's commands through the `kopilka` binary against a real
// kopilkad: claim the phone with the code from the message, balances across
// venues, rewards, a voucher shown as a QR (terminal, PNG, SVG) and redeemed
// from the PNG and from a scanner's line on stdin, a gift to a friend by
// phone, the client's own history.
#include "cli_runner.h"
#include "harness.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <regex>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Product product(std::uint32_t id, const char* name, Amount price) {
    Product p;
    p.id = id;
    p.name = name;
    p.price = price;
    return p;
}
}  // namespace

TEST_CASE("kopilka client: claim, balance, rewards, voucher QR redeemed from PNG and stdin, gift, history") {
    NodeProcess node;
    rpc::Client c = node.client();
    TestWallet w(c);
    // The venue and a barista's bonus, over RPC (the owner's CLI is tested in test_cli_owner_staff).
    const KeyPair owner = test_key(41), masha = test_key(42), petya = test_key(43);
    const Account treasury = Account::of_key(owner.public_key());
    Profile profile;
    profile.name = "U Volodi";
    w.submit(w.sign(owner, VenueCreate{"VOLODYA", profile}));
    for (auto p : {product(1, "coffee", 100), product(2, "donut", 200), product(3, "cheesecake", 300)})
        w.submit(w.sign(owner, ProductUpsert{"VOLODYA", p}));
    for (const KeyPair* b : {&masha, &petya}) {
        w.submit(w.sign(owner, StaffAdd{"VOLODYA", StaffRole::barista, {}, w.accept(*b, "VOLODYA")}));
        w.submit(w.sign(owner, Transfer{"VOLODYA", treasury, Account::of_key(b->public_key()), 500'00, "allowance"}));
    }
    const auto phone = *account_from_text(std::string(signed_lookup(c, w.chain(), masha, "+7 900 000-00-01").at("account").as_string()));
    w.submit(w.sign(masha, Transfer{"VOLODYA", Account::of_key(masha.public_key()), phone, 3'00, "welcome"}));

    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));
    REQUIRE(cli({"key", "import", "petya", "--seed-hex", to_hex(petya.seed().view())}).code == 0);
    for (const char* name : {"client", "friend"}) REQUIRE(cli({"key", "new", name}).code == 0);

    // --- the client asks for a code and claims the phone with it
    auto r = cli({"admin", "outbox", "--cookie", (node.data_dir() / ".cookie").string(), "--phone", "+7 900 000-00-01", "--code"});
    CHECK(r.code != 0);  // the message about the coins carries no code
    // ... but the cabinet's link, which names the phone account and nothing secret.
    r = cli({"admin", "outbox", "--cookie", (node.data_dir() / ".cookie").string(), "--phone", "+7 900 000-00-01", "--link"});
    REQUIRE(r.code == 0);
    CHECK(r.out == "http://127.0.0.1:" + std::to_string(node.port()) + "/c/" + to_hex(phone.phone()) + "\n");
    r = cli({"admin", "outbox", "--cookie", (node.data_dir() / ".cookie").string(), "--phone", "+7 900 000-00-09", "--link"});
    CHECK(r.code == 5);
    CHECK(has(r.err, "no message with a link to +79000000009"));
    REQUIRE(cli({"claim-request", "+7 900 000-00-01"}).code == 0);
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
    CHECK(has(r.err, "kopilka staff accept VOLODYA"));
    CHECK(has(r.err, address_of(cli, "friend")));


    // --- a gift to a friend by phone, from the client's phone account
    r = cli({"--as", "friend", "gift", "VOLODYA", "+7 900 000-00-01", "1"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "has not claimed a phone"));
    r = cli({"--as", "client", "gift", "VOLODYA", "+7 900 000-00-02", "1", "--memo", "for you"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "gave 1.00 VOLODYA to +79000000002 from +79000000001"));
    r = cli({"balance", "+7 900 000-00-02", "--as", "client"});  // a number is looked up by a key bound to a phone
    REQUIRE(r.code == 0);
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +U Volodi +1\\.00 +\\+79000000002")));


    r = cli({"--as", "client", "history"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "phone_bind"));
    CHECK(has(r.out, "me (phone:"));
    CHECK(has(r.out, "redeem"));
    CHECK(has(r.out, "welcome"));
    r = cli({"history", "+7 900 000-00-02", "--as", "client", "--json"});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out).at("entries").as_array().size() == 1);
    r = cli({"--as", "client", "history", "--csv"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, ",phone_bind,"));
}

TEST_CASE("kopilka rebind: claiming a phone another key holds is only announced, and the holder cancels it") {
    NodeProcess node;
    rpc::Client c = node.client();
    TestWallet w(c);
    const KeyPair owner = test_key(51), masha = test_key(52);
    Profile profile;
    profile.name = "U Volodi";
    w.submit(w.sign(owner, VenueCreate{"VOLODYA", profile}));
    w.submit(w.sign(owner, StaffAdd{"VOLODYA", StaffRole::barista, {}, w.accept(masha, "VOLODYA")}));
    w.submit(w.sign(owner, Transfer{"VOLODYA", Account::of_key(owner.public_key()), Account::of_key(masha.public_key()),
                                    500'00, "allowance"}));
    const auto phone = *account_from_text(
        std::string(signed_lookup(c, w.chain(), masha, "+7 900 000-00-01").at("account").as_string()));
    w.submit(w.sign(masha, Transfer{"VOLODYA", Account::of_key(masha.public_key()), phone, 3'00, "welcome"}));

    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));
    for (const char* name : {"client", "other"}) REQUIRE(cli({"key", "new", name}).code == 0);
    const std::string cookie = (node.data_dir() / ".cookie").string();
    auto code_now = [&] {
        auto r = cli({"admin", "outbox", "--cookie", cookie, "--phone", "+7 900 000-00-01", "--code"});
        REQUIRE(r.code == 0);
        return r.out.substr(0, r.out.find('\n'));
    };
    REQUIRE(cli({"--as", "client", "claim-request", "+7 900 000-00-01"}).code == 0);
    REQUIRE(cli({"--as", "client", "claim", "+7 900 000-00-01", "--code", code_now()}).code == 0);

    // Another key (the operator with the outbox, or a thief with the SIM) claims it.
    REQUIRE(cli({"--as", "other", "claim-request", "+7 900 000-00-01"}).code == 0);
    auto r = cli({"--as", "other", "claim", "+7 900 000-00-01", "--code", code_now()});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "+79000000001 is bound to another key"));
    CHECK(has(r.out, "takes effect at"));
    CHECK(has(r.out, "kopilka rebind-complete"));
    r = cli({"--as", "other", "gift", "VOLODYA", address_of(cli, "other"), "1"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "not_account_holder"));
    r = cli({"--as", "other", "rebind-complete"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "refused (rebind_not_due)"));

    // The holder says no; the phone and its coins stay.
    r = cli({"--as", "client", "rebind-cancel"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "the re-bind to " + address_of(cli, "other") + " is cancelled"));
    r = cli({"--as", "other", "rebind-complete", "+7 900 000-00-01"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "no re-bind is pending"));
    r = cli({"--as", "client", "balance"});
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +U Volodi +3\\.00 +\\+79000000001")));
}
