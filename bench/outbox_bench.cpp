// kopilka-outbox-bench — how fast the outbox delivers SMS to a gateway
// (issue 17: at least 1,000 messages a second to a local fake provider).
//
//   kopilka-outbox-bench                                 # 20,000 messages, 16 senders (the node's default)
//   kopilka-outbox-bench --senders 1                     # one at a time, as the dispatcher was
//   kopilka-outbox-bench --latency-ms 50 --messages 2000 # a provider 50 ms away
//
// In this process: a fake of the generic `http` gateway (docs/messages.md)
// on 127.0.0.1, HTTP/1.1 keep-alive on Boost.Beast, one I/O thread, which
// counts requests and distinct idempotency keys. A real kopilkad child is
// started with `--sms-provider http --sms-url <the fake>`.
//
//  1. Backlog: while the gateway is down, N transfers to phone references
//     are committed over JSON-RPC (tx.submit, keep-alive, the load driver of
//     kopilka-bench), so N messages are owed.
//  2. Drain: the gateway comes up; timed until it has taken N distinct keys
//     and until the node's /metrics says N sent and none pending.
//  3. Steady state (--flow, 0 to skip): M more transfers at the driver's
//     full rate with the gateway up; messages delivered per second while
//     transfers flow, and the most messages pending at once.
//
// "Down" is a gateway that holds each request without answering, then
// answers 503 after gateway_hold_ms: the senders wait on it and the messages
// behind them are owed but not attempted, so at "up" every message is due
// at once (a gateway answering 503 at once would put each message in its
// backoff, and the drain would time the backoff, not the outbox). The
// benchmark prints figures and never fails on them.
#include "bench/drive.h"
#include "bench/machine.h"
#include "bench/node_process.h"
#include "bench/workload.h"

#include "crypto/address.h"
#include "crypto/bytes.h"
#include "ledger/phone.h"
#include "ledger/tx.h"
#include "ledger/types.h"
#include "rpc/client.h"

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>

using namespace kopilka;
using namespace kopilka::bench;
namespace json = boost::json;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

// A down gateway answers a held request 503 after this: well inside the
// node's 10 s provider timeout, so no answer is lost (no duplicate) while
// the backlog is built.
constexpr std::chrono::milliseconds gateway_hold_ms{3'000};
constexpr std::chrono::milliseconds gateway_sweep_ms{200};
constexpr std::chrono::milliseconds poll_ms{20};
constexpr std::chrono::seconds drain_timeout_s{600};
constexpr std::size_t phones_max = 1'000;
// Above this 1-minute load a core, other work shares the cores (as kopilka-bench warns).
constexpr double busy_load_per_core = 0.75;
constexpr ledger::Amount transfer_units = 1;  // 0.01 a message: the supply covers millions

double seconds_between(SteadyClock::time_point a, SteadyClock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// --- the fake gateway ----------------------------------------------------------

class Gateway {
public:
    struct Counts {
        std::uint64_t requests = 0;    // every request read
        std::uint64_t refused = 0;     // answered 503 (down)
        std::uint64_t accepted = 0;    // distinct keys answered 200
        std::uint64_t duplicates = 0;  // answered 200 under a key already taken
        SteadyClock::time_point last_new_key{};
    };

    class Session;

    // `latency`: each answer once up is this late, as a provider across the
    // internet is (its round trip plus its own work).
    explicit Gateway(std::chrono::milliseconds latency) : latency_(latency), acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
        accept();
        sweep();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Gateway() {
        io_.stop();
        thread_.join();
    }
    Gateway(const Gateway&) = delete;
    Gateway& operator=(const Gateway&) = delete;

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    // Up: every held request is answered now, and each new one at once.
    void up() {
        std::vector<std::shared_ptr<Session>> held;
        {
            std::lock_guard lock(mutex_);
            up_ = true;
            for (auto& [s, since] : held_) held.push_back(std::move(s));
            held_.clear();
        }
        for (auto& s : held) net::post(io_, [this, s] { answer(s); });
    }
    Counts counts() const {
        std::lock_guard lock(mutex_);
        return counts_;
    }

    class Session final : public std::enable_shared_from_this<Session> {
    public:
        Session(Gateway& g, tcp::socket socket) : gateway(g), stream(std::move(socket)) {}
        void read() {
            request = {};
            http::async_read(stream, buffer, request, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) return;  // the node closed the connection
                self->gateway.received(self);
            });
        }
        void write(http::status status, std::string body) {
            auto res = std::make_shared<http::response<http::string_body>>(status, request.version());
            res->set(http::field::content_type, "application/json");
            res->keep_alive(request.keep_alive());
            res->body() = std::move(body);
            res->prepare_payload();
            http::async_write(stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                if (ec || !res->keep_alive()) return;
                self->read();
            });
        }
        Gateway& gateway;
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        http::request<http::string_body> request;
    };

