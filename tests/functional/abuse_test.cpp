// Trust under attack (issue 13), against the real kopilkad: one address
// trying to take the node's connections, memory or CPU from everyone else,
// and JSON-RPC batch members that are not requests at all. Each case shows
// the limit that stops it and that other clients keep being served.
//
// Other clients come from 127.0.0.2: every 127.x.y.z is this host, and the
// node counts it as another address. Nothing asserts how long anything took;
// latencies are printed (p50, p99) for the reader.
#include "harness.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto generous = std::chrono::seconds(30);
constexpr const char* attacker = "127.0.0.1";
constexpr const char* other_client = "127.0.0.2";
// kopilkad's defaults these cases rely on (node/server.h, node/node.h).
constexpr std::size_t connections_max = 512;
constexpr std::size_t connections_per_address_max = connections_max / 8;
constexpr std::size_t send_queue_bytes_max = 4 << 20;
constexpr std::uint64_t request_cost_rows = 10;
// (history_page_entries_max, 500, is ledger/chain.h's.)

// A TCP connection from a chosen local address, speaking just enough
// HTTP/1.1 (keep-alive, Content-Length bodies) and WebSocket for these cases.
class Conn {
public:
    Conn(std::uint16_t port, const char* from) {
        fd_ = connect_from(from, port);
    }
    ~Conn() { ::close(fd_); }
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;

    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // One response: its status (0 when the connection closed or nothing came
    // within `timeout`); the body into `body`.
    int response(std::string& body, std::chrono::milliseconds timeout = generous) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::size_t end;
        while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
            if (!fill(deadline)) return 0;
        const std::string head = buf_.substr(0, end + 4);
        std::size_t length = 0;
        std::string lower = head;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos)
            length = std::stoul(lower.substr(p + 17));
        while (buf_.size() < end + 4 + length)
            if (!fill(deadline)) return 0;
        body = buf_.substr(end + 4, length);
        buf_.erase(0, end + 4 + length);
        return head.size() > 12 ? std::stoi(head.substr(9, 3)) : 0;
    }

    int get(const std::string& path, std::string& body) {
        if (!send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")) return 0;
        return response(body);
    }
    int post(const std::string& json_body, std::string& body) {
        if (!send(post_text(json_body))) return 0;
        return response(body);
    }
    static std::string post_text(const std::string& json_body) {
        return "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(json_body.size()) + "\r\n\r\n" + json_body;
    }

    // True once the node has closed the connection (whatever it sent is dropped).
    bool closed_within(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (!fill(deadline)) return !timed_out_;
            buf_.clear();
        }
    }

    // The WebSocket handshake; true on 101.
    bool upgrade() {
        send("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        const auto deadline = std::chrono::steady_clock::now() + generous;
        std::size_t end;
        while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
            if (!fill(deadline)) return false;
        const bool ok = buf_.starts_with("HTTP/1.1 101");
        buf_.erase(0, end + 4);
        return ok;
    }
    // A client text frame; masked, as a client's must be, with a zero key.
    static std::string ws_frame(std::string_view text) {
        std::string f(1, '\x81');
        if (text.size() < 126) {
            f += static_cast<char>(0x80 | text.size());
        } else if (text.size() < 65'536) {
            f += static_cast<char>(0x80 | 126);
            for (int shift = 8; shift >= 0; shift -= 8) f += static_cast<char>((text.size() >> shift) & 0xff);
        } else {
            f += static_cast<char>(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) f += static_cast<char>((text.size() >> shift) & 0xff);
        }
        f += std::string(4, '\0');
        f += text;
        return f;
    }

    // The next text frame from the node (unmasked, as a server's are), or
    // nullopt when the connection closed or nothing came within `timeout`.
    std::optional<std::string> ws_read(std::chrono::milliseconds timeout = generous) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            while (buf_.size() < 2)
                if (!fill(deadline)) return std::nullopt;
            const auto b = [&](std::size_t i) { return static_cast<unsigned char>(buf_[i]); };
            std::size_t head = 2, length = b(1) & 0x7f;
            if (length == 126) head = 4;
            if (length == 127) head = 10;
            while (buf_.size() < head)
                if (!fill(deadline)) return std::nullopt;
            if (length >= 126) {
                length = 0;
                for (std::size_t i = 2; i < head; ++i) length = (length << 8) | b(i);
            }
            while (buf_.size() < head + length)
                if (!fill(deadline)) return std::nullopt;
            const bool fin = (b(0) & 0x80) != 0;
            const int opcode = b(0) & 0x0f;
            const std::string payload = buf_.substr(head, length);
            buf_.erase(0, head + length);
            if (opcode == 8) return std::nullopt;  // close
            if (opcode == 1 || opcode == 0) {      // text, or a continuation of it
                message_ += payload;
                if (fin) return std::exchange(message_, std::string());
            }
            // A ping (9) or anything else: not an answer.
        }
    }

