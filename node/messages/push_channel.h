// The outbox's web push channel (docs/messages.md, "Web push"): a message
// whose Rendered names the phone's browser subscription is encrypted to it
// and POSTed to its push service (webpush.h), free of the venue's SMS
// credits.
//
// A push service that says the subscription is gone (404, 410), or refuses
// it for good (another VAPID key, a malformed subscription), makes the
// channel forget it (`forget`) and answer `retry`: the message's next
// attempt renders without it and goes by SMS, so a client whose browser
// dropped the subscription still hears of their bonuses.
#pragma once

#include "node/messages/outbox.h"
#include "node/messages/webpush.h"

#include <functional>
#include <memory>
#include <string_view>

namespace kopilka::node {

// How long a push service keeps a message for a browser that is offline:
// news of bonuses is still worth showing three days on.
inline constexpr std::uint32_t push_message_ttl_s = 3 * 24 * 3600;
// Attempts a message makes by push before it goes by SMS instead: a push
// service that does not answer (down, or unreachable from this node) must
// not keep a client from hearing of their bonuses. With the outbox's
// backoff the third attempt is some 6 s after the first.
inline constexpr std::uint32_t push_attempts_max = 3;
static_assert(push_message_ttl_s <= push_ttl_s_max);

class PushChannel final : public Channel {
public:
    using Forget = std::function<void(const ledger::PhoneRef& phone, std::string_view endpoint)>;
    PushChannel(std::unique_ptr<PushSender> sender, Forget forget);

    std::string_view name() const override { return "webpush"; }
    bool metered() const override { return false; }
    Attempt send(const Rendered& m, std::string_view idempotency_key) override;

private:
    std::unique_ptr<PushSender> sender_;
    Forget forget_;
};

// The JSON a push message carries to the cabinet's service worker:
// {"v":1,"title","body","url","tag"} (docs/messages.md, "Web push").
std::string push_payload(const Rendered& m, std::string_view idempotency_key);

}  // namespace kopilka::node
