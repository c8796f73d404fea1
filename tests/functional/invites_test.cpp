// Staff invites through the node (invite.open, invite.accept, invite.get):
// the owner opens an invite, a new barista leaves its signed acceptance with
// the invite's secret, the owner reads it and completes staff_add, and the
// invite says "added". Every refusal on the way is met with its code: a
// non-owner's or a forged open, the ledger's own checks of the acceptance,
// a second acceptance, an expired invite, and both caps.
#include "harness.h"

#include "crypto/address.h"
#include "ledger/invite.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

Bytes new_secret() {
    Bytes s(invite_secret_bytes);
    random_bytes(s);
    return s;
}

std::uint64_t node_now_s(rpc::Client& c) { return c.call("node.info").at("time_ms").to_number<std::uint64_t>() / 1000; }

std::string line_of(const StaffAcceptance& a) { return to_base64url(encode_staff_acceptance(a)); }

json::object accept_params(ByteView secret, const StaffAcceptance& a) {
    return json::object{{"secret", to_base64url(secret)}, {"acceptance", line_of(a)}};
}

std::string id_text(ByteView secret) {
    const InviteId id = invite_id(secret);
    return to_hex(ByteView(id.data(), id.size()));
}

// The error's data.reason (a ledger refusal's name), or "" when it has none.
std::string reason_of(const rpc::Error& e) {
    if (!e.data.is_object() || !e.data.as_object().contains("reason")) return "";
    return std::string(e.data.at("reason").as_string());
}

}  // namespace

TEST_CASE("an owner's invite takes a new barista's acceptance, and staff_add with it marks the invite added") {
    NodeProcess node;
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    const ChainId& chain = cafe.wallet.chain();
    const Bytes secret = new_secret();
    const std::uint64_t expiry_s = node_now_s(c) + 600;

    auto opened = c.call("invite.open", invite_open_params(chain, cafe.owner, cafe.coin, secret, expiry_s));
    CHECK(opened.at("id").as_string() == id_text(secret));
    CHECK(opened.at("ticker").as_string() == cafe.coin);
    CHECK(opened.at("expiry_s").to_number<std::uint64_t>() == expiry_s);
    auto got = c.call("invite.get", json::object{{"id", id_text(secret)}});
    CHECK(got.at("state") == "open");
    CHECK(!got.as_object().contains("acceptance"));
    // Opening it again moves the expiry and keeps the invite.
    c.call("invite.open", invite_open_params(chain, cafe.owner, cafe.coin, secret, expiry_s + 60));
    CHECK(c.call("invite.get", json::object{{"id", id_text(secret)}}).at("expiry_s").to_number<std::uint64_t>() ==
          expiry_s + 60);

    const KeyPair vasya = KeyPair::generate();
    const StaffAcceptance a = cafe.wallet.accept(vasya, cafe.coin);
    auto accepted = c.call("invite.accept", accept_params(secret, a));
    CHECK(accepted.at("ticker").as_string() == cafe.coin);
    CHECK(accepted.at("staff").as_string() == address_from_key(vasya.public_key()));
    // The same acceptance again answers alike.
    CHECK(c.call("invite.accept", accept_params(secret, a)) == accepted);

    got = c.call("invite.get", json::object{{"id", id_text(secret)}});
    CHECK(got.at("state") == "accepted");
    CHECK(got.at("staff").as_string() == address_from_key(vasya.public_key()));
    REQUIRE(got.at("acceptance").as_string() == line_of(a));

    // The owner's page completes staff_add with what the invite holds.
    auto raw = from_base64url(std::string(got.at("acceptance").as_string()));
    REQUIRE(raw);
    auto held = decode_staff_acceptance(*raw);
    REQUIRE(held);
    REQUIRE(cafe.wallet.submit(cafe.wallet.sign(cafe.owner, StaffAdd{cafe.coin, StaffRole::barista, {}, *held}))
                .at("status") == "committed");
    CHECK(c.call("invite.get", json::object{{"id", id_text(secret)}}).at("state") == "added");
    bool listed = false;
    const json::value venue = c.call("venue.get", json::object{{"ticker", cafe.coin}});
    for (const auto& m : venue.at("staff").as_array())
        listed = listed || m.at("address").as_string() == address_from_key(vasya.public_key());
    CHECK(listed);
    // Now on chain, the same acceptance is still answered as the first time.
    CHECK(c.call("invite.accept", accept_params(secret, a)) == accepted);

    // The secret never reaches the node's log.
    CHECK(node.log().find(to_base64url(secret)) == std::string::npos);
}

