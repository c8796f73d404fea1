// The wallet's known tips (wallet-cli/known_tips.h) against real kopilkad
// processes: an operator who puts back an older copy of the data dir (a
// rollback that `kopilkad verify` cannot see) is refused by every command of
// a wallet that verified a newer block, with exit code 7; and two nodes grown
// from one data dir, each signing its own next block, are caught as
// equivocation, with both signed headers printed so anyone can check them.
// A node that is not the producer cannot pass off a header of its own.
#include "cli_runner.h"
#include "harness.h"
#include "lying_node.h"
#include "wallet-cli/known_tips.h"

#include "crypto/address.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace fs = std::filesystem;
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

Profile named(const char* name) {
    Profile p;
    p.name = name;
    return p;
}

std::uint64_t height_of(rpc::Client& c) { return c.call("node.info").at("height").to_number<std::uint64_t>(); }
std::string hash_at(rpc::Client& c, std::uint64_t h) {
    return std::string(c.call("block.get", json::object{{"height", h}}).at("hash").as_string());
}
std::string node_of(const NodeProcess& n) { return "127.0.0.1:" + std::to_string(n.port()); }

// The node's data dir replaced by `from` (the node stopped), then started again.
void restart_from(NodeProcess& node, const fs::path& from) {
    node.stop();
    fs::remove_all(node.data_dir());
    fs::copy(from, node.data_dir(), fs::copy_options::recursive);
    node.start();
}

// A copy of the stopped node's data dir; the node is started again.
void snapshot(NodeProcess& node, const fs::path& to) {
    node.stop();
    fs::copy(node.data_dir(), to, fs::copy_options::recursive);
    node.start();
}

std::string flip_hex(std::string hex, std::size_t at) {
    hex[at] = hex[at] == '0' ? '1' : '0';
    return hex;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Every "signed header <base64url>" the refusal printed, decoded.
std::vector<wallet::SignedHeader> printed_headers(const std::string& text) {
    std::vector<wallet::SignedHeader> out;
    static const std::regex re("signed header ([A-Za-z0-9_-]+)");
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
        auto raw = from_base64url((*it)[1].str());
        REQUIRE(raw);
        auto h = wallet::decode_signed_header(*raw);
        REQUIRE(h);
        out.push_back(*h);
    }
    return out;
}

ChainId chain_of(rpc::Client& c) {
    auto raw = from_hex(std::string(c.call("node.info").at("chain_id").as_string()));
    ChainId id{};
    std::copy(raw->begin(), raw->end(), id.begin());
    return id;
}

PublicKey producer_of(rpc::Client& c) {
    return *key_from_address(std::string(c.call("node.info").at("producer").as_string()));
}

}  // namespace

