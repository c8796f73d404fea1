#include "bench/drive.h"

#include "rpc/client.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <thread>

namespace kopilka::bench {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t error_samples_max = 8;
// A node that says "full" or "unavailable" is asked again after this pause.
constexpr auto retry_pause = std::chrono::milliseconds(5);
constexpr auto reconnect_pause = std::chrono::milliseconds(100);
// A node that says "rate limited" asks for a longer pause (it names one of
// about a tenth of a second); 5 ms would spend the attempts before it lifts.
constexpr auto rate_limited_pause = std::chrono::milliseconds(100);

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

void append_request(std::string& body, const SignedSet& set, std::size_t i) {
    body += R"({"jsonrpc":"2.0","id":)";
    body += std::to_string(i);
    body += R"(,"method":"tx.submit","params":{"blob":")";
    body += set.blobs[i];
    body += R"(","wait":true}})";
}

// What became of one transaction in one answer.
enum class Answer { committed, retry, retry_later, failed };

// Where a "committed" result says its transaction is (height 0 when it does not say).
CommittedAnswer place_of(const json::object& item, std::size_t tx) {
    CommittedAnswer c;
    c.tx = tx;
    const auto* r = item.if_contains("result");
    if (!r || !r->is_object()) return c;
    const auto& ro = r->as_object();
    boost::system::error_code ec;
    if (const auto* id = ro.if_contains("id"); id && id->is_string()) c.id = id->as_string();
    if (const auto* h = ro.if_contains("height"); h && h->is_number()) c.height = h->to_number<std::uint64_t>(ec);
    if (ec) c.height = 0;
    if (const auto* i = ro.if_contains("index"); i && i->is_number()) c.index = i->to_number<std::uint32_t>(ec);
    if (ec) c.height = 0;
    return c;
}

struct Shared {
    const SignedSet& set;
    const DriveOptions& options;
    LiveCounters& live;
    DriveResult& result;
    std::vector<float> latency_by_tx;
    std::mutex mutex;  // errors, samples, counters below
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> transport_errors{0};
    std::atomic<std::uint64_t> retries{0};

    bool cancelled() const { return options.cancel && options.cancel->load(std::memory_order_acquire); }
    void note_error(const std::string& reason, const std::string& message) {
        std::lock_guard lock(mutex);
        ++result.errors[reason];
        if (result.error_samples.size() < error_samples_max) result.error_samples.push_back(reason + ": " + message);
    }
};

Answer read_answer(Shared& sh, const json::object& item, std::size_t& index) {
    index = static_cast<std::size_t>(-1);
    if (const auto* id = item.if_contains("id"); id && id->is_number()) {
        boost::system::error_code ec;
        index = id->to_number<std::size_t>(ec);
        if (ec) index = static_cast<std::size_t>(-1);
    }
    if (const auto* r = item.if_contains("result"); r && r->is_object()) {
        const auto* status = r->as_object().if_contains("status");
        if (status && status->is_string() && status->as_string() == "committed") return Answer::committed;
        sh.note_error("not_committed", json::serialize(*r));
        return Answer::failed;
    }
    int code = 0;
    std::string reason = "error", message;
    if (const auto* e = item.if_contains("error"); e && e->is_object()) {
        const auto& eo = e->as_object();
        if (const auto* c = eo.if_contains("code"); c && c->is_int64()) code = static_cast<int>(c->as_int64());
        if (const auto* m = eo.if_contains("message"); m && m->is_string()) message = m->as_string();
        reason = "code " + std::to_string(code);
        if (const auto* d = eo.if_contains("data"); d && d->is_object())
            if (const auto* why = d->as_object().if_contains("reason"); why && why->is_string())
                reason = why->as_string();
    }
    // mempool_full, unavailable and rate_limited say "retry"; the ledger refusals do not.
    if (code == rpc::mempool_full || code == rpc::unavailable) return Answer::retry;
    if (code == rpc::rate_limited) return Answer::retry_later;
    sh.note_error(reason, message);
    return Answer::failed;
}

