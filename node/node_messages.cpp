// The node's side of the messages a client chooses to get (docs/messages.md,
// "Opting out", "Inbound"): messages.consent.set/get, and POST /hooks/sms,
// where a provider reports deliveries and forwards clients' STOP and START.
#include "node/call.h"
#include "node/messages/inbound.h"
#include "node/messages/webpush.h"
#include "node/node.h"
#include "rpc/convert.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

namespace kopilka::node {

namespace json = boost::json;
using namespace kopilka::ledger;
using rpc::Error;

namespace {

MediaReply json_reply(int status, json::object body) {
    return MediaReply{status, {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}},
                      json::serialize(body)};
}

MediaReply hook_error(int status, std::string_view code, std::string message) {
    return json_reply(status, json::object{{"error", json::object{{"code", code}, {"message", std::move(message)}}}});
}

// A client's signed request about their phone's messages (consent, push):
// from the key the phone is bound to, over `message` in `domain` on this
// chain, within `window_ms` of the node's clock `now_ms`; else unauthorized,
// naming the choice (`what`: "messages") and the `fields` signed. `s` is
// read under the caller's chain lock.
void check_phone_request(const State& s, const PhoneRef& ref, const PublicKey& key, Domain domain, const ChainId& chain,
                         ByteView message, const Signature& sig, std::uint64_t time_ms, std::uint64_t now_ms,
                         std::uint64_t window_ms, std::string_view what, std::string_view fields) {
    const Binding* b = s.binding(ref);
    if (!b || b->key != key)
        throw Error(rpc::unauthorized, "only the key the phone is bound to chooses its " + std::string(what) +
                                           ": claim the phone in the cabinet first");
    if (!verify(key, domain, chain, message, sig))
        throw Error(rpc::unauthorized, "the signature does not verify for this key, phone, " + std::string(fields) +
                                           ", time_ms and chain");
    if ((time_ms > now_ms ? time_ms - now_ms : now_ms - time_ms) > window_ms)
        throw Error(rpc::unauthorized, "time_ms is more than " + std::to_string(window_ms / 1000) +
                                           " s from the node's clock; sign it again with the current time");
}

json::object choice_json(const Consent::Choice& c) {
    return json::object{{"ticker", c.venue},
                        {"receive", c.receive},
                        {"source", consent_source_name(c.source)},
                        {"time_ms", c.time_ms}};
}

}  // namespace

void Node::offload(std::function<MediaReply()> work, std::function<void(MediaReply)> done) {
    std::unique_lock gate(read_gate_);
    if (!read_pool_) {  // not started (a test driving the node alone): run here
        gate.unlock();
        return done(work());
    }
    auto refuse = [&](std::string_view code, std::string message) {
        MediaReply r = hook_error(503, code, std::move(message));
        r.headers.emplace_back("Retry-After", "1");
        done(std::move(r));
    };
    if (!reads_open_) {
        gate.unlock();
        return refuse("unavailable", "the node is stopping; retry in a moment");
    }
    if (reads_queued_ >= config_.read_queue_max) {
        gate.unlock();
        ++metrics_.reads_busy;
        return refuse("busy", "the node is busy with other work; retry in a moment");
    }
    metrics_.reads_queued = static_cast<std::int64_t>(++reads_queued_);
    boost::asio::post(*read_pool_, [this, work = std::move(work), done = std::move(done)] {
        {
            std::lock_guard lock(read_gate_);
            metrics_.reads_queued = static_cast<std::int64_t>(--reads_queued_);
        }
        MediaReply r;
        try {
            r = work();
        } catch (const std::exception& e) {
            log_.error("offload.failed", {{"error", e.what()}});
            r = hook_error(500, "internal", "internal error");
        }
        done(std::move(r));
    });
}

