// The bonus programme's methods: programme.get, loyalty.get and
// purchase.quote. A quote runs ledger::quote_purchase on the state the next
// block starts from, dated by the node's clock, so the till shows what the
// block will do (docs/design.md, "Bonus programmes: evaluation order").
#include "node/node.h"

#include "node/call.h"

#include "crypto/address.h"
#include "ledger/programme_codec.h"
#include "rpc/convert.h"

#include <boost/json.hpp>

namespace kopilka::node {

namespace json = boost::json;
using namespace kopilka::ledger;
using rpc::Error;

namespace {

// "kop1…", "phone:<hex>" or "card:<number>".
ClientRef parse_client_ref(const std::string& text, std::string_view param) {
    if (text.starts_with("card:")) {
        std::string card = text.substr(5);
        if (!loyalty::valid_card(card))
            throw Error(rpc::invalid_params, "param '" + std::string(param) + "': a card number is 4-32 of 0-9 and A-Z");
        return ClientRef{ClientRef::Kind::card, {}, std::move(card)};
    }
    return ClientRef{ClientRef::Kind::account, rpc::parse_account(text, param), {}};
}

Amount parse_amount_param(const json::value& v, std::string_view param) {
    if (!v.is_string()) throw Error(rpc::invalid_params, "param '" + std::string(param) + "' must be an amount string like \"12.50\"");
    auto a = parse_amount(std::string(v.as_string()));
    if (!a) throw Error(rpc::invalid_params, "param '" + std::string(param) + "' must be an amount like \"12.50\" (at most 2 decimals)");
    return *a;
}

loyalty::Receipt parse_receipt(const json::value* lines, const std::optional<std::string>& id) {
    if (!lines || !lines->is_array() || lines->as_array().empty())
        throw Error(rpc::invalid_params, "param 'lines' must be a non-empty array of {category, amount}");
    loyalty::Receipt r;
    r.id = id.value_or("");
    if (lines->as_array().size() > loyalty::receipt_lines_max)
        throw Error(rpc::invalid_params, "param 'lines' holds more than " + std::to_string(loyalty::receipt_lines_max) + " lines");
    for (const auto& l : lines->as_array()) {
        if (!l.is_object()) throw Error(rpc::invalid_params, "each line must be {category, amount}");
        const auto& o = l.as_object();
        for (const auto& [k, v] : o)
            if (k != "category" && k != "amount")
                throw Error(rpc::invalid_params, "a line has an unknown field '" + std::string(k) + "'");
        const json::value* cat = o.if_contains("category");
        const json::value* amt = o.if_contains("amount");
        if (!amt) throw Error(rpc::invalid_params, "each line needs an amount");
        if (cat && !cat->is_string()) throw Error(rpc::invalid_params, "a line's category must be a string");
        r.lines.push_back({cat ? std::string(cat->as_string()) : std::string(), parse_amount_param(*amt, "lines[].amount")});
    }
    if (auto err = loyalty::check_receipt(r); !err.empty()) throw Error(rpc::invalid_params, "the receipt: " + err);
    return r;
}

std::string_view source_name(loyalty::Credit::Source s) {
    switch (s) {
        case loyalty::Credit::Source::rule: return "rule";
        case loyalty::Credit::Source::stamp: return "stamp";
        case loyalty::Credit::Source::referral: return "referral";
        case loyalty::Credit::Source::gift: return "gift";
    }
    return "unknown";
}

json::value tier_json(const loyalty::Programme* p, std::uint8_t tier) {
    if (!p || tier >= p->tiers.size()) return json::object{{"index", tier}, {"name", nullptr}};
    return json::object{{"index", tier}, {"name", p->tiers[tier].name}};
}

}  // namespace

std::optional<json::value> Node::programme_get(Call& call) {
    call.params.only({"ticker"});
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    std::shared_lock lock(chain_mutex_);
    const State& s = chain_->state();
    if (!s.venue(ticker)) throw Error(rpc::not_found, "no venue has the coin " + ticker);
    const loyalty::Programme* in_force = s.programme_in_force(ticker, clock_.now_ms() / 1000);
    json::array versions;
    for (const auto& p : s.programmes(ticker)) versions.push_back(rpc::programme_json(p));
    return json::object{{"ticker", ticker},
                        {"in_force", in_force ? json::value(in_force->version) : json::value(nullptr)},
                        {"versions", std::move(versions)}};
}

std::optional<json::value> Node::loyalty_get(Call& call) {
    call.params.only({"ticker", "client"});
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    const ClientRef ref = parse_client_ref(call.params.str("client"), "client");
    std::shared_lock lock(chain_mutex_);
    const State& s = chain_->state();
    if (!s.venue(ticker)) throw Error(rpc::not_found, "no venue has the coin " + ticker);
    Account a = ref.account;
    if (ref.kind == ClientRef::Kind::card) {
        auto holder = s.card_holder(ticker, ref.card);
        if (!holder) throw Error(rpc::not_found, "card " + ref.card + " is not bound to a client of " + ticker);
        a = *holder;
    }
    const loyalty::Client* c = s.loyalty_client(ticker, a);
    const loyalty::Programme* p = s.programme_in_force(ticker, clock_.now_ms() / 1000);
    json::object o;
    o["ticker"] = ticker;
    o["client"] = account_text(a);
    o["balance"] = format_amount(s.balance(ticker, a));
    o["registered"] = c != nullptr && c->purchases > 0;
    const loyalty::Client none;
    const loyalty::Client& r = c ? *c : none;
    o["tier"] = tier_json(p, r.tier);
    o["lifetime_paid"] = format_amount(r.lifetime_paid);
    o["best_purchase"] = format_amount(r.best_purchase);
    o["purchases"] = r.purchases;
    o["last_purchase_s"] = r.last_purchase_s;
    o["debt"] = format_amount(r.debt);
    json::array lots;
    for (const auto& lot : r.lots) lots.push_back(json::object{{"amount", format_amount(lot.amount)}, {"expiry_s", lot.expiry_s}});
    o["lots"] = std::move(lots);
    o["referrer"] = r.referrer ? json::value(account_text(*r.referrer)) : json::value(nullptr);
    // The day is on the chain (birthday_set), but a view need not repeat it.
    o["birthday_set"] = r.birthday.has_value();
    return o;
}

std::optional<json::value> Node::purchase_quote(Call& call) {
    call.params.only({"ticker", "staff", "client", "lines", "pay", "receipt_id", "referrer"});
    Purchase p;
    p.ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    const PublicKey staff = rpc::parse_address(call.params.str("staff"), "staff");
    p.client = parse_client_ref(call.params.str("client"), "client");
    p.receipt = parse_receipt(call.params.find("lines"), call.params.opt_str("receipt_id"));
    if (const json::value* pay = call.params.find("pay")) p.pay = parse_amount_param(*pay, "pay");
    if (auto ref = call.params.opt_str("referrer")) p.referrer = rpc::parse_account(*ref, "referrer");
    std::shared_lock lock(chain_mutex_);
    const State& s = chain_->state();
    const std::uint64_t now_ms = std::max(clock_.now_ms(), chain_->tip().time_ms);
    const BlockContext ctx{chain_->id(), &chain_->genesis(), chain_->height() + 1, now_ms};
    // The version the till would name: the one in force now.
    const loyalty::Programme* in_force = s.programme_in_force(p.ticker, ctx.time_s());
    p.programme_version = in_force ? in_force->version : 0;
    auto q = quote_purchase(s, ctx, staff, p);
    if (!q) throw rpc::refused_error(q.error());
    const loyalty::PurchaseResult& r = q->result;
    json::array credits;
    for (const auto& c : r.credits) {
        json::object e{{"source", source_name(c.source)}, {"id", c.id}, {"amount", format_amount(c.amount)},
                       {"expiry_s", c.expiry_s}};
        e["to"] = c.recipient == 0 ? account_text(q->client)
                                   : (q->referrers[c.recipient - 1] ? account_text(*q->referrers[c.recipient - 1]) : "");
        credits.push_back(std::move(e));
    }
    json::object o;
    o["ticker"] = p.ticker;
    o["client"] = account_text(q->client);
    o["programme_version"] = q->programme->version;
    o["time_s"] = ctx.time_s();
    o["total"] = format_amount(r.total);
    o["payable_max"] = format_amount(r.payable_max);
    o["paid"] = format_amount(r.paid);
    o["base"] = format_amount(r.base);
    o["debt_paid"] = format_amount(r.debt_paid);
    o["from_staff"] = format_amount(r.from_staff);
    o["from_treasury"] = format_amount(r.from_treasury);
    o["tier_before"] = tier_json(q->programme, r.tier_before);
    o["tier_after"] = tier_json(q->programme, r.tier_after);
    o["credits"] = std::move(credits);
    o["receipt_digest"] = to_hex(receipt_digest(p.receipt));
    return o;
}

}  // namespace kopilka::node
