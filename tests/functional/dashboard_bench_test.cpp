// kopilka-dashboard-bench still runs end to end on a small venue: it fills a
// data dir through the ledger, starts kopilkad on it, finds the series rows
// adding up to venue.stats, reports every query, and has the node recount
// the aggregates at start (--rebuild). Nothing is timed here; the million-
// transaction figures are in docs/performance.md.
#include "bench_run.h"

using namespace kopilka::test;
namespace json = boost::json;

TEST_CASE("kopilka-dashboard-bench on a small venue: the figures agree and every query is reported") {
    TempDir dir("kopilka-dashboard-test");
    const json::value r = run_bench_json(dir, KOPILKA_DASHBOARD_BENCH_BIN,
                                         "--txs 3000 --days 30 --clients 300 --staff 3 --block-txs 200 --calls 3 --rebuild");
    CHECK(r.at("txs").to_number<double>() == 3000);
    CHECK(r.at("problems").as_array().empty());
    const auto& queries = r.at("queries").as_array();
    CHECK(queries.size() == 6);
    for (const auto& q : queries) {
        INFO(json::serialize(q));
        CHECK(q.at("calls").to_number<double>() == 3);
        CHECK(q.at("p99_ms").to_number<double>() >= q.at("p50_ms").to_number<double>());
        CHECK(q.at("bytes").to_number<double>() > 0);
    }
    CHECK(r.at("rebuild").at("recount_s").to_number<double>() >= 0);
}
