#include "node/messages/outbox.h"

#include "crypto/bytes.h"
#include "node/messages/json_record.h"
#include "node/messages/sms_text.h"

#include <boost/json.hpp>

#include <algorithm>

namespace kopilka::node {

namespace json = boost::json;
using ledger::Batch;
using ledger::Column;

namespace {

constexpr std::uint8_t message_key_tag = 'm';
// Each venue's credits' totals ('c' + ticker; 'c' alone the node's own)
// and each pack the operator added ('g' + seq).
constexpr std::uint8_t credits_key_tag = 'c';
constexpr std::uint8_t grant_key_tag = 'g';
constexpr std::uint64_t record_version = 1;
constexpr std::string_view key_tag_tx = "kopilka/message/tx/v1";
constexpr std::string_view key_tag_claim = "kopilka/message/claim/v1";
// A transaction that credits several phones (a purchase: the client, and
// referrers) causes one message each: the phone is part of the cause.
constexpr std::string_view key_tag_credit = "kopilka/message/credit/v1";
// A programme's time event (a gift) is caused by no transaction.
constexpr std::string_view key_tag_event = "kopilka/message/event/v1";
// Nor is a reminder that a lot is about to expire.
constexpr std::string_view key_tag_reminder = "kopilka/message/reminder/v1";
// The dispatcher looks again at least this often when nothing wakes it (the
// node clock may be moved by a test; a wake-up is cheap).
constexpr std::uint64_t idle_wait_ms_max = 1'000;
constexpr std::uint64_t hour_ms = 60 * 60'000;
constexpr std::size_t phone_sends_kept_max = 100'000;

constexpr std::array<std::string_view, 8> kind_names = {"coins_received", "rebind_announced", "rebind_cancelled",
                                                        "rebind_completed", "claim_code",     "birthday_gift",
                                                        "winback_gift",     "expiry_reminder"};
constexpr std::array<std::string_view, 6> state_names = {"pending", "sent", "dead", "expired", "held", "stopped"};

template <std::size_t N>
std::optional<std::size_t> index_of(const std::array<std::string_view, N>& names, std::string_view s) {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == s) return i;
    return std::nullopt;
}

std::string idempotency_key(const Hash256& chain_id, std::string_view tag, ByteView cause) {
    return to_hex(Blake2b256().update(as_bytes(tag)).update(chain_id).update(cause).finish());
}

Bytes be64(std::uint64_t v) {
    Bytes b(8);
    for (int i = 7; i >= 0; --i, v >>= 8) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    return b;
}

Bytes tagged_key(std::uint8_t tag, std::uint64_t seq) {
    Bytes k{tag};
    const Bytes n = be64(seq);
    k.insert(k.end(), n.begin(), n.end());
    return k;
}

Bytes json_bytes(const json::object& o) {
    const std::string s = json::serialize(o);
    return Bytes(s.begin(), s.end());
}

std::optional<json::object> json_record(ByteView bytes) {
    boost::system::error_code ec;
    json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::value* version = v.as_object().if_contains("v");
    if (!version || !version->is_int64() || version->as_int64() != static_cast<std::int64_t>(record_version))
        return std::nullopt;
    return std::move(v.as_object());
}

Bytes credits_key(const std::string& venue) {
    Bytes k(1 + venue.size());
    k[0] = credits_key_tag;
    std::copy(venue.begin(), venue.end(), k.begin() + 1);
    return k;
}

Bytes credits_record(const std::string& venue, std::uint64_t granted, std::uint64_t spent) {
    return json_bytes({{"v", record_version}, {"venue", venue}, {"granted", granted}, {"spent", spent}});
}

}  // namespace

std::string_view message_kind_name(MessageKind k) { return kind_names.at(static_cast<std::size_t>(k)); }
std::string_view message_state_name(MessageState s) { return state_names.at(static_cast<std::size_t>(s)); }

std::string with_claim_code(std::string text, std::string_view code) {
    for (auto pos = text.find(claim_code_marker); pos != std::string::npos;
         pos = text.find(claim_code_marker, pos + code.size()))
        text.replace(pos, claim_code_marker.size(), code);
    return text;
}

Bytes message_key(std::uint64_t seq) { return tagged_key(message_key_tag, seq); }

