// kopilka-bench — how fast a kopilkad commits, against this machine's limits.
//
//   kopilka-bench [--txs N] [--connections K] [--batch B] [--mix transfer=60,gift=10,redeem=30] ...
//   kopilka-bench --quick --json          (seconds; what the test suite runs)
//   kopilka-bench --node HOST:PORT --datadir DIR   (a node already running)
//
// Phases: the Ed25519 verification bound (nothing else of ours running);
// start a node on a temporary data dir; set up venues, staff, clients and
// products over RPC; pre-sign the load (not timed); the peak (closed loop);
// half the peak (open loop, paced); checks that every transaction committed
// exactly once; stop the node; disk use; the offline audit. docs/performance.md
// explains each figure and what bounds it.
#include "bench/drive.h"
#include "bench/machine.h"
#include "bench/node_process.h"
#include "bench/report.h"
#include "bench/workload.h"

#include "ledger/audit.h"
#include "ledger/store.h"
#include "rpc/client.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>
#include <thread>

using namespace kopilka;
using namespace kopilka::bench;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// The targets.
constexpr double target_peak_share = 0.70;     // committed synced throughput / verification bound
constexpr double target_half_p99_ms = 50;      // p99 submit-to-commit at half the peak
constexpr double target_audit_share = 0.80;    // audit replay / verification bound
constexpr double target_purchase_share = 0.80; // purchases' committed throughput / the peak's (issue 15)
// After the programme's effective_from_s, before the first purchase: the
// node's block time is its wall clock, read when it starts a block.
constexpr std::uint64_t programme_margin_s = 2;
constexpr double target_rss_bytes = 1024.0 * 1024 * 1024;
constexpr double target_rss_accounts = 1'000'000;
constexpr double target_rss_txs = 10'000'000;

constexpr std::size_t setup_batch_max = 200;      // setup requests per batch
constexpr std::size_t tx_get_checks_max = 1000;   // tx.get spot checks after the run
constexpr std::size_t rss_samples_max = 400;      // kept in the JSON report

struct Options {
    std::string kopilkad;
    std::string node;        // HOST:PORT of a running node; empty: start one
    std::string datadir;     // with --node: that node's data dir; else where to create ours
    int node_pid = 0;        // with --node: its pid, for CPU and memory
    std::size_t txs = 20'000;
    std::size_t connections = 16;
    std::size_t batch = 32;
    WorkloadOptions workload;
    std::string mix = "transfer=60,gift=10,redeem=30";
    bool quick = false;
    bool json_out = false;
    bool keep_datadir = false;
    double half_fraction = 0.5;
    std::size_t half_txs = 0;            // 0: txs / 2 (at most 200,000)
    std::size_t half_connections = 64;
    std::size_t half_batch = 0;          // 0: the peak's --batch, so half the load is half the work
    double verify_seconds = 1.5;
    bool audit = true;
    bool half_load = true;
    bool purchases = false;  // a phase of --txs purchases after the peak, with its connections and batch
    // Passed to kopilkad run.
    std::optional<unsigned> block_interval_ms, block_txs_max, verify_threads, io_threads;
    std::optional<std::size_t> mempool_txs_max, batch_requests_max;
    std::vector<std::string> node_args;
};

std::uint64_t now_s() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::filesystem::path default_kopilkad() {
    // Next to this program when installed together; else the one built with it.
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto sibling = self.parent_path() / "kopilkad";
        if (std::filesystem::exists(sibling, ec)) return sibling;
    }
    return KOPILKAD_BIN;
}

json::object latency_json(const Latency& l) {
    return {{"count", l.count}, {"mean", l.mean}, {"p50", l.p50}, {"p95", l.p95},
            {"p99", l.p99},     {"p999", l.p999}, {"max", l.max}};
}

// A metric from GET /metrics, or NaN.
double metric(rpc::Client& c, std::string_view name) {
    const auto res = c.get("/metrics");
    const std::string head = std::string(name) + " ";
    std::size_t at = 0;
    while ((at = res.body.find(head, at)) != std::string::npos) {
        if (at == 0 || res.body[at - 1] == '\n') return std::strtod(res.body.c_str() + at + head.size(), nullptr);
        at += head.size();
    }
    return NAN;
}

// Sends one setup round: every transaction must commit.
void run_setup_round(const std::vector<ledger::SignedTx>& round, const Options& o, const std::string& host,
                     std::uint16_t port, LiveCounters& live) {
    SignedSet set;
    for (const auto& stx : round) set.append(stx, Kind::transfer);
    DriveOptions d;
    d.host = host;
    d.port = port;
    d.connections = std::max<std::size_t>(1, std::min<std::size_t>(o.connections, 8));
    d.batch = std::min(setup_batch_max, std::max<std::size_t>(1, (set.size() + d.connections - 1) / d.connections));
    auto r = drive(set, d, live);
    if (r.failed != 0) {
        std::string why;
        for (const auto& s : r.error_samples) why += "\n  " + s;
        throw std::runtime_error("setup: " + std::to_string(r.failed) + " of " + std::to_string(set.size()) +
                                 " transactions did not commit:" + why);
    }
}

struct PhaseFigures {
    DriveResult result;
    double node_cpu_s = NAN;
    double bench_cpu_s = 0;
    std::vector<double> thread_busy;  // the node's threads' CPU / wall time, busiest first
};

