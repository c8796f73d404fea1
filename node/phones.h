// Phone identity on the node's side: the private book of numbers behind phone
// references, one-time claim codes, and the rate limits that keep both from
// being abused. Nothing here reaches a block: the chain only sees references
// and attestations.
//
// What is stored where (docs/security.md):
//  - the book (private/phones): numbers whose reference holds coins or is
//    bound, so the notifier can reach them; at most phone_book_entries_max,
//    pruned of references that hold nothing and are unbound;
//  - looked-up numbers in memory only, for lookup_remembered_ms, so the
//    message of a transfer that follows the lookup can reach the phone; a
//    number enters the book only when a movement to it commits or it is
//    claimed;
//  - the live claim code of each phone (private/codes), one per phone.
#pragma once

#include "ledger/phone.h"
#include "ledger/types.h"
#include "node/clock.h"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace kopilka::node {

struct PhoneLimits {
    std::uint32_t lookups_per_minute = 30;               // per client address
    std::uint32_t lookups_per_staff_key_per_hour = 120;  // a key that is a venue's owner or staff
    std::uint32_t lookups_per_client_key_per_day = 20;   // a key bound to a phone
    std::uint32_t codes_per_phone_per_hour = 3;
    std::uint32_t codes_per_phone_per_day = 6;
    std::uint32_t codes_per_ip_per_hour = 10;
    std::uint32_t code_ttl_s = 600;
    std::uint32_t guesses_per_phone_per_ip_per_hour = 5;
    std::uint32_t guesses_per_ip_per_hour = 20;
    std::uint32_t guesses_per_phone_per_hour = 10;
    std::uint32_t guesses_per_hour_max = 60;  // the whole node
};

enum class PhoneError { invalid, rate_limited, code_invalid, unauthorized };
struct PhoneFailure {
    PhoneError code;
    std::string message;
};

// Who signed a lookup, as the chain knows the key.
enum class LookupSigner { staff, client };

class PhoneService {
public:
    static constexpr std::size_t claim_code_digits = 6;
    // Rate-limit buckets kept per client address; the oldest are dropped
    // beyond this, so a flood of addresses cannot grow memory without bound.
    static constexpr std::size_t rate_buckets_max = 100'000;
    // Numbers in the private book. Beyond it the book is pruned; if every
    // entry still holds coins or is bound, a new number is not kept (its
    // messages are not sent, and the node logs message.no_number).
    static constexpr std::size_t phone_book_entries_max = 500'000;
    // A looked-up number is kept in memory this long, waiting for a transfer
    // to its reference to commit (a transaction lives minutes; see cli.md).
    static constexpr std::uint64_t lookup_remembered_ms = 60 * 60 * 1000;
    static constexpr std::size_t lookups_remembered_max = 10'000;
    // A signed lookup is accepted when its time_ms is within this of the
    // node's clock, and only once (the replay guard remembers it that long).
    static constexpr std::uint64_t lookup_request_window_ms = 5 * 60 * 1000;
    static constexpr std::size_t lookup_requests_remembered_max = 100'000;

    // `holds(ref)`: whether the reference holds coins or is bound on the
    // chain now; the book keeps only those. Called without this service's lock.
    using Holds = std::function<bool(const ledger::PhoneRef&)>;
    PhoneService(std::filesystem::path book_file, Hash256 secret, std::string default_country, PhoneLimits limits,
                 const Clock& clock, Holds holds);

    struct Resolved {
        std::string e164;
        ledger::PhoneRef ref;
    };
    // Normalises and computes the reference; stores nothing, counts nothing.
    std::expected<Resolved, PhoneFailure> resolve(std::string_view input) const;

