// kopilka-outbox-bench still runs end to end on a small backlog: it builds
// the backlog with its gateway down, drains it, sends more while transfers
// flow, and reports every figure, each message sent once as far as its
// gateway can tell. Nothing is timed here; the figures are in
// docs/performance.md.
#include "harness.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sys/wait.h>

using namespace kopilka::test;
namespace json = boost::json;

TEST_CASE("kopilka-outbox-bench on a small backlog: every message sent, every figure reported") {
    TempDir dir("kopilka-outbox-bench-test");
    const auto err = dir.path() / "stderr.txt";
    const std::string cmd = std::string("'") + KOPILKA_OUTBOX_BENCH_BIN + "' --messages 500 --flow 500 --senders 4 --json " +
                            "--kopilkad '" + KOPILKAD_BIN + "' 2>'" + err.string() + "'";
    const auto [status, out] = run_captured(cmd);
    REQUIRE(status != -1);
    INFO("stderr:\n" << read_text(err) << "\nstdout:\n" << out);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    REQUIRE(out.size() > 2);
    const std::size_t last_line = out.rfind('\n', out.size() - 2);
    REQUIRE(last_line != std::string::npos);
    const json::value r = json::parse(out.substr(last_line + 1));
    CHECK(r.at("problems").as_array().empty());
    CHECK(r.at("messages").to_number<double>() == 500);
    CHECK(r.at("senders").to_number<double>() == 4);
    CHECK(r.at("accepted").to_number<double>() == 1000);
    CHECK(r.at("sent").to_number<double>() == 1000);
    CHECK(r.at("dead").to_number<double>() == 0);
    CHECK(r.at("drain_messages_per_s").to_number<double>() > 0);
    CHECK(r.at("flow_messages_per_s").to_number<double>() > 0);
}
