// The HTTP/WebSocket transport of kopilkad (node/server) and the RPC clients
// (rpc/client), driven against a small in-test RpcHandler: this proves the
// transport — keep-alive, deferred answers, limits, timeouts, WebSocket
// pushes, shutdown — not the ledger methods, which have their own tests.
//
// Assertions are on behaviour, with generous deadlines; nothing asserts on
// how long something took.
#include "node/server.h"
#include "rpc/client.h"
#include "rpc/protocol.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <algorithm>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using kopilka::node::CallContext;
using kopilka::node::RpcHandler;
using kopilka::node::Server;
using kopilka::node::ServerLimits;
namespace rpc = kopilka::rpc;
namespace json = boost::json;

namespace {

constexpr auto wait_max = 2s;  // generous: only a failing test waits this long

// Waits until `pred` holds or the deadline passes; returns pred().
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = wait_max) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return pred();
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// Methods:
//   echo          → params
//   later {ms}    → params, answered from another thread after ms
//   whoami        → {admin, session, ip}
//   subscribe     → keeps ctx.push; from another thread pushes a note, then answers
//   costly {n}    → ctx.charge(n) after the fact; answers {wait_ms} it returned
//   big {bytes}   → {pad: that many bytes}
//   (no id)       → notification: empty answer
class TestHandler : public RpcHandler {
public:
    ~TestHandler() override {
        std::lock_guard lock(mu_);
        for (auto& t : workers_) t.join();
    }

    void handle(std::string body, CallContext ctx, std::function<void(std::string)> done) override {
        json::value req = json::parse(body);
        auto& o = req.as_object();
        std::string method(o.at("method").as_string());
        json::value params = o.contains("params") ? o.at("params") : json::value(nullptr);
        if (!o.contains("id")) return done("");
        json::value id = o.at("id");
        auto answer = [id](json::value result) { return json::serialize(rpc::make_result(id, std::move(result))); };

        if (method == "echo") return done(answer(params));
        if (method == "big") return done(answer(json::object{{"pad", std::string(params.at("bytes").to_number<std::size_t>(), 'p')}}));
        if (method == "costly") {
            const auto n = params.at("n").to_number<std::uint64_t>();
            return done(answer(json::object{{"wait_ms", ctx.charge ? ctx.charge(n) : 0}}));
        }
        if (method == "whoami") {
            return done(answer(json::object{{"admin", ctx.admin}, {"session", ctx.session}, {"ip", ctx.client_ip}}));
        }
        if (method == "later") {
            auto wait = std::chrono::milliseconds(params.at("ms").to_number<std::int64_t>());
            return spawn([=] {
                std::this_thread::sleep_for(wait);
                done(answer(params));
            });
        }
        if (method == "subscribe") {
            {
                std::lock_guard lock(mu_);
                push_ = ctx.push;
                subscribed_ = ctx.session;
            }
            return spawn([=] {
                ctx.push(R"({"jsonrpc":"2.0","method":"note","params":{"n":0}})");
                done(answer(json::object{{"session", ctx.session}}));
            });
        }
        done(json::serialize(rpc::make_error(id, rpc::method_not_found, "no such method")));
    }

    void session_closed(std::uint64_t session) override {
        std::lock_guard lock(mu_);
        closed_sessions_.push_back(session);
    }
    bool admin_token_ok(std::string_view token) override { return token == "s3cret"; }
    std::string health() override { return R"({"ok":true})"; }
    std::string metrics() override { return "kopilka_up 1\n"; }
    void connection_opened() override { ++opened; }
    void connection_closed() override { ++closed; }
    void connection_refused(bool per_address) noexcept override { ++(per_address ? refused_per_address : refused); }
    void connection_dropped_send_queue() noexcept override { ++dropped_send_queue; }

    std::function<void(std::string)> push() {
        std::lock_guard lock(mu_);
        return push_;
    }
    std::uint64_t subscribed() {
        std::lock_guard lock(mu_);
        return subscribed_;
    }
    bool session_was_closed(std::uint64_t s) {
        std::lock_guard lock(mu_);
        return std::find(closed_sessions_.begin(), closed_sessions_.end(), s) != closed_sessions_.end();
    }

    std::atomic<int> opened{0};
    std::atomic<int> closed{0};
    std::atomic<int> refused{0};
    std::atomic<int> refused_per_address{0};
    std::atomic<int> dropped_send_queue{0};

private:
    void spawn(std::function<void()> f) {
        std::lock_guard lock(mu_);
        workers_.emplace_back(std::move(f));
    }

    std::mutex mu_;
    std::vector<std::thread> workers_;
    std::function<void(std::string)> push_;
    std::uint64_t subscribed_ = 0;
    std::vector<std::uint64_t> closed_sessions_;
};

