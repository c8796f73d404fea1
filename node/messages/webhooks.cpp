#include "node/messages/webhooks.h"

#include "crypto/bytes.h"
#include "ledger/webhook.h"
#include "node/messages/channels.h"
#include "node/messages/inbound.h"
#include "node/messages/json_record.h"

#include <boost/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <sstream>

namespace kopilka::node {

namespace json = boost::json;
using ledger::Batch;
using ledger::Column;

namespace {

// The outbox family's webhook events ('m' messages, 'c' credits, 'g' packs,
// 'o' choices): 'w' + u64 seq, big-endian.
constexpr std::uint8_t event_key_tag = 'w';
constexpr std::int64_t record_version = 1;
constexpr std::uint64_t idle_wait_ms_max = 1'000;
constexpr std::string_view key_tag = "kopilka/webhook/event/v1";
constexpr std::array<std::string_view, 3> state_names = {"pending", "sent", "dead"};

Bytes event_key(std::uint64_t seq) {
    Bytes k{event_key_tag};
    for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<std::uint8_t>(seq >> shift));
    return k;
}

Bytes encode_event(const WebhookEvent& e) {
    json::object o{{"v", record_version},     {"seq", e.seq},         {"venue", e.venue},
                   {"venue_seq", e.venue_seq}, {"type", e.type},       {"body", e.body},
                   {"key", e.key},             {"height", e.height},   {"created_ms", e.created_ms},
                   {"state", event_state_name(e.state)}, {"attempts", e.attempts}, {"next_ms", e.next_ms},
                   {"done_ms", e.done_ms},     {"status", e.status},   {"error", e.error}};
    if (e.tx) o["tx"] = to_hex(*e.tx);
    const std::string s = json::serialize(o);
    return Bytes(s.begin(), s.end());
}

std::optional<WebhookEvent> decode_event(ByteView bytes) {
    boost::system::error_code ec;
    const json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::object& o = v.as_object();
    auto u64 = [&](std::string_view k) { return u64_of(o, k); };
    auto str = [&](std::string_view k) { return str_of(o, k); };
    if (u64("v") != static_cast<std::uint64_t>(record_version)) return std::nullopt;
    auto seq = u64("seq"), venue_seq = u64("venue_seq"), height = u64("height"), created = u64("created_ms"),
         attempts = u64("attempts"), next = u64("next_ms"), done = u64("done_ms"), status = u64("status");
    auto venue = str("venue"), type = str("type"), body = str("body"), key = str("key"), state = str("state"),
         error = str("error");
    if (!seq || !venue_seq || !height || !created || !attempts || !next || !done || !status || !venue || !type ||
        !body || !key || !state || !error || *attempts > UINT32_MAX)
        return std::nullopt;
    auto st = std::find(state_names.begin(), state_names.end(), *state);
    if (st == state_names.end()) return std::nullopt;
    WebhookEvent e;
    e.seq = *seq;
    e.venue = std::move(*venue);
    e.venue_seq = *venue_seq;
    e.type = std::move(*type);
    e.body = std::move(*body);
    e.key = std::move(*key);
    e.height = *height;
    e.created_ms = *created;
    e.state = static_cast<EventState>(st - state_names.begin());
    e.attempts = static_cast<std::uint32_t>(*attempts);
    e.next_ms = *next;
    e.done_ms = *done;
    e.status = static_cast<long>(*status);
    e.error = std::move(*error);
    if (auto tx = str("tx")) {
        auto id = from_hex(*tx);
        if (!id || id->size() != Hash256{}.size()) return std::nullopt;
        Hash256 h;
        std::copy(id->begin(), id->end(), h.begin());
        e.tx = h;
    }
    return e;
}

// https anywhere, or http to this machine (a POS beside the node, and the
// tests); never credentials in the URL, which would reach logs.
std::optional<std::string> url_problem(std::string_view url) {
    if (url.size() > ledger::webhook_url_bytes_max)
        return "the URL is longer than " + std::to_string(ledger::webhook_url_bytes_max) + " bytes";
    for (char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::string("the URL holds a space or a control character");
    std::string_view rest;
    bool loopback_only = false;
    if (url.starts_with("https://")) {
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        rest = url.substr(7);
        loopback_only = true;
    } else {
        return std::string("the URL must start with https:// (or http:// to this machine)");
    }
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.empty()) return std::string("the URL names no host");
    if (authority.find('@') != std::string_view::npos)
        return std::string("the URL must not hold a user or password: the signature is the proof");
    if (loopback_only) {
        std::string_view host = authority;
        if (host.starts_with("[")) {
            host = host.substr(0, host.find(']') + 1);
        } else {
            host = host.substr(0, host.find(':'));
        }
        if (host != "127.0.0.1" && host != "localhost" && host != "[::1]")
            return std::string("http:// is only for a receiver on this machine (127.0.0.1); use https://");
    }
    return std::nullopt;
}

json::object targets_json(const std::map<std::string, Webhooks::Target>& targets) {
    json::object venues;
    for (const auto& [venue, t] : targets)
        venues[venue] = json::object{{"url", t.url}, {"secret", t.secret}, {"signed_ms", t.signed_ms}, {"time_ms", t.time_ms}};
    return json::object{{"v", record_version}, {"venues", std::move(venues)}};
}

std::uint64_t unix_s_now() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace

std::string_view event_state_name(EventState s) { return state_names.at(static_cast<std::size_t>(s)); }

Webhooks::Webhooks(ledger::Store& store, std::filesystem::path config_file, const Hash256& chain_id, const Clock& clock,
                   Log& log, WebhookLimits limits)
    : store_(store),
      config_file_(std::move(config_file)),
      chain_id_(chain_id),
      clock_(clock),
      log_(log),
      limits_(limits),
      http_(std::make_unique<HttpPoster>()) {
    if (std::filesystem::exists(config_file_)) {
        std::ifstream in(config_file_);
        std::stringstream text;
        text << in.rdbuf();
        boost::system::error_code ec;
        const json::value v = json::parse(text.str(), ec);
        const json::value* venues = !ec && v.is_object() ? v.as_object().if_contains("venues") : nullptr;
        if (!venues || !venues->is_object())
            throw std::runtime_error(config_file_.string() + " is not the node's webhook file; move it away to start afresh");
        for (const auto& [venue, t] : venues->as_object()) {
            const json::object* o = t.if_object();
            auto url = o ? str_of(*o, "url") : std::nullopt, secret = o ? str_of(*o, "secret") : std::nullopt;
            if (!url || !secret)
                throw std::runtime_error(config_file_.string() + ": the entry of " + std::string(venue) + " is damaged");
            Target target;
            target.url = std::move(*url);
            target.secret = std::move(*secret);
            target.signed_ms = u64_of(*o, "signed_ms").value_or(0);
            target.time_ms = u64_of(*o, "time_ms").value_or(0);
            targets_.emplace(std::string(venue), std::move(target));
        }
    }
    std::lock_guard lock(mutex_);
    load();
}

Webhooks::~Webhooks() { stop(); }

void Webhooks::load() {
    queues_.clear();
    finished_.clear();
    next_venue_seq_.clear();
    counts_ = {};
    std::uint64_t undecodable = 0;
    store_.scan(Column::outbox, Bytes{event_key_tag}, {}, [&](ByteView key, ByteView value) {
        auto e = decode_event(value);
        if (!e || event_key(e->seq) != Bytes(key.begin(), key.end())) {
            ++undecodable;
            return true;
        }
        next_seq_ = std::max(next_seq_, e->seq + 1);
        auto& next = next_venue_seq_.try_emplace(e->venue, 1).first->second;
        next = std::max(next, e->venue_seq + 1);
        if (auto f = in_flight_.find(e->venue); f != in_flight_.end() && f->second == e->seq) {
            ++counts_.pending;  // its attempt records it
            return true;
        }
        switch (e->state) {
            case EventState::pending:
                ++counts_.pending;
                queues_[e->venue].insert_or_assign(e->venue_seq, std::move(*e));
                break;
            case EventState::sent: ++counts_.sent; finished_.emplace(e->seq, e->state); break;
            case EventState::dead: ++counts_.dead; finished_.emplace(e->seq, e->state); break;
        }
        return true;
    });
    if (undecodable > 0) log_.warn("webhooks.unreadable_records", {{"records", undecodable}});
}

void Webhooks::start() {
    std::lock_guard lock(mutex_);
    if (!senders_.empty()) return;
    stopping_ = false;
    for (std::uint32_t i = 0; i < webhook_senders; ++i) senders_.emplace_back([this] { run(); });
}

void Webhooks::stop() {
    std::vector<std::thread> senders;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        senders.swap(senders_);
    }
    wake_.notify_all();
    for (auto& t : senders) t.join();
}

