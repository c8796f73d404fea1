// Ed25519 keys and domain-separated signatures.
//
// Every signature in Kopilka is over
//     u8 tag_length || tag || chain_id (32 bytes) || canonical bytes
// so a signature made for one kind of object (a transaction, a voucher, a
// block, an attestation) or for one chain is worthless for any other.
#pragma once

#include "crypto/bytes.h"
#include "crypto/hash.h"

#include <array>
#include <compare>
#include <string_view>

namespace kopilka {

inline constexpr std::size_t public_key_bytes = 32;
inline constexpr std::size_t signature_bytes = 64;
inline constexpr std::size_t seed_bytes = 32;

struct PublicKey {
    std::array<std::uint8_t, public_key_bytes> bytes{};
    auto operator<=>(const PublicKey&) const = default;
    ByteView view() const { return {bytes.data(), bytes.size()}; }
};

struct Signature {
    std::array<std::uint8_t, signature_bytes> bytes{};
    auto operator<=>(const Signature&) const = default;
    ByteView view() const { return {bytes.data(), bytes.size()}; }
};

// The chain id is the hash of the genesis block.
using ChainId = Hash256;

// What a signature is for. The tag text is part of the signed message.
enum class Domain : std::uint8_t {
    transaction,
    voucher,
    block,
    attestation,
    lookup,  // a signed phone.lookup request (node-side only, never in a block)
    staff_accept,  // a key's consent to become staff of a venue
    invite_open,   // an owner opening a staff invite on a node (node-side only, never in a block)
    pay_consent,   // a client's consent to pay bonuses on one receipt (inside a purchase)
    messages,      // a client's choice to receive a venue's messages or not (node-side only, never in a block)
    webhook,       // an owner pointing the venue's POS webhook at a URL (node-side only, never in a block)
    templates,     // an owner's wording of the venue's messages on a node (node-side only, never in a block)
    push,          // a client's browser subscription for web push (node-side only, never in a block)
};
std::string_view domain_tag(Domain d);

// An Ed25519 key pair. The secret (libsodium's 64-byte form: seed || public
// key) is wiped on destruction.
class KeyPair {
public:
    static KeyPair generate();
    // Deterministic: for tests and golden vectors only.
    static KeyPair from_seed(ByteView seed32);

    const PublicKey& public_key() const { return public_; }
    // The 32-byte seed, the only secret a keystore needs to store.
    SecretBytes seed() const;

    Signature sign(Domain domain, const ChainId& chain, ByteView message) const;

private:
    KeyPair() = default;
    PublicKey public_;
    SecretBytes secret_;  // 64 bytes
};

bool verify(const PublicKey& key, Domain domain, const ChainId& chain, ByteView message,
            const Signature& signature);

// The exact bytes a signature covers; exposed for golden vectors and for other
// implementations to check against.
Bytes signing_message(Domain domain, const ChainId& chain, ByteView message);

// Hash helpers for keys in unordered containers.
struct PublicKeyHash {
    std::size_t operator()(const PublicKey& k) const noexcept {
        std::size_t h;
        static_assert(sizeof h <= public_key_bytes);
        __builtin_memcpy(&h, k.bytes.data(), sizeof h);
        return h;
    }
};

}  // namespace kopilka