// A plain TCP socket, for clients that misbehave on purpose.
class RawSocket {
public:
    // `from`: the local address to connect from (any 127.x.y.z is this host
    // too), so a test can be two clients at two addresses.
    explicit RawSocket(std::uint16_t port, const char* from = nullptr) {
        // No Catch assertions here: some tests use raw sockets from a thread.
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) throw std::runtime_error("socket() failed");
        if (from) {
            sockaddr_in local{};
            local.sin_family = AF_INET;
            ::inet_pton(AF_INET, from, &local.sin_addr);
            if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
                ::close(fd_);
                throw std::runtime_error("bind() failed");
            }
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd_);
            throw std::runtime_error("connect() failed");
        }
    }
    ~RawSocket() { close(); }
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    // False once the peer has closed (send fails).
    bool send(std::string_view s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }

    // Reads until the peer closes or `limit` passes. True when it closed.
    bool closed_by_peer(std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() < 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            char buf[4096];
            auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return true;
            received.append(buf, static_cast<std::size_t>(n));
        }
    }

    // Reads until `received` holds `text` or `limit` passes. True when it does.
    bool read_until(std::string_view text, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (received.find(text) == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() < 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            char buf[4096];
            auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return false;
            received.append(buf, static_cast<std::size_t>(n));
        }
        return true;
    }

    std::string received;

private:
    int fd_ = -1;
};

ServerLimits fast_limits() {
    ServerLimits l;
    l.header_timeout_ms = 2'000;
    l.idle_timeout_ms = 2'000;
    return l;
}

json::value parse(const std::string& s) { return json::parse(s); }

}  // namespace

TEST_CASE("many calls on one Client reuse one kept-alive connection", "[server]") {
    TestHandler h;
    Server server(h, fast_limits());
    server.start("127.0.0.1", 0);
    REQUIRE(server.port() != 0);
    rpc::Client client("127.0.0.1", server.port());
    for (int i = 0; i < 20; ++i) {
        auto r = client.call("echo", json::object{{"i", i}});
        REQUIRE(r.at("i").as_int64() == i);
    }
    CHECK(h.opened == 1);
    CHECK(server.connections() == 1);
}

TEST_CASE("the Client reconnects once when the node closed an idle connection", "[server]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.idle_timeout_ms = 100;
    Server server(h, limits);
    server.start("127.0.0.1", 0);
    rpc::Client client("127.0.0.1", server.port());
    REQUIRE(client.call("echo", json::object{{"n", 1}}).at("n") == 1);
    REQUIRE(eventually([&] { return server.connections() == 0; }));  // the node dropped the idle connection
    REQUIRE(client.call("echo", json::object{{"n", 2}}).at("n") == 2);
    CHECK(h.opened == 2);
}

TEST_CASE("an answer given later from another thread reaches the caller", "[server]") {
    TestHandler h;
    Server server(h, fast_limits());
    server.start("127.0.0.1", 0);
    rpc::Client slow("127.0.0.1", server.port());
    rpc::Client quick("127.0.0.1", server.port());
    json::value slow_result;
    std::thread t([&] { slow_result = slow.call("later", json::object{{"ms", 300}, {"tag", "slow"}}); });
    // Served while the other call waits for its answer.
    CHECK(quick.call("echo", json::object{{"tag", "quick"}}).at("tag") == "quick");
    t.join();
    CHECK(slow_result.at("tag") == "slow");
}

