#include "node/messages/outbox.h"

#include "crypto/bytes.h"

#include <boost/json.hpp>

#include <algorithm>

namespace kopilka::node {

namespace json = boost::json;
using ledger::Batch;
using ledger::Column;

namespace {

constexpr std::uint8_t message_key_tag = 'm';
constexpr std::uint64_t record_version = 1;
constexpr std::string_view key_tag_tx = "kopilka/message/tx/v1";
constexpr std::string_view key_tag_claim = "kopilka/message/claim/v1";
// The dispatcher looks again at least this often when nothing wakes it (the
// node clock may be moved by a test; a wake-up is cheap).
constexpr std::uint64_t idle_wait_ms_max = 1'000;

constexpr std::array<std::string_view, 5> kind_names = {"coins_received", "rebind_announced", "rebind_cancelled",
                                                        "rebind_completed", "claim_code"};
constexpr std::array<std::string_view, 4> state_names = {"pending", "sent", "dead", "expired"};

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

}  // namespace

std::string_view message_kind_name(MessageKind k) { return kind_names.at(static_cast<std::size_t>(k)); }
std::string_view message_state_name(MessageState s) { return state_names.at(static_cast<std::size_t>(s)); }

std::string with_claim_code(std::string text, std::string_view code) {
    for (auto pos = text.find(claim_code_marker); pos != std::string::npos;
         pos = text.find(claim_code_marker, pos + code.size()))
        text.replace(pos, claim_code_marker.size(), code);
    return text;
}

Bytes message_key(std::uint64_t seq) {
    Bytes k{message_key_tag};
    const Bytes n = be64(seq);
    k.insert(k.end(), n.begin(), n.end());
    return k;
}

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
                   {"error", m.error}};
    if (m.tx) o["tx"] = to_hex(*m.tx);
    const std::string s = json::serialize(o);
    return Bytes(s.begin(), s.end());
}

std::optional<OutboxMessage> decode_message(ByteView bytes) {
    boost::system::error_code ec;
    const json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::object& o = v.as_object();
    auto u64 = [&](std::string_view k) -> std::optional<std::uint64_t> {
        const json::value* x = o.if_contains(k);
        if (!x) return std::nullopt;
        if (x->is_uint64()) return x->as_uint64();
        if (x->is_int64() && x->as_int64() >= 0) return static_cast<std::uint64_t>(x->as_int64());
        return std::nullopt;
    };
    auto str = [&](std::string_view k) -> std::optional<std::string> {
        const json::value* x = o.if_contains(k);
        if (!x || !x->is_string()) return std::nullopt;
        return std::string(x->as_string());
    };
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
    counts_ = {};
    std::uint64_t undecodable = 0;
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
            case MessageState::pending: ++counts_.pending; owe(std::move(*m)); break;
            case MessageState::sent:
            case MessageState::dead:
            case MessageState::expired:
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

OutboxMessage Outbox::add(OutboxMessage m, const Hash256& tx, std::uint64_t height, Batch& batch) {
    {
        std::lock_guard lock(mutex_);
        m.seq = next_seq_++;
    }
    m.tx = tx;
    m.height = height;
    m.key = idempotency_key(chain_id_, key_tag_tx, ByteView(tx.data(), tx.size()));
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

void Outbox::reload() {
    {
        std::lock_guard lock(mutex_);
        load();
    }
    wake_.notify_all();
}

void Outbox::deliver_now(std::vector<OutboxMessage> messages) {
    for (auto& m : messages) attempt(std::move(m));
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

void Outbox::attempt(OutboxMessage m) {
    const std::uint64_t now = clock_.now_ms();
    m.channel = std::string(channel_->name());
    auto rendered = render_(m);
    if (!rendered) {
        m.state = rendered.error().state;
        m.error = rendered.error().why;
    } else {
        ++m.attempts;
        Attempt a = channel_->send(*rendered, m.key);
        switch (a.result) {
            case Attempt::Result::accepted:
                m.state = MessageState::sent;
                m.provider_id = std::move(a.provider_id);
                m.error.clear();
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
    if (m.state != MessageState::pending) m.done_ms = now;
    // The log names the message, never its number or text.
    boost::json::object fields{{"seq", m.seq},         {"kind", message_kind_name(m.kind)},
                               {"state", message_state_name(m.state)}, {"attempts", m.attempts},
                               {"channel", m.channel}, {"key", m.key}};
    if (!m.error.empty()) fields["error"] = m.error;
    if (m.state == MessageState::pending)
        log_.info("message.retry", std::move(fields));
    else if (m.state == MessageState::sent)
        log_.info("message.sent", std::move(fields));
    else
        log_.warn(m.state == MessageState::dead ? "message.dead" : "message.expired", std::move(fields));
    // Written before it counts as done: a record that could not be written
    // stays pending and is tried again (at least once, never lost).
    if (!persist(m) && m.state != MessageState::pending) {
        m.state = MessageState::pending;
        m.next_ms = now + backoff_ms(1);
        m.done_ms = 0;
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
    ++count_of(m.state);
    finished_.emplace(m.seq, m.state);
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
        case MessageState::expired: break;
    }
    return counts_.expired;
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

}  // namespace kopilka::node
