// The node's side of the venues' POS webhooks (node/messages/webhooks.h,
// docs/messages.md "POS webhooks"): the events a block causes, webhook.set
// (the owner's signed request) and admin.webhooks.
#include "crypto/bytes.h"
#include "ledger/webhook.h"
#include "node/call.h"
#include "node/node.h"
#include "rpc/convert.h"

#include <boost/json.hpp>

namespace kopilka::node {

namespace json = boost::json;
using namespace kopilka::ledger;
using rpc::Error;

namespace {

// What a committed transaction is to a venue's POS; nullopt: nothing it is told.
std::optional<std::string_view> event_type(const TxBody& body) {
    if (std::holds_alternative<Purchase>(body)) return "purchase";
    if (std::holds_alternative<PurchaseReturn>(body)) return "return";
    if (std::holds_alternative<Redeem>(body)) return "redemption";
    if (std::holds_alternative<Transfer>(body)) return "transfer";
    if (std::holds_alternative<CardBind>(body)) return "registration";
    return std::nullopt;
}

// The most events admin.webhooks lists at once.
constexpr std::size_t webhooks_page_default = 100;
constexpr std::size_t webhooks_page_max = 10'000;

}  // namespace

namespace {

// A tier as loyalty.get names it: its index and the programme's name for it
// (null when the programme in force has no tier at that index any more).
json::object tier_json(const loyalty::Programme* p, std::uint8_t index) {
    return json::object{{"index", index},
                        {"name", p && index < p->tiers.size() ? json::value(p->tiers[index].name) : json::value(nullptr)}};
}

// What a committed purchase did, for the POS to print: the coins its
// movements moved, by kind — the bonuses the client paid with (to the
// treasury), accrued to the client from the staff member's allowance, the
// programme's gift to the client from the treasury, the referral rewards
// from the allowance to others — and the client it was for (a card resolved).
json::object purchase_outcome(const State& state, const Purchase& b, const Hash256& id, std::span<const Movement> moves) {
    const loyalty::PurchaseRecord* rec = state.purchase(b.ticker, id);
    const VenueRecord* venue = state.venue(b.ticker);
    if (!rec || !venue) return {};
    const Account treasury = Account::of_key(venue->owner);
    const Account staff = Account::of_key(rec->staff);
    Amount paid = 0, accrued = 0, gift = 0, referrals = 0;
    for (const Movement& m : moves) {
        if (m.from == rec->client && m.to == treasury) paid += m.amount;
        else if (m.from == staff && m.to == rec->client) accrued += m.amount;
        else if (m.from == treasury && m.to == rec->client) gift += m.amount;
        else if (m.from == staff) referrals += m.amount;
    }
    return json::object{{"client", account_text(rec->client)},
                        {"total", format_amount(rec->total)},
                        {"paid", format_amount(paid)},
                        {"accrued", format_amount(accrued)},
                        {"gift", format_amount(gift)},
                        {"referrals", format_amount(referrals)}};
}

}  // namespace

void Node::block_events(const Block& block, std::span<const SignedTx> candidates, std::span<const TxOutcome> outcomes,
                        const Effects& time_events, const State& state, Batch& batch, std::vector<WebhookEvent>& out) {
    const std::uint64_t height = block.header.height;
    const std::uint64_t time_ms = block.header.time_ms;
    // A tier that moved: the venue's POS may greet a new Gold client. `cause`
    // is what moved it; `tx` the transaction, none for a recalculation.
    auto tier_event = [&](const TierChange& t, std::string_view cause, const std::optional<Hash256>& tx) {
        if (!webhooks_->wants(t.ticker)) return;
        const loyalty::Programme* p = state.programme_in_force(t.ticker, time_ms / 1000);
        json::object data{{"ticker", t.ticker},
                          {"client", account_text(t.client)},
                          {"tier_before", tier_json(p, t.before)},
                          {"tier_after", tier_json(p, t.after)},
                          {"cause", cause}};
        // Unique per client and cause: a transaction moves a client's tier
        // once; a recalculation (no transaction) once a block.
        std::string detail = "tier_change " + account_text(t.client);
        if (!tx) detail += " " + std::to_string(height);
        out.push_back(webhooks_->add(t.ticker, "tier_change", std::move(data), tx, height, time_ms, batch, detail));
    };
    // The block's time events ran before its transactions.
    for (const TierChange& t : time_events.tiers) tier_event(t, "recalculation", std::nullopt);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (outcomes[i].status != TxOutcome::Status::committed) continue;
        const auto type = event_type(candidates[i].tx.body);
        if (!type) continue;
        const std::string& venue = tx_ticker(candidates[i].tx);
        if (venue.empty()) continue;
        if (webhooks_->wants(venue)) {
            json::value data = rpc::tx_json(candidates[i]);
            if (const auto* p = std::get_if<Purchase>(&candidates[i].tx.body))
                data.as_object()["outcome"] = purchase_outcome(state, *p, outcomes[i].id, outcomes[i].movements);
            out.push_back(webhooks_->add(venue, std::string(*type), std::move(data), outcomes[i].id, height, time_ms, batch));
        }
        for (const TierChange& t : outcomes[i].tiers) tier_event(t, *type, outcomes[i].id);
    }
}