private:
    void accept() {
        acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec) return;
            socket.set_option(tcp::no_delay(true));
            std::make_shared<Session>(*this, std::move(socket))->read();
            accept();
        });
    }
    // Held requests past gateway_hold_ms get their 503.
    void sweep() {
        timer_.expires_after(gateway_sweep_ms);
        timer_.async_wait([this](beast::error_code ec) {
            if (ec) return;
            std::vector<std::shared_ptr<Session>> due;
            {
                std::lock_guard lock(mutex_);
                const auto now = SteadyClock::now();
                std::erase_if(held_, [&](auto& h) {
                    if (now - h.second < gateway_hold_ms) return false;
                    due.push_back(std::move(h.first));
                    ++counts_.refused;
                    return true;
                });
            }
            for (auto& s : due) s->write(http::status::service_unavailable, R"({"error":"down"})");
            sweep();
        });
    }
    void received(const std::shared_ptr<Session>& s) {
        {
            std::lock_guard lock(mutex_);
            ++counts_.requests;
            if (!up_) {
                held_.emplace_back(s, SteadyClock::now());
                return;
            }
        }
        answer(s);
    }
    void answer(const std::shared_ptr<Session>& s) {
        const std::string k(s->request["Idempotency-Key"]);
        std::string id;
        {
            std::lock_guard lock(mutex_);
            if (keys_.insert(k).second) {
                ++counts_.accepted;
                counts_.last_new_key = SteadyClock::now();
            } else {
                ++counts_.duplicates;
            }
            id = "gw-" + std::to_string(counts_.accepted);
        }
        std::string body = json::serialize(json::object{{"id", id}});
        if (latency_.count() == 0) return s->write(http::status::ok, std::move(body));
        auto timer = std::make_shared<net::steady_timer>(io_, latency_);
        timer->async_wait([s, timer, body = std::move(body)](beast::error_code ec) mutable {
            if (!ec) s->write(http::status::ok, std::move(body));
        });
    }

    const std::chrono::milliseconds latency_;
    net::io_context io_;
    tcp::acceptor acceptor_;
    net::steady_timer timer_{io_};
    std::thread thread_;
    mutable std::mutex mutex_;
    bool up_ = false;
    std::vector<std::pair<std::shared_ptr<Session>, SteadyClock::time_point>> held_;
    std::unordered_set<std::string> keys_;
    Counts counts_;
};

// --- the node's side -----------------------------------------------------------

struct OutboxCounts {
    std::uint64_t pending = 0, sent = 0, dead = 0;
};

std::uint64_t sample(const std::string& metrics, const std::string& state) {
    const std::string name = "kopilka_outbox_messages{state=\"" + state + "\"} ";
    const auto at = metrics.find(name);
    return at == std::string::npos ? 0 : std::stoull(metrics.substr(at + name.size()));
}

OutboxCounts outbox_counts(rpc::Client& c) {
    const std::string m = c.get("/metrics").body;
    return {sample(m, "pending"), sample(m, "sent"), sample(m, "dead")};
}

struct Options {
    std::string kopilkad = KOPILKAD_BIN;
    std::size_t messages = 20'000;
    std::uint32_t senders = 16;  // --outbox-senders (the node's default too)
    std::size_t flow = 20'000;
    std::size_t phones = 20;
    std::uint64_t latency_ms = 0;
    std::size_t connections = 16;
    std::size_t batch = 50;
    bool keep_datadir = false;
    bool json_out = false;
};

