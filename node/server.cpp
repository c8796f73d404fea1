// The HTTP/WebSocket front of kopilkad on Boost.Beast.
//
// Shape: one io_context run by `threads` threads; one strand per TCP
// connection (every handler of a connection runs on it, so a connection needs
// no locks); the acceptor has its own strand. Everything a connection shares
// with the server lives in Core, which connections hold by shared_ptr: an
// RpcHandler may call `done` or `push` after the Server is gone, and that must
// land on a live io_context, not on freed memory.
//
// Limits (each from ServerLimits, so an operator can see and change them):
//   - a request (line, headers, body) must arrive within header_timeout_ms of
//     its first byte, or of the accept for a connection's first request: a
//     client that dribbles bytes (slowloris) is cut off;
//   - a kept-alive connection may sit idle idle_timeout_ms between requests;
//   - headers over header_bytes_max → 431, bodies over body_bytes_max → 413,
//     both with a JSON-RPC error body, then the connection is closed;
//   - at most connections_max open TCP connections. A socket accepted over the
//     limit gets a best-effort canned 503 (written without blocking, so a
//     client that does not read cannot hold an I/O thread) and is closed at
//     once. It never reaches the RpcHandler and is not counted by
//     connection_opened/connection_closed. We keep accepting rather than
//     stop listening so the kernel backlog cannot fill with clients that then
//     time out instead of learning that the node is busy;
//   - at most connections_per_address() of those from one client address
//     (IPv6: one /64), so one host cannot take every slot; more are refused
//     the same way, with a 503 naming the per-address limit;
//   - a WebSocket session queues at most ws_send_queue_max frames and
//     send_queue_bytes_max bytes (responses and pushes together); past either
//     the session is closed, so a client that stops reading cannot grow the
//     node's memory. An HTTP connection has one answer queued at a time (see
//     below); one over send_queue_bytes_max is not sent: a 500 says why and
//     the connection closes. Both count in connection_dropped_send_queue.
//     A WebSocket may have at most
//     ws_calls_in_flight_max calls waiting for the handler; past that the
//     server stops reading its frames until some are answered;
//   - every HTTP request and every WebSocket message is charged to its
//     client address (RequestRateLimiter: a JSON-RPC batch costs its length).
//     Over requests_per_second_max the request is not handed to the
//     RpcHandler: HTTP gets 429 with Retry-After, and the JSON-RPC calls in it
//     get rate_limited (2003) errors with their own ids saying when to retry;
//     a WebSocket gets the same errors as frames and stays open.
//
// HTTP requests on one connection are answered in order: the next request is
// read only after the previous response was written.
//
// Paths the server does not own itself go to pages.h: the embedded web pages
// and their files, written from static memory (never copied, so not counted
// in the send-queue bytes). A request's client address is the peer's, or the
// one a trusted proxy forwards (proxy.h), for everything charged per request.
#include "node/server.h"
#include "node/http_text.h"

#include "node/pages.h"
#include "rpc/protocol.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kopilka::node {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

constexpr std::string_view server_name = "kopilkad";
// A WebSocket client may pipeline this many calls before the server stops
// reading its frames until the handler answers some of them.
constexpr std::size_t ws_calls_in_flight_max = 32;
// After an error response (413, 431, 400) the server stops sending and reads
// and discards what the client still sends, for at most this long, so the
// client is not reset before it has read the response.
constexpr std::uint32_t linger_ms_max = 2'000;
constexpr std::size_t linger_chunk_bytes = 4 * 1024;
// First read of a kept-alive connection's next request.
constexpr std::size_t first_read_bytes = 4 * 1024;
// stop() waits this long for connections to finish closing before it abandons
// whatever is left and stops the io_context.
constexpr std::chrono::milliseconds stop_wait_ms{5'000};
// Back-off after a failed accept (e.g. out of file descriptors) so the
// acceptor does not spin.
constexpr std::chrono::milliseconds accept_retry_ms{100};

// JSON string literal for a message the server itself writes (no user data).
std::string json_quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    out += '"';
    return out;
}

std::string rpc_error_body(int code, std::string_view message) {
    return R"({"jsonrpc":"2.0","error":{"code":)" + std::to_string(code) + R"(,"message":)" + json_quote(message) +
           R"(},"id":null})";
}

std::string plain_error_body(std::string_view message) { return R"({"error":)" + json_quote(message) + "}"; }

std::uint64_t steady_now_ms() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

std::string rate_limited_message(const ServerLimits& lim, std::uint64_t retry_ms) {
    return "too many requests from this address (the node serves " + std::to_string(lim.requests_per_second_max) +
           " a second per address, bursts of " + std::to_string(lim.requests_burst_max) + "); retry in " +
           std::to_string(retry_ms) + " ms";
}

// The answer to a JSON-RPC body that was over the rate limit: a
// rate_limited error for each call in it, with that call's id, so a client
// matching answers by id (WebSocket, batches) is not left waiting. Empty when
// every call was a notification. The body is parsed only to find the ids;
// it is never executed.
std::string rate_limited_answer(std::string_view body, const std::string& message) {
    namespace json = boost::json;
    json::parse_options opts;
    opts.max_depth = 32;
    boost::system::error_code ec;
    json::value v = json::parse(body, ec, {}, opts);
    auto one = [&](const json::value& req) -> json::value {
        if (rpc::is_notification(req)) return nullptr;  // a notification gets no answer
        const auto* id = req.is_object() ? req.as_object().if_contains("id") : nullptr;
        return rpc::make_error(id && rpc::is_valid_id(*id) ? *id : json::value(nullptr), rpc::rate_limited, message);
    };
    if (ec) return rpc_error_body(rpc::rate_limited, message);
    if (!v.is_array()) {
        json::value r = one(v);
        return r.is_null() ? std::string() : json::serialize(r);
    }
    if (v.as_array().empty()) return rpc_error_body(rpc::rate_limited, message);
    json::array out;
    for (const auto& req : v.as_array())
        if (auto r = one(req); !r.is_null()) out.push_back(std::move(r));
    return out.empty() ? std::string() : json::serialize(out);
}

// The address a client is counted under: IPv4 as is, IPv6 by its /64.
std::string rate_key(const std::string& ip) {
    if (ip.find(':') == std::string::npos) return ip;
    error_code ec;
    auto a = net::ip::make_address_v6(ip, ec);
    if (ec) return ip;
    auto bytes = a.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return net::ip::address_v6(bytes).to_string() + "/64";
}