void Node::sms_hook(std::string body, std::vector<std::pair<std::string, std::string>> headers, CallContext ctx,
                    std::function<void(MediaReply)> done) {
    (void)ctx;
    if (following())
        return done(hook_error(403, "follower",
                               "this node is a read-only copy (kopilkad follow): providers post to the node it follows"));
    if (inbound_secret_.empty())
        return done(hook_error(404, "off",
                               "this node reads no SMS callbacks: start it with --sms-inbound-secret-file "
                               "(docs/messages.md, Inbound)"));
    offload([this, body = std::move(body), headers = std::move(headers)] { return read_sms_hook(body, headers); },
            std::move(done));
}

MediaReply Node::read_sms_hook(const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers) {
    InboundRequest req;
    req.body = body;
    for (const auto& [name, value] : headers) {
        if (name == "content-type") req.content_type = value;
        if (name == "authorization") req.authorization = value;
        if (name == "x-kopilka-timestamp") req.timestamp = value;
        if (name == "x-kopilka-signature") req.signature = value;
    }
    auto in = read_inbound(sms_provider_, inbound_secret_, req, clock_.now_ms());
    if (!in) {
        // Said in the log without the request: it may hold numbers.
        log_.warn("hook.refused", {{"status", in.error().status}, {"error", in.error().why}});
        ++(in.error().status == 401 ? metrics_.hooks_unauthorized : metrics_.hooks_invalid);
        return hook_error(in.error().status, in.error().status == 401 ? "unauthorized" : "invalid", in.error().why);
    }
    std::uint64_t applied = 0, unknown = 0, stops = 0, starts = 0, other = 0;
    for (const auto& r : in->reports) {
        auto done = outbox_->report(r);
        if (done) {
            ++applied;
        } else if (done.error() == Outbox::ReportRefused::unknown) {
            ++unknown;  // a message this node no longer keeps, or never sent
        } else {
            // Not written: the provider is told to try again (it retries a 5xx).
            return hook_error(503, "unavailable", "a delivery report could not be written; retry");
        }
    }
    for (const auto& reply : in->replies) {
        const ReplyWord word = reply_word(reply.text);
        if (word == ReplyWord::other) {
            ++other;  // a person wrote to the node's number: nothing here reads it
            continue;
        }
        auto resolved = phones_->resolve(reply.from);
        if (!resolved) {
            ++other;
            continue;
        }
        Consent::Choice c;
        c.receive = word == ReplyWord::start;
        c.source = Consent::Source::reply;
        c.time_ms = c.signed_ms = clock_.now_ms();
        auto set = consent_->set(resolved->ref, std::move(c));
        if (!set) {
            if (set.error().why == Consent::Refusal::not_written)
                return hook_error(503, "unavailable", "a STOP or START could not be written; retry");
            log_.warn("consent.refused", {{"error", set.error().message}});
            ++other;
            continue;
        }
        ++(word == ReplyWord::stop ? stops : starts);
        log_.info(word == ReplyWord::stop ? "consent.stop" : "consent.start",
                  {{"account", account_text(Account::of_phone(resolved->ref))}});
    }
    // Twilio reads TwiML from an incoming message's answer: an empty one
    // sends nothing back (the node's STOP needs no confirmation of its own;
    // a carrier's opt-out service sends one).
    if (sms_provider_ == SmsProvider::twilio)
        return MediaReply{200, {{"Content-Type", "text/xml"}, {"Cache-Control", "no-store"}},
                          R"(<?xml version="1.0" encoding="UTF-8"?><Response></Response>)"};
    return json_reply(200, json::object{{"reports", applied},
                                        {"unknown", unknown},
                                        {"stops", stops},
                                        {"starts", starts},
                                        {"ignored", other + in->ignored}});
}