Bytes encode_message(const OutboxMessage& m) {
    json::object o{{"v", record_version},
                   {"seq", m.seq},
                   {"kind", message_kind_name(m.kind)},
                   {"phone", to_hex(m.phone)},
                   {"text", m.text},
                   {"link", m.link},
                   {"created_ms", m.created_ms},
                   {"key", m.key},
                   {"height", m.height},
                   {"state", message_state_name(m.state)},
                   {"attempts", m.attempts},
                   {"next_ms", m.next_ms},
                   {"done_ms", m.done_ms},
                   {"channel", m.channel},
                   {"provider_id", m.provider_id},
                   {"error", m.error},
                   {"segments", m.segments},
                   {"venue", m.venue}};
    if (m.tx) o["tx"] = to_hex(*m.tx);
    if (!m.delivery.empty()) {
        o["delivery"] = m.delivery;
        o["delivery_ms"] = m.delivery_ms;
    }
    const std::string s = json::serialize(o);
    return Bytes(s.begin(), s.end());
}

std::optional<OutboxMessage> decode_message(ByteView bytes) {
    boost::system::error_code ec;
    const json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::object& o = v.as_object();
    auto u64 = [&](std::string_view k) { return u64_of(o, k); };
    auto str = [&](std::string_view k) { return str_of(o, k); };
    if (u64("v") != record_version) return std::nullopt;
    OutboxMessage m;
    auto seq = u64("seq"), created = u64("created_ms"), height = u64("height"), attempts = u64("attempts"),
         next = u64("next_ms"), done = u64("done_ms");
    auto kind = str("kind"), phone = str("phone"), text = str("text"), link = str("link"), key = str("key"),
         state = str("state"), channel = str("channel"), provider = str("provider_id"), error = str("error");
    if (!seq || !created || !height || !attempts || !next || !done || !kind || !phone || !text || !link || !key ||
        !state || !channel || !provider || !error)
        return std::nullopt;
    auto k = index_of(kind_names, *kind);
    auto st = index_of(state_names, *state);
    auto ref = from_hex(*phone);
    if (!k || !st || !ref || ref->size() != m.phone.size() || *attempts > UINT32_MAX) return std::nullopt;
    m.seq = *seq;
    m.kind = static_cast<MessageKind>(*k);
    std::copy(ref->begin(), ref->end(), m.phone.begin());
    m.text = std::move(*text);
    m.link = std::move(*link);
    m.created_ms = *created;
    m.key = std::move(*key);
    m.height = *height;
    m.state = static_cast<MessageState>(*st);
    m.attempts = static_cast<std::uint32_t>(*attempts);
    m.next_ms = *next;
    m.done_ms = *done;
    m.channel = std::move(*channel);
    m.provider_id = std::move(*provider);
    m.error = std::move(*error);
    // Absent from records written before credits (read as a free message).
    if (const json::value* seg = o.if_contains("segments")) {
        if (!seg->is_int64() || seg->as_int64() < 0 || seg->as_int64() > UINT32_MAX) return std::nullopt;
        m.segments = static_cast<std::uint32_t>(seg->as_int64());
    }
    if (const json::value* venue = o.if_contains("venue")) {
        if (!venue->is_string()) return std::nullopt;
        m.venue = std::string(venue->as_string());
    }
    // Absent until a delivery report came.
    if (auto delivery = str("delivery")) {
        auto at = u64("delivery_ms");
        if ((*delivery != "delivered" && *delivery != "failed") || !at) return std::nullopt;
        m.delivery = std::move(*delivery);
        m.delivery_ms = *at;
    }
    if (auto tx = str("tx")) {
        auto id = from_hex(*tx);
        if (!id || id->size() != Hash256{}.size()) return std::nullopt;
        Hash256 h;
        std::copy(id->begin(), id->end(), h.begin());
        m.tx = h;
    }
    return m;
}

Outbox::Outbox(ledger::Store& store, const Hash256& chain_id, std::unique_ptr<Channel> channel, OutboxLimits limits,
               const Clock& clock, Log& log, Render render)
    : store_(store),
      chain_id_(chain_id),
      channel_(std::move(channel)),
      limits_(limits),
      clock_(clock),
      log_(log),
      render_(std::move(render)) {
    std::lock_guard lock(mutex_);
    load();
}

Outbox::~Outbox() { stop(); }

