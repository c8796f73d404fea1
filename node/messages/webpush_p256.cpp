// OpenSSL 3's EVP interface only: the build defines OPENSSL_NO_DEPRECATED
// (node/CMakeLists.txt), so a call into the low-level EC_KEY/ECDSA_do_sign
// API, deprecated in 3.0, fails to compile rather than creeping in.
#include "node/messages/webpush_p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#if OPENSSL_VERSION_MAJOR < 3
#error "web push needs OpenSSL 3 (Debian 12's libssl-dev)"
#endif

namespace kopilka::node::p256 {

namespace {

// The curve's name as OpenSSL's providers spell it.
constexpr const char* curve_name = "prime256v1";
constexpr std::size_t curve_name_chars_max = 32;

// P-256's group order n (FIPS 186-4 D.1.2.3): a private scalar is in [1, n-1].
constexpr std::array<std::uint8_t, private_key_bytes> curve_order = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};

// An ECPrivateKey (RFC 5915, SEC1) on P-256 without its optional public key:
// SEQUENCE { INTEGER 1, OCTET STRING d, [0] OID prime256v1 }. OpenSSL 3's
// EVP interface derives a public key from a bare scalar only while decoding
// this form (EVP_PKEY_fromdata does not), so a raw scalar is wrapped in it.
constexpr std::array<std::uint8_t, 7> sec1_prefix = {0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20};
constexpr std::array<std::uint8_t, 12> sec1_suffix = {0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86,
                                                      0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};

struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct DecoderFree {
    void operator()(OSSL_DECODER_CTX* c) const { OSSL_DECODER_CTX_free(c); }
};
struct EncoderFree {
    void operator()(OSSL_ENCODER_CTX* c) const { OSSL_ENCODER_CTX_free(c); }
};
struct SigFree {
    void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

bool scalar_in_range(ByteView d) {
    if (d.size() != private_key_bytes) return false;
    if (std::all_of(d.begin(), d.end(), [](std::uint8_t b) { return b == 0; })) return false;
    return std::lexicographical_compare(d.begin(), d.end(), curve_order.begin(), curve_order.end());
}

// A key that OpenSSL decoded from `data` in `format` ("DER", "PEM") and
// `structure` (nullptr: any it knows), with `selection` of its parts.
Pkey decode(ByteView data, const char* format, const char* structure, int selection) {
    EVP_PKEY* raw = nullptr;
    std::unique_ptr<OSSL_DECODER_CTX, DecoderFree> dc(
        OSSL_DECODER_CTX_new_for_pkey(&raw, format, structure, "EC", selection, nullptr, nullptr));
    if (!dc) return nullptr;
    const unsigned char* p = data.data();
    std::size_t left = data.size();
    if (OSSL_DECODER_from_data(dc.get(), &p, &left) != 1) {
        EVP_PKEY_free(raw);
        return nullptr;
    }
    return Pkey(raw);
}

}  // namespace

Key::~Key() { EVP_PKEY_free(pkey_); }

Key::Key(Key&& other) noexcept : pkey_(other.pkey_), public_(other.public_), private_(other.private_) {
    other.pkey_ = nullptr;
    other.private_ = false;
}

Key& Key::operator=(Key&& other) noexcept {
    if (this != &other) {
        EVP_PKEY_free(pkey_);
        pkey_ = other.pkey_;
        public_ = other.public_;
        private_ = other.private_;
        other.pkey_ = nullptr;
        other.private_ = false;
    }
    return *this;
}

std::optional<Key> Key::adopt(EVP_PKEY* raw, bool with_private) {
    Pkey pkey(raw);
    if (!pkey || !EVP_PKEY_is_a(pkey.get(), "EC")) return std::nullopt;
    char group[curve_name_chars_max] = {};
    std::size_t group_len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_len) != 1 ||
        std::string_view(group, group_len) != curve_name)
        return std::nullopt;
    // A PEM file may have stored its point compressed; web push and the
    // page's applicationServerKey want it uncompressed.
    if (EVP_PKEY_set_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                       OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1)
        return std::nullopt;
    Key key;
    std::size_t n = 0;
    if (EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, key.public_.data(), key.public_.size(),
                                        &n) != 1 ||
        n != public_key_bytes || key.public_[0] != 0x04)
        return std::nullopt;
    key.pkey_ = pkey.release();
    key.private_ = with_private;
    return key;
}

std::optional<Key> Key::from_public(ByteView point) {
    // Only the uncompressed form: a browser's p256dh and a push message's
    // keyid are always 65 bytes, and 0x00 (infinity) must never get through.
    if (point.size() != public_key_bytes || point[0] != 0x04) return std::nullopt;
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return std::nullopt;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve_name), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<std::uint8_t*>(point.data()),
                                          point.size()),
        OSSL_PARAM_construct_end()};
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) return std::nullopt;
    Pkey pkey(raw);
    // Decoding already refuses a point off the curve; the full check says
    // so explicitly (an invalid-curve point would leak the private key
    // through ECDH).
    PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return std::nullopt;
    return adopt(pkey.release(), false);
}

std::optional<Key> Key::from_private(ByteView scalar) {
    if (!scalar_in_range(scalar)) return std::nullopt;
    SecretBytes der(sec1_prefix.size() + private_key_bytes + sec1_suffix.size());
    std::memcpy(der.data(), sec1_prefix.data(), sec1_prefix.size());
    std::memcpy(der.data() + sec1_prefix.size(), scalar.data(), private_key_bytes);
    std::memcpy(der.data() + sec1_prefix.size() + private_key_bytes, sec1_suffix.data(), sec1_suffix.size());
    Pkey pkey = decode(der.view(), "DER", "type-specific", EVP_PKEY_KEYPAIR);
    if (!pkey) return std::nullopt;
    return adopt(pkey.release(), true);
}