TEST_CASE("pipelined requests are answered in order", "[server]") {
    TestHandler h;
    Server server(h, fast_limits());
    server.start("127.0.0.1", 0);
    RawSocket s(server.port());
    auto request = [](const std::string& body) {
        return "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    };
    std::string first = R"({"jsonrpc":"2.0","id":"first","method":"later","params":{"ms":150}})";
    std::string second = R"({"jsonrpc":"2.0","id":"second","method":"echo","params":{}})";
    std::string last = R"({"jsonrpc":"2.0","id":"last","method":"echo","params":{}})";
    // All three in one write; "Connection: close" on the last makes the node close after it.
    std::string last_request = request(last);
    last_request.insert(last_request.find("\r\n") + 2, "Connection: close\r\n");
    REQUIRE(s.send(request(first) + request(second) + last_request));
    CHECK(s.closed_by_peer(wait_max));
    auto a = s.received.find(R"("id":"first")");
    auto b = s.received.find(R"("id":"second")");
    auto c = s.received.find(R"("id":"last")");
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    REQUIRE(c != std::string::npos);
    CHECK(a < b);
    CHECK(b < c);
    CHECK(s.received.find("Server: kopilkad\r\n") != std::string::npos);
}

TEST_CASE("Expect: 100-continue gets a 100 before the body is sent", "[server]") {
    TestHandler h;
    Server server(h, fast_limits());
    server.start("127.0.0.1", 0);
    RawSocket s(server.port());
    std::string body = R"({"jsonrpc":"2.0","id":7,"method":"echo","params":{"x":1}})";
    REQUIRE(s.send("POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                   "Connection: close\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n"));
    REQUIRE(s.read_until("\r\n\r\n", wait_max));
    CHECK(s.received == "HTTP/1.1 100 Continue\r\n\r\n");
    REQUIRE(s.send(body));
    CHECK(s.closed_by_peer(wait_max));
    CHECK(s.received.find("HTTP/1.1 200 OK") != std::string::npos);
    CHECK(s.received.find(R"("x":1)") != std::string::npos);
}

TEST_CASE("an oversized body gets 413 and the node keeps serving", "[server]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.body_bytes_max = 1024;
    Server server(h, limits);
    server.start("127.0.0.1", 0);
    rpc::Client client("127.0.0.1", server.port());

    auto res = client.post("/rpc", std::string(256 * 1024, ' '));
    CHECK(res.status == 413);
    CHECK(res.content_type == "application/json");
    auto body = parse(res.body);
    CHECK(body.at("error").at("code") == rpc::invalid_request);
    CHECK(std::string(body.at("error").at("message").as_string()).find("1024") != std::string::npos);

    // Through call(): a typed error, not a transport failure.
    try {
        client.call("echo", json::object{{"blob", std::string(4096, 'x')}});
        FAIL("expected rpc::Error");
    } catch (const rpc::Error& e) {
        CHECK(e.code == rpc::invalid_request);
    }

    rpc::Client other("127.0.0.1", server.port());
    CHECK(other.call("echo", json::object{{"ok", true}}).at("ok") == true);
    CHECK(client.call("echo", json::object{{"ok", 1}}).at("ok") == 1);
}

TEST_CASE("headers over the limit get 431", "[server]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.header_bytes_max = 1024;
    Server server(h, limits);
    server.start("127.0.0.1", 0);
    RawSocket s(server.port());
    REQUIRE(s.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(4096, 'a') + "\r\n\r\n"));
    CHECK(s.closed_by_peer(wait_max));
    CHECK(s.received.starts_with("HTTP/1.1 431"));
}

TEST_CASE("POST /rpc needs Content-Type application/json", "[server]") {
    TestHandler h;
    Server server(h, fast_limits());
    server.start("127.0.0.1", 0);
    rpc::Client client("127.0.0.1", server.port());
    std::string req = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{}})";
    CHECK(client.post("/rpc", req, "text/plain").status == 415);
    CHECK(client.post("/rpc", req, "application/json; charset=utf-8").status == 200);
    CHECK(client.post("/rpc", req).status == 200);
}

