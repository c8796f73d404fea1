#include "crypto/hash.h"

#include <stdexcept>

namespace kopilka {

Hash256 blake2b256(ByteView data) {
    ensure_sodium();
    Hash256 out;
    crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
    return out;
}

Hash256 blake2b256_keyed(ByteView key, ByteView data) {
    ensure_sodium();
    if (key.size() < crypto_generichash_KEYBYTES_MIN || key.size() > crypto_generichash_KEYBYTES_MAX)
        throw std::invalid_argument("blake2b256_keyed: key must be 16 to 64 bytes");
    Hash256 out;
    crypto_generichash(out.data(), out.size(), data.data(), data.size(), key.data(), key.size());
    return out;
}

Blake2b256::Blake2b256() {
    ensure_sodium();
    crypto_generichash_init(&state_, nullptr, 0, hash_bytes);
}

Blake2b256& Blake2b256::update(ByteView data) {
    crypto_generichash_update(&state_, data.data(), data.size());
    return *this;
}

Hash256 Blake2b256::finish() {
    Hash256 out;
    crypto_generichash_final(&state_, out.data(), out.size());
    return out;
}

}  // namespace kopilka
