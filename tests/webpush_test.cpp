// Web push message encryption (node/messages/webpush.h): RFC 8291's
// Appendix A byte for byte, both ways, and every refusal of each side. The
// records no correct sender writes (another delimiter, padding) are sealed
// here with OpenSSL directly, under the Appendix's own CEK and NONCE.
#include "node/messages/webpush.h"

#include <catch2/catch.hpp>
#include <openssl/evp.h>

#include <algorithm>

using namespace kopilka;
using namespace kopilka::node;

namespace {

// RFC 8291 section 5 and Appendix A, as published (base64url). Checked
// against each other too: a case below seals the plaintext with the
// published CEK and NONCE and gets the published ciphertext.
namespace rfc {
constexpr std::string_view plaintext = "When I grow up, I want to be a watermelon";
constexpr std::string_view ua_public =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view ua_private = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
constexpr std::string_view as_public =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr std::string_view as_private = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr std::string_view auth_secret = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr std::string_view salt = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr std::string_view cek = "oIhVW04MRdy2XN9CiKLxTg";
constexpr std::string_view nonce = "4h_95klXJ5E_qnoN";
constexpr std::string_view header =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr std::string_view ciphertext = "8pfeW0KbunFT06SuDKoJH9Ql87S1QUrdirN6GcG7sFz1y1sqLgVi1VhjVkHsUoEsbI_0LpXMuGvnzQ";
constexpr std::string_view body =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
    "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
    "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";
}  // namespace rfc

Bytes b64(std::string_view s) {
    auto b = from_base64url(s);
    REQUIRE(b);
    return *b;
}

std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

PushError error_of(const std::expected<Bytes, PushFailure>& r) {
    REQUIRE_FALSE(r.has_value());
    return r.error().code;
}

// AES-128-GCM, ciphertext | tag: records the code under test would never
// write (another delimiter, padding).
Bytes gcm_seal(ByteView key, ByteView nonce, ByteView plaintext) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    REQUIRE(EVP_EncryptInit_ex2(ctx, EVP_aes_128_gcm(), key.data(), nonce.data(), nullptr) == 1);
    Bytes out(plaintext.size() + 16);
    int n = 0, tail = 0;
    REQUIRE(EVP_EncryptUpdate(ctx, out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())) == 1);
    REQUIRE(EVP_EncryptFinal_ex(ctx, out.data() + n, &tail) == 1);
    REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out.data() + plaintext.size()) == 1);
    EVP_CIPHER_CTX_free(ctx);
    return out;
}

// The RFC's header with a record sealed under its CEK and NONCE.
Bytes rfc_body_with_record(std::string_view record_plaintext) {
    Bytes body = b64(rfc::header);
    const Bytes record = gcm_seal(b64(rfc::cek), b64(rfc::nonce), as_bytes(record_plaintext));
    body.insert(body.end(), record.begin(), record.end());
    return body;
}

}  // namespace

// --- RFC 8291 ------------------------------------------------------------------

TEST_CASE("RFC 8291 Appendix A: the example message comes out byte for byte and decrypts back") {
    const auto body = push_encrypt(rfc::ua_public, rfc::auth_secret, as_bytes(rfc::plaintext), b64(rfc::as_private),
                                   b64(rfc::salt));
    REQUIRE(body);
    CHECK(body->size() == 144);
    CHECK(to_base64url(ByteView(*body).first(push_header_bytes)) == rfc::header);
    CHECK(to_base64url(ByteView(*body).subspan(21, push_public_key_bytes)) == rfc::as_public);  // the keyid
    CHECK(to_base64url(ByteView(*body).subspan(push_header_bytes)) == rfc::ciphertext);
    CHECK(to_base64url(*body) == rfc::body);

    const auto plain = push_decrypt(b64(rfc::body), b64(rfc::ua_private), b64(rfc::auth_secret));
    REQUIRE(plain);
    CHECK(text_of(*plain) == rfc::plaintext);
}

TEST_CASE("RFC 8291 Appendix A: its CEK and NONCE seal its plaintext to its ciphertext") {
    // The vectors checked against each other, so the records sealed by hand
    // below (another delimiter, padding) are the RFC's own kind.
    CHECK(to_base64url(rfc_body_with_record(std::string(rfc::plaintext) + '\x02')) == rfc::body);
}

