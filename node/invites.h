// Staff invites: a small mailbox on the node, in memory only, through which
// a new staff member's signed acceptance travels back to the owner's page
// (docs/node.md "Staff invites"). The owner's page opens an invite by its id
// (the hash of a secret that only the link's fragment carries); whoever
// holds the secret leaves one acceptance in it; the owner's page reads it
// and completes staff_add; the node marks it added when that commits.
//
// The box checks nothing against the chain: the node's handlers check the
// owner's signature and the acceptance (with the ledger's own rules) before
// they call it. It bounds what it holds, and forgets each invite when it
// lapses; a restart forgets them all (the owner's page still holds the
// secret and opens it again).
#pragma once

#include "crypto/keys.h"
#include "ledger/invite.h"
#include "ledger/tx.h"
#include "node/clock.h"

#include <cstdint>
#include <expected>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace kopilka::node {

// Invites open (or accepted, not yet added) at one venue at a time.
inline constexpr std::size_t invite_open_per_venue_max = 32;
// Invites the node holds in all, whatever their state: the memory bound.
inline constexpr std::size_t invite_open_total_max = 4096;
// An invite's expiry may be at most this far past the node's clock.
inline constexpr std::uint64_t invite_expiry_ahead_s_max = 24 * 60 * 60;
// How long an invite stays readable (state "added") after the staff_add
// carrying its acceptance committed, so the owner's page sees it.
inline constexpr std::uint64_t invite_added_kept_s = 60 * 60;

enum class InviteState { open, accepted, added };
std::string_view invite_state_name(InviteState s);

struct Invite {
    ledger::InviteId id{};
    std::string ticker;
    PublicKey owner;
    std::uint64_t expiry_s = 0;
    InviteState state = InviteState::open;
    std::optional<ledger::StaffAcceptance> acceptance;  // once accepted
    std::uint64_t added_until_s = 0;                     // once added
    // When the box forgets it (unix s, inclusive): an open invite at its
    // expiry; an accepted one not before its acceptance's expiry, so the
    // owner can still add the member; an added one invite_added_kept_s on.
    std::uint64_t lapse_s() const;
};

enum class InviteError { unknown, taken, too_many, accepted };
struct InviteFailure {
    InviteError code;
    std::string message;
};

class InviteBox {
public:
    explicit InviteBox(const Clock& clock) : clock_(clock) {}

    // Opens the invite, or moves the expiry of one `owner` already opened at
    // `ticker` (whatever its state). The caller has checked the owner's
    // signature and the expiry's range. Fails with `taken` when another key
    // or venue holds the id, `too_many` at either cap.
    std::expected<Invite, InviteFailure> open(const ledger::InviteId& id, const std::string& ticker,
                                              const PublicKey& owner, std::uint64_t expiry_s);
    // The invite while it has not lapsed.
    std::optional<Invite> find(const ledger::InviteId& id);
    // Leaves the acceptance in an open invite. The caller has checked it with
    // the ledger's rules. The same acceptance again answers as the first time
    // (`repeated` set); another one fails with `accepted`; a lapsed or
    // unknown invite with `unknown`.
    std::expected<Invite, InviteFailure> accept(const ledger::InviteId& id, const ledger::StaffAcceptance& a,
                                                bool* repeated = nullptr);
    // A staff_add carrying the acceptance with this id committed.
    void added(const Hash256& acceptance_id);
    // Invites held now (after forgetting the lapsed ones).
    std::size_t size();

private:
    std::uint64_t now_s() const { return clock_.now_ms() / 1000; }
    void sweep(std::uint64_t now_s);  // lock held

    const Clock& clock_;
    std::mutex mutex_;
    std::map<ledger::InviteId, Invite> invites_;
};

}  // namespace kopilka::node
