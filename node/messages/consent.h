// Who asked not to get which venue's messages (docs/messages.md, "Opting
// out"): a client's choice per venue, signed in the cabinet
// (messages.consent), or for every venue at once by replying STOP to an SMS
// (a provider's inbound webhook, inbound.h), and START to undo it.
//
// Kept in the ledger store's outbox family ('o' + the phone's reference +
// the ticker, "" for every venue), written and synced before the call that
// made the choice is answered, so a choice survives a restart and is seen by
// every message sent after it. A record names the phone by its reference,
// never its number (the ledger dir is what an auditor copies).
//
// Only the automatic messages a venue pays for respect it (coins received,
// campaigns); a claim code (the person asked for it) and a re-bind notice
// (their coins are about to move) always go.
#pragma once

#include "ledger/store.h"
#include "ledger/types.h"
#include "node/log.h"

#include <cstdint>
#include <expected>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kopilka::node {

// Choices kept in all (a STOP may come from any number a provider knows):
// past it a new one is refused, never an old one forgotten.
inline constexpr std::size_t consent_records_max = 1'000'000;
// A signed choice is taken within this of the node's clock (as a signed
// phone.lookup), and only when it was signed after the phone's last choice
// for that venue, so an old request cannot be played again.
inline constexpr std::uint64_t consent_request_window_ms = 5 * 60 * 1000;

class Consent {
public:
    enum class Source : std::uint8_t { cabinet, reply };
    struct Choice {
        std::string venue;  // the ticker; "" for every venue
        bool receive = true;
        Source source = Source::cabinet;
        std::uint64_t time_ms = 0;    // when the node took it
        std::uint64_t signed_ms = 0;  // the request's time_ms (a reply: time_ms)
    };
    enum class Refusal { stale, full, not_written };
    struct Refused {
        Refusal why;
        std::string message;  // for a person
    };

    Consent(ledger::Store& store, Log& log);  // reads the records

    // The choice that stops `venue`'s automatic messages to `phone` (the one
    // for every venue first), or nullopt when they may go.
    std::optional<Choice> stopping(const ledger::PhoneRef& phone, std::string_view venue) const;
    // Records a choice (written, synced, before this returns). A cabinet
    // choice signed at or before the phone's last one for that venue is
    // stale.
    std::expected<Choice, Refused> set(const ledger::PhoneRef& phone, Choice choice);
    // Every choice of `phone`, the one for every venue first.
    std::vector<Choice> of(const ledger::PhoneRef& phone) const;
    // Phones that stopped every venue, and choices that stop one (metrics).
    struct Counts {
        std::uint64_t stopped_all = 0, stopped_venue = 0;
    };
    Counts counts() const;

private:
    ledger::Store& store_;
    Log& log_;
    mutable std::mutex mutex_;
    std::map<ledger::PhoneRef, std::map<std::string, Choice>> choices_;
    std::size_t records_ = 0;
    Counts counts_;
};

std::string_view consent_source_name(Consent::Source s);

}  // namespace kopilka::node
