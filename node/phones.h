// Phone identity on the node's side: the private book of numbers behind phone
// references, one-time claim codes, and the rate limits that keep both from
// being abused. Nothing here reaches a block: the chain only sees references
// and attestations.
#pragma once

#include "ledger/phone.h"
#include "ledger/types.h"
#include "node/clock.h"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace kopilka::node {

struct PhoneLimits {
    std::uint32_t lookups_per_minute = 30;
    std::uint32_t codes_per_phone_per_hour = 3;
    std::uint32_t codes_per_ip_per_hour = 10;
    std::uint32_t code_ttl_s = 600;
    std::uint32_t code_attempts_max = 5;
};

enum class PhoneError { invalid, rate_limited, code_invalid };
struct PhoneFailure {
    PhoneError code;
    std::string message;
};

class PhoneService {
public:
    static constexpr std::size_t claim_code_digits = 6;
    // Rate-limit buckets kept per client address; the oldest are dropped
    // beyond this, so a flood of addresses cannot grow memory without bound.
    static constexpr std::size_t rate_buckets_max = 100'000;

    PhoneService(std::filesystem::path book_file, Hash256 secret, std::string default_country, PhoneLimits limits,
                 const Clock& clock);

    struct Resolved {
        std::string e164;
        ledger::PhoneRef ref;
    };
    // Normalises, computes the reference and remembers the number privately so
    // the notifier can reach it. Counts against the client's lookup budget when
    // client_ip is given.
    std::expected<Resolved, PhoneFailure> resolve(std::string_view input, std::string_view client_ip);
    std::optional<std::string> number_of(const ledger::PhoneRef& ref) const;

    // A fresh code for a person who asked (rate-limited per phone and address).
    std::expected<std::string, PhoneFailure> request_code(const ledger::PhoneRef& ref, std::string_view client_ip);
    // The live code for a link in a notification (a new one if none is live).
    std::string link_code(const ledger::PhoneRef& ref);
    // Checks and burns the code; wrong tries count towards code_attempts_max.
    std::expected<void, PhoneFailure> consume_code(const ledger::PhoneRef& ref, std::string_view code);
    std::uint32_t code_ttl_s() const { return limits_.code_ttl_s; }

private:
    struct Code {
        std::string text;
        std::uint64_t expiry_ms = 0;
        std::uint32_t attempts = 0;
    };
    struct Window {
        std::uint64_t start_ms = 0;
        std::uint32_t count = 0;
    };
    bool take(std::unordered_map<std::string, Window>& buckets, const std::string& key, std::uint32_t max,
              std::uint64_t window_ms);
    std::string new_code(const ledger::PhoneRef& ref);

    std::filesystem::path book_file_;
    Hash256 secret_;
    std::string default_country_;
    PhoneLimits limits_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    std::map<ledger::PhoneRef, std::string> book_;
    std::ofstream book_out_;
    std::map<ledger::PhoneRef, Code> codes_;
    std::unordered_map<std::string, Window> lookups_by_ip_;
    std::unordered_map<std::string, Window> codes_by_ip_;
    std::unordered_map<std::string, Window> codes_by_phone_;
};

}  // namespace kopilka::node
