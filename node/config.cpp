#include "node/config.h"

#include <CLI/CLI.hpp>

#include <sstream>

namespace kopilka::node {

std::string Config::effective_public_url() const {
    if (!public_url.empty()) return public_url;
    return "http://" + listen_address + ":" + std::to_string(port);
}

namespace {


// The same list drives the flags, the environment names and the template.
template <class T>
void opt(CLI::App& app, const char* name, T& value, const char* help) {
    std::string env = "KOPILKAD_";
    for (const char* p = name; *p; ++p) env += *p == '-' ? '_' : static_cast<char>(std::toupper(*p));
    app.add_option(std::string("--") + name, value, help)->envname(env)->capture_default_str();
}

}  // namespace

void add_options(CLI::App& app, Config& c) {
    opt(app, "listen", c.listen_address, "address to listen on (keep 127.0.0.1 unless a proxy fronts the node)");
    opt(app, "port", c.port, "TCP port for HTTP, JSON-RPC and WebSocket");
    opt(app, "public-url", c.public_url, "base URL of links sent to clients (default http://<listen>:<port>)");
    opt(app, "default-country", c.default_country, "country calling code for numbers typed without one");
    opt(app, "block-interval-ms", c.block_interval_ms, "a block closes this long after its first transaction");
    opt(app, "block-txs-max", c.block_txs_max, "a block closes when it holds this many transactions");
    opt(app, "check-blocks", c.check_blocks,
        "at start, check this many of the newest blocks in full (0: all); every header is always checked");
    opt(app, "mempool-txs-max", c.mempool_txs_max, "pending transactions; more are refused with 'retry'");
    opt(app, "batch-requests-max", c.batch_requests_max, "requests in one JSON-RPC batch");
    opt(app, "verify-threads", c.verify_threads, "threads checking signatures (0: one per core)");
    opt(app, "read-threads", c.read_threads, "threads running heavy reads (history, stats, raw blocks)");
    opt(app, "read-queue-max", c.read_queue_max,
        "requests waiting for a read thread; more get error 2003 'busy, retry'");
    opt(app, "block-cache-bytes", c.block_cache_bytes, "RocksDB's cache of ledger table blocks (0: RocksDB's 8 MiB)");
    opt(app, "body-bytes-max", c.server.body_bytes_max, "largest HTTP request body");
    opt(app, "header-bytes-max", c.server.header_bytes_max, "largest HTTP request line and headers");
    opt(app, "connections-max", c.server.connections_max, "open client connections");
    opt(app, "connections-per-address-max", c.server.connections_per_address_max,
        "open connections from one client address, IPv6 per /64 (0: connections-max / 8)");
    opt(app, "send-queue-bytes-max", c.server.send_queue_bytes_max,
        "bytes of answers queued to one connection before a client that does not read is dropped");
    opt(app, "send-queue-bytes-total-max", c.server.send_queue_bytes_total_max,
        "bytes of answers queued to all connections together; past it new answers are refused (retry)");
    opt(app, "header-timeout-ms", c.server.header_timeout_ms, "time to receive a whole request");
    opt(app, "idle-timeout-ms", c.server.idle_timeout_ms, "keep-alive idle time");
    opt(app, "ws-send-queue-max", c.server.ws_send_queue_max, "queued WebSocket frames before a slow client is dropped");
    opt(app, "ws-message-bytes-max", c.server.ws_message_bytes_max, "largest incoming WebSocket message");
    opt(app, "requests-per-second-max", c.server.requests_per_second_max,
        "requests per second per client address, a batch counting its length (0: no limit)");
    opt(app, "requests-burst-max", c.server.requests_burst_max,
        "requests one client address may send at once above that rate");
    opt(app, "io-threads", c.server.threads, "threads serving connections");
    opt(app, "trusted-proxies", c.trusted_proxies,
        "addresses of reverse proxies whose X-Forwarded-For names the client, e.g. 127.0.0.1 (default: none)");
    opt(app, "phone-lookups-per-minute", c.phone_lookups_per_minute, "phone lookups per client address");
    opt(app, "phone-lookups-per-staff-key-per-hour", c.phone_lookups_per_staff_key_per_hour,
        "phone lookups signed by one venue owner's or staff member's key");
    opt(app, "phone-lookups-per-client-key-per-day", c.phone_lookups_per_client_key_per_day,
        "phone lookups signed by one key bound to a phone");
    opt(app, "claim-codes-per-phone-per-hour", c.claim_codes_per_phone_per_hour, "messages with a claim code to one phone");
    opt(app, "claim-codes-per-phone-per-day", c.claim_codes_per_phone_per_day, "messages with a claim code to one phone");
    opt(app, "claim-codes-per-ip-per-hour", c.claim_codes_per_ip_per_hour, "claim codes asked by one address");
    opt(app, "claim-code-ttl-s", c.claim_code_ttl_s, "how long a claim code works after its last message");
    opt(app, "claim-guesses-per-phone-per-ip-per-hour", c.claim_guesses_per_phone_per_ip_per_hour,
        "wrong claim codes one address may try for one phone");
    opt(app, "claim-guesses-per-ip-per-hour", c.claim_guesses_per_ip_per_hour, "wrong claim codes from one address");
    opt(app, "claim-guesses-per-phone-per-hour", c.claim_guesses_per_phone_per_hour,
        "wrong claim codes for one phone, from all addresses");
    opt(app, "claim-guesses-per-hour-max", c.claim_guesses_per_hour_max, "wrong claim codes at this node");
    opt(app, "media-store-bytes-max", c.media.store_bytes_max,
        "bytes of uploaded images the node keeps; when full, unreferenced ones past media-unreferenced-keep-s go");
    opt(app, "media-unreferenced-keep-s", c.media.unreferenced_keep_s,
        "seconds an uploaded image no venue or product names is kept before it may be collected to make room");
    opt(app, "media-upload-kib-per-second", c.media.upload_kib_per_second,
        "KiB of image uploads per second per client address (0: no limit)");
    opt(app, "media-upload-kib-burst", c.media.upload_kib_burst,
        "KiB of image uploads one client address may send at once above that rate");
    opt(app, "sms-provider", c.sms_provider, "where SMS go: file (private/outbox.jsonl), http, smsru or twilio");
    opt(app, "sms-url", c.sms_url, "http: the gateway's endpoint; smsru, twilio: the API's base URL (default: the provider's)");
    opt(app, "sms-secret-file", c.sms_secret_file,
        "a file whose first line is the provider's secret (http: bearer token; smsru: api_id; twilio: auth token)");
    opt(app, "sms-inbound-secret-file", c.sms_inbound_secret_file,
        "http, twilio: a file whose first line is the secret the provider's delivery reports and replies to "
        "POST /hooks/sms prove (docs/messages.md)");
    opt(app, "push-contact", c.push_contact,
        "web push: the operator's contact push services may write to, mailto:ops@example.com or an https: page "
        "(empty: no push; docs/messages.md)");
    opt(app, "sms-account", c.sms_account, "twilio: the account SID");
    opt(app, "sms-from", c.sms_from, "twilio: the From number or Messaging Service SID; smsru: an approved sender name");
    opt(app, "outbox-senders", c.outbox_senders,
        "messages attempted at once, each on its own thread and provider connection (1 to 256)");
    opt(app, "outbox-attempts-max", c.outbox_attempts_max, "attempts to send a message before it is dead");
    opt(app, "webhook-attempts-max", c.webhook_attempts_max,
        "attempts to deliver a POS webhook event before it is dead (the venue's next event waits meanwhile)");
    opt(app, "expiry-reminder-days", c.expiry_reminder_days,
        "days before a client's bonuses expire that the venue reminds them (0: never; at most 365)");
    opt(app, "sms-credits-free", c.sms_credits_free, "SMS segments each venue gets free before it needs a pack (docs/messages.md)");
    opt(app, "quiet-hours", c.quiet_hours,
        "local hours when messages about coins wait for morning, e.g. 22-9 (empty: none; claim codes never wait)");
    opt(app, "quiet-hours-zone", c.quiet_hours_zone,
        "IANA zone of the quiet hours for a venue without a programme (a programme's own zone wins)");
    opt(app, "messages-per-phone-per-hour-max", c.messages_per_phone_per_hour_max,
        "messages about coins one phone gets in any hour; more wait (0: no limit; claim codes never wait)");
    opt(app, "outbox-retry-first-ms", c.outbox_retry_first_ms, "the pause after a message's first failed attempt (doubles)");
    opt(app, "outbox-retry-max-ms", c.outbox_retry_max_ms, "the longest pause between a message's attempts");
    opt(app, "follow-poll-ms", c.follow_poll_ms,
        "kopilkad follow: milliseconds between polls of the source for new blocks (50 to 600000)");
    opt(app, "log-level", c.log_level, "debug, info, warn or error");
    opt(app, "clock-offset-s", c.clock_offset_s,
        "test networks only: run the node's clock this many seconds from the wall clock (negative: in the past)");
}

std::string config_template() {
    Config defaults;
    CLI::App app;
    add_options(app, defaults);
    std::ostringstream out;
    out << "# kopilkad configuration. Every option is shown at its default, commented out.\n"
           "# Precedence: command-line flag > environment variable (KOPILKAD_<NAME>) > this file > default.\n\n";
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_name() == "--help") continue;
        std::string name = o->get_name().substr(2);
        out << "# " << o->get_description() << " (env " << o->get_envname() << ")\n";
        out << "# " << name << " = " << (o->get_default_str().empty() ? "\"\"" : o->get_default_str()) << "\n\n";
    }
    return out.str();
}

}  // namespace kopilka::node