private:
    bool fill(std::chrono::steady_clock::time_point deadline) {
        timed_out_ = false;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            pollfd p{fd_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
            if (r < 0 && errno == EINTR) continue;
            if (r == 0) {
                timed_out_ = true;
                return false;
            }
            char chunk[16 * 1024];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            buf_.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
    }

    int fd_ = -1;
    std::string buf_;
    std::string message_;  // a fragmented WebSocket message so far
    bool timed_out_ = false;
};

// GET `path` on a fresh connection from `from`; the body, or "" on failure.
std::string get_from(std::uint16_t port, const char* from, const std::string& path) {
    Conn c(port, from);
    std::string body;
    return c.get(path, body) == 200 ? body : std::string();
}

double metric_of(std::uint16_t port, const std::string& name, const std::string& labels = "") {
    return metric(get_from(port, other_client, "/metrics"), name, labels).value_or(-1);
}

// The node's resident memory now and at its peak (VmRSS, VmHWM), in bytes.
std::pair<std::size_t, std::size_t> rss_bytes(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    std::size_t now = 0, peak = 0;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) now = std::stoul(line.substr(6)) * 1024;
        if (line.starts_with("VmHWM:")) peak = std::stoul(line.substr(6)) * 1024;
    }
    return {now, peak};
}

std::string call_text(const json::value& id, std::string_view method, json::object params) {
    return json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
}

// U Volodi with `transfers` more movements in its history: the treasury pays
// one unit to as many new clients, sent in batches without waiting, then the
// last one is waited for.
void grow_history(Volodi& cafe, rpc::Client& c, std::size_t transfers) {
    constexpr std::size_t batch_max = 100;  // within the smallest burst these cases set
    std::string last_id;
    for (std::size_t done = 0; done < transfers;) {
        std::string body = "[";
        const std::size_t n = std::min(batch_max, transfers - done);
        for (std::size_t i = 0; i < n; ++i, ++done) {
            const Account to = Account::of_key(KeyPair::generate().public_key());
            auto stx = cafe.wallet.sign(cafe.owner, Transfer{cafe.coin, cafe.treasury(), to, 1, "h" + std::to_string(done)});
            last_id = to_hex(tx_id(stx.tx));
            body += (i ? "," : "") + call_text(json::value(done), "tx.submit", {{"blob", TestWallet::blob(stx)}});
        }
        body += "]";
        auto r = post_rpc(c, body);
        for (int tries = 0; r.status == 429 && tries < 100; ++tries) {  // over the request rate: wait, retry
            std::this_thread::sleep_for(500ms);
            r = post_rpc(c, body);
        }
        INFO(r.text.substr(0, 300));
        REQUIRE(r.json.is_array());
        for (const auto& a : r.json.as_array()) REQUIRE(a.as_object().contains("result"));
    }
    REQUIRE(wait_until(
        [&] {
            try {
                std::this_thread::sleep_for(50ms);  // under every request rate these cases set
                return c.call("tx.get", json::object{{"id", last_id}}).at("status") == "committed";
            } catch (const rpc::Error&) {
                return false;
            }
        },
        generous));
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("JSON-RPC: a batch member that is not a request ({\"foo\":\"boo\"}, 1) gets Invalid Request with id null, not silence") {
    NodeProcess node;
    rpc::Client c = node.client();
    // The JSON-RPC 2.0 specification's own example, with a notification and a call around it.
    auto r = post_rpc(c, R"([{"jsonrpc":"2.0","method":"node.info"},{"foo":"boo"},1,"x",{"method":"node.info"},)"
                         R"({"jsonrpc":"2.0","id":7,"method":"node.info"}])");
    INFO(r.text);
    REQUIRE(r.json.is_array());
    const auto& a = r.json.as_array();
    REQUIRE(a.size() == 5);  // every member but the notification
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(a[i].at("id").is_null());
        CHECK(a[i].at("error").at("code") == rpc::invalid_request);
    }
    CHECK(a[4].at("id") == 7);
    CHECK(a[4].at("result").is_object());
    // Alone, too: an answer (200), not the 204 of a notification.
    auto one = post_rpc(c, R"({"foo":"boo"})");
    CHECK(one.status == 200);
    REQUIRE(one.json.is_object());
    CHECK(one.json.at("id").is_null());
    CHECK(one.json.at("error").at("code") == rpc::invalid_request);
    // A real notification still gets nothing.
    CHECK(post_rpc(c, R"({"jsonrpc":"2.0","method":"node.info"})").status == 204);
}