TEST_CASE("routes: unknown path 404, wrong method 405, notification 204, health, metrics", "[server]") {
    TestHandler h;
    Server server(h, fast_limits());
    server.start("127.0.0.1", 0);
    rpc::Client client("127.0.0.1", server.port());

    auto nf = client.get("/nope");
    CHECK(nf.status == 404);
    CHECK(nf.content_type == "application/json");
    CHECK(parse(nf.body).is_object());

    CHECK(client.get("/rpc").status == 405);
    CHECK(client.post("/rpc", R"({"jsonrpc":"2.0","method":"tick"})").status == 204);

    auto health = client.get("/health");
    CHECK(health.status == 200);
    CHECK(health.content_type == "application/json");
    CHECK(health.body == R"({"ok":true})");

    auto metrics = client.get("/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.content_type == "text/plain; version=0.0.4");
    CHECK(metrics.body == "kopilka_up 1\n");

    CHECK(client.get("/ws").status == 426);  // not an upgrade
    CHECK(h.opened == 1);  // every one of those on one connection
}

TEST_CASE("a slowloris client is cut off while others are served", "[server]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.header_timeout_ms = 500;
    Server server(h, limits);
    server.start("127.0.0.1", 0);

    std::atomic<bool> cut_off{false};
    std::thread slowloris([&] {
        RawSocket s(server.port());
        // A valid request that never ends: one more header byte every 200 ms.
        const std::string headers = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(100, 'a');
        const auto deadline = std::chrono::steady_clock::now() + 4s;
        for (std::size_t i = 0; i < headers.size() && std::chrono::steady_clock::now() < deadline; ++i) {
            if (!s.send(std::string_view(headers).substr(i, 1)) || s.closed_by_peer(200ms)) {
                cut_off = true;
                return;
            }
        }
    });
    std::this_thread::sleep_for(200ms);
    rpc::Client client("127.0.0.1", server.port());
    CHECK(client.call("echo", json::object{{"served", true}}).at("served") == true);
    slowloris.join();
    CHECK(cut_off);
}

TEST_CASE("connections over connections_max are refused, and closing one makes room", "[server]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.connections_max = 3;
    limits.header_timeout_ms = 10'000;  // the idle raw sockets must not time out meanwhile
    limits.connections_per_address_max = 3;  // this test's sockets all come from one address
    Server server(h, limits);
    server.start("127.0.0.1", 0);

    std::vector<std::unique_ptr<RawSocket>> socks;
    for (int i = 0; i < 3; ++i) socks.push_back(std::make_unique<RawSocket>(server.port()));
    REQUIRE(eventually([&] { return server.connections() == 3; }));

    RawSocket extra(server.port());
    CHECK(extra.closed_by_peer(wait_max));
    // It may or may not get to read the best-effort 503 before the close.
    if (!extra.received.empty()) CHECK(extra.received.starts_with("HTTP/1.1 503"));
    CHECK(server.connections() == 3);
    CHECK(h.opened == 3);  // refused sockets never reach the handler's counters
    CHECK(h.refused == 1);
    for (auto& s : socks) CHECK_FALSE(s->closed_by_peer(0ms));

    socks[0]->close();
    REQUIRE(eventually([&] { return server.connections() == 2; }));
    rpc::Client client("127.0.0.1", server.port());
    CHECK(client.call("echo", json::object{{"room", true}}).at("room") == true);
    CHECK(h.closed == 1);
}

TEST_CASE("WebSocket: call, push from another thread, session_closed on disconnect", "[server][ws]") {
    TestHandler h;
    Server server(h, fast_limits());
    server.start("127.0.0.1", 0);

    rpc::WsClient ws("127.0.0.1", server.port());
    CHECK(ws.call("echo", json::object{{"x", 1}}).at("x") == 1);
    auto me = ws.call("whoami");
    CHECK(me.at("session") == 1);  // sessions are numbered from 1
    CHECK(me.at("admin") == false);
    CHECK(me.at("ip") == "127.0.0.1");

    // The handler pushes a note before it answers: call() keeps the note for receive().
    auto sub = ws.call("subscribe");
    CHECK(sub.at("session") == 1);
    auto note = ws.receive(wait_max);
    REQUIRE(note);
    CHECK(parse(*note).at("params").at("n") == 0);

    auto push = h.push();
    REQUIRE(push);
    std::thread([&] { push(R"({"jsonrpc":"2.0","method":"note","params":{"n":1}})"); }).join();
    note = ws.receive(wait_max);
    REQUIRE(note);
    CHECK(parse(*note).at("params").at("n") == 1);
    CHECK_FALSE(ws.receive(50ms));  // nothing more: a timeout, not an error
    // The read left waiting by that timeout takes the next response.
    CHECK(ws.call("echo", json::object{{"after", "timeout"}}).at("after") == "timeout");

    // A second session gets the next id.
    {
        rpc::WsClient ws2("127.0.0.1", server.port());
        CHECK(ws2.call("whoami").at("session") == 2);
    }
    CHECK(eventually([&] { return h.session_was_closed(2); }));

    ws.close();
    CHECK(eventually([&] { return h.session_was_closed(1); }));
    CHECK(eventually([&] { return server.connections() == 0; }));
    push(R"({"late":true})");  // a push to a closed session is dropped quietly
    CHECK_THROWS_AS(ws.receive(50ms), rpc::TransportError);
}

TEST_CASE("a WebSocket reader that falls behind its send queue is dropped", "[server][ws]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.ws_send_queue_max = 4;
    Server server(h, limits);
    server.start("127.0.0.1", 0);

    rpc::WsClient ws("127.0.0.1", server.port());
    auto session = ws.call("subscribe").at("session").to_number<std::uint64_t>();
    auto push = h.push();
    // 10x the limit, in frames big enough to fill the kernel's socket buffers,
    // while the client reads nothing.
    const std::string frame = R"({"jsonrpc":"2.0","method":"note","params":{"pad":")" + std::string(1 << 20, 'p') + R"("}})";
    for (std::size_t i = 0; i < 10 * limits.ws_send_queue_max; ++i) push(frame);
    CHECK(eventually([&] { return h.session_was_closed(session); }));
    CHECK(eventually([&] { return server.connections() == 0; }));

    // The client reads what was already sent, then learns the session is gone.
    bool ended = false;
    try {
        for (int i = 0; i < 100; ++i) (void)ws.receive(wait_max);
    } catch (const rpc::TransportError&) {
        ended = true;
    }
    CHECK(ended);
}

TEST_CASE("the admin flag is set only by the right bearer token", "[server]") {
    TestHandler h;
    Server server(h, fast_limits());
    server.start("127.0.0.1", 0);
    CHECK(rpc::Client("127.0.0.1", server.port(), "s3cret").call("whoami").at("admin") == true);
    CHECK(rpc::Client("127.0.0.1", server.port(), "wrong").call("whoami").at("admin") == false);
    CHECK(rpc::Client("127.0.0.1", server.port()).call("whoami").at("admin") == false);
    CHECK(rpc::WsClient("127.0.0.1", server.port(), "s3cret").call("whoami").at("admin") == true);
    CHECK(rpc::WsClient("127.0.0.1", server.port(), "nope").call("whoami").at("admin") == false);
}

TEST_CASE("stop() closes connections, is safe twice, and late answers are dropped", "[server]") {
    TestHandler h;  // outlives the server: its worker answers after the server is gone
    std::uint16_t port = 0;
    {
        Server server(h, fast_limits());
        server.start("127.0.0.1", 0);
        port = server.port();
        rpc::Client client("127.0.0.1", port);
        CHECK(client.call("echo", json::object{{"n", 1}}).at("n") == 1);

        std::atomic<bool> cut{false};
        std::thread waiting([&] {
            rpc::Client c("127.0.0.1", port);
            try {
                c.call("later", json::object{{"ms", 300}});
            } catch (const rpc::TransportError&) {
                cut = true;
            }
        });
        REQUIRE(eventually([&] { return server.connections() == 2; }));
        server.stop();
        server.stop();
        waiting.join();
        CHECK(cut);
        CHECK(server.connections() == 0);
        CHECK(h.opened == h.closed);
        CHECK_THROWS_AS(client.call("echo"), rpc::TransportError);
    }  // the destructor stops a third time
}

TEST_CASE("transport errors say what to do", "[server]") {
    TestHandler h;
    std::uint16_t port = 0;
    {
        Server server(h, fast_limits());
        server.start("127.0.0.1", 0);
        port = server.port();

        Server second(h, fast_limits());
        try {
            second.start("127.0.0.1", port);
            FAIL("expected the port to be in use");
        } catch (const std::runtime_error& e) {
            CHECK_THAT(e.what(), Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(port)) &&
                                     Catch::Contains("in use"));
        }
    }
    rpc::Client client("127.0.0.1", port);
    try {
        client.call("echo");
        FAIL("expected a TransportError");
    } catch (const rpc::TransportError& e) {
        CHECK_THAT(e.what(), Catch::Contains("cannot reach kopilkad at 127.0.0.1:" + std::to_string(port)) &&
                                 Catch::Contains("connection refused"));
    }
    CHECK_THROWS_AS(rpc::WsClient("127.0.0.1", port), rpc::TransportError);
}