void Outbox::load() {
    owed_.clear();
    finished_.clear();
    by_provider_id_.clear();
    counts_ = {};
    std::uint64_t undecodable = 0;
    held_.clear();
    {
        // The credits' totals; none on a new node (only the free ones). What
        // is set aside for attempts in flight stays set aside.
        std::lock_guard credits(credits_mutex_);
        for (auto& [venue, a] : accounts_) {
            a.granted = a.spent = 0;
            a.debits.clear();
        }
        next_grant_seq_ = 1;
        store_.scan(Column::outbox, Bytes{credits_key_tag}, {}, [&](ByteView key, ByteView value) {
            auto o = json_record(value);
            auto venue = o ? str_of(*o, "venue") : std::nullopt;
            auto g = o ? u64_of(*o, "granted") : std::nullopt, sp = o ? u64_of(*o, "spent") : std::nullopt;
            if (!venue || !g || !sp || credits_key(*venue) != Bytes(key.begin(), key.end())) {
                ++undecodable;
                return true;
            }
            Account& a = accounts_[*venue];
            a.granted = *g;
            a.spent = *sp;
            return true;
        });
        store_.scan(Column::outbox, Bytes{grant_key_tag}, {}, [&](ByteView, ByteView value) {
            auto o = json_record(value);
            if (auto seq = o ? u64_of(*o, "seq") : std::nullopt) next_grant_seq_ = std::max(next_grant_seq_, *seq + 1);
            return true;
        });
    }
    const Bytes prefix{message_key_tag};
    store_.scan(Column::outbox, prefix, {}, [&](ByteView key, ByteView value) {
        auto m = decode_message(value);
        if (!m || message_key(m->seq) != Bytes(key.begin(), key.end())) {
            ++undecodable;
            return true;
        }
        next_seq_ = std::max(next_seq_, m->seq + 1);
        // One being attempted now is left to its attempt, which records it
        // (its record may already say how it ended): counted below.
        if (in_flight_.contains(m->seq)) return true;
        switch (m->state) {
            case MessageState::held:
                // Tried again: a pack may have come since (or the reason was
                // a debit that did not survive); the attempt holds it again
                // if the credits are still short.
                m->state = MessageState::pending;
                [[fallthrough]];
            case MessageState::pending: ++counts_.pending; owe(std::move(*m)); break;
            case MessageState::sent:
                if (m->segments > 0) {
                    std::lock_guard credits(credits_mutex_);
                    note_debit(accounts_[m->venue], *m);
                }
                if (!m->provider_id.empty()) by_provider_id_.insert_or_assign(m->provider_id, m->seq);
                [[fallthrough]];
            case MessageState::dead:
            case MessageState::expired:
            case MessageState::stopped:
                ++count_of(m->state);
                finished_.emplace(m->seq, m->state);
                break;
        }
        return true;
    });
    // Each attempt in flight still counts as pending until finish().
    counts_.pending += in_flight_.size();
    // A record this version cannot read is left alone (a later version's),
    // and said once: it is not sent, and nothing else is lost.
    if (undecodable > 0) log_.warn("outbox.unreadable_records", {{"records", undecodable}});
}

void Outbox::start() {
    std::lock_guard lock(mutex_);
    if (!senders_.empty()) return;
    stopping_ = false;
    const std::uint32_t n = std::clamp<std::uint32_t>(limits_.senders, 1, outbox_senders_max);
    for (std::uint32_t i = 0; i < n; ++i) senders_.emplace_back([this] { run(); });
}

void Outbox::stop() {
    std::vector<std::thread> senders;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        senders.swap(senders_);
    }
    wake_.notify_all();
    // Each finishes the attempt it is in (its state written), then returns.
    for (auto& t : senders) t.join();
}

OutboxMessage Outbox::add(OutboxMessage m, const Hash256& tx, std::uint64_t height, Batch& batch, bool per_phone) {
    {
        std::lock_guard lock(mutex_);
        m.seq = next_seq_++;
    }
    m.tx = tx;
    m.height = height;
    if (per_phone) {
        Bytes cause(tx.begin(), tx.end());
        cause.insert(cause.end(), m.phone.begin(), m.phone.end());
        m.key = idempotency_key(chain_id_, key_tag_credit, cause);
    } else {
        m.key = idempotency_key(chain_id_, key_tag_tx, ByteView(tx.data(), tx.size()));
    }
    m.state = MessageState::pending;
    m.next_ms = m.created_ms;
    batch.put(Column::outbox, message_key(m.seq), encode_message(m));
    return m;
}

