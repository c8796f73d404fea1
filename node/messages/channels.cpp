#include "node/messages/channels.h"

#include "node/notifier.h"

#include <boost/json.hpp>
#include <curl/curl.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <mutex>

namespace kopilka::node {

namespace json = boost::json;

std::optional<SmsProvider> sms_provider_of(std::string_view text) {
    if (text == "file") return SmsProvider::file;
    if (text == "http") return SmsProvider::http;
    if (text == "smsru") return SmsProvider::smsru;
    if (text == "twilio") return SmsProvider::twilio;
    return std::nullopt;
}

namespace {

std::string clip(std::string s) {
    if (s.size() > provider_error_chars_max) s.resize(provider_error_chars_max);
    return s;
}

// --- the outbox file ---------------------------------------------------------

class FileChannel final : public Channel {
public:
    explicit FileChannel(std::filesystem::path file) : file_(std::move(file)) {}
    std::string_view name() const override { return "file"; }
    bool immediate() const override { return true; }
    Attempt send(const Rendered& m, std::string_view key) override {
        const json::object line{{"phone", m.phone}, {"text", m.text}, {"link", m.link}, {"key", key}};
        std::string bytes = json::serialize(line);
        bytes += '\n';
        std::lock_guard lock(mutex_);
        // It holds numbers and codes: readable by the node's user only. One
        // write(2) a line, so a crash tears at most the last line.
        const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) return Attempt{Attempt::Result::retry, {}, "cannot open " + file_.string(), 0};
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        ::close(fd);
        if (n != static_cast<ssize_t>(bytes.size()))
            return Attempt{Attempt::Result::retry, {}, "cannot write " + file_.string(), 0};
        return Attempt{Attempt::Result::accepted, {}, {}, 0};
    }

private:
    std::filesystem::path file_;
    std::mutex mutex_;
};

// --- HTTP through libcurl ----------------------------------------------------

struct HttpAnswer {
    long status = 0;          // 0: no answer (the network)
    std::string body;
    std::string network_error;
    std::uint64_t retry_after_ms = 0;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* out) {
    std::string_view line(data, size * n);
    constexpr std::string_view name = "retry-after:";
    if (line.size() > name.size()) {
        std::string lower(line.substr(0, name.size()));
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == name) {
            std::string_view v = line.substr(name.size());
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
            std::uint64_t s = 0;
            // Seconds only; an HTTP date falls back to the outbox's backoff.
            if (std::from_chars(v.data(), v.data() + v.size(), s).ec == std::errc{})
                *static_cast<std::uint64_t*>(out) = std::min(s * 1000, provider_retry_after_ms_max);
        }
    }
    return size * n;
}

void curl_global() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A channel's libcurl handles, one for each request in flight, kept for the
// next: a handle keeps its connection to the provider open (keep-alive), so
// after the first few requests each message costs one round trip, not a TCP
// (and TLS) handshake. A handle is used by one thread at a time, as libcurl
// requires; the pool grows to the most requests ever in flight at once (the
// outbox's senders), and keeps at most http_handles_idle_max.
class Http {
public:
    Http() { curl_global(); }
    ~Http() {
        for (CURL* h : idle_) curl_easy_cleanup(h);
    }
    Http(const Http&) = delete;
    Http& operator=(const Http&) = delete;

    HttpAnswer post(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                    const std::string& user_password = {}) {
        HttpAnswer a;
        Lease lease(*this);
        CURL* handle = lease.handle;
        if (!handle) {
            a.network_error = "libcurl could not start";
            return a;
        }
        // Forgets the last request's options, keeps its open connection.
        curl_easy_reset(handle);
        curl_slist* list = nullptr;
        for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
        curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
        curl_easy_setopt(handle, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, provider_timeout_ms);
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
        // Only the provider's own scheme: no redirect may send a message,
        // or its credentials, anywhere else.
        curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &a.body);
        curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(handle, CURLOPT_HEADERDATA, &a.retry_after_ms);
        if (!user_password.empty()) {
            curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
            curl_easy_setopt(handle, CURLOPT_USERPWD, user_password.c_str());
        }
        const CURLcode rc = curl_easy_perform(handle);
        if (rc == CURLE_OK)
            curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &a.status);
        else
            a.network_error = curl_easy_strerror(rc);
        curl_slist_free_all(list);
        return a;
    }

    std::string escape(std::string_view s) {
        // libcurl ignores the handle here (7.82 on); none is taken from the pool.
        char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
        std::string out = e ? e : "";
        curl_free(e);
        return out;
    }

