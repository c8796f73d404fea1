#include "node/follow/source.h"

#include <boost/json.hpp>
#include <curl/curl.h>

#include <mutex>

namespace kopilka::node::follow {

namespace json = boost::json;

namespace {

void curl_global() {
    // libcurl asks for one global init before any handle; the outbox's
    // channels may have done it already, which libcurl counts.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Body {
    std::string text;
    bool too_long = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* out) {
    auto* b = static_cast<Body*>(out);
    if (b->text.size() + size * n > source_answer_bytes_max) {
        b->too_long = true;
        return 0;  // libcurl ends the transfer
    }
    b->text.append(data, size * n);
    return size * n;
}

// libcurl asks several times a second while a transfer runs; non-zero aborts it.
int on_progress(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<std::atomic<bool>*>(cancelled)->load() ? 1 : 0;
}

}  // namespace

struct Source::Handle {
    CURL* curl = nullptr;
    ~Handle() {
        if (curl) curl_easy_cleanup(curl);
    }
};

std::expected<std::unique_ptr<Source>, std::string> Source::open(std::string_view given) {
    std::string url(given);
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (url.empty()) return std::unexpected("give the source node's URL, e.g. http://127.0.0.1:8645");
    const bool has_scheme = url.find("://") != std::string::npos;
    if (has_scheme && !url.starts_with("http://") && !url.starts_with("https://"))
        return std::unexpected("the source URL must be http:// or https://, not " + url);
    for (char c : url)
        if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\\')
            return std::unexpected("the source URL may not hold spaces, quotes or control characters");
    std::string endpoint = has_scheme ? url : "http://" + url;
    if (!endpoint.ends_with("/rpc")) endpoint += "/rpc";
    // libcurl's own parser decides what a URL is.
    CURLU* parsed = curl_url();
    const bool ok = parsed && curl_url_set(parsed, CURLUPART_URL, endpoint.c_str(), 0) == CURLUE_OK;
    if (parsed) curl_url_cleanup(parsed);
    if (!ok) return std::unexpected("the source URL " + url + " is not a URL");
    curl_global();
    std::unique_ptr<Source> s(new Source(std::move(url), std::move(endpoint)));
    s->handle_->curl = curl_easy_init();
    if (!s->handle_->curl) return std::unexpected("libcurl could not start");
    return s;
}

Source::Source(std::string url, std::string endpoint)
    : url_(std::move(url)), endpoint_(std::move(endpoint)), handle_(std::make_unique<Handle>()) {}

Source::~Source() = default;

std::expected<json::value, SourceError> Source::call(std::string_view method, json::object params) {
    const std::uint64_t id = next_id_++;
    if (cancelled_)
        return std::unexpected(SourceError{SourceError::Kind::transport, 0, std::string(method) + ": cancelled"});
    const std::string request = json::serialize(
        json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    CURL* h = handle_->curl;
    // Forgets the last call's options, keeps its connection (keep-alive).
    curl_easy_reset(h);
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    Body body;
    curl_easy_setopt(h, CURLOPT_URL, endpoint_.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.size()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, source_call_timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, source_connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    // What the source serves is checked, not trusted; a redirect could only
    // send the follower somewhere nobody named.
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can inflate
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &cancelled_);
    const CURLcode rc = curl_easy_perform(h);
    long status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    const std::string what = std::string(method) + " at " + url_ + ": ";
    if (body.too_long)
        return std::unexpected(SourceError{SourceError::Kind::answer, 0,
                                           what + "the answer is longer than " +
                                               std::to_string(source_answer_bytes_max) + " bytes"});
    if (rc != CURLE_OK)
        return std::unexpected(SourceError{SourceError::Kind::transport, 0, what + curl_easy_strerror(rc)});
    if (status == 429)
        return std::unexpected(SourceError{SourceError::Kind::rpc, 2003, what + "rate limited (HTTP 429)"});
    if (status != 200)
        return std::unexpected(SourceError{SourceError::Kind::transport, static_cast<int>(status),
                                           what + "HTTP status " + std::to_string(status)});
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 32;  // no node answers deeper; a hostile one costs nothing
    json::value answer = json::parse(body.text, ec, {}, opts);
    const json::object* o = ec ? nullptr : answer.if_object();
    auto malformed = [&](std::string why) {
        return std::unexpected(SourceError{SourceError::Kind::answer, 0, what + why});
    };
    if (!o) return malformed("the answer is not a JSON-RPC object");
    const json::value* got_id = o->if_contains("id");
    if (!got_id || !got_id->is_number() || got_id->to_number<std::uint64_t>(ec) != id || ec)
        return malformed("the answer's id is not the request's");
    if (const json::value* err = o->if_contains("error")) {
        const json::object* e = err->if_object();
        const json::value* code = e ? e->if_contains("code") : nullptr;
        const json::value* message = e ? e->if_contains("message") : nullptr;
        if (!code || !code->is_int64()) return malformed("an error answer without a code");
        std::string text = message && message->is_string() ? std::string(message->get_string()) : "";
        if (text.size() > 512) text.resize(512);  // a source's words go to our log: bounded
        return std::unexpected(SourceError{SourceError::Kind::rpc, static_cast<int>(code->get_int64()), what + text});
    }
    const json::value* result = o->if_contains("result");
    if (!result) return malformed("the answer has neither result nor error");
    return *result;
}

}  // namespace kopilka::node::follow