// ---------------------------------------------------------------------------
// Requests per client address (ServerLimits::requests_per_second_max).

TEST_CASE("the request rate limiter: a burst, then the rate, per address, in bounded memory", "[server][rate]") {
    using kopilka::node::RequestRateLimiter;
    RequestRateLimiter rate(10, 20);  // 10 a second, bursts of 20: a token every 100 ms
    std::uint64_t t = 1'000'000;
    for (int i = 0; i < 20; ++i) REQUIRE(rate.take("10.0.0.1", 1, t) == 0);
    CHECK(rate.take("10.0.0.1", 1, t) == 100);  // nothing charged for a refusal
    CHECK(rate.take("10.0.0.1", 1, t + 99) == 1);
    CHECK(rate.take("10.0.0.1", 1, t + 100) == 0);
    CHECK(rate.take("10.0.0.2", 1, t + 100) == 0);  // another address has its own bucket
    // A batch costs its length; one longer than the burst costs the burst.
    t += 10'000;  // refilled
    CHECK(rate.take("10.0.0.1", 15, t) == 0);
    CHECK(rate.take("10.0.0.1", 15, t) == 1000);  // 10 missing at 10/s
    t += 10'000;
    CHECK(rate.take("10.0.0.1", 5000, t) == 0);
    CHECK(rate.take("10.0.0.1", 1, t) == 100);
    // IPv6 is counted per /64: one host, many addresses, one bucket.
    for (int i = 0; i < 20; ++i) REQUIRE(rate.take("2001:db8:1:2::" + std::to_string(i + 1), 1, t) == 0);
    CHECK(rate.take("2001:db8:1:2:ffff::9", 1, t) != 0);
    CHECK(rate.take("2001:db8:1:3::1", 1, t) == 0);

    // A spray of addresses cannot grow the table past its bound...
    for (std::size_t i = 0; i < RequestRateLimiter::tracked_addresses_max + 1000; ++i) {
        const std::string a = "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." +
                              std::to_string(i & 255);
        rate.take(a, 1, t);
    }
    CHECK(rate.tracked_addresses() == RequestRateLimiter::tracked_addresses_max);
    // ...and addresses that went quiet (their buckets refilled) are forgotten.
    t += 3'000;
    CHECK(rate.take("192.0.2.1", 1, t) == 0);
    CHECK(rate.tracked_addresses() == 1);

    RequestRateLimiter off(0, 20);
    for (int i = 0; i < 1000; ++i) REQUIRE(off.take("10.0.0.1", 1000, t) == 0);
    CHECK(off.tracked_addresses() == 0);
}