OutboxMessage Outbox::add_event(OutboxMessage m, ByteView cause, std::uint64_t height, Batch& batch) {
    {
        std::lock_guard lock(mutex_);
        m.seq = next_seq_++;
    }
    m.tx.reset();
    m.height = height;
    m.key = idempotency_key(chain_id_, key_tag_event, cause);
    m.state = MessageState::pending;
    m.next_ms = m.created_ms;
    batch.put(Column::outbox, message_key(m.seq), encode_message(m));
    return m;
}

void Outbox::committed(std::vector<OutboxMessage> messages) {
    if (messages.empty()) return;
    if (channel_->immediate()) {
        {
            std::lock_guard lock(mutex_);
            counts_.pending += messages.size();
            for (const auto& m : messages) in_flight_.insert(m.seq);
        }
        deliver_now(std::move(messages));
        return;
    }
    {
        std::lock_guard lock(mutex_);
        for (auto& m : messages) {
            ++counts_.pending;
            owe(std::move(m));
        }
    }
    wake_.notify_all();
}

std::expected<std::uint64_t, std::string> Outbox::enqueue(OutboxMessage m) {
    {
        std::lock_guard lock(mutex_);
        m.seq = next_seq_++;
    }
    const Bytes cause = be64(m.seq);
    m.key = idempotency_key(chain_id_, key_tag_claim, cause);
    m.state = MessageState::pending;
    m.next_ms = m.created_ms;
    Batch b;
    b.put(Column::outbox, message_key(m.seq), encode_message(m));
    if (auto ok = store_.write(b, /*sync=*/true); !ok) return std::unexpected(ok.error());
    const std::uint64_t seq = m.seq;
    std::vector<OutboxMessage> one;
    one.push_back(std::move(m));
    committed(std::move(one));
    return seq;
}

std::expected<void, std::string> Outbox::enqueue_caused(std::vector<std::pair<OutboxMessage, Bytes>> messages,
                                                        Batch extra) {
    std::vector<OutboxMessage> owed;
    owed.reserve(messages.size());
    for (auto& [m, cause] : messages) {
        {
            std::lock_guard lock(mutex_);
            m.seq = next_seq_++;
        }
        m.key = idempotency_key(chain_id_, key_tag_reminder, cause);
        m.tx.reset();
        m.height = 0;
        m.state = MessageState::pending;
        m.next_ms = m.created_ms;
        extra.put(Column::outbox, message_key(m.seq), encode_message(m));
        owed.push_back(std::move(m));
    }
    if (auto ok = store_.write(extra, /*sync=*/true); !ok) return std::unexpected(ok.error());
    committed(std::move(owed));
    return {};
}

void Outbox::reload() {
    {
        std::lock_guard lock(mutex_);
        load();
    }
    wake_.notify_all();
}

void Outbox::set_push_channel(std::unique_ptr<Channel> push) { push_channel_ = std::move(push); }

void Outbox::deliver_now(std::vector<OutboxMessage> messages) {
    for (auto& m : messages) attempt(std::move(m), /*caller=*/true);
}

std::uint64_t Outbox::backoff_ms(std::uint32_t attempts) const {
    std::uint64_t pause = limits_.retry_first_ms;
    for (std::uint32_t i = 1; i < attempts && pause < limits_.retry_max_ms; ++i) pause *= 2;
    return std::min(pause, limits_.retry_max_ms);
}

// Several threads, each taking the first due message and attempting it
// with the channel's blocking send(), rather than one thread driving many
// transfers (curl multi): a channel stays a plain function from a message to
// an Attempt (the file, each provider's reading of its answers, and a
// channel to come need know nothing of an event loop), and a sender's wait
// for a provider's answer costs a sleeping thread, not a core. Sixteen of
// them keep sixteen requests in flight; the rest of the work (render,
// persist, the log) is microseconds.
void Outbox::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const std::uint64_t now = clock_.now_ms();
        // owed_ is by due time, then seq: the first is the one to send.
        if (owed_.empty() || owed_.begin()->first.first > now) {
            const std::uint64_t next_due =
                owed_.empty() ? now + idle_wait_ms_max : std::min(now + idle_wait_ms_max, owed_.begin()->first.first);
            wake_.wait_for(lock, std::chrono::milliseconds(next_due - now));
            continue;
        }
        OutboxMessage m = std::move(owed_.begin()->second);
        owed_.erase(owed_.begin());
        in_flight_.insert(m.seq);
        // More are due: one more sender wakes for them (it wakes the next in
        // turn), so a backlog has every sender busy without each addition
        // waking them all.
        if (!owed_.empty() && owed_.begin()->first.first <= now) wake_.notify_one();
        lock.unlock();
        attempt(std::move(m));
        lock.lock();
    }
}

