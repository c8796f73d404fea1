#include "node/invites.h"

#include <algorithm>

namespace kopilka::node {

std::string_view invite_state_name(InviteState s) {
    switch (s) {
        case InviteState::open: return "open";
        case InviteState::accepted: return "accepted";
        case InviteState::added: return "added";
    }
    return "unknown";
}

std::uint64_t Invite::lapse_s() const {
    std::uint64_t at = expiry_s;
    if (acceptance) at = std::max(at, acceptance->expiry_s);
    if (state == InviteState::added) at = std::max(at, added_until_s);
    return at;
}

void InviteBox::sweep(std::uint64_t now) {
    std::erase_if(invites_, [now](const auto& kv) { return kv.second.lapse_s() < now; });
}

std::expected<Invite, InviteFailure> InviteBox::open(const ledger::InviteId& id, const std::string& ticker,
                                                     const PublicKey& owner, std::uint64_t expiry_s) {
    std::lock_guard lock(mutex_);
    sweep(now_s());
    if (auto it = invites_.find(id); it != invites_.end()) {
        Invite& held = it->second;
        if (held.owner != owner || held.ticker != ticker)
            return std::unexpected(InviteFailure{
                InviteError::taken, "another venue's invite has this id; make a new invite (a new secret)"});
        held.expiry_s = expiry_s;
        return held;
    }
    if (invites_.size() >= invite_open_total_max)
        return std::unexpected(InviteFailure{
            InviteError::too_many, "the node holds " + std::to_string(invite_open_total_max) +
                                       " invites, its most; retry later (invites lapse at their expiry)"});
    const auto at_venue = std::count_if(invites_.begin(), invites_.end(), [&](const auto& kv) {
        return kv.second.ticker == ticker && kv.second.state != InviteState::added;
    });
    if (static_cast<std::size_t>(at_venue) >= invite_open_per_venue_max)
        return std::unexpected(InviteFailure{
            InviteError::too_many, ticker + " has " + std::to_string(invite_open_per_venue_max) +
                                       " invites open, its most; wait until one is accepted and added, or expires"});
    Invite inv;
    inv.id = id;
    inv.ticker = ticker;
    inv.owner = owner;
    inv.expiry_s = expiry_s;
    return invites_.emplace(id, std::move(inv)).first->second;
}

std::optional<Invite> InviteBox::find(const ledger::InviteId& id) {
    std::lock_guard lock(mutex_);
    sweep(now_s());
    auto it = invites_.find(id);
    if (it == invites_.end()) return std::nullopt;
    return it->second;
}

std::expected<Invite, InviteFailure> InviteBox::accept(const ledger::InviteId& id, const ledger::StaffAcceptance& a,
                                                       bool* repeated) {
    std::lock_guard lock(mutex_);
    const std::uint64_t now = now_s();
    sweep(now);
    auto it = invites_.find(id);
    // An accepted invite outlives its own expiry (lapse_s), but an open one
    // takes no acceptance after it.
    if (it == invites_.end() || (it->second.state == InviteState::open && it->second.expiry_s < now))
        return std::unexpected(InviteFailure{
            InviteError::unknown, "no open invite has this secret (it expired, or the node restarted): ask the "
                                  "owner for a new invite link"});
    Invite& held = it->second;
    if (held.acceptance) {
        if (*held.acceptance == a) {
            if (repeated) *repeated = true;
            return held;
        }
        return std::unexpected(InviteFailure{
            InviteError::accepted, "this invite has already been accepted by another key; ask the owner for a new one"});
    }
    held.acceptance = a;
    held.state = InviteState::accepted;
    if (repeated) *repeated = false;
    return held;
}

void InviteBox::added(const Hash256& acceptance_id) {
    std::lock_guard lock(mutex_);
    const std::uint64_t now = now_s();
    for (auto& [id, inv] : invites_) {
        if (!inv.acceptance || ledger::staff_acceptance_id(*inv.acceptance) != acceptance_id) continue;
        inv.state = InviteState::added;
        inv.added_until_s = now + invite_added_kept_s;
    }
}

std::size_t InviteBox::size() {
    std::lock_guard lock(mutex_);
    sweep(now_s());
    return invites_.size();
}

}  // namespace kopilka::node
