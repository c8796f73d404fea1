// Web push, the sending half (docs/formats.md "Web push encryption"): a
// message for a browser's push subscription is encrypted to the browser's
// key (RFC 8291: ECDH on P-256, HKDF-SHA-256, one record of RFC 8188's
// aes128gcm content coding), so the push service that carries it reads
// nothing. push_decrypt is the browser's side, for the tests and a fuzz
// target.
//
// P-256 and AES-128-GCM come from Debian's OpenSSL 3 (libsodium has no
// P-256, and its AES-GCM is AES-256 on CPUs with AES instructions only);
// OpenSSL's headers stay in webpush_p256.cpp.
#pragma once

#include "crypto/bytes.h"

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace kopilka::node {

// --- sizes (RFC 8291, RFC 8188) ----------------------------------------------

inline constexpr std::size_t push_public_key_bytes = 65;   // P-256, uncompressed: 0x04 | X | Y
inline constexpr std::size_t push_private_key_bytes = 32;  // a P-256 scalar, big-endian
inline constexpr std::size_t push_auth_secret_bytes = 16;  // RFC 8291 section 3.2
inline constexpr std::size_t push_salt_bytes = 16;         // RFC 8188 section 2.1
inline constexpr std::size_t push_tag_bytes = 16;          // AES-128-GCM's tag
// salt | rs (4) | idlen (1) | keyid (the sender's public key): 86 bytes.
inline constexpr std::size_t push_header_bytes = push_salt_bytes + 4 + 1 + push_public_key_bytes;
// RFC 8030 section 7.2: a push service need take no more than 4096 bytes
// of body, and some take no more.
inline constexpr std::size_t push_body_bytes_max = 4096;
// The body less its header, the padding delimiter (1 byte, no further
// padding) and the tag: 3993 bytes (RFC 8291 section 4). A longer payload
// is refused, never split: web push carries one record.
inline constexpr std::size_t push_payload_bytes_max = push_body_bytes_max - push_header_bytes - 1 - push_tag_bytes;
// The record size written in every header: more than any one record we
// send (RFC 8291 section 4 asks rs to exceed the record), as in RFC 8291's
// own example.
inline constexpr std::uint32_t push_record_bytes = 4096;
// RFC 8188 section 2.1: "Values smaller than 18 are invalid".
inline constexpr std::uint32_t push_record_bytes_min = 18;
static_assert(push_payload_bytes_max + 1 + push_tag_bytes <= push_record_bytes);

// --- errors ------------------------------------------------------------------

enum class PushError {
    payload_too_large,      // encrypt: more than push_payload_bytes_max
    receiver_key_invalid,   // p256dh (or decrypt's private key): not base64url, the wrong length, or not on P-256
    auth_secret_invalid,    // auth: not base64url of 16 bytes
    sender_key_invalid,     // the reproducible encrypt's ephemeral key or salt
    body_too_large,         // decrypt: more than push_body_bytes_max
    header_truncated,       // decrypt: shorter than 21 bytes and the key id its idlen names
    record_size_invalid,    // decrypt: rs below push_record_bytes_min
    key_id_invalid,         // decrypt: idlen is not 65, or the key id is not a point on P-256
    record_truncated,       // decrypt: less than a delimiter and a tag after the header
    multiple_records,       // decrypt: more than rs bytes after the header; web push sends one record
    authentication_failed,  // decrypt: the tag does not verify (another key or auth secret, or altered bytes)
    padding_invalid,        // decrypt: the plaintext does not end in 0x02 and zeros
    openssl,                // an OpenSSL call failed that fails only without memory
};
std::string_view push_error_name(PushError e);

struct PushFailure {
    PushError code;
    std::string message;  // for a person; never holds key material
};

// --- message encryption --------------------------------------------------

// The body of a push message (RFC 8291 section 4): salt | rs | idlen |
// keyid | one aes128gcm record, under a fresh ephemeral P-256 key and salt.
// `p256dh` and `auth` are the subscription's (base64url; trailing '='
// tolerated).
std::expected<Bytes, PushFailure> push_encrypt(std::string_view p256dh, std::string_view auth, ByteView payload);
// The same with the sender's ephemeral private key (32 bytes) and salt
// (16) given, so RFC 8291's Appendix A comes out byte for byte. Never reuse
// a key and salt for two messages: that is what the form above is for.
std::expected<Bytes, PushFailure> push_encrypt(std::string_view p256dh, std::string_view auth, ByteView payload,
                                               ByteView sender_private, ByteView salt);
// The browser's side: the payload of `body`, given the receiver's private
// key (32 bytes) and auth secret (16). Every malformed input is a typed
// error, never a crash (tests/fuzz/fuzz_webpush_decrypt.cpp).
std::expected<Bytes, PushFailure> push_decrypt(ByteView body, ByteView receiver_private, ByteView auth_secret);

}  // namespace kopilka::node