TEST_CASE("invite.open refuses a non-owner, a forged signature, a bad expiry or id, and another venue's id") {
    NodeProcess node;
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    Volodi other(c, "KOFE");
    other.open();
    const ChainId& chain = cafe.wallet.chain();
    const Bytes secret = new_secret();
    const std::uint64_t now_s = node_now_s(c);

    // Masha is staff, not the owner.
    CHECK(error_code_of(c, "invite.open", invite_open_params(chain, cafe.masha, cafe.coin, secret, now_s + 600)) == 2002);
    // Signed for another expiry than the one sent.
    auto forged = invite_open_params(chain, cafe.owner, cafe.coin, secret, now_s + 600);
    forged["expiry_s"] = now_s + 601;
    CHECK(error_code_of(c, "invite.open", forged) == 2002);
    // Signed for another chain.
    CHECK(error_code_of(c, "invite.open", invite_open_params(ChainId{}, cafe.owner, cafe.coin, secret, now_s + 600)) ==
          2002);
    CHECK(error_code_of(c, "invite.open", invite_open_params(chain, cafe.owner, "NOSUCH", secret, now_s + 600)) == 2001);
    // In the past, and more than a day ahead.
    CHECK(error_code_of(c, "invite.open", invite_open_params(chain, cafe.owner, cafe.coin, secret, now_s - 1)) == -32602);
    CHECK(error_code_of(c, "invite.open",
                        invite_open_params(chain, cafe.owner, cafe.coin, secret, now_s + 86400 + 120)) == -32602);
    auto upper = invite_open_params(chain, cafe.owner, cafe.coin, secret, now_s + 600);
    std::string id(upper.at("id").as_string());
    for (char& ch : id) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    upper["id"] = id;
    CHECK(error_code_of(c, "invite.open", upper) == -32602);
    CHECK(error_code_of(c, "invite.get", json::object{{"id", std::string(64, '0')}}) == -32602);
    CHECK(error_code_of(c, "invite.get", json::object{{"id", id_text(secret)}}) == 2001);

    // Held by one venue's owner, the id is not another's.
    c.call("invite.open", invite_open_params(chain, cafe.owner, cafe.coin, secret, now_s + 600));
    auto e = error_of(c, "invite.open", invite_open_params(chain, other.owner, other.coin, secret, now_s + 600));
    CHECK(e.code == 2002);
    CHECK(c.call("invite.get", json::object{{"id", id_text(secret)}}).at("ticker").as_string() == cafe.coin);
}

TEST_CASE("invite.accept answers the ledger's refusals, 2007 for an unknown secret and 2008 for a second key") {
    NodeProcess node;
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    TestWallet& w = cafe.wallet;
    const ChainId& chain = w.chain();
    const std::uint64_t now_s = node_now_s(c);
    const Bytes secret = new_secret();
    c.call("invite.open", invite_open_params(chain, cafe.owner, cafe.coin, secret, now_s + 600));
    const KeyPair vasya = KeyPair::generate();

    auto refused = [&](const StaffAcceptance& a, int code, std::string_view reason) {
        auto e = error_of(c, "invite.accept", accept_params(secret, a));
        INFO(e.what());
        CHECK(e.code == code);
        CHECK(reason_of(e) == reason);
    };
    // An unknown secret, and a secret of the wrong length.
    CHECK(error_code_of(c, "invite.accept", accept_params(new_secret(), w.accept(vasya, cafe.coin))) == 2007);
    CHECK(error_code_of(c, "invite.accept",
                        json::object{{"secret", to_base64url(Bytes(15, 1))}, {"acceptance", line_of(w.accept(vasya, cafe.coin))}}) ==
          -32602);
    // Not an acceptance at all.
    {
        auto e = error_of(c, "invite.accept", json::object{{"secret", to_base64url(secret)}, {"acceptance", "AQID"}});
        CHECK(e.code == 1001);
        CHECK(reason_of(e) == "malformed");
    }
    // Signed for another chain; by another key than the one it names.
    refused(accept_staff(vasya, cafe.coin, now_s + 3600, ChainId{}), 1002, "bad_signature");
    StaffAcceptance swapped = w.accept(vasya, cafe.coin);
    swapped.staff = KeyPair::generate().public_key();
    refused(swapped, 1002, "bad_signature");
    refused(w.accept(vasya, "KOFE"), 1034, "acceptance_wrong_venue");
    refused(w.accept(cafe.owner, cafe.coin), 1031, "owner_cannot_be_staff");
    refused(accept_staff(vasya, cafe.coin, now_s - 10, chain), 1033, "acceptance_expired");
    refused(accept_staff(vasya, cafe.coin, now_s + 2 * 86400, chain), 1004, "expiry_too_far");
    // (Another expiry than the acceptance open() hired her with, which is used.)
    refused(accept_staff(cafe.masha, cafe.coin, now_s + 1200, chain), 1039, "already_staff");
    // Used on chain already: Petya's acceptance, once he has left.
    {
        const KeyPair& key = cafe.petya;
        const StaffAcceptance petya = accept_staff(key, cafe.coin, now_s + 1300, chain);
        REQUIRE(w.submit(w.sign(cafe.owner, StaffRemove{cafe.coin, key.public_key()})).at("status") == "committed");
        REQUIRE(w.submit(w.sign(cafe.owner, StaffAdd{cafe.coin, StaffRole::barista, {}, petya})).at("status") ==
                "committed");
        REQUIRE(w.submit(w.sign(cafe.owner, StaffRemove{cafe.coin, key.public_key()})).at("status") == "committed");
        refused(petya, 1035, "acceptance_used");
    }
    // None of those was kept: the invite is still open.
    CHECK(c.call("invite.get", json::object{{"id", id_text(secret)}}).at("state") == "open");

    REQUIRE(c.call("invite.accept", accept_params(secret, w.accept(vasya, cafe.coin))).at("staff").as_string() ==
            address_from_key(vasya.public_key()));
    // Another key, or another acceptance by the same key: the invite already holds one.
    CHECK(error_code_of(c, "invite.accept", accept_params(secret, w.accept(KeyPair::generate(), cafe.coin))) == 2008);
    CHECK(error_code_of(c, "invite.accept", accept_params(secret, accept_staff(vasya, cafe.coin, now_s + 1800, chain))) ==
          2008);
}

