// Restarting the node loses nothing that was committed (issue 3: "restart
// the node mid-story: nothing committed is lost and the story continues").
//
//  - A clean stop (SIGTERM, SIGINT) exits 0; the same data dir serves the same
//    chain, balances, history and transactions; an earlier blob submitted
//    again returns its first result; the claim flow goes on after it.
//  - A crash (SIGKILL while transfers are being committed) loses no transfer
//    a client was told is committed, applies none twice, and leaves a data
//    dir that the offline audit accepts.
#include "harness.h"

#include "crypto/address.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <mutex>
#include <set>
#include <thread>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

constexpr auto generous = std::chrono::seconds(30);

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

// Every entry id of an account's history, newest first, across pages. Small
// pages, so the cursor is exercised too.
std::vector<std::string> history_ids(rpc::Client& c, const Account& a) {
    constexpr int page_entries = 7;
    std::vector<std::string> ids;
    std::string cursor;
    for (;;) {
        json::object params{{"account", account_text(a)}, {"limit", page_entries}};
        if (!cursor.empty()) params["cursor"] = cursor;
        auto page = c.call("account.history", params);
        for (const auto& e : page.at("entries").as_array()) ids.push_back(str(e, "id"));
        cursor = str(page, "next_cursor");
        if (cursor.empty()) return ids;
    }
}

// What a client would compare across a restart.
struct Snapshot {
    json::value info;
    std::map<std::string, json::value> balances;  // account text -> account.balances
    std::map<std::string, std::vector<std::string>> histories;
    std::map<std::string, json::value> txs;  // id -> tx.get (place, proof, decoded tx)
    json::value venue;

    static Snapshot take(rpc::Client& c, const std::vector<Account>& accounts, const std::vector<std::string>& ids,
                         const std::string& coin) {
        Snapshot s;
        s.info = c.call("node.info");
        for (const auto& a : accounts) {
            s.balances[account_text(a)] = c.call("account.balances", json::object{{"account", account_text(a)}});
            s.histories[account_text(a)] = history_ids(c, a);
        }
        for (const auto& id : ids) s.txs[id] = c.call("tx.get", json::object{{"id", id}});
        s.venue = c.call("venue.get", json::object{{"ticker", coin}});
        return s;
    }

    void check_same_as(const Snapshot& before) const {
        for (const char* k : {"chain_id", "chain_name", "height", "tip_hash", "tip_time_ms", "state_digest", "producer"}) {
            INFO("node.info " << k);
            CHECK(info.at(k) == before.info.at(k));
        }
        CHECK(balances == before.balances);
        CHECK(histories == before.histories);
        CHECK(txs == before.txs);
        CHECK(venue == before.venue);
    }
};

}  // namespace

