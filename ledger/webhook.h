// The signed request by which a venue's owner points its POS webhook at a URL
// (docs/formats.md, "Signed webhook set"; node/messages/webhooks.h delivers
// the events). Node-side only, never in a block: where a venue's events go is
// the node's business, not the chain's.
#pragma once

#include "crypto/bytes.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace kopilka::ledger {

// A webhook URL's length, in bytes (a POS's endpoint with a path and a query).
inline constexpr std::size_t webhook_url_bytes_max = 512;

// u64 big-endian time_ms, u8 length and the ticker, u16 big-endian length
// and the URL ("" removes the webhook). nullopt for a ticker over
// ticker_chars_max or a URL over webhook_url_bytes_max.
std::optional<Bytes> webhook_set_bytes(std::string_view ticker, std::string_view url, std::uint64_t time_ms);

}  // namespace kopilka::ledger
