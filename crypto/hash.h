// BLAKE2b-256, the one hash of the ledger: transaction ids, block hashes,
// Merkle nodes, phone references and the state digest all use it.
#pragma once

#include "crypto/bytes.h"

#include <array>
#include <cstdint>
#include <sodium.h>

namespace kopilka {

inline constexpr std::size_t hash_bytes = 32;
using Hash256 = std::array<std::uint8_t, hash_bytes>;

Hash256 blake2b256(ByteView data);
// Keyed BLAKE2b-256 (a MAC): used for phone references under the operator's secret.
Hash256 blake2b256_keyed(ByteView key, ByteView data);

// Incremental hashing, for objects hashed in pieces without a copy.
class Blake2b256 {
public:
    Blake2b256();
    Blake2b256& update(ByteView data);
    Blake2b256& update(std::uint8_t byte) { return update(ByteView(&byte, 1)); }
    Hash256 finish();

private:
    crypto_generichash_state state_;
};

}  // namespace kopilka