TEST_CASE("a clean restart keeps the chain, answers old submissions with their first result, and the story goes on") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);  // holds a reference to `c`, which is reassigned after each restart
    cafe.open();

    // Half the story: the venue is open and a barista has sent 3.00 to a phone.
    const Account phone = cafe.phone("+7 900 000-00-01");
    const SignedTx gift = cafe.wallet.sign(cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), phone, 3'00, "welcome"});
    const json::value gift_result = cafe.wallet.submit(gift);
    REQUIRE(str(gift_result, "status") == "committed");
    std::vector<std::string> ids = cafe.tx_ids;
    ids.push_back(str(gift_result, "id"));
    const std::vector<Account> accounts{phone, cafe.treasury(), Volodi::of(cafe.masha), Volodi::of(cafe.petya)};
    const Snapshot before = Snapshot::take(c, accounts, ids, cafe.coin);
    REQUIRE(before.info.at("height").to_number<std::uint64_t>() >= ids.size() / 2);  // blocks of one or more txs

    // SIGTERM: the node closes the open block, syncs and exits 0.
    REQUIRE(node.stop(SIGTERM) == 0);
    node.start();
    c = node.client();
    admin = node.client(true);  // a fresh cookie each start

    Snapshot::take(c, accounts, ids, cafe.coin).check_same_as(before);

    // The same blob again is the same transaction: its first result, whether
    // or not the caller waits, and no second movement.
    for (bool wait : {true, false}) {
        INFO("wait=" << wait);
        auto again = c.call("tx.submit", json::object{{"blob", TestWallet::blob(gift)}, {"wait", wait}});
        CHECK(str(again, "status") == "committed");
        CHECK(again.at("id") == gift_result.at("id"));
        CHECK(again.at("height") == gift_result.at("height"));
        CHECK(again.at("index") == gift_result.at("index"));
        CHECK(again.at("block_hash") == gift_result.at("block_hash"));
    }
    CHECK(cafe.wallet.balance(phone, cafe.coin) == "3.00");
    CHECK(c.call("node.info").at("state_digest") == before.info.at("state_digest"));

    // The story continues: the client asks for a code, claims the phone, and
    // spends a coffee at the other barista.
    auto sent = c.call("phone.claim.request", json::object{{"phone", "+7 900 000-00-01"}});
    CHECK(sent.at("sent") == true);
    auto code = claim_code_from_outbox(admin, "+79000000001");
    REQUIRE(code);
    KeyPair client = KeyPair::generate();
    CHECK(str(claim_phone(cafe.wallet, c, "+79000000001", *code, client), "status") == "committed");
    const Voucher v = cafe.wallet.voucher(client, cafe.coin, 1, 100, phone);
    auto redeemed = cafe.wallet.submit(cafe.wallet.sign(cafe.petya, Redeem{cafe.coin, v}));
    CHECK(str(redeemed, "status") == "committed");
    CHECK(cafe.wallet.balance(phone, cafe.coin) == "2.00");
    ids.push_back(str(redeemed, "id"));

    // SIGINT is a clean stop too; everything, old and new, is still there.
    const Snapshot second = Snapshot::take(c, accounts, ids, cafe.coin);
    CHECK(second.histories.at(account_text(phone)).size() == 3);  // gift, bind, redemption
    REQUIRE(node.stop(SIGINT) == 0);
    node.start();
    c = node.client();
    Snapshot::take(c, accounts, ids, cafe.coin).check_same_as(second);
    auto stats = c.call("venue.stats", json::object{{"ticker", cafe.coin}});
    CHECK(str(stats, "issued") == "3.00");
    CHECK(str(stats, "redeemed") == "1.00");
    CHECK(stats.at("redemptions").to_number<int>() == 1);

    REQUIRE(node.stop() == 0);
    auto [rc, out] = run_kopilkad({"verify", "--datadir", node.data_dir().string()});
    INFO(out);
    CHECK(rc == 0);
}