TEST_CASE("jsonrpc_call_count counts a batch's calls without parsing it", "[server][rate]") {
    using kopilka::node::jsonrpc_call_count;
    CHECK(jsonrpc_call_count(R"({"jsonrpc":"2.0","id":1,"method":"a"})") == 1);
    CHECK(jsonrpc_call_count(R"( [ {"id":1,"params":[1,2,{"x":"],["}]}, {"id":"[,]\"],"} ,3] )") == 3);
    CHECK(jsonrpc_call_count("[]") == 1);
    CHECK(jsonrpc_call_count("[{}]") == 1);
    CHECK(jsonrpc_call_count("") == 1);
    CHECK(jsonrpc_call_count("not json") == 1);
    CHECK(jsonrpc_call_count("[1,2,") >= 1);  // truncated: some count, the handler refuses it
    std::string batch = "[";
    for (int i = 0; i < 1000; ++i) batch += std::string(i ? "," : "") + R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + "}";
    CHECK(jsonrpc_call_count(batch + "]") == 1000);
}

TEST_CASE("over the request rate: HTTP 429 with Retry-After and the call's id, other addresses are served, and it recovers", "[server][rate]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.requests_per_second_max = 1;
    limits.requests_burst_max = 3;
    Server server(h, limits);
    server.start("127.0.0.1", 0);

    rpc::Client client("127.0.0.1", server.port());
    int served = 0;
    std::string refusal;
    for (int i = 0; i < 10 && refusal.empty(); ++i) {
        try {
            client.call("echo", json::object{{"i", i}});
            ++served;
        } catch (const rpc::Error& e) {
            CHECK(e.code == rpc::rate_limited);
            refusal = e.what();
        }
    }
    CHECK(served >= 3);
    INFO(refusal);
    CHECK_THAT(refusal, Catch::Contains("retry in") && Catch::Contains("ms"));

    // The raw reply: 429, Retry-After in whole seconds, the error carries the id.
    // (Asked until refused: a slow machine may have refilled a token since.)
    {
        const std::string body = R"({"jsonrpc":"2.0","id":"abc","method":"echo"})";
        std::string got;
        for (int i = 0; i < 5 && !got.starts_with("HTTP/1.1 429"); ++i) {
            RawSocket raw(server.port());
            raw.send("POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
            raw.closed_by_peer(wait_max);
            got = raw.received;
        }
        INFO(got);
        CHECK(got.starts_with("HTTP/1.1 429"));
        CHECK_THAT(got, Catch::Contains("Retry-After: 1\r\n"));
        auto reply = parse(got.substr(got.find("\r\n\r\n") + 4));
        CHECK(reply.at("id") == "abc");
        CHECK(reply.at("error").at("code") == rpc::rate_limited);
    }
    // A batch over the limit gets one error per call, each with its id; a
    // notification in it gets none.
    {
        auto got = client.post("/rpc", R"([{"jsonrpc":"2.0","id":1,"method":"echo"},{"jsonrpc":"2.0","method":"echo"},)"
                                       R"({"jsonrpc":"2.0","id":2,"method":"echo"}])");
        CHECK(got.status == 429);
        auto reply = parse(got.body);
        REQUIRE(reply.is_array());
        REQUIRE(reply.as_array().size() == 2);
        CHECK(reply.as_array()[0].at("id") == 1);
        CHECK(reply.as_array()[1].at("id") == 2);
        CHECK(reply.as_array()[1].at("error").at("code") == rpc::rate_limited);
    }
    // /health and the rest count too.
    int health = 0;
    for (int i = 0; i < 5 && health != 429; ++i) health = client.get("/health").status;
    CHECK(health == 429);

    // Another address has its own budget.
    {
        RawSocket other(server.port(), "127.0.0.2");
        other.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        other.closed_by_peer(wait_max);
        INFO(other.received);
        CHECK(other.received.starts_with("HTTP/1.1 200"));
    }
    // After the wait the first address is served again.
    std::this_thread::sleep_for(1100ms);
    CHECK(client.call("echo", json::object{{"again", true}}).at("again") == true);
}

TEST_CASE("over the request rate a WebSocket gets errors with its calls' ids and stays open", "[server][rate][ws]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.requests_per_second_max = 1;
    limits.requests_burst_max = 4;  // the upgrade request costs one
    Server server(h, limits);
    server.start("127.0.0.1", 0);

    rpc::WsClient ws("127.0.0.1", server.port());
    int served = 0;
    std::string refusal;
    for (int i = 0; i < 10 && refusal.empty(); ++i) {
        try {
            ws.call("echo", json::object{{"i", i}});  // answered by id: a refusal with id null would hang here
            ++served;
        } catch (const rpc::Error& e) {
            CHECK(e.code == rpc::rate_limited);
            refusal = e.what();
        }
    }
    CHECK(served >= 3);
    CHECK_THAT(refusal, Catch::Contains("retry in"));
    std::this_thread::sleep_for(1100ms);
    CHECK(ws.call("echo", json::object{{"again", true}}).at("again") == true);
    CHECK(server.connections() == 1);
}

TEST_CASE("a WebSocket message over ws_message_bytes_max closes the session, and others are served", "[server][ws]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.ws_message_bytes_max = 4 * 1024;
    Server server(h, limits);
    server.start("127.0.0.1", 0);

    rpc::WsClient ws("127.0.0.1", server.port());
    const auto session = ws.call("whoami").at("session").to_number<std::uint64_t>();
    // Under the limit: answered.
    CHECK(ws.call("echo", json::object{{"pad", std::string(2 * 1024, 'p')}}).at("pad").as_string().size() == 2 * 1024);
    // Over it: the node closes the session rather than buffer the message.
    bool ended = false;
    try {
        ws.send(R"({"jsonrpc":"2.0","id":9,"method":"echo","params":{"pad":")" + std::string(64 * 1024, 'p') + R"("}})");
        for (int i = 0; i < 10; ++i) (void)ws.receive(wait_max);
    } catch (const rpc::TransportError&) {
        ended = true;
    }
    CHECK(ended);
    CHECK(eventually([&] { return h.session_was_closed(session); }));
    CHECK(rpc::WsClient("127.0.0.1", server.port()).call("echo", json::object{{"ok", true}}).at("ok") == true);
}

// ---------------------------------------------------------------------------
// Issue 13: connections per address, bytes queued per connection, cost.

TEST_CASE("connections over connections_per_address_max from one address are refused, and other addresses are served", "[server][abuse]") {
    CHECK(ServerLimits{}.connections_per_address() == 512 / kopilka::node::connections_per_address_divisor);
    TestHandler h;
    auto limits = fast_limits();
    limits.connections_max = 16;
    limits.connections_per_address_max = 2;
    limits.header_timeout_ms = 10'000;  // the idle sockets must not time out meanwhile
    Server server(h, limits);
    server.start("127.0.0.1", 0);

    std::vector<std::unique_ptr<RawSocket>> squatters;
    for (int i = 0; i < 2; ++i) squatters.push_back(std::make_unique<RawSocket>(server.port()));
    REQUIRE(eventually([&] { return server.connections() == 2; }));
    // A third from the same address is closed at once with a 503 naming the limit...
    for (int i = 0; i < 3; ++i) {
        RawSocket extra(server.port());
        CHECK(extra.closed_by_peer(wait_max));
        if (!extra.received.empty()) {
            CHECK(extra.received.starts_with("HTTP/1.1 503"));
            CHECK_THAT(extra.received, Catch::Contains("this address has 2 connections open"));
        }
    }
    CHECK(server.connections() == 2);
    CHECK(h.refused_per_address == 3);
    CHECK(h.opened == 2);
    // ...while another address (127.0.0.2 is this host too) is served.
    {
        RawSocket other(server.port(), "127.0.0.2");
        other.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        other.closed_by_peer(wait_max);
        INFO(other.received);
        CHECK(other.received.starts_with("HTTP/1.1 200"));
    }
    // Closing one gives its address the room back.
    squatters[0]->close();
    REQUIRE(eventually([&] { return server.connections() == 1; }));
    rpc::Client client("127.0.0.1", server.port());
    CHECK(client.call("echo", json::object{{"room", true}}).at("room") == true);
    CHECK(h.refused == 0);
}

TEST_CASE("a WebSocket whose queued answers pass send_queue_bytes_max is dropped, though under its frame count", "[server][ws][abuse]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.ws_send_queue_max = 1024;
    limits.send_queue_bytes_max = 256 * 1024;
    Server server(h, limits);
    server.start("127.0.0.1", 0);

    rpc::WsClient ws("127.0.0.1", server.port());
    auto session = ws.call("subscribe").at("session").to_number<std::uint64_t>();
    auto push = h.push();
    // 64 frames of 64 KiB (4 MiB, far under 1024 frames), while the client reads nothing.
    const std::string frame = R"({"jsonrpc":"2.0","method":"note","params":{"pad":")" + std::string(64 * 1024, 'p') + R"("}})";
    for (int i = 0; i < 64; ++i) push(frame);
    CHECK(eventually([&] { return h.session_was_closed(session); }));
    CHECK(eventually([&] { return server.connections() == 0; }));
    CHECK(h.dropped_send_queue == 1);
}

TEST_CASE("an HTTP answer over send_queue_bytes_max is not sent: a 500 says why and the connection closes", "[server][abuse]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.send_queue_bytes_max = 64 * 1024;
    Server server(h, limits);
    server.start("127.0.0.1", 0);
    rpc::Client client("127.0.0.1", server.port());
    // Under the limit: answered.
    CHECK(client.call("echo", json::object{{"pad", std::string(16 * 1024, 'p')}}).at("pad").as_string().size() == 16 * 1024);
    auto res = client.post("/rpc", json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "echo"},
                                                                {"params", json::object{{"pad", std::string(100 * 1024, 'p')}}}}));
    CHECK(res.status == 500);
    INFO(res.body);
    CHECK_THAT(res.body, Catch::Contains("send-queue-bytes-max of 65536"));
    CHECK(h.dropped_send_queue == 1);
    CHECK(eventually([&] { return server.connections() == 0; }));
}