TEST_CASE("connections: idle sockets from one address stop at connections-per-address-max (connections-max / 8), and other addresses are served") {
    NodeProcess node;  // the defaults: 512 connections, 64 per address
    const std::uint16_t port = node.port();
    // The issue's attack: more idle sockets than connections-max / 8 from one
    // address (each is refused at accept once the address has its share).
    constexpr std::size_t squatters_n = connections_per_address_max + 36;
    std::vector<std::unique_ptr<Conn>> squatters;
    for (std::size_t i = 0; i < squatters_n; ++i) squatters.push_back(std::make_unique<Conn>(port, attacker));
    // Refused ones are closed at once; wait for the node to have counted them all.
    const double expected = static_cast<double>(squatters_n - connections_per_address_max);
    CHECK(wait_until([&] { return metric_of(port, "kopilka_connections_refused_total", R"(reason="per_address")") >= expected; },
                     generous));
    std::size_t refused = 0;
    for (auto& s : squatters) refused += s->closed_within(50ms) ? 1 : 0;
    CHECK(refused >= squatters_n - connections_per_address_max);
    CHECK(refused <= squatters_n - connections_per_address_max + 1);  // +1: a connection of the harness's own

    // Another address: /health, a call and /metrics, each on a connection of its own.
    CHECK(json::parse(get_from(port, other_client, "/health")).at("status") == "ok");
    Conn other(port, other_client);
    std::string body;
    CHECK(other.post(call_text(1, "node.info", {}), body) == 200);
    CHECK(json::parse(body).at("result").at("height").is_number());
    CHECK(metric_of(port, "kopilka_connections_refused_total", R"(reason="per_address")") ==
          static_cast<double>(refused));
    CHECK(metric_of(port, "kopilka_connections_refused_total", R"(reason="connections_max")") == 0);

    // The refused ones were told why.
    Conn extra(port, attacker);
    extra.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(extra.response(body) == 503);
    CHECK_THAT(body, Catch::Contains("this address has 64 connections open"));
}