void Outbox::attempt(OutboxMessage m, bool caller) {
    const std::uint64_t now = clock_.now_ms();
    auto rendered = render_(m);
    Channel& channel = rendered && rendered->push && push_channel_ ? *push_channel_ : *channel_;
    if (caller && &channel != channel_.get()) {
        // A push is a request over the network: a sender makes it, not the
        // caller of committed() (a block's commit, or a claim code's request).
        {
            std::lock_guard lock(mutex_);
            in_flight_.erase(m.seq);
            owe(std::move(m));
        }
        wake_.notify_one();
        return;
    }
    m.channel = std::string(channel.name());
    // What it costs: its segments on an SMS channel, set aside before it
    // leaves so that concurrent sends cannot overdraw the credits.
    const std::uint32_t cost = rendered && channel.metered() ? sms_size(rendered->text).segments : 0;
    bool accepted = false;
    // Not now, and no attempt: the venue's quiet hours, or this phone had
    // its hour's worth of messages.
    std::optional<std::uint64_t> wait_until;
    std::string wait_why;
    const bool limited = rendered && !rendered->urgent && limits_.per_phone_per_hour_max > 0;
    if (rendered && !rendered->urgent && rendered->not_before_ms > now) {
        wait_until = rendered->not_before_ms;
        wait_why = "quiet hours";
    } else if (limited) {
        if (auto free_at = take_phone_slot(m.phone, now)) {
            wait_until = *free_at;
            wait_why = "this phone had " + std::to_string(limits_.per_phone_per_hour_max) + " messages in the last hour";
        }
    }
    if (!rendered) {
        m.state = rendered.error().state;
        m.error = rendered.error().why;
    } else if (wait_until) {
        m.next_ms = *wait_until;
        m.error = "waits until " + std::to_string(*wait_until) + ": " + wait_why;
    } else if (!reserve(m.venue, cost, rendered->urgent)) {
        if (limited) return_phone_slot(m.phone, now);
        m.state = MessageState::held;
        const Credits c = credits(m.venue);
        m.error = "no SMS credits: this message needs " + std::to_string(cost) + " segment(s), " + m.venue + " has " +
                  std::to_string(std::max<std::int64_t>(0, c.balance)) + " (admin.credits.add)";
    } else {
        ++m.attempts;
        Attempt a = channel.send(*rendered, m.key);
        accepted = a.result == Attempt::Result::accepted;
        if (!accepted) release(m.venue, cost);
        if (!accepted && limited) return_phone_slot(m.phone, now);
        switch (a.result) {
            case Attempt::Result::accepted:
                m.state = MessageState::sent;
                m.provider_id = std::move(a.provider_id);
                m.error.clear();
                m.segments = cost;
                break;
            case Attempt::Result::rejected:
                m.state = MessageState::dead;
                m.error = std::move(a.error);
                break;
            case Attempt::Result::retry:
                m.error = std::move(a.error);
                if (m.attempts >= limits_.attempts_max) {
                    m.state = MessageState::dead;
                } else {
                    m.next_ms = now + std::max(backoff_ms(m.attempts), a.retry_after_ms);
                }
                break;
        }
    }
    if (m.state != MessageState::pending && m.state != MessageState::held) m.done_ms = now;
    // The log names the message, never its number or text.
    boost::json::object fields{{"seq", m.seq},         {"kind", message_kind_name(m.kind)},
                               {"state", message_state_name(m.state)}, {"attempts", m.attempts},
                               {"channel", m.channel}, {"key", m.key}};
    if (!m.error.empty()) fields["error"] = m.error;
    if (wait_until)
        log_.info("message.waits", std::move(fields));
    else if (m.state == MessageState::pending)
        log_.info("message.retry", std::move(fields));
    else if (m.state == MessageState::sent)
        log_.info("message.sent", std::move(fields));
    else if (m.state == MessageState::held)
        log_.info("message.held", std::move(fields));
    else if (m.state == MessageState::stopped)
        log_.info("message.stopped", std::move(fields));
    else
        log_.warn(m.state == MessageState::dead ? "message.dead" : "message.expired", std::move(fields));
    // Written before it counts as done: a record that could not be written
    // stays pending and is tried again (at least once, never lost). A sent
    // one carries its debit in the same batch, so a segment is paid once
    // per sent record, however many times a crash makes it go out.
    const bool written = accepted ? persist_sent(m) : persist(m);
    if (!written && m.state != MessageState::pending) {
        m.state = MessageState::pending;
        m.next_ms = now + backoff_ms(1);
        m.done_ms = 0;
        m.segments = 0;
    }
    std::lock_guard lock(mutex_);
    finish(m);
}

