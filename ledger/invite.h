// Staff invites as they travel through a node (never in a block): the
// invite's id, derived from its secret, and the bytes an owner signs to open
// it (docs/formats.md "Invite open"). The node keeps the invites themselves
// in memory (node/invites.h); the owner's page and the tests build the same
// bytes, so they live here beside the other canonical forms.
#pragma once

#include "crypto/bytes.h"

#include <array>
#include <cstdint>
#include <string>

namespace kopilka::ledger {

inline constexpr std::uint8_t invite_open_version = 1;
// The secret the owner's page makes and passes in the link's fragment only.
inline constexpr std::size_t invite_secret_bytes = 16;
// The invite's public name: the first bytes of BLAKE2b-256(secret).
inline constexpr std::size_t invite_id_bytes = 16;

using InviteId = std::array<std::uint8_t, invite_id_bytes>;

// The first 16 bytes of BLAKE2b-256(secret): knowing the id tells nothing of
// the secret, and only the secret's holder can accept.
InviteId invite_id(ByteView secret);

// What the owner signs (domain kopilka/invite-open/v1):
//     u8 version (1) || ticker (1 + t) || id (16) || u64 expiry_s
Bytes invite_open_bytes(std::string_view ticker, const InviteId& id, std::uint64_t expiry_s);

}  // namespace kopilka::ledger