// Sent, best effort, to a socket accepted over a connection limit.
std::string busy_response(std::string_view message) {
    std::string body = rpc_error_body(rpc::rate_limited, message);
    return "HTTP/1.1 503 Service Unavailable\r\nServer: kopilkad\r\nContent-Type: application/json\r\n"
           "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The token of "Authorization: Bearer <token>", or empty.
std::string_view bearer_token(std::string_view authorization) {
    authorization = trim(authorization);
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() <= scheme.size() || !iequals(authorization.substr(0, scheme.size()), scheme)) return {};
    return trim(authorization.substr(scheme.size()));
}

std::string ip_text(const tcp::endpoint& ep) {
    auto a = ep.address();
    if (a.is_v6() && a.to_v6().is_v4_mapped()) a = net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
    return a.to_string();
}

std::string lower_first(std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

// Anything the server can close when it stops.
struct Closable {
    virtual ~Closable() = default;
    // Any thread: schedule a hard close on the connection's strand.
    virtual void shut() = 0;
};

struct Core {
    Core(RpcHandler& h, ServerLimits l, TrustedProxies p)
        : handler(h),
          limits(l),
          proxies(std::move(p)),
          rate(l.requests_per_second_max, l.requests_burst_max),
          ioc(static_cast<int>(std::max(1u, l.threads))),
          busy_total(busy_response("the node has too many open connections; retry shortly")),
          busy_address(busy_response("this address has " + std::to_string(l.connections_per_address()) +
                                     " connections open to the node, its most; close one or retry shortly")) {}

    RpcHandler& handler;
    const ServerLimits limits;
    const TrustedProxies proxies;
    RequestRateLimiter rate;
    net::io_context ioc;
    const std::string busy_total;    // the 503 over connections_max
    const std::string busy_address;  // the 503 over connections_per_address_max
    std::atomic<std::size_t> connections{0};
    std::atomic<std::uint64_t> next_session{1};
    std::atomic<std::uint64_t> next_conn{1};

    std::mutex mu;
    bool stopping = false;  // under mu
    std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> live;  // under mu

    // False when the server is stopping: the caller must close at once.
    bool add(std::uint64_t id, std::weak_ptr<Closable> c) {
        std::lock_guard lock(mu);
        if (stopping) return false;
        live.emplace(id, std::move(c));
        return true;
    }
    void remove(std::uint64_t id) {
        std::lock_guard lock(mu);
        live.erase(id);
    }
    // For work arriving from outside the I/O threads (a handler's `done`, a
    // push). Once the server is stopping nothing new is queued, so the
    // io_context can drain and its threads return.
    template <class Executor, class F>
    void post_from_outside(const Executor& ex, F&& f) {
        std::lock_guard lock(mu);
        if (!stopping) net::post(ex, std::forward<F>(f));
    }
    bool is_stopping() {
        std::lock_guard lock(mu);
        return stopping;
    }
    // 0 when `calls` more from `ip` are allowed, else milliseconds to wait.
    std::uint64_t charge(const std::string& ip, std::uint64_t calls) {
        const std::uint64_t wait_ms = rate.take(ip, calls, steady_now_ms());
        if (wait_ms != 0) handler.request_rate_limited();
        return wait_ms;
    }
    // CallContext::charge of a connection from `ip`.
    static std::function<std::uint64_t(std::uint64_t)> charger(std::shared_ptr<Core> core, std::string ip) {
        return [core = std::move(core), ip = std::move(ip)](std::uint64_t requests) {
            return core->rate.charge(ip, requests, steady_now_ms());
        };
    }

    // Bytes of answers queued to every connection together (see
    // send_queue_bytes_total_max); false, counting nothing, past it.
    std::atomic<std::size_t> queued_bytes{0};
    bool reserve_bytes(std::size_t n) {
        if (queued_bytes.fetch_add(n) + n > limits.send_queue_bytes_total_max) {
            queued_bytes.fetch_sub(n);
            return false;
        }
        return true;
    }
    void release_bytes(std::size_t n) { queued_bytes.fetch_sub(n); }

    // Open connections per client address (rate key). An entry exists only
    // while its address has a connection open, so the table holds at most
    // connections_max entries; a refused socket adds none.
    std::mutex address_mu;
    std::unordered_map<std::string, std::size_t> open_by_address;  // under address_mu
    // False, counting nothing, when `key` already has its most open.
    bool admit(const std::string& key) {
        std::lock_guard lock(address_mu);
        auto it = open_by_address.find(key);
        if (it == open_by_address.end()) {
            open_by_address.emplace(key, 1);
            return true;
        }
        if (it->second >= limits.connections_per_address()) return false;
        ++it->second;
        return true;
    }
    void leave(const std::string& key) {
        std::lock_guard lock(address_mu);
        auto it = open_by_address.find(key);
        if (it != open_by_address.end() && --it->second == 0) open_by_address.erase(it);
    }
};

// One counted TCP connection: connection_opened on creation, and
// connection_closed exactly once, on release() or destruction, which also
// gives back its place among its address's connections (Core::admit took it).
// Moves with the socket from the HTTP session to the WebSocket session on
// upgrade.
class Slot {
public:
    Slot(std::shared_ptr<Core> core, std::string address_key)
        : core_(std::move(core)), address_key_(std::move(address_key)) {
        core_->connections.fetch_add(1);
        try {
            core_->handler.connection_opened();
        } catch (...) {
        }
    }
    Slot(Slot&& o) noexcept : core_(std::move(o.core_)), address_key_(std::move(o.address_key_)) {}
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot() { release(); }
    void release() {
        if (!core_) return;
        auto core = std::move(core_);
        core_.reset();
        core->connections.fetch_sub(1);
        core->leave(address_key_);
        try {
            core->handler.connection_closed();
        } catch (...) {
        }
    }

private:
    std::shared_ptr<Core> core_;
    std::string address_key_;
};

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using FileResponse = http::response<http::span_body<const char>>;

Response make_response(http::status status, unsigned version, bool keep_alive, std::string_view content_type,
                       std::string body) {
    Response res{status, version};
    res.set(http::field::server, server_name);
    if (status != http::status::no_content) {
        res.set(http::field::content_type, content_type);
        res.body() = std::move(body);
    }
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

// ---------------------------------------------------------------------------
// WebSocket session

class WsSession : public Closable, public std::enable_shared_from_this<WsSession> {
public:
    WsSession(std::shared_ptr<Core> core, beast::tcp_stream&& stream, Slot&& slot, std::string client_ip, bool admin)
        : core_(std::move(core)),
          ws_(std::move(stream)),
          ex_(ws_.get_executor()),
          slot_(std::move(slot)),
          client_ip_(std::move(client_ip)),
          admin_(admin),
          conn_id_(core_->next_conn.fetch_add(1)),
          session_(core_->next_session.fetch_add(1)) {}

    ~WsSession() override { core_->remove(conn_id_); }

    // On the strand.
    void run(Request req) {
        if (!core_->add(conn_id_, weak_from_this())) return finish();
        const auto& lim = core_->limits;
        // The WebSocket keeps its own timers; the TCP stream's must be off.
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = std::chrono::milliseconds(lim.header_timeout_ms);
        t.idle_timeout = std::chrono::milliseconds(lim.idle_timeout_ms);
        t.keep_alive_pings = true;  // a quiet subscriber is pinged, not dropped
        ws_.set_option(t);
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(http::field::server, server_name); }));
        ws_.read_message_max(lim.ws_message_bytes_max);
        ws_.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
    }

    void shut() override { net::post(ex_, [self = shared_from_this()] { self->finish(); }); }

