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