std::optional<json::value> Node::webhook_set(Call& call) {
    call.params.only({"ticker", "url", "key", "time_ms", "signature"});
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    const std::string url = call.params.str("url");
    const PublicKey key = rpc::parse_address(call.params.str("key"), "key");
    const std::uint64_t time_ms = call.params.u64("time_ms");
    const Signature sig = rpc::parse_signature(call.params.str("signature"), "signature");
    const auto message = webhook_set_bytes(ticker, url, time_ms);
    if (!message)
        throw Error(rpc::invalid_params,
                    "param 'url' is longer than " + std::to_string(webhook_url_bytes_max) + " bytes");
    if (!verify(key, Domain::webhook, chain_->id(), *message, sig))
        throw Error(rpc::unauthorized, "the signature does not verify for this key, ticker, url, time_ms and chain");
    {
        std::shared_lock lock(chain_mutex_);
        const VenueRecord* v = chain_->state().venue(ticker);
        if (!v) throw Error(rpc::not_found, "no venue has the coin " + ticker);
        if (v->owner != key) throw Error(rpc::unauthorized, "only the owner of " + ticker + " sets its webhook");
    }
    const std::uint64_t now = clock_.now_ms();
    if ((time_ms > now ? time_ms - now : now - time_ms) > webhook_request_window_ms)
        throw Error(rpc::unauthorized, "time_ms is more than " + std::to_string(webhook_request_window_ms / 1000) +
                                           " s from the node's clock; sign it again with the current time");
    auto set = webhooks_->set(ticker, url, time_ms);
    if (!set) {
        switch (set.error().why) {
            case Webhooks::Refusal::invalid: throw Error(rpc::invalid_params, "param 'url': " + set.error().message);
            case Webhooks::Refusal::stale: throw Error(rpc::unauthorized, set.error().message);
            case Webhooks::Refusal::not_written: throw Error(rpc::unavailable, set.error().message);
        }
    }
    // The secret is answered here, to the owner who signed, and nowhere else:
    // the owner gives it to the POS, which checks every event's signature with it.
    return json::object{{"ticker", ticker},
                        {"url", set->url},
                        {"secret", set->url.empty() ? json::value(nullptr) : json::value(set->secret)}};
}

std::optional<json::value> Node::admin_webhooks(Call& call) {
    call.params.only({"ticker", "limit"});
    std::string ticker;
    if (auto t = call.params.opt_str("ticker")) ticker = rpc::parse_ticker(*t, "ticker");
    const std::size_t limit = static_cast<std::size_t>(
        std::min<std::uint64_t>(call.params.opt_u64("limit").value_or(webhooks_page_default), webhooks_page_max));
    json::array events;
    for (const auto& e : webhooks_->recent(limit, ticker))
        events.push_back(json::object{{"seq", e.seq},
                                      {"venue", e.venue},
                                      {"venue_seq", e.venue_seq},
                                      {"type", e.type},
                                      {"state", event_state_name(e.state)},
                                      {"key", e.key},
                                      {"tx", e.tx ? json::value(to_hex(*e.tx)) : json::value(nullptr)},
                                      {"height", e.height},
                                      {"time_ms", e.created_ms},
                                      {"attempts", e.attempts},
                                      {"next_attempt_ms", e.state == EventState::pending ? json::value(e.next_ms) : json::value(nullptr)},
                                      {"done_ms", e.state == EventState::pending ? json::value(nullptr) : json::value(e.done_ms)},
                                      {"status", e.status},
                                      {"error", e.error}});
    // Where each venue's events go, never its secret.
    json::array targets;
    {
        std::shared_lock lock(chain_mutex_);
        for (const auto& tk : chain_->state().tickers()) {
            if (!ticker.empty() && tk != ticker) continue;
            if (auto t = webhooks_->target(tk); t && !t->url.empty())
                targets.push_back(json::object{{"ticker", tk}, {"url", t->url}, {"time_ms", t->time_ms}});
        }
    }
    const Webhooks::Counts c = webhooks_->counts();
    return json::object{{"events", std::move(events)},
                        {"targets", std::move(targets)},
                        {"counts", json::object{{"pending", c.pending}, {"sent", c.sent}, {"dead", c.dead}}}};
}

}  // namespace kopilka::node
