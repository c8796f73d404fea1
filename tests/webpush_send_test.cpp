// Web push's VAPID (node/messages/webpush.h): the endpoint rules, the key
// file, and tokens verified with OpenSSL directly (not through the code
// under test).
#include "node/messages/webpush.h"

#include "support.h"

#include <catch2/catch.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <sys/stat.h>

#include <fstream>

using namespace kopilka;
using namespace kopilka::node;
using kopilka::test::TempDir;

namespace {

// A browser's keys from RFC 8291's example, and another P-256 key.
constexpr std::string_view rfc_ua_public =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view rfc_auth_secret = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr std::string_view rfc_as_public =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";

Bytes b64(std::string_view s) {
    auto b = from_base64url(s);
    REQUIRE(b);
    return *b;
}

std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

// --- OpenSSL on the test's side ------------------------------------------------

// ES256 (r | s) over `message` under the uncompressed point `pub`.
bool es256_verifies(ByteView pub, std::string_view message, ByteView sig) {
    if (sig.size() != 64) return false;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("prime256v1"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<std::uint8_t*>(pub.data()), pub.size()),
        OSSL_PARAM_construct_end()};
    EVP_PKEY* key = nullptr;
    const bool made = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
                      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!made) return false;
    ECDSA_SIG* s = ECDSA_SIG_new();
    ECDSA_SIG_set0(s, BN_bin2bn(sig.data(), 32, nullptr), BN_bin2bn(sig.data() + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_len = i2d_ECDSA_SIG(s, &der);
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    const bool ok = der_len > 0 && EVP_DigestVerifyInit_ex(md, nullptr, "SHA256", nullptr, nullptr, key, nullptr) == 1 &&
                    EVP_DigestVerify(md, der, static_cast<std::size_t>(der_len),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
    EVP_PKEY_free(key);
    return ok;
}

// --- a VAPID header, taken apart -------------------------------------------------

struct Vapid {
    std::string header, claims;  // the JSON texts
    std::string signing_input;
    Bytes signature;
    std::string k;
};

std::optional<Vapid> parse_vapid(std::string_view value) {
    constexpr std::string_view t = "vapid t=", k = ", k=";
    if (!value.starts_with(t)) return std::nullopt;
    const std::size_t comma = value.find(k);
    if (comma == std::string_view::npos) return std::nullopt;
    const std::string_view jwt = value.substr(t.size(), comma - t.size());
    Vapid v;
    v.k = std::string(value.substr(comma + k.size()));
    const std::size_t dot1 = jwt.find('.'), dot2 = jwt.rfind('.');
    if (dot1 == std::string_view::npos || dot1 == dot2) return std::nullopt;
    auto h = from_base64url(jwt.substr(0, dot1));
    auto c = from_base64url(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
    auto s = from_base64url(jwt.substr(dot2 + 1));
    if (!h || !c || !s) return std::nullopt;
    v.header = text_of(*h);
    v.claims = text_of(*c);
    v.signing_input = std::string(jwt.substr(0, dot2));
    v.signature = *s;
    return v;
}

constexpr std::uint64_t now_s = kopilka::test::test_epoch_ms / 1000;

}  // namespace

// --- endpoints and VAPID -------------------------------------------------------

TEST_CASE("push_origin: https endpoints, http only to this machine") {
    CHECK(push_origin("https://fcm.googleapis.com/fcm/send/dQw4w9:APA91b").value() == "https://fcm.googleapis.com");
    CHECK(push_origin("HTTPS://Updates.Push.Services.Mozilla.COM:443/wpush/v2/gAAA").value() ==
          "https://updates.push.services.mozilla.com");
    CHECK(push_origin("https://web.push.apple.com:8443/QO?x=1").value() == "https://web.push.apple.com:8443");
    CHECK(push_origin("https://push.example").value() == "https://push.example");
    CHECK(push_origin("http://127.0.0.1:8080/push/1").value() == "http://127.0.0.1:8080");
    CHECK(push_origin("http://localhost:80/p").value() == "http://localhost");
    CHECK(push_origin("http://[::1]:9000/p").value() == "http://[::1]:9000");
    for (const char* bad : {"http://push.example/p", "http://10.0.0.1/p", "ftp://push.example/p", "push.example/p",
                            "https:///p", "https://:443/p", "https://user:pw@push.example/p", "https://push.example:/p",
                            "https://push.example:0/p", "https://push.example:65536/p", "https://push.example:44a/p",
                            "https://push.example/p#frag", "https://push example/p", "https://push.example/\"p",
                            "https://pu_sh.example/p", "https://[::1/p", "https://[::1]x/p", ""}) {
        INFO(bad);
        const auto origin = push_origin(bad);
        REQUIRE_FALSE(origin);
        CHECK(origin.error().code == PushError::endpoint_invalid);
    }
    CHECK_FALSE(push_origin("https://push.example/" + std::string(push_endpoint_chars_max, 'a')));
}

TEST_CASE("check_push_subscription takes what a browser gives and refuses the rest") {
    PushSubscription s{"https://fcm.googleapis.com/fcm/send/abc", std::string(rfc_ua_public),
                       std::string(rfc_auth_secret)};
    CHECK(check_push_subscription(s));
    s.endpoint = "http://push.example/abc";
    CHECK(check_push_subscription(s).error().code == PushError::endpoint_invalid);
    s.endpoint = "https://fcm.googleapis.com/fcm/send/abc";
    s.p256dh = "AAAA";
    CHECK(check_push_subscription(s).error().code == PushError::receiver_key_invalid);
    s.p256dh = rfc_ua_public;
    s.auth = "AAAA";
    CHECK(check_push_subscription(s).error().code == PushError::auth_secret_invalid);
}

TEST_CASE("load_or_create_vapid_key makes a 0600 key file that loads back to the same key") {
    TempDir dir("kopilka-vapid");
    const auto path = dir.path() / "vapid.pem";
    const auto made = load_or_create_vapid_key(path);
    REQUIRE(made);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    const auto loaded = load_or_create_vapid_key(path);
    REQUIRE(loaded);
    CHECK(loaded->public_key() == made->public_key());
    CHECK(loaded->public_key()[0] == 0x04);
    CHECK(b64(loaded->public_key_base64url()) == Bytes(made->public_key().begin(), made->public_key().end()));
    CHECK(loaded->public_key_base64url().size() == 87);  // 65 bytes, no padding
    // Nothing left beside it.
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);

    SECTION("a key file others may read is refused") {
        std::filesystem::permissions(path, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
        const auto open = load_or_create_vapid_key(path);
        REQUIRE_FALSE(open);
        CHECK(open.error().code == PushError::key_file);
        CHECK(open.error().message.find("chmod 600") != std::string::npos);
    }
    SECTION("a file that holds no P-256 private key is refused, never replaced") {
        for (const std::string& text : {std::string("not a key\n"), std::string()}) {
            std::ofstream(path, std::ios::trunc) << text;
            const auto open = load_or_create_vapid_key(path);
            REQUIRE_FALSE(open);
            CHECK(open.error().code == PushError::key_file);
        }
        // A P-384 key is a key, but not VAPID's.
        EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
        OSSL_ENCODER_CTX* enc = OSSL_ENCODER_CTX_new_for_pkey(p384, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", nullptr);
        unsigned char* pem = nullptr;
        std::size_t pem_len = 0;
        REQUIRE(OSSL_ENCODER_to_data(enc, &pem, &pem_len) == 1);
        std::ofstream(path, std::ios::trunc | std::ios::binary).write(reinterpret_cast<char*>(pem), static_cast<std::streamsize>(pem_len));
        OPENSSL_free(pem);
        OSSL_ENCODER_CTX_free(enc);
        EVP_PKEY_free(p384);
        CHECK(load_or_create_vapid_key(path).error().code == PushError::key_file);
    }
    SECTION("a key in a directory that is not there is an error, not a crash") {
        CHECK(load_or_create_vapid_key(dir.path() / "missing" / "vapid.pem").error().code == PushError::key_file);
    }
}

TEST_CASE("vapid_authorization: an ES256 token for the endpoint's origin that OpenSSL verifies") {
    TempDir dir("kopilka-vapid");
    const auto key = load_or_create_vapid_key(dir.path() / "vapid.pem");
    REQUIRE(key);
    const auto header =
        vapid_authorization(*key, "https://fcm.googleapis.com/fcm/send/abc:def", "mailto:ops@kopilka.example", now_s);
    REQUIRE(header);
    const auto v = parse_vapid(*header);
    REQUIRE(v);
    CHECK(v->k == key->public_key_base64url());
    CHECK(v->header == R"({"typ":"JWT","alg":"ES256"})");
    CHECK(v->claims == R"({"aud":"https://fcm.googleapis.com","exp":)" + std::to_string(now_s + vapid_token_life_s) +
                           R"(,"sub":"mailto:ops@kopilka.example"})");
    CHECK(vapid_token_life_s <= vapid_token_life_s_max);
    CHECK(vapid_token_life_s_max == 24 * 3600);
    REQUIRE(v->signature.size() == 64);  // r | s, not DER
    CHECK(es256_verifies(b64(v->k), v->signing_input, v->signature));
    // The check is a real one: another message, or another key, fails it.
    CHECK_FALSE(es256_verifies(b64(v->k), v->signing_input + "x", v->signature));
    CHECK_FALSE(es256_verifies(b64(rfc_as_public), v->signing_input, v->signature));

    CHECK(vapid_authorization(*key, "http://push.example/x", "mailto:ops@kopilka.example", now_s).error().code ==
          PushError::endpoint_invalid);
    for (const char* bad : {"ops@kopilka.example", "mailto:", "https:", "mailto:a\"b@x", "mailto:a b@x", "tel:+7"}) {
        INFO(bad);
        CHECK(check_vapid_subject(bad).error().code == PushError::subject_invalid);
    }
    CHECK(check_vapid_subject("https://kopilka.example/contact"));
    CHECK_FALSE(check_vapid_subject("mailto:" + std::string(vapid_subject_chars_max, 'a')));
}