private:
    void on_accept(error_code ec) {
        if (ec) return finish();
        open_ = true;
        do_read();
    }

    void do_read() {
        if (closed_ || reading_) return;
        if (in_flight_ >= ws_calls_in_flight_max) return;  // resumed by on_done
        reading_ = true;
        ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
    }

    void on_read(error_code ec, std::size_t) {
        reading_ = false;
        if (ec || closed_) return finish();
        std::string msg = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        const bool text = ws_.got_text();
        if (auto wait_ms = core_->charge(client_ip_, text ? jsonrpc_call_count(msg) : 1); wait_ms != 0) {
            // Refused, not dropped: the session stays open and the client retries.
            const std::string message = rate_limited_message(core_->limits, wait_ms);
            auto answer = text ? rate_limited_answer(msg, message) : rpc_error_body(rpc::rate_limited, message);
            if (!answer.empty()) enqueue(std::move(answer));
        } else if (!text) {
            enqueue(rpc_error_body(rpc::invalid_request, "send JSON-RPC messages as WebSocket text frames"));
        } else {
            call(std::move(msg));
        }
        do_read();
    }

    void call(std::string msg) {
        CallContext ctx;
        ctx.client_ip = client_ip_;
        ctx.admin = admin_;
        ctx.session = session_;
        ctx.push = [weak = weak_from_this()](std::string frame) {
            if (auto self = weak.lock()) self->push(std::move(frame));
        };
        ctx.charge = Core::charger(core_, client_ip_);
        ++in_flight_;
        auto answered = std::make_shared<std::atomic<bool>>(false);
        auto done = [self = shared_from_this(), answered](std::string resp) {
            if (answered->exchange(true)) return;  // `done` called twice: a handler bug; keep the first
            self->core_->post_from_outside(self->ex_, [self, r = std::move(resp)]() mutable {
                self->on_done(std::move(r));
            });
        };
        try {
            core_->handler.handle(std::move(msg), std::move(ctx), done);
        } catch (const std::exception&) {
            if (!answered->exchange(true)) {
                --in_flight_;
                enqueue(rpc_error_body(rpc::internal_error, "internal error"));
            }
        }
    }

    void on_done(std::string resp) {
        --in_flight_;
        if (closed_) return;
        if (!resp.empty()) enqueue(std::move(resp));
        do_read();
    }

    // Counts a frame into the send queue's bounds (frames and bytes); false,
    // counting nothing, when it would pass either. Any thread.
    bool reserve(std::size_t bytes) {
        const auto& lim = core_->limits;
        if (queued_.fetch_add(1) >= lim.ws_send_queue_max) {
            queued_.fetch_sub(1);
            return false;
        }
        if (queued_bytes_.fetch_add(bytes) + bytes > lim.send_queue_bytes_max || !core_->reserve_bytes(bytes)) {
            queued_bytes_.fetch_sub(bytes);
            queued_.fetch_sub(1);
            return false;
        }
        return true;
    }
    void unreserve(std::size_t bytes) {
        core_->release_bytes(bytes);
        queued_bytes_.fetch_sub(bytes);
        queued_.fetch_sub(1);
    }

    // Any thread.
    void push(std::string frame) {
        if (closing_.load()) return;
        const std::size_t bytes = frame.size();
        if (!reserve(bytes)) return overflow();
        bool posted = false;
        {
            std::lock_guard lock(core_->mu);
            if (!core_->stopping) {
                net::post(ex_, [self = shared_from_this(), f = std::move(frame)]() mutable {
                    self->on_queued(std::move(f));
                });
                posted = true;
            }
        }
        if (!posted) unreserve(bytes);
    }

    // On the strand: a response of this session's own call.
    void enqueue(std::string frame) {
        if (closed_) return;
        if (!reserve(frame.size())) {
            dropped();
            return finish();
        }
        on_queued(std::move(frame));
    }

    void on_queued(std::string frame) {
        if (closed_) {
            unreserve(frame.size());
            return;
        }
        queue_.push_back(std::move(frame));
        if (!writing_) do_write();
    }

    void overflow() {
        // The client reads slower than the node writes to it: drop it rather
        // than buffer without bound. It can reconnect and resubscribe.
        if (closing_.exchange(true)) return;
        dropped();
        net::post(ex_, [self = shared_from_this()] { self->finish(); });
    }

    void dropped() {
        try {
            core_->handler.connection_dropped_send_queue();
        } catch (...) {
        }
    }

    void do_write() {
        writing_ = true;
        ws_.text(true);
        ws_.async_write(net::buffer(queue_.front()),
                        beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
    }

    void on_write(error_code ec, std::size_t) {
        writing_ = false;
        unreserve(queue_.front().size());
        queue_.pop_front();
        if (ec || closed_) return finish();
        if (!queue_.empty()) do_write();
    }

    // On the strand; idempotent. A hard close: the client either left already
    // or is being dropped, so no close handshake is awaited.
    void finish() {
        if (closed_) return;
        closed_ = true;
        closing_.store(true);
        error_code ec;
        beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(ws_).close();
        // on_write still pops (and unreserves) the frame in flight.
        while (queue_.size() > (writing_ ? 1 : 0)) {
            unreserve(queue_.back().size());
            queue_.pop_back();
        }
        if (open_) {
            try {
                core_->handler.session_closed(session_);
            } catch (...) {
            }
        }
        slot_.release();
        core_->remove(conn_id_);
    }

    std::shared_ptr<Core> core_;  // first: outlives the stream, which needs its io_context
    websocket::stream<beast::tcp_stream> ws_;
    net::any_io_executor ex_;
    Slot slot_;
    std::string client_ip_;
    bool admin_;
    std::uint64_t conn_id_;
    std::uint64_t session_;
    beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
    std::atomic<std::size_t> queued_{0};        // frames posted or in queue_
    std::atomic<std::size_t> queued_bytes_{0};  // their bytes
    std::atomic<bool> closing_{false};
    std::size_t in_flight_ = 0;
    bool open_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool closed_ = false;
};

