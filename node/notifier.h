// What every message to a phone shares: its link and how an operator sees
// its number. The messages themselves are the outbox's (node/outbox.h), and
// how they leave the node its channels' (node/channels.h).
#pragma once

#include "crypto/hash.h"

#include <string>
#include <string_view>

namespace kopilka::node {

// The page of a phone reference, the link in every message to that phone:
// "<base>/c/<ref hex>". It never carries a claim code: a link is forwarded,
// logged by proxies and kept in browser history; the page asks for a code
// (phone.claim.request) when the person opens it to claim.
std::string phone_link(std::string_view base_url, const Hash256& ref);

// "+79000000001" -> "+7900*****01": enough for an operator to tell messages apart.
std::string mask_phone(std::string_view e164);

}  // namespace kopilka::node