bool Webhooks::wants(const std::string& venue) const {
    std::lock_guard lock(targets_mutex_);
    auto it = targets_.find(venue);
    return it != targets_.end() && !it->second.url.empty();
}

std::optional<Webhooks::Target> Webhooks::target(const std::string& venue) const {
    std::lock_guard lock(targets_mutex_);
    auto it = targets_.find(venue);
    if (it == targets_.end()) return std::nullopt;
    return it->second;
}

bool Webhooks::save_targets(const std::map<std::string, Target>& targets) {
    // A new file beside the old, synced, then renamed over it: a crash
    // leaves one or the other whole. It holds secrets: 0600.
    const std::filesystem::path tmp = config_file_.string() + ".tmp";
    const std::string text = json::serialize(targets_json(targets)) + "\n";
    std::error_code ec;
    std::filesystem::create_directories(config_file_.parent_path(), ec);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) return false;
    std::filesystem::rename(tmp, config_file_, ec);
    if (ec) return false;
    const int dir = ::open(config_file_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return true;
}

std::expected<Webhooks::Target, Webhooks::Refused> Webhooks::set(const std::string& venue, std::string url,
                                                                 std::uint64_t signed_ms) {
    if (!url.empty())
        if (auto problem = url_problem(url)) return std::unexpected(Refused{Refusal::invalid, *problem});
    std::lock_guard lock(targets_mutex_);
    auto it = targets_.find(venue);
    if (it != targets_.end() && signed_ms <= it->second.signed_ms)
        return std::unexpected(Refused{Refusal::stale, "this request was signed before the venue's last webhook set; "
                                                       "sign it again with the current time"});
    auto next = targets_;
    Target t;
    t.url = std::move(url);
    t.signed_ms = signed_ms;
    t.time_ms = clock_.now_ms();
    if (!t.url.empty()) {
        Bytes secret(webhook_secret_bytes);
        random_bytes(secret);
        t.secret = to_hex(secret);
    }
    // A removed webhook keeps its signed time, so an older request cannot
    // bring it back.
    next.insert_or_assign(venue, t);
    if (!save_targets(next)) {
        log_.error("webhooks.write_failed", {{"file", config_file_.string()}});
        return std::unexpected(Refused{Refusal::not_written, "the webhook could not be saved; try again"});
    }
    targets_ = std::move(next);
    log_.info("webhooks.set", {{"venue", venue}, {"on", !t.url.empty()}});
    return t;
}

