// POS webhooks (docs/messages.md, "POS webhooks"): a venue's owner points
// the venue's events at a URL (webhook.set, signed by the owner's key), and
// the node posts each event of the venue's committed transactions there
// (purchase, return, redemption, bonus, registration), signed with
// HMAC-SHA256 under a secret the node made for the venue, at least once and
// in order.
//
// An event is written in the batch of the block that causes it (as the
// outbox's messages are), so it exists if and only if the block does; its
// body is fixed then, so every attempt posts the same bytes. Each venue's
// events are numbered 1, 2, ... (`seq` in the body) and delivered strictly in
// that order: while one is retried, the venue's later ones wait. After
// WebhookLimits::attempts_max failed attempts an event is dead (shown to the
// operator, admin.webhooks) and the next one goes.
//
// The URL and the secret are the node's private business: kept in
// <datadir>/private/webhooks.json (0600), never in the ledger's dir, a log,
// or an event record.
#pragma once

#include "crypto/hash.h"
#include "ledger/store.h"
#include "node/clock.h"
#include "node/log.h"

#include <boost/json/value.hpp>

#include <condition_variable>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace kopilka::node {

class HttpPoster;

inline constexpr std::size_t webhook_secret_bytes = 32;    // the HMAC key the node makes for a venue
inline constexpr std::uint32_t webhook_senders = 4;       // venues delivered to at once (one event each)
// A webhook set is taken within this of the node's clock, and only when
// signed after the venue's last one (a request counts once).
inline constexpr std::uint64_t webhook_request_window_ms = 5 * 60 * 1000;
inline constexpr std::size_t webhook_body_bytes_max = 64 * 1024;  // one event's JSON

struct WebhookLimits {
    std::uint32_t attempts_max = 12;          // then the event is dead (about 2 hours at the defaults)
    std::uint64_t retry_first_ms = 2'000;     // the pause after the first failure; doubles after each
    std::uint64_t retry_max_ms = 10 * 60'000; // the longest pause between attempts
    std::size_t finished_kept_max = 100'000;  // sent and dead records kept; the oldest go first
};

enum class EventState : std::uint8_t { pending, sent, dead };
std::string_view event_state_name(EventState s);

struct WebhookEvent {
    std::uint64_t seq = 0;        // the record's key: the order events were made in, over all venues
    std::string venue;            // the ticker
    std::uint64_t venue_seq = 0;  // 1, 2, ... within the venue: the order the POS gets them in
    std::string type;             // purchase, return, redemption, transfer, registration, tier_change
    std::string body;             // the JSON posted, the same on every attempt
    std::string key;              // X-Kopilka-Delivery: blake2b-256(tag, chain id, tx id, venue[, detail]), hex
    std::optional<Hash256> tx;
    std::uint64_t height = 0;
    std::uint64_t created_ms = 0;
    EventState state = EventState::pending;
    std::uint32_t attempts = 0;
    std::uint64_t next_ms = 0;  // pending: not before this
    std::uint64_t done_ms = 0;
    long status = 0;    // the receiver's last HTTP status (0: no answer)
    std::string error;  // the last failure, in the receiver's or the network's words
};

class Webhooks {
public:
    struct Target {
        std::string url;
        std::string secret;  // hex of webhook_secret_bytes
        std::uint64_t signed_ms = 0;
        std::uint64_t time_ms = 0;  // when the node took it
    };

    // Reads the targets (config_file) and the event records; throws
    // std::runtime_error for a targets file it cannot read (its words say which).
    Webhooks(ledger::Store& store, std::filesystem::path config_file, const Hash256& chain_id, const Clock& clock,
             Log& log, WebhookLimits limits);
    ~Webhooks();
    Webhooks(const Webhooks&) = delete;
    Webhooks& operator=(const Webhooks&) = delete;

    void start();
    void stop();  // waits for the attempts in flight

    // Where `venue`'s events go, when anywhere.
    std::optional<Target> target(const std::string& venue) const;
    // Whether `venue` has a URL: what the producer asks of every committed
    // transaction, under the chain lock, without copying the target.
    bool wants(const std::string& venue) const;
    // Points `venue`'s events at `url` ("" stops them) with a new secret,
    // written (synced) before this returns. Refused: a URL that is not
    // https (or http to this machine), or a request signed before the last.
    enum class Refusal { invalid, stale, not_written };
    struct Refused {
        Refusal why;
        std::string message;
    };
    std::expected<Target, Refused> set(const std::string& venue, std::string url, std::uint64_t signed_ms);

    // Adds an event of `venue` to a block's `batch`; once the batch is
    // written pass it to committed(), else drop it (reload() then numbers
    // the venue's next events as if it never was). `tx` is the transaction
    // that caused it (none for a time event's); `detail` tells apart events
    // of one transaction (a tier change of a purchase: "tier_change <client>"),
    // empty for the transaction's own event, whose key it leaves as it was.
    WebhookEvent add(const std::string& venue, std::string type, boost::json::value data,
                     const std::optional<Hash256>& tx, std::uint64_t height, std::uint64_t block_time_ms,
                     ledger::Batch& batch, std::string_view detail = {});
    void committed(std::vector<WebhookEvent> events);
    void reload();  // the store was reopened after a failed write

    // Newest first; `venue` filters when not empty.
    std::vector<WebhookEvent> recent(std::size_t limit, const std::string& venue) const;
    struct Counts {
        std::uint64_t pending = 0, sent = 0, dead = 0;
    };
    Counts counts() const;

private:
    void load();  // mutex_ held
    void run();   // one sender thread
    void attempt(WebhookEvent e);
    bool persist(const WebhookEvent& e);
    bool save_targets(const std::map<std::string, Target>& targets);  // targets_mutex_ held
    std::uint64_t backoff_ms(std::uint32_t attempts) const;

    ledger::Store& store_;
    std::filesystem::path config_file_;
    Hash256 chain_id_;
    const Clock& clock_;
    Log& log_;
    WebhookLimits limits_;
    std::unique_ptr<HttpPoster> http_;

    mutable std::mutex targets_mutex_;  // never taken under mutex_'s waits; taken alone
    std::map<std::string, Target> targets_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::uint64_t next_seq_ = 1;
    std::map<std::string, std::uint64_t> next_venue_seq_;
    // Each venue's pending events by venue_seq: only the first is ever attempted.
    std::map<std::string, std::map<std::uint64_t, WebhookEvent>> queues_;
    std::map<std::string, std::uint64_t> in_flight_;  // venue -> the seq of its event being attempted
    std::map<std::uint64_t, EventState> finished_;  // sent and dead records kept, by seq
    Counts counts_;
    std::vector<std::thread> senders_;
};

}  // namespace kopilka::node
