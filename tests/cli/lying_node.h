// A lying node for the wallet's tests: a JSON-RPC proxy in front of a real
// kopilkad that lets a test rewrite the results it passes on.
#pragma once

#include "rpc/client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <cctype>
#include <functional>
#include <string>
#include <thread>

namespace kopilka::test {

// A JSON-RPC proxy in front of the real node that lets a test rewrite results.
// One connection at a time, keep-alive, HTTP/1.1 with Content-Length only:
// enough for rpc::Client, which is all that talks to it.
class LyingNode {
public:
    using Tamper = std::function<void(const std::string& method, const boost::json::value& params, boost::json::value& result)>;

    LyingNode(std::uint16_t upstream, Tamper tamper)
        : upstream_(upstream), tamper_(std::move(tamper)), acceptor_(ioc_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~LyingNode() {
        stop_ = true;
        // Wake the accept with a connection of our own.
        boost::system::error_code ec;
        boost::asio::ip::tcp::socket s(ioc_);
        s.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), ec);
        thread_.join();
    }
    std::uint16_t port() const { return port_; }

private:
    void serve() {
        rpc::Client up("127.0.0.1", upstream_);
        while (!stop_) {
            boost::asio::ip::tcp::socket sock(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(sock, ec);
            if (ec || stop_) return;
            boost::asio::streambuf buf;
            for (;;) {
                const std::size_t head_len = boost::asio::read_until(sock, buf, "\r\n\r\n", ec);
                if (ec) break;
                std::string head(boost::asio::buffers_begin(buf.data()), boost::asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(head_len));
                buf.consume(head_len);
                std::size_t length = 0;
                for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                if (auto at = head.find("content-length:"); at != std::string::npos) length = std::stoul(head.substr(at + 15));
                if (buf.size() < length) boost::asio::read(sock, buf, boost::asio::transfer_exactly(length - buf.size()), ec);
                if (ec) break;
                std::string body(boost::asio::buffers_begin(buf.data()), boost::asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(length));
                buf.consume(length);
                auto res = up.post("/rpc", body);
                boost::json::value req = boost::json::parse(body);
                boost::json::value answer = boost::json::parse(res.body);
                if (auto* r = answer.as_object().if_contains("result"))
                    tamper_(std::string(req.at("method").as_string()), req.at("params"), *r);
                const std::string out = boost::json::serialize(answer);
                const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                          std::to_string(out.size()) + "\r\n\r\n" + out;
                boost::asio::write(sock, boost::asio::buffer(reply), ec);
                if (ec) break;
            }
        }
    }

    std::uint16_t upstream_;
    Tamper tamper_;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace kopilka::test
