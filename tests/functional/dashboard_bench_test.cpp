// kopilka-dashboard-bench still runs end to end on a small venue: it fills a
// data dir through the ledger, starts kopilkad on it, finds the series rows
// adding up to venue.stats, reports every query, and has the node recount
// the aggregates at start (--rebuild). Nothing is timed here; the million-
// transaction figures are in docs/performance.md.
#include "harness.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cstdio>
#include <sys/wait.h>

using namespace kopilka::test;
namespace json = boost::json;

TEST_CASE("kopilka-dashboard-bench on a small venue: the figures agree and every query is reported") {
    TempDir dir("kopilka-dashboard-test");
    const auto err = dir.path() / "stderr.txt";
    const std::string cmd = std::string("'") + KOPILKA_DASHBOARD_BENCH_BIN + "' --txs 3000 --days 30 --clients 300 "
                            "--staff 3 --block-txs 200 --calls 3 --rebuild --json --kopilkad '" + KOPILKAD_BIN +
                            "' 2>'" + err.string() + "'";
    const auto [status, out] = run_captured(cmd);
    REQUIRE(status != -1);
    INFO("stderr:\n" << read_text(err) << "\nstdout:\n" << out);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    // The table, then the JSON on the last line.
    REQUIRE(out.size() > 2);
    const std::size_t last_line = out.rfind('\n', out.size() - 2);
    REQUIRE(last_line != std::string::npos);
    const json::value r = json::parse(out.substr(last_line + 1));
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