// Signs transfers from the venue's treasury, one to each phone in turn.
class Sender {
public:
    Sender(const ChainId& chain, const KeyPair& owner, std::string ticker, std::vector<ledger::Account> phones)
        : chain_(chain), owner_(owner), ticker_(std::move(ticker)), phones_(std::move(phones)) {}
    ledger::SignedTx sign(ledger::TxBody body) {
        ledger::Tx tx;
        tx.signer = owner_.public_key();
        tx.nonce = ++nonce_;
        tx.expiry_s = now_s() + 3600;
        tx.body = std::move(body);
        return ledger::sign_tx(tx, owner_, chain_);
    }
    SignedSet transfers(std::size_t n) {
        SignedSet set;
        const ledger::Account treasury = ledger::Account::of_key(owner_.public_key());
        for (std::size_t i = 0; i < n; ++i)
            set.append(sign(ledger::Transfer{ticker_, treasury, phones_[next_++ % phones_.size()], transfer_units, ""}),
                       Kind::transfer);
        return set;
    }
    static std::uint64_t now_s() {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    }

private:
    ChainId chain_;
    const KeyPair& owner_;
    std::string ticker_;
    std::vector<ledger::Account> phones_;
    std::uint64_t nonce_ = random_u64() >> 1;
    std::size_t next_ = 0;
};

DriveResult submit_all(const SignedSet& set, const Options& o, std::uint16_t port) {
    DriveOptions d;
    d.port = port;
    d.connections = o.connections;
    d.batch = o.batch;
    LiveCounters live;
    DriveResult r = drive(set, d, live);
    if (r.committed != set.size())
        throw std::runtime_error(std::to_string(set.size() - r.committed) + " of " + std::to_string(set.size()) +
                                 " transfers did not commit");
    return r;
}

