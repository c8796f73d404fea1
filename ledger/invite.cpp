#include "ledger/invite.h"

#include "crypto/hash.h"
#include "ledger/codec.h"
#include "ledger/types.h"

#include <algorithm>

namespace kopilka::ledger {

InviteId invite_id(ByteView secret) {
    const Hash256 h = blake2b256(secret);
    InviteId id{};
    std::copy_n(h.begin(), id.size(), id.begin());
    return id;
}

Bytes invite_open_bytes(std::string_view ticker, const InviteId& id, std::uint64_t expiry_s) {
    Writer w;
    w.u8(invite_open_version);
    write_ticker(w, ticker);
    w.raw(ByteView(id.data(), id.size()));
    w.u64(expiry_s);
    return std::move(w).take();
}

}  // namespace kopilka::ledger
