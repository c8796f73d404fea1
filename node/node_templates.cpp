// The node's side of how a venue words its messages (docs/messages.md,
// "Templates"): messages.templates.get, .set, .language and .preview. The
// owner's signature is checked here against the chain's owner of the venue;
// the texts are checked by node/messages/templates.h, which keeps them.
#include "node/call.h"
#include "node/messages/sms_text.h"
#include "node/messages/templates.h"
#include "node/node.h"
#include "node/notifier.h"

#include "crypto/address.h"
#include "crypto/hash.h"
#include "rpc/convert.h"

#include <boost/json.hpp>

namespace kopilka::node {

namespace json = boost::json;
using namespace kopilka::ledger;
using rpc::Error;

namespace {

// What a preview fills a template with: the venue's own name and coin, this
// node's link of a made-up phone (a real link's length, which is most of
// an SMS), and amounts long enough that a real message is rarely longer.
constexpr Amount preview_amount = 150'00;
constexpr Amount preview_balance = 1'250'00;
constexpr std::int64_t preview_gift_days = 14;

Error bad_param(std::string_view param, std::string message) {
    return Error(rpc::invalid_params, std::move(message), json::object{{"reason", param}});
}

Language parse_language(const rpc::Params& p) {
    const std::string code = p.str("language");
    auto l = language_of_code(code);
    if (!l) throw bad_param("language", "param 'language' must be \"ru\" or \"en\"");
    return *l;
}

const TemplateKind& parse_kind(const rpc::Params& p) {
    const std::string name = p.str("kind");
    if (const TemplateKind* k = template_kind_named(name)) return *k;
    std::string known;
    for (const auto& k : template_kinds()) known += (known.empty() ? "" : ", ") + std::string(message_kind_name(k.kind));
    throw bad_param("kind", "param 'kind' names no kind of message a venue words; the kinds are: " + known);
}

// The text a request carries, checked as a template of `kind`; "" (back to
// the node's own text) passes.
std::string parse_text(const rpc::Params& p, const TemplateKind& kind) {
    std::string text = p.opt_str("text").value_or("");
    if (text.empty()) return text;
    if (auto problem = template_problem(kind, text)) {
        json::object data{{"reason", template_fault_name(problem->fault)}};
        if (!problem->variable.empty()) data["variable"] = problem->variable;
        throw Error(rpc::invalid_params, problem->message, std::move(data));
    }
    return text;
}

Signature parse_signature(const rpc::Params& p) {
    const std::string text = p.str("signature");
    auto raw = from_hex(text);
    if (!raw || raw->size() != signature_bytes || to_hex(*raw) != text)
        throw Error(rpc::invalid_params, "param 'signature' must be " + std::to_string(2 * signature_bytes) +
                                             " lowercase hex characters (an Ed25519 signature)");
    Signature sig;
    std::copy(raw->begin(), raw->end(), sig.bytes.begin());
    return sig;
}

json::array names_json(std::span<const std::string_view> names) {
    json::array a;
    for (auto n : names) a.emplace_back(n);
    return a;
}

json::object templates_json(std::string_view ticker, const Templates::Venue& v) {
    json::array texts;
    for (const auto& kind : template_kinds()) {
        for (Language l : languages_all) {
            auto s = v.texts.find({kind.kind, l});
            const Templates::Slot slot = s == v.texts.end() ? Templates::Slot{} : s->second;
            texts.push_back(json::object{{"kind", message_kind_name(kind.kind)},
                                         {"language", language_code(l)},
                                         {"text", slot.text},
                                         {"default_text", kind.default_text(l)},
                                         {"variables", names_json(kind.variables)},
                                         {"required", names_json(kind.required)},
                                         {"time_ms", slot.time_ms},
                                         {"signed_ms", slot.signed_ms}});
        }
    }
    return json::object{{"ticker", ticker},
                        {"language", language_code(v.language)},
                        {"language_time_ms", v.language_time_ms},
                        {"language_signed_ms", v.language_signed_ms},
                        {"text_bytes_max", template_text_bytes_max},
                        {"templates", std::move(texts)}};
}

Error templates_error(const Templates::Refused& r) {
    return r.why == Templates::Refusal::stale ? Error(rpc::unauthorized, r.message, json::object{{"reason", "stale"}})
                                              : Error(rpc::unavailable, r.message);
}

}  // namespace

std::string Node::templates_venue(Call& call, std::string* name) {
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    std::shared_lock lock(chain_mutex_);
    const VenueRecord* v = chain_->state().venue(ticker);
    if (!v) throw Error(rpc::not_found, "no venue has the coin " + ticker);
    if (name) *name = v->profile.name;
    return ticker;
}

void Node::check_owner_signed(const std::string& ticker, Call& call, const Bytes& message, std::uint64_t time_ms) {
    const PublicKey key = rpc::parse_address(call.params.str("key"), "key");
    const Signature sig = parse_signature(call.params);
    {
        std::shared_lock lock(chain_mutex_);
        const VenueRecord* v = chain_->state().venue(ticker);
        if (!v) throw Error(rpc::not_found, "no venue has the coin " + ticker);
        if (v->owner != key)
            throw Error(rpc::unauthorized, "only the owner of " + ticker + " words its messages: sign with the owner's key",
                        json::object{{"reason", "not_owner"}});
    }
    if (!verify(key, Domain::templates, chain_->id(), message, sig))
        throw Error(rpc::unauthorized, "the signature does not verify for this key, request, time_ms and chain",
                    json::object{{"reason", "signature"}});
    const std::uint64_t now = clock_.now_ms();
    if ((time_ms > now ? time_ms - now : now - time_ms) > templates_request_window_ms)
        throw Error(rpc::unauthorized,
                    "time_ms is more than " + std::to_string(templates_request_window_ms / 1000) +
                        " s from the node's clock; sign it again with the current time",
                    json::object{{"reason", "clock"}});
}

std::optional<json::value> Node::messages_templates_get(Call& call) {
    call.params.only({"ticker"});
    const std::string ticker = templates_venue(call);
    return templates_json(ticker, templates_->of(ticker));
}

std::optional<json::value> Node::messages_templates_set(Call& call) {
    call.params.only({"ticker", "language", "kind", "text", "key", "time_ms", "signature"});
    const std::string ticker = templates_venue(call);
    const Language language = parse_language(call.params);
    const TemplateKind& kind = parse_kind(call.params);
    std::string text = parse_text(call.params, kind);
    const std::uint64_t time_ms = call.params.u64("time_ms");
    const auto message =
        templates_text_bytes(ticker, time_ms, language_code(language), message_kind_name(kind.kind), text);
    if (!message) throw Error(rpc::internal_error, "the request's bytes could not be built");  // checked above
    check_owner_signed(ticker, call, *message, time_ms);
    auto set = templates_->set_text(ticker, kind.kind, language, std::move(text), time_ms, clock_.now_ms());
    if (!set) throw templates_error(set.error());
    log_.info("templates.set", {{"venue", ticker},
                                {"kind", message_kind_name(kind.kind)},
                                {"language", language_code(language)},
                                {"default", set->texts.at({kind.kind, language}).text.empty()}});
    return templates_json(ticker, *set);
}

std::optional<json::value> Node::messages_templates_language(Call& call) {
    call.params.only({"ticker", "language", "key", "time_ms", "signature"});
    const std::string ticker = templates_venue(call);
    const Language language = parse_language(call.params);
    const std::uint64_t time_ms = call.params.u64("time_ms");
    const auto message = templates_language_bytes(ticker, time_ms, language_code(language));
    if (!message) throw Error(rpc::internal_error, "the request's bytes could not be built");
    check_owner_signed(ticker, call, *message, time_ms);
    auto set = templates_->set_language(ticker, language, time_ms, clock_.now_ms());
    if (!set) throw templates_error(set.error());
    log_.info("templates.language", {{"venue", ticker}, {"language", language_code(language)}});
    return templates_json(ticker, *set);
}

std::optional<json::value> Node::messages_templates_preview(Call& call) {
    call.params.only({"ticker", "language", "kind", "text"});
    std::string name;
    const std::string ticker = templates_venue(call, &name);
    const Language language = parse_language(call.params);
    const TemplateKind& kind = parse_kind(call.params);
    const std::string given = parse_text(call.params, kind);
    const std::string text = given.empty() ? std::string(kind.default_text(language)) : given;
    const Hash256 sample_phone = blake2b256(as_bytes("kopilka/templates/preview"));
    // A gift's term: the programme's usual two weeks from today (UTC).
    std::int32_t y = 0;
    unsigned mo = 0, d = 0;
    ledger::tz::civil_from_days(static_cast<std::int64_t>(clock_.now_ms() / 1000 / 86'400) + preview_gift_days, y, mo, d);
    const std::string rendered =
        render_template(text, {{template_variable_venue, name},
                               {template_variable_amount, amount_in(language, preview_amount)},
                               {template_variable_ticker, ticker},
                               {template_variable_balance, amount_in(language, preview_balance)},
                               {template_variable_expires, expiry_in(language, std::array<std::int32_t, 3>{
                                                                                   y, static_cast<std::int32_t>(mo),
                                                                                   static_cast<std::int32_t>(d)})},
                               {template_variable_link, phone_link(listen_url(), sample_phone)}});
    const SmsSize size = sms_size(rendered);
    return json::object{{"text", rendered},
                        {"template", text},
                        {"default", given.empty()},
                        {"encoding", sms_encoding_name(size.encoding)},
                        {"characters", size.characters},
                        {"units", size.units},
                        {"segments", size.segments},
                        {"cost", outbox_->channel().metered() ? size.segments : 0}};
}

}  // namespace kopilka::node