TEST_CASE("an invite that expires takes no acceptance and is forgotten") {
    NodeProcess node;
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    const Bytes secret = new_secret();
    const std::uint64_t expiry_s = node_now_s(c) + 1;
    c.call("invite.open", invite_open_params(cafe.wallet.chain(), cafe.owner, cafe.coin, secret, expiry_s));
    CHECK(c.call("invite.get", json::object{{"id", id_text(secret)}}).at("state") == "open");
    // The node forgets it once its expiry second has passed.
    auto forgotten = [&] {
        try {
            c.call("invite.get", json::object{{"id", id_text(secret)}});
            return false;
        } catch (const rpc::Error& e) {
            return e.code == 2001;
        }
    };
    REQUIRE(wait_until(forgotten, std::chrono::seconds(10)));
    CHECK(node_now_s(c) > expiry_s);
    CHECK(error_code_of(c, "invite.accept", accept_params(secret, cafe.wallet.accept(KeyPair::generate(), cafe.coin))) ==
          2007);
    // A restart forgets open invites too; the owner opens the same secret again.
    const Bytes kept = new_secret();
    c.call("invite.open", invite_open_params(cafe.wallet.chain(), cafe.owner, cafe.coin, kept, node_now_s(c) + 600));
    node.stop();
    node.start();
    rpc::Client again = node.client();
    CHECK(error_code_of(again, "invite.get", json::object{{"id", id_text(kept)}}) == 2001);
    again.call("invite.open", invite_open_params(cafe.wallet.chain(), cafe.owner, cafe.coin, kept, node_now_s(again) + 600));
    CHECK(again.call("invite.get", json::object{{"id", id_text(kept)}}).at("state") == "open");
}

TEST_CASE("at most 32 invites open at a venue and 4096 on the node (2009)") {
    // Over 4,000 calls from this one address in a few seconds.
    NodeProcess node({"--requests-per-second-max", "0"});
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    TestWallet& w = cafe.wallet;
    const std::uint64_t expiry_s = node_now_s(c) + 600;
    for (std::size_t i = 0; i < 32; ++i)
        c.call("invite.open", invite_open_params(w.chain(), cafe.owner, cafe.coin, new_secret(), expiry_s));
    CHECK(error_code_of(c, "invite.open", invite_open_params(w.chain(), cafe.owner, cafe.coin, new_secret(), expiry_s)) ==
          2009);

    // 127 more venues of one owner, 32 invites each, fill the node's 4096.
    const KeyPair owner = KeyPair::generate();
    std::vector<std::string> tickers;
    std::vector<SignedTx> creates;
    for (int v = 0; v < 127; ++v) {
        tickers.push_back("CAP" + std::to_string(1000 + v));
        Profile p;
        p.name = "Venue " + std::to_string(v);
        creates.push_back(w.sign(owner, VenueCreate{tickers.back(), p}));
        c.call("tx.submit", json::object{{"blob", TestWallet::blob(creates.back())}});
    }
    for (const auto& stx : creates) REQUIRE(w.submit(stx).at("status") == "committed");
    for (const auto& t : tickers)
        for (std::size_t i = 0; i < 32; ++i)
            c.call("invite.open", invite_open_params(w.chain(), owner, t, new_secret(), expiry_s));
    const KeyPair third = KeyPair::generate();
    Profile p;
    p.name = "One more";
    REQUIRE(w.submit(w.sign(third, VenueCreate{"LAST", p})).at("status") == "committed");
    auto e = error_of(c, "invite.open", invite_open_params(w.chain(), third, "LAST", new_secret(), expiry_s));
    CHECK(e.code == 2009);
    CHECK(std::string(e.what()).find("4096") != std::string::npos);
}