int run(const Options& o) {
    if (o.phones == 0 || o.phones > phones_max) throw std::invalid_argument("--phones must be 1 to 1000");
    Gateway gateway{std::chrono::milliseconds(o.latency_ms)};
    const double load_before = load_average_1m();
    const std::filesystem::path dir = make_temp_dir("outbox-bench");
    std::vector<std::string> args{"--requests-per-second-max", "0",
                                  "--sms-provider", "http",
                                  "--sms-url", "http://127.0.0.1:" + std::to_string(gateway.port()) + "/send",
                                  // Each lookup is a phone the bench sends to, no more.
                                  "--phone-lookups-per-minute", std::to_string(phones_max),
                                  "--phone-lookups-per-staff-key-per-hour", std::to_string(phones_max),
                                  // A sender that met the down gateway's 503 tries again soon.
                                  "--outbox-retry-first-ms", "100", "--outbox-retry-max-ms", "500",
                                  "--outbox-attempts-max", "1000",
                                  // Credits for every message the bench makes: none is held.
                                  "--sms-credits-free", "1000000000"};
    args.push_back("--outbox-senders");
    args.push_back(std::to_string(o.senders));
    NodeProcess node(o.kopilkad, dir / "data", dir / "node.log", args);
    node.init();
    node.start();
    rpc::Client c("127.0.0.1", node.port());

    // A venue, and its owner looks up the phones it will pay.
    const json::value info = c.call("node.info");
    ChainId chain{};
    const auto raw = from_hex(std::string(info.at("chain_id").as_string()));
    if (!raw || raw->size() != chain.size()) throw std::runtime_error("node.info gave no chain id");
    std::copy(raw->begin(), raw->end(), chain.begin());
    const KeyPair owner = KeyPair::generate();
    const std::string ticker = "OUTBOX";
    Sender sender(chain, owner, ticker, {});
    {
        ledger::Profile profile;
        profile.name = "Outbox bench";
        SignedSet one;
        one.append(sender.sign(ledger::VenueCreate{ticker, profile}), Kind::transfer);
        submit_all(one, o, node.port());
    }
    std::vector<ledger::Account> phones;
    for (std::size_t i = 0; i < o.phones; ++i) {
        char typed[64];
        std::snprintf(typed, sizeof typed, "+7 900 555-%02zu-%02zu", i / 100, i % 100);
        const std::uint64_t time_ms = c.call("node.info").at("time_ms").to_number<std::uint64_t>();
        const auto message = ledger::lookup_request_bytes(typed, time_ms);
        if (!message) throw std::logic_error("a phone number too long to sign");
        const json::value r = c.call(
            "phone.lookup", json::object{{"phone", typed},
                                         {"key", address_from_key(owner.public_key())},
                                         {"time_ms", time_ms},
                                         {"signature", to_hex(owner.sign(Domain::lookup, chain, *message).view())}});
        auto a = ledger::account_from_text(std::string(r.at("account").as_string()));
        if (!a) throw std::runtime_error("phone.lookup gave no account");
        phones.push_back(*a);
    }
    Sender pay(chain, owner, ticker, phones);

    // 1. The backlog, while the gateway is down.
    std::fprintf(stderr, "signing and committing %zu transfers to %zu phones (the gateway down)...\n", o.messages,
                 o.phones);
    const SignedSet backlog = pay.transfers(o.messages);
    const DriveResult built = submit_all(backlog, o, node.port());
    const OutboxCounts owed = outbox_counts(c);

    // 2. The drain.
    const ProcSample cpu_before = sample_process(node.pid());
    const auto up_at = SteadyClock::now();
    gateway.up();
    SteadyClock::time_point recorded_at{};
    for (;;) {
        const OutboxCounts n = outbox_counts(c);
        if (n.pending == 0 && n.sent + n.dead >= o.messages) {
            recorded_at = SteadyClock::now();
            break;
        }
        if (SteadyClock::now() - up_at > drain_timeout_s)
            throw std::runtime_error("the outbox did not drain within " + std::to_string(drain_timeout_s.count()) +
                                     " s: " + std::to_string(n.pending) + " pending");
        std::this_thread::sleep_for(poll_ms);
    }
    const ProcSample cpu_after = sample_process(node.pid());
    const Gateway::Counts drained = gateway.counts();
    const OutboxCounts after_drain = outbox_counts(c);
    const double taken_s = seconds_between(up_at, drained.last_new_key);
    const double recorded_s = seconds_between(up_at, recorded_at);
    const double drain_cpu_s = cpu_after.cpu_s - cpu_before.cpu_s;

    // 3. Messages while transfers flow.
    double flow_rate = 0, flow_tx_rate = 0, flow_cpu_s = 0, flow_s = 0;
    std::uint64_t flow_pending_max = 0, flow_messages = 0;
    if (o.flow > 0) {
        const SignedSet more = pay.transfers(o.flow);
        std::atomic<bool> flowing{true};
        std::atomic<std::uint64_t> pending_max{0};
        std::thread watch([&] {
            rpc::Client w("127.0.0.1", node.port());
            while (flowing) {
                pending_max = std::max<std::uint64_t>(pending_max, outbox_counts(w).pending);
                std::this_thread::sleep_for(poll_ms * 5);
            }
        });
        const ProcSample before = sample_process(node.pid());
        const std::uint64_t accepted_before = gateway.counts().accepted;
        const auto start = SteadyClock::now();
        const DriveResult r = submit_all(more, o, node.port());
        while (gateway.counts().accepted < accepted_before + o.flow &&
               SteadyClock::now() - start < drain_timeout_s)
            std::this_thread::sleep_for(poll_ms);
        flowing = false;
        watch.join();
        const Gateway::Counts g = gateway.counts();
        flow_messages = g.accepted - accepted_before;
        flow_s = seconds_between(start, g.last_new_key);
        flow_rate = static_cast<double>(flow_messages) / flow_s;
        flow_tx_rate = r.tx_per_s();
        flow_cpu_s = sample_process(node.pid()).cpu_s - before.cpu_s;
        flow_pending_max = pending_max;
    }
    const Gateway::Counts total = gateway.counts();
    const OutboxCounts final_counts = outbox_counts(c);
    node.stop();
    const double load_after = load_average_1m();
    // The run's own check (never a timing): every message sent, once each as
    // far as the gateway could tell, none dead.
    std::vector<std::string> problems;
    if (final_counts.sent != o.messages + o.flow || final_counts.dead != 0 || final_counts.pending != 0)
        problems.push_back("the node counts " + std::to_string(final_counts.sent) + " sent, " +
                           std::to_string(final_counts.dead) + " dead, " + std::to_string(final_counts.pending) +
                           " pending of " + std::to_string(o.messages + o.flow));
    if (total.accepted != o.messages + o.flow)
        problems.push_back("the gateway took " + std::to_string(total.accepted) + " distinct messages of " +
                           std::to_string(o.messages + o.flow));

    std::printf("outbox bench: %zu messages, --outbox-senders %u, %zu phones, a gateway on 127.0.0.1 in this process "
                "answering after %llu ms\n",
                o.messages, o.senders, o.phones, static_cast<unsigned long long>(o.latency_ms));
    std::printf("backlog: %zu transfers committed in %.1f s (%.0f tx/s); %llu pending when the gateway came up\n",
                built.txs, built.seconds, built.tx_per_s(), static_cast<unsigned long long>(owed.pending));
    std::printf("drain: the gateway took %llu distinct messages in %.2f s: %.0f messages/s; the node recorded all "
                "sent after %.2f s (%.0f messages/s; polled every %lld ms)\n",
                static_cast<unsigned long long>(drained.accepted), taken_s,
                static_cast<double>(drained.accepted) / taken_s, recorded_s,
                static_cast<double>(o.messages) / recorded_s, static_cast<long long>(poll_ms.count()));
    std::printf("drain: node CPU %.2f s over %.2f s (%.2f cores); sent %llu, dead %llu\n", drain_cpu_s, recorded_s,
                drain_cpu_s / recorded_s, static_cast<unsigned long long>(after_drain.sent),
                static_cast<unsigned long long>(after_drain.dead));
    if (o.flow > 0)
        std::printf("flow: %zu transfers at %.0f tx/s; %llu messages delivered in %.2f s from the first submit: %.0f "
                    "messages/s; at most %llu pending; node CPU %.2f cores\n",
                    o.flow, flow_tx_rate, static_cast<unsigned long long>(flow_messages), flow_s, flow_rate,
                    static_cast<unsigned long long>(flow_pending_max), flow_cpu_s / flow_s);
    std::printf("gateway: %llu requests, %llu answered 503 while down, %llu duplicates (a key taken twice)\n",
                static_cast<unsigned long long>(total.requests), static_cast<unsigned long long>(total.refused),
                static_cast<unsigned long long>(total.duplicates));
    std::printf("load average (1 min) %.2f before, %.2f after%s\n", load_before, load_after,
                std::max(load_before, load_after) > busy_load_per_core * std::thread::hardware_concurrency() ? ": the machine was busy, the rates are low and noisy" : "");
    for (const auto& p : problems) std::printf("problem: %s\n", p.c_str());
    if (o.json_out)
        std::cout << json::serialize(json::object{
                         {"messages", o.messages},
                         {"senders", o.senders},
                         {"latency_ms", o.latency_ms},
                         {"backlog_tx_per_s", built.tx_per_s()},
                         {"drain_taken_s", taken_s},
                         {"drain_messages_per_s", static_cast<double>(drained.accepted) / taken_s},
                         {"drain_recorded_s", recorded_s},
                         {"drain_node_cores", drain_cpu_s / recorded_s},
                         {"flow", o.flow},
                         {"flow_messages_per_s", flow_rate},
                         {"flow_pending_max", flow_pending_max},
                         {"requests", total.requests},
                         {"accepted", total.accepted},
                         {"duplicates", total.duplicates},
                         {"sent", final_counts.sent},
                         {"dead", final_counts.dead},
                         {"load_average", std::max(load_before, load_after)},
                         {"problems", json::array(problems.begin(), problems.end())}})
                  << "\n";
    if (!o.keep_datadir) std::filesystem::remove_all(dir);
    else std::cerr << "data dir kept: " << dir << "\n";
    return problems.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"kopilka-outbox-bench: the outbox's delivery rate to a local fake SMS gateway"};
    app.add_option("--kopilkad", o.kopilkad, "the kopilkad to start")->capture_default_str();
    app.add_option("--messages", o.messages, "the backlog: messages owed when the gateway comes up")->capture_default_str();
    app.add_option("--senders", o.senders, "the node's --outbox-senders")->capture_default_str();
    app.add_option("--flow", o.flow, "transfers sent with the gateway up, after the drain (0: none)")->capture_default_str();
    app.add_option("--latency-ms", o.latency_ms, "the gateway answers each message this late (a provider's round trip)")
        ->capture_default_str();
    app.add_option("--phones", o.phones, "phones the transfers go to, in turn")->capture_default_str();
    app.add_option("--connections", o.connections, "JSON-RPC connections submitting transfers")->capture_default_str();
    app.add_option("--batch", o.batch, "tx.submit calls in one JSON-RPC batch")->capture_default_str();
    app.add_flag("--json", o.json_out, "the figures as JSON too, on the last line");
    app.add_flag("--keep-datadir", o.keep_datadir, "keep the data dir (and the node's log)");
    CLI11_PARSE(app, argc, argv);
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::cerr << "kopilka-outbox-bench: " << e.what() << "\n";
        return 1;
    }
}
