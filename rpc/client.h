// A JSON-RPC client for kopilkad over HTTP/1.1 keep-alive, and a small
// WebSocket client. Used by the wallet, the benchmark and the functional
// tests: anything they do, any other client can do over the same API.
// Beast stays inside client.cpp.
#pragma once

#include "rpc/protocol.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace kopilka::rpc {

// The node could not be reached or the connection broke; not an RPC error.
struct TransportError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct HttpResponse {
    int status = 0;
    std::string content_type;
    std::string body;
};

class Client {
public:
    Client(std::string host, std::uint16_t port, std::string admin_token = "");
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;

    // Calls a method; returns its result. Throws rpc::Error for an error
    // response (code, message, data as sent), TransportError when the node is
    // unreachable. Reconnects once if a kept-alive connection was closed.
    json::value call(std::string_view method, json::value params = json::object{});
    // Raw exchanges for tests and tools.
    HttpResponse post(std::string_view target, std::string body, std::string_view content_type = "application/json");
    HttpResponse get(std::string_view target);
    void set_timeout(std::chrono::milliseconds t);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class WsClient {
public:
    WsClient(const std::string& host, std::uint16_t port, std::string admin_token = "");
    ~WsClient();
    void send(const std::string& text);
    // The next text frame, or nullopt on timeout. Throws TransportError when closed.
    std::optional<std::string> receive(std::chrono::milliseconds timeout);
    // Sends a request and returns its response, keeping any notifications that
    // arrive first for later receive() calls.
    json::value call(std::string_view method, json::value params = json::object{});
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace kopilka::rpc
