// invite.open, invite.accept and invite.get: the staff invite mailbox
// (node/invites.h) behind the RPC. The owner's signature and the acceptance
// are checked here, the acceptance with the ledger's own rules
// (check_staff_acceptance), so an invite holds only what staff_add would take
// at this moment. Secrets never reach the log or an error message.
#include "node/node.h"

#include "node/call.h"

#include "crypto/address.h"
#include "rpc/convert.h"

#include <boost/json.hpp>

namespace kopilka::node {

namespace json = boost::json;
using namespace kopilka::ledger;
using rpc::Error;

namespace {

InviteId parse_invite_id(const std::string& text) {
    auto raw = from_hex(text);
    if (!raw || raw->size() != invite_id_bytes || to_hex(*raw) != text)
        throw Error(rpc::invalid_params, "param 'id' must be " + std::to_string(2 * invite_id_bytes) +
                                             " lowercase hex characters (the first 16 bytes of BLAKE2b-256 of the "
                                             "invite's secret)");
    InviteId id{};
    std::copy(raw->begin(), raw->end(), id.begin());
    return id;
}

Error invite_error(const InviteFailure& f) {
    switch (f.code) {
        case InviteError::unknown: return Error(rpc::invite_unknown, f.message);
        case InviteError::taken: return Error(rpc::unauthorized, f.message);
        case InviteError::too_many: return Error(rpc::invites_full, f.message);
        case InviteError::accepted: return Error(rpc::invite_accepted, f.message);
    }
    return Error(rpc::internal_error, "invite error");
}

json::object invite_json(const Invite& inv) {
    json::object o{{"id", to_hex(ByteView(inv.id.data(), inv.id.size()))},
                   {"ticker", inv.ticker},
                   {"expiry_s", inv.expiry_s},
                   {"state", invite_state_name(inv.state)}};
    if (inv.acceptance) {
        o["acceptance"] = to_base64url(encode_staff_acceptance(*inv.acceptance));
        o["staff"] = address_from_key(inv.acceptance->staff);
    }
    return o;
}

}  // namespace

std::optional<json::value> Node::invite_open(Call& call) {
    call.params.only({"ticker", "id", "expiry_s", "signer", "signature"});
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    const InviteId id = parse_invite_id(call.params.str("id"));
    const std::uint64_t expiry_s = call.params.u64("expiry_s");
    const PublicKey signer = rpc::parse_address(call.params.str("signer"), "signer");
    const Signature sig = rpc::parse_signature(call.params.str("signature"), "signature");
    const std::uint64_t now_s = clock_.now_ms() / 1000;
    if (expiry_s <= now_s || expiry_s > now_s + invite_expiry_ahead_s_max)
        throw Error(rpc::invalid_params, "param 'expiry_s' must be in the future and at most " +
                                             std::to_string(invite_expiry_ahead_s_max) + " s past the node's clock (" +
                                             std::to_string(now_s) + ", node.info time_ms / 1000)");
    if (!verify(signer, Domain::invite_open, chain_->id(), invite_open_bytes(ticker, id, expiry_s), sig))
        throw Error(rpc::unauthorized,
                    "the invite's signature does not verify for this signer, ticker, id, expiry_s and chain");
    {
        std::shared_lock lock(chain_mutex_);
        const VenueRecord* v = chain_->state().venue(ticker);
        if (!v) throw Error(rpc::not_found, "no venue has the coin " + ticker);
        if (v->owner != signer)
            throw Error(rpc::unauthorized, "only the owner of " + ticker + " may open its staff invites");
    }
    auto inv = invites_->open(id, ticker, signer, expiry_s);
    if (!inv) throw invite_error(inv.error());
    return json::object{{"id", to_hex(ByteView(inv->id.data(), inv->id.size()))},
                        {"ticker", inv->ticker},
                        {"expiry_s", inv->expiry_s}};
}

std::optional<json::value> Node::invite_accept(Call& call) {
    call.params.only({"secret", "acceptance"});
    // The secret's text is never echoed: a bad one is named by its param only.
    const Bytes secret = rpc::parse_base64url(call.params.str("secret"), "secret", invite_secret_bytes);
    if (secret.size() != invite_secret_bytes)
        throw Error(rpc::invalid_params, "param 'secret' must be " + std::to_string(invite_secret_bytes) +
                                             " bytes in base64url (22 characters), as the invite link carries it");
    const Bytes raw = rpc::parse_base64url(call.params.str("acceptance"), "acceptance", tx_bytes_max);
    auto a = decode_staff_acceptance(raw);
    if (!a) throw rpc::refused_error(Refused{Refusal::malformed, "the acceptance: " + a.error()});
    const InviteId id = invite_id(secret);
    auto held = invites_->find(id);
    if (!held || (held->state == InviteState::open && held->expiry_s < clock_.now_ms() / 1000))
        throw invite_error({InviteError::unknown, "no open invite has this secret (it expired, or the node "
                                                  "restarted): ask the owner for a new invite link"});
    // The same acceptance again answers as before, even once it is on chain.
    if (held->acceptance) {
        if (*held->acceptance == *a) return json::object{{"ticker", held->ticker}, {"staff", address_from_key(a->staff)}};
        throw invite_error({InviteError::accepted,
                            "this invite has already been accepted by another key; ask the owner for a new one"});
    }
    if (!verify_staff_acceptance(*a, chain_->id()))
        throw rpc::refused_error(
            Refused{Refusal::bad_signature, "the acceptance's signature does not verify for its key on this chain"});
    {
        std::shared_lock lock(chain_mutex_);
        const State& s = chain_->state();
        // The block time the owner's staff_add will meet is no earlier.
        const std::uint64_t time_s = std::max(clock_.now_ms(), chain_->tip().time_ms) / 1000;
        const VenueRecord* v = s.venue(held->ticker);
        if (!v) throw rpc::refused_error(Refused{Refusal::unknown_ticker, "no venue has the coin " + held->ticker});
        if (auto ok = check_staff_acceptance(s, time_s, held->ticker, v->owner, *a); !ok)
            throw rpc::refused_error(ok.error());
        if (s.staff(held->ticker, a->staff))
            throw rpc::refused_error(
                Refused{Refusal::already_staff, "this key is already staff of " + held->ticker + "; nothing to accept"});
    }
    auto inv = invites_->accept(id, *a);
    if (!inv) throw invite_error(inv.error());
    return json::object{{"ticker", inv->ticker}, {"staff", address_from_key(a->staff)}};
}

std::optional<json::value> Node::invite_get(Call& call) {
    call.params.only({"id"});
    const InviteId id = parse_invite_id(call.params.str("id"));
    auto inv = invites_->find(id);
    if (!inv) throw Error(rpc::not_found, "no invite has this id on this node (it lapsed, or the node restarted): "
                                          "open it again with invite.open");
    return invite_json(*inv);
}

}  // namespace kopilka::node