private:
    // A handle for one request: an idle one (with its connection) or a new
    // one, given back when the request is over.
    struct Lease {
        explicit Lease(Http& h) : http(h) {
            {
                std::lock_guard lock(http.mutex_);
                if (!http.idle_.empty()) {
                    handle = http.idle_.back();
                    http.idle_.pop_back();
                    return;
                }
            }
            handle = curl_easy_init();
        }
        ~Lease() {
            if (!handle) return;
            {
                std::lock_guard lock(http.mutex_);
                if (http.idle_.size() < http_handles_idle_max) {
                    http.idle_.push_back(handle);
                    return;
                }
            }
            curl_easy_cleanup(handle);
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Http& http;
        CURL* handle = nullptr;
    };

    std::mutex mutex_;
    std::vector<CURL*> idle_;  // the most recently used last: its connection is the likeliest still open
};

// The answers every HTTP provider shares: no answer, 408/425/429 and 5xx are
// "later"; nullopt for an answer the provider's own reading decides.
std::optional<Attempt> transport_outcome(const HttpAnswer& a) {
    if (a.status == 0) return Attempt{Attempt::Result::retry, {}, "no answer: " + a.network_error, 0};
    if (a.status == 408 || a.status == 425 || a.status == 429 || a.status >= 500)
        return Attempt{Attempt::Result::retry, {}, clip("HTTP " + std::to_string(a.status) + ": " + a.body),
                       a.retry_after_ms};
    return std::nullopt;
}

const json::object* parse_object(const std::string& body, json::value& holder) {
    boost::system::error_code ec;
    holder = json::parse(body, ec);
    return !ec && holder.is_object() ? &holder.as_object() : nullptr;
}

// --- a generic HTTP gateway --------------------------------------------------

class HttpChannel final : public Channel {
public:
    HttpChannel(std::string url, std::string token) : url_(std::move(url)), token_(std::move(token)) {}
    std::string_view name() const override { return "http"; }
    Attempt send(const Rendered& m, std::string_view key) override {
        const json::object body{{"to", m.phone}, {"text", m.text}, {"link", m.link}, {"idempotency_key", key}};
        std::vector<std::string> headers{"Content-Type: application/json", "Idempotency-Key: " + std::string(key)};
        if (!token_.empty()) headers.push_back("Authorization: Bearer " + token_);
        const HttpAnswer a = http_.post(url_, headers, json::serialize(body));
        if (auto t = transport_outcome(a)) return *t;
        if (a.status < 200 || a.status > 299)
            return Attempt{Attempt::Result::rejected, {}, clip("HTTP " + std::to_string(a.status) + ": " + a.body), 0};
        Attempt ok{Attempt::Result::accepted, {}, {}, 0};
        json::value v;
        if (const json::object* o = parse_object(a.body, v))
            if (const json::value* id = o->if_contains("id"); id && id->is_string()) ok.provider_id = clip(std::string(id->as_string()));
        return ok;
    }

private:
    std::string url_, token_;
    Http http_;
};

// --- SMS.ru ------------------------------------------------------------------

// SMS.ru's "service temporarily unavailable, try a little later".
constexpr std::int64_t smsru_code_try_later = 220;
constexpr std::int64_t smsru_code_ok = 100;

class SmsRuChannel final : public Channel {
public:
    SmsRuChannel(std::string base, std::string api_id, std::string from)
        : base_(std::move(base)), api_id_(std::move(api_id)), from_(std::move(from)) {}
    std::string_view name() const override { return "smsru"; }
    Attempt send(const Rendered& m, std::string_view) override {
        // SMS.ru takes the number without its '+'. Its API has no
        // idempotency key: a message whose answer was lost goes twice.
        const std::string to = m.phone.starts_with('+') ? m.phone.substr(1) : m.phone;
        std::string form = "api_id=" + http_.escape(api_id_) + "&to=" + http_.escape(to) + "&msg=" + http_.escape(m.text) +
                           "&json=1";
        if (!from_.empty()) form += "&from=" + http_.escape(from_);
        const HttpAnswer a =
            http_.post(base_ + "/sms/send", {"Content-Type: application/x-www-form-urlencoded"}, form);
        if (auto t = transport_outcome(a)) return *t;
        json::value v;
        const json::object* o = parse_object(a.body, v);
        if (a.status != 200 || !o)
            return Attempt{Attempt::Result::retry, {}, clip("HTTP " + std::to_string(a.status) + ": " + a.body), 0};
        auto code_of = [](const json::object& x) -> std::int64_t {
            const json::value* c = x.if_contains("status_code");
            return c && c->is_int64() ? c->as_int64() : (c && c->is_uint64() ? static_cast<std::int64_t>(c->as_uint64()) : -1);
        };
        auto text_of = [](const json::object& x) {
            const json::value* t = x.if_contains("status_text");
            return t && t->is_string() ? std::string(t->as_string()) : std::string();
        };
        auto refused = [&](const json::object& x) {
            const std::int64_t c = code_of(x);
            return Attempt{c == smsru_code_try_later ? Attempt::Result::retry : Attempt::Result::rejected, {},
                           clip("SMS.ru " + std::to_string(c) + ": " + text_of(x)), 0};
        };
        if (code_of(*o) != smsru_code_ok) return refused(*o);
        const json::value* sms = o->if_contains("sms");
        const json::value* one = sms && sms->is_object() ? sms->as_object().if_contains(to) : nullptr;
        if (!one || !one->is_object())
            return Attempt{Attempt::Result::retry, {}, clip("SMS.ru answered without the number: " + a.body), 0};
        if (code_of(one->as_object()) != smsru_code_ok) return refused(one->as_object());
        Attempt ok{Attempt::Result::accepted, {}, {}, 0};
        if (const json::value* id = one->as_object().if_contains("sms_id"); id && id->is_string())
            ok.provider_id = clip(std::string(id->as_string()));
        return ok;
    }

private:
    std::string base_, api_id_, from_;
    Http http_;
};