TEST_CASE("the request rate limiter: charge() after the fact puts an address in debt, bounded", "[server][rate][abuse]") {
    using kopilka::node::RequestRateLimiter;
    RequestRateLimiter rate(10, 20);  // a token every 100 ms
    std::uint64_t t = 1'000'000;
    CHECK(rate.charge("10.0.0.1", 0, t) == 0);
    CHECK(rate.charge("10.0.0.1", 15, t) == 0);   // 5 left
    CHECK(rate.charge("10.0.0.1", 15, t) == 1000);  // 10 owed at 10 a second
    CHECK(rate.take("10.0.0.1", 1, t) == 1100);   // refused until the debt and one more are paid
    CHECK(rate.take("10.0.0.1", 1, t + 1100) == 0);
    CHECK(rate.take("10.0.0.2", 1, t) == 0);  // other addresses are not affected
    // However big the cost, the debt stops at debt_s_max seconds of refill.
    CHECK(rate.charge("10.0.0.3", 1'000'000'000'000ULL, t) == RequestRateLimiter::debt_s_max * 1000);
    CHECK(rate.take("10.0.0.3", 1, t + RequestRateLimiter::debt_s_max * 1000 + 99) != 0);
    CHECK(rate.take("10.0.0.3", 1, t + RequestRateLimiter::debt_s_max * 1000 + 100) == 0);
    RequestRateLimiter off(0, 20);
    CHECK(off.charge("10.0.0.1", 1'000'000, t) == 0);
}

