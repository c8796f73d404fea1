// Synchronous JSON-RPC clients for kopilkad, on Boost.Beast.
//
// Each client owns a private io_context and runs it only while it waits, so
// every wait has a deadline: beast::tcp_stream's expiry for HTTP, and
// io_context::run_one_until for the WebSocket. Nothing here starts a thread.
//
// Messages of TransportError are shown to cashiers and operators: each says
// which node could not be reached, what went wrong, and what to try.
#include "rpc/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <cctype>
#include <deque>
#include <optional>

namespace kopilka::rpc {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;
using steady = std::chrono::steady_clock;

constexpr std::chrono::milliseconds default_timeout{30'000};
// A response body larger than this is refused: a block page or a long
// history fits well inside it, a runaway answer does not fill the memory.
constexpr std::uint64_t response_bytes_max = 64ull << 20;
// How long close() waits for the node to answer a WebSocket close.
constexpr std::chrono::milliseconds ws_close_wait{1'000};
constexpr std::string_view user_agent = "kopilka-rpc-client";

std::string lower_first(std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

std::string describe(const error_code& ec) { return lower_first(ec.message()); }

std::string duration_text(std::chrono::milliseconds t) {
    if (t.count() >= 1000 && t.count() % 1000 == 0) return std::to_string(t.count() / 1000) + " s";
    return std::to_string(t.count()) + " ms";
}

std::string host_port(const std::string& host, std::uint16_t port) {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

bool connection_dropped(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::error::connection_aborted;
}

std::string unreachable(const std::string& where, const error_code& ec, std::chrono::milliseconds timeout) {
    std::string msg = "cannot reach kopilkad at " + where + ": ";
    if (ec == beast::error::timeout || ec == net::error::timed_out) {
        return msg + "no answer within " + duration_text(timeout) +
               " (check the host and port, and that no firewall drops the connection)";
    }
    msg += describe(ec);
    if (ec == net::error::connection_refused) msg += " (is kopilkad running? check the host and port)";
    else if (ec == net::error::host_unreachable || ec == net::error::network_unreachable)
        msg += " (check the network connection and the node address)";
    return msg;
}

std::string lost(const std::string& where, const error_code& ec, std::chrono::milliseconds timeout) {
    if (ec == beast::error::timeout) {
        return "kopilkad at " + where + " did not answer within " + duration_text(timeout) +
               " (it may be busy or stuck; retry, or raise the timeout)";
    }
    if (ec == http::error::body_limit) {
        return "the answer from kopilkad at " + where + " is larger than " + std::to_string(response_bytes_max) +
               " bytes; ask for less (a smaller page or range)";
    }
    return "lost the connection to kopilkad at " + where + ": " + describe(ec) +
           " (the node may have restarted; retry)";
}

tcp::resolver::results_type resolve(net::io_context& ioc, const std::string& host, std::uint16_t port) {
    tcp::resolver resolver(ioc);
    error_code ec;
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
        throw TransportError("cannot reach kopilkad at " + host_port(host, port) + ": cannot resolve host '" + host +
                             "': " + describe(ec) + " (check the node address)");
    }
    return results;
}

// Turns a JSON-RPC response into its result, or throws.
json::value result_of(const std::string& where, int status, const std::string& body, std::uint64_t id,
                      std::string_view method) {
    error_code ec;
    json::value v = body.empty() ? json::value() : json::parse(body, ec);
    if (body.empty() || ec || !v.is_object()) {
        throw TransportError("kopilkad at " + where + " answered '" + std::string(method) + "' with HTTP " +
                             std::to_string(status) +
                             " and no JSON-RPC response (is that port really a kopilkad RPC port?)");
    }
    auto& o = v.as_object();
    if (auto* e = o.if_contains("error")) {
        if (e->is_string()) {  // a transport-level error body such as 404's
            throw TransportError("kopilkad at " + where + " answered HTTP " + std::to_string(status) + ": " +
                                 std::string(e->get_string()));
        }
        if (e->is_object()) {
            auto& eo = e->get_object();
            int code = internal_error;
            if (auto* c = eo.if_contains("code"); c && c->is_int64()) code = static_cast<int>(c->get_int64());
            std::string message = "error without a message";
            if (auto* m = eo.if_contains("message"); m && m->is_string()) message = std::string(m->get_string());
            json::value data = nullptr;
            if (auto* d = eo.if_contains("data")) data = *d;
            throw Error(code, std::move(message), std::move(data));
        }
    }
    if (auto* r = o.if_contains("result")) {
        if (auto* i = o.if_contains("id")) {
            auto got = i->to_number<std::uint64_t>(ec);
            if (ec || got != id) {
                throw TransportError("kopilkad at " + where + " answered call " + std::to_string(id) +
                                     " with the response of another call (id " + json::serialize(*i) + ")");
            }
        }
        return *r;
    }
    throw TransportError("kopilkad at " + where + " answered '" + std::string(method) +
                         "' with neither a result nor an error");
}

std::string request_text(std::uint64_t id, std::string_view method, json::value params) {
    json::object req;
    req["jsonrpc"] = "2.0";
    req["id"] = id;
    req["method"] = method;
    req["params"] = std::move(params);
    return json::serialize(req);
}

}  // namespace

// ---------------------------------------------------------------------------
// HTTP

struct Client::Impl {
    Impl(std::string h, std::uint16_t p, std::string token)
        : host(std::move(h)), port(p), admin_token(std::move(token)), where(host_port(host, port)) {}

    std::string host;
    std::uint16_t port;
    std::string admin_token;
    std::string where;
    std::chrono::milliseconds timeout = default_timeout;
    std::uint64_t next_id = 1;

    net::io_context ioc;                     // before stream: the stream needs it
    std::optional<beast::tcp_stream> stream;  // empty when not connected
    beast::flat_buffer buffer;

    // Runs the operation `start` begins to completion. The stream's expiry
    // ends it with beast::error::timeout at the deadline.
    template <class Start>
    error_code run(Start&& start) {
        error_code result;
        bool done = false;
        start([&](error_code ec, auto&&...) {
            result = ec;
            done = true;
        });
        ioc.restart();
        ioc.run();
        return done ? result : error_code(net::error::timed_out);
    }

    void drop() {
        if (stream) {
            error_code ignored;
            stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream->close();
        }
        stream.reset();
        buffer.consume(buffer.size());
    }

    void connect() {
        auto results = resolve(ioc, host, port);
        stream.emplace(ioc);
        stream->expires_after(timeout);
        auto ec = run([&](auto handler) { stream->async_connect(results, std::move(handler)); });
        if (ec) {
            drop();
            throw TransportError(unreachable(where, ec, timeout));
        }
        error_code ignored;
        stream->socket().set_option(tcp::no_delay(true), ignored);
    }

    HttpResponse exchange(http::verb verb, std::string_view target, std::string body, std::string_view content_type) {
        for (int attempt = 0;; ++attempt) {
            const bool reused = stream.has_value();
            if (!reused) connect();

            http::request<http::string_body> req{verb, target, 11};
            req.set(http::field::host, where);
            req.set(http::field::user_agent, user_agent);
            req.set(http::field::accept, "application/json");
            if (!admin_token.empty()) req.set(http::field::authorization, "Bearer " + admin_token);
            if (verb == http::verb::post) {
                req.set(http::field::content_type, content_type);
                req.body() = body;  // kept for a retry
            }
            req.keep_alive(true);
            req.prepare_payload();

            stream->expires_after(timeout);
            auto ec = run([&](auto handler) { http::async_write(*stream, req, std::move(handler)); });
            if (ec) {
                drop();
                // The node closed the kept-alive connection while we were away.
                if (reused && attempt == 0 && connection_dropped(ec)) continue;
                throw TransportError(lost(where, ec, timeout));
            }

            http::response_parser<http::string_body> parser;
            parser.body_limit(response_bytes_max);
            ec = run([&](auto handler) { http::async_read(*stream, buffer, parser, std::move(handler)); });
            if (ec) {
                const bool nothing = !parser.got_some();
                drop();
                // Closed before it read our request: nothing was done; retry once.
                if (reused && attempt == 0 && nothing && connection_dropped(ec)) continue;
                throw TransportError(lost(where, ec, timeout));
            }
            auto res = parser.release();
            if (!res.keep_alive()) drop();
            HttpResponse out;
            out.status = static_cast<int>(res.result_int());
            out.content_type = std::string(res[http::field::content_type]);
            out.body = std::move(res.body());
            return out;
        }
    }
};

Client::Client(std::string host, std::uint16_t port, std::string admin_token)
    : impl_(std::make_unique<Impl>(std::move(host), port, std::move(admin_token))) {}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

json::value Client::call(std::string_view method, json::value params) {
    const std::uint64_t id = impl_->next_id++;
    auto res = impl_->exchange(http::verb::post, "/rpc", request_text(id, method, std::move(params)),
                               "application/json");
    return result_of(impl_->where, res.status, res.body, id, method);
}

HttpResponse Client::post(std::string_view target, std::string body, std::string_view content_type) {
    return impl_->exchange(http::verb::post, target, std::move(body), content_type);
}

HttpResponse Client::get(std::string_view target) { return impl_->exchange(http::verb::get, target, {}, {}); }

void Client::set_timeout(std::chrono::milliseconds t) { impl_->timeout = t; }

// ---------------------------------------------------------------------------
// WebSocket

struct WsClient::Impl {
    Impl(const std::string& h, std::uint16_t p) : host(h), port(p), where(host_port(h, p)) {}

    std::string host;
    std::uint16_t port;
    std::string where;
    std::chrono::milliseconds timeout = default_timeout;
    std::uint64_t next_id = 1;

    net::io_context ioc;  // before ws: the stream needs it
    websocket::stream<beast::tcp_stream> ws{ioc};
    bool open = false;
    std::string closed_why;  // set when the session ended

    // One read stays outstanding across receive() timeouts, so a frame that
    // was half read when a wait ended is completed by the next wait, not lost.
    beast::flat_buffer rbuf;
    bool read_pending = false;
    bool read_done = false;
    error_code read_ec;

    std::string wbuf;                // the frame being sent
    std::deque<std::string> notes;   // frames call() read past while waiting for its response

    // Runs handlers until `flag` is set or the deadline passes.
    bool run_until(const bool& flag, steady::time_point deadline) {
        ioc.restart();
        while (!flag) {
            if (ioc.run_one_until(deadline) == 0) break;
        }
        return flag;
    }

    void fail(std::string why) {
        open = false;
        closed_why = std::move(why);
        error_code ignored;
        beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(ws).close();
    }

    [[noreturn]] void throw_closed() { throw TransportError(closed_why); }

    void connect(const std::string& admin_token) {
        auto results = resolve(ioc, host, port);
        auto& tcp_layer = beast::get_lowest_layer(ws);
        tcp_layer.expires_after(timeout);
        bool done = false;
        error_code ec;
        tcp_layer.async_connect(results, [&](error_code e, const tcp::endpoint&) {
            ec = e;
            done = true;
        });
        if (!run_until(done, steady::now() + timeout + std::chrono::seconds(1))) ec = net::error::timed_out;
        if (ec) {
            fail(unreachable(where, ec, timeout));
            throw_closed();
        }
        error_code ignored;
        tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
        // The WebSocket keeps its own timers; the TCP stream's must be off.
        tcp_layer.expires_never();
        auto t = websocket::stream_base::timeout::suggested(beast::role_type::client);
        t.handshake_timeout = timeout;
        ws.set_option(t);
        ws.set_option(websocket::stream_base::decorator([admin_token](websocket::request_type& req) {
            req.set(http::field::user_agent, user_agent);
            if (!admin_token.empty()) req.set(http::field::authorization, "Bearer " + admin_token);
        }));
        // Responses (a block, a long history) can be large; refuse only runaway ones.
        ws.read_message_max(response_bytes_max);

        websocket::response_type res;
        done = false;
        ws.async_handshake(res, where, "/ws", [&](error_code e) {
            ec = e;
            done = true;
        });
        if (!run_until(done, steady::now() + timeout + std::chrono::seconds(1))) ec = beast::error::timeout;
        if (ec) {
            std::string why;
            if (res.result_int() != 0 && res.result() != http::status::switching_protocols) {
                why = "kopilkad at " + where + " refused the WebSocket connection with HTTP " +
                      std::to_string(res.result_int()) + " (check the port; the path is /ws)";
            } else {
                why = lost(where, ec, timeout);
            }
            fail(std::move(why));
            throw_closed();
        }
        open = true;
    }

    void send(const std::string& text) {
        if (!open) throw_closed();
        wbuf = text;
        bool done = false;
        error_code ec;
        ws.text(true);
        ws.async_write(net::buffer(wbuf), [&](error_code e, std::size_t) {
            ec = e;
            done = true;
        });
        if (!run_until(done, steady::now() + timeout)) {
            // The node does not take our frame: give up on the session, and
            // let the aborted write finish before wbuf and `done` go away.
            fail("kopilkad at " + where + " did not take a message within " + duration_text(timeout) +
                 " (it may be busy or stuck; reconnect and retry)");
            run_until(done, steady::now() + ws_close_wait);
            throw_closed();
        }
        if (ec) {
            fail(lost(where, ec, timeout));
            throw_closed();
        }
    }

    // The next frame from the socket, or nullopt at the deadline.
    std::optional<std::string> read_frame(steady::time_point deadline) {
        if (!open) throw_closed();
        if (!read_pending) {
            read_pending = true;
            read_done = false;
            ws.async_read(rbuf, [this](error_code e, std::size_t) {
                read_ec = e;
                read_done = true;
            });
        }
        if (!run_until(read_done, deadline)) return std::nullopt;
        read_pending = false;
        if (read_ec) {
            if (read_ec == websocket::error::closed) {
                auto reason = ws.reason();
                std::string why = "kopilkad at " + where + " closed the WebSocket session";
                if (reason.code != websocket::close_code::none) {
                    why += " (code " + std::to_string(reason.code);
                    if (!reason.reason.empty()) why += ": " + std::string(reason.reason.c_str());
                    why += ")";
                }
                fail(why + "; reconnect to continue");
            } else {
                fail(lost(where, read_ec, timeout));
            }
            throw_closed();
        }
        std::string frame = beast::buffers_to_string(rbuf.data());
        rbuf.consume(rbuf.size());
        return frame;
    }

    void close() {
        if (!open) return;
        open = false;
        closed_why = "the WebSocket session to kopilkad at " + where + " was closed by this client";
        bool done = false;
        ws.async_close(websocket::close_code::normal, [&](error_code) { done = true; });
        const auto deadline = steady::now() + ws_close_wait;
        run_until(done, deadline);
        if (read_pending) run_until(read_done, deadline);
        error_code ignored;
        beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(ws).close();
        // Let aborted operations finish while the buffers and flags they use exist.
        if (!done) run_until(done, steady::now() + ws_close_wait);
        if (read_pending && !read_done) run_until(read_done, steady::now() + ws_close_wait);
        read_pending = false;
    }
};

WsClient::WsClient(const std::string& host, std::uint16_t port, std::string admin_token)
    : impl_(std::make_unique<Impl>(host, port)) {
    impl_->connect(admin_token);
}

WsClient::~WsClient() {
    try {
        impl_->close();
    } catch (...) {
    }
}

void WsClient::send(const std::string& text) { impl_->send(text); }

std::optional<std::string> WsClient::receive(std::chrono::milliseconds timeout) {
    if (!impl_->notes.empty()) {
        std::string s = std::move(impl_->notes.front());
        impl_->notes.pop_front();
        return s;
    }
    return impl_->read_frame(steady::now() + timeout);
}

json::value WsClient::call(std::string_view method, json::value params) {
    auto& m = *impl_;
    const std::uint64_t id = m.next_id++;
    m.send(request_text(id, method, std::move(params)));
    const auto deadline = steady::now() + m.timeout;
    for (;;) {
        auto frame = m.read_frame(deadline);
        if (!frame) {
            throw TransportError("kopilkad at " + m.where + " did not answer '" + std::string(method) + "' within " +
                                 duration_text(m.timeout) + " (it may be busy or stuck; retry)");
        }
        error_code ec;
        auto v = json::parse(*frame, ec);
        if (!ec && v.is_object()) {
            auto& o = v.as_object();
            auto* i = o.if_contains("id");
            if (i && !i->is_null() && (o.contains("result") || o.contains("error"))) {
                auto got = i->to_number<std::uint64_t>(ec);
                if (!ec && got == id) return result_of(m.where, 101, *frame, id, method);
            }
        }
        m.notes.push_back(std::move(*frame));  // a notification, or an answer to someone else's send()
    }
}

void WsClient::close() { impl_->close(); }

}  // namespace kopilka::rpc