// One timed drive with the node's and our own CPU around it.
PhaseFigures timed_drive(const SignedSet& set, const DriveOptions& d, int pid, LiveCounters& live) {
    PhaseFigures f;
    const ProcSample node0 = sample_process(pid);
    const auto threads0 = thread_cpu(pid);
    const ProcSample self0 = sample_self();
    f.result = drive(set, d, live);
    const ProcSample node1 = sample_process(pid);
    const auto threads1 = thread_cpu(pid);
    f.bench_cpu_s = sample_self().cpu_s - self0.cpu_s;
    if (node0.ok && node1.ok) f.node_cpu_s = node1.cpu_s - node0.cpu_s;
    // A serial stage (the block producer is one thread) shows as one thread
    // busy nearly all the time while the others are not.
    for (const auto& [tid, cpu] : threads1) {
        double before = 0;
        for (const auto& [tid0, cpu0] : threads0)
            if (tid0 == tid) before = cpu0;
        if (f.result.seconds > 0) f.thread_busy.push_back((cpu - before) / f.result.seconds);
    }
    std::sort(f.thread_busy.rbegin(), f.thread_busy.rend());
    f.thread_busy.resize(std::min<std::size_t>(f.thread_busy.size(), 6));
    return f;
}

json::object phase_json(const PhaseFigures& f, const std::string& label, double bound_tx, unsigned cores,
                        double verify_cpu_us_per_tx) {
    const DriveResult& r = f.result;
    json::object o;
    o["label"] = label;
    o["txs"] = r.txs;
    o["committed"] = r.committed;
    o["failed"] = r.failed;
    o["retries"] = r.retries;
    o["requests"] = r.requests;
    o["transport_errors"] = r.transport_errors;
    o["seconds"] = r.seconds;
    o["tx_per_s"] = r.tx_per_s();
    o["pct_of_bound"] = bound_tx > 0 ? 100.0 * r.tx_per_s() / bound_tx : 0.0;
    o["latency_ms"] = latency_json(summarize(r.latency_ms));
    if (!std::isnan(f.node_cpu_s)) {
        o["node_cpu_s"] = f.node_cpu_s;
        o["node_cpu_us_per_tx"] = r.committed ? 1e6 * f.node_cpu_s / static_cast<double>(r.committed) : 0.0;
        o["node_cpu_cores"] = r.seconds > 0 ? f.node_cpu_s / r.seconds : 0.0;
        o["node_cpu_share_of_machine"] = r.seconds > 0 ? f.node_cpu_s / r.seconds / cores : 0.0;
        // Of the node's CPU, the share its signature checks need: the most
        // of the bound a CPU-bound node could reach on an idle machine,
        // whatever the load was during this run.
        if (r.committed && f.node_cpu_s > 0)
            o["verify_share_of_node_cpu"] =
                verify_cpu_us_per_tx / (1e6 * f.node_cpu_s / static_cast<double>(r.committed));
    }
    o["bench_cpu_s"] = f.bench_cpu_s;
    o["bench_cpu_us_per_tx"] = r.committed ? 1e6 * f.bench_cpu_s / static_cast<double>(r.committed) : 0.0;
    o["node_threads_busy"] = json::value_from(f.thread_busy);
    return o;
}

std::string live_status(const LiveCounters& live, std::size_t total, Clock::time_point start) {
    const double s = seconds_since(start);
    const auto c = live.committed.load();
    std::string line = group(static_cast<double>(c)) + "/" + group(static_cast<double>(total)) + " committed, " +
                       group(s > 0 ? static_cast<double>(c) / s : 0) + " tx/s";
    if (const auto f = live.failed.load()) line += ", " + group(static_cast<double>(f)) + " failed";
    if (const auto r = live.retried.load()) line += ", " + group(static_cast<double>(r)) + " retried";
    return line;
}

json::object target(std::string name, std::string value, std::optional<bool> met, std::string note = "") {
    json::object t{{"name", std::move(name)}, {"value", std::move(value)}};
    t["met"] = met ? json::value(*met) : json::value(nullptr);
    if (!note.empty()) t["note"] = std::move(note);
    return t;
}