std::optional<json::value> Node::messages_consent_set(Call& call) {
    call.params.only({"holder", "ticker", "receive", "key", "time_ms", "signature"});
    auto holder = account_from_text(call.params.str("holder"));
    if (!holder || holder->is_key()) throw Error(rpc::invalid_params, "param 'holder' must be phone:<64 lowercase hex>");
    const PhoneRef ref = holder->phone();
    const std::string ticker = call.params.str("ticker");
    const json::value* receive = call.params.find("receive");
    if (!receive || !receive->is_bool()) throw Error(rpc::invalid_params, "param 'receive' must be true or false");
    const PublicKey key = rpc::parse_address(call.params.str("key"), "key");
    const std::uint64_t time_ms = call.params.u64("time_ms");
    const Signature sig = rpc::parse_signature(call.params.str("signature"), "signature");
    const auto message = consent_request_bytes(ref, ticker, receive->as_bool(), time_ms);
    if (!message) throw Error(rpc::invalid_params, "param 'ticker' is longer than a ticker");
    {
        std::shared_lock lock(chain_mutex_);
        const State& s = chain_->state();
        if (!ticker.empty() && !s.venue(ticker)) throw Error(rpc::not_found, "no venue has the coin " + ticker);
    }
    const std::uint64_t now = clock_.now_ms();
    {
        std::shared_lock lock(chain_mutex_);
        check_phone_request(chain_->state(), ref, key, Domain::messages, chain_->id(), *message, sig, time_ms, now,
                            consent_request_window_ms, "messages", "ticker, choice");
    }
    Consent::Choice c;
    c.venue = ticker;
    c.receive = receive->as_bool();
    c.source = Consent::Source::cabinet;
    c.time_ms = now;
    c.signed_ms = time_ms;
    auto set = consent_->set(ref, std::move(c));
    if (!set) {
        switch (set.error().why) {
            case Consent::Refusal::stale: throw Error(rpc::unauthorized, set.error().message);
            case Consent::Refusal::full:
            case Consent::Refusal::not_written: throw Error(rpc::unavailable, set.error().message);
        }
    }
    log_.info(set->receive ? "consent.start" : "consent.stop",
              {{"account", account_text(*holder)}, {"venue", set->venue}, {"source", "cabinet"}});
    return choice_json(*set);
}

std::optional<json::value> Node::messages_consent_get(Call& call) {
    call.params.only({"holder"});
    auto holder = account_from_text(call.params.str("holder"));
    if (!holder || holder->is_key()) throw Error(rpc::invalid_params, "param 'holder' must be phone:<64 lowercase hex>");
    json::array choices;
    bool all = true;
    for (const auto& c : consent_->of(holder->phone())) {
        if (c.venue.empty()) all = c.receive;
        choices.push_back(choice_json(c));
    }
    return json::object{{"receive_all", all}, {"choices", std::move(choices)}};
}

}  // namespace kopilka::node

