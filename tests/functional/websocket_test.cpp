// Subscriptions over WebSocket (issue 3: "WebSocket at /ws with the same
// methods plus subscriptions (new blocks; transactions touching an account; a
// venue's activity)").
//
// Transactions go in over plain HTTP; each WebSocket subscriber is told about
// exactly what it subscribed to, with its subscription id; unsubscribing stops
// that stream only; one session cannot cancel another's subscription; and
// subscribe over plain HTTP is refused.
//
// "Nothing else arrived" is proved by order, not by waiting: the node pushes a
// block's notifications before the next block's, so once a later block's
// notification is in, anything an earlier block would have sent is in too.
#include "harness.h"

#include "crypto/address.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

constexpr auto generous = std::chrono::seconds(15);

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

// A subscriber: a WebSocket with the notifications it has received so far.
struct Subscriber {
    explicit Subscriber(std::uint16_t port) : ws("127.0.0.1", port) {}
    rpc::WsClient ws;
    std::vector<json::value> notes;

    std::uint64_t subscribe(json::object params) {
        auto r = ws.call("subscribe", params);
        return r.at("subscription").to_number<std::uint64_t>();
    }
    // Reads notifications until one satisfies `last`; returns those read by this call.
    std::vector<json::value> until(const std::function<bool(const json::value&)>& last) {
        std::vector<json::value> got;
        for (;;) {
            auto frame = ws.receive(std::chrono::duration_cast<std::chrono::milliseconds>(generous));
            REQUIRE(frame);  // the notification never came
            json::value note = json::parse(*frame);
            INFO(*frame);
            // A notification: method "subscription", no id.
            REQUIRE(note.at("method") == "subscription");
            CHECK(note.at("jsonrpc") == "2.0");
            CHECK_FALSE(note.as_object().contains("id"));
            got.push_back(note);
            notes.push_back(note);
            if (last(note)) return got;
        }
    }
    std::vector<json::value> until_block(std::uint64_t sub, const json::value& height) {
        return until([&](const json::value& n) { return sub_of(n) == sub && n.at("params").at("result").at("height") == height; });
    }
    static std::uint64_t sub_of(const json::value& n) {
        return n.at("params").at("subscription").to_number<std::uint64_t>();
    }
    static const json::value& result_of(const json::value& n) { return n.at("params").at("result"); }
};

std::vector<json::value> of_sub(const std::vector<json::value>& notes, std::uint64_t sub) {
    std::vector<json::value> out;
    for (const auto& n : notes)
        if (Subscriber::sub_of(n) == sub) out.push_back(n);
    return out;
}

}  // namespace