// The code a client was sent before a restart (issue 13: in the message's
// text, never in its link) must still work after it: live codes are kept in
// private/codes, so a restart (an upgrade, a reboot) does not kill the codes
// sent in the last claim-code-ttl-s. The phone book survives too: a number
// that holds coins is still reached after the restart.
TEST_CASE("a claim code sent before a restart still works after it, and the phone is still told of coins", "[node][restart]") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    const Account phone = cafe.phone("+7 900 000-00-05");
    cafe.give(cafe.masha, phone, 5'00, "welcome");
    auto code = request_claim_code(c, admin, "+79000000005");
    REQUIRE(code);

    REQUIRE(node.stop() == 0);
    node.start();
    c = node.client();
    admin = node.client(true);
    // The outbox survives the restart (it is a file), so the code is still on record...
    CHECK(claim_code_from_outbox(admin, "+79000000005") == code);
    // ...the book still knows the number behind the reference that holds coins...
    cafe.give(cafe.petya, phone, 1'00, "after the restart");
    REQUIRE(wait_until(
        [&] {
            auto m = admin.call("admin.outbox", json::object{{"limit", 1}}).at("messages").as_array();
            return !m.empty() && m.front().at("phone") == "+79000000005" &&
                   std::string(m.front().at("text").as_string()).find("Баланс: 6,00") != std::string::npos;
        },
        std::chrono::seconds(10)));
    // ...and, well within its lifetime, it should still claim the phone.
    KeyPair client = KeyPair::generate();
    CHECK(str(claim_phone(cafe.wallet, c, "+79000000005", *code, client), "status") == "committed");
}

TEST_CASE("SIGKILL while transfers commit: every answered transfer survives, none twice, the audit passes") {
    NodeProcess node;
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    const KeyPair receiver = KeyPair::generate();
    const Account to = Volodi::of(receiver);

    // Several tills submit 1.00 transfers from the treasury, each waiting for
    // its block, so that at the kill some are in flight, some in the mempool,
    // some in a block being written. Blobs are signed up front: a transfer
    // counts as attempted once its till started sending it.
    constexpr int tills = 3;
    constexpr int per_till = 300;
    constexpr std::size_t answered_before_kill = 40;
    std::vector<std::vector<SignedTx>> blobs(tills);
    for (auto& list : blobs)
        for (int k = 0; k < per_till; ++k)
            list.push_back(cafe.wallet.sign(cafe.owner, Transfer{cafe.coin, cafe.treasury(), to, 1'00, "n" + std::to_string(k)}));

    std::mutex mu;
    std::vector<const SignedTx*> attempted;
    std::vector<json::value> answered;  // results that said "committed"
    std::vector<std::string> other_errors;
    std::vector<std::thread> threads;
    for (int t = 0; t < tills; ++t) {
        threads.emplace_back([&, t] {
            rpc::Client till = node.client();
            till.set_timeout(std::chrono::seconds(20));
            for (const SignedTx& stx : blobs[t]) {
                {
                    std::lock_guard lock(mu);
                    attempted.push_back(&stx);
                }
                try {
                    auto r = till.call("tx.submit", json::object{{"blob", TestWallet::blob(stx)}, {"wait", true}});
                    std::lock_guard lock(mu);
                    answered.push_back(r);
                } catch (const rpc::TransportError&) {
                    return;  // the node is gone
                } catch (const std::exception& e) {
                    std::lock_guard lock(mu);
                    other_errors.push_back(e.what());
                    return;
                }
            }
        });
    }
    const bool enough = wait_until(
        [&] {
            std::lock_guard lock(mu);
            return answered.size() >= answered_before_kill || !other_errors.empty();
        },
        generous);
    node.kill9();
    for (auto& th : threads) th.join();
    REQUIRE(enough);
    REQUIRE(other_errors.empty());
    for (const auto& r : answered) REQUIRE(str(r, "status") == "committed");
    INFO(attempted.size() << " attempted, " << answered.size() << " answered committed before the kill");

    // The crash left a data dir the offline audit accepts as it is.
    {
        auto [rc, out] = run_kopilkad({"verify", "--datadir", node.data_dir().string()});
        INFO(out);
        CHECK(rc == 0);
    }

    node.start();
    c = node.client();

    // Every transfer a till was told is committed is there, at the place it was told.
    for (const auto& r : answered) {
        auto got = c.call("tx.get", json::object{{"id", r.at("id")}});
        INFO(json::serialize(got));
        CHECK(str(got, "status") == "committed");
        CHECK(got.at("height") == r.at("height"));
        CHECK(got.at("index") == r.at("index"));
    }
    // The unanswered ones may or may not have made it; whichever did, the
    // balances count each exactly once.
    std::set<std::string> present;
    for (const SignedTx* stx : attempted) {
        const std::string id = to_hex(tx_id(stx->tx));
        auto got = c.call("tx.get", json::object{{"id", id}});
        const std::string status = str(got, "status");
        INFO(id << " " << status);
        CHECK((status == "committed" || status == "unknown"));
        if (status == "committed") present.insert(id);
    }
    CHECK(present.size() >= answered.size());
    CHECK(cafe.wallet.balance(to, cafe.coin) == format_amount(present.size() * 1'00));
    CHECK(cafe.wallet.balance(cafe.treasury(), cafe.coin) ==
          format_amount(coin_supply_units - 2 * 500'00 - present.size() * 1'00));
    const auto hist = history_ids(c, to);
    CHECK(std::set<std::string>(hist.begin(), hist.end()) == present);
    CHECK(hist.size() == present.size());

    // The tills retry everything they had sent: the committed ones answer
    // with their first result, the lost ones commit now, and the receiver
    // ends with exactly one 1.00 per distinct transfer.
    for (const SignedTx* stx : attempted) {
        const std::string id = to_hex(tx_id(stx->tx));
        auto r = c.call("tx.submit", json::object{{"blob", TestWallet::blob(*stx)}, {"wait", true}});
        CHECK(str(r, "status") == "committed");
        CHECK(str(r, "id") == id);
    }
    CHECK(cafe.wallet.balance(to, cafe.coin) == format_amount(attempted.size() * 1'00));

    REQUIRE(node.stop() == 0);
    auto [rc, out] = run_kopilkad({"verify", "--datadir", node.data_dir().string()});
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.find("OK:") != std::string::npos);
}