void Outbox::finish(OutboxMessage& m) {
    in_flight_.erase(m.seq);
    if (m.state == MessageState::pending) {
        owe(std::move(m));
        wake_.notify_one();
        return;
    }
    --counts_.pending;
    if (m.state == MessageState::held) {
        ++counts_.held;
        held_.insert_or_assign(m.seq, std::move(m));
        return;
    }
    ++count_of(m.state);
    finished_.emplace(m.seq, m.state);
    if (m.state == MessageState::sent && !m.provider_id.empty()) {
        // Ids of pruned records go now and then, so the map stays about
        // the size of the records kept.
        if (by_provider_id_.size() >= 2 * limits_.finished_kept_max)
            std::erase_if(by_provider_id_, [&](const auto& kv) { return !finished_.contains(kv.second); });
        by_provider_id_.insert_or_assign(m.provider_id, m.seq);
    }
    if (finished_.size() <= limits_.finished_kept_max) return;
    // The oldest finished records go; pending ones are never pruned.
    const std::size_t drop = finished_.size() - limits_.finished_kept_max;
    Batch b;
    auto end = finished_.begin();
    for (std::size_t i = 0; i < drop; ++i, ++end) b.erase(Column::outbox, message_key(end->first));
    if (!store_.write(b, /*sync=*/false)) return;
    for (auto it = finished_.begin(); it != end; ++it) --count_of(it->second);
    finished_.erase(finished_.begin(), end);
}

void Outbox::owe(OutboxMessage m) {
    const std::pair<std::uint64_t, std::uint64_t> due{m.next_ms, m.seq};
    owed_.insert_or_assign(due, std::move(m));
}

std::uint64_t& Outbox::count_of(MessageState s) {
    switch (s) {
        case MessageState::pending: return counts_.pending;
        case MessageState::sent: return counts_.sent;
        case MessageState::dead: return counts_.dead;
        case MessageState::held: return counts_.held;
        case MessageState::stopped: return counts_.stopped;
        case MessageState::expired: break;
    }
    return counts_.expired;
}

std::int64_t Outbox::balance_of(const std::string& venue, const Account& a) const {
    const std::uint64_t free = venue.empty() ? 0 : limits_.credits_free;
    return static_cast<std::int64_t>(free + a.granted) - static_cast<std::int64_t>(a.spent) -
           static_cast<std::int64_t>(a.reserved);
}

std::optional<std::uint64_t> Outbox::take_phone_slot(const ledger::PhoneRef& phone, std::uint64_t now) {
    std::lock_guard lock(mutex_);
    // Phones whose hour has passed are forgotten now and then, so the map
    // holds about the phones of the last hour.
    if (phone_sends_.size() > phone_sends_kept_max)
        std::erase_if(phone_sends_, [&](const auto& kv) { return kv.second.empty() || kv.second.back() + hour_ms <= now; });
    auto& sends = phone_sends_[phone];
    while (!sends.empty() && sends.front() + hour_ms <= now) sends.pop_front();
    if (sends.size() >= limits_.per_phone_per_hour_max) return sends.front() + hour_ms;
    sends.push_back(now);
    return std::nullopt;
}

void Outbox::return_phone_slot(const ledger::PhoneRef& phone, std::uint64_t at) {
    std::lock_guard lock(mutex_);
    auto it = phone_sends_.find(phone);
    if (it == phone_sends_.end()) return;
    if (auto pos = std::find(it->second.begin(), it->second.end(), at); pos != it->second.end()) it->second.erase(pos);
    if (it->second.empty()) phone_sends_.erase(it);
}

bool Outbox::reserve(const std::string& venue, std::uint32_t segments, bool urgent) {
    std::lock_guard lock(credits_mutex_);
    Account& a = accounts_[venue];
    // The node's own messages are never held: a claim code or a re-bind
    // notice is urgent, and the node's account only counts what they cost.
    if (!urgent && !venue.empty() && balance_of(venue, a) < static_cast<std::int64_t>(segments)) {
        if (!a.exhausted_said) {
            a.exhausted_said = true;
            log_.warn("sms.credits_exhausted", {{"venue", venue}, {"balance", balance_of(venue, a)}, {"needed", segments}});
        }
        return false;
    }
    a.reserved += segments;
    return true;
}