WebhookEvent Webhooks::add(const std::string& venue, std::string type, json::value data,
                           const std::optional<Hash256>& tx, std::uint64_t height, std::uint64_t block_time_ms,
                           Batch& batch, std::string_view detail) {
    WebhookEvent e;
    {
        std::lock_guard lock(mutex_);
        e.seq = next_seq_++;
        auto& next = next_venue_seq_.try_emplace(venue, 1).first->second;  // a venue's first is 1
        e.venue_seq = next++;
    }
    e.venue = venue;
    e.type = std::move(type);
    e.tx = tx;
    e.height = height;
    e.created_ms = clock_.now_ms();
    Blake2b256 key;
    key.update(as_bytes(key_tag)).update(chain_id_);
    if (tx) key.update(*tx);
    key.update(as_bytes(venue));
    if (!detail.empty()) key.update(as_bytes(detail));
    e.key = to_hex(key.finish());
    // The body is fixed here: every attempt posts these bytes, and the
    // receiver can check the signature over exactly what it read.
    e.body = json::serialize(json::object{{"id", e.key},
                                          {"type", e.type},
                                          {"venue", venue},
                                          {"seq", e.venue_seq},
                                          {"height", height},
                                          {"time_ms", block_time_ms},
                                          {"tx", tx ? json::value(to_hex(*tx)) : json::value(nullptr)},
                                          {"data", std::move(data)}});
    batch.put(Column::outbox, event_key(e.seq), encode_event(e));
    return e;
}

void Webhooks::committed(std::vector<WebhookEvent> events) {
    if (events.empty()) return;
    {
        std::lock_guard lock(mutex_);
        for (auto& e : events) {
            ++counts_.pending;
            queues_[e.venue].insert_or_assign(e.venue_seq, std::move(e));
        }
    }
    wake_.notify_all();
}

void Webhooks::reload() {
    std::lock_guard lock(mutex_);
    load();
}

std::uint64_t Webhooks::backoff_ms(std::uint32_t attempts) const {
    std::uint64_t pause = limits_.retry_first_ms;
    for (std::uint32_t i = 1; i < attempts && pause < limits_.retry_max_ms; ++i) pause *= 2;
    return std::min(pause, limits_.retry_max_ms);
}

void Webhooks::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const std::uint64_t now = clock_.now_ms();
        // The venue whose first event is due soonest and not in flight:
        // each venue's events go one at a time, in their order.
        std::string pick;
        std::uint64_t soonest = now + idle_wait_ms_max;
        for (const auto& [venue, queue] : queues_) {
            if (queue.empty() || in_flight_.contains(venue)) continue;
            const std::uint64_t due = queue.begin()->second.next_ms;
            if (due < soonest || (due <= now && pick.empty())) {
                soonest = due;
                pick = venue;
            }
        }
        if (pick.empty() || soonest > now) {
            wake_.wait_for(lock, std::chrono::milliseconds(std::max<std::uint64_t>(1, soonest - std::min(soonest, now))));
            continue;
        }
        auto& queue = queues_[pick];
        WebhookEvent e = std::move(queue.begin()->second);
        queue.erase(queue.begin());
        if (queue.empty()) queues_.erase(pick);
        in_flight_.emplace(pick, e.seq);
        lock.unlock();
        attempt(std::move(e));
        lock.lock();
    }
}