// Sends `txs` (one request, or one batch) until each is committed or has
// failed for good. `since` is when the latency clock started for them.
void submit(Shared& sh, rpc::Client& client, std::vector<std::size_t> txs, Clock::time_point since) {
    std::vector<std::size_t> attempts(txs.size(), 0);
    std::string body;
    while (!txs.empty()) {
        body.clear();
        const bool batched = sh.options.batch > 1;
        if (batched) body += '[';
        for (std::size_t k = 0; k < txs.size(); ++k) {
            if (k) body += ',';
            append_request(body, sh.set, txs[k]);
        }
        if (batched) body += ']';
        sh.live.sent += txs.size();
        ++sh.requests;

        rpc::HttpResponse res;
        try {
            res = client.post("/rpc", body);
        } catch (const rpc::TransportError& e) {
            ++sh.transport_errors;
            sh.note_error("transport", e.what());
            std::this_thread::sleep_for(reconnect_pause);
            res.status = 0;
        }
        const auto answered = Clock::now();

        std::vector<std::size_t> again;
        std::vector<std::uint8_t> seen(txs.size(), 0);
        bool later = false;  // the node asked for a longer pause
        if (res.status != 0) {
            boost::system::error_code ec;
            json::value v = json::parse(res.body, ec);
            std::vector<const json::object*> items;
            if (!ec && v.is_array()) {
                for (const auto& x : v.as_array())
                    if (x.is_object()) items.push_back(&x.as_object());
            } else if (!ec && v.is_object()) {
                items.push_back(&v.as_object());
            } else {
                sh.note_error("http " + std::to_string(res.status), res.body.substr(0, 200));
            }
            for (const auto* item : items) {
                std::size_t index = 0;
                const Answer a = read_answer(sh, *item, index);
                const auto at = std::find(txs.begin(), txs.end(), index);
                if (at == txs.end()) continue;  // an id we did not send: counted as missing below
                const std::size_t k = static_cast<std::size_t>(at - txs.begin());
                if (seen[k]) continue;
                seen[k] = 1;
                if (a == Answer::committed) {
                    sh.result.committed_flags[index] = 1;
                    sh.latency_by_tx[index] = static_cast<float>(ms_between(since, answered));
                    ++sh.live.committed;
                    if (sh.options.on_committed) sh.options.on_committed(place_of(*item, index));
                } else if (a == Answer::retry || a == Answer::retry_later) {
                    seen[k] = 0;  // sent again below
                    later = later || a == Answer::retry_later;
                } else {
                    ++sh.live.failed;
                }
            }
        }
        // Unanswered or "retry": again, up to the limit. tx.submit is
        // idempotent, so a transaction that did commit answers "committed".
        // A cancelled drive sends nothing again.
        const bool cancelled = sh.cancelled();
        for (std::size_t k = 0; k < txs.size(); ++k) {
            if (seen[k]) continue;
            if (cancelled) {
                ++sh.live.failed;
                continue;
            }
            if (++attempts[k] >= sh.options.attempts_max) {
                sh.note_error("gave_up", "no commit after " + std::to_string(attempts[k]) + " sends");
                ++sh.live.failed;
                continue;
            }
            again.push_back(txs[k]);
        }
        if (!again.empty()) {
            sh.retries += again.size();
            sh.live.retried += again.size();
            std::this_thread::sleep_for(later ? rate_limited_pause : retry_pause);
            std::vector<std::size_t> next_attempts;
            for (std::size_t k = 0; k < txs.size(); ++k)
                if (!seen[k] && attempts[k] < sh.options.attempts_max) next_attempts.push_back(attempts[k]);
            attempts = std::move(next_attempts);
        }
        txs = std::move(again);
    }
}

}  // namespace

DriveResult drive(const SignedSet& set, const DriveOptions& options, LiveCounters& live) {
    DriveResult result;
    const std::size_t n = set.size();
    result.txs = n;
    result.committed_flags.assign(n, 0);
    Shared sh{set, options, live, result, std::vector<float>(n, 0.0f), {}, {}, {}, {}};
    const std::size_t batch = std::max<std::size_t>(1, options.batch);
    const std::size_t units = (n + batch - 1) / batch;
    const std::size_t threads = std::max<std::size_t>(1, std::min(options.connections, units));
    const bool open_loop = options.rate_per_s > 0;
    // Open loop: unit u (a request of `batch` transactions) leaves at start + u * period.
    const auto period = open_loop ? std::chrono::duration<double>(static_cast<double>(batch) / options.rate_per_s)
                                  : std::chrono::duration<double>(0);

    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> ready{0};
    std::atomic<bool> go{false};
    Clock::time_point start;
    std::mutex lag_mutex;
    double lag_max = 0;
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            rpc::Client client(options.host, options.port);
            client.set_timeout(options.timeout);
            try {
                client.get("/health");  // connect before the clock starts
            } catch (const rpc::TransportError& e) {
                sh.note_error("transport", e.what());
            }
            ++ready;
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            double my_lag = 0;
            for (;;) {
                if (sh.cancelled()) break;
                const std::size_t u = next.fetch_add(1);
                if (u >= units) break;
                std::vector<std::size_t> txs;
                for (std::size_t i = u * batch; i < std::min(n, (u + 1) * batch); ++i) txs.push_back(i);
                auto since = Clock::now();
                if (open_loop) {
                    const auto due = start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(u));
                    std::this_thread::sleep_until(due);
                    my_lag = std::max(my_lag, ms_between(due, Clock::now()));
                    since = due;
                }
                submit(sh, client, std::move(txs), since);
            }
            std::lock_guard lock(lag_mutex);
            lag_max = std::max(lag_max, my_lag);
        });
    while (ready.load() < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    start = Clock::now();
    go.store(true, std::memory_order_release);
    for (auto& th : pool) th.join();
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    for (std::size_t i = 0; i < n; ++i)
        if (result.committed_flags[i]) {
            ++result.committed;
            result.latency_ms.push_back(sh.latency_by_tx[i]);
        }
    result.failed = n - result.committed;
    result.retries = sh.retries;
    result.transport_errors = sh.transport_errors;
    result.requests = sh.requests;
    result.send_lag_max_ms = lag_max;
    return result;
}

Latency summarize(std::vector<float> ms) {
    Latency l;
    l.count = ms.size();
    if (ms.empty()) return l;
    std::sort(ms.begin(), ms.end());
    double sum = 0;
    for (float x : ms) sum += x;
    l.mean = sum / static_cast<double>(ms.size());
    // Nearest rank: the smallest value with at least q of the samples at or below it.
    auto at = [&](double q) {
        const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ms.size())));
        return static_cast<double>(ms[std::min(ms.size() - 1, rank == 0 ? 0 : rank - 1)]);
    };
    l.p50 = at(0.50);
    l.p95 = at(0.95);
    l.p99 = at(0.99);
    l.p999 = at(0.999);
    l.max = ms.back();
    return l;
}

}  // namespace kopilka::bench
