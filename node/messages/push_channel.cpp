#include "node/messages/push_channel.h"

#include <boost/json.hpp>

namespace kopilka::node {

std::string push_payload(const Rendered& m, std::string_view idempotency_key) {
    const std::string_view title = m.push && !m.push->title.empty() ? std::string_view(m.push->title) : "Kopilka";
    return boost::json::serialize(
        boost::json::object{{"v", 1}, {"title", title}, {"body", m.text}, {"url", m.link}, {"tag", idempotency_key}});
}

PushChannel::PushChannel(std::unique_ptr<PushSender> sender, Forget forget)
    : sender_(std::move(sender)), forget_(std::move(forget)) {}

Attempt PushChannel::send(const Rendered& m, std::string_view idempotency_key) {
    Attempt a;
    if (!m.push) {
        a.result = Attempt::Result::rejected;
        a.error = "internal: a message without a push subscription reached the push channel";
        return a;
    }
    const std::string payload = push_payload(m, idempotency_key);
    PushOutcome o = sender_->send_push(PushSubscription{m.push->endpoint, m.push->p256dh, m.push->auth},
                                       ByteView(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
                                       push_message_ttl_s, PushUrgency::normal);
    switch (o.result) {
        case PushOutcome::Result::accepted:
            a.result = Attempt::Result::accepted;
            a.provider_id = std::move(o.message_url);
            return a;
        case PushOutcome::Result::retry:
            a.result = Attempt::Result::retry;
            a.error = std::move(o.error);
            a.retry_after_ms = o.retry_after_ms;
            return a;
        case PushOutcome::Result::gone:
        case PushOutcome::Result::refused:
            // This subscription will never take a message: without it, the
            // next attempt goes by SMS.
            forget_(m.push->ref, m.push->endpoint);
            a.result = Attempt::Result::retry;
            a.error = (o.result == PushOutcome::Result::gone ? "the push subscription is gone (" : "the push service refused it (") +
                      o.error + "); the next attempt goes by SMS";
            return a;
    }
    return a;
}

}  // namespace kopilka::node
