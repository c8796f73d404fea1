// The node a follower replicates, reached only through its public JSON-RPC
// (POST <url>/rpc), as any wallet reaches it: no etcd, no admin token, no
// secret. libcurl carries it, so the source may be plain HTTP on a LAN or
// HTTPS behind a node's reverse proxy (node.md, "Behind HTTPS"), anywhere.
// libcurl stays inside source.cpp.
#pragma once

#include <boost/json/value.hpp>

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace kopilka::node::follow {

// The largest answer read from a source: block.raw of the largest valid
// block (block_txs_max records of up to tx_bytes_max, as base64url, about
// 220 MB) with room for its JSON. Anything longer is not an answer of a node.
inline constexpr std::size_t source_answer_bytes_max = std::size_t{256} << 20;
// One call, connection and transfer together; a large block.raw over a slow
// link takes the longest.
inline constexpr long source_call_timeout_ms = 120'000;
inline constexpr long source_connect_timeout_ms = 10'000;

// Why a call to the source gave no result.
struct SourceError {
    enum class Kind {
        transport,  // unreachable, timed out, an HTTP status other than 200
        rpc,        // a JSON-RPC error answer: `code` as sent
        answer,     // an answer that is not JSON-RPC (or too long)
    } kind = Kind::transport;
    int code = 0;
    std::string message;  // for a person and the log
};

class Source {
public:
    // `url` as a person gives it: http://host:port, https://host/base, or
    // host:port (http). Refuses other schemes and text that is not a URL.
    static std::expected<std::unique_ptr<Source>, std::string> open(std::string_view url);
    ~Source();
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;

    // The URL as given (for messages, the proof and the follower error's data).
    const std::string& url() const { return url_; }
    // Calls `method` with named `params`; the result, or why there is none.
    // One call at a time: the follower's thread is the only caller.
    std::expected<boost::json::value, SourceError> call(std::string_view method, boost::json::object params = {});
    // Ends a call in flight and fails every later one (transport, "cancelled"):
    // a follower stopping does not wait out a slow source. Any thread.
    void cancel() { cancelled_ = true; }

private:
    Source(std::string url, std::string endpoint);
    struct Handle;
    std::string url_;
    std::string endpoint_;  // <url>/rpc
    std::unique_ptr<Handle> handle_;
    std::uint64_t next_id_ = 1;
    std::atomic<bool> cancelled_{false};
};

}  // namespace kopilka::node::follow