void Webhooks::attempt(WebhookEvent e) {
    const std::uint64_t now = clock_.now_ms();
    const std::optional<Target> t = target(e.venue);
    if (!t || t->url.empty()) {
        e.state = EventState::dead;
        e.error = "the venue removed its webhook";
    } else {
        ++e.attempts;
        const std::string ts = std::to_string(unix_s_now());
        const std::vector<std::string> headers{"Content-Type: application/json",
                                               "User-Agent: kopilkad",
                                               "X-Kopilka-Event: " + e.type,
                                               "X-Kopilka-Delivery: " + e.key,
                                               "X-Kopilka-Timestamp: " + ts,
                                               "X-Kopilka-Signature: " + inbound_signature(t->secret, ts, e.body),
                                               "Expect:"};
        const HttpReply r = http_->post(t->url, headers, e.body);
        e.status = r.status;
        if (r.status >= 200 && r.status < 300) {
            e.state = EventState::sent;
            e.error.clear();
        } else {
            // Any other answer is tried again: a POS that is down, busy or
            // misconfigured for a while should not lose the venue's events.
            e.error = r.status == 0 ? r.network_error : "HTTP " + std::to_string(r.status) + ": " + r.body;
            if (e.attempts >= limits_.attempts_max)
                e.state = EventState::dead;
            else
                e.next_ms = now + std::max(backoff_ms(e.attempts), r.retry_after_ms);
        }
    }
    if (e.state != EventState::pending) e.done_ms = now;
    json::object fields{{"seq", e.seq}, {"venue", e.venue}, {"venue_seq", e.venue_seq}, {"type", e.type},
                        {"state", event_state_name(e.state)}, {"attempts", e.attempts}};
    if (!e.error.empty()) fields["error"] = e.error;
    if (e.state == EventState::dead)
        log_.warn("webhook.dead", std::move(fields));
    else
        log_.info(e.state == EventState::sent ? "webhook.sent" : "webhook.retry", std::move(fields));
    // Written before it counts as done: if it cannot be, it stays pending
    // and goes again (at least once).
    if (!persist(e) && e.state != EventState::pending) {
        e.state = EventState::pending;
        e.done_ms = 0;
        e.next_ms = now + backoff_ms(1);
    }
    std::lock_guard lock(mutex_);
    in_flight_.erase(e.venue);
    if (e.state == EventState::pending) {
        queues_[e.venue].insert_or_assign(e.venue_seq, std::move(e));
        wake_.notify_one();
        return;
    }
    --counts_.pending;
    ++(e.state == EventState::sent ? counts_.sent : counts_.dead);
    finished_.emplace(e.seq, e.state);
    wake_.notify_one();  // the venue's next event may be due
    if (finished_.size() <= limits_.finished_kept_max) return;
    Batch b;
    const std::size_t drop = finished_.size() - limits_.finished_kept_max;
    auto end = finished_.begin();
    for (std::size_t i = 0; i < drop; ++i, ++end) b.erase(Column::outbox, event_key(end->first));
    if (!store_.write(b, /*sync=*/false)) return;
    for (auto it = finished_.begin(); it != end; ++it) --(it->second == EventState::sent ? counts_.sent : counts_.dead);
    finished_.erase(finished_.begin(), end);
}

bool Webhooks::persist(const WebhookEvent& e) {
    Batch b;
    b.put(Column::outbox, event_key(e.seq), encode_event(e));
    auto ok = store_.write(b, /*sync=*/false);
    if (!ok) log_.error("webhooks.write_failed", {{"seq", e.seq}, {"error", ok.error()}});
    return static_cast<bool>(ok);
}

std::vector<WebhookEvent> Webhooks::recent(std::size_t limit, const std::string& venue) const {
    std::vector<WebhookEvent> out;
    // Newest first: a reverse scan would need the store's iterator; the
    // records kept are bounded (finished_kept_max), so read them and sort.
    store_.scan(Column::outbox, Bytes{event_key_tag}, {}, [&](ByteView, ByteView value) {
        if (auto e = decode_event(value); e && (venue.empty() || e->venue == venue)) out.push_back(std::move(*e));
        return true;
    });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq > b.seq; });
    if (out.size() > limit) out.resize(limit);
    return out;
}

Webhooks::Counts Webhooks::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

}  // namespace kopilka::node
