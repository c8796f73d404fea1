// kopilka-dashboard-bench — how fast a big venue's dashboard data comes back.
//
//   kopilka-dashboard-bench                        # 1,000,000 transactions over 365 days
//   kopilka-dashboard-bench --txs 20000 --calls 5  # seconds: the smoke run the tests make
//
// Writes one venue's history straight through the ledger into a new data dir
// (bench/venue_fill.h: the block producer's own path, aggregates included,
// not RPC), starts a kopilkad on it, and times over HTTP what the owner's
// dashboard asks for: venue.stats over all time and the last 90 days, and
// venue.series over 90 and 365 days by day and 52 weeks by week, each alone
// and all together in one JSON-RPC batch (the dashboard's load). It checks
// that the series rows add up to venue.stats over the same range. Optionally
// (--rebuild) it deletes the aggregates' version marker and times the
// node's recount at start. docs/performance.md has the figures.
#include "bench/drive.h"
#include "bench/node_process.h"
#include "bench/venue_fill.h"

#include "ledger/stats/records.h"
#include "ledger/store.h"
#include "rpc/client.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <iostream>
#include <thread>

using namespace kopilka;
using namespace kopilka::bench;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// The issue's target: the dashboard's data within a second.
constexpr double target_dashboard_ms = 1000;
constexpr std::uint64_t days_90 = 90, days_365 = 365, weeks_52 = 52;

struct Options {
    std::string kopilkad = KOPILKAD_BIN;
    VenueFillOptions fill;
    std::size_t calls = 50;
    bool rebuild = false;
    bool json_out = false;
    bool keep_datadir = false;
};

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

json::object request(std::string_view method, json::object params, int id) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

struct Query {
    std::string name;
    json::array batch;  // one request, or the dashboard's several
};

// Every call of the batch answered with a result; the results in order.
std::vector<json::value> post_batch(rpc::Client& c, const json::array& batch) {
    const auto res = c.post("/rpc", json::serialize(batch));
    const json::value answers = json::parse(res.body);
    if (!answers.is_array() || answers.as_array().size() != batch.size())
        throw std::runtime_error("unexpected answer: " + res.body.substr(0, 300));
    std::vector<json::value> out(batch.size());
    for (const auto& a : answers.as_array()) {
        if (!a.as_object().contains("result")) throw std::runtime_error("a call failed: " + json::serialize(a));
        out.at(static_cast<std::size_t>(a.at("id").to_number<std::int64_t>())) = a.at("result");
    }
    return out;
}

ledger::Amount amount_of(const json::value& v, std::string_view field) {
    auto a = ledger::parse_amount(v.at(field).as_string());
    if (!a) throw std::runtime_error("not an amount: " + json::serialize(v.at(field)));
    return *a;
}

// The rows of a series add up to venue.stats over the same range.
std::string check_sums(const json::value& series, const json::value& stats) {
    ledger::Amount issued = 0, redeemed = 0;
    std::uint64_t issues = 0, redemptions = 0, fresh = 0;
    for (const auto& r : series.at("rows").as_array()) {
        issued += amount_of(r, "issued");
        redeemed += amount_of(r, "redeemed");
        issues += r.at("issues").to_number<std::uint64_t>();
        redemptions += r.at("redemptions").to_number<std::uint64_t>();
        fresh += r.at("new_clients").to_number<std::uint64_t>();
    }
    if (issued != amount_of(stats, "issued") || redeemed != amount_of(stats, "redeemed") ||
        issues != stats.at("issues").to_number<std::uint64_t>() ||
        redemptions != stats.at("redemptions").to_number<std::uint64_t>() ||
        fresh != stats.at("new_clients").to_number<std::uint64_t>())
        return "the series rows do not add up to venue.stats over the same range";
    return {};
}