// ---------------------------------------------------------------------------
// HTTP session

class HttpSession : public Closable, public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(std::shared_ptr<Core> core, tcp::socket&& socket, std::string peer_ip, std::string address_key)
        : core_(std::move(core)),
          stream_(std::move(socket)),
          ex_(stream_.get_executor()),
          slot_(core_, std::move(address_key)),
          peer_ip_(std::move(peer_ip)),
          conn_id_(core_->next_conn.fetch_add(1)) {}

    ~HttpSession() override {
        core_->release_bytes(held_bytes_);  // a write abandoned by stop()
        core_->remove(conn_id_);
    }

    void start() {
        net::dispatch(ex_, [self = shared_from_this()] {
            if (!self->core_->add(self->conn_id_, self->weak_from_this())) return self->close();
            // The first request must arrive whole within the header timeout of the accept.
            self->stream_.expires_after(std::chrono::milliseconds(self->core_->limits.header_timeout_ms));
            self->do_read();
        });
    }

    void shut() override { net::post(ex_, [self = shared_from_this()] { self->close(); }); }

private:
    const ServerLimits& lim() const { return core_->limits; }

    void do_read() {
        if (closed_) return;
        media_upload_ = false;  // known once this request's header is read
        parser_.emplace();
        parser_->body_limit(lim().body_bytes_max);
        parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(lim().header_bytes_max, UINT32_MAX)));
        if (requests_ == 0) return read_header();
        if (buffer_.size() > 0) {  // pipelined: the next request has begun
            stream_.expires_after(std::chrono::milliseconds(lim().header_timeout_ms));
            return read_header();
        }
        // Kept alive: wait up to the idle timeout for the next request to
        // begin, then give it the header timeout to arrive whole.
        stream_.expires_after(std::chrono::milliseconds(lim().idle_timeout_ms));
        stream_.async_read_some(buffer_.prepare(first_read_bytes),
                                beast::bind_front_handler(&HttpSession::on_first_bytes, shared_from_this()));
    }

    void on_first_bytes(error_code ec, std::size_t n) {
        if (ec) return close();  // idle timeout, or the client closed
        buffer_.commit(n);
        stream_.expires_after(std::chrono::milliseconds(lim().header_timeout_ms));
        read_header();
    }

    void read_header() {
        http::async_read_header(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
    }

    void on_header(error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        auto& req = parser_->get();
        // An upload has its own, smaller limit, refused on Content-Length
        // before a byte of the body is read (or before 100 Continue).
        const std::string_view target = req.target();
        media_upload_ = req.method() == http::verb::post && target.substr(0, target.find('?')) == "/media";
        if (media_upload_) {
            if (const auto length = parser_->content_length(); length && *length > media_upload_bytes_max)
                return reply_media_and_close(media_too_large());
            parser_->body_limit(media_upload_bytes_max);  // a chunked body
        }
        auto expect = req[http::field::expect];
        if (iequals(trim(expect), "100-continue") && !parser_->is_done()) {
            // curl and others wait for this before sending a large body.
            static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
            net::async_write(stream_, net::buffer(cont.data(), cont.size()),
                             [self = shared_from_this()](error_code wec, std::size_t) {
                                 if (wec) return self->close();
                                 self->read_body();
                             });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
    }

    void on_read_error(error_code ec) {
        if (ec == http::error::body_limit && media_upload_) return reply_media_and_close(media_too_large());
        if (ec == http::error::body_limit) {
            return reply_and_close(http::status::payload_too_large,
                                   rpc_error_body(rpc::invalid_request, "request body is over the node's limit of " +
                                                              std::to_string(lim().body_bytes_max) + " bytes"));
        }
        if (ec == http::error::header_limit) {
            return reply_and_close(http::status::request_header_fields_too_large,
                                   rpc_error_body(rpc::invalid_request, "request headers are over the node's limit of " +
                                                              std::to_string(lim().header_bytes_max) + " bytes"));
        }
        if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
            return reply_and_close(http::status::bad_request,
                                   rpc_error_body(rpc::invalid_request, "malformed HTTP request: " + ec.message()));
        }
        // Timeout (slowloris or idle), the client left, or a socket error.
        close();
    }

    void on_read(error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        ++requests_;
        route();
    }

    void route() {
        Request& req = parser_->get();
        std::string_view target = req.target();
        std::string_view path = target.substr(0, target.find('?'));
        const auto method = req.method();
        client_ip_ = client_address(req);

        const bool rpc_call = path == "/rpc" && method == http::verb::post;
        if (auto wait_ms = core_->charge(client_ip_, rpc_call ? jsonrpc_call_count(req.body()) : 1); wait_ms != 0)
            return reply_rate_limited(rpc_call, wait_ms);

        if (path == "/rpc") {
            if (method != http::verb::post) return reply_not_allowed("POST");
            auto ct = req[http::field::content_type];
            auto media = trim(ct.substr(0, ct.find(';')));
            if (!iequals(media, "application/json")) {
                return reply(http::status::unsupported_media_type, "application/json",
                             rpc_error_body(rpc::invalid_request, "POST /rpc needs Content-Type: application/json"));
            }
            return call_handler();
        }
        if (path == "/ws") {
            if (websocket::is_upgrade(req)) return upgrade();
            return reply(http::status::upgrade_required, "application/json",
                         plain_error_body("GET /ws is a WebSocket endpoint; connect with a WebSocket client"),
                         [](Response& r) {
                             r.set(http::field::upgrade, "websocket");
                             r.set(http::field::connection, "Upgrade");
                         });
        }
        if (path == "/health") {
            if (method != http::verb::get) return reply_not_allowed("GET");
            std::string body;
            bool healthy = true;
            try {
                body = core_->handler.health();
                healthy = core_->handler.healthy();
            } catch (const std::exception&) {
                return reply(http::status::internal_server_error, "application/json",
                             plain_error_body("health check failed"));
            }
            return reply(healthy ? http::status::ok : http::status::service_unavailable, "application/json",
                         std::move(body));
        }
        if (path == "/metrics") {
            if (method != http::verb::get) return reply_not_allowed("GET");
            std::string body;
            try {
                body = core_->handler.metrics();
            } catch (const std::exception&) {
                return reply(http::status::internal_server_error, "application/json",
                             plain_error_body("metrics failed"));
            }
            return reply(http::status::ok, "text/plain; version=0.0.4", std::move(body));
        }
        if (path == "/media") {
            if (method != http::verb::post) return reply_media(media_not_allowed("POST"));
            return call_media_put();
        }
        if (path == sms_hook_path) {
            if (method != http::verb::post) return reply_media(media_not_allowed("POST"));
            return call_sms_hook();
        }
        if (path.starts_with(media_path_prefix)) {
            if (method != http::verb::get && method != http::verb::head)
                return reply_media(media_not_allowed("GET, HEAD"));
            MediaReply answer;
            try {
                answer = core_->handler.media_get(path, method == http::verb::head, req[http::field::if_none_match]);
            } catch (const std::exception&) {
                return reply(http::status::internal_server_error, "application/json", plain_error_body("media failed"));
            }
            return reply_media(std::move(answer));
        }
        if (const assets::File* file = find_page_file(path)) {
            if (method != http::verb::get && method != http::verb::head) return reply_not_allowed("GET, HEAD");
            return reply_file(page_reply(*file, method == http::verb::head, req[http::field::accept_encoding],
                                         req[http::field::if_none_match]));
        }
        // A person meets this too, with a link cut short: say what to open, in both languages.
        reply(http::status::not_found, "application/json",
              plain_error_body("not found: open the link from your message whole, or the start page /. "
                               "Не найдено: откройте ссылку из сообщения целиком или начальную страницу /. "
                               "API: POST /rpc, GET /ws, GET /health, GET /metrics, POST /media, POST /hooks/sms"));
    }

    // Only a trusted proxy's X-Forwarded-For is read; every line of it, in order.
    std::string client_address(const Request& req) const {
        if (!core_->proxies.trusts(peer_ip_)) return peer_ip_;
        std::vector<std::string_view> lines;
        const auto [first, last] = req.equal_range("X-Forwarded-For");
        for (auto it = first; it != last; ++it) lines.push_back(it->value());
        return core_->proxies.client_address(peer_ip_, lines);
    }

    void reply_file(const PageReply& page) {
        const Request& req = parser_->get();
        file_res_.emplace(static_cast<http::status>(page.status), req.version());
        auto& res = *file_res_;
        res.set(http::field::server, server_name);
        for (const auto& [name, value] : page.headers) res.set(name, value);
        res.body() = {page.body.data(), page.body.size()};
        // A 304 has no body and names no length; a HEAD names the GET's.
        if (page.status != 304) res.content_length(page.content_length);
        res.keep_alive(req.keep_alive());
        write(false);
    }

    CallContext context(const Request& req) {
        CallContext ctx;
        ctx.client_ip = client_ip_;
        ctx.charge = Core::charger(core_, client_ip_);
        auto token = bearer_token(req[http::field::authorization]);
        if (!token.empty()) {
            try {
                ctx.admin = core_->handler.admin_token_ok(token);
            } catch (...) {
                ctx.admin = false;
            }
        }
        return ctx;
    }

    void call_handler() {
        Request& req = parser_->get();
        CallContext ctx = context(req);
        auto answered = std::make_shared<std::atomic<bool>>(false);
        // `done` holds the session until the handler answers, from any thread.
        auto done = [self = shared_from_this(), answered](std::string resp) {
            if (answered->exchange(true)) return;  // `done` called twice: a handler bug; keep the first
            self->core_->post_from_outside(self->ex_, [self, r = std::move(resp)]() mutable {
                self->on_rpc_done(std::move(r));
            });
        };
        try {
            core_->handler.handle(std::move(req.body()), std::move(ctx), done);
        } catch (const std::exception&) {
            if (!answered->exchange(true)) {
                reply(http::status::internal_server_error, "application/json",
                      rpc_error_body(rpc::internal_error, "internal error"));
            }
        }
    }

    // A handler's answer, once, from any thread, back on this session's
    // executor; `answered` tells the caller whether it already came.
    std::function<void(MediaReply)> answer_once(const std::shared_ptr<std::atomic<bool>>& answered) {
        return [self = shared_from_this(), answered](MediaReply answer) {
            if (answered->exchange(true)) return;
            self->core_->post_from_outside(self->ex_, [self, a = std::move(answer)]() mutable {
                if (!self->closed_) self->reply_media(std::move(a));
            });
        };
    }

    void call_media_put() {
        Request& req = parser_->get();
        auto answered = std::make_shared<std::atomic<bool>>(false);
        try {
            core_->handler.media_put(std::move(req.body()), std::string(req[http::field::content_type]), context(req),
                                     answer_once(answered));
        } catch (const std::exception&) {
            if (!answered->exchange(true))
                reply(http::status::internal_server_error, "application/json", plain_error_body("media failed"));
        }
    }

    void call_sms_hook() {
        Request& req = parser_->get();
        auto answered = std::make_shared<std::atomic<bool>>(false);
        std::vector<std::pair<std::string, std::string>> headers;
        for (std::string_view name : {"content-type", "authorization", "x-kopilka-timestamp", "x-kopilka-signature"})
            headers.emplace_back(std::string(name), std::string(req[name]));
        try {
            core_->handler.sms_hook(std::move(req.body()), std::move(headers), context(req), answer_once(answered));
        } catch (const std::exception&) {
            if (!answered->exchange(true))
                reply(http::status::internal_server_error, "application/json", plain_error_body("hook failed"));
        }
    }

    static Response media_response(MediaReply&& m, unsigned version, bool keep_alive, bool head) {
        Response res{static_cast<http::status>(m.status), version};
        res.set(http::field::server, server_name);
        for (auto& [name, value] : m.headers) res.set(name, value);
        res.keep_alive(keep_alive);
        if (m.status != 304) {  // a 304 has no body and names no length
            res.body() = std::move(m.body);
            res.prepare_payload();
            if (head) res.body().clear();  // the length a GET would get, no body
        }
        return res;
    }

    void reply_media(MediaReply m) {
        if (m.body.size() > lim().send_queue_bytes_max) return reply_over_send_queue(m.body.size());
        if (!core_->reserve_bytes(m.body.size())) return reply_over_total();
        held_bytes_ = m.body.size();  // given back when the write ends (on_write)
        const Request& req = parser_->get();
        res_.emplace(media_response(std::move(m), req.version(), req.keep_alive(), req.method() == http::verb::head));
        write(false);
    }

    void reply_media_and_close(MediaReply m) {
        res_.emplace(media_response(std::move(m), 11, false, false));
        write(true);
    }

    void on_rpc_done(std::string resp) {
        if (closed_) return;
        if (resp.empty()) return reply(http::status::no_content, "", {});
        reply(http::status::ok, "application/json", std::move(resp));
    }

    void reply_rate_limited(bool rpc_call, std::uint64_t wait_ms) {
        const std::string message = rate_limited_message(lim(), wait_ms);
        std::string body = rpc_call ? rate_limited_answer(parser_->get().body(), message) : plain_error_body(message);
        if (body.empty()) body = rpc_error_body(rpc::rate_limited, message);  // only notifications: still say why
        const std::string retry_after_s = std::to_string((wait_ms + 999) / 1000);
        reply(http::status::too_many_requests, "application/json", std::move(body),
              [&retry_after_s](Response& r) { r.set(http::field::retry_after, retry_after_s); });
    }

    void reply_not_allowed(std::string_view allow) {
        reply(http::status::method_not_allowed, "application/json",
              plain_error_body("method not allowed; use " + std::string(allow)),
              [allow](Response& r) { r.set(http::field::allow, allow); });
    }

    void reply(http::status status, std::string_view content_type, std::string body,
               const std::function<void(Response&)>& decorate = nullptr) {
        if (body.size() > lim().send_queue_bytes_max) return reply_over_send_queue(body.size());
        if (!core_->reserve_bytes(body.size())) return reply_over_total();
        held_bytes_ = body.size();  // given back when the write ends (on_write)
        const Request& req = parser_->get();
        res_.emplace(make_response(status, req.version(), req.keep_alive(), content_type, std::move(body)));
        if (decorate) decorate(*res_);
        // A HEAD answer tells the length a GET would get, and sends no body
        // (one would be read as the next response on a kept-alive connection).
        if (req.method() == http::verb::head) res_->body().clear();
        write(false);
    }

    // An answer larger than a connection may have queued is not sent: the
    // node's own batch limit keeps its answers under it, so this is a handler
    // that went past it. The client learns why, and the connection closes.
    void reply_over_send_queue(std::size_t bytes) {
        try {
            core_->handler.connection_dropped_send_queue();
        } catch (...) {
        }
        const Request& req = parser_->get();
        res_.emplace(make_response(http::status::internal_server_error, req.version(), false, "application/json",
                                   rpc_error_body(rpc::internal_error,
                                                  "the answer is " + std::to_string(bytes) +
                                                      " bytes, over the node's send-queue-bytes-max of " +
                                                      std::to_string(lim().send_queue_bytes_max) +
                                                      "; ask for fewer calls in a batch or smaller pages")));
        write(false);
    }

    // Every connection together holds send_queue_bytes_total_max of answers
    // not yet read: this one is not queued; the client may retry.
    void reply_over_total() {
        try {
            core_->handler.connection_dropped_send_queue();
        } catch (...) {
        }
        const Request& req = parser_->get();
        res_.emplace(make_response(http::status::service_unavailable, req.version(), false, "application/json",
                                   rpc_error_body(rpc::rate_limited,
                                                  "the node holds too many answers that clients have not read yet; "
                                                  "retry shortly")));
        res_->set(http::field::retry_after, "1");
        write(false);
    }

    void reply_and_close(http::status status, std::string body) {
        res_.emplace(make_response(status, 11, false, "application/json", std::move(body)));
        write(true);
    }

    void write(bool linger) {
        // A client that does not read its response is cut off like an idle one.
        stream_.expires_after(std::chrono::milliseconds(lim().idle_timeout_ms));
        auto done = beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), linger);
        if (file_res_) return http::async_write(stream_, *file_res_, std::move(done));
        http::async_write(stream_, *res_, std::move(done));
    }

    void on_write(bool linger, error_code ec, std::size_t) {
        const bool keep = file_res_ ? file_res_->keep_alive() : res_->keep_alive();
        res_.reset();
        file_res_.reset();
        core_->release_bytes(std::exchange(held_bytes_, 0));
        if (ec) return close();
        if (linger) return start_linger();
        if (!keep) {
            error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            return close();
        }
        do_read();
    }

    // After an error response the request may still be arriving: stop
    // sending, read and discard for a while, then close. Closing with unread
    // data would reset the connection, and the client could lose the response.
    void start_linger() {
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(std::chrono::milliseconds(std::min(lim().header_timeout_ms, linger_ms_max)));
        buffer_.consume(buffer_.size());
        do_linger();
    }

    void do_linger() {
        stream_.async_read_some(buffer_.prepare(linger_chunk_bytes), [self = shared_from_this()](error_code ec, std::size_t) {
            if (ec || self->closed_) return self->close();
            self->do_linger();
        });
    }

    void upgrade() {
        Request req = parser_->release();
        auto token = bearer_token(req[http::field::authorization]);
        bool admin = false;
        if (!token.empty()) {
            try {
                admin = core_->handler.admin_token_ok(token);
            } catch (...) {
            }
        }
        closed_ = true;  // this object is done; the socket now belongs to the WebSocket session
        core_->remove(conn_id_);
        auto ws = std::make_shared<WsSession>(core_, std::move(stream_), std::move(slot_), client_ip_, admin);
        ws->run(std::move(req));
    }

    // On the strand; idempotent.
    void close() {
        if (closed_) return;
        closed_ = true;
        stream_.close();
        slot_.release();
        core_->remove(conn_id_);
    }

    std::shared_ptr<Core> core_;  // first: outlives the stream, which needs its io_context
    beast::tcp_stream stream_;
    net::any_io_executor ex_;
    Slot slot_;
    std::string peer_ip_;    // the socket's other end
    std::string client_ip_;  // the current request's client: the peer, or whom a trusted proxy forwarded
    std::uint64_t conn_id_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<Response> res_;
    // A page or asset: its body is static (assets.h), so it is neither copied
    // nor counted in Core::queued_bytes. At most one of res_ and file_res_ is set.
    std::optional<FileResponse> file_res_;
    std::size_t held_bytes_ = 0;  // of res_, reserved in Core::queued_bytes
    std::uint64_t requests_ = 0;
    bool media_upload_ = false;  // the request being read is POST /media
    bool closed_ = false;
};

