// PushSender: one POST per message to the subscription's endpoint (RFC 8030
// section 5), over libcurl as the SMS channels are, with the answer read
// into a PushOutcome.
#include "node/messages/webpush.h"

#include "node/messages/channels.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>
#include <vector>

namespace kopilka::node {

std::string_view push_urgency_name(PushUrgency u) {
    switch (u) {
        case PushUrgency::very_low: return "very-low";
        case PushUrgency::low: return "low";
        case PushUrgency::normal: return "normal";
        case PushUrgency::high: return "high";
    }
    return "normal";
}

namespace {

struct Answer {
    long status = 0;  // 0: no answer (the network)
    std::string body;  // the first provider_error_chars_max bytes
    std::string network_error;
    std::uint64_t retry_after_ms = 0;
    std::string location;
};

// Keeps what an error message needs and drops the rest, so a push service
// that answers with megabytes costs no memory.
std::size_t on_body(char* data, std::size_t size, std::size_t n, void* out) {
    auto* body = static_cast<std::string*>(out);
    const std::size_t room = provider_error_chars_max - std::min(body->size(), provider_error_chars_max);
    body->append(data, std::min(room, size * n));
    return size * n;
}

std::string_view trimmed(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    return v;
}

// The value of header `name` (lowercase, with its colon) in `line`, if it is that header.
std::optional<std::string_view> header_value(std::string_view line, std::string_view name) {
    if (line.size() < name.size()) return std::nullopt;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (static_cast<char>(std::tolower(static_cast<unsigned char>(line[i]))) != name[i]) return std::nullopt;
    return trimmed(line.substr(name.size()));
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* out) {
    auto* a = static_cast<Answer*>(out);
    const std::string_view line(data, size * n);
    if (auto v = header_value(line, "retry-after:")) {
        std::uint64_t s = 0;
        // Seconds only; an HTTP date falls back to the caller's backoff.
        if (std::from_chars(v->data(), v->data() + v->size(), s).ec == std::errc{})
            a->retry_after_ms = s >= provider_retry_after_ms_max / 1000 ? provider_retry_after_ms_max : s * 1000;
    } else if (auto loc = header_value(line, "location:")) {
        a->location = std::string(loc->substr(0, push_endpoint_chars_max));
    }
    return size * n;
}

void curl_global() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string clip(std::string s) {
    if (s.size() > provider_error_chars_max) s.resize(provider_error_chars_max);
    return s;
}

PushOutcome outcome(PushOutcome::Result r, std::string error, std::uint64_t retry_after_ms = 0) {
    PushOutcome o;
    o.result = r;
    o.error = clip(std::move(error));
    o.retry_after_ms = retry_after_ms;
    return o;
}

// A failure here, before any request: our own (OpenSSL without memory) is
// worth another try; anything the subscription or payload did never is.
PushOutcome not_sent(const PushFailure& f) {
    return outcome(f.code == PushError::openssl ? PushOutcome::Result::retry : PushOutcome::Result::refused,
                   std::string(push_error_name(f.code)) + ": " + f.message);
}

}  // namespace

// libcurl handles kept between requests, each with its connection to a
// push service open (most subscriptions share a few services: FCM, Mozilla's,
// Apple's), at most http_handles_idle_max of them. One thread uses a handle
// at a time, as libcurl requires.
struct PushSender::Handles {
    std::mutex mutex;
    std::vector<CURL*> idle;  // the most recently used last
    ~Handles() {
        for (CURL* h : idle) curl_easy_cleanup(h);
    }
    CURL* take() {
        {
            std::lock_guard lock(mutex);
            if (!idle.empty()) {
                CURL* h = idle.back();
                idle.pop_back();
                return h;
            }
        }
        return curl_easy_init();
    }
    void give(CURL* h) {
        {
            std::lock_guard lock(mutex);
            if (idle.size() < http_handles_idle_max) {
                idle.push_back(h);
                return;
            }
        }
        curl_easy_cleanup(h);
    }
};

PushSender::PushSender(VapidKey key, std::string subject, const Clock& clock)
    : key_(std::move(key)), subject_(std::move(subject)), clock_(clock), handles_(std::make_unique<Handles>()) {
    curl_global();
}

PushSender::~PushSender() = default;

std::expected<std::unique_ptr<PushSender>, PushFailure> PushSender::create(VapidKey key, std::string subject,
                                                                           const Clock& clock) {
    if (auto ok = check_vapid_subject(subject); !ok) return std::unexpected(ok.error());
    return std::unique_ptr<PushSender>(new PushSender(std::move(key), std::move(subject), clock));
}

PushOutcome PushSender::send_push(const PushSubscription& s, ByteView payload, std::uint32_t ttl_s,
                                  PushUrgency urgency) {
    if (auto ok = check_push_subscription(s); !ok) return not_sent(ok.error());
    const auto body = push_encrypt(s.p256dh, s.auth, payload);
    if (!body) return not_sent(body.error());
    const auto authorization = vapid_authorization(key_, s.endpoint, subject_, clock_.now_ms() / 1000);
    if (!authorization) return not_sent(authorization.error());
    // check_push_subscription took the endpoint: its origin is there.
    const bool plain_http = push_origin(s.endpoint).value_or("").starts_with("http://");

    const std::vector<std::string> headers{
        "Content-Type: application/octet-stream",
        "Content-Encoding: aes128gcm",
        "TTL: " + std::to_string(std::min(ttl_s, push_ttl_s_max)),
        "Urgency: " + std::string(push_urgency_name(urgency)),
        "Authorization: " + *authorization,
        // No "Expect: 100-continue" round trip before a 4 KiB body.
        "Expect:",
    };

    Answer a;
    CURL* handle = handles_->take();
    if (!handle) return outcome(PushOutcome::Result::retry, "libcurl could not start");
    // Forgets the last request's options, keeps its open connection.
    curl_easy_reset(handle);
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(handle, CURLOPT_URL, s.endpoint.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, reinterpret_cast<const char*>(body->data()));
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, provider_timeout_ms);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    // The endpoint's own scheme only, and no redirect: a push service that
    // answers 3xx is refused rather than followed somewhere else with our
    // token; an https endpoint is never downgraded.
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, plain_http ? "http" : "https");
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &a.body);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &a);
    const CURLcode rc = curl_easy_perform(handle);
    if (rc == CURLE_OK)
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &a.status);
    else
        a.network_error = curl_easy_strerror(rc);
    curl_slist_free_all(list);
    handles_->give(handle);

    const std::string said = "HTTP " + std::to_string(a.status) + ": " + a.body;
    if (a.status == 0) return outcome(PushOutcome::Result::retry, "no answer: " + a.network_error);
    if (a.status >= 200 && a.status <= 299) {
        PushOutcome ok;
        ok.result = PushOutcome::Result::accepted;
        ok.message_url = a.location;
        return ok;
    }
    // RFC 8030 section 7.3 (and every push service): the subscription expired or was dropped.
    if (a.status == 404 || a.status == 410) return outcome(PushOutcome::Result::gone, said);
    if (a.status == 408 || a.status == 425 || a.status == 429 || a.status >= 500)
        return outcome(PushOutcome::Result::retry, said, a.retry_after_ms);
    return outcome(PushOutcome::Result::refused, said);
}

}  // namespace kopilka::node