int run(const Options& o) {
    const std::filesystem::path dir = make_temp_dir("dashboard");
    const std::filesystem::path data = dir / "data";
    NodeProcess node(o.kopilkad, data, dir / "node.log", {"--requests-per-second-max", "0"});
    node.init();

    std::cerr << "filling " << o.fill.txs << " transactions over " << o.fill.days << " days...\n";
    const auto fill_start = Clock::now();
    std::uint64_t shown = 0;
    const VenueFill fill = fill_venue(data, o.fill, [&](std::uint64_t done, std::uint64_t of) {
        if (done - shown >= of / 20 || done == of) {
            std::cerr << "  " << done << " of " << of << "\n";
            shown = done;
        }
    });
    const double fill_s = ms_since(fill_start) / 1000;

    node.start(std::chrono::seconds(600));
    rpc::Client c("127.0.0.1", node.port());
    const std::uint64_t last_day = ledger::stats::day_of_ms(fill.last_ms);
    const std::uint64_t to_ms = ledger::stats::ms_of_day(static_cast<ledger::stats::Day>(last_day + 1));
    const std::uint64_t week_end = ledger::stats::ms_of_day(ledger::stats::week_start(static_cast<ledger::stats::Day>(last_day)) + 7);
    const std::string& t = fill.ticker;
    auto series = [&](std::string_view bucket, std::uint64_t from, std::uint64_t to) {
        return json::object{{"ticker", t}, {"bucket", bucket}, {"from_ms", from}, {"to_ms", to}};
    };
    const json::object stats_all{{"ticker", t}};
    const json::object stats_90{{"ticker", t}, {"from_ms", to_ms - days_90 * ledger::ms_per_day}, {"to_ms", to_ms}};
    const json::object stats_365{{"ticker", t}, {"from_ms", to_ms - days_365 * ledger::ms_per_day}, {"to_ms", to_ms}};
    const json::object day_90 = series("day", to_ms - days_90 * ledger::ms_per_day, to_ms);
    const json::object day_365 = series("day", to_ms - days_365 * ledger::ms_per_day, to_ms);
    const json::object week_52 = series("week", week_end - weeks_52 * 7 * ledger::ms_per_day, week_end);
    const std::vector<Query> queries = {
        {"venue.stats, all time", {request("venue.stats", stats_all, 0)}},
        {"venue.stats, 90 days", {request("venue.stats", stats_90, 0)}},
        {"venue.series, 90 days by day", {request("venue.series", day_90, 0)}},
        {"venue.series, 365 days by day", {request("venue.series", day_365, 0)}},
        {"venue.series, 52 weeks by week", {request("venue.series", week_52, 0)}},
        {"dashboard: stats + 90 days + 52 weeks, one batch",
         {request("venue.stats", stats_all, 0), request("venue.series", day_90, 1), request("venue.series", week_52, 2)}},
    };

    // The figures first agree with each other.
    std::vector<std::string> problems;
    for (const auto& [s, st] : {std::pair{day_90, stats_90}, std::pair{day_365, stats_365}}) {
        const auto answers = post_batch(c, json::array{request("venue.series", s, 0), request("venue.stats", st, 1)});
        if (auto p = check_sums(answers[0], answers[1]); !p.empty()) problems.push_back(p);
    }

    json::array rows;
    double dashboard_p99 = 0;
    std::printf("%-50s %8s %8s %8s %8s %10s\n", "query", "calls", "p50 ms", "p99 ms", "max ms", "bytes");
    for (const Query& q : queries) {
        post_batch(c, q.batch);  // warm: the first call reads the table files from disk
        std::vector<float> ms;
        std::size_t bytes = 0;
        for (std::size_t i = 0; i < o.calls; ++i) {
            const auto start = Clock::now();
            const auto res = c.post("/rpc", json::serialize(q.batch));
            ms.push_back(static_cast<float>(ms_since(start)));
            bytes = res.body.size();
        }
        const Latency l = summarize(ms);
        if (q.batch.size() > 1) dashboard_p99 = l.p99;
        std::printf("%-50s %8zu %8.1f %8.1f %8.1f %10zu\n", q.name.c_str(), l.count, l.p50, l.p99, l.max, bytes);
        rows.push_back(json::object{{"query", q.name}, {"calls", l.count}, {"p50_ms", l.p50}, {"p99_ms", l.p99},
                                    {"max_ms", l.max}, {"bytes", bytes}});
    }
    node.stop();

    json::object rebuild;
    if (o.rebuild) {
        {
            auto store = ledger::Store::open(data / "ledger", ledger::Store::Mode::open_existing);
            if (!store) throw std::runtime_error(store.error());
            ledger::Batch b;
            b.erase(ledger::Column::meta, ledger::stats::meta_stats_key());
            if (auto ok = (*store)->write(b); !ok) throw std::runtime_error(ok.error());
        }
        const auto start = Clock::now();
        node.start(std::chrono::seconds(3600));
        const double wall_s = ms_since(start) / 1000;
        node.stop();
        // The recount's own time, from the node's "stats.rebuilt" log line.
        double recount_s = NAN;
        std::istringstream log(node.log_text());
        for (std::string line; std::getline(log, line);)
            if (line.find("\"stats.rebuilt\"") != std::string::npos)
                recount_s = json::parse(line).at("ms").to_number<double>() / 1000;
        rebuild = {{"start_to_listening_s", wall_s}, {"recount_s", recount_s}};
        std::printf("rebuild: the node recounted %llu transactions in %.1f s at start, and listened after %.1f s\n",
                    static_cast<unsigned long long>(fill.txs), recount_s, wall_s);
    }

    std::printf("filled %llu transactions in %llu blocks over %zu days in %.1f s (signing %.1f s, committing %.1f s: %.0f tx/s)\n",
                static_cast<unsigned long long>(fill.txs), static_cast<unsigned long long>(fill.blocks), o.fill.days,
                fill_s, fill.sign_seconds, fill.commit_seconds, static_cast<double>(fill.txs) / fill.commit_seconds);
    std::printf("target: dashboard data in at most %.0f ms: p99 %.1f ms, %s\n", target_dashboard_ms, dashboard_p99,
                dashboard_p99 <= target_dashboard_ms ? "met" : "NOT MET");
    for (const auto& p : problems) std::printf("problem: %s\n", p.c_str());
    if (o.json_out)
        std::cout << json::serialize(json::object{
                         {"txs", fill.txs}, {"blocks", fill.blocks}, {"days", o.fill.days}, {"fill_s", fill_s},
                         {"commit_s", fill.commit_seconds}, {"queries", rows}, {"dashboard_p99_ms", dashboard_p99},
                         {"rebuild", rebuild}, {"problems", json::array(problems.begin(), problems.end())}})
                  << "\n";
    if (!o.keep_datadir) std::filesystem::remove_all(dir);
    else std::cerr << "data dir kept: " << data << "\n";
    return problems.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"kopilka-dashboard-bench: the owner's dashboard data on a venue with a long history"};
    app.add_option("--kopilkad", o.kopilkad, "the kopilkad to start")->capture_default_str();
    app.add_option("--txs", o.fill.txs, "transactions of the venue")->capture_default_str();
    app.add_option("--days", o.fill.days, "days they are spread over, ending now")->capture_default_str();
    app.add_option("--clients", o.fill.clients, "client accounts")->capture_default_str();
    app.add_option("--staff", o.fill.staff, "staff members")->capture_default_str();
    app.add_option("--block-txs", o.fill.block_txs, "transactions a block")->capture_default_str();
    app.add_option("--seed", o.fill.seed, "the history is a function of the seed")->capture_default_str();
    app.add_option("--calls", o.calls, "timed calls of each query")->capture_default_str();
    app.add_flag("--rebuild", o.rebuild, "also delete the aggregates' marker and time the node's recount at start");
    app.add_flag("--json", o.json_out, "the figures as JSON too");
    app.add_flag("--keep-datadir", o.keep_datadir, "keep the data dir");
    CLI11_PARSE(app, argc, argv);
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::cerr << "kopilka-dashboard-bench: " << e.what() << "\n";
        return 1;
    }
}
