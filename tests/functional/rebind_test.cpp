// The operator cannot take a claimed phone's coins at once (issue 13): with
// the admin cookie it can ask a code, read it in admin.outbox and bind a new
// key, but on a real kopilkad that bind is only announced. The old key still
// holds the coins, the node tells the phone in its outbox, account.balances
// and phone.lookup show the pending re-bind and its time, and the bound key
// cancels it.
#include "harness.h"

#include "crypto/address.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace kopilka;
using namespace kopilka::test;
using namespace kopilka::ledger;
namespace json = boost::json;

namespace {
std::string str(const json::value& v, std::string_view k) { return std::string(v.at(k).as_string()); }

// The newest outbox message to `e164` whose text holds `part`, if one comes.
std::optional<json::value> message_with(rpc::Client& admin, std::string_view e164, std::string_view part) {
    std::optional<json::value> found;
    wait_until(
        [&] {
            const json::value outbox = admin.call("admin.outbox", json::object{{"limit", 50}});
            for (const auto& m : outbox.at("messages").as_array())
                if (m.at("phone") == json::value(std::string(e164)) && str(m, "text").find(part) != std::string::npos) {
                    found = m;
                    return true;
                }
            return false;
        },
        std::chrono::seconds(10));
    return found;
}
}  // namespace

TEST_CASE("a re-bind of a claimed phone is announced, told to the phone, shown, and cancelled by the bound key",
          "[functional][rebind]") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    TestWallet& w = cafe.wallet;
    const std::string e164 = "+79000000001";
    const Account phone = cafe.phone(e164);
    cafe.give(cafe.masha, phone, 3'00, "welcome");

    const KeyPair client = KeyPair::generate();
    auto code = request_claim_code(c, admin, e164);  // a message about coins carries no code
    REQUIRE(code);
    REQUIRE(str(claim_phone(w, c, e164, *code, client), "status") == "committed");

    // The operator's attack: a fresh code from the outbox, a key of its own.
    const KeyPair thief = KeyPair::generate();
    c.call("phone.claim.request", json::object{{"phone", e164}});
    code = claim_code_from_outbox(admin, e164);
    REQUIRE(code);
    const std::uint64_t before_s = w.now_s();
    REQUIRE(str(claim_phone(w, c, e164, *code, thief), "status") == "committed");  // announced only

    // It cannot spend: the phone is still the client's.
    CHECK(error_code_of(c, "tx.submit",
                        json::object{{"blob", TestWallet::blob(w.sign(thief, Transfer{cafe.coin, phone,
                                                                                      Account::of_key(thief.public_key()),
                                                                                      3'00, ""}))},
                                     {"wait", true}}) == 1000 + static_cast<int>(Refusal::not_account_holder));
    CHECK(w.balance(phone, cafe.coin) == "3.00");

    // Every view says so, with the time it would take effect.
    for (const auto& view : {c.call("account.balances", json::object{{"account", account_text(phone)}}),
                             signed_lookup(c, w.chain(), cafe.masha, e164)}) {
        CHECK(str(view, "key") == address_from_key(client.public_key()));
        REQUIRE(view.at("rebind").is_object());
        CHECK(str(view.at("rebind"), "key") == address_from_key(thief.public_key()));
        const auto effective = view.at("rebind").at("effective_s").to_number<std::uint64_t>();
        CHECK(effective >= before_s + rebind_delay_s_default - 5);
        CHECK(effective <= w.now_s() + rebind_delay_s_default);
    }
    // And the phone is told, with a link to cancel.
    auto told = message_with(admin, e164, "a new key asked for this phone's coins");
    REQUIRE(told);
    CHECK(str(*told, "text").find("cancel") != std::string::npos);
    CHECK(str(*told, "link").find("code=") == std::string::npos);

    // Too early to complete; only the bound key may cancel; then nothing is pending.
    CHECK(error_code_of(c, "tx.submit",
                        json::object{{"blob", TestWallet::blob(w.sign(thief, PhoneRebindComplete{phone.phone()}))},
                                     {"wait", true}}) == 1000 + static_cast<int>(Refusal::rebind_not_due));
    CHECK(error_code_of(c, "tx.submit",
                        json::object{{"blob", TestWallet::blob(w.sign(thief, PhoneRebindCancel{phone.phone()}))},
                                     {"wait", true}}) == 1000 + static_cast<int>(Refusal::not_account_holder));
    CHECK(str(w.submit(w.sign(client, PhoneRebindCancel{phone.phone()})), "status") == "committed");
    CHECK(c.call("account.balances", json::object{{"account", account_text(phone)}}).at("rebind").is_null());
    CHECK(message_with(admin, e164, "re-bind of this phone was cancelled"));
    CHECK(str(w.submit(w.sign(client, Transfer{cafe.coin, phone, Account::of_key(client.public_key()), 3'00, ""})),
              "status") == "committed");
}

TEST_CASE("kopilkad init takes the genesis rebind delay and refuses one over 30 days", "[functional][rebind]") {
    TempDir dir("kopilkad-init");
    auto [code, out] = run_kopilkad({"init", "--datadir", (dir.path() / "d").string(), "--rebind-delay-s",
                                     std::to_string(rebind_delay_s_max + 1)});
    CHECK(code != 0);
    CHECK(out.find("--rebind-delay-s") != std::string::npos);
    CHECK(out.find("30 days") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "d" / "ledger"));
}
