// The auditor's `kopilka audit` and `kopilka export` against a real kopilkad;
// then against a node that lies — a proxy (lying_node.h) that flips one byte of
// what block.raw serves, or drops a record — and must be caught, with the
// block named and exit code 6.
#include "cli_runner.h"
#include "harness.h"
#include "lying_node.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string flip_byte(const std::string& b64, std::size_t at) {
    Bytes raw = *from_base64url(b64);
    raw[at % raw.size()] ^= 0x01;
    return to_base64url(raw);
}

Product product(std::uint32_t id, const char* name, Amount price) {
    Product p;
    p.id = id;
    p.name = name;
    p.price = price;
    return p;
}

}  // namespace

TEST_CASE("kopilka audit: replays the node's chain locally, export writes every movement, a lying node is caught at its block") {
    NodeProcess node;
    rpc::Client c = node.client();
    TestWallet w(c);
    const KeyPair owner = test_key(21), barista = test_key(22), client = test_key(23);
    const Account treasury = Account::of_key(owner.public_key()), client_acct = Account::of_key(client.public_key());
    Profile profile;
    profile.name = "U Volodi";
    w.submit(w.sign(owner, VenueCreate{"VOLODYA", profile}));                                         // block 1
    w.submit(w.sign(owner, ProductUpsert{"VOLODYA", product(1, "coffee", 100)}));                      // 2
    w.submit(w.sign(owner, StaffAdd{"VOLODYA", StaffRole::barista, {}, w.accept(barista, "VOLODYA")}));  // 3
    w.submit(w.sign(owner, Transfer{"VOLODYA", treasury, Account::of_key(barista.public_key()), 500'00, "allowance"}));  // 4
    w.submit(w.sign(barista, Transfer{"VOLODYA", Account::of_key(barista.public_key()), client_acct, 3'00, "=HYPERLINK(\"x\")"}));  // 5
    w.submit(w.sign(barista, Redeem{"VOLODYA", w.voucher(client, "VOLODYA", 1, 100, client_acct)}));  // 6
    w.submit(w.sign(owner, StaffRemove{"VOLODYA", barista.public_key()}));                            // 7
    const auto height = c.call("node.info").at("height").to_number<std::uint64_t>();
    REQUIRE(height == 7);

    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(node.port()));

    // The honest node: every block verifies; the summary shows coins and movements.
    auto r = cli({"audit"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "blocks verified: 7 of 7"));
    CHECK(has(r.out, "transactions verified: 7"));
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +1000000\\.00 +1000000\\.00")));
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +mint +1 +1000000\\.00")));
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +allowance +1 +500\\.00")));
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +bonus +1 +3\\.00")));
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +redemption +1 +1\\.00")));
    CHECK(std::regex_search(r.out, std::regex("VOLODYA +return +1 +497\\.00")));
    CHECK(has(r.out, "OK:"));
    r = cli({"audit", "--json"});
    REQUIRE(r.code == 0);
    auto doc = json::parse(r.out);
    CHECK(doc.at("ok").as_bool());
    CHECK(doc.at("blocks_checked").to_number<int>() == 7);
    CHECK(doc.at("supplies").at("VOLODYA").as_string() == "1000000.00");

    // Export: one CSV row per movement, from the verified replay.
    const auto csv = dir.path() / "volodya.csv";
    r = cli({"export", "VOLODYA", "--csv", csv.string()});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "wrote 5 movements of VOLODYA"));
    std::ifstream in(csv);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(std::count(text.begin(), text.end(), '\n') == 6);
    CHECK(text.starts_with("time_utc,time_ms,height,index,tx_id,tx_kind,movement,ticker,from,to,amount,memo\r\n"));
    CHECK(has(text, ",staff_remove,return,VOLODYA,"));
    CHECK(has(text, ",redeem,redemption,VOLODYA," + account_text(client_acct) + "," + account_text(treasury) + ",1.00,product 1"));
    CHECK(has(text, "\"'=HYPERLINK(\"\"x\"\")\""));  // a memo never becomes a spreadsheet formula

    // A node that flips one byte of block 3 as it serves it.
    {
        LyingNode liar(node.port(), [](const std::string& m, const json::value& p, json::value& res) {
            if (m == "block.raw" && p.at("height").to_number<int>() == 3)
                res.as_object()["block"] = flip_byte(std::string(res.at("block").as_string()), 40);
        });
        Cli to_liar(dir.path() / "wallet", "127.0.0.1:" + std::to_string(liar.port()));
        r = to_liar({"audit"});
        CHECK(r.code == 6);
        CHECK(has(r.err, "FAULT at block 3: block 3:"));
        CHECK(has(r.out, "blocks verified: 2 of 7"));
        r = to_liar({"export", "VOLODYA", "--csv", (dir.path() / "bad.csv").string()});
        CHECK(r.code == 6);
        CHECK_FALSE(std::filesystem::exists(dir.path() / "bad.csv"));
    }
    // ...one byte of a transaction record in block 5 (the amount given).
    {
        LyingNode liar(node.port(), [](const std::string& m, const json::value& p, json::value& res) {
            if (m == "block.raw" && p.at("height").to_number<int>() == 5) {
                auto& txs = res.as_object()["txs"].as_array();
                txs[0] = flip_byte(std::string(txs[0].as_string()), 150);
            }
        });
        r = Cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(liar.port()))({"audit"});
        CHECK(r.code == 6);
        CHECK(has(r.err, "FAULT at block 5: block 5: transaction 0"));
    }
    // ...a record left out, and a genesis that is not the chain's.
    {
        LyingNode liar(node.port(), [](const std::string& m, const json::value& p, json::value& res) {
            if (m == "block.raw" && p.at("height").to_number<int>() == 6) res.as_object()["txs"] = json::array{};
            if (m == "node.info") res.as_object()["height"] = 6;
        });
        r = Cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(liar.port()))({"audit"});
        CHECK(r.code == 6);
        CHECK(has(r.err, "FAULT at block 6"));
        CHECK(has(r.err, "its record is missing"));
    }
    {
        LyingNode liar(node.port(), [](const std::string& m, const json::value&, json::value& res) {
            if (m == "chain.genesis") res.as_object()["genesis"] = flip_byte(std::string(res.at("genesis").as_string()), 5);
        });
        r = Cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(liar.port()))({"audit"});
        CHECK(r.code == 6);
        CHECK(has(r.err, "FAULT at block"));
    }
    // ...and a tip hash that is not the replayed tip.
    {
        LyingNode liar(node.port(), [](const std::string& m, const json::value&, json::value& res) {
            if (m == "node.info") res.as_object()["tip_hash"] = std::string(64, '0');
        });
        r = Cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(liar.port()))({"audit"});
        CHECK(r.code == 6);
        CHECK(has(r.err, "not the tip hash the node reports"));
    }
}