TEST_CASE("memory: answers a client never reads are bounded by send-queue-bytes-max, over HTTP batches and WebSocket sessions") {
    // The rate off and room for every read in the read queue, so only the
    // memory bounds are crossed; a short idle timeout cuts the writes nobody reads.
    // The sanitizer build makes its pages so slowly that a WebSocket could
    // sit 3 s between two answers and be closed as idle before its queue
    // reaches the bound this case is about: it gets a longer idle timeout.
    NodeProcess node({"--requests-per-second-max", "0", "--read-queue-max", "1000", "--idle-timeout-ms",
                      sanitized ? "30000" : "3000"});
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    grow_history(cafe, c, history_page_entries_max + 100);  // full pages
    const std::uint16_t port = node.port();
    const auto [rss_before, peak_before] = rss_bytes(node.pid());

    // Four HTTP connections, each a batch of 1,000 full history pages (about
    // 250 MB of answers each before this bound), never read.
    constexpr int http_n = 4, ws_n = 4, ws_calls = 200;
    std::string batch = "[";
    for (int i = 0; i < 1000; ++i)
        batch += (i ? "," : "") + call_text(i, "venue.history", {{"ticker", cafe.coin}, {"limit", history_page_entries_max}});
    batch += "]";
    std::vector<std::unique_ptr<Conn>> unread;
    for (int i = 0; i < http_n; ++i) {
        unread.push_back(std::make_unique<Conn>(port, attacker));
        REQUIRE(unread.back()->send(Conn::post_text(batch)));
    }
    // Four WebSocket sessions, each asking for 200 full pages, never reading.
    for (int i = 0; i < ws_n; ++i) {
        unread.push_back(std::make_unique<Conn>(port, attacker));
        REQUIRE(unread.back()->upgrade());
        std::string frames;
        for (int k = 0; k < ws_calls; ++k)
            frames += Conn::ws_frame(call_text(k, "venue.history", {{"ticker", cafe.coin}, {"limit", history_page_entries_max}}));
        REQUIRE(unread.back()->send(frames));
    }
    // Every WebSocket session passes its bound and is dropped; the HTTP
    // connections' stalled writes are cut by the idle timeout. Meanwhile the
    // node serves others.
    // The sanitizer build reads its pages several times slower.
    const auto patience = sanitized ? 240s : 60s;
    const bool ws_dropped = wait_until([&] { return metric_of(port, "kopilka_send_queue_closed_total") >= ws_n; }, patience);
    const bool all_closed = wait_until([&] { return metric_of(port, "kopilka_connections") <= 1; }, patience);  // this poll's own
    std::printf("abuse memory: %.0f send-queue closes, %.0f reads refused busy\n",
                metric_of(port, "kopilka_send_queue_closed_total"), metric_of(port, "kopilka_reads_busy_total"));
    CHECK(ws_dropped);
    CHECK(all_closed);
    CHECK(json::parse(get_from(port, other_client, "/health")).at("status") == "ok");
    const auto [rss_after, peak] = rss_bytes(node.pid());
    std::printf("abuse memory: RSS before %zu MiB (peak %zu MiB), after %zu MiB, peak %zu MiB; bound per connection %zu MiB\n",
                rss_before >> 20, peak_before >> 20, rss_after >> 20, peak >> 20, send_queue_bytes_max >> 20);
    // Eight connections may hold send-queue-bytes-max each; the rest is the
    // answers being built (a page at a time per read thread) and the
    // allocator's slack. Unbounded, the same load took over 1 GiB. Under
    // AddressSanitizer freed memory waits in its quarantine (256 MiB by
    // default) and every allocation carries redzones and shadow, so the bound
    // there is looser: 1 GiB, still below what the release build alone
    // reached unbounded.
    constexpr std::size_t peak_bytes_max = sanitized ? std::size_t{1} << 30 : std::size_t{400} << 20;
    CHECK(peak < peak_bytes_max);
    for (auto& u : unread) CHECK(u->closed_within(generous));

    // A client that does read gets the same batch cut short within the
    // bound: the first pages, then each call answered "not run" with its id.
    Conn reader(port, other_client);
    std::string body;
    REQUIRE(reader.post(batch, body) == 200);
    CHECK(body.size() <= send_queue_bytes_max);
    const json::value answers = json::parse(body);
    REQUIRE(answers.as_array().size() == 1000);
    std::size_t pages = 0, not_run = 0;
    for (std::size_t i = 0; i < 1000; ++i) {
        const auto& a = answers.as_array()[i];
        CHECK(a.at("id") == i);
        if (a.as_object().contains("result")) {
            ++pages;
            CHECK(a.at("result").at("entries").as_array().size() == history_page_entries_max);
        } else if (a.at("error").at("code") == rpc::invalid_request) {
            not_run += std::string_view(a.at("error").at("message").as_string()).starts_with("not run") ? 1 : 0;
        }
    }
    std::printf("abuse memory: a batch of 1000 full pages answered %zu of them in %zu bytes; %zu not run\n", pages,
                body.size(), not_run);
    CHECK(pages > 0);
    CHECK(not_run > 0);
    CHECK(pages + not_run >= 999);  // at most one page's answer dropped after it ran
}