TEST_CASE("a handler's after-the-fact charge counts against its address's next requests", "[server][rate][abuse]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.requests_per_second_max = 1;
    limits.requests_burst_max = 10;
    Server server(h, limits);
    server.start("127.0.0.1", 0);
    rpc::Client client("127.0.0.1", server.port());
    // One call, then a cost of 20 more: 11 in debt.
    CHECK(client.call("costly", json::object{{"n", 20}}).at("wait_ms").to_number<std::uint64_t>() > 0);
    try {
        client.call("echo");
        FAIL("expected the address to be refused while in debt");
    } catch (const rpc::Error& e) {
        CHECK(e.code == rpc::rate_limited);
    }
    RawSocket other(server.port(), "127.0.0.2");
    other.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    other.closed_by_peer(wait_max);
    CHECK(other.received.starts_with("HTTP/1.1 200"));
}

TEST_CASE("answers unread on every connection together stop at send_queue_bytes_total_max: a 503 to retry, then room again", "[server][abuse]") {
    TestHandler h;
    auto limits = fast_limits();
    limits.send_queue_bytes_max = 32 << 20;
    limits.send_queue_bytes_total_max = 24 << 20;
    limits.idle_timeout_ms = 10'000;  // the unread answer must stay queued meanwhile
    Server server(h, limits);
    server.start("127.0.0.1", 0);
    auto big = [](int id) {
        const std::string body = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":"big","params":{"bytes":16777216}})";
        return "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    };
    // 16 MiB that this client never reads: far more than the kernel's
    // socket buffers take, so most of it stays queued in the node.
    RawSocket unread(server.port());
    REQUIRE(unread.send(big(1)));
    // Its answer has begun to arrive, so it is queued (a few KiB read of 16 MiB).
    REQUIRE(unread.read_until("HTTP/1.1 200", wait_max));
    // Another 16 MiB would pass the 24 MiB the node may hold: refused, to retry.
    {
        RawSocket second(server.port(), "127.0.0.2");
        REQUIRE(second.send(big(2)));
        CHECK(second.read_until("\r\n\r\n", wait_max));
        INFO(second.received.substr(0, 400));
        CHECK(second.received.starts_with("HTTP/1.1 503"));
        CHECK_THAT(second.received, Catch::Contains("Retry-After: 1"));
        CHECK(second.closed_by_peer(wait_max));
        CHECK_THAT(second.received, Catch::Contains("have not read yet"));
    }
    CHECK(h.dropped_send_queue == 1);
    // Once the reader that never read is gone, its bytes are given back.
    unread.close();
    REQUIRE(eventually([&] { return server.connections() == 0; }));
    rpc::Client client("127.0.0.1", server.port());
    CHECK(client.call("big", json::object{{"bytes", 16 << 20}}).at("pad").as_string().size() == 16u << 20);
}
