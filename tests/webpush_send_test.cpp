// Web push's VAPID and delivery (node/messages/webpush.h): the endpoint
// rules, the key file, tokens verified with OpenSSL directly (not through
// the code under test), and send_push to a push service this test runs on
// 127.0.0.1, which records each request, answers 201, 410, 404, 429, 500
// and more in turn, and whose requests are then checked: headers, token,
// and the body decrypted with the browser's key.
#include "node/messages/webpush.h"

#include "node/messages/channels.h"
#include "support.h"

#include <catch2/catch.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

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

struct KeyPair256 {
    Bytes priv;  // 32
    Bytes pub;   // 65
};

// A browser's key pair, as pushManager.subscribe() would make it.
KeyPair256 make_receiver() {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    REQUIRE(k);
    BIGNUM* d = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1);
    KeyPair256 out{Bytes(32), Bytes(65)};
    REQUIRE(BN_bn2binpad(d, out.priv.data(), 32) == 32);
    std::size_t n = 0;
    REQUIRE(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, out.pub.data(), out.pub.size(), &n) == 1);
    REQUIRE(n == 65);
    BN_clear_free(d);
    EVP_PKEY_free(k);
    return out;
}

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

class FixedClock final : public Clock {
public:
    explicit FixedClock(std::uint64_t ms) : ms_(ms) {}
    std::uint64_t now_ms() const override { return ms_; }

private:
    std::uint64_t ms_;
};

constexpr std::uint64_t now_ms = kopilka::test::test_epoch_ms;
constexpr std::uint64_t now_s = now_ms / 1000;

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

// --- delivery to a push service on 127.0.0.1 -----------------------------------

namespace {

// A push service on 127.0.0.1, one connection at a time: each request is
// recorded, answered with the next scripted reply, and its connection closed.
class FakePushService {
public:
    struct Reply {
        int status = 201;
        std::string extra_headers;  // each ending in \r\n
        std::string body;
    };
    struct Request {
        std::string method, path;
        std::map<std::string, std::string> headers;  // names lowercased
        Bytes body;
    };

