// RFC 8291 message encryption, both ways: push_encrypt for the node, and
// push_decrypt, the browser's side, for the tests and the fuzz target.
#include "node/messages/webpush.h"

#include "node/messages/webpush_p256.h"

#include <algorithm>
#include <cstring>

namespace kopilka::node {

std::string_view push_error_name(PushError e) {
    switch (e) {
        case PushError::payload_too_large: return "payload_too_large";
        case PushError::receiver_key_invalid: return "receiver_key_invalid";
        case PushError::auth_secret_invalid: return "auth_secret_invalid";
        case PushError::sender_key_invalid: return "sender_key_invalid";
        case PushError::body_too_large: return "body_too_large";
        case PushError::header_truncated: return "header_truncated";
        case PushError::record_size_invalid: return "record_size_invalid";
        case PushError::key_id_invalid: return "key_id_invalid";
        case PushError::record_truncated: return "record_truncated";
        case PushError::multiple_records: return "multiple_records";
        case PushError::authentication_failed: return "authentication_failed";
        case PushError::padding_invalid: return "padding_invalid";
        case PushError::endpoint_invalid: return "endpoint_invalid";
        case PushError::subject_invalid: return "subject_invalid";
        case PushError::key_file: return "key_file";
        case PushError::openssl: return "openssl";
    }
    return "unknown";
}

namespace {

static_assert(p256::public_key_bytes == push_public_key_bytes && p256::private_key_bytes == push_private_key_bytes &&
              p256::gcm_tag_bytes == push_tag_bytes);

std::unexpected<PushFailure> fail(PushError code, std::string message) {
    return std::unexpected(PushFailure{code, std::move(message)});
}

// The HKDF info strings, each followed by a 0x00 where they are used
// (RFC 8291 section 3.4, RFC 8188 section 2.2 and 2.3).
constexpr std::string_view key_info_label = "WebPush: info";
constexpr std::string_view cek_info_label = "Content-Encoding: aes128gcm";
constexpr std::string_view nonce_info_label = "Content-Encoding: nonce";
// HKDF-Expand's first block ends its input with the counter 0x01; every
// length here (32, 16, 12) fits in that one block of SHA-256.
constexpr std::uint8_t hkdf_first_block = 0x01;
// RFC 8188 section 2: the last record's plaintext ends in 0x02, any other
// record's in 0x01, each followed by zero or more 0x00 of padding.
constexpr std::uint8_t delimiter_last_record = 0x02;
constexpr std::uint8_t delimiter_other_record = 0x01;
constexpr std::size_t rs_offset = push_salt_bytes;
constexpr std::size_t idlen_offset = rs_offset + 4;
constexpr std::size_t keyid_offset = idlen_offset + 1;

// base64url as a browser's PushSubscription.toJSON() gives it (without
// padding); trailing '=' from other encoders is dropped first.
std::optional<Bytes> decode_key(std::string_view text) {
    for (int i = 0; i < 2 && !text.empty() && text.back() == '='; ++i) text.remove_suffix(1);
    return from_base64url(text);
}

std::expected<p256::Key, PushFailure> receiver_of(std::string_view p256dh) {
    const std::optional<Bytes> point = decode_key(p256dh);
    if (!point) return fail(PushError::receiver_key_invalid, "p256dh is not base64url");
    if (point->size() != push_public_key_bytes || (*point)[0] != 0x04)
        return fail(PushError::receiver_key_invalid,
                    "p256dh is " + std::to_string(point->size()) + " bytes, not an uncompressed P-256 point (65)");
    std::optional<p256::Key> key = p256::Key::from_public(*point);
    if (!key) return fail(PushError::receiver_key_invalid, "p256dh is not a point on P-256");
    return std::move(*key);
}

std::expected<Bytes, PushFailure> auth_of(std::string_view auth) {
    std::optional<Bytes> secret = decode_key(auth);
    if (!secret) return fail(PushError::auth_secret_invalid, "auth is not base64url");
    if (secret->size() != push_auth_secret_bytes)
        return fail(PushError::auth_secret_invalid,
                    "auth is " + std::to_string(secret->size()) + " bytes, not 16");
    return std::move(*secret);
}

void append(Bytes& out, ByteView b) { out.insert(out.end(), b.begin(), b.end()); }

// HKDF-Expand's first block for `label` 0x00 `context`: T(1).
std::optional<SecretBytes> expand(ByteView prk, std::string_view label, ByteView context = {}) {
    Bytes info;
    append(info, as_bytes(label));
    info.push_back(0x00);
    append(info, context);
    info.push_back(hkdf_first_block);
    return p256::hmac_sha256(prk, info);
}

struct RecordKeys {
    SecretBytes cek;    // 16 bytes
    SecretBytes nonce;  // 12 bytes; the first (only) record's nonce is it, XOR 0
};

// RFC 8291 section 3.4, then RFC 8188 section 2.2 and 2.3, step by step:
//   PRK_key = HMAC(auth_secret, ecdh_secret)
//   IKM     = HMAC(PRK_key, "WebPush: info" 0x00 ua_public as_public 0x01)
//   PRK     = HMAC(salt, IKM)
//   CEK     = HMAC(PRK, "Content-Encoding: aes128gcm" 0x00 0x01)[0..16]
//   NONCE   = HMAC(PRK, "Content-Encoding: nonce" 0x00 0x01)[0..12]
std::expected<RecordKeys, PushFailure> derive(const SecretBytes& ecdh_secret, ByteView auth, ByteView ua_public,
                                              ByteView as_public, ByteView salt) {
    const std::optional<SecretBytes> prk_key = p256::hmac_sha256(auth, ecdh_secret.view());
    if (!prk_key) return fail(PushError::openssl, "HMAC-SHA-256 failed");
    Bytes context;
    append(context, ua_public);
    append(context, as_public);
    const std::optional<SecretBytes> ikm = expand(prk_key->view(), key_info_label, context);
    if (!ikm) return fail(PushError::openssl, "HMAC-SHA-256 failed");
    const std::optional<SecretBytes> prk = p256::hmac_sha256(salt, ikm->view());
    if (!prk) return fail(PushError::openssl, "HMAC-SHA-256 failed");
    const std::optional<SecretBytes> cek = expand(prk->view(), cek_info_label);
    const std::optional<SecretBytes> nonce = expand(prk->view(), nonce_info_label);
    if (!cek || !nonce) return fail(PushError::openssl, "HMAC-SHA-256 failed");
    return RecordKeys{SecretBytes(cek->view().first(p256::aes_key_bytes)),
                      SecretBytes(nonce->view().first(p256::gcm_nonce_bytes))};
}

std::expected<Bytes, PushFailure> seal(const p256::Key& receiver, ByteView auth, ByteView payload,
                                       const p256::Key& sender, ByteView salt) {
    if (payload.size() > push_payload_bytes_max)
        return fail(PushError::payload_too_large, "the payload is " + std::to_string(payload.size()) +
                                                      " bytes; a push message takes at most " +
                                                      std::to_string(push_payload_bytes_max));
    const std::optional<SecretBytes> secret = p256::ecdh(sender, receiver);
    if (!secret) return fail(PushError::openssl, "ECDH on P-256 failed");
    auto keys = derive(*secret, auth, receiver.public_key(), sender.public_key(), salt);
    if (!keys) return std::unexpected(keys.error());

    // One record, the last: the payload, its delimiter, no padding.
    SecretBytes plaintext(payload.size() + 1);
    if (!payload.empty()) std::memcpy(plaintext.data(), payload.data(), payload.size());
    plaintext.data()[payload.size()] = delimiter_last_record;
    const std::optional<Bytes> record = p256::aes128gcm_seal(keys->cek.view(), keys->nonce.view(), plaintext.view());
    if (!record) return fail(PushError::openssl, "AES-128-GCM failed");

    Bytes body;
    body.reserve(push_header_bytes + record->size());
    append(body, salt);
    for (int shift = 24; shift >= 0; shift -= 8) body.push_back(static_cast<std::uint8_t>(push_record_bytes >> shift));
    body.push_back(static_cast<std::uint8_t>(push_public_key_bytes));
    append(body, sender.public_key());
    append(body, *record);
    // What a push service must take, and one record of at most rs.
    if (body.size() > push_body_bytes_max || record->size() > push_record_bytes)
        return fail(PushError::payload_too_large, "the body outgrew its limit");
    return body;
}

}  // namespace

std::expected<Bytes, PushFailure> push_encrypt(std::string_view p256dh, std::string_view auth, ByteView payload) {
    auto receiver = receiver_of(p256dh);
    if (!receiver) return std::unexpected(receiver.error());
    auto secret = auth_of(auth);
    if (!secret) return std::unexpected(secret.error());
    // A new key and salt for every message (RFC 8291 section 3.1).
    std::optional<p256::Key> sender = p256::Key::generate();
    if (!sender) return fail(PushError::openssl, "cannot make a P-256 key");
    std::array<std::uint8_t, push_salt_bytes> salt{};
    random_bytes(salt);
    return seal(*receiver, *secret, payload, *sender, salt);
}

std::expected<Bytes, PushFailure> push_encrypt(std::string_view p256dh, std::string_view auth, ByteView payload,
                                               ByteView sender_private, ByteView salt) {
    auto receiver = receiver_of(p256dh);
    if (!receiver) return std::unexpected(receiver.error());
    auto secret = auth_of(auth);
    if (!secret) return std::unexpected(secret.error());
    std::optional<p256::Key> sender = p256::Key::from_private(sender_private);
    if (!sender) return fail(PushError::sender_key_invalid, "the sender's key is not a P-256 scalar (32 bytes, 1 to n-1)");
    if (salt.size() != push_salt_bytes) return fail(PushError::sender_key_invalid, "the salt is not 16 bytes");
    return seal(*receiver, *secret, payload, *sender, salt);
}

std::expected<Bytes, PushFailure> push_decrypt(ByteView body, ByteView receiver_private, ByteView auth_secret) {
    if (body.size() > push_body_bytes_max)
        return fail(PushError::body_too_large, "the body is " + std::to_string(body.size()) + " bytes, over " +
                                                   std::to_string(push_body_bytes_max));
    if (body.size() < keyid_offset)
        return fail(PushError::header_truncated, "the body ends inside its header (" + std::to_string(body.size()) +
                                                     " bytes)");
    std::uint32_t rs = 0;
    for (std::size_t i = 0; i < 4; ++i) rs = (rs << 8) | body[rs_offset + i];
    if (rs < push_record_bytes_min)
        return fail(PushError::record_size_invalid, "rs is " + std::to_string(rs) + ", below 18");
    const std::size_t idlen = body[idlen_offset];
    if (body.size() < keyid_offset + idlen)
        return fail(PushError::header_truncated, "the body ends inside its key id");
    if (idlen != push_public_key_bytes)
        return fail(PushError::key_id_invalid,
                    "the key id is " + std::to_string(idlen) + " bytes, not the sender's P-256 key (65)");
    const ByteView salt = body.first(push_salt_bytes);
    const ByteView keyid = body.subspan(keyid_offset, idlen);
    const ByteView record = body.subspan(keyid_offset + idlen);
    std::optional<p256::Key> sender = p256::Key::from_public(keyid);
    if (!sender) return fail(PushError::key_id_invalid, "the key id is not a point on P-256");

    std::optional<p256::Key> receiver = p256::Key::from_private(receiver_private);
    if (!receiver) return fail(PushError::receiver_key_invalid, "the receiver's key is not a P-256 scalar");
    if (auth_secret.size() != push_auth_secret_bytes)
        return fail(PushError::auth_secret_invalid, "the auth secret is not 16 bytes");

    if (record.size() < 1 + push_tag_bytes)
        return fail(PushError::record_truncated, "the record is " + std::to_string(record.size()) +
                                                     " bytes, shorter than a delimiter and a tag");
    if (record.size() > rs)
        return fail(PushError::multiple_records, "the records run past rs (" + std::to_string(rs) +
                                                     "): web push sends one");

    const std::optional<SecretBytes> secret = p256::ecdh(*receiver, *sender);
    if (!secret) return fail(PushError::openssl, "ECDH on P-256 failed");
    auto keys = derive(*secret, auth_secret, receiver->public_key(), keyid, salt);
    if (!keys) return std::unexpected(keys.error());
    std::optional<Bytes> plaintext = p256::aes128gcm_open(keys->cek.view(), keys->nonce.view(), record);
    if (!plaintext)
        return fail(PushError::authentication_failed,
                    "the record does not authenticate: another key or auth secret, or altered bytes");

    // Padding: zeros after the delimiter, which must say "last record".
    std::size_t end = plaintext->size();
    while (end > 0 && (*plaintext)[end - 1] == 0x00) --end;
    if (end == 0) return fail(PushError::padding_invalid, "the record holds no delimiter, only zeros");
    const std::uint8_t delimiter = (*plaintext)[end - 1];
    if (delimiter == delimiter_other_record)
        return fail(PushError::padding_invalid, "the record's delimiter (0x01) says more records follow; web push sends one");
    if (delimiter != delimiter_last_record)
        return fail(PushError::padding_invalid, "the record does not end in a delimiter (0x02) and zeros");
    plaintext->resize(end - 1);
    return std::move(*plaintext);
}

std::expected<void, PushFailure> check_push_subscription(const PushSubscription& s) {
    if (auto origin = push_origin(s.endpoint); !origin) return std::unexpected(origin.error());
    if (auto key = receiver_of(s.p256dh); !key) return std::unexpected(key.error());
    if (auto secret = auth_of(s.auth); !secret) return std::unexpected(secret.error());
    return {};
}

}  // namespace kopilka::node