TEST_CASE("kopilka refuses a node rolled back behind a block the wallet verified: every command, exit 7") {
    NodeProcess node;
    TempDir dir("kopilka-wallet");
    const fs::path wallet = dir.path() / "wallet";
    REQUIRE(Cli(wallet, node_of(node))({"key", "new", "owner"}).code == 0);
    {
        Cli cli(wallet, node_of(node));
        REQUIRE(cli({"venue", "create", "VOLODYA", "--name", "U Volodi"}).code == 0);             // block 1
        REQUIRE(cli({"product", "set", "VOLODYA", "1", "coffee", "1"}).code == 0);               // block 2
    }
    const fs::path at_2 = dir.path() / "data-at-2";
    snapshot(node, at_2);
    {
        Cli cli(wallet, node_of(node));
        REQUIRE(cli({"product", "set", "VOLODYA", "2", "donut", "2"}).code == 0);                // block 3
        REQUIRE(cli({"product", "set", "VOLODYA", "3", "cheesecake", "3"}).code == 0);           // block 4
        // The audit remembers the tip of the chain it replayed.
        auto r = cli({"audit"});
        REQUIRE(r.code == 0);
        CHECK(has(r.out, "blocks verified: 4 of 4"));
    }
    rpc::Client c = node.client();
    const ChainId chain = chain_of(c);
    const std::string block_4 = hash_at(c, 4);
    const std::string tips_before = read_file(wallet / "known_tips");
    CHECK(has(tips_before, to_hex(chain) + " 4 " + block_4 + " "));

    // The operator puts back the copy taken at height 2: the node runs and
    // its own checks pass, but blocks 3 and 4 are gone.
    restart_from(node, at_2);
    rpc::Client rolled = node.client();
    REQUIRE(height_of(rolled) == 2);
    Cli cli(wallet, node_of(node));
    const std::vector<std::vector<std::string>> commands = {
        {"venue", "show", "VOLODYA"},
        {"venue", "list"},
        {"balance"},
        {"history", "VOLODYA"},
        {"rewards", "VOLODYA"},
        {"product", "set", "VOLODYA", "5", "tea", "1"},
        {"audit"},
        {"export", "VOLODYA", "--csv", (dir.path() / "volodya.csv").string()},
    };
    for (const auto& args : commands) {
        auto r = cli(args);
        CHECK(r.code == 7);
        CHECK(has(r.err, "is at height 2, but this wallet has verified block 4 of chain " + to_hex(chain)));
        CHECK(has(r.err, "rolled back"));
        CHECK(has(r.err, "remembered: height 4, block " + block_4));
        CHECK(has(r.err, "node's tip: height 2, block " + hash_at(rolled, 2)));
    }
    // Nothing was signed onto the rolled-back chain, nothing exported, and
    // the wallet still remembers block 4.
    CHECK(height_of(rolled) == 2);
    CHECK_FALSE(fs::exists(dir.path() / "volodya.csv"));
    CHECK(read_file(wallet / "known_tips") == tips_before);

    // The operator then builds new blocks 3 and 4: at height 4 the producer
    // has now signed two blocks, and the wallet shows both.
    TestWallet w(rolled);
    const KeyPair other = test_key(41);
    w.submit(w.sign(other, VenueCreate{"OTHER", named("Other")}));
    w.submit(w.sign(other, ProductUpsert{"OTHER", product(1, "tea", 100)}));
    REQUIRE(height_of(rolled) == 4);
    auto r = cli({"balance"});
    CHECK(r.code == 7);
    CHECK(has(r.err, "the history was rewritten"));
    CHECK(has(r.err, "equivocation"));
    CHECK(has(r.err, "served now: height 4, block " + hash_at(rolled, 4)));

    // Another wallet, which never saw this chain, trusts it on first use.
    TempDir fresh("kopilka-wallet");
    CHECK(Cli(fresh.path() / "wallet", node_of(node))({"venue", "list"}).code == 0);

    // A known-tips file that was tampered with is refused, not ignored.
    {
        std::string text = tips_before;
        const auto at = text.find(" 4 ");
        text.replace(at, 3, " 3 ");
        std::ofstream(wallet / "known_tips", std::ios::trunc) << text;
    }
    r = cli({"venue", "list"});
    CHECK(r.code == 4);
    CHECK(has(r.err, "known_tips line 2 is damaged: the height is not the header's"));
}

TEST_CASE("kopilka shows equivocation: two nodes from one data dir each sign a block 2, and both headers prove it") {
    NodeProcess a;
    rpc::Client ca = a.client();
    TestWallet wa(ca);
    const KeyPair owner = test_key(51);
    wa.submit(wa.sign(owner, VenueCreate{"VOLODYA", named("U Volodi")}));  // block 1
    TempDir dir("kopilka-wallet");
    const fs::path at_1 = dir.path() / "data-at-1";
    snapshot(a, at_1);
    ca = a.client();
    NodeProcess b;
    restart_from(b, at_1);
    rpc::Client cb = b.client();
    REQUIRE(chain_of(ca) == chain_of(cb));

    // Each node gets its own transaction, so each signs its own block 2.
    wa.submit(wa.sign(owner, ProductUpsert{"VOLODYA", product(1, "coffee", 100)}));
    TestWallet wb(cb);
    wb.submit(wb.sign(owner, ProductUpsert{"VOLODYA", product(1, "coffee", 1)}));
    REQUIRE(height_of(ca) == 2);
    REQUIRE(height_of(cb) == 2);
    const std::string a2 = hash_at(ca, 2), b2 = hash_at(cb, 2);
    REQUIRE(a2 != b2);

    const fs::path wallet = dir.path() / "wallet";
    Cli to_a(wallet, node_of(a)), to_b(wallet, node_of(b));
    REQUIRE(to_a({"venue", "show", "VOLODYA"}).code == 0);  // the wallet verifies A's block 2

    for (const std::vector<std::string>& args : {std::vector<std::string>{"venue", "show", "VOLODYA"},
                                                std::vector<std::string>{"audit"}}) {
        auto r = to_b(args);
        CHECK(r.code == 7);
        CHECK(has(r.err, "the history was rewritten"));
        CHECK(has(r.err, "remembered: height 2, block " + a2));
        CHECK(has(r.err, "served now: height 2, block " + b2));
        CHECK(has(r.err, "prove that the producer signed two histories (equivocation)"));
        // The proof stands on its own: two headers at height 2, different
        // hashes, both signed by the genesis producer for this chain.
        auto headers = printed_headers(r.err);
        REQUIRE(headers.size() == 2);
        CHECK(headers[0].bytes().size() == wallet::signed_header_bytes);
        CHECK(headers[0].header.height == 2);
        CHECK(headers[1].header.height == 2);
        CHECK(to_hex(headers[0].hash()) == a2);
        CHECK(to_hex(headers[1].hash()) == b2);
        CHECK(headers[0].signed_by(producer_of(ca), chain_of(ca)));
        CHECK(headers[1].signed_by(producer_of(ca), chain_of(ca)));
    }
    // B going further does not help it: its block 2 is still not A's.
    wb.submit(wb.sign(owner, ProductUpsert{"VOLODYA", product(2, "donut", 200)}));
    CHECK(to_b({"venue", "list"}).code == 7);
    // A, whose chain extends what the wallet saw, is still served.
    CHECK(to_a({"venue", "list"}).code == 0);
}

