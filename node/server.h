// The network front of kopilkad: HTTP/1.1 with keep-alive and WebSocket, on
// Boost.Beast. It knows nothing of the ledger: every request body goes to an
// RpcHandler, which answers through a callback (possibly later, from another
// thread — a submit that waits for its block). Beast stays inside server.cpp.
//
// Routes: POST /rpc (JSON-RPC 2.0, batches), GET /ws (WebSocket upgrade, one
// JSON-RPC message per text frame), GET /health, GET /metrics, and the
// embedded web pages and their files (pages.h), GET or HEAD, and POST /media
// with GET or HEAD /media/<name> (media.h), which go to the RpcHandler too.
#pragma once

#include "node/media.h"
#include "node/proxy.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace kopilka::node {

// What the server knows about a call's origin.
struct CallContext {
    // The client's address: the peer's, or the one a trusted proxy forwarded
    // (TrustedProxies::client_address).
    std::string client_ip;
    bool admin = false;          // the request carried the right bearer token
    std::uint64_t session = 0;   // a WebSocket session's id; 0 for plain HTTP
    // WebSocket only: queue a text frame to this client (notifications). Safe
    // from any thread; drops the session if its send queue is over its limit.
    std::function<void(std::string)> push;
    // Charges `requests` more to the caller's address after a call ran (the
    // rows a heavy read read); the address's budget may go into debt. Returns
    // 0 while the address is not in debt, else the milliseconds until it is
    // out of it. Safe from any thread. Unset, or with the rate off: charges
    // nothing.
    std::function<std::uint64_t(std::uint64_t requests)> charge;
};

// The key a client's limits are kept under: an IPv4 address as is, an IPv6
// address by its /64 (one host commonly holds a whole /64).
std::string client_rate_key(const std::string& client_ip);

class RpcHandler {
public:
    virtual ~RpcHandler() = default;
    // `body` is a JSON-RPC request or batch. `done` must be called exactly once
    // with the response body (empty when the request held only notifications),
    // from any thread.
    virtual void handle(std::string body, CallContext ctx, std::function<void(std::string)> done) = 0;
    virtual void session_closed(std::uint64_t session) = 0;
    // POST /media: `body` is the upload (the server refused one over
    // media_upload_bytes_max before reading it), `content_type` its header.
    // `done` must be called exactly once, from any thread. The default
    // serves no media.
    virtual void media_put(std::string body, std::string content_type, CallContext ctx,
                           std::function<void(MediaReply)> done) {
        (void)body, (void)content_type, (void)ctx;
        done(media_not_found());
    }
    // GET (head = false) or HEAD of `path` under /media/, answered at once on
    // the I/O thread (one file of at most media_upload_bytes_max is read).
    virtual MediaReply media_get(std::string_view path, bool head, std::string_view if_none_match) {
        (void)path, (void)head, (void)if_none_match;
        return media_not_found();
    }
    // POST /hooks/sms: a provider's callback (delivery reports, clients'
    // replies; node/messages/inbound.h). `headers` holds the request's
    // Content-Type, Authorization, X-Kopilka-Timestamp and
    // X-Kopilka-Signature, by those lowercase names. `done` must be called
    // exactly once, from any thread. The default reads none.
    virtual void sms_hook(std::string body, std::vector<std::pair<std::string, std::string>> headers, CallContext ctx,
                          std::function<void(MediaReply)> done) {
        (void)body, (void)headers, (void)ctx;
        done(media_not_found());
    }
    virtual bool admin_token_ok(std::string_view token) = 0;  // constant-time compare
    virtual std::string health() = 0;   // JSON body of GET /health
    // False when the node cannot be trusted to serve (its ledger is
    // damaged): GET /health then answers 503 with the same body.
    virtual bool healthy() { return true; }
    virtual std::string metrics() = 0;  // Prometheus text of GET /metrics
    // Counters for /metrics.
    virtual void connection_opened() {}
    virtual void connection_closed() {}
    // A request or WebSocket message refused by the per-address rate.
    virtual void request_rate_limited() noexcept {}
    // A socket closed at accept: over connections_max, or over
    // connections_per_address_max (`per_address`).
    virtual void connection_refused(bool per_address) noexcept { (void)per_address; }
    // A connection closed because the answers queued to it passed
    // send_queue_bytes_max (a client that does not read).
    virtual void connection_dropped_send_queue() noexcept {}
};

// Where SMS providers post delivery reports and clients' replies.
inline constexpr std::string_view sms_hook_path = "/hooks/sms";

// The default share of connections_max that one client address may hold.
inline constexpr std::size_t connections_per_address_divisor = 8;

