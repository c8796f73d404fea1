// Web push, the sending half (docs/messages.md "Web push"; the bytes in
// docs/formats.md "Web push encryption"). A message for a browser's push
// subscription is
//  - encrypted to the browser's key (RFC 8291: ECDH on P-256, HKDF-SHA-256,
//    one record of RFC 8188's aes128gcm content coding), so the push service
//    that carries it reads nothing;
//  - vouched for by the node's VAPID key (RFC 8292: an ES256 JWT naming the
//    push service's origin and the operator's contact), so the push service
//    knows which server sends and the browser takes only the server it
//    subscribed to;
//  - POSTed to the subscription's endpoint (RFC 8030) over libcurl.
//
// Not wired yet: nothing stores subscriptions, the cabinet does not offer
// one, and the outbox has no push channel (it would map PushOutcome to an
// Attempt, and forget a subscription on `gone`).
//
// P-256 and AES-128-GCM come from Debian's OpenSSL 3 (libsodium has no
// P-256, and its AES-GCM is AES-256 on CPUs with AES instructions only);
// OpenSSL's headers stay in webpush_p256.cpp.
#pragma once

#include "crypto/bytes.h"
#include "node/clock.h"

#include <array>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace kopilka::node {

namespace p256 {
class Key;
}

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

// The longest endpoint URL taken: the push services' own run to a few
// hundred characters; a longer one is no subscription a browser made.
inline constexpr std::size_t push_endpoint_chars_max = 2048;
// RFC 8030 section 5.2: how long the push service may keep a message it
// cannot deliver yet. FCM, behind Chrome's subscriptions, keeps none longer
// than 4 weeks; a longer TTL is sent as this.
inline constexpr std::uint32_t push_ttl_s_max = 28 * 24 * 3600;

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
    endpoint_invalid,       // not an https URL (http only to 127.0.0.1, [::1] or localhost), or too long
    subject_invalid,        // the VAPID contact is not a mailto: or https: URL
    key_file,               // the VAPID key file: unreadable, unwritable, no P-256 private key, or open to others
    openssl,                // an OpenSSL call failed that fails only without memory
};
std::string_view push_error_name(PushError e);

struct PushFailure {
    PushError code;
    std::string message;  // for a person; never holds key material
};

// --- subscriptions and message encryption ------------------------------------

// What the browser's PushSubscription.toJSON() hands the page.
struct PushSubscription {
    std::string endpoint;  // the push service's URL for this browser
    std::string p256dh;    // keys.p256dh: the browser's P-256 public key, base64url
    std::string auth;      // keys.auth: its authentication secret, base64url
};

// A subscription the node could send to: the endpoint (as push_origin
// takes it) and both keys. For the integrator to call when a page hands
// one in, so a bad one is refused then, not at each message.
std::expected<void, PushFailure> check_push_subscription(const PushSubscription& s);

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

// The origin of a push endpoint (RFC 6454: scheme://host[:port], the
// scheme and host lowercased, a default port dropped): a VAPID token's
// `aud`. Endpoints must be https; plain http is taken only to 127.0.0.1,
// [::1] and localhost, for tests with a push service on this machine. No
// user info, no fragment, no spaces or control characters.
std::expected<std::string, PushFailure> push_origin(std::string_view endpoint);

// --- VAPID (RFC 8292) ----------------------------------------------------------

// RFC 8292 section 2: a token's exp is at most 24 hours ahead.
inline constexpr std::uint64_t vapid_token_life_s_max = 24 * 3600;
// What we ask: half of it, so a push service whose clock is up to 12 hours
// off ours still takes the token (tokens are signed for each message, so a
// long life costs nothing).
inline constexpr std::uint64_t vapid_token_life_s = 12 * 3600;
static_assert(vapid_token_life_s <= vapid_token_life_s_max);
// The operator's contact (mailto:ops@example.com or an https: page).
inline constexpr std::size_t vapid_subject_chars_max = 256;

// The node's VAPID key pair (P-256). Copies share one key; signing is
// thread-safe.
class VapidKey {
public:
    ~VapidKey();
    VapidKey(const VapidKey&);
    VapidKey& operator=(const VapidKey&);
    VapidKey(VapidKey&&) noexcept;
    VapidKey& operator=(VapidKey&&) noexcept;