    // The budget of one signed lookup (after the node has checked the
    // signature and who the signer is): freshness, replay, per address and
    // per key. `request_digest` identifies the signed request.
    std::expected<void, PhoneFailure> admit_lookup(const Hash256& request_digest, std::uint64_t request_time_ms,
                                                   std::string_view client_ip, const PublicKey& key,
                                                   LookupSigner signer);
    // Keeps a looked-up number in memory (not on disk) for a transfer to follow.
    void remember_lookup(const Resolved& r);
    // A movement to `ref` committed: its number (from the book, or from a
    // recent lookup, which then enters the book), or nullopt if unknown.
    std::optional<std::string> credited(const ledger::PhoneRef& ref);
    // As credited, for a movement being committed under the chain lock: the
    // number enters the book (so its message survives a restart) when the
    // book has room, and nothing is pruned (pruning reads the chain). False
    // when the number is unknown or the book is full; credited() then tries
    // again, with pruning, when the message is sent.
    bool keep_credited(const ledger::PhoneRef& ref);
    // A person proved they hold the number (a right claim code): into the book.
    void remember_claimed(const Resolved& r);
    // Drops from the book every number whose reference holds nothing and is unbound.
    void prune();
    std::optional<std::string> number_of(const ledger::PhoneRef& ref) const;
    std::size_t book_size() const;

    // The phone's live code, or a fresh one if none is live: a phone has at
    // most one live code, and each call is one message, so every message
    // with a code counts against the per-phone and per-address limits. The
    // code's life restarts at each message.
    std::expected<std::string, PhoneFailure> request_code(const Resolved& phone, std::string_view client_ip);
    // The phone's live code and the number it was asked for, for the outbox
    // to send (a code's message is rendered when it is sent, so no code is
    // kept outside private/codes); nullopt once it is used or has expired.
    struct LiveCode {
        std::string e164;
        std::string code;
    };
    std::optional<LiveCode> live_code(const ledger::PhoneRef& ref) const;
    // Checks the code. Every failure counts against the address's budget at
    // this phone, the address's, the phone's and the node's, whether or not a
    // code is live, and all of them answer alike; a wrong guess burns nothing
    // but those budgets. A right code is used up.
    std::expected<void, PhoneFailure> consume_code(const ledger::PhoneRef& ref, std::string_view code,
                                                   std::string_view client_ip);
    std::uint32_t code_ttl_s() const { return limits_.code_ttl_s; }

private:
    struct Code {
        std::string text;
        std::uint64_t expiry_ms = 0;
        std::string e164;  // the number it is sent to
    };
    struct Window {
        std::uint64_t start_ms = 0;
        std::uint32_t count = 0;
    };
    using Buckets = std::unordered_map<std::string, Window>;
    // Counts one against the bucket; false (counting nothing) when it is full.
    bool take(Buckets& buckets, const std::string& key, std::uint32_t max, std::uint64_t window_ms);
    // Whether the bucket has room, counting nothing (it may drop expired windows).
    bool room(Buckets& buckets, const std::string& key, std::uint32_t max, std::uint64_t window_ms);
    void add(Buckets& buckets, const std::string& key, std::uint64_t window_ms);
    void store_in_book(const ledger::PhoneRef& ref, const std::string& e164);  // lock held
    void rewrite_book();                                                         // lock held
    void save_codes() const;                                                     // lock held

    std::filesystem::path book_file_;
    Hash256 secret_;
    std::string default_country_;
    PhoneLimits limits_;
    const Clock& clock_;
    Holds holds_;
    mutable std::mutex mutex_;
    std::map<ledger::PhoneRef, std::string> book_;
    std::ofstream book_out_;
    struct Remembered {
        std::string e164;
        std::uint64_t until_ms = 0;
    };
    std::map<ledger::PhoneRef, Remembered> looked_up_;
    std::map<Hash256, std::uint64_t> seen_requests_;  // digest -> when it may be forgotten
    std::map<ledger::PhoneRef, Code> codes_;
    Buckets lookups_by_ip_;
    Buckets lookups_by_key_;
    Buckets codes_by_ip_;
    Buckets codes_by_phone_hour_;
    Buckets codes_by_phone_day_;
    Buckets guesses_by_phone_ip_;
    Buckets guesses_by_ip_;
    Buckets guesses_by_phone_;
    Buckets guesses_total_;
};

}  // namespace kopilka::node