TEST_CASE("read queue: past --read-queue-max a request's heavy calls get 2003 busy at once, and light calls are still served") {
    // Room in the send queue for every answer below (about 7 MB), so that a
    // reader slowed by a busy machine is never dropped for its queue: this
    // case is about the read queue only.
    NodeProcess node({"--requests-per-second-max", "0", "--read-threads", "1", "--read-queue-max", "1",
                      "--send-queue-bytes-max", "16777216"});
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    grow_history(cafe, c, history_page_entries_max + 100);
    Conn ws(node.port(), attacker);
    REQUIRE(ws.upgrade());
    // First a long job for the one read thread (a batch of a dozen full
    // pages), then nine single pages sent together behind it: one waits in
    // the queue, the others find it full. Then a light call, which runs on
    // the I/O thread.
    std::string batch = "[";
    for (int i = 0; i < 12; ++i)
        batch += (i ? "," : "") + call_text(i, "venue.history", {{"ticker", cafe.coin}, {"limit", history_page_entries_max}});
    std::string frames = Conn::ws_frame(batch + "]");
    for (int k = 1; k <= 9; ++k)
        frames += Conn::ws_frame(call_text(k, "venue.history", {{"ticker", cafe.coin}, {"limit", history_page_entries_max}}));
    frames += Conn::ws_frame(call_text("light", "node.info", {}));
    REQUIRE(ws.send(frames));
    int pages = 0, busy = 0;
    bool light = false, batch_answered = false;
    for (int n = 0; n < 11; ++n) {
        auto frame = ws.ws_read();
        REQUIRE(frame);
        const json::value r = json::parse(*frame);
        if (r.is_array()) {
            batch_answered = true;
            continue;
        }
        if (r.at("id") == "light") {
            light = r.as_object().contains("result");
            continue;
        }
        if (r.as_object().contains("result")) {
            ++pages;
            continue;
        }
        CHECK(r.at("error").at("code") == rpc::rate_limited);
        CHECK_THAT(std::string(r.at("error").at("message").as_string()), Catch::Contains("busy"));
        ++busy;
    }
    std::printf("abuse read queue: %d single pages served, %d refused busy\n", pages, busy);
    CHECK(batch_answered);
    CHECK(light);
    CHECK(busy >= 1);
    CHECK(pages + busy == 9);
    CHECK(metric(c.get("/metrics").body, "kopilka_reads_busy_total").value_or(0) == busy);
}