namespace kopilka::node {

namespace {

// base64url without the '=' some encoders add, decoded; nullopt when it is not.
std::optional<std::pair<std::string, Bytes>> key_param(const json::object& keys, std::string_view name) {
    const json::value* v = keys.if_contains(name);
    if (!v || !v->is_string()) return std::nullopt;
    std::string text(v->as_string());
    while (!text.empty() && text.back() == '=') text.pop_back();
    auto raw = from_base64url(text);
    if (!raw) return std::nullopt;
    return std::pair{std::move(text), std::move(*raw)};
}

}  // namespace

std::optional<json::value> Node::messages_push_key(Call& call) {
    call.params.only({});
    if (!push_subs_) return json::object{{"enabled", false}};
    return json::object{{"enabled", true}, {"public_key", push_public_key_}};
}

std::optional<json::value> Node::messages_push_set(Call& call) {
    call.params.only({"holder", "key", "time_ms", "signature", "subscription"});
    auto holder = account_from_text(call.params.str("holder"));
    if (!holder || holder->is_key()) throw Error(rpc::invalid_params, "param 'holder' must be phone:<64 lowercase hex>");
    const PhoneRef ref = holder->phone();
    const PublicKey key = rpc::parse_address(call.params.str("key"), "key");
    const std::uint64_t time_ms = call.params.u64("time_ms");
    const Signature sig = rpc::parse_signature(call.params.str("signature"), "signature");
    const json::value* sub = call.params.find("subscription");  // nullptr for null: stop push
    if (!call.params.present("subscription") || (sub && !sub->is_object()))
        throw Error(rpc::invalid_params,
                    "param 'subscription' must be the browser's PushSubscription.toJSON() "
                    "({endpoint, keys: {p256dh, auth}}), or null to stop push");
    std::optional<PushKeys> keys;
    std::optional<PushSubscriptions::Entry> entry;
    if (sub) {
        const json::object& o = sub->as_object();
        for (const auto& kv : o)
            if (kv.key() != "endpoint" && kv.key() != "keys" && kv.key() != "expirationTime")
                throw Error(rpc::invalid_params, "param 'subscription' has an unknown member '" + std::string(kv.key()) + "'");
        const json::value* endpoint = o.if_contains("endpoint");
        const json::value* k = o.if_contains("keys");
        if (!endpoint || !endpoint->is_string() || !k || !k->is_object())
            throw Error(rpc::invalid_params, "param 'subscription' must hold 'endpoint' (a string) and 'keys' (an object)");
        auto p256dh = key_param(k->as_object(), "p256dh");
        auto auth = key_param(k->as_object(), "auth");
        if (!p256dh || !auth)
            throw Error(rpc::invalid_params, "param 'subscription.keys' must hold 'p256dh' and 'auth' in base64url");
        PushSubscription check{std::string(endpoint->as_string()), p256dh->first, auth->first};
        if (auto ok = check_push_subscription(check); !ok)
            throw Error(rpc::invalid_params, "param 'subscription': " + ok.error().message);
        keys = PushKeys{check.endpoint, std::move(p256dh->second), std::move(auth->second)};
        entry = PushSubscriptions::Entry{std::move(check.endpoint), std::move(check.p256dh), std::move(check.auth), 0, 0};
    }
    const auto message = push_request_bytes(ref, keys, time_ms);
    if (!message) throw Error(rpc::invalid_params, "param 'subscription' is not one a browser makes");
    if (!push_subs_)
        throw Error(rpc::not_found, "this node sends no web push (it runs without --push-contact): messages come by SMS");
    const std::uint64_t now = clock_.now_ms();
    {
        std::shared_lock lock(chain_mutex_);
        check_phone_request(chain_->state(), ref, key, Domain::push, chain_->id(), *message, sig, time_ms, now,
                            push_request_window_ms, "push", "subscription");
    }
    const bool subscribed = entry.has_value();
    if (auto set = push_subs_->set(ref, std::move(entry), time_ms, now); !set) {
        switch (set.error().why) {
            case PushSubscriptions::Refusal::stale: throw Error(rpc::unauthorized, set.error().message);
            case PushSubscriptions::Refusal::full:
            case PushSubscriptions::Refusal::not_written: throw Error(rpc::unavailable, set.error().message);
        }
    }
    // The log names the phone's reference, never the endpoint (it reaches the browser).
    log_.info(subscribed ? "push.subscribed" : "push.unsubscribed", {{"account", account_text(*holder)}});
    return json::object{{"subscribed", subscribed}, {"time_ms", now}};
}

std::optional<json::value> Node::messages_push_get(Call& call) {
    call.params.only({"holder"});
    auto holder = account_from_text(call.params.str("holder"));
    if (!holder || holder->is_key()) throw Error(rpc::invalid_params, "param 'holder' must be phone:<64 lowercase hex>");
    auto e = push_subs_ ? push_subs_->of(holder->phone()) : std::nullopt;
    if (!e) return json::object{{"subscribed", false}};
    return json::object{{"subscribed", true}, {"since_ms", e->time_ms}};
}

}  // namespace kopilka::node