    // Uncompressed (65 bytes). In base64url it is the page's
    // applicationServerKey for pushManager.subscribe() and the header's k=.
    const std::array<std::uint8_t, push_public_key_bytes>& public_key() const { return public_; }
    std::string public_key_base64url() const;
    // ES256 over `message` as JWS wants it: r | s, 32 bytes each.
    std::expected<std::array<std::uint8_t, 64>, PushFailure> sign(ByteView message) const;

private:
    friend std::expected<VapidKey, PushFailure> load_or_create_vapid_key(const std::filesystem::path& path);
    explicit VapidKey(std::shared_ptr<const p256::Key> key);
    std::shared_ptr<const p256::Key> key_;
    std::array<std::uint8_t, push_public_key_bytes> public_{};
};

// Reads the key pair from `path` (PEM, PKCS#8 or SEC1, unencrypted, P-256),
// or, when no file is there, makes one and writes it (mode 0600, written
// whole then renamed, fsynced). Refuses a file that others may read: the
// key lets anyone send as this node, and a browser can only be rid of it by
// unsubscribing. Changing the key orphans every subscription made with it.
std::expected<VapidKey, PushFailure> load_or_create_vapid_key(const std::filesystem::path& path);

// `subject` is a VAPID contact: "mailto:" or "https:" and more, printable
// ASCII without '"' or '\\', at most vapid_subject_chars_max.
std::expected<void, PushFailure> check_vapid_subject(std::string_view subject);
// The signed token: base64url(header) "." base64url(claims) "." base64url(r|s),
// header {"typ":"JWT","alg":"ES256"}, claims {"aud","exp","sub"}.
std::expected<std::string, PushFailure> vapid_jwt(const VapidKey& key, std::string_view audience,
                                                  std::string_view subject, std::uint64_t exp_s);
// The Authorization header's value for a request to `endpoint` at `now_s`
// (Unix seconds): "vapid t=<jwt>, k=<public key>", aud the endpoint's
// origin, exp now_s + vapid_token_life_s.
std::expected<std::string, PushFailure> vapid_authorization(const VapidKey& key, std::string_view endpoint,
                                                            std::string_view subject, std::uint64_t now_s);

// --- sending (RFC 8030) --------------------------------------------------------

// RFC 8030 section 5.3: how soon the browser should be woken for it.
enum class PushUrgency { very_low, low, normal, high };
std::string_view push_urgency_name(PushUrgency u);  // the header's value: "very-low", ...

// What one POST to a push service came to, shaped like the SMS channels'
// Attempt (outbox.h), with `gone` besides.
struct PushOutcome {
    enum class Result {
        accepted,  // 2xx (201 Created): the push service holds it for the browser
        retry,     // no answer, a timeout, 408, 425, 429 or 5xx: later, after retry_after_ms if given
        refused,   // never: any other answer (a 3xx is not followed; 400, 403 a bad token, 413 too large),
                   // or a subscription or payload that could never be sent (no request made)
        gone,      // 404 or 410: the subscription is no more; forget it, send it nothing again
    } result = Result::retry;
    std::string message_url;           // accepted: the push service's Location for the message
    std::string error;                 // otherwise: the push service's words, or what went wrong here
    std::uint64_t retry_after_ms = 0;  // retry: its Retry-After (seconds), up to provider_retry_after_ms_max
};

// Sends push messages as one VAPID identity; send_push is called from
// several threads at once, each request on a kept-alive libcurl handle
// (like the SMS channels), with channels.h's provider_timeout_ms.
class PushSender {
public:
    // `clock` gives each token's exp: push services check it against real
    // time, so this wants the wall clock, not a test network's offset one
    // (kopilkad --clock-offset-s).
    static std::expected<std::unique_ptr<PushSender>, PushFailure> create(VapidKey key, std::string subject,
                                                                          const Clock& clock);
    ~PushSender();
    PushSender(const PushSender&) = delete;
    PushSender& operator=(const PushSender&) = delete;

    const VapidKey& key() const { return key_; }

    // Encrypts `payload` to the subscription and POSTs it with
    // Content-Encoding: aes128gcm, TTL (at most push_ttl_s_max), Urgency and
    // Authorization: vapid. A subscription that fails
    // check_push_subscription, or a payload over push_payload_bytes_max,
    // is `refused` without a request.
    PushOutcome send_push(const PushSubscription& subscription, ByteView payload, std::uint32_t ttl_s,
                          PushUrgency urgency);

private:
    struct Handles;
    PushSender(VapidKey key, std::string subject, const Clock& clock);
    VapidKey key_;
    std::string subject_;
    const Clock& clock_;
    std::unique_ptr<Handles> handles_;
};

}  // namespace kopilka::node