// ---------------------------------------------------------------------------
// Listener

class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(std::shared_ptr<Core> core, tcp::acceptor&& acceptor)
        : core_(std::move(core)), acceptor_(std::move(acceptor)), retry_(acceptor_.get_executor()) {}

    void run() {
        net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
    }

    // Any thread.
    void stop() {
        net::post(acceptor_.get_executor(), [self = shared_from_this()] {
            self->stopped_ = true;
            error_code ec;
            self->acceptor_.close(ec);
            self->retry_.cancel();
        });
    }

private:
    void do_accept() {
        if (stopped_) return;
        acceptor_.async_accept(net::make_strand(core_->ioc),
                               beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }

    void on_accept(error_code ec, tcp::socket socket) {
        if (stopped_ || ec == net::error::operation_aborted) return;
        if (ec) {
            // Out of file descriptors or a similar passing trouble: wait a
            // little instead of spinning on the error.
            retry_.expires_after(accept_retry_ms);
            retry_.async_wait([self = shared_from_this()](error_code wec) {
                if (!wec) self->do_accept();
            });
            return;
        }
        if (core_->connections.load() >= core_->limits.connections_max || core_->is_stopping()) {
            core_->handler.connection_refused(false);  // counted first: the client may look at once
            refuse(std::move(socket), core_->busy_total);
        } else {
            error_code rec;
            auto remote = socket.remote_endpoint(rec);
            std::string ip = rec ? std::string() : ip_text(remote);
            std::string key = rate_key(ip);
            if (!core_->admit(key)) {
                // Nothing of a connection is made for it: no session, no timers, no buffers.
                core_->handler.connection_refused(true);
                refuse(std::move(socket), core_->busy_address);
            } else {
                std::make_shared<HttpSession>(core_, std::move(socket), std::move(ip), std::move(key))->start();
            }
        }
        do_accept();
    }

    static void refuse(tcp::socket socket, const std::string& response) {
        error_code ec;
        socket.non_blocking(true, ec);
        socket.write_some(net::buffer(response), ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
    }

    std::shared_ptr<Core> core_;
    tcp::acceptor acceptor_;
    net::steady_timer retry_;
    bool stopped_ = false;
};

std::string where(const std::string& address, std::uint16_t port) {
    if (address.find(':') != std::string::npos) return "[" + address + "]:" + std::to_string(port);
    return address + ":" + std::to_string(port);
}

[[noreturn]] void listen_failed(const std::string& address, std::uint16_t port, const error_code& ec) {
    std::string msg = "cannot listen on " + where(address, port) + ": " + lower_first(ec.message());
    if (ec == net::error::address_in_use) {
        msg += " (is another kopilkad running? stop it or choose another port)";
    } else if (ec == net::error::access_denied) {
        msg += " (ports below 1024 need privileges; choose a port above 1024)";
    } else if (ec == boost::system::errc::address_not_available) {
        msg += " (this machine has no such address; use 127.0.0.1 or 0.0.0.0)";
    }
    throw std::runtime_error(msg);
}

}  // namespace