void Outbox::release(const std::string& venue, std::uint32_t segments) {
    std::lock_guard lock(credits_mutex_);
    accounts_[venue].reserved -= segments;
}

bool Outbox::persist_sent(const OutboxMessage& m) {
    std::lock_guard lock(credits_mutex_);
    Account& a = accounts_[m.venue];
    a.reserved -= m.segments;
    Batch b;
    b.put(Column::outbox, message_key(m.seq), encode_message(m));
    if (m.segments > 0)
        b.put(Column::outbox, credits_key(m.venue), credits_record(m.venue, a.granted, a.spent + m.segments));
    auto ok = store_.write(b, /*sync=*/false);
    if (!ok) {
        log_.error("outbox.write_failed", {{"seq", m.seq}, {"error", ok.error()}});
        return false;  // tried again, set aside again then
    }
    a.spent += m.segments;
    if (m.segments > 0) note_debit(a, m);
    return true;
}

void Outbox::note_debit(Account& a, const OutboxMessage& m) {
    a.debits.push_back(Debit{m.seq, m.kind, m.segments, m.done_ms, m.tx});
    if (a.debits.size() > sms_debits_kept_max) a.debits.pop_front();
}

std::vector<Outbox::Debit> Outbox::debits(const std::string& venue, std::size_t limit) const {
    std::lock_guard lock(credits_mutex_);
    std::vector<Debit> out;
    auto it = accounts_.find(venue);
    if (it == accounts_.end()) return out;
    for (auto d = it->second.debits.rbegin(); d != it->second.debits.rend() && out.size() < limit; ++d) out.push_back(*d);
    return out;
}

Outbox::Credits Outbox::credits(const std::string& venue) const {
    Credits c;
    {
        std::lock_guard lock(credits_mutex_);
        if (auto it = accounts_.find(venue); it != accounts_.end()) {
            c.granted = it->second.granted;
            c.spent = it->second.spent;
        }
    }
    c.free = venue.empty() ? 0 : limits_.credits_free;
    c.balance = static_cast<std::int64_t>(c.free + c.granted) - static_cast<std::int64_t>(c.spent);
    std::lock_guard lock(mutex_);
    for (const auto& [seq, m] : held_) c.held += m.venue == venue ? 1 : 0;
    return c;
}

std::map<std::string, Outbox::Credits> Outbox::all_credits() const {
    std::vector<std::string> venues;
    {
        std::lock_guard lock(credits_mutex_);
        for (const auto& [venue, a] : accounts_) venues.push_back(venue);
    }
    std::map<std::string, Credits> out;
    for (const auto& v : venues) out.emplace(v, credits(v));
    return out;
}

std::expected<Outbox::Credits, Outbox::GrantRefused> Outbox::grant(const std::string& venue, std::uint64_t segments,
                                                                   std::string note) {
    auto invalid = [](std::string why) { return std::unexpected(GrantRefused{true, std::move(why)}); };
    if (venue.empty()) return invalid("a pack is for a venue (its ticker)");
    if (segments == 0 || segments > sms_credits_grant_max)
        return invalid("param 'segments' must be 1 to " + std::to_string(sms_credits_grant_max) + ", not " +
                       std::to_string(segments));
    if (note.size() > sms_credits_note_chars_max)
        return invalid("param 'note' is " + std::to_string(note.size()) + " bytes; at most " +
                       std::to_string(sms_credits_note_chars_max));
    {
        std::lock_guard lock(credits_mutex_);
        Account& a = accounts_[venue];
        const std::uint64_t seq = next_grant_seq_;
        Batch b;
        b.put(Column::outbox, tagged_key(grant_key_tag, seq),
              json_bytes({{"v", record_version}, {"seq", seq}, {"venue", venue}, {"segments", segments},
                          {"note", note}, {"time_ms", clock_.now_ms()}}));
        b.put(Column::outbox, credits_key(venue), credits_record(venue, a.granted + segments, a.spent));
        // Synced: the operator was paid for it.
        if (auto ok = store_.write(b, /*sync=*/true); !ok) return std::unexpected(GrantRefused{false, ok.error()});
        a.granted += segments;
        a.exhausted_said = false;
        next_grant_seq_ = seq + 1;
    }
    log_.info("sms.credits_added", {{"venue", venue}, {"segments", segments}});
    {
        // What this venue held for want of credits is owed again, oldest
        // first (each attempt holds it again if the pack did not cover it).
        std::lock_guard lock(mutex_);
        for (auto it = held_.begin(); it != held_.end();) {
            if (it->second.venue != venue) {
                ++it;
                continue;
            }
            OutboxMessage m = std::move(it->second);
            it = held_.erase(it);
            m.state = MessageState::pending;
            m.next_ms = clock_.now_ms();
            --counts_.held;
            ++counts_.pending;
            owe(std::move(m));
        }
    }
    wake_.notify_all();
    return credits(venue);
}

