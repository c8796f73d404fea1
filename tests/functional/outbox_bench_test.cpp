// kopilka-outbox-bench still runs end to end on a small backlog: it builds
// the backlog with its gateway down, drains it, sends more while transfers
// flow, and reports every figure, each message sent once as far as its
// gateway can tell. Nothing is timed here; the figures are in
// docs/performance.md.
#include "bench_run.h"

using namespace kopilka::test;
namespace json = boost::json;

TEST_CASE("kopilka-outbox-bench on a small backlog: every message sent, every figure reported") {
    TempDir dir("kopilka-outbox-bench-test");
    const json::value r = run_bench_json(dir, KOPILKA_OUTBOX_BENCH_BIN, "--messages 500 --flow 500 --senders 4");
    CHECK(r.at("problems").as_array().empty());
    CHECK(r.at("messages").to_number<double>() == 500);
    CHECK(r.at("senders").to_number<double>() == 4);
    CHECK(r.at("accepted").to_number<double>() == 1000);
    CHECK(r.at("sent").to_number<double>() == 1000);
    CHECK(r.at("dead").to_number<double>() == 0);
    CHECK(r.at("drain_messages_per_s").to_number<double>() > 0);
    CHECK(r.at("flow_messages_per_s").to_number<double>() > 0);
}
