// One QR, two tills, the same instant: the voucher must redeem exactly once
// (SPEC: "A voucher redeems at most once, even if two tills scan it at the
// same moment"). Two baristas scan the client's voucher on two connections
// and submit at once, waiting for the block; over many rounds exactly one
// redemption commits each time, the other is refused voucher_used, and the
// client pays the price once per round.
#include "harness.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <barrier>
#include <thread>
#include <variant>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

constexpr int rounds = 40;  // at least 30 by the issue; each round is a few ms of blocks
constexpr Amount coffee_price = 100;

// What one till saw: the committed result, or the refusal.
using Outcome = std::variant<json::value, rpc::Error>;

Amount units(const std::string& decimal) {
    auto a = parse_amount(decimal);
    if (!a) throw std::runtime_error("not an amount: " + decimal);
    return *a;
}

// Submits `blobs[i]` on `tills[i]` from two threads released together by a
// barrier, each waiting for its block.
std::array<Outcome, 2> race(std::array<rpc::Client*, 2> tills, std::array<std::string, 2> blobs) {
    std::array<Outcome, 2> out{json::value(), json::value()};
    std::barrier start(2);
    auto till = [&](int i) {
        start.arrive_and_wait();
        try {
            out[i] = tills[i]->call("tx.submit", json::object{{"blob", blobs[i]}, {"wait", true}});
        } catch (const rpc::Error& e) {
            out[i] = e;
        } catch (const std::exception& e) {
            out[i] = rpc::Error(0, std::string("transport: ") + e.what());
        }
    };
    std::thread a(till, 0), b(till, 1);
    a.join();
    b.join();
    return out;
}

// A node with U Volodi open and a client who claimed +7 900 000-00-01 and holds 100.00.
struct Fixture {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe{c};
    KeyPair client_key = KeyPair::generate();
    Account client;

    Fixture() {
        cafe.open();
        client = cafe.phone("+7 900 000-00-01");
        cafe.give(cafe.masha, client, 100'00, "welcome");
        auto code = request_claim_code(c, admin, "+79000000001");
        REQUIRE(code);
        REQUIRE(claim_phone(cafe.wallet, c, "+79000000001", *code, client_key).at("status") == "committed");
    }
    Amount balance() { return units(cafe.wallet.balance(client, cafe.coin)); }
};

}  // namespace

TEST_CASE("one voucher scanned by two tills at once redeems exactly once, every round") {
    Fixture f;
    rpc::Client till_a = f.node.client(), till_b = f.node.client();
    const int voucher_used = rpc::refusal_code_base + static_cast<int>(Refusal::voucher_used);

    Amount before = f.balance();
    REQUIRE(before == 100'00);
    int committed_by_masha = 0;
    for (int round = 0; round < rounds; ++round) {
        INFO("round " << round);
        const Voucher v = f.cafe.wallet.voucher(f.client_key, f.cafe.coin, 1, coffee_price, f.client);
        // Different signers, so the two transactions have different ids: the
        // node cannot merge them as one idempotent submission.
        const SignedTx by_masha = f.cafe.wallet.sign(f.cafe.masha, Redeem{f.cafe.coin, v});
        const SignedTx by_petya = f.cafe.wallet.sign(f.cafe.petya, Redeem{f.cafe.coin, v});
        REQUIRE(tx_id(by_masha.tx) != tx_id(by_petya.tx));

        auto out = race({&till_a, &till_b}, {TestWallet::blob(by_masha), TestWallet::blob(by_petya)});

        int wins = 0, refusals = 0, loser = -1;
        for (int i = 0; i < 2; ++i) {
            if (const auto* r = std::get_if<json::value>(&out[i])) {
                INFO("till " << i << ": " << json::serialize(*r));
                CHECK(r->at("status") == "committed");
                ++wins;
                if (i == 0) ++committed_by_masha;
            } else {
                const auto& e = std::get<rpc::Error>(out[i]);
                INFO("till " << i << " refused: " << e.code << " " << e.what());
                CHECK(e.code == voucher_used);
                CHECK(e.data.is_object());
                if (e.data.is_object()) CHECK(e.data.as_object().at("reason") == "voucher_used");
                ++refusals;
                loser = i;
            }
        }
        REQUIRE(wins == 1);
        REQUIRE(refusals == 1);
        // The node remembers why the loser was refused.
        const SignedTx& lost = loser == 0 ? by_masha : by_petya;
        auto got = f.c.call("tx.get", json::object{{"id", to_hex(tx_id(lost.tx))}});
        CHECK(got.at("status") == "refused");
        CHECK(got.at("reason") == "voucher_used");

        // The client paid once, not twice, not zero times.
        const Amount after = f.balance();
        REQUIRE(after == before - coffee_price);
        before = after;
        // And the voucher now says why it will not redeem again.
        auto check = f.c.call("voucher.check", json::object{{"voucher", to_base64url(encode_voucher(v))}});
        CHECK(check.at("ok") == false);
        CHECK(check.at("reason") == "voucher_used");
    }
    // Both tills won some rounds, or the race was not a race. Not asserted:
    // on a loaded machine one thread may win every time, and that is correct.
    WARN("Masha's till won " << committed_by_masha << " of " << rounds << " rounds");

    auto stats = f.c.call("venue.stats", json::object{{"ticker", f.cafe.coin}});
    CHECK(stats.at("redemptions").to_number<std::int64_t>() == rounds);
    CHECK(stats.at("redeemed").as_string() == format_amount(rounds * coffee_price));
    // Conservation: every coffee went back to the treasury.
    auto venue = f.c.call("venue.get", json::object{{"ticker", f.cafe.coin}});
    CHECK(units(std::string(venue.at("treasury_balance").as_string())) ==
          coin_supply_units - 2 * 500'00 + rounds * coffee_price);

    CHECK(f.node.stop() == 0);
    auto [rc, out] = run_kopilkad({"verify", "--datadir", f.node.data_dir().string()});
    INFO(out);
    CHECK(rc == 0);
}

TEST_CASE("the same redemption blob from two connections at once commits once, both told the same place") {
    Fixture f;
    rpc::Client till_a = f.node.client(), till_b = f.node.client();
    constexpr int same_blob_rounds = 20;

    Amount before = f.balance();
    for (int round = 0; round < same_blob_rounds; ++round) {
        INFO("round " << round);
        const Voucher v = f.cafe.wallet.voucher(f.client_key, f.cafe.coin, 2, 200, f.client);
        const std::string blob = TestWallet::blob(f.cafe.wallet.sign(f.cafe.masha, Redeem{f.cafe.coin, v}));
        auto out = race({&till_a, &till_b}, {blob, blob});
        // Idempotent by id: both callers learn the one result, whichever
        // path (joined while pending, or found committed) each took.
        std::array<json::value, 2> r;
        for (int i = 0; i < 2; ++i) {
            if (const auto* e = std::get_if<rpc::Error>(&out[i])) FAIL("till " << i << " refused: " << e->code << " " << e->what());
            r[i] = std::get<json::value>(out[i]);
            CHECK(r[i].at("status") == "committed");
        }
        CHECK(r[0].at("id") == r[1].at("id"));
        CHECK(r[0].at("height") == r[1].at("height"));
        CHECK(r[0].at("index") == r[1].at("index"));
        const Amount after = f.balance();
        REQUIRE(after == before - 200);
        before = after;
    }
    auto stats = f.c.call("venue.stats", json::object{{"ticker", f.cafe.coin}});
    CHECK(stats.at("redemptions").to_number<std::int64_t>() == same_blob_rounds);
}