// --- Twilio ------------------------------------------------------------------

class TwilioChannel final : public Channel {
public:
    TwilioChannel(std::string base, std::string account, std::string token, std::string from)
        : base_(std::move(base)), account_(std::move(account)), token_(std::move(token)), from_(std::move(from)) {}
    std::string_view name() const override { return "twilio"; }
    Attempt send(const Rendered& m, std::string_view) override {
        // A sender starting "MG" is a Messaging Service, else a number.
        const std::string form = "To=" + http_.escape(m.phone) +
                                 (from_.starts_with("MG") ? "&MessagingServiceSid=" : "&From=") + http_.escape(from_) +
                                 "&Body=" + http_.escape(m.text);
        const HttpAnswer a = http_.post(base_ + "/2010-04-01/Accounts/" + account_ + "/Messages.json",
                                        {"Content-Type: application/x-www-form-urlencoded"}, form,
                                        account_ + ":" + token_);
        if (auto t = transport_outcome(a)) return *t;
        json::value v;
        const json::object* o = parse_object(a.body, v);
        if (a.status == 200 || a.status == 201) {
            Attempt ok{Attempt::Result::accepted, {}, {}, 0};
            if (o)
                if (const json::value* sid = o->if_contains("sid"); sid && sid->is_string())
                    ok.provider_id = clip(std::string(sid->as_string()));
            return ok;
        }
        // Twilio's error body: {"code": 21211, "message": "...", "status": 400}.
        std::string why = "HTTP " + std::to_string(a.status);
        if (o) {
            if (const json::value* c = o->if_contains("code"); c && c->is_int64()) why += ", Twilio " + std::to_string(c->as_int64());
            if (const json::value* t = o->if_contains("message"); t && t->is_string()) why += ": " + std::string(t->as_string());
        }
        return Attempt{Attempt::Result::rejected, {}, clip(why), 0};
    }

private:
    std::string base_, account_, token_, from_;
    Http http_;
};

}  // namespace

struct HttpPoster::Pool {
    Http http;
};

HttpPoster::HttpPoster() : pool_(std::make_unique<Pool>()) {}
HttpPoster::~HttpPoster() = default;

HttpReply HttpPoster::post(const std::string& url, const std::vector<std::string>& headers, const std::string& body) {
    HttpAnswer a = pool_->http.post(url, headers, body);
    return HttpReply{a.status, clip(std::move(a.body)), std::move(a.network_error), a.retry_after_ms};
}

std::expected<std::unique_ptr<Channel>, std::string> make_channel(const ChannelConfig& c) {
    switch (c.provider) {
        case SmsProvider::file: return std::make_unique<FileChannel>(c.outbox_file);
        case SmsProvider::http:
            if (c.url.empty()) return std::unexpected("--sms-provider http needs --sms-url (the gateway's endpoint)");
            return std::make_unique<HttpChannel>(c.url, c.secret);
        case SmsProvider::smsru:
            if (c.secret.empty()) return std::unexpected("--sms-provider smsru needs --sms-secret-file (a file holding the api_id)");
            return std::make_unique<SmsRuChannel>(c.url.empty() ? std::string(sms_provider_default_url_smsru) : c.url,
                                                  c.secret, c.from);
        case SmsProvider::twilio:
            if (c.secret.empty() || c.account.empty() || c.from.empty())
                return std::unexpected(
                    "--sms-provider twilio needs --sms-account (the account SID), --sms-from (the sending number or "
                    "Messaging Service SID) and --sms-secret-file (a file holding the auth token)");
            return std::make_unique<TwilioChannel>(
                c.url.empty() ? std::string(sms_provider_default_url_twilio) : c.url, c.account, c.secret, c.from);
    }
    return std::unexpected("unknown SMS provider");
}

}  // namespace kopilka::node