TEST_CASE("CPU: one address flooding history and stats is charged by rows read, while /health and another client's tx.submit keep answering") {
    constexpr std::uint32_t per_second = 200, burst = 400;
    NodeProcess node({"--requests-per-second-max", std::to_string(per_second), "--requests-burst-max",
                      std::to_string(burst)});
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    grow_history(cafe, c, history_page_entries_max + 100);
    const std::uint16_t port = node.port();
    // The other client's transfers, signed beforehand.
    std::vector<std::string> blobs;
    for (int i = 0; i < 400; ++i)
        blobs.push_back(TestWallet::blob(cafe.wallet.sign(
            cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), cafe.treasury(), 1, "m" + std::to_string(i)})));
    std::this_thread::sleep_for(std::chrono::milliseconds(burst * 1000 / per_second));  // the setup's budget refills

    constexpr auto flood_for = 8s;
    constexpr int flooders = 4;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> history_calls{0}, history_rows{0}, stats_calls{0}, refused{0}, busy{0}, other_errors{0};
    const auto flood_start = std::chrono::steady_clock::now();
    std::vector<std::thread> flood;
    for (int t = 0; t < flooders; ++t) {
        flood.emplace_back([&, t] {
            Conn conn(port, attacker);
            for (std::uint64_t k = 0; !stop; ++k) {
                const bool stats = k % 4 == 3;
                const std::string req = stats ? call_text(k, "venue.stats", {{"ticker", cafe.coin}})
                                              : call_text(k, "venue.history", {{"ticker", cafe.coin}, {"limit", history_page_entries_max}});
                std::string body;
                const int status = conn.post(req, body);
                if (status == 0) {
                    ++other_errors;
                    return;
                }
                const json::value r = json::parse(body);
                if (r.as_object().contains("result")) {
                    if (stats) ++stats_calls;
                    else {
                        ++history_calls;
                        history_rows += r.at("result").at("entries").as_array().size();
                    }
                    continue;
                }
                const std::string message(r.at("error").at("message").as_string());
                if (r.at("error").at("code") != rpc::rate_limited) {
                    ++other_errors;
                    continue;
                }
                // At the allowed rate: wait as told, then go on.
                const bool is_busy = message.find("busy") != std::string::npos;
                ++(is_busy ? busy : refused);
                const auto at = message.find("retry in ");
                const long wait_ms = at == std::string::npos ? 5 : std::stol(message.substr(at + 9));
                std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp<long>(wait_ms, 1, 1000)));
            }
            (void)t;
        });
    }
    // The other client: /health and tx.submit (wait for the block), one after the other.
    std::vector<double> health_ms, submit_ms;
    int health_failed = 0, submit_failed = 0;
    {
        Conn conn(port, other_client);
        std::size_t next = 0;
        while (std::chrono::steady_clock::now() - flood_start < flood_for && next < blobs.size()) {
            std::string body;
            auto t0 = std::chrono::steady_clock::now();
            if (conn.get("/health", body) == 200 && json::parse(body).at("status") == "ok") health_ms.push_back(ms_since(t0));
            else ++health_failed;
            t0 = std::chrono::steady_clock::now();
            const int status = conn.post(call_text(next, "tx.submit", {{"blob", blobs[next]}, {"wait", true}}), body);
            ++next;
            if (status == 200 && json::parse(body).at("result").at("status") == "committed") submit_ms.push_back(ms_since(t0));
            else ++submit_failed;
            std::this_thread::sleep_for(20ms);
        }
    }
    stop = true;
    for (auto& t : flood) t.join();
    const double elapsed_s = ms_since(flood_start) / 1000.0;

    std::printf("abuse CPU: %.1f s of flood from one address: %llu history pages (%llu rows), %llu stats, %llu refused (2003), "
                "%llu busy; other client: /health p50 %.1f ms p99 %.1f ms (%zu), tx.submit wait p50 %.1f ms p99 %.1f ms (%zu)\n",
                elapsed_s, static_cast<unsigned long long>(history_calls.load()),
                static_cast<unsigned long long>(history_rows.load()), static_cast<unsigned long long>(stats_calls.load()),
                static_cast<unsigned long long>(refused.load()), static_cast<unsigned long long>(busy.load()),
                percentile(health_ms, 0.5), percentile(health_ms, 0.99), health_ms.size(), percentile(submit_ms, 0.5),
                percentile(submit_ms, 0.99), submit_ms.size());
    // Everyone else was answered, every time.
    CHECK(health_failed == 0);
    CHECK(submit_failed == 0);
    CHECK(!health_ms.empty());
    CHECK(!submit_ms.empty());
    CHECK(other_errors == 0);
    // The flood was served, and refused past its budget: what its history
    // pages cost (a request each, and one per request_cost_rows rows) is
    // within the burst plus the rate over the time, plus the debt the calls
    // in flight may run up (one full page each). Stats calls cost a request
    // and their records too, so leaving them out only loosens this. Charged a request a call, as
    // before, the same flood reads fifty times that.
    CHECK(history_calls > 0);
    CHECK(refused > 0);
    const double history_cost = static_cast<double>(history_calls) + static_cast<double>(history_rows) / request_cost_rows;
    const double budget = burst + per_second * (elapsed_s + 1) + flooders * (1 + history_page_entries_max / request_cost_rows);
    INFO("history cost " << history_cost << " requests; budget " << budget);
    CHECK(history_cost <= budget);
}