// ---------------------------------------------------------------------------
// RequestRateLimiter
//
// A token bucket per address, in thousandths of a request so that integer
// arithmetic refills exactly: requests_per_second_max thousandths per ms.
// Entries sit in a list ordered by last use (most recent first), so both
// evictions — refilled entries and, when full, the least recent — take the
// tail in O(1).

struct RequestRateLimiter::Impl {
    struct Entry {
        std::string address;
        std::int64_t milli_tokens;  // below 0: in debt (charge)
        std::uint64_t last_ms;
    };
    std::int64_t refill_per_ms;  // thousandths of a request
    std::int64_t capacity;       // thousandths of a request
    std::int64_t debt_max;       // thousandths of a request
    mutable std::mutex mu;
    std::list<Entry> lru;  // under mu
    std::unordered_map<std::string_view, std::list<Entry>::iterator> by_address;  // keys point into lru

    // The entry's tokens at `now` (never above capacity).
    std::int64_t refilled(const Entry& e, std::uint64_t now) const {
        const std::uint64_t elapsed = now > e.last_ms ? now - e.last_ms : 0;
        const auto missing = static_cast<std::uint64_t>(capacity - e.milli_tokens);
        const auto rate = static_cast<std::uint64_t>(refill_per_ms);
        if (elapsed >= (missing + rate - 1) / rate) return capacity;
        return e.milli_tokens + static_cast<std::int64_t>(elapsed * rate);
    }
    void drop_tail() {
        by_address.erase(lru.back().address);
        lru.pop_back();
    }
    // The entry of `address` (its rate key), refilled to `now` and made the
    // most recent; created full when new. Under mu.
    Entry& touch(std::string_view address, std::uint64_t now_ms) {
        // Forget addresses whose buckets have refilled: they are as if never seen.
        while (!lru.empty() && lru.back().address != address && refilled(lru.back(), now_ms) == capacity) drop_tail();
        auto it = by_address.find(address);
        if (it == by_address.end()) {
            if (lru.size() >= tracked_addresses_max) drop_tail();
            lru.push_front(Entry{std::string(address), capacity, now_ms});
            it = by_address.emplace(lru.front().address, lru.begin()).first;
        } else {
            lru.splice(lru.begin(), lru, it->second);
        }
        Entry& e = *it->second;
        e.milli_tokens = refilled(e, now_ms);
        e.last_ms = std::max(e.last_ms, now_ms);
        return e;
    }
    // Milliseconds until `tokens` reach `target`.
    std::uint64_t wait_ms(std::int64_t tokens, std::int64_t target) const {
        return static_cast<std::uint64_t>((target - tokens + refill_per_ms - 1) / refill_per_ms);
    }
};

