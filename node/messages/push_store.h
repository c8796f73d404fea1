// Which phones get their messages by web push (docs/messages.md, "Web
// push"): the browser subscription each phone's bound key handed in from the
// cabinet (messages.push.set), one a phone, the newest winning.
//
// A subscription names a browser at a push service and holds the secret
// its messages are encrypted to (RFC 8291's auth secret): the node's
// private business, kept in <datadir>/private/push.jsonl (0600), never in
// the ledger's dir (which an auditor copies), a block or a log. The file is
// a journal: each change is a line appended and fsynced before the call
// that made it is answered; at open the newest line for each phone wins, and
// a journal grown well past its live entries is rewritten whole.
#pragma once

#include "crypto/bytes.h"
#include "ledger/types.h"

#include <cstdint>
#include <expected>
#include <functional>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kopilka::node {

// Phones with a subscription, at most: past it a new one is refused (the
// phone keeps getting SMS), never an old one forgotten.
inline constexpr std::size_t push_subscriptions_max = 1'000'000;
// A signed push choice is taken within this of the node's clock (as a
// signed consent), and only when signed after the phone's previous one.
inline constexpr std::uint64_t push_request_window_ms = 5 * 60 * 1000;
// The journal is rewritten at open once it holds more lines than this many
// times its live entries (plus push_journal_slack_lines).
inline constexpr std::size_t push_journal_growth_max = 2;
inline constexpr std::size_t push_journal_slack_lines = 1'000;

// The message messages.push.set signs under Domain::push (docs/formats.md,
// "Signed push subscription"): u64 big-endian time_ms, the phone's 32-byte
// reference, u16 big-endian length and the endpoint, then the browser's
// P-256 key (65 bytes) and auth secret (16) as raw bytes; for no
// subscription (stop push) the length is 0 and nothing follows. nullopt for
// an endpoint longer than push_endpoint_chars_max or keys of the wrong size.
struct PushKeys {
    std::string endpoint;
    Bytes p256dh;  // 65 bytes, uncompressed
    Bytes auth;    // 16 bytes
};
std::optional<Bytes> push_request_bytes(const ledger::PhoneRef& phone, const std::optional<PushKeys>& subscription,
                                        std::uint64_t time_ms);

class PushSubscriptions {
public:
    struct Entry {
        std::string endpoint;
        std::string p256dh;  // base64url, as the browser gave it (no padding)
        std::string auth;    // base64url
        std::uint64_t time_ms = 0;    // when the node took it
        std::uint64_t signed_ms = 0;  // the request's time_ms
    };
    enum class Refusal { stale, full, not_written };
    struct Refused {
        Refusal why;
        std::string message;  // for a person
    };

    // Reads the journal (a missing file is an empty one); throws
    // std::runtime_error for one that cannot be read or rewritten.
    explicit PushSubscriptions(std::filesystem::path file);
    ~PushSubscriptions();
    PushSubscriptions(const PushSubscriptions&) = delete;
    PushSubscriptions& operator=(const PushSubscriptions&) = delete;

    std::optional<Entry> of(const ledger::PhoneRef& phone) const;
    // The phone's choice, signed at `signed_ms`: a subscription, or none
    // (nullopt: stop push). Written and synced before this returns; one
    // signed at or before the phone's previous choice is stale.
    std::expected<void, Refused> set(const ledger::PhoneRef& phone, std::optional<Entry> entry, std::uint64_t signed_ms,
                                     std::uint64_t now_ms);
    // The push service said the subscription is gone (404/410): forgotten,
    // unless the phone handed in another since (the endpoint differs).
    void forget(const ledger::PhoneRef& phone, std::string_view endpoint, std::uint64_t now_ms);
    std::size_t size() const;
    // How many phones with a subscription `pred` holds of (called under
    // this store's lock: `pred` must not call back into it).
    std::size_t count_if(const std::function<bool(const ledger::PhoneRef&)>& pred) const;

private:
    bool append(const std::string& line);  // mutex_ held
    std::filesystem::path file_;
    mutable std::mutex mutex_;
    int fd_ = -1;
    std::map<ledger::PhoneRef, Entry> entries_;
    // The newest signed time of each phone's choices, a stop included, so
    // a stop cannot be undone by replaying the subscription before it.
    std::map<ledger::PhoneRef, std::uint64_t> last_signed_;
};

}  // namespace kopilka::node