std::optional<Key> Key::generate() {
    EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (!raw) return std::nullopt;
    return adopt(raw, true);
}

std::optional<Key> Key::from_pem(std::string_view pem) {
    Pkey pkey = decode(as_bytes(pem), "PEM", nullptr, EVP_PKEY_KEYPAIR);
    if (!pkey) return std::nullopt;
    // A PEM holding only a public key decodes under KEYPAIR too: require the scalar.
    BIGNUM* d = nullptr;
    if (EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) return std::nullopt;
    BN_clear_free(d);
    return adopt(pkey.release(), true);
}

std::optional<std::string> Key::private_pem() const {
    if (!private_) return std::nullopt;
    std::unique_ptr<OSSL_ENCODER_CTX, EncoderFree> ec(
        OSSL_ENCODER_CTX_new_for_pkey(pkey_, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", nullptr));
    if (!ec) return std::nullopt;
    unsigned char* data = nullptr;
    std::size_t len = 0;
    if (OSSL_ENCODER_to_data(ec.get(), &data, &len) != 1) return std::nullopt;
    std::string pem(reinterpret_cast<const char*>(data), len);
    OPENSSL_clear_free(data, len);
    return pem;
}

std::optional<SecretBytes> ecdh(const Key& mine, const Key& peer) {
    if (!mine.has_private() || !peer.native()) return std::nullopt;
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, mine.native(), nullptr));
    // derive_set_peer checks the peer's key again (EVP_PKEY_public_check).
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.native()) != 1)
        return std::nullopt;
    SecretBytes secret(shared_secret_bytes);
    std::size_t n = secret.size();
    if (EVP_PKEY_derive(ctx.get(), secret.data(), &n) != 1 || n != shared_secret_bytes) return std::nullopt;
    return secret;
}

std::optional<Signature> es256_sign(const Key& key, ByteView message) {
    if (!key.has_private()) return std::nullopt;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
    if (!md || EVP_DigestSignInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, key.native(), nullptr) != 1)
        return std::nullopt;
    // At most 72 bytes of DER for P-256; ask for the bound, then sign.
    std::size_t der_len = 0;
    if (EVP_DigestSign(md.get(), nullptr, &der_len, message.data(), message.size()) != 1) return std::nullopt;
    Bytes der(der_len);
    if (EVP_DigestSign(md.get(), der.data(), &der_len, message.data(), message.size()) != 1) return std::nullopt;
    // JWS wants r | s as fixed 32-byte big-endian integers, not DER.
    const unsigned char* p = der.data();
    std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
    if (!sig) return std::nullopt;
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    Signature out{};
    constexpr int half = static_cast<int>(signature_bytes / 2);
    if (BN_bn2binpad(r, out.data(), half) != half || BN_bn2binpad(s, out.data() + half, half) != half)
        return std::nullopt;
    return out;
}

std::optional<SecretBytes> hmac_sha256(ByteView key, ByteView data) {
    SecretBytes out(hmac_bytes);
    std::size_t n = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), data.data(), data.size(),
                   out.data(), out.size(), &n) ||
        n != hmac_bytes)
        return std::nullopt;
    return out;
}

namespace {

bool fits_int(std::size_t n) { return n <= static_cast<std::size_t>(std::numeric_limits<int>::max()); }

}  // namespace

std::optional<Bytes> aes128gcm_seal(ByteView key, ByteView nonce, ByteView plaintext) {
    if (key.size() != aes_key_bytes || nonce.size() != gcm_nonce_bytes || !fits_int(plaintext.size()))
        return std::nullopt;
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
    // GCM's default IV length is 12 bytes, the nonce's.
    if (!ctx || EVP_EncryptInit_ex2(ctx.get(), EVP_aes_128_gcm(), key.data(), nonce.data(), nullptr) != 1)
        return std::nullopt;
    Bytes out(plaintext.size() + gcm_tag_bytes);
    int n = 0;
    if (EVP_EncryptUpdate(ctx.get(), out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())) != 1 ||
        static_cast<std::size_t>(n) != plaintext.size())
        return std::nullopt;
    int tail = 0;
    if (EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &tail) != 1 || tail != 0) return std::nullopt;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, out.data() + plaintext.size(), gcm_tag_bytes),
        OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_get_params(ctx.get(), params) != 1) return std::nullopt;
    return out;
}

std::optional<Bytes> aes128gcm_open(ByteView key, ByteView nonce, ByteView sealed) {
    if (key.size() != aes_key_bytes || nonce.size() != gcm_nonce_bytes || sealed.size() < gcm_tag_bytes ||
        !fits_int(sealed.size()))
        return std::nullopt;
    const std::size_t text_len = sealed.size() - gcm_tag_bytes;
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_DecryptInit_ex2(ctx.get(), EVP_aes_128_gcm(), key.data(), nonce.data(), nullptr) != 1)
        return std::nullopt;
    // The tag is set before the last call, which checks it.
    std::array<std::uint8_t, gcm_tag_bytes> tag{};
    std::memcpy(tag.data(), sealed.data() + text_len, gcm_tag_bytes);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag.data(), tag.size()),
                           OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_set_params(ctx.get(), params) != 1) return std::nullopt;
    Bytes out(text_len);
    int n = 0;
    if (EVP_DecryptUpdate(ctx.get(), out.data(), &n, sealed.data(), static_cast<int>(text_len)) != 1 ||
        static_cast<std::size_t>(n) != text_len)
        return std::nullopt;
    int tail = 0;
    if (EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &tail) != 1) {
        // Nothing of a forged record leaves this function.
        std::fill(out.begin(), out.end(), std::uint8_t{0});
        return std::nullopt;
    }
    return out;
}

}  // namespace kopilka::node::p256
