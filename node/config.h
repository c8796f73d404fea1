// kopilkad's settings. Each is a named option with a default; it can be given
// (highest precedence first) as a command-line flag, an environment variable
// KOPILKAD_<NAME>, or a line in the data dir's kopilkad.conf.
#pragma once

#include "node/media.h"
#include "node/server.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace CLI {
class App;
}

namespace kopilka::node {

// A follower asks its source for new blocks this often: often enough to
// trail it by about a second, seldom enough to cost it nothing (one
// node.info a poll). The bounds keep a typo from hammering the source or
// leaving the copy hours behind.
inline constexpr std::uint32_t follow_poll_ms_default = 1'000;
inline constexpr std::uint32_t follow_poll_ms_min = 50;
// Reminders of expiring bonuses (--expiry-reminder-days): at most a year
// ahead, looked for once a minute.
inline constexpr std::uint32_t expiry_reminder_days_max = 365;
inline constexpr std::uint64_t expiry_reminder_scan_ms = 60'000;
inline constexpr std::uint32_t follow_poll_ms_max = 600'000;

struct Config {
    std::filesystem::path data_dir;
    std::string listen_address = "127.0.0.1";
    std::uint16_t port = 8645;
    std::string public_url;            // base of links in messages; default http://<listen>:<port>
    std::string default_country = "7";  // calling code for numbers typed without one

    std::uint32_t block_interval_ms = 5;      // a block closes this long after its first transaction
    std::uint32_t block_txs_max = 2000;       // or when it holds this many
    std::uint64_t check_blocks = 288;         // blocks checked in full at start (0: all); every header always
    std::size_t mempool_txs_max = 100'000;    // pending transactions; more are refused (retry)
    std::size_t batch_requests_max = 1000;    // requests in one JSON-RPC batch
    unsigned verify_threads = 0;              // signature checks; 0: one per core
    // Heavy reads (history pages, venue stats, raw blocks) run on these
    // threads, never on the I/O threads, so /health and tx.submit do not wait
    // behind them (after Bitcoin Core's -rpcthreads / -rpcworkqueue).
    unsigned read_threads = 2;
    std::size_t read_queue_max = 64;          // requests waiting for a read thread; more get 2003 "busy"
    std::size_t block_cache_bytes = 0;        // RocksDB's cache of table blocks; 0: RocksDB's 8 MiB

    ServerLimits server;
    // Reverse proxies whose X-Forwarded-For names the client (proxy.h):
    // addresses separated by commas or spaces; empty trusts none.
    std::string trusted_proxies;

    // Phone lookups and claim codes (docs/node.md, "Limits"; the time to
    // guess a code at these defaults is worked out in docs/security.md).
    std::uint32_t phone_lookups_per_minute = 30;               // per client address
    std::uint32_t phone_lookups_per_staff_key_per_hour = 120;  // a venue's owner or staff
    std::uint32_t phone_lookups_per_client_key_per_day = 20;   // a key bound to a phone
    std::uint32_t claim_codes_per_phone_per_hour = 3;
    std::uint32_t claim_codes_per_phone_per_day = 6;
    std::uint32_t claim_codes_per_ip_per_hour = 10;
    std::uint32_t claim_code_ttl_s = 600;
    std::uint32_t claim_guesses_per_phone_per_ip_per_hour = 5;  // wrong codes one address may try at one phone
    std::uint32_t claim_guesses_per_ip_per_hour = 20;           // at any phones
    std::uint32_t claim_guesses_per_phone_per_hour = 10;        // from all addresses
    std::uint32_t claim_guesses_per_hour_max = 60;              // the whole node

    // Uploaded logos and product images (media.h; docs/node.md, "Media").
    MediaLimits media;

    // Messages (docs/messages.md): the SMS channel and the outbox's retries.
    std::string sms_provider = "file";       // file, http, smsru or twilio
    std::string sms_url;                      // http: the endpoint; smsru/twilio: the API's base (default: theirs)
    std::filesystem::path sms_secret_file;    // the provider's token, api_id or auth token, on its first line
    std::filesystem::path sms_inbound_secret_file;  // http, twilio: the secret POST /hooks/sms must prove
    // Web push (docs/messages.md): the operator's VAPID contact, mailto: or
    // https:; empty: the node sends no push and the cabinet offers none.
    std::string push_contact;
    std::string sms_account;                  // twilio: the account SID
    std::string sms_from;                     // twilio: the From number or MG… service SID; smsru: a sender name
    std::uint32_t outbox_senders = 16;        // messages attempted at once (1 to outbox_senders_max, 256)
    std::uint32_t outbox_attempts_max = 8;    // attempts before a message is dead
    std::uint32_t webhook_attempts_max = 12;  // attempts before a POS webhook event is dead (~2 h at the default pauses)
    std::uint64_t sms_credits_free = 100;     // segments each venue's SMS get before it buys a pack
    // Days before a lot of bonuses expires that its client is reminded
    // (0: no reminders), at most expiry_reminder_days_max.
    std::uint32_t expiry_reminder_days = 3;
    // "22-9" or "22:00-09:00": local hours when news of coins waits for
    // morning (empty: none); in the venue's programme zone, else quiet_hours_zone.
    std::string quiet_hours;
    std::string quiet_hours_zone = "UTC";     // an IANA zone of this machine's tz database
    std::uint32_t messages_per_phone_per_hour_max = 0;  // not urgent ones; 0: no limit (the default)
    std::uint64_t outbox_retry_first_ms = 2'000;    // the pause after a first failure; doubles after each
    std::uint64_t outbox_retry_max_ms = 600'000;    // the longest pause
    // `kopilkad follow <url>` (node/follow/): replicate the chain the node at
    // follow_url serves, through its public JSON-RPC, and serve a read-only
    // copy. Empty: this node is the chain's own (the producer).
    std::string follow_url;
    std::uint32_t follow_poll_ms = follow_poll_ms_default;  // follow_poll_ms_min to follow_poll_ms_max
    std::string log_level = "info";
    // Test networks only: the node's clock runs this many seconds from the
    // wall clock (negative: in the past), at most clock_offset_s_max either
    // way. `kopilkad init` dates the genesis by it too.
    std::int64_t clock_offset_s = 0;

    std::filesystem::path ledger_dir() const { return data_dir / "ledger"; }
    std::string effective_public_url() const;
};

// Registers every option on `app` (a CLI11 subcommand), bound to `config`.
void add_options(CLI::App& app, Config& config);
// The text of a kopilkad.conf with every option commented out at its default.
std::string config_template();

}  // namespace kopilka::node