    FakePushService() {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(listen_fd_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;  // a free port
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(listen_fd_, 8) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~FakePushService() {
        stop_ = true;
        thread_.join();
        ::close(listen_fd_);
    }
    std::uint16_t port() const { return port_; }
    void script(Reply r) {
        std::lock_guard lock(mutex_);
        replies_.push_back(std::move(r));
    }
    std::vector<Request> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    void run() {
        while (!stop_) {
            pollfd p{listen_fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            serve(fd);
            ::close(fd);
        }
    }
    // Reads up to the blank line, then Content-Length bytes; false on a
    // timeout or a closed connection (curl's probes of a kept connection).
    bool read_request(int fd, Request& r) {
        std::string data;
        std::size_t head_end = std::string::npos;
        std::size_t want = 0;
        char buf[4096];
        while (true) {
            if (head_end == std::string::npos) head_end = data.find("\r\n\r\n");
            if (head_end != std::string::npos && want == 0) {
                std::string_view head(data.data(), head_end);
                const std::size_t line_end = head.find("\r\n");
                const std::string_view first = head.substr(0, line_end);
                r.method = std::string(first.substr(0, first.find(' ')));
                const std::size_t p1 = first.find(' ') + 1;
                r.path = std::string(first.substr(p1, first.find(' ', p1) - p1));
                std::size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
                while (at < head.size()) {
                    std::size_t end = head.find("\r\n", at);
                    if (end == std::string_view::npos) end = head.size();
                    const std::string_view line = head.substr(at, end - at);
                    const std::size_t colon = line.find(':');
                    std::string name(line.substr(0, colon));
                    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
                    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
                    r.headers[name] = std::string(value);
                    at = end + 2;
                }
                want = head_end + 4 + (r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0);
            }
            if (want != 0 && data.size() >= want) {
                r.body.assign(data.begin() + static_cast<std::ptrdiff_t>(head_end + 4),
                              data.begin() + static_cast<std::ptrdiff_t>(want));
                return true;
            }
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 5000) <= 0) return false;
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return false;
            data.append(buf, static_cast<std::size_t>(n));
        }
    }
    void serve(int fd) {
        Request r;
        if (!read_request(fd, r)) return;
        Reply reply;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(r);
            if (!replies_.empty()) {
                reply = replies_.front();
                replies_.pop_front();
            }
        }
        const std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Scripted\r\n" + reply.extra_headers +
                                "Content-Length: " + std::to_string(reply.body.size()) +
                                "\r\nConnection: close\r\n\r\n" + reply.body;
        std::size_t sent = 0;
        while (sent < out.size()) {
            const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::deque<Reply> replies_;
    std::vector<Request> requests_;
};

// A port on 127.0.0.1 that nothing listens on (bound, then let go).
std::uint16_t closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace

// The node's side of a delivery: a VAPID key, a sender on a fixed clock, a
// push service on 127.0.0.1 and a browser's subscription to it.
struct Delivery {
    TempDir dir{"kopilka-push"};
    VapidKey key = load_or_create_vapid_key(dir.path() / "vapid.pem").value();
    FixedClock clock{now_ms};
    std::unique_ptr<PushSender> sender = PushSender::create(key, "mailto:ops@kopilka.example", clock).value();
    FakePushService service;
    KeyPair256 browser = make_receiver();
    Bytes auth = [] {
        Bytes a(push_auth_secret_bytes);
        random_bytes(a);
        return a;
    }();
    std::string origin = "http://127.0.0.1:" + std::to_string(service.port());
    PushSubscription sub{origin + "/push/abc123", to_base64url(browser.pub), to_base64url(auth)};
    std::string payload = R"({"title":"KOFE","body":"+5 coins"})";

    PushOutcome send(std::uint32_t ttl_s = 3600, PushUrgency u = PushUrgency::normal) {
        return sender->send_push(sub, as_bytes(payload), ttl_s, u);
    }
};

TEST_CASE("send_push delivers to a local push service, which verifies, decrypts, and answers each outcome") {
    Delivery d;
    CHECK_FALSE(PushSender::create(d.key, "ops@kopilka.example", d.clock));
    const std::string& origin = d.origin;
    d.service.script({201, "Location: " + origin + "/m/1\r\n", ""});
    d.service.script({410, "", "push subscription has unsubscribed or expired"});
    d.service.script({404, "", "no such subscription"});
    d.service.script({429, "Retry-After: 7\r\n", "slow down"});
    d.service.script({500, "", "oops"});
    d.service.script({503, "Retry-After: 99999999\r\n", ""});
    d.service.script({413, "", "too big"});
    d.service.script({403, "", "bad VAPID token"});
    d.service.script({301, "Location: https://elsewhere.example/\r\n", ""});

    using R = PushOutcome::Result;
    const PushOutcome created = d.send(3600, PushUrgency::high);
    CHECK(created.result == R::accepted);
    CHECK(created.message_url == origin + "/m/1");
    const PushOutcome gone = d.send();
    CHECK(gone.result == R::gone);
    CHECK(gone.error == "HTTP 410: push subscription has unsubscribed or expired");
    CHECK(d.send().result == R::gone);  // 404
    const PushOutcome later = d.send();
    CHECK(later.result == R::retry);
    CHECK(later.retry_after_ms == 7'000);
    CHECK(later.error == "HTTP 429: slow down");
    const PushOutcome broken = d.send();
    CHECK(broken.result == R::retry);
    CHECK(broken.retry_after_ms == 0);
    CHECK(broken.error == "HTTP 500: oops");
    CHECK(d.send().retry_after_ms == provider_retry_after_ms_max);  // 503 asking for years
    CHECK(d.send().result == R::refused);                            // 413
    const PushOutcome forbidden = d.send();
    CHECK(forbidden.result == R::refused);
    CHECK(forbidden.error == "HTTP 403: bad VAPID token");
    CHECK(d.send().result == R::refused);  // 301: never followed
    // A TTL beyond what push services keep is sent as their ceiling.
    CHECK(d.send(100 * 24 * 3600, PushUrgency::very_low).result == R::accepted);  // script empty: 201

    const auto requests = d.service.requests();
    REQUIRE(requests.size() == 10);
    for (std::size_t i = 0; i < requests.size(); ++i) {
        INFO("request " << i);
        const auto& r = requests[i];
        auto header = [&](const std::string& name) { return r.headers.count(name) ? r.headers.at(name) : "<none>"; };
        CHECK(r.method == "POST");
        CHECK(r.path == "/push/abc123");
        CHECK(header("content-encoding") == "aes128gcm");
        CHECK(header("content-type") == "application/octet-stream");
        CHECK(header("expect") == "<none>");
        const auto v = parse_vapid(header("authorization"));
        REQUIRE(v);
        CHECK(v->k == d.key.public_key_base64url());
        CHECK(v->claims == R"({"aud":")" + origin + R"(","exp":)" + std::to_string(now_s + vapid_token_life_s) +
                               R"(,"sub":"mailto:ops@kopilka.example"})");
        CHECK(es256_verifies(b64(v->k), v->signing_input, v->signature));
        // The browser's side: its key and secret give the payload back.
        const auto plain = push_decrypt(r.body, d.browser.priv, d.auth);
        REQUIRE(plain);
        CHECK(text_of(*plain) == d.payload);
    }
    CHECK(requests[0].headers.at("urgency") == "high");
    CHECK(requests[0].headers.at("ttl") == "3600");
    CHECK(requests[1].headers.at("urgency") == "normal");
    CHECK(requests[9].headers.at("urgency") == "very-low");
    CHECK(requests[9].headers.at("ttl") == std::to_string(push_ttl_s_max));
    // A fresh ephemeral key and salt for each message.
    CHECK(!std::equal(requests[0].body.begin(), requests[0].body.begin() + push_header_bytes, requests[1].body.begin()));
}

TEST_CASE("send_push: no push service there is retry, a subscription that could never work is refused unsent") {
    Delivery d;
    using R = PushOutcome::Result;
    PushSubscription nowhere = d.sub;
    nowhere.endpoint = "http://127.0.0.1:" + std::to_string(closed_port()) + "/push/abc123";
    const PushOutcome o = d.sender->send_push(nowhere, as_bytes(d.payload), 60, PushUrgency::normal);
    CHECK(o.result == R::retry);
    CHECK(o.error.starts_with("no answer: "));

    PushSubscription bad = d.sub;
    bad.endpoint = "http://push.example/abc";  // http beyond this machine
    CHECK(d.sender->send_push(bad, as_bytes(d.payload), 60, PushUrgency::normal).result == R::refused);
    bad = d.sub;
    bad.p256dh = to_base64url(Bytes(65, 0x04));
    CHECK(d.sender->send_push(bad, as_bytes(d.payload), 60, PushUrgency::normal).result == R::refused);
    const std::string huge(push_payload_bytes_max + 1, 'x');
    const PushOutcome too_big = d.sender->send_push(d.sub, as_bytes(huge), 60, PushUrgency::normal);
    CHECK(too_big.result == R::refused);
    CHECK(too_big.error.starts_with("payload_too_large"));
    CHECK(d.service.requests().empty());
}

