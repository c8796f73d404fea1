// Limits (issue 6): each limit the node enforces is crossed here, or in the
// test named in docs/node.md's "Limits" table, against the real kopilkad.
// This file crosses those that no other scenario does: the mempool length
// (--mempool-txs-max), the request rate per client address
// (--requests-per-second-max, --requests-burst-max) and a claim code's life
// (--claim-code-ttl-s). Each case shows the
// refusal a client gets (its code, a message saying what to do), that the
// refusal costs nothing already accepted, and that service comes back.
#include "harness.h"

#include "crypto/address.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto generous = std::chrono::seconds(30);

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

// One HTTP exchange (Connection: close) on a socket bound to `from`, so the
// node sees another client address: every 127.x.y.z is this host. Returns
// all the node sent.
std::string exchange_from(const char* from, std::uint16_t port, const std::string& request) {
    const int fd = connect_from(from, port);
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + generous;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) continue;
        char buf[4096];
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return got;
}

std::string rpc_request(const std::string& body) {
    return "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A counter's value from GET /metrics, asked from `from` (its own budget).
std::uint64_t metric_from(const char* from, std::uint16_t port, const std::string& name) {
    const std::string got = exchange_from(from, port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string line_start = "\n" + name + " ";
    const auto at = got.find(line_start);
    if (got.rfind("HTTP/1.1 200", 0) != 0 || at == std::string::npos)
        throw std::runtime_error("no " + name + " in /metrics: " + got.substr(0, 200));
    return std::stoull(got.substr(at + line_start.size()));
}

// Calls node.info until the node refuses one with rate_limited; returns how
// many were served and the refusal's message (empty if none came).
std::pair<int, std::string> call_until_refused(rpc::Client& c, int tries) {
    int served = 0;
    for (int i = 0; i < tries; ++i) {
        try {
            c.call("node.info");
            ++served;
        } catch (const rpc::Error& e) {
            CHECK(e.code == rpc::rate_limited);
            return {served, e.what()};
        }
    }
    return {served, {}};
}

}  // namespace

TEST_CASE("mempool: past --mempool-txs-max a submit is refused with 2005 and a retry hint, and the accepted ones commit") {
    // Open the venue at the default block interval, then restart with a tiny
    // mempool and a long interval, so that nothing drains while we fill it.
    NodeProcess node;
    std::vector<SignedTx> txs;
    {
        rpc::Client c = node.client();
        Volodi cafe(c);
        cafe.open();
        for (int i = 0; i < 5; ++i) {
            const Account to = Account::of_key(KeyPair::generate().public_key());
            txs.push_back(cafe.wallet.sign(cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), to, 1'00, "tip"}));
        }
    }
    REQUIRE(node.stop() == 0);
    constexpr std::size_t mempool_txs_max = 3;
    node.set_extra_args({"--mempool-txs-max", std::to_string(mempool_txs_max), "--block-interval-ms", "4000"});
    node.start();
    rpc::Client c = node.client();
    const auto height = c.call("node.info").at("height");

    std::vector<std::string> accepted;
    std::vector<std::size_t> refused;
    for (std::size_t i = 0; i < txs.size(); ++i) {
        try {
            auto r = c.call("tx.submit", json::object{{"blob", TestWallet::blob(txs[i])}, {"wait", false}});
            CHECK(str(r, "status") == "accepted");
            accepted.push_back(str(r, "id"));
        } catch (const rpc::Error& e) {
            INFO(e.what());
            CHECK(e.code == rpc::mempool_full);
            CHECK_THAT(e.what(), Catch::Contains(std::to_string(mempool_txs_max) + " transactions waiting") &&
                                     Catch::Contains("retry"));
            refused.push_back(i);
        }
    }
    CHECK(accepted.size() == mempool_txs_max);
    CHECK(refused.size() == txs.size() - mempool_txs_max);
    // The node says it is full; the refused ones are not pending.
    CHECK(c.call("node.info").at("mempool") == mempool_txs_max);
    CHECK(c.call("node.info").at("height") == height);
    for (auto i : refused)
        CHECK(str(c.call("tx.get", json::object{{"id", to_hex(tx_id(txs[i].tx))}}), "status") != "committed");

    // The accepted ones commit when the block closes...
    const bool committed = wait_until(
        [&] {
            for (const auto& id : accepted)
                if (str(c.call("tx.get", json::object{{"id", id}}), "status") != "committed") return false;
            return true;
        },
        generous);
    CHECK(committed);
    // ...and then the refused ones are taken: the refusal cost nothing but a retry.
    for (auto i : refused) {
        auto r = c.call("tx.submit", json::object{{"blob", TestWallet::blob(txs[i])}, {"wait", true}});
        CHECK(str(r, "status") == "committed");
    }
    CHECK(c.call("node.info").at("mempool") == 0);
}

TEST_CASE("requests per client address: over --requests-per-second-max a client gets 2003 / HTTP 429 with Retry-After, other addresses are served, and it recovers") {
    constexpr int per_second = 5;
    constexpr int burst = 10;
    NodeProcess node({"--requests-per-second-max", std::to_string(per_second), "--requests-burst-max",
                      std::to_string(burst)});
    rpc::Client c = node.client();
    // Waits until this address's bucket is full again (burst / rate, plus slack).
    auto refill = [] { std::this_thread::sleep_for(std::chrono::milliseconds(1000 * burst / per_second + 300)); };
    refill();  // the harness's own start-up probes count too
    CHECK(metric_from("127.0.0.3", node.port(), "kopilka_rpc_rate_limited_total") == 0);

    // Loopback is not exempt: a burst is served, then refused with a hint.
    auto [served, refusal] = call_until_refused(c, 4 * burst);
    CHECK(served >= burst);
    CHECK(served < 4 * burst);
    INFO(refusal);
    CHECK_THAT(refusal, Catch::Contains("too many requests from this address") && Catch::Contains("retry in"));

    // Plain HTTP: 429 with Retry-After, the JSON-RPC error carries the call's id.
    // (Asked until refused: on a slow machine the bucket may have refilled a
    // request's worth since the refusal above.)
    {
        std::string got;
        for (int i = 0; i < 4 * burst; ++i) {
            got = exchange_from("127.0.0.1", node.port(),
                                rpc_request(R"({"jsonrpc":"2.0","id":77,"method":"node.info"})"));
            if (got.rfind("HTTP/1.1 429", 0) == 0) break;
        }
        INFO(got);
        CHECK(got.rfind("HTTP/1.1 429", 0) == 0);
        CHECK(got.find("Retry-After: ") != std::string::npos);
        auto body = json::parse(got.substr(got.find("\r\n\r\n") + 4));
        CHECK(body.at("id") == 77);
        CHECK(body.at("error").at("code") == rpc::rate_limited);
    }
    // Both refusals (and any retries) are counted for the operator.
    CHECK(metric_from("127.0.0.3", node.port(), "kopilka_rpc_rate_limited_total") >= 2);
    // Another address is served meanwhile: the budget is per address.
    {
        const std::string got = exchange_from("127.0.0.2", node.port(),
                                              rpc_request(R"({"jsonrpc":"2.0","id":1,"method":"node.info"})"));
        INFO(got);
        CHECK(got.rfind("HTTP/1.1 200", 0) == 0);
        CHECK(json::parse(got.substr(got.find("\r\n\r\n") + 4)).at("result").at("chain_id").is_string());
    }

    // A batch counts as its length: a full burst in one batch is served, the
    // very next call is refused.
    refill();
    {
        json::array batch;
        for (int i = 0; i < burst; ++i)
            batch.push_back(json::object{{"jsonrpc", "2.0"}, {"id", i}, {"method", "node.info"}});
        auto r = post_rpc(c, json::serialize(batch));
        CHECK(r.status == 200);
        REQUIRE(r.json.is_array());
        CHECK(r.json.as_array().size() == static_cast<std::size_t>(burst));
        CHECK(r.json.as_array()[0].as_object().contains("result"));
        // Nothing is left: the next call is refused (or one soon after, if
        // the batch itself took a while).
        auto [after, message] = call_until_refused(c, burst);
        CHECK_FALSE(message.empty());
        CHECK(after < burst / 2);
    }

    // WebSocket calls count too; the session is answered by id and stays open.
    refill();
    {
        rpc::WsClient ws("127.0.0.1", node.port());
        int ws_served = 0;
        std::string ws_refusal;
        for (int i = 0; i < 4 * burst && ws_refusal.empty(); ++i) {
            try {
                ws.call("node.info");
                ++ws_served;
            } catch (const rpc::Error& e) {
                CHECK(e.code == rpc::rate_limited);
                ws_refusal = e.what();
            }
        }
        CHECK(ws_served >= burst - 1);  // the upgrade request took one
        CHECK_THAT(ws_refusal, Catch::Contains("retry in"));
        refill();
        CHECK(ws.call("node.info").at("chain_id").is_string());
    }

    // After waiting, the same address is served again.
    refill();
    CHECK(c.call("node.info").at("chain_id").is_string());
    CHECK(c.get("/health").status == 200);
}

TEST_CASE("claim codes: a code older than --claim-code-ttl-s no longer works, and a new one does") {
    NodeProcess node({"--claim-code-ttl-s", "1"});
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    const std::string phone = "+79000000031";
    CHECK(c.call("phone.claim.request", json::object{{"phone", phone}}).at("sent") == true);
    auto code = claim_code_from_outbox(admin, phone);
    REQUIRE(code);
    std::this_thread::sleep_for(1500ms);
    auto e = error_of(c, "phone.claim.confirm",
                      json::object{{"phone", phone}, {"code", *code}, {"key", address_from_key(KeyPair::generate().public_key())}});
    CHECK(e.code == rpc::code_invalid);
    CHECK_THAT(e.what(), Catch::Contains("expired"));
    CHECK(std::string(e.what()).find(*code) == std::string::npos);

    CHECK(c.call("phone.claim.request", json::object{{"phone", phone}}).at("sent") == true);
    std::optional<std::string> fresh;
    wait_until([&] { return (fresh = claim_code_from_outbox(admin, phone)) && *fresh != *code; }, generous);
    REQUIRE(fresh);
    auto r = c.call("phone.claim.confirm",
                    json::object{{"phone", phone}, {"code", *fresh}, {"key", address_from_key(KeyPair::generate().public_key())}});
    CHECK(r.at("attestation").is_string());
}
