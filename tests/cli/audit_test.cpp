// The auditor's `kopilka audit` and `kopilka export` against a real kopilkad;
// then against a node that lies — a proxy in this test that flips one byte of
// what block.raw serves, or drops a record — and must be caught, with the
// block named and exit code 6.
#include "cli_runner.h"
#include "harness.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <functional>
#include <regex>
#include <thread>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A JSON-RPC proxy in front of the real node that lets a test rewrite results.
// One connection at a time, keep-alive, HTTP/1.1 with Content-Length only:
// enough for rpc::Client, which is all that talks to it.
class LyingNode {
public:
    using Tamper = std::function<void(const std::string& method, const json::value& params, json::value& result)>;

    LyingNode(std::uint16_t upstream, Tamper tamper)
        : upstream_(upstream), tamper_(std::move(tamper)), acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~LyingNode() {
        stop_ = true;
        // Wake the accept with a connection of our own.
        boost::system::error_code ec;
        tcp::socket s(ioc_);
        s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
        thread_.join();
    }
    std::uint16_t port() const { return port_; }

private:
    void serve() {
        rpc::Client up("127.0.0.1", upstream_);
        while (!stop_) {
            tcp::socket sock(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(sock, ec);
            if (ec || stop_) return;
            net::streambuf buf;
            for (;;) {
                const std::size_t head_len = net::read_until(sock, buf, "\r\n\r\n", ec);
                if (ec) break;
                std::string head(net::buffers_begin(buf.data()), net::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(head_len));
                buf.consume(head_len);
                std::size_t length = 0;
                for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                if (auto at = head.find("content-length:"); at != std::string::npos) length = std::stoul(head.substr(at + 15));
                if (buf.size() < length) net::read(sock, buf, net::transfer_exactly(length - buf.size()), ec);
                if (ec) break;
                std::string body(net::buffers_begin(buf.data()), net::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(length));
                buf.consume(length);
                auto res = up.post("/rpc", body);
                json::value req = json::parse(body);
                json::value answer = json::parse(res.body);
                if (auto* r = answer.as_object().if_contains("result"))
                    tamper_(std::string(req.at("method").as_string()), req.at("params"), *r);
                const std::string out = json::serialize(answer);
                const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                          std::to_string(out.size()) + "\r\n\r\n" + out;
                net::write(sock, net::buffer(reply), ec);
                if (ec) break;
            }
        }
    }

    std::uint16_t upstream_;
    Tamper tamper_;
    net::io_context ioc_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

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
