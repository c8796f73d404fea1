// Reminders of bonuses about to expire (docs/messages.md, "What the
// messages say"): a thread of the producing node that, every
// expiry_reminder_scan_ms, finds the lots that now fall within
// --expiry-reminder-days of their expiry and owes each phone one message
// for each of its lots. The window moves on from where it last stopped (a
// watermark in the outbox family, written in the same synced batch as the
// messages), so each lot is reminded of once however often the node
// restarts, and none is missed while it was down, unless it already expired.
#include "node/node.h"

namespace kopilka::node {

using namespace kopilka::ledger;

namespace {

// The outbox family's watermark: the latest expiry (unix s) reminders were
// owed up to. 'r' beside the messages' 'm', the credits' 'c', the packs' 'g',
// the choices' 'o', the templates' 't' and the webhook events' 'w'.
constexpr std::uint8_t reminders_key_tag = 'r';

Bytes be64_bytes(std::uint64_t v) {
    Bytes out;
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
    return out;
}

}  // namespace

void Node::start_reminders() {
    if (config_.expiry_reminder_days == 0) return;
    if (auto mark = chain_->store().get(Column::outbox, Bytes{reminders_key_tag}); mark && mark->size() == 8) {
        for (std::uint8_t b : *mark) reminded_until_s_ = (reminded_until_s_ << 8) | b;
    } else {
        // First start with reminders: lots expiring from now on.
        reminded_until_s_ = clock_.now_ms() / 1000;
    }
    reminder_thread_ = std::thread([this] {
        std::unique_lock lock(reminder_mutex_);
        while (!reminders_stopping_) {
            lock.unlock();
            remind_expiring();
            lock.lock();
            reminder_cv_.wait_for(lock, std::chrono::milliseconds(expiry_reminder_scan_ms),
                                  [this] { return reminders_stopping_; });
        }
    });
}

void Node::stop_reminders() {
    {
        std::lock_guard lock(reminder_mutex_);
        reminders_stopping_ = true;
    }
    reminder_cv_.notify_all();
    if (reminder_thread_.joinable()) reminder_thread_.join();
}

void Node::remind_expiring() {
    if (damage_message()) return;
    const std::uint64_t now_s = clock_.now_ms() / 1000;
    const std::uint64_t until_s = now_s + std::uint64_t{config_.expiry_reminder_days} * 86'400;
    const std::uint64_t after_s = std::max(reminded_until_s_, now_s);  // an expired lot is not reminded of
    if (until_s <= reminded_until_s_) return;
    std::vector<std::pair<OutboxMessage, Bytes>> messages;
    {
        std::shared_lock lock(chain_mutex_);
        const State& s = chain_->state();
        for (const DueEvent& e : s.events_between(after_s, until_s)) {
            if (e.kind != loyalty::EventKind::lot_expiry || e.account.is_key()) continue;
            const loyalty::Client* c = s.loyalty_client(e.ticker, e.account);
            if (!c) continue;
            Amount amount = 0;
            for (const auto& lot : c->lots)
                if (lot.expiry_s == e.due_s) amount += lot.amount;
            amount = std::min(amount, s.balance(e.ticker, e.account));
            if (amount <= 0) continue;
            const PhoneRef ref = e.account.phone();
            Bytes cause(e.ticker.begin(), e.ticker.end());
            cause.push_back(0);
            cause.insert(cause.end(), ref.begin(), ref.end());
            const Bytes due = be64_bytes(e.due_s);
            cause.insert(cause.end(), due.begin(), due.end());
            messages.emplace_back(coins_message(e.ticker, ref, amount, s, MessageKind::expiry_reminder, e.due_s),
                                  std::move(cause));
        }
    }
    Batch mark;
    mark.put(Column::outbox, Bytes{reminders_key_tag}, be64_bytes(until_s));
    const std::size_t owed = messages.size();
    if (auto ok = outbox_->enqueue_caused(std::move(messages), std::move(mark)); !ok) {
        // Not written: the window stays where it was, and the next scan tries again.
        log_.warn("reminders.not_written", {{"error", ok.error()}});
        return;
    }
    reminded_until_s_ = until_s;
    if (owed > 0) log_.info("reminders.owed", {{"messages", owed}, {"until_s", until_s}});
}

}  // namespace kopilka::node
