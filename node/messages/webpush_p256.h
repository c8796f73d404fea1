// The few primitives web push needs that libsodium lacks, over Debian's
// OpenSSL 3 (EVP only, docs/dependencies.md): P-256 keys, ECDH on them,
// ES256 signatures, AES-128-GCM, and HMAC-SHA-256 for HKDF.
//
// Internal to webpush*.cpp: nothing else in the tree uses P-256, and this
// header names no OpenSSL type beyond a forward declaration, so OpenSSL's
// headers stay inside webpush_p256.cpp.
#pragma once

#include "crypto/bytes.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace kopilka::node::p256 {

inline constexpr std::size_t public_key_bytes = 65;   // SEC1 uncompressed: 0x04 | X | Y
inline constexpr std::size_t private_key_bytes = 32;  // the scalar, big-endian
inline constexpr std::size_t shared_secret_bytes = 32;  // ECDH: the X of the shared point
inline constexpr std::size_t signature_bytes = 64;    // JWS ES256: r | s, 32 bytes each
inline constexpr std::size_t aes_key_bytes = 16;
inline constexpr std::size_t gcm_nonce_bytes = 12;
inline constexpr std::size_t gcm_tag_bytes = 16;
inline constexpr std::size_t hmac_bytes = 32;

using PublicKey = std::array<std::uint8_t, public_key_bytes>;
using Signature = std::array<std::uint8_t, signature_bytes>;

// A P-256 key: a public point, or a key pair. Immutable once made, so one
// key may sign or derive from several threads at once (OpenSSL allows that
// on a shared EVP_PKEY, each call with its own context).
class Key {
public:
    Key() = default;
    ~Key();
    Key(Key&& other) noexcept;
    Key& operator=(Key&& other) noexcept;
    Key(const Key&) = delete;
    Key& operator=(const Key&) = delete;

    // An uncompressed point that is on the curve (not the point at infinity).
    static std::optional<Key> from_public(ByteView uncompressed);
    // A scalar in [1, n-1]; the public point is derived from it.
    static std::optional<Key> from_private(ByteView scalar);
    // A fresh key pair from OpenSSL's CSPRNG (the VAPID key, and each
// message's ephemeral sender key).
    static std::optional<Key> generate();
    // An unencrypted PEM private key (PKCS#8 or SEC1) on P-256; nullopt for
    // any other curve, algorithm, a public key alone, or text that is no PEM.
    static std::optional<Key> from_pem(std::string_view pem);

    bool has_private() const { return private_; }
    const PublicKey& public_key() const { return public_; }
    // PKCS#8, unencrypted: the file is protected by its mode (0600) instead.
    std::optional<std::string> private_pem() const;
    evp_pkey_st* native() const { return pkey_; }

private:
    static std::optional<Key> adopt(evp_pkey_st* pkey, bool with_private);
    evp_pkey_st* pkey_ = nullptr;
    PublicKey public_{};
    bool private_ = false;
};

// ECDH: the X coordinate of mine.private * peer.public; nullopt when `mine`
// has no private key or OpenSSL refuses the peer.
std::optional<SecretBytes> ecdh(const Key& mine, const Key& peer);

// ES256 (ECDSA P-256 with SHA-256) over `message`, in JWS form: r and s as
// 32 big-endian bytes each (RFC 7518 section 3.4), not OpenSSL's DER.
std::optional<Signature> es256_sign(const Key& key, ByteView message);

// HMAC-SHA-256(key, data): one HKDF step (RFC 5869), written out as RFC 8291
// section 3.4 writes it.
// nullopt only when OpenSSL fails (out of memory).
std::optional<SecretBytes> hmac_sha256(ByteView key, ByteView data);

// AES-128-GCM without associated data: ciphertext | tag on seal; the
// plaintext, or nullopt when the tag does not verify, on open.
std::optional<Bytes> aes128gcm_seal(ByteView key, ByteView nonce, ByteView plaintext);
std::optional<Bytes> aes128gcm_open(ByteView key, ByteView nonce, ByteView ciphertext_and_tag);

}  // namespace kopilka::node::p256
