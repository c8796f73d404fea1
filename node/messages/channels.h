// The channels the outbox delivers SMS through (docs/messages.md):
//  - file: a line in <datadir>/private/outbox.jsonl (the default; a demo);
//  - http: a generic adapter: a JSON POST to a URL the operator names, with
//    the message's idempotency key in an Idempotency-Key header;
//  - smsru: SMS.ru's documented HTTP API (POST /sms/send, json=1);
//  - twilio: Twilio's Programmable Messaging API (POST
//    /2010-04-01/Accounts/{sid}/Messages.json).
// HTTP goes through libcurl, one request from each of the outbox's sender
// threads at once, each on a connection kept open for the next (keep-alive),
// with a bounded timeout; a provider's secret is read from a file so it
// reaches neither the process list nor a log.
#pragma once

#include "node/messages/outbox.h"

#include <filesystem>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kopilka::node {

enum class SmsProvider { file, http, smsru, twilio };

struct ChannelConfig {
    SmsProvider provider = SmsProvider::file;
    std::filesystem::path outbox_file;  // file
    std::string url;                    // http: the endpoint; smsru, twilio: the API's base (a fake one in tests)
    std::string secret;                 // http: a bearer token (may be empty); smsru: api_id; twilio: auth token
    std::string account;                // twilio: the account SID
    std::string from;                   // twilio: the sending number or service; smsru: an approved sender name (may be empty)
};

// The provider named by `text` (file, http, smsru, twilio).
std::optional<SmsProvider> sms_provider_of(std::string_view text);
inline constexpr std::string_view sms_provider_default_url_smsru = "https://sms.ru";
inline constexpr std::string_view sms_provider_default_url_twilio = "https://api.twilio.com";

// The channel, or what is missing from its configuration, for a person.
std::expected<std::unique_ptr<Channel>, std::string> make_channel(const ChannelConfig& config);

// One HTTP POST to any URL through the channels' pool of kept-alive libcurl
// handles (one a request in flight; no redirect followed; provider_timeout_ms),
// for a sender that is not an SMS channel (POS webhooks). Thread-safe.
struct HttpReply {
    long status = 0;            // 0: no answer (the network)
    std::string body;           // at most provider_error_chars_max of it
    std::string network_error;  // when status is 0
    std::uint64_t retry_after_ms = 0;
};
class HttpPoster {
public:
    HttpPoster();
    ~HttpPoster();
    HttpPoster(const HttpPoster&) = delete;
    HttpPoster& operator=(const HttpPoster&) = delete;
    HttpReply post(const std::string& url, const std::vector<std::string>& headers, const std::string& body);

private:
    struct Pool;
    std::unique_ptr<Pool> pool_;
};

// One HTTP request's timeout, connection included: past it the attempt is
// retried later (the provider may have taken it; the key says which).
inline constexpr long provider_timeout_ms = 10'000;
// The most of a provider's answer kept as a message's error.
inline constexpr std::size_t provider_error_chars_max = 300;
// libcurl handles (each with its open connection) a channel keeps between
// requests: one for each sender at most, so every sender keeps its connection.
inline constexpr std::size_t http_handles_idle_max = outbox_senders_max;
// A provider's Retry-After is honoured up to this.
inline constexpr std::uint64_t provider_retry_after_ms_max = 60 * 60'000;

}  // namespace kopilka::node
