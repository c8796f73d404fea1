// The worked example from SPEC, end to end over JSON-RPC against a real
// kopilkad: cafe "U Volodi" creates VOLODYA, sets a catalogue, adds two
// baristas with 500 each; a barista sends 3 to +7 900 000-00-01; the client
// claims the phone with the code from the outbox, makes a voucher for a
// coffee; the barista redeems it; the owner's statistics show it.
#include "harness.h"

#include "crypto/address.h"
#include "ledger/merkle.h"
#include "rpc/convert.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <regex>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {
std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

Product product(std::uint32_t id, const char* name, Amount price) {
    Product p;
    p.id = id;
    p.name = name;
    p.price = price;
    return p;
}
}  // namespace

TEST_CASE("U Volodi: the whole story over JSON-RPC, claim flow included") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    TestWallet w(c);

    const std::string coin = "VOLODYA";
    KeyPair owner = KeyPair::generate(), masha = KeyPair::generate(), petya = KeyPair::generate();
    const Account treasury = Account::of_key(owner.public_key());

    Profile profile;
    profile.name = "U Volodi";
    profile.street_address = "ul. Lenina 1";
    auto created = w.submit(w.sign(owner, VenueCreate{coin, profile}));
    CHECK(str(created, "status") == "committed");
    CHECK(w.balance(treasury, coin) == "1000000.00");

    for (auto p : {product(1, "coffee", 100), product(2, "donut", 200), product(3, "cheesecake", 300)})
        w.submit(w.sign(owner, ProductUpsert{coin, p}));
    for (const KeyPair* b : {&masha, &petya}) {
        w.submit(w.sign(owner, StaffAdd{coin, StaffRole::barista, {}, w.accept(*b, coin)}));
        w.submit(w.sign(owner, Transfer{coin, treasury, Account::of_key(b->public_key()), 500'00, "allowance"}));
    }
    auto venue = c.call("venue.get", json::object{{"ticker", coin}});
    REQUIRE(venue.at("products").as_array().size() == 3);
    REQUIRE(venue.at("staff").as_array().size() == 2);
    CHECK(str(venue, "treasury_balance") == "999000.00");

    // The barista types the number as the client says it.
    auto lookup = signed_lookup(c, w.chain(), masha, "+7 900 000-00-01");
    CHECK(str(lookup, "e164") == "+79000000001");
    CHECK(lookup.at("claimed").as_bool() == false);
    const Account phone = *account_from_text(str(lookup, "account"));
    auto sent = w.submit(w.sign(masha, Transfer{coin, Account::of_key(masha.public_key()), phone, 3'00, "welcome"}));
    CHECK(str(sent, "status") == "committed");

    // The node told the phone at once: amount, venue, balance, and a link
    // to the phone's page, which carries no code.
    auto outbox = admin.call("admin.outbox", json::object{{"limit", 5}});
    REQUIRE(!outbox.at("messages").as_array().empty());
    const auto& msg = outbox.at("messages").as_array().front();
    CHECK(str(msg, "phone") == "+79000000001");
    // In Russian, the language of a venue that chose none (docs/messages.md, "Templates").
    CHECK(str(msg, "text").find("U Volodi: вам начислено 3,00 VOLODYA. Баланс: 3,00 VOLODYA") != std::string::npos);
    const std::string link = str(msg, "link");
    CHECK(link.find("/c/" + to_hex(phone.phone())) != std::string::npos);
    CHECK(link.find("code") == std::string::npos);
    const std::string text = str(msg, "text");
    REQUIRE(text.find(link) != std::string::npos);
    CHECK_FALSE(std::regex_search(text.substr(0, text.find(link)) + text.substr(text.find(link) + link.size()),
                                  std::regex("[0-9]{6}")));
    // The client opens the page, which asks the node to send a code.
    CHECK(c.call("phone.claim.request", json::object{{"phone", "+7 900 000-00-01"}}).at("sent") == true);
    auto asked = claim_code_from_outbox(admin, "+79000000001");
    REQUIRE(asked);
    const std::string code = *asked;
    // The code never reaches the log.
    CHECK(node.log().find(code) == std::string::npos);

    // The client opens the link: a key of their own, the code, the attestation, the bind.
    KeyPair client = KeyPair::generate();
    auto att = c.call("phone.claim.confirm",
                      json::object{{"phone", "8 900 000 00 01"}, {"code", code}, {"key", address_from_key(client.public_key())}});
    auto att_bytes = from_base64url(str(att, "attestation"));
    REQUIRE(att_bytes);
    auto attestation = decode_attestation(*att_bytes);
    REQUIRE(attestation);
    CHECK(attestation->sequence == 1);
    CHECK(str(w.submit(w.sign(client, PhoneBind{*attestation})), "status") == "committed");
    // The code worked once.
    CHECK(error_code_of(c, "phone.claim.confirm",
                        json::object{{"phone", "+79000000001"}, {"code", code}, {"key", address_from_key(client.public_key())}}) ==
          rpc::code_invalid);
    auto balances = c.call("account.balances", json::object{{"account", account_text(phone)}});
    CHECK(balances.at("claimed").as_bool());
    CHECK(w.balance(phone, coin) == "3.00");

    // A coffee: the client's voucher, checked and redeemed by the other barista.
    Voucher v = w.voucher(client, coin, 1, 100, phone);
    const std::string qr = to_base64url(encode_voucher(v));
    auto check = c.call("voucher.check", json::object{{"voucher", qr}});
    CHECK(check.at("ok").as_bool());
    CHECK(str(check, "product") == "coffee");
    auto redeemed = w.submit(w.sign(petya, Redeem{coin, v}));
    CHECK(str(redeemed, "status") == "committed");
    CHECK(w.balance(phone, coin) == "2.00");

    // The inclusion proof the node returned verifies against the block's root.
    auto block = c.call("block.get", json::object{{"height", redeemed.at("height")}});
    Hash256 id{}, root{};
    std::ranges::copy(*from_hex(str(redeemed, "id")), id.begin());
    std::ranges::copy(*from_hex(str(block, "tx_root")), root.begin());
    const InclusionProof proof = rpc::proof_from_json(redeemed.at("proof"));
    CHECK(merkle_verify(id, proof, root));

    // A second scan of the same QR is refused, with the reason.
    auto again = c.call("voucher.check", json::object{{"voucher", qr}});
    CHECK_FALSE(again.at("ok").as_bool());
    CHECK(str(again, "reason") == "voucher_used");
    CHECK(error_code_of(c, "tx.submit", json::object{{"blob", TestWallet::blob(w.sign(masha, Redeem{coin, v}))}, {"wait", true}}) ==
          rpc::refusal_code_base + static_cast<int>(Refusal::voucher_used));

    // The owner's statistics.
    auto stats = c.call("venue.stats", json::object{{"ticker", coin}});
    CHECK(str(stats, "in_clients") == "2.00");
    CHECK(stats.at("clients").as_int64() == 1);
    CHECK(str(stats, "issued") == "3.00");
    CHECK(str(stats, "redeemed") == "1.00");
    CHECK(stats.at("redemptions").as_int64() == 1);
    for (const auto& s : stats.at("staff").as_array()) {
        if (str(s, "address") == address_from_key(masha.public_key())) {
            CHECK(str(s, "given") == "3.00");
            CHECK(s.at("clients_served").as_int64() == 1);
        } else {
            CHECK(str(s, "redeemed") == "1.00");
        }
    }
    auto history = c.call("account.history", json::object{{"account", account_text(phone)}});
    CHECK(history.at("entries").as_array().size() == 3);  // gift, bind, redemption

    // SIGTERM: the node closes, syncs and exits 0; the offline audit passes.
    CHECK(node.stop() == 0);
    auto [rc, out] = run_kopilkad({"verify", "--datadir", node.data_dir().string()});
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.find("OK:") != std::string::npos);
}