TEST_CASE("subscriptions to blocks, a phone account and a venue each get their notifications, and unsubscribe stops them") {
    NodeProcess node;
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    // A second venue, whose activity the first venue's subscribers must not see.
    Volodi pirog(c, "PIROG");
    pirog.open();
    const Account phone = cafe.phone("+7 900 000-00-01");
    const KeyPair friend_key = KeyPair::generate();
    const Account friend_account = Volodi::of(friend_key);

    Subscriber a(node.port());
    const auto blocks = a.subscribe({{"topic", "blocks"}});
    const auto account = a.subscribe({{"topic", "account"}, {"account", account_text(phone)}});
    const auto venue = a.subscribe({{"topic", "venue"}, {"ticker", cafe.coin}});
    CHECK(blocks != account);
    CHECK(account != venue);
    Subscriber b(node.port());
    const auto b_account = b.subscribe({{"topic", "account"}, {"account", account_text(friend_account)}});
    const auto b_venue = b.subscribe({{"topic", "venue"}, {"ticker", pirog.coin}});

    // 1. A barista sends 3.00 to the phone (over HTTP): A hears of the block,
    // of the transfer on the phone's account, and on the venue.
    auto sent = cafe.give(cafe.masha, phone, 3'00, "welcome");
    const json::value h1 = sent.at("height");
    {
        auto notes = a.until([&](const json::value&) {
            return of_sub(a.notes, blocks).size() >= 1 && of_sub(a.notes, account).size() >= 1 &&
                   of_sub(a.notes, venue).size() >= 1;
        });
        INFO(json::serialize(json::value_from(notes)));
        auto block_notes = of_sub(notes, blocks);
        REQUIRE(block_notes.size() == 1);
        const auto& header = Subscriber::result_of(block_notes[0]);
        CHECK(header.at("height") == h1);
        auto block = c.call("block.get", json::object{{"height", h1}});
        CHECK(header.at("hash") == block.at("hash"));
        CHECK(header.at("state_digest") == block.at("state_digest"));

        for (auto sub : {account, venue}) {
            auto tx_notes = of_sub(notes, sub);
            REQUIRE(tx_notes.size() == 1);
            const auto& r = Subscriber::result_of(tx_notes[0]);
            CHECK(r.at("id") == sent.at("id"));
            CHECK(r.at("height") == h1);
            CHECK(r.at("index") == sent.at("index"));
            CHECK(r.at("tx").at("kind") == "transfer");
            CHECK(str(r.at("tx"), "to") == account_text(phone));
            CHECK(str(r.at("tx"), "amount") == "3.00");
            CHECK(str(r.at("tx"), "ticker") == cafe.coin);
        }
    }

    // 2. Activity elsewhere: B hears of PIROG's transfer to the friend, on
    // both its subscriptions, and nothing of step 1 came before it. A hears
    // only of the block.
    auto elsewhere = pirog.give(pirog.masha, friend_account, 2'00, "hello");
    {
        auto notes = b.until([&](const json::value&) {
            return of_sub(b.notes, b_account).size() >= 1 && of_sub(b.notes, b_venue).size() >= 1;
        });
        CHECK(notes.size() == 2);
        for (const auto& n : notes) CHECK(Subscriber::result_of(n).at("id") == elsewhere.at("id"));
        auto a_notes = a.until_block(blocks, elsewhere.at("height"));
        for (const auto& n : a_notes) CHECK(Subscriber::sub_of(n) == blocks);
    }

    // 3. A refused transaction moves nothing and is announced to no one.
    {
        auto refused = error_of(c, "tx.submit",
                                json::object{{"blob", TestWallet::blob(cafe.wallet.sign(
                                                          cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), phone,
                                                                               1'000'000'00, "too much"}))},
                                             {"wait", true}});
        CHECK(refused.code == rpc::refusal_code_base + static_cast<int>(Refusal::insufficient_balance));
        auto sentinel = pirog.give(pirog.petya, friend_account, 1'00);
        auto a_notes = a.until_block(blocks, sentinel.at("height"));
        for (const auto& n : a_notes) CHECK(Subscriber::sub_of(n) == blocks);
    }

    // 4. Unsubscribing: A drops the account stream. B cannot drop A's venue
    // stream (ids are per session), nor can anyone drop one twice.
    CHECK(b.ws.call("unsubscribe", json::object{{"subscription", venue}}).at("removed") == false);
    CHECK(a.ws.call("unsubscribe", json::object{{"subscription", account}}).at("removed") == true);
    CHECK(a.ws.call("unsubscribe", json::object{{"subscription", account}}).at("removed") == false);
    auto second = cafe.give(cafe.petya, phone, 1'00, "again");
    auto sentinel = pirog.give(pirog.petya, friend_account, 1'00);
    {
        auto a_notes = a.until_block(blocks, sentinel.at("height"));
        CHECK(of_sub(a_notes, account).empty());  // stopped
        auto venue_notes = of_sub(a_notes, venue);  // still on
        REQUIRE(venue_notes.size() == 1);
        CHECK(Subscriber::result_of(venue_notes[0]).at("id") == second.at("id"));
        CHECK(of_sub(a_notes, blocks).size() >= 2);  // the second transfer's block and the sentinel's
    }

    // 5. A subscriber that leaves is forgotten; blocks keep coming to the others.
    a.ws.close();
    Subscriber late(node.port());
    const auto late_blocks = late.subscribe({{"topic", "blocks"}});
    auto third = cafe.give(cafe.masha, phone, 1'00);
    late.until_block(late_blocks, third.at("height"));
    CHECK(c.call("node.info").at("height") == third.at("height"));

    // The other methods work over the WebSocket too.
    CHECK(late.ws.call("account.balances", json::object{{"account", account_text(phone)}}).at("balances").as_array().at(0).at("balance") ==
          "5.00");
}

TEST_CASE("subscribe and unsubscribe are WebSocket only, and check their params") {
    NodeProcess node;
    rpc::Client c = node.client();
    for (auto [method, params] : {std::pair<const char*, json::object>{"subscribe", {{"topic", "blocks"}}},
                                  std::pair<const char*, json::object>{"unsubscribe", {{"subscription", 1}}}}) {
        INFO(method);
        auto e = error_of(c, method, params);
        CHECK(e.code == rpc::method_not_found);
        CHECK(std::string(e.what()).find("WebSocket") != std::string::npos);
    }
    rpc::WsClient ws("127.0.0.1", node.port());
    auto code = [&](json::object params, const char* names) {
        try {
            ws.call("subscribe", params);
        } catch (const rpc::Error& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(names) != std::string::npos);
            return e.code;
        }
        return 0;
    };
    CHECK(code({{"topic", "weather"}}, "topic") == rpc::invalid_params);
    CHECK(code({}, "'topic'") == rpc::invalid_params);
    CHECK(code({{"topic", "account"}}, "'account'") == rpc::invalid_params);
    CHECK(code({{"topic", "account"}, {"account", "+79000000001"}}, "'account'") == rpc::invalid_params);
    CHECK(code({{"topic", "venue"}, {"ticker", "no"}}, "'ticker'") == rpc::invalid_params);
    CHECK(code({{"topic", "blocks"}, {"since", 5}}, "'since'") == rpc::invalid_params);
    // Batches, protocol errors and oversized messages over the WebSocket.
    {
        ws.send(R"([{"jsonrpc":"2.0","id":100,"method":"node.info"},{"jsonrpc":"2.0","method":"node.info"},)"
                R"({"jsonrpc":"2.0","id":101,"method":"no.such"}])");
        auto frame = ws.receive(std::chrono::duration_cast<std::chrono::milliseconds>(generous));
        REQUIRE(frame);
        auto answers = json::parse(*frame);
        REQUIRE(answers.is_array());
        REQUIRE(answers.as_array().size() == 2);  // the notification is not answered
        CHECK(answers.as_array()[0].at("id") == 100);
        CHECK(answers.as_array()[0].at("result").is_object());
        CHECK(answers.as_array()[1].at("error").at("code") == rpc::method_not_found);
        ws.send("{not json");
        frame = ws.receive(std::chrono::duration_cast<std::chrono::milliseconds>(generous));
        REQUIRE(frame);
        CHECK(json::parse(*frame).at("error").at("code") == rpc::parse_error);
    }
    {
        // Over the node's 1 MiB message limit: the session is closed, others go on.
        rpc::WsClient big("127.0.0.1", node.port());
        bool closed = false;
        try {
            big.send(R"({"jsonrpc":"2.0","id":1,"method":"node.info","params":{"pad":")" + std::string(2 << 20, 'a') + R"("}})");
            big.receive(std::chrono::duration_cast<std::chrono::milliseconds>(generous));
        } catch (const rpc::TransportError&) {
            closed = true;
        }
        CHECK(closed);
        CHECK(ws.call("node.info").is_object());
    }
    // A bound on subscriptions per connection, so one client cannot make every block cost the node without limit.
    int accepted = 0;
    for (int i = 0; i < 100; ++i) {
        try {
            ws.call("subscribe", json::object{{"topic", "blocks"}});
            ++accepted;
        } catch (const rpc::Error& e) {
            CHECK(e.code == rpc::invalid_params);
            break;
        }
    }
    CHECK(accepted == 64);
}