TEST_CASE("kopilka refuses a node that serves a block header or a genesis the chain's producer did not sign") {
    NodeProcess node;
    rpc::Client c = node.client();
    TestWallet w(c);
    w.submit(w.sign(test_key(61), VenueCreate{"VOLODYA", named("U Volodi")}));  // block 1
    TempDir dir("kopilka-wallet");
    const fs::path wallet = dir.path() / "wallet";

    // On first use: a forged signature on the tip, then a genesis (naming
    // another producer, say) that is not the one the chain id is the hash of.
    // The tip comes in node.info's tip_header; from a node older than that
    // field, through block.get. Either forged is refused.
    for (const bool older_node : {false, true}) {
        INFO("a node " << (older_node ? "without tip_header" : "with tip_header"));
        LyingNode liar(node.port(), [older_node](const std::string& m, const json::value&, json::value& res) {
            if (m == "block.get") res.as_object()["signature"] = flip_hex(std::string(res.at("signature").as_string()), 10);
            if (m != "node.info") return;
            if (older_node) {
                res.as_object().erase("tip_header");
                return;
            }
            Bytes head = *from_base64url(std::string(res.at("tip_header").as_string()));
            head[head.size() - 20] ^= 0x01;  // a byte of the producer's signature
            res.as_object()["tip_header"] = to_base64url(head);
        });
        auto r = Cli(wallet, "127.0.0.1:" + std::to_string(liar.port()))({"venue", "list"});
        CHECK(r.code == 7);
        CHECK(has(r.err, "serves a block 1 not signed by the chain's producer " +
                             std::string(c.call("node.info").at("producer").as_string())));
    }
    {
        LyingNode liar(node.port(), [](const std::string& m, const json::value&, json::value& res) {
            if (m == "chain.genesis") {
                Bytes g = *from_base64url(std::string(res.at("genesis").as_string()));
                g[5] ^= 0x01;  // a letter of the chain name
                res.as_object()["genesis"] = to_base64url(g);
            }
        });
        auto r = Cli(wallet, "127.0.0.1:" + std::to_string(liar.port()))({"venue", "list"});
        CHECK(r.code == 7);
        CHECK(has(r.err, "the node's genesis does not hash to the chain id it gives"));
    }
    // Nothing a liar served was remembered.
    CHECK_FALSE(fs::exists(wallet / "known_tips"));

    // Once the wallet knows the chain: a header at the remembered height
    // whose fields were changed and re-hashed, so only the signature is wrong.
    REQUIRE(Cli(wallet, node_of(node))({"venue", "list"}).code == 0);
    w.submit(w.sign(test_key(61), ProductUpsert{"VOLODYA", product(1, "coffee", 100)}));  // block 2
    {
        LyingNode liar(node.port(), [](const std::string& m, const json::value& p, json::value& res) {
            if (m != "block.get" || p.at("height").to_number<int>() != 1) return;
            auto& o = res.as_object();
            o["time_ms"] = o.at("time_ms").to_number<std::uint64_t>() + 1;
            BlockHeader h;
            h.height = 1;
            auto hash = [&](const char* k) {
                Hash256 out{};
                auto raw = *from_hex(std::string(o.at(k).as_string()));
                std::copy(raw.begin(), raw.end(), out.begin());
                return out;
            };
            h.prev = hash("prev");
            h.time_ms = o.at("time_ms").to_number<std::uint64_t>();
            h.tx_root = hash("tx_root");
            h.state_digest = hash("state_digest");
            h.tx_count = o.at("tx_count").to_number<std::uint32_t>();
            h.producer = *key_from_address(std::string(o.at("producer").as_string()));
            o["hash"] = to_hex(block_hash(h));
        });
        auto r = Cli(wallet, "127.0.0.1:" + std::to_string(liar.port()))({"venue", "show", "VOLODYA"});
        CHECK(r.code == 7);
        CHECK(has(r.err, "serves a block 1 not signed by the chain's producer"));
    }
    CHECK(Cli(wallet, node_of(node))({"venue", "show", "VOLODYA"}).code == 0);
    CHECK(has(read_file(wallet / "known_tips"), " 2 " + hash_at(c, 2) + " "));
}