struct ServerLimits {
    std::size_t body_bytes_max = 1 << 20;           // one request body
    std::size_t header_bytes_max = 8 * 1024;        // request line + headers
    std::size_t connections_max = 512;              // open sockets; more are closed at once
    // Open sockets from one client address (IPv6: one /64); more are closed
    // at accept like those over connections_max, so one address cannot take
    // every slot. 0: connections_max / connections_per_address_divisor.
    std::size_t connections_per_address_max = 0;
    // Bytes of answers queued to one connection and not yet sent: the HTTP
    // response being written, or everything in a WebSocket's send queue. Over
    // it the connection is closed, so a client that never reads holds at most
    // this much of the node's memory. The node also stops a batch whose
    // answers would pass it (node.cpp).
    std::size_t send_queue_bytes_max = 4 << 20;
    // The same, over every connection together: many addresses cannot make
    // the node hold more than this in answers nobody reads. An answer that
    // would pass it is not queued: HTTP gets 503 (retry), a WebSocket is
    // closed.
    std::size_t send_queue_bytes_total_max = 256 << 20;
    std::uint32_t header_timeout_ms = 10'000;       // to receive a whole request (slowloris)
    std::uint32_t idle_timeout_ms = 60'000;         // keep-alive idle time
    std::size_t ws_send_queue_max = 1024;           // queued frames per WebSocket before it is dropped
    std::size_t ws_message_bytes_max = 1 << 20;     // one incoming WebSocket message
    // Requests per client address (token bucket): refilled at this rate, up
    // to requests_burst_max at once. Every HTTP request and every WebSocket
    // message counts, a JSON-RPC batch as its length. 0 turns the limit off
    // (e.g. when a reverse proxy limits instead: behind a proxy every client
    // has the proxy's address). Keep the burst >= the node's batch limit, or
    // longer batches are charged the burst only. The default is generous (a
    // till or a client's page sends a few a second); a benchmark or load test
    // driving the node from one address sets 0. Kept in memory only: a
    // restart forgets every address.
    std::uint32_t requests_per_second_max = 1000;
    std::uint32_t requests_burst_max = 2000;
    unsigned threads = 2;                           // I/O threads

    // connections_per_address_max with its default applied (at least 1).
    std::size_t connections_per_address() const {
        const std::size_t n = connections_per_address_max != 0 ? connections_per_address_max
                                                               : connections_max / connections_per_address_divisor;
        return n == 0 ? 1 : n;
    }
};

// Counts requests per client address against ServerLimits'
// requests_per_second_max and requests_burst_max. Thread-safe. Time comes in
// from the caller (milliseconds of a monotonic clock), so tests move it.
//
// Memory is bounded: at most tracked_addresses_max addresses are kept; an
// address whose bucket has refilled is forgotten (it carries no state), and
// when the table is full the least recently seen address is dropped. IPv6
// clients are counted per /64, since one host commonly holds a whole /64.
class RequestRateLimiter {
public:
    static constexpr std::size_t tracked_addresses_max = 65'536;
    // charge() may put an address this many seconds of refill into debt, no
    // further: one enormous read cannot shut its address out for an hour.
    static constexpr std::uint64_t debt_s_max = 60;

    RequestRateLimiter(std::uint32_t requests_per_second_max, std::uint32_t requests_burst_max);
    ~RequestRateLimiter();
    RequestRateLimiter(const RequestRateLimiter&) = delete;
    RequestRateLimiter& operator=(const RequestRateLimiter&) = delete;

    // Charges `requests` (capped at the burst) to `address`. Returns 0 when
    // they are allowed, else the milliseconds until they would be (nothing is
    // charged then). Always 0 when the limit is off.
    std::uint64_t take(std::string_view address, std::uint64_t requests, std::uint64_t now_ms);
    // Charges `requests` after the fact (a call's cost known only once it
    // ran), whatever the balance: the address may go into debt, down to
    // debt_s_max seconds of refill, and take() refuses it until it is repaid.
    // Returns 0 when the address is not in debt after it, else the
    // milliseconds until it is not. Always 0 when the limit is off.
    std::uint64_t charge(std::string_view address, std::uint64_t requests, std::uint64_t now_ms);
    std::size_t tracked_addresses() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The number of JSON-RPC calls in a request body without parsing it: a
// top-level array counts its elements (at least 1), anything else is 1.
// Linear in the body, no allocation; malformed JSON gives some count >= 1
// (the handler then refuses the body anyway).
std::size_t jsonrpc_call_count(std::string_view body);

class Server {
public:
    // `proxies`: peers whose X-Forwarded-For names the client (proxy.h). A
    // forwarded address counts for everything charged per request (the
    // request rate, CallContext::client_ip); connections per address are
    // counted at accept, before any header, so by the peer's.
    Server(RpcHandler& handler, ServerLimits limits, TrustedProxies proxies = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts the I/O threads. Port 0 picks a free port; port() tells
    // which. Throws std::runtime_error with a message a person can act on
    // ("port 8645 on 127.0.0.1 is in use") when binding fails.
    void start(const std::string& address, std::uint16_t port);
    std::uint16_t port() const;
    // Stops accepting, closes every connection, joins the threads.
    void stop();
    std::size_t connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace kopilka::node