RequestRateLimiter::RequestRateLimiter(std::uint32_t requests_per_second_max, std::uint32_t requests_burst_max)
    : impl_(std::make_unique<Impl>()) {
    impl_->refill_per_ms = requests_per_second_max;
    impl_->capacity = std::int64_t{std::max<std::uint32_t>(1, requests_burst_max)} * 1000;
    // refill_per_ms thousandths a ms is refill_per_ms requests a second.
    impl_->debt_max = std::int64_t{requests_per_second_max} * 1000 * static_cast<std::int64_t>(debt_s_max);
    impl_->by_address.reserve(1024);
}

RequestRateLimiter::~RequestRateLimiter() = default;

std::uint64_t RequestRateLimiter::take(std::string_view address, std::uint64_t requests, std::uint64_t now_ms) {
    auto& m = *impl_;
    if (m.refill_per_ms == 0) return 0;  // the limit is off
    const auto cost = static_cast<std::int64_t>(std::clamp<std::uint64_t>(requests, 1, m.capacity / 1000)) * 1000;
    const std::string key = rate_key(std::string(address));
    std::lock_guard lock(m.mu);
    Impl::Entry& e = m.touch(key, now_ms);
    if (e.milli_tokens >= cost) {
        e.milli_tokens -= cost;
        return 0;
    }
    return m.wait_ms(e.milli_tokens, cost);
}

