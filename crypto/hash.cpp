#include "crypto/hash.h"

#include <cstring>
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

KeyedSetDigest::Key KeyedSetDigest::random_key() {
    Key key;
    random_bytes(key);
    return key;
}

void KeyedSetDigest::add(ByteView key, ByteView value) {
    const auto key_bytes = static_cast<std::uint32_t>(key.size());
    scratch_.resize(sizeof key_bytes + key.size() + value.size());
    std::uint8_t* out = scratch_.data();
    for (int i = 0; i < 4; ++i) *out++ = static_cast<std::uint8_t>(key_bytes >> (8 * i));
    if (!key.empty()) std::memcpy(out, key.data(), key.size());
    if (!value.empty()) std::memcpy(out + key.size(), value.data(), value.size());
    std::array<std::uint8_t, crypto_shorthash_siphashx24_BYTES> h;
    static_assert(sizeof h == 2 * sizeof(std::uint64_t));
    crypto_shorthash_siphashx24(h.data(), scratch_.data(), scratch_.size(), key_.data());
    std::uint64_t lanes[2];
    std::memcpy(lanes, h.data(), sizeof lanes);
    lo_ += lanes[0];  // unsigned: modulo 2^64
    hi_ += lanes[1];
    ++records_;
}

}  // namespace kopilka
