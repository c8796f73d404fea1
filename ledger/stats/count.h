// What the aggregates count, and when (docs/design.md, "Aggregates").
//
// Each committed transaction is judged on the state just before it, so
// "staff" means staff at the time of the transaction: what an auditor
// replaying the chain block by block sees, and what stays true after the
// member leaves. An account is the venue's treasury (the owner's key), a
// staff member's key account, or a client (anything else: a phone reference
// always, a former member's key, a future member's key before joining).
//
//   transfer, treasury or staff -> client   issued (amount, one issue); the
//                                           client active; the member's given
//   transfer, client -> client              the receiver seen (a gift)
//   redemption                              redeemed (price, one redemption),
//                                           per product; the paying client
//                                           active (when a client pays); the
//                                           submitting member's redeemed
//   anything else                           nothing (funding staff, returns to
//                                           the treasury, removals, bindings)
//
// A client is first seen (a new client) on the first day it receives the
// coin or redeems as a client; it is active on a day it is issued coins or
// redeems, and returning in a day or week when active in it and first seen
// before it. A member serves a client by issuing to it or redeeming for it.
#pragma once

#include "ledger/state.h"
#include "ledger/stats/records.h"
#include "ledger/tx.h"

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace kopilka::ledger::stats {

struct Event {
    enum class Kind : std::uint8_t { receipt, issue, redemption };
    Kind kind = Kind::receipt;
    std::string ticker;
    Day day = 0;
    std::optional<Account> client;   // the client concerned; none for a redemption the treasury or staff paid
    std::optional<PublicKey> staff;  // the then-staff member who issued or redeemed
    Amount amount = 0;               // issued, or the redemption's price
    std::uint32_t product_id = 0;    // a redemption's product
    bool operator==(const Event&) const = default;
};

// What `tx` would count for if it applies to `before` in a block of `day`;
// nullopt when it counts for nothing. Callers keep it only once the
// transaction has applied.
std::optional<Event> classify(const State& before, const Tx& tx, Day day);

// The stored records for `keys`, in their order (nullopt: absent).
using ReadRecords = std::function<std::vector<std::optional<Bytes>>(std::span<const ByteView> keys)>;

// Counts `events` (in commit order: their days never go back) on top of the
// records they touch, read with one call of `read`, and returns the records
// that change, key -> new value. A record that would stay all zeros is never
// written. Throws StoreError when a stored record does not decode: damaged
// aggregates are a damaged store, not figures to build on.
std::map<Bytes, Bytes, BytesLess> tally(std::span<const Event> events, const ReadRecords& read);

}  // namespace kopilka::ledger::stats