std::vector<Outbox::Grant> Outbox::grants(const std::string& venue, std::size_t limit) const {
    std::vector<Grant> all;
    store_.scan(Column::outbox, Bytes{grant_key_tag}, {}, [&](ByteView, ByteView value) {
        auto o = json_record(value);
        if (!o) return true;
        auto seq = u64_of(*o, "seq"), segments = u64_of(*o, "segments"), time = u64_of(*o, "time_ms");
        auto v = str_of(*o, "venue"), note = str_of(*o, "note");
        if (seq && segments && time && v && note && *v == venue)
            all.push_back(Grant{*seq, *v, *segments, std::move(*note), *time});
        return true;
    });
    std::reverse(all.begin(), all.end());
    if (all.size() > limit) all.resize(limit);
    return all;
}

bool Outbox::persist(const OutboxMessage& m) {
    Batch b;
    b.put(Column::outbox, message_key(m.seq), encode_message(m));
    // Not synced: a process that is killed keeps what RocksDB's log was
    // given; a machine that loses power may send a message again, which the
    // idempotency key covers.
    auto ok = store_.write(b, /*sync=*/false);
    if (!ok) log_.error("outbox.write_failed", {{"seq", m.seq}, {"error", ok.error()}});
    return ok.has_value();
}

std::vector<OutboxMessage> Outbox::recent(std::size_t limit, std::optional<MessageState> state) const {
    // Newest first: the records are in seq order, so the scan keeps the last
    // `limit` it sees.
    std::vector<OutboxMessage> all;
    const Bytes prefix{message_key_tag};
    store_.scan(Column::outbox, prefix, {}, [&](ByteView, ByteView value) {
        auto m = decode_message(value);
        if (m && (!state || m->state == *state)) {
            all.push_back(std::move(*m));
            if (all.size() > 2 * limit + 1) all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(limit));
        }
        return true;
    });
    if (all.size() > limit) all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(limit));
    std::reverse(all.begin(), all.end());
    return all;
}

Outbox::Counts Outbox::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

std::expected<std::uint64_t, Outbox::ReportRefused> Outbox::report(const DeliveryReport& r) {
    // Under mutex_ throughout: a report for a message is rare next to its
    // sends, and this orders two reports of one message (the last one read
    // is the last one written).
    std::lock_guard lock(mutex_);
    auto it = by_provider_id_.find(r.provider_id);
    if (r.provider_id.empty() || it == by_provider_id_.end()) return std::unexpected(ReportRefused::unknown);
    auto bytes = store_.get(Column::outbox, message_key(it->second));
    std::optional<OutboxMessage> m = bytes ? decode_message(*bytes) : std::nullopt;
    if (!m || m->state != MessageState::sent || m->provider_id != r.provider_id) {
        by_provider_id_.erase(it);  // pruned since
        return std::unexpected(ReportRefused::unknown);
    }
    m->delivery = r.delivered ? "delivered" : "failed";
    m->delivery_ms = clock_.now_ms();
    if (!r.delivered) m->error = r.error.substr(0, std::min(r.error.size(), delivery_error_chars_max));
    Batch b;
    b.put(Column::outbox, message_key(m->seq), encode_message(*m));
    if (auto ok = store_.write(b, /*sync=*/false); !ok) {
        log_.error("outbox.write_failed", {{"seq", m->seq}, {"error", ok.error()}});
        return std::unexpected(ReportRefused::not_written);
    }
    log_.info("message.delivery", {{"seq", m->seq}, {"delivery", m->delivery}, {"key", m->key}});
    return m->seq;
}

}  // namespace kopilka::node