TEST_CASE("push_encrypt draws a new key and salt for every message, and each decrypts") {
    const Bytes priv = b64(rfc::ua_private), auth = b64(rfc::auth_secret);
    const auto a = push_encrypt(rfc::ua_public, rfc::auth_secret, as_bytes("a coffee is waiting"));
    const auto b = push_encrypt(rfc::ua_public, rfc::auth_secret, as_bytes("a coffee is waiting"));
    REQUIRE(a);
    REQUIRE(b);
    CHECK(!std::equal(a->begin(), a->begin() + 16, b->begin()));                    // salt
    CHECK(!std::equal(a->begin() + 21, a->begin() + push_header_bytes, b->begin() + 21));  // sender key
    CHECK(text_of(push_decrypt(*a, priv, auth).value()) == "a coffee is waiting");
    CHECK(text_of(push_decrypt(*b, priv, auth).value()) == "a coffee is waiting");
    // Padding '=' as some encoders write it is taken.
    CHECK(push_encrypt(std::string(rfc::ua_public) + "=", std::string(rfc::auth_secret) + "==", as_bytes("x")));
}

TEST_CASE("push_encrypt takes push_payload_bytes_max (3993) and refuses a byte more") {
    static_assert(push_payload_bytes_max == 3993);
    const std::string most(push_payload_bytes_max, 'k');
    const auto body = push_encrypt(rfc::ua_public, rfc::auth_secret, as_bytes(most));
    REQUIRE(body);
    CHECK(body->size() == push_body_bytes_max);
    CHECK(text_of(push_decrypt(*body, b64(rfc::ua_private), b64(rfc::auth_secret)).value()) == most);
    CHECK(error_of(push_encrypt(rfc::ua_public, rfc::auth_secret, as_bytes(most + "k"))) == PushError::payload_too_large);
    CHECK(error_of(push_encrypt(rfc::ua_public, rfc::auth_secret, as_bytes(most + "k"), b64(rfc::as_private),
                                b64(rfc::salt))) == PushError::payload_too_large);
    // An empty payload is one delimiter.
    const auto empty = push_encrypt(rfc::ua_public, rfc::auth_secret, {});
    REQUIRE(empty);
    CHECK(push_decrypt(*empty, b64(rfc::ua_private), b64(rfc::auth_secret)).value().empty());
}

TEST_CASE("push_encrypt refuses a p256dh that is no P-256 point, and a bad auth or sender key") {
    Bytes off_curve = b64(rfc::ua_public);
    off_curve[64] ^= 0x01;  // y no longer matches x
    const std::string off = to_base64url(off_curve);
    CHECK(error_of(push_encrypt(off, rfc::auth_secret, as_bytes("x"))) == PushError::receiver_key_invalid);
    CHECK(error_of(push_encrypt(off, rfc::auth_secret, as_bytes("x"), b64(rfc::as_private), b64(rfc::salt))) ==
          PushError::receiver_key_invalid);
    const Bytes full = b64(rfc::ua_public);
    Bytes compressed(full.begin(), full.begin() + 33);
    compressed[0] = 0x02;
    CHECK(error_of(push_encrypt(to_base64url(compressed), rfc::auth_secret, as_bytes("x"))) ==
          PushError::receiver_key_invalid);
    Bytes infinity(65, 0x00);
    infinity[0] = 0x04;  // (0, 0) is not on the curve
    CHECK(error_of(push_encrypt(to_base64url(infinity), rfc::auth_secret, as_bytes("x"))) ==
          PushError::receiver_key_invalid);
    CHECK(error_of(push_encrypt("not base64url!", rfc::auth_secret, as_bytes("x"))) == PushError::receiver_key_invalid);
    CHECK(error_of(push_encrypt(rfc::ua_public, "BTBZMqHH6r4Tts7J_aSI", as_bytes("x"))) ==
          PushError::auth_secret_invalid);
    CHECK(error_of(push_encrypt(rfc::ua_public, "", as_bytes("x"))) == PushError::auth_secret_invalid);

    const Bytes zero(32, 0x00), order = *from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    CHECK(error_of(push_encrypt(rfc::ua_public, rfc::auth_secret, as_bytes("x"), zero, b64(rfc::salt))) ==
          PushError::sender_key_invalid);
    CHECK(error_of(push_encrypt(rfc::ua_public, rfc::auth_secret, as_bytes("x"), order, b64(rfc::salt))) ==
          PushError::sender_key_invalid);
    CHECK(error_of(push_encrypt(rfc::ua_public, rfc::auth_secret, as_bytes("x"), b64(rfc::as_private),
                                Bytes(15, 1))) == PushError::sender_key_invalid);
}

