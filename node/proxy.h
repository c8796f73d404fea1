// Which peers are reverse proxies (Caddy, nginx) whose X-Forwarded-For the
// node believes. Behind a proxy every client arrives from the proxy's
// address, which would put every phone's address-based budgets (the request
// rate, claim codes and wrong guesses per address, lookups per address) into
// one; anyone else could forge the header, so it is read only from a peer
// listed in `trusted-proxies`.
#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kopilka::node {

class TrustedProxies {
public:
    TrustedProxies() = default;  // trusts nobody: the peer is the client

    // A list of IPv4 or IPv6 addresses separated by commas or spaces
    // ("127.0.0.1, ::1"); empty trusts nobody. The error names the entry that
    // is not an address.
    static std::expected<TrustedProxies, std::string> parse(std::string_view list);

    bool trusts(std::string_view ip) const;
    const std::vector<std::string>& addresses() const { return addresses_; }

    // The client's address of a request that arrived from `peer` with these
    // X-Forwarded-For header lines (in the order received). From an
    // untrusted peer: the peer. From a trusted one: walking the forwarded
    // entries from the right (the proxy appends the address it saw), the
    // first one that is not itself a trusted proxy; entries left of it are
    // whatever the client sent, and are never read. When every entry is a
    // trusted proxy, the leftmost; when the walk meets something that is not
    // an address, the last trusted hop before it (a proxy that writes
    // nonsense gets one shared budget, never one per string).
    std::string client_address(const std::string& peer, std::span<const std::string_view> forwarded_for) const;

private:
    std::vector<std::string> addresses_;  // canonical text (IPv4-mapped IPv6 as IPv4)
};

}  // namespace kopilka::node
