#include "node/proxy.h"
#include "node/http_text.h"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <optional>

namespace kopilka::node {
namespace {

// The canonical text of an address, as the server writes a peer's
// (IPv4-mapped IPv6 as IPv4), or nullopt when `text` is not one.
std::optional<std::string> canonical(std::string_view text) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        a = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
    return a.to_string();
}

bool separator(char c) { return c == ',' || c == ' ' || c == '\t'; }

}  // namespace

std::expected<TrustedProxies, std::string> TrustedProxies::parse(std::string_view list) {
    TrustedProxies t;
    while (!list.empty()) {
        while (!list.empty() && separator(list.front())) list.remove_prefix(1);
        const auto end = std::find_if(list.begin(), list.end(), separator) - list.begin();
        const auto entry = list.substr(0, static_cast<std::size_t>(end));
        list.remove_prefix(static_cast<std::size_t>(end));
        if (entry.empty()) continue;
        auto ip = canonical(entry);
        if (!ip)
            return std::unexpected("trusted-proxies: '" + std::string(entry) +
                                   "' is not an IP address; list the proxies' addresses, e.g. 127.0.0.1,::1");
        if (!t.trusts(*ip)) t.addresses_.push_back(std::move(*ip));
    }
    return t;
}

bool TrustedProxies::trusts(std::string_view ip) const {
    return std::find(addresses_.begin(), addresses_.end(), ip) != addresses_.end();
}

std::string TrustedProxies::client_address(const std::string& peer,
                                           std::span<const std::string_view> forwarded_for) const {
    if (!trusts(peer)) return peer;
    std::string hop = peer;  // the nearest address known to be a trusted proxy's
    for (auto line = forwarded_for.rbegin(); line != forwarded_for.rend(); ++line) {
        std::string_view rest = *line;
        for (;;) {
            const auto comma = rest.rfind(',');
            const auto entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
            auto ip = canonical(entry);
            if (!ip) return hop;
            if (!trusts(*ip)) return std::move(*ip);
            hop = std::move(*ip);
            if (comma == std::string_view::npos) break;
            rest = rest.substr(0, comma);
        }
    }
    return hop;
}

}  // namespace kopilka::node