std::uint64_t RequestRateLimiter::charge(std::string_view address, std::uint64_t requests, std::uint64_t now_ms) {
    auto& m = *impl_;
    if (m.refill_per_ms == 0) return 0;
    const std::string key = rate_key(std::string(address));
    std::lock_guard lock(m.mu);
    Impl::Entry& e = m.touch(key, now_ms);
    // Clamped before multiplying: `requests` comes from a count of rows.
    const std::int64_t cost = static_cast<std::int64_t>(std::min<std::uint64_t>(requests, m.debt_max / 1000 + m.capacity / 1000)) * 1000;
    e.milli_tokens = std::max(e.milli_tokens - cost, -m.debt_max);
    return e.milli_tokens >= 0 ? 0 : m.wait_ms(e.milli_tokens, 0);
}

std::size_t RequestRateLimiter::tracked_addresses() const {
    std::lock_guard lock(impl_->mu);
    return impl_->lru.size();
}

std::size_t jsonrpc_call_count(std::string_view body) {
    std::size_t i = 0;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (i < body.size() && space(body[i])) ++i;
    if (i == body.size() || body[i] != '[') return 1;
    std::size_t depth = 0, commas = 0;
    bool in_string = false, escaped = false, any = false;
    for (; i < body.size(); ++i) {
        const char c = body[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            ++depth;
        } else if (c == ']' || c == '}') {
            if (depth == 0 || --depth == 0) break;
        } else if (c == ',' && depth == 1) {
            ++commas;
            continue;
        } else if (space(c)) {
            continue;
        }
        if (depth >= 1 && !(depth == 1 && c == '[')) any = true;
    }
    return std::max<std::size_t>(1, any ? commas + 1 : commas);
}

// ---------------------------------------------------------------------------

struct Server::Impl {
    Impl(RpcHandler& handler, ServerLimits limits, TrustedProxies proxies)
        : core(std::make_shared<Core>(handler, limits, std::move(proxies))) {}

    std::shared_ptr<Core> core;
    std::shared_ptr<Listener> listener;
    // Keeps io_context::run from returning on its own (when every connection
    // happens to be closed) before stop() has posted the last closes: work
    // posted to an io_context that no longer runs would never run, and would
    // keep the sessions (and Core) alive in a cycle.
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    std::vector<std::thread> threads;
    std::atomic<std::uint16_t> port{0};

    std::mutex lifecycle;  // start/stop
    bool started = false;

    std::mutex run_mu;
    std::condition_variable run_cv;
    unsigned running = 0;  // threads inside io_context::run, under run_mu

    void run_thread() {
        for (;;) {
            try {
                core->ioc.run();
                break;
            } catch (const std::exception& e) {
                // A handler threw out of a completion handler; keep serving.
                std::fprintf(stderr, "kopilkad: server I/O thread: %s\n", e.what());
            }
        }
        std::lock_guard lock(run_mu);
        --running;
        run_cv.notify_all();
    }
};

Server::Server(RpcHandler& handler, ServerLimits limits, TrustedProxies proxies)
    : impl_(std::make_unique<Impl>(handler, limits, std::move(proxies))) {}

Server::~Server() { stop(); }

void Server::start(const std::string& address, std::uint16_t port) {
    std::lock_guard lock(impl_->lifecycle);
    if (impl_->started) throw std::runtime_error("the server is already started");
    auto& ioc = impl_->core->ioc;

    error_code ec;
    tcp::endpoint endpoint;
    auto ip = net::ip::make_address(address, ec);
    if (!ec) {
        endpoint = tcp::endpoint(ip, port);
    } else {
        tcp::resolver resolver(ioc);
        auto results = resolver.resolve(address, std::to_string(port), tcp::resolver::passive, ec);
        if (ec || results.empty()) {
            throw std::runtime_error("cannot listen on " + where(address, port) + ": '" + address +
                                     "' is not an IP address or a known host name (use e.g. 127.0.0.1 or 0.0.0.0)");
        }
        endpoint = results.begin()->endpoint();
    }

    tcp::acceptor acceptor(net::make_strand(ioc));
    acceptor.open(endpoint.protocol(), ec);
    if (ec) listen_failed(address, port, ec);
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) listen_failed(address, port, ec);
    acceptor.bind(endpoint, ec);
    if (ec) listen_failed(address, port, ec);
    acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) listen_failed(address, port, ec);
    impl_->port = acceptor.local_endpoint(ec).port();
    if (ec) listen_failed(address, port, ec);

    impl_->work.emplace(ioc.get_executor());
    impl_->listener = std::make_shared<Listener>(impl_->core, std::move(acceptor));
    impl_->listener->run();
    impl_->started = true;

    const unsigned n = std::max(1u, impl_->core->limits.threads);
    {
        std::lock_guard rl(impl_->run_mu);
        impl_->running = n;
    }
    impl_->threads.reserve(n);
    for (unsigned i = 0; i < n; ++i) impl_->threads.emplace_back([impl = impl_.get()] { impl->run_thread(); });
}

std::uint16_t Server::port() const { return impl_->port.load(); }

void Server::stop() {
    if (!impl_) return;
    std::lock_guard lock(impl_->lifecycle);
    if (!impl_->started || impl_->threads.empty()) return;
    auto& core = *impl_->core;

    std::vector<std::shared_ptr<Closable>> open;
    {
        std::lock_guard l(core.mu);
        core.stopping = true;
        for (auto& [id, weak] : core.live) {
            if (auto c = weak.lock()) open.push_back(std::move(c));
        }
    }
    impl_->listener->stop();
    for (auto& c : open) c->shut();
    open.clear();
    impl_->work.reset();

    // With the acceptor and every socket closed, the io_context runs out of
    // work and its threads return. If something still holds it (a stuck
    // close), stop it rather than hang the caller.
    {
        std::unique_lock rl(impl_->run_mu);
        if (!impl_->run_cv.wait_for(rl, stop_wait_ms, [&] { return impl_->running == 0; })) core.ioc.stop();
    }
    for (auto& t : impl_->threads) t.join();
    impl_->threads.clear();
    impl_->listener.reset();
}

std::size_t Server::connections() const { return impl_->core->connections.load(); }

std::string client_rate_key(const std::string& client_ip) { return rate_key(client_ip); }

}  // namespace kopilka::node
