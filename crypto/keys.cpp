#include "crypto/keys.h"

#include <sodium.h>

#include <stdexcept>

namespace kopilka {

static_assert(crypto_sign_PUBLICKEYBYTES == public_key_bytes);
static_assert(crypto_sign_BYTES == signature_bytes);
static_assert(crypto_sign_SEEDBYTES == seed_bytes);

std::string_view domain_tag(Domain d) {
    switch (d) {
        case Domain::transaction: return "kopilka/tx/v1";
        case Domain::voucher: return "kopilka/voucher/v1";
        case Domain::block: return "kopilka/block/v1";
        case Domain::attestation: return "kopilka/attestation/v1";
        case Domain::lookup: return "kopilka/lookup/v1";
        case Domain::staff_accept: return "kopilka/staff-accept/v1";
        case Domain::invite_open: return "kopilka/invite-open/v1";
        case Domain::pay_consent: return "kopilka/pay/v1";
        case Domain::messages: return "kopilka/messages/v1";
        case Domain::webhook: return "kopilka/webhook/v1";
        case Domain::templates: return "kopilka/templates/v1";
        case Domain::push: return "kopilka/push/v1";
    }
    throw std::logic_error("domain_tag: unknown domain");
}

Bytes signing_message(Domain domain, const ChainId& chain, ByteView message) {
    const std::string_view tag = domain_tag(domain);
    Bytes out;
    out.reserve(1 + tag.size() + chain.size() + message.size());
    out.push_back(static_cast<std::uint8_t>(tag.size()));
    out.insert(out.end(), tag.begin(), tag.end());
    out.insert(out.end(), chain.begin(), chain.end());
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

KeyPair KeyPair::generate() {
    std::array<std::uint8_t, seed_bytes> seed;
    random_bytes(seed);
    KeyPair kp = from_seed(seed);
    sodium_memzero(seed.data(), seed.size());
    return kp;
}

KeyPair KeyPair::from_seed(ByteView seed32) {
    ensure_sodium();
    if (seed32.size() != seed_bytes) throw std::invalid_argument("KeyPair::from_seed: seed must be 32 bytes");
    KeyPair kp;
    kp.secret_ = SecretBytes(crypto_sign_SECRETKEYBYTES);
    crypto_sign_seed_keypair(kp.public_.bytes.data(), kp.secret_.data(), seed32.data());
    return kp;
}

SecretBytes KeyPair::seed() const {
    SecretBytes out(seed_bytes);
    crypto_sign_ed25519_sk_to_seed(out.data(), secret_.data());
    return out;
}

Signature KeyPair::sign(Domain domain, const ChainId& chain, ByteView message) const {
    const Bytes m = signing_message(domain, chain, message);
    Signature sig;
    crypto_sign_detached(sig.bytes.data(), nullptr, m.data(), m.size(), secret_.data());
    return sig;
}

bool verify(const PublicKey& key, Domain domain, const ChainId& chain, ByteView message,
            const Signature& signature) {
    ensure_sodium();
    const Bytes m = signing_message(domain, chain, message);
    // libsodium rejects non-canonical S and small-order keys, so a signature
    // cannot be altered into a second valid one by a third party.
    return crypto_sign_verify_detached(signature.bytes.data(), m.data(), m.size(), key.bytes.data()) == 0;
}

}  // namespace kopilka
