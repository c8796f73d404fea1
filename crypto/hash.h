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

// A set of (key, value) records summed up under a secret key, so that two
// sets built apart, in any order, can be compared by their sums: each record
// is hashed with SipHash-2-4 under the secret key (libsodium's 128-bit
// crypto_shorthash_siphashx24, over the record key's length, the record key
// and the value) and the two 64-bit halves are added up, each modulo 2^64,
// with the record count beside them. Equal sets give equal digests. For
// sets that differ, anyone who does not know the secret key makes the
// digests equal with a chance of about 2^-64 at best: the secret key must be
// drawn after both sets are fixed (the audit draws a fresh one each run),
// and neither it nor the sums may be shown to anyone. It is not a commitment
// and not a replacement for a hash of the ledger.
class KeyedSetDigest {
public:
    using Key = std::array<std::uint8_t, crypto_shorthash_siphashx24_KEYBYTES>;
    static Key random_key();

    explicit KeyedSetDigest(const Key& key) : key_(key) {}
    void add(ByteView key, ByteView value);
    std::uint64_t records() const { return records_; }
    // Same records under the same key (up to the chance above).
    bool operator==(const KeyedSetDigest& other) const {
        return records_ == other.records_ && lo_ == other.lo_ && hi_ == other.hi_;
    }

private:
    Key key_;
    std::uint64_t records_ = 0;
    std::uint64_t lo_ = 0, hi_ = 0;
    Bytes scratch_;  // u32 key length || key || value, reused
};

}  // namespace kopilka
