// push_decrypt (node/messages/webpush.h): a web push message's body as the
// browser's side reads it (RFC 8291, RFC 8188's aes128gcm). The node only
// writes such bodies; their reader is what the tests and this target check
// the writer with, so it must hold on any bytes. The first byte picks:
//  - even: the rest is a body, decrypted with RFC 8291 Appendix A's
//    receiver key and auth secret. Never crashes; a refusal is one of
//    decrypt's own errors; a plaintext is shorter than the body by at least
//    its header, a delimiter and a tag.
//  - odd: the rest is a payload, encrypted to that receiver under the
//    Appendix A sender key and salt (fixed, so a crash replays): it comes
//    back exactly, or is refused as too large.
// Seeds (corpus/fuzz_webpush_decrypt/): Appendix A's body, its header alone,
// and its plaintext, each behind its mode byte.
#include "fuzz.h"
#include "node/messages/webpush.h"

#include <optional>

using namespace kopilka;
using namespace kopilka::node;

namespace {

Bytes must(std::optional<Bytes> b) {
    KOPILKA_FUZZ_CHECK(b.has_value());
    return *b;
}

constexpr std::string_view ua_public =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view ua_private = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
constexpr std::string_view as_private = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr std::string_view auth_secret = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr std::string_view salt = "DGv6ra1nlYgDCS1FRnbzlw";

bool decrypt_error(PushError e) {
    switch (e) {
        case PushError::body_too_large:
        case PushError::header_truncated:
        case PushError::record_size_invalid:
        case PushError::key_id_invalid:
        case PushError::record_truncated:
        case PushError::multiple_records:
        case PushError::authentication_failed:
        case PushError::padding_invalid: return true;
        default: return false;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const Bytes priv = must(from_base64url(ua_private)), auth = must(from_base64url(auth_secret)),
                       sender = must(from_base64url(as_private)), salt16 = must(from_base64url(salt));
    const ByteView rest = fuzz::bytes_of(data + 1, size - 1);

    if (data[0] % 2 == 0) {
        auto plain = push_decrypt(rest, priv, auth);
        if (!plain) {
            KOPILKA_FUZZ_CHECK(decrypt_error(plain.error().code));
            KOPILKA_FUZZ_CHECK(!plain.error().message.empty());
            return 0;
        }
        KOPILKA_FUZZ_CHECK(plain->size() + push_header_bytes + 1 + push_tag_bytes <= rest.size());
        return 0;
    }

    auto body = push_encrypt(ua_public, auth_secret, rest, sender, salt16);
    if (!body) {
        KOPILKA_FUZZ_CHECK(body.error().code == PushError::payload_too_large);
        KOPILKA_FUZZ_CHECK(rest.size() > push_payload_bytes_max);
        return 0;
    }
    KOPILKA_FUZZ_CHECK(body->size() == push_header_bytes + rest.size() + 1 + push_tag_bytes);
    auto back = push_decrypt(*body, priv, auth);
    KOPILKA_FUZZ_CHECK(back.has_value());
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(rest, *back));
    return 0;
}