TEST_CASE("push_decrypt names what is wrong with every malformed body") {
    const Bytes body = b64(rfc::body), priv = b64(rfc::ua_private), auth = b64(rfc::auth_secret);
    auto decrypt = [&](const Bytes& b) { return push_decrypt(b, priv, auth); };

    SECTION("a header cut short") {
        CHECK(error_of(decrypt(Bytes(body.begin(), body.begin() + 10))) == PushError::header_truncated);
        CHECK(error_of(decrypt(Bytes(body.begin(), body.begin() + 50))) == PushError::header_truncated);
        CHECK(error_of(decrypt({})) == PushError::header_truncated);
    }
    SECTION("nothing but the header, or less than a delimiter and a tag after it") {
        CHECK(error_of(decrypt(Bytes(body.begin(), body.begin() + push_header_bytes))) == PushError::record_truncated);
        CHECK(error_of(decrypt(Bytes(body.begin(), body.begin() + push_header_bytes + 16))) ==
              PushError::record_truncated);
    }
    SECTION("the wrong auth secret, or the wrong receiver") {
        Bytes wrong = auth;
        wrong[0] ^= 0x80;
        CHECK(error_of(push_decrypt(body, priv, wrong)) == PushError::authentication_failed);
        CHECK(error_of(push_decrypt(body, b64(rfc::as_private), auth)) == PushError::authentication_failed);
        CHECK(error_of(push_decrypt(body, priv, Bytes(15, 1))) == PushError::auth_secret_invalid);
        CHECK(error_of(push_decrypt(body, Bytes(32, 0), auth)) == PushError::receiver_key_invalid);
        CHECK(error_of(push_decrypt(body, Bytes(31, 7), auth)) == PushError::receiver_key_invalid);
    }
    SECTION("a byte altered in the ciphertext, the tag or the salt") {
        for (const std::size_t at : {push_header_bytes, push_header_bytes + 20, body.size() - 1, std::size_t{3}}) {
            Bytes tampered = body;
            tampered[at] ^= 0x01;
            CHECK(error_of(decrypt(tampered)) == PushError::authentication_failed);
        }
    }
    SECTION("a record whose delimiter is not 0x02") {
        const std::string text(rfc::plaintext);
        CHECK(error_of(decrypt(rfc_body_with_record(text + '\x01'))) == PushError::padding_invalid);  // not last
        CHECK(error_of(decrypt(rfc_body_with_record(text + '\x03'))) == PushError::padding_invalid);
        CHECK(error_of(decrypt(rfc_body_with_record(text))) == PushError::padding_invalid);  // ends in 'n'
        CHECK(error_of(decrypt(rfc_body_with_record(std::string(20, '\0')))) == PushError::padding_invalid);
        // Zeros after the delimiter are padding, and go.
        CHECK(text_of(decrypt(rfc_body_with_record(text + '\x02' + std::string(9, '\0'))).value()) == text);
    }
    SECTION("rs below 18, or records longer than rs") {
        Bytes small = body;
        small[16] = small[17] = small[18] = 0;
        small[19] = 17;
        CHECK(error_of(decrypt(small)) == PushError::record_size_invalid);
        small[19] = 0;
        CHECK(error_of(decrypt(small)) == PushError::record_size_invalid);
        small[19] = 18;  // valid, but the record is 58 bytes: a second record would follow
        CHECK(error_of(decrypt(small)) == PushError::multiple_records);
        small[19] = 58;  // exactly the record: fine
        CHECK(text_of(decrypt(small).value()) == rfc::plaintext);
    }
    SECTION("a key id that is not the sender's P-256 key") {
        Bytes short_id = body;
        short_id[20] = 64;
        CHECK(error_of(decrypt(short_id)) == PushError::key_id_invalid);
        Bytes long_id = body;
        long_id[20] = 200;  // runs past the body's end
        CHECK(error_of(decrypt(long_id)) == PushError::header_truncated);
        Bytes off_curve = body;
        off_curve[21 + 64] ^= 0x01;
        CHECK(error_of(decrypt(off_curve)) == PushError::key_id_invalid);
    }
    SECTION("a body larger than a push service takes") {
        Bytes big = body;
        big.resize(push_body_bytes_max + 1);
        CHECK(error_of(decrypt(big)) == PushError::body_too_large);
    }
}

