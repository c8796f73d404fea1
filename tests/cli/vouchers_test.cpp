// Vouchers that must not redeem, through the `kopilka` binary against a real
// kopilkad: tampered, expired, replayed, for another venue, for a phone nobody
// claimed, priced before a change — each refused with its reason, and the
// client's balance untouched.
#include "cli_runner.h"
#include "harness.h"
#include "wallet-cli/qr_format.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

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

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }
}  // namespace

TEST_CASE("kopilka vouchers: tampered, expired, replayed, wrong-venue and unclaimed vouchers are refused with their reason") {
    NodeProcess node;
    rpc::Client c = node.client();
    TestWallet w(c);
    const KeyPair owner = test_key(11), barista = test_key(12), client = test_key(13), other_owner = test_key(14);
    const Account client_acct = Account::of_key(client.public_key());

    // The venues, set up over RPC (the owner's CLI is tested elsewhere).
    Profile profile;
    profile.name = "U Volodi";
    w.submit(w.sign(owner, VenueCreate{"VOLODYA", profile}));
    w.submit(w.sign(owner, ProductUpsert{"VOLODYA", product(1, "coffee", 100)}));
    w.submit(w.sign(owner, ProductUpsert{"VOLODYA", product(2, "donut", 200)}));
    w.submit(w.sign(owner, StaffAdd{"VOLODYA", StaffRole::barista, {}, w.accept(barista, "VOLODYA")}));
    w.submit(w.sign(owner, Transfer{"VOLODYA", Account::of_key(owner.public_key()), client_acct, 5'00, "welcome"}));
    profile.name = "U Peti";
    w.submit(w.sign(other_owner, VenueCreate{"PETYA", profile}));
    w.submit(w.sign(other_owner, ProductUpsert{"PETYA", product(1, "coffee", 100)}));
    w.submit(w.sign(other_owner, StaffAdd{"PETYA", StaffRole::barista, {}, w.accept(barista, "PETYA")}));

    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));
    REQUIRE(cli({"key", "import", "barista", "--seed-hex", to_hex(barista.seed().view())}).code == 0);
    REQUIRE(cli({"key", "import", "client", "--seed-hex", to_hex(client.seed().view())}).code == 0);

    auto make_voucher = [&](const std::string& product_id) {
        auto r = cli({"--as", "client", "voucher", "VOLODYA", product_id, "--text-only", "--ttl-min", "10"});
        REQUIRE(r.code == 0);
        return first_line(r.out);
    };

    {  // replayed: the second scan of the same QR is refused, before and at submission
        const std::string qr = make_voucher("1");
        auto r = cli({"--as", "barista", "redeem", "VOLODYA", qr});
        REQUIRE(r.code == 0);
        CHECK(has(r.out, "redeemed coffee"));
        r = cli({"--as", "barista", "redeem", "VOLODYA", qr});
        CHECK(r.code == 1);
        CHECK(has(r.err, "refused (voucher_used): this voucher has already been redeemed"));
        CHECK(has(r.err, "new QR"));
        r = cli({"--as", "barista", "redeem", "VOLODYA", qr, "--check-only"});
        CHECK(r.code == 1);
        CHECK(w.balance(client_acct, "VOLODYA") == "4.00");
    }
    {  // expired: refused with the time it expired, readable
        Voucher v = w.voucher(client, "VOLODYA", 1, 100, client_acct, 0);
        v.expiry_s = w.now_s() - 600;
        sign_voucher(v, client, w.chain());
        auto r = cli({"--as", "barista", "redeem", "VOLODYA", *wallet::encode_voucher_qr(v)});
        CHECK(r.code == 1);
        CHECK(has(r.err, "refused (voucher_expired): the voucher expired at 20"));
        CHECK(has(r.err, " UTC ("));
        CHECK(has(r.err, "min ago)"));
        CHECK(has(r.out, "expires: "));
        CHECK(w.balance(client_acct, "VOLODYA") == "4.00");
    }
    {  // tampered: a changed field breaks the client's signature; a mangled text does not decode
        const std::string qr = make_voucher("2");
        auto d = wallet::decode_voucher_qr(qr);
        REQUIRE(d);
        Voucher v = d->voucher;
        v.product_id = 1;  // a donut voucher passed off as a coffee...
        v.price = 100;     // ...at the coffee's price
        auto r = cli({"--as", "barista", "redeem", "VOLODYA", *wallet::encode_voucher_qr(v)});
        CHECK(r.code == 1);
        CHECK(has(r.err, "refused (bad_signature)"));
        CHECK(has(r.err, "altered"));

        std::string lower = qr;
        lower[10] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[10])));
        if (lower != qr) {
            r = cli({"--as", "barista", "redeem", "VOLODYA", lower});
            CHECK(r.code == 2);
            CHECK(has(r.err, "Caps Lock"));
        }
        r = cli({"--as", "barista", "redeem", "VOLODYA", qr.substr(0, 100)});
        CHECK(r.code == 2);
        CHECK(has(r.err, "damaged voucher"));
        r = cli({"--as", "barista", "redeem", "VOLODYA", "hello"});
        CHECK(r.code == 2);
        CHECK(has(r.err, "not a Kopilka voucher"));
        CHECK(w.balance(client_acct, "VOLODYA") == "4.00");
    }
    {  // wrong venue: a VOLODYA voucher scanned at PETYA
        const std::string qr = make_voucher("1");
        auto r = cli({"--as", "barista", "redeem", "PETYA", qr});
        CHECK(r.code == 1);
        CHECK(has(r.err, "refused (voucher_wrong_venue): this voucher is for VOLODYA, not PETYA"));
        // It still redeems where it belongs.
        r = cli({"--as", "barista", "redeem", "VOLODYA", qr});
        CHECK(r.code == 0);
        CHECK(w.balance(client_acct, "VOLODYA") == "3.00");
    }
    {  // a phone nobody has claimed cannot have signed a voucher
        rpc::Client admin = node.client(true);
        auto lookup = admin.call("phone.lookup", json::object{{"phone", "+7 900 000-00-77"}});
        Voucher v = w.voucher(client, "VOLODYA", 1, 100, *account_from_text(std::string(lookup.at("account").as_string())));
        auto r = cli({"--as", "barista", "redeem", "VOLODYA", *wallet::encode_voucher_qr(v)});
        CHECK(r.code == 1);
        CHECK(has(r.err, "refused (voucher_not_client)"));
        CHECK(has(r.err, "not been claimed"));
    }
    {  // the price changed since the voucher was made
        const std::string qr = make_voucher("1");
        w.submit(w.sign(owner, ProductUpsert{"VOLODYA", product(1, "coffee", 150)}));
        auto r = cli({"--as", "barista", "redeem", "VOLODYA", qr, "--check-only"});
        CHECK(r.code == 1);
        CHECK(has(r.err, "refused (price_changed): coffee now costs 1.50"));
    }
    {  // usage errors: a TTL out of range, a product the venue does not have
        auto r = cli({"--as", "client", "voucher", "VOLODYA", "1", "--ttl-min", "0"});
        CHECK(r.code == 2);
        r = cli({"--as", "client", "voucher", "VOLODYA", "9"});
        CHECK(r.code == 2);
        CHECK(has(r.err, "has no product 9"));
    }
}