int run(Options& o, const std::string& command_line) {
    auto mix = Mix::parse(o.mix);
    if (!mix) throw std::invalid_argument(mix.error());
    o.workload.mix = *mix;
    o.workload.programme = o.purchases || mix->purchase > 0;
    const std::size_t purchase_txs = o.purchases ? o.txs : 0;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const bool external = !o.node.empty();
    if (!o.half_load) o.half_txs = 0;
    else if (o.half_txs == 0) o.half_txs = std::max<std::size_t>(1, std::min<std::size_t>(o.txs / 2, 200'000));
    if (o.half_fraction <= 0 || o.half_fraction > 1) throw std::invalid_argument("--half-load must be in (0, 1]");
    // The same request shape as the peak: a single-transaction request costs
    // the node ~1.6 times the CPU of one in a batch of 32, so half the batched
    // peak sent one by one is most of what the node can take that way.
    if (o.half_batch == 0) o.half_batch = o.batch;

    json::object rep;
    rep["version"] = 1;
    rep["command"] = command_line;
    rep["seed"] = o.workload.seed;
    json::object machine{{"cores", cores}, {"load_1m_start", load_average_1m()}};
    Progress progress(true);

    // 1. This machine's verification bound, before our node runs.
    progress.phase("verification bound");
    const VerifyBound vb = measure_verify_bound(o.verify_seconds);
    const double sig_per_tx = o.workload.mix.signatures_per_tx();
    const double bound_tx = vb.per_s() / sig_per_tx;
    progress.done(group(vb.per_s()) + " Ed25519 verifications/s on " + std::to_string(vb.threads) + " threads");
    machine["verify_threads"] = vb.threads;
    // The CPU a transaction's signatures cost, whatever else the machine runs.
    const double verify_cpu_us_per_tx = vb.cpu_us_per_verify() * sig_per_tx;
    rep["bound"] = json::object{{"verify_per_s", vb.per_s()},
                                {"verify_seconds", vb.seconds},
                                {"verify_cpu_us", vb.cpu_us_per_verify()},
                                {"signatures_per_tx", sig_per_tx},
                                {"verify_cpu_us_per_tx", verify_cpu_us_per_tx},
                                {"tx_per_s", bound_tx},
                                {"cpu_tx_per_s", verify_cpu_us_per_tx > 0 ? 1e6 * cores / verify_cpu_us_per_tx : 0.0}};

    // 2. The node.
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    int pid = 0;
    std::unique_ptr<NodeProcess> node;
    std::filesystem::path work_dir, data_dir;
    std::vector<std::string> run_args;
    auto pass = [&](const char* flag, const auto& value) {
        if (value) run_args.insert(run_args.end(), {flag, std::to_string(*value)});
    };
    pass("--block-interval-ms", o.block_interval_ms);
    pass("--block-txs-max", o.block_txs_max);
    pass("--verify-threads", o.verify_threads);
    pass("--io-threads", o.io_threads);
    pass("--mempool-txs-max", o.mempool_txs_max);
    pass("--batch-requests-max", o.batch_requests_max);
    run_args.insert(run_args.end(), o.node_args.begin(), o.node_args.end());
    // Big batches answer only when their last transaction commits.
    if (!o.batch_requests_max && o.batch > 1000) run_args.insert(run_args.end(), {"--batch-requests-max", std::to_string(o.batch)});
    // One client address drives the whole load: the node's per-address
    // request limit (docs/node.md, Limits) would measure itself, not the node.
    if (!external) run_args.insert(run_args.begin(), {"--requests-per-second-max", "0"});

    if (external) {
        if (!run_args.empty()) throw std::invalid_argument("node tuning flags need a node the benchmark starts (not --node)");
        const auto colon = o.node.rfind(':');
        if (colon == std::string::npos) throw std::invalid_argument("--node must be HOST:PORT");
        host = o.node.substr(0, colon);
        port = static_cast<std::uint16_t>(std::stoul(o.node.substr(colon + 1)));
        pid = o.node_pid;
        if (!o.datadir.empty()) data_dir = o.datadir;
        // Tickers new to that chain.
        std::mt19937_64 rng(std::random_device{}());
        o.workload.ticker_prefix = "B";
        for (int i = 0; i < 2; ++i) o.workload.ticker_prefix += static_cast<char>('A' + rng() % 26);
    } else {
        work_dir = o.datadir.empty() ? make_temp_dir("bench") : std::filesystem::path(o.datadir);
        std::filesystem::create_directories(work_dir);
        data_dir = work_dir / "data";
        node = std::make_unique<NodeProcess>(o.kopilkad.empty() ? default_kopilkad() : std::filesystem::path(o.kopilkad),
                                             data_dir, work_dir / "kopilkad.log", run_args);
        progress.phase("starting kopilkad");
        node->init();
        node->start();
        port = node->port();
        pid = node->pid();
        progress.done("listening on " + host + ":" + std::to_string(port) + ", data in " + data_dir.string());
    }
    rep["config"] = json::object{
        {"txs", o.txs},
        {"connections", o.connections},
        {"batch", o.batch},
        {"venues", o.workload.venues},
        {"staff_per_venue", o.workload.staff_per_venue},
        {"products_per_venue", o.workload.products_per_venue},
        {"clients", o.workload.clients},
        {"funded_clients", o.workload.funded_clients},
        {"mix", o.workload.mix.text()},
        {"tx_ttl_s", o.workload.tx_ttl_s},
        {"purchase_txs", purchase_txs},
        {"half_load_fraction", o.half_fraction},
        {"half_load_txs", o.half_txs},
        {"half_load_connections", o.half_connections},
        {"half_load_batch", o.half_batch},
        {"node", external ? "external " + o.node : "started by the benchmark"},
        {"node_args", json::value_from(run_args)},
        {"data_dir", data_dir.string()},
    };

    try {
        rpc::Client rpc_client(host, port);
        rpc_client.set_timeout(std::chrono::seconds(120));
        const auto info = rpc_client.call("node.info");
        ChainId chain{};
        {
            auto raw = from_hex(std::string(info.at("chain_id").as_string()));
            if (!raw || raw->size() != chain.size()) throw std::runtime_error("node.info gave no chain id");
            std::copy(raw->begin(), raw->end(), chain.begin());
        }
        const double committed_before = metric(rpc_client, "kopilka_tx_committed_total");

        // 3. The workload and its setup.
        progress.phase("planning");
        Workload workload(o.workload);
        workload.plan(o.txs + o.half_txs);
        if (purchase_txs > 0) workload.plan(purchase_txs, Mix{0, 0, 0, 100});
        const std::uint64_t signed_at = now_s();
        const auto rounds = workload.setup(chain, signed_at);
        progress.done(group(static_cast<double>(workload.planned())) + " transactions planned, " +
                      group(static_cast<double>(workload.accounts())) + " accounts");
        std::size_t setup_txs = 0;
        for (const auto& r : rounds) setup_txs += r.size();
        LiveCounters setup_live;
        const auto setup_start = Clock::now();
        progress.phase("setup", [&] { return live_status(setup_live, setup_txs, setup_start); });
        for (const auto& r : rounds) run_setup_round(r, o, host, port, setup_live);
        const double setup_s = seconds_since(setup_start);
        progress.done(group(static_cast<double>(setup_txs)) + " setup transactions committed");
        const ProcSample after_setup = sample_process(pid);

        // 4. Pre-sign (not timed against the node; the node is idle meanwhile).
        std::atomic<std::size_t> signed_count{0};
        const std::size_t to_sign = o.txs + o.half_txs + purchase_txs;
        const auto sign_start = Clock::now();
        progress.phase("signing", [&] {
            return group(static_cast<double>(signed_count.load())) + "/" + group(static_cast<double>(to_sign));
        });
        const SignedSet peak_set = workload.sign(chain, signed_at, 0, o.txs, cores,
                                                 [&](std::size_t n) { signed_count = n; });
        const SignedSet half_set = workload.sign(chain, signed_at, o.txs, o.txs + o.half_txs, cores,
                                                 [&](std::size_t n) { signed_count = o.txs + n; });
        const SignedSet purchase_set =
            workload.sign(chain, signed_at, o.txs + o.half_txs, o.txs + o.half_txs + purchase_txs, cores,
                          [&](std::size_t n) { signed_count = o.txs + o.half_txs + n; });
        const double sign_s = seconds_since(sign_start);
        progress.done(group(static_cast<double>(to_sign)) + " transactions signed");
        rep["setup"] = json::object{{"txs", setup_txs}, {"seconds", setup_s}, {"sign_seconds", sign_s}};

        // 5. The peak: closed loop, K connections, batches of B.
        json::object phases;
        LiveCounters peak_live;
        json::array rss_samples;
        std::uint64_t hwm_seen = after_setup.hwm_bytes;
        std::uint64_t rss_max = after_setup.rss_bytes;  // while serving; VmHWM also holds the start (key decryption)
        auto sample_rss = [&](std::uint64_t base_txs, const LiveCounters& live) {
            const ProcSample s = sample_process(pid);
            if (!s.ok) return;
            hwm_seen = std::max(hwm_seen, s.hwm_bytes);
            rss_max = std::max(rss_max, s.rss_bytes);
            if (rss_samples.size() < rss_samples_max)
                rss_samples.push_back(json::array{base_txs + live.committed.load(), s.rss_bytes});
        };
        DriveOptions peak_opts;
        peak_opts.host = host;
        peak_opts.port = port;
        peak_opts.connections = o.connections;
        peak_opts.batch = o.batch;
        // Purchases are refused until the programme is in force.
        const std::uint64_t programme_from_s = signed_at + programme_delay_s + programme_margin_s;
        auto wait_for_programme = [&] {
            if (!o.workload.programme || now_s() >= programme_from_s) return;
            progress.phase("waiting for the programme to take effect");
            while (now_s() < programme_from_s) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            progress.done();
        };
        if (o.workload.mix.purchase > 0) wait_for_programme();
        const auto peak_start = Clock::now();
        std::size_t tick = 0;
        progress.phase("peak", [&] {
            // Memory every second (every fourth tick).
            if (tick++ % 4 == 0) sample_rss(setup_txs, peak_live);
            return live_status(peak_live, o.txs, peak_start);
        });
        const PhaseFigures peak = timed_drive(peak_set, peak_opts, pid, peak_live);
        progress.done(group(peak.result.tx_per_s()) + " tx/s committed");
        phases["setup"] = json::object{{"label", "setup (" + std::to_string(setup_txs) + " txs)"},
                                       {"committed", setup_txs},
                                       {"seconds", setup_s},
                                       {"tx_per_s", setup_s > 0 ? static_cast<double>(setup_txs) / setup_s : 0.0}};
        phases["peak"] = phase_json(peak, "peak (K=" + std::to_string(o.connections) + ", B=" + std::to_string(o.batch) + ")",
                                    bound_tx, cores, verify_cpu_us_per_tx);
        phases["peak"].as_object()["connections"] = o.connections;
        phases["peak"].as_object()["batch"] = o.batch;

        // 5b. Purchases under the venues' 10-rule programme: as many as the
        // peak, closed loop, the same connections and batch (issue 15).
        std::optional<PhaseFigures> purch;
        if (purchase_txs > 0) {
            wait_for_programme();
            LiveCounters purch_live;
            const auto purch_start = Clock::now();
            tick = 0;
            progress.phase("purchases", [&] {
                if (tick++ % 4 == 0) sample_rss(setup_txs + peak.result.committed, purch_live);
                return live_status(purch_live, purchase_txs, purch_start);
            });
            purch = timed_drive(purchase_set, peak_opts, pid, purch_live);
            progress.done(group(purch->result.tx_per_s()) + " tx/s committed");
            // One signature a purchase (pay 0): its bound is the verification rate itself.
            auto pj = phase_json(*purch, "purchases (K=" + std::to_string(o.connections) + ", B=" + std::to_string(o.batch) + ")",
                                 vb.per_s(), cores, vb.cpu_us_per_verify());
            pj["connections"] = o.connections;
            pj["batch"] = o.batch;
            pj["rules"] = Workload::programme(0).rules.size();
            const double peak_rate = peak.result.tx_per_s();
            pj["share_of_peak"] = peak_rate > 0 ? purch->result.tx_per_s() / peak_rate : 0.0;
            phases["purchases"] = std::move(pj);
        }

        // 6. Half the peak: open loop, one transaction a request, paced.
        std::optional<PhaseFigures> half;
        double half_rate = o.half_fraction * peak.result.tx_per_s();
        if (o.half_txs > 0 && half_rate > 0) {
            DriveOptions half_opts;
            half_opts.host = host;
            half_opts.port = port;
            half_opts.connections = o.half_connections;
            half_opts.batch = o.half_batch;
            half_opts.rate_per_s = half_rate;
            LiveCounters half_live;
            const auto half_start = Clock::now();
            tick = 0;
            progress.phase("half load", [&] {
                if (tick++ % 4 == 0)
                    sample_rss(setup_txs + peak.result.committed + (purch ? purch->result.committed : 0), half_live);
                return live_status(half_live, o.half_txs, half_start) + " (target " + group(half_rate) + ")";
            });
            half = timed_drive(half_set, half_opts, pid, half_live);
            progress.done("p99 " + fixed(summarize(half->result.latency_ms).p99, 1) + " ms at " +
                          group(half->result.tx_per_s()) + " tx/s");
            auto h = phase_json(*half, "half load (open, " + group(half_rate) + "/s, B=" + std::to_string(o.half_batch) + ")",
                                bound_tx, cores, verify_cpu_us_per_tx);
            h["target_tx_per_s"] = half_rate;
            h["connections"] = o.half_connections;
            h["batch"] = o.half_batch;
            h["send_lag_max_ms"] = half->result.send_lag_max_ms;
            phases["half_load"] = std::move(h);
        }
        rep["phases"] = std::move(phases);

        // 7. Did every transaction commit exactly once?
        progress.phase("checking");
        json::array problems;
        const std::uint64_t answered =
            peak.result.committed + (half ? half->result.committed : 0) + (purch ? purch->result.committed : 0);
        const std::uint64_t expected = o.txs + (half ? o.half_txs : 0) + purchase_txs;
        if (answered != expected)
            problems.push_back(json::value(std::to_string(expected - answered) + " transactions were not answered \"committed\""));
        const double committed_after = metric(rpc_client, "kopilka_tx_committed_total");
        const double metric_delta = committed_after - committed_before;
        if (!external && metric_delta != static_cast<double>(setup_txs + expected))
            problems.push_back(json::value("the node's kopilka_tx_committed_total rose by " + group(metric_delta) +
                                           ", expected " + group(static_cast<double>(setup_txs + expected))));
        std::size_t get_checked = 0, get_committed = 0;
        {
            std::vector<const Hash256*> ids;
            for (const auto* set : {&peak_set, &purchase_set}) 
                for (const auto& id : set->ids) ids.push_back(&id);
            if (half)
                for (const auto& id : half_set.ids) ids.push_back(&id);
            std::mt19937_64 rng(o.workload.seed);
            if (ids.size() > tx_get_checks_max) {
                std::shuffle(ids.begin(), ids.end(), rng);
                ids.resize(tx_get_checks_max);
            }
            for (const Hash256* id : ids) {
                ++get_checked;
                auto r = rpc_client.call("tx.get", json::object{{"id", to_hex(*id)}});
                if (r.at("status").as_string() == "committed") ++get_committed;
            }
            if (get_committed != get_checked)
                problems.push_back(json::value(std::to_string(get_checked - get_committed) + " of " +
                                               std::to_string(get_checked) + " sampled transactions are not committed (tx.get)"));
        }
        const auto info_end = rpc_client.call("node.info");
        const std::uint64_t height = info_end.at("height").to_number<std::uint64_t>();
        progress.done();

        // 8. Memory, then stop the node so RocksDB closes its files.
        json::object node_o;
        const ProcSample end_sample = sample_process(pid);
        if (end_sample.ok) hwm_seen = std::max(hwm_seen, end_sample.hwm_bytes);
        if (after_setup.ok) node_o["rss_after_setup_bytes"] = after_setup.rss_bytes;
        if (end_sample.ok) {
            rss_max = std::max(rss_max, end_sample.rss_bytes);
            node_o["rss_end_bytes"] = end_sample.rss_bytes;
            node_o["rss_max_serving_bytes"] = rss_max;
            node_o["rss_peak_bytes"] = hwm_seen;
            node_o["cpu_total_s"] = end_sample.cpu_s;
        }
        const std::uint64_t chain_txs = (external ? 0 : setup_txs) + answered;
        node_o["accounts"] = workload.accounts();
        node_o["chain_txs"] = chain_txs;
        node_o["height"] = height;
        if (end_sample.ok && after_setup.ok && answered > 0)
            node_o["rss_growth_per_tx_bytes"] =
                (static_cast<double>(end_sample.rss_bytes) - static_cast<double>(after_setup.rss_bytes)) /
                static_cast<double>(answered);
        node_o["rss_samples"] = std::move(rss_samples);
        if (node) {
            progress.phase("stopping kopilkad");
            const auto stop_start = Clock::now();
            const int rc = node->stop();
            node_o["stop_seconds"] = seconds_since(stop_start);
            node_o["exit_status"] = rc;
            progress.done("exit status " + std::to_string(rc));
            if (rc != 0) problems.push_back(json::value("kopilkad exited with status " + std::to_string(rc)));
        }
        rep["node"] = std::move(node_o);

        // 9. Disk.
        if (!data_dir.empty()) {
            const auto ledger_dir = data_dir / "ledger";
            const DiskUse as_left = disk_use(ledger_dir);
            DiskUse d = as_left;
            std::string note;
            if (external) {
                note = "the node is running and the chain may hold other transactions";
            } else if (as_left.wal_bytes > 0) {
                // RocksDB does not flush its memtables at close when it has a
                // WAL; opening the store replays the WAL into tables, so the
                // figure counts tables, as a long-running node's disk would.
                auto reopened = ledger::Store::open(ledger_dir, ledger::Store::Mode::open_existing);
                if (reopened) {
                    reopened->reset();
                    d = disk_use(ledger_dir);
                    note = "after replaying the node's WAL into tables";
                } else {
                    note = "the WAL holds what is not yet flushed into tables";
                }
            }
            json::object disk{{"total_bytes", d.total_bytes},
                              {"sst_bytes", d.sst_bytes},
                              {"wal_bytes", d.wal_bytes},
                              {"files", d.files},
                              {"as_left_total_bytes", as_left.total_bytes},
                              {"as_left_wal_bytes", as_left.wal_bytes},
                              {"chain_txs", chain_txs}};
            disk["bytes_per_tx"] = chain_txs ? static_cast<double>(d.total_bytes) / static_cast<double>(chain_txs) : 0.0;
            disk["sst_bytes_per_tx"] = chain_txs ? static_cast<double>(d.sst_bytes) / static_cast<double>(chain_txs) : 0.0;
            if (!note.empty()) disk["note"] = note;
            rep["disk"] = std::move(disk);
        }

        // 10. The offline audit, against the bound measured again right
        // before and right after it (both counted together): another
        // tenant's load moves the bound between the start and the end of a
        // run, and within a minute, so the share should compare like with
        // like.
        if (o.audit && !data_dir.empty()) {
            progress.phase("verification bound before the audit");
            const VerifyBound vb_before = measure_verify_bound(o.verify_seconds);
            progress.done(group(vb_before.per_s()) + " Ed25519 verifications/s");
            std::atomic<std::uint64_t> audited{0}, tip{0};
            const auto audit_start = Clock::now();
            const double audit_cpu0 = sample_self().cpu_s;
            progress.phase("audit", [&] {
                return "block " + group(static_cast<double>(audited.load())) + "/" + group(static_cast<double>(tip.load()));
            });
            const ledger::AuditReport ar = ledger::audit_dir(data_dir / "ledger", [&](std::uint64_t h, std::uint64_t t) {
                audited = h;
                tip = t;
            });
            const double audit_s = seconds_since(audit_start);
            const double audit_cpu_s = sample_self().cpu_s - audit_cpu0;
            const double audit_rate = audit_s > 0 ? static_cast<double>(ar.txs_checked) / audit_s : 0;
            progress.done(ar.ok ? group(audit_rate) + " tx/s" : "FAILED: " + ar.reason);
            progress.phase("verification bound after the audit");
            const VerifyBound vb_after = measure_verify_bound(o.verify_seconds);
            progress.done(group(vb_after.per_s()) + " Ed25519 verifications/s");
            const VerifyBound vb_audit = vb_before + vb_after;
            // Signatures a replayed transaction carries, over what this run sent
            // (purchases with pay 0 carry one).
            const double audit_sig_per_tx =
                (sig_per_tx * static_cast<double>(peak.result.committed + (half ? half->result.committed : 0)) +
                 static_cast<double>(purch ? purch->result.committed : 0)) /
                std::max(1.0, static_cast<double>(peak.result.committed + (half ? half->result.committed : 0) +
                                                  (purch ? purch->result.committed : 0)));
            const double audit_bound_tx = vb_audit.per_s() / audit_sig_per_tx;
            rep["audit"] = json::object{{"ok", ar.ok},
                                        {"reason", ar.reason},
                                        {"blocks", ar.blocks_checked},
                                        {"txs", ar.txs_checked},
                                        {"seconds", audit_s},
                                        {"cpu_s", audit_cpu_s},
                                        {"cpu_us_per_tx", ar.txs_checked ? 1e6 * audit_cpu_s / static_cast<double>(ar.txs_checked) : 0.0},
                                        {"tx_per_s", audit_rate},
                                        {"bound_verify_per_s", vb_audit.per_s()},
                                        {"bound_before_verify_per_s", vb_before.per_s()},
                                        {"bound_after_verify_per_s", vb_after.per_s()},
                                        {"bound_tx_per_s", audit_bound_tx},
                                        {"signatures_per_tx", audit_sig_per_tx},
                                        {"pct_of_bound", audit_bound_tx > 0 ? 100.0 * audit_rate / audit_bound_tx : 0.0},
                                        {"pct_of_first_bound", bound_tx > 0 ? 100.0 * audit_rate / bound_tx : 0.0},
                                        // The signatures' share of the audit's CPU: what its share of the bound
                                        // would be on idle cores it kept busy, whatever the other tenants do.
                                        {"signature_share_of_cpu",
                                         audit_cpu_s > 0 ? vb_audit.cpu_us_per_verify() * audit_sig_per_tx *
                                                               static_cast<double>(ar.txs_checked) / 1e6 / audit_cpu_s
                                                         : 0.0}};
            if (!ar.ok) problems.push_back(json::value("the audit failed: " + ar.reason));
            if (!external && ar.ok && ar.txs_checked != chain_txs)
                problems.push_back(json::value("the audit replayed " + std::to_string(ar.txs_checked) +
                                               " transactions; the benchmark committed " + std::to_string(chain_txs)));
        }

        const bool all_ok = problems.empty();
        std::string summary = group(static_cast<double>(answered)) + "/" + group(static_cast<double>(expected)) +
                              " answered committed";
        if (!external) summary += ", /metrics +" + group(metric_delta);
        if (const auto* a = rep.if_contains("audit")) summary += ", audit " + group(static_cast<double>(a->as_object().at("txs").to_number<std::uint64_t>())) + " txs";
        summary += ", tx.get " + std::to_string(get_committed) + "/" + std::to_string(get_checked);
        rep["checks"] = json::object{{"all_committed", all_ok},
                                     {"answered_committed", answered},
                                     {"expected", expected},
                                     {"setup_txs", setup_txs},
                                     {"metrics_committed_delta", metric_delta},
                                     {"tx_get_checked", get_checked},
                                     {"tx_get_committed", get_committed},
                                     {"summary", summary},
                                     {"problems", std::move(problems)}};
        json::object errors;
        const std::vector<const DriveResult*> results{&peak.result, half ? &half->result : nullptr,
                                                      purch ? &purch->result : nullptr};
        for (const DriveResult* r : results) {
            if (!r) continue;
            for (const auto& [k, v] : r->errors) errors[k] = errors.contains(k) ? errors[k].as_uint64() + v : v;
        }
        rep["errors"] = std::move(errors);
        json::array samples;
        for (const DriveResult* r : results)
            if (r)
                for (const auto& s : r->error_samples) samples.push_back(json::value(s));
        rep["error_samples"] = std::move(samples);

        // 11. The targets, reported.
        json::array targets;
        const double peak_share = bound_tx > 0 ? peak.result.tx_per_s() / bound_tx : 0;
        targets.push_back(target("committed synced throughput >= 70% of bound",
                                 fixed(100 * peak_share, 1) + "% (" + group(peak.result.tx_per_s()) + " tx/s)",
                                 peak_share >= target_peak_share));
        if (purch) {
            const double share = peak.result.tx_per_s() > 0 ? purch->result.tx_per_s() / peak.result.tx_per_s() : 0;
            targets.push_back(target("purchases (10 rules) >= 80% of the peak's tx/s",
                                     fixed(100 * share, 1) + "% (" + group(purch->result.tx_per_s()) + " tx/s)",
                                     share >= target_purchase_share));
        }
        if (half) {
            const double p99 = summarize(half->result.latency_ms).p99;
            targets.push_back(target("p99 submit-to-commit <= 50 ms at half the peak", fixed(p99, 1) + " ms",
                                     p99 <= target_half_p99_ms));
        }
        if (const auto* a = rep.if_contains("audit")) {
            const double share = a->as_object().at("pct_of_bound").to_number<double>() / 100;
            targets.push_back(target("audit replay >= 80% of bound",
                                     fixed(100 * share, 1) + "% (" + group(a->as_object().at("tx_per_s").to_number<double>()) + " tx/s)",
                                     share >= target_audit_share));
        }
        if (end_sample.ok) {
            const bool at_scale = static_cast<double>(workload.accounts()) >= target_rss_accounts &&
                                  static_cast<double>(chain_txs) >= target_rss_txs;
            targets.push_back(target("node RSS < 1 GiB at 1M accounts, 10M txs",
                                     mib(static_cast<double>(rss_max)) + " max",
                                     at_scale ? std::optional<bool>(static_cast<double>(rss_max) < target_rss_bytes)
                                              : std::nullopt,
                                     at_scale ? "" : "this run: " + group(static_cast<double>(workload.accounts())) +
                                                         " accounts, " + group(static_cast<double>(chain_txs)) +
                                                         " txs; the 10M run is in docs/performance.md"));
        }
        rep["targets"] = std::move(targets);
        machine["load_1m_end"] = load_average_1m();
        rep["machine"] = std::move(machine);

        if (o.json_out) std::cout << json::serialize(rep) << std::endl;
        else print_table(rep, stdout);
        if (node && !o.keep_datadir && o.datadir.empty()) std::filesystem::remove_all(work_dir);
        else if (node) std::fprintf(stderr, "kept the data dir: %s\n", data_dir.c_str());
        return all_ok ? 0 : 1;
    } catch (...) {
        // Keep the evidence of a failed run: the node's log names what went wrong.
        if (node) std::fprintf(stderr, "kopilka-bench: the node's log and data are in %s\n", work_dir.c_str());
        throw;
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"kopilka-bench — committed throughput, latency and replay speed of kopilkad against this machine's "
                 "Ed25519 verification rate"};
    app.footer("Exit codes: 0 every transaction committed exactly once; 1 a check failed (see the report);\n"
               "2 bad usage; 3 the benchmark could not run. Targets are reported, never asserted.");
    Options o;
    auto& w = o.workload;
    app.add_option("--kopilkad", o.kopilkad, "the kopilkad to start (default: the one built with this program)");
    app.add_option("--node", o.node, "drive a running node at HOST:PORT instead of starting one");
    app.add_option("--node-pid", o.node_pid, "with --node: its pid, for CPU and memory figures");
    app.add_option("--datadir", o.datadir,
                   "with --node: its data dir (disk and audit figures); else a new dir to run in, kept afterwards");
    auto* txs = app.add_option("--txs", o.txs, "transactions in the peak phase")->capture_default_str();
    auto* conns = app.add_option("--connections", o.connections, "keep-alive connections (threads) at the peak")->capture_default_str();
    auto* batch = app.add_option("--batch", o.batch, "tx.submit requests per JSON-RPC batch at the peak")->capture_default_str();
    auto* venues = app.add_option("--venues", w.venues, "venues (coins)")->capture_default_str();
    auto* staff = app.add_option("--staff", w.staff_per_venue, "staff per venue")->capture_default_str();
    auto* products = app.add_option("--products", w.products_per_venue, "products per venue")->capture_default_str();
    auto* clients = app.add_option("--clients", w.clients, "client accounts")->capture_default_str();
    auto* funded = app.add_option("--funded-clients", w.funded_clients,
                                  "clients that also send (gifts, vouchers); at least --venues")->capture_default_str();
    app.add_option("--mix", o.mix, "shares of transfer (staff to client), gift (client to client), redeem and purchase")
        ->capture_default_str();
    app.add_option("--tx-ttl-s", w.tx_ttl_s, "expiry of transactions and vouchers (the node remembers ids that long)")
        ->capture_default_str();
    app.add_option("--seed", w.seed, "the plan (who sends what to whom) follows from it")->capture_default_str();
    app.add_option("--half-load", o.half_fraction, "the second phase's rate as a share of the peak")->capture_default_str();
    auto* half_txs = app.add_option("--half-load-txs", o.half_txs, "transactions in the second phase (0: --txs/2, at most 200,000)");
    app.add_option("--half-load-connections", o.half_connections, "connections in the second phase (one request each in flight)")
        ->capture_default_str();
    app.add_option("--half-load-batch", o.half_batch,
                   "transactions per request in the second phase (0: as --batch; 1: one at a time, as a till)");
    auto* verify_s = app.add_option("--verify-seconds", o.verify_seconds, "how long to measure the verification bound")
        ->capture_default_str();
    app.add_flag("--quick", o.quick, "a few hundred transactions, seconds (what the test suite runs)");
    app.add_flag("--json", o.json_out, "print the report as JSON on stdout (progress stays on stderr)");
    app.add_flag("--keep-datadir", o.keep_datadir, "keep the temporary data dir and the node's log");
    app.add_flag("!--no-audit", o.audit, "skip the offline audit");
    app.add_flag("!--no-half-load", o.half_load, "skip the half-load phase");
    app.add_flag("--purchases", o.purchases,
                 "after the peak, as many purchases under each venue's 10-rule programme, with the same "
                 "connections and batch; reports both throughputs and their ratio");
    app.add_option("--block-interval-ms", o.block_interval_ms, "passed to kopilkad");
    app.add_option("--block-txs-max", o.block_txs_max, "passed to kopilkad");
    app.add_option("--verify-threads", o.verify_threads, "passed to kopilkad");
    app.add_option("--io-threads", o.io_threads, "passed to kopilkad");
    app.add_option("--mempool-txs-max", o.mempool_txs_max, "passed to kopilkad");
    app.add_option("--batch-requests-max", o.batch_requests_max, "passed to kopilkad");
    app.add_option("--node-arg", o.node_args, "any other kopilkad run flag (repeat: --node-arg=--log-level --node-arg=warn)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (o.quick) {
        // Each only where not given explicitly.
        auto quick = [](CLI::Option* opt, auto& field, auto value) {
            if (opt->count() == 0) field = value;
        };
        quick(txs, o.txs, std::size_t{300});
        quick(conns, o.connections, std::size_t{4});
        quick(batch, o.batch, std::size_t{8});
        quick(venues, w.venues, std::size_t{2});
        quick(staff, w.staff_per_venue, std::size_t{2});
        quick(products, w.products_per_venue, std::size_t{2});
        quick(clients, w.clients, std::size_t{60});
        quick(funded, w.funded_clients, std::size_t{10});
        quick(half_txs, o.half_txs, std::size_t{150});
        quick(verify_s, o.verify_seconds, 0.25);
    }
    std::string command_line = "kopilka-bench";
    for (int i = 1; i < argc; ++i) command_line += std::string(" ") + argv[i];
    try {
        return run(o, command_line);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "kopilka-bench: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kopilka-bench: %s\n", e.what());
        return 3;
    }
}
