// kopilka-bench --quick --json still works end to end: it starts its own
// kopilkad, sets up venues, staff and clients over RPC, drives pre-signed
// transactions at the peak and at half of it, checks that every one committed
// exactly once, stops the node and audits the chain offline. Nothing here is
// timed — a test that asserts speed fails on a busy machine and proves
// nothing on a quiet one; docs/performance.md has the figures.
#include "harness.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <sys/wait.h>

using namespace kopilka::test;
namespace json = boost::json;

namespace {

double number(const json::value& v, std::initializer_list<std::string_view> path) {
    const json::value* at = &v;
    for (auto key : path) at = &at->as_object().at(key);
    return at->to_number<double>();
}

}  // namespace

TEST_CASE("kopilka-bench --quick --json: every transaction commits and every figure is reported") {
    TempDir dir("kopilka-bench-test");
    const auto err = dir.path() / "stderr.txt";
    const std::string cmd = std::string("'") + KOPILKA_BENCH_BIN + "' --quick --json --kopilkad '" + KOPILKAD_BIN +
                            "' 2>'" + err.string() + "'";
    const auto [status, out] = run_captured(cmd);
    REQUIRE(status != -1);
    INFO("kopilka-bench stderr:\n" << read_text(err) << "\nstdout:\n" << out);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    const json::value r = json::parse(out);
    const auto& checks = r.at("checks").as_object();
    CHECK(checks.at("all_committed").as_bool());
    CHECK(checks.at("problems").as_array().empty());
    const double txs = number(r, {"config", "txs"});
    const double half_txs = number(r, {"config", "half_load_txs"});
    CHECK(txs > 0);
    CHECK(number(r, {"checks", "answered_committed"}) == txs + half_txs);
    CHECK(number(r, {"checks", "tx_get_committed"}) == number(r, {"checks", "tx_get_checked"}));

    // The bound and every phase's figures are there and positive.
    CHECK(number(r, {"bound", "verify_per_s"}) > 0);
    CHECK(number(r, {"bound", "tx_per_s"}) > 0);
    for (std::string_view phase : {"peak", "half_load"}) {
        INFO("phase " << phase);
        const auto& p = r.at("phases").at(phase);
        CHECK(number(p, {"committed"}) == (phase == "peak" ? txs : half_txs));
        CHECK(number(p, {"failed"}) == 0);
        CHECK(number(p, {"tx_per_s"}) > 0);
        CHECK(number(p, {"pct_of_bound"}) > 0);
        CHECK(number(p, {"latency_ms", "p50"}) > 0);
        CHECK(number(p, {"latency_ms", "p99"}) >= number(p, {"latency_ms", "p50"}));
        CHECK(number(p, {"latency_ms", "max"}) >= number(p, {"latency_ms", "p99"}));
        CHECK(number(p, {"node_cpu_s"}) >= 0);
    }
    CHECK(number(r, {"node", "rss_peak_bytes"}) > 0);
    CHECK(number(r, {"node", "cpu_total_s"}) > 0);
    CHECK(number(r, {"node", "exit_status"}) == 0);
    CHECK(number(r, {"disk", "total_bytes"}) > 0);
    CHECK(number(r, {"disk", "bytes_per_tx"}) > 0);

    // The offline audit replayed exactly the chain the benchmark built.
    CHECK(r.at("audit").at("ok").as_bool());
    CHECK(number(r, {"audit", "bound_tx_per_s"}) > 0);
    CHECK(number(r, {"audit", "bound_before_verify_per_s"}) > 0);
    CHECK(number(r, {"audit", "bound_after_verify_per_s"}) > 0);
    {
        // Both measurements counted as one: a rate between the two.
        const double before = number(r, {"audit", "bound_before_verify_per_s"});
        const double after = number(r, {"audit", "bound_after_verify_per_s"});
        const double both = number(r, {"audit", "bound_verify_per_s"});
        CHECK(both >= std::min(before, after) * (1 - 1e-9));
        CHECK(both <= std::max(before, after) * (1 + 1e-9));
    }
    CHECK(number(r, {"audit", "pct_of_bound"}) > 0);
    CHECK(number(r, {"audit", "pct_of_first_bound"}) > 0);
    CHECK(number(r, {"audit", "signature_share_of_cpu"}) > 0);
    CHECK(number(r, {"audit", "signature_share_of_cpu"}) < 1.5);  // a share, give or take the noise of two clocks
    CHECK(number(r, {"audit", "txs"}) == number(r, {"node", "chain_txs"}));
    CHECK(number(r, {"audit", "tx_per_s"}) > 0);
    CHECK(r.at("targets").as_array().size() == 4);
}
