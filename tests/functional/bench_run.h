// A benchmark run end to end by a test: the command line `bin args`, with
// `--json --kopilkad <this build's kopilkad>` added, must exit 0; its last
// stdout line is the JSON report, returned. On failure the test shows the
// benchmark's stderr and stdout. Nothing is timed.
#pragma once

#include "harness.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <sys/wait.h>

namespace kopilka::test {

inline boost::json::value run_bench_json(const TempDir& dir, const std::string& bin, const std::string& args) {
    const auto err = dir.path() / "stderr.txt";
    const std::string cmd = "'" + bin + "' " + args + " --json --kopilkad '" + KOPILKAD_BIN + "' 2>'" + err.string() + "'";
    const auto [status, out] = run_captured(cmd);
    REQUIRE(status != -1);
    INFO("stderr:\n" << read_text(err) << "\nstdout:\n" << out);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    // The table, then the JSON on the last line.
    REQUIRE(out.size() > 2);
    const std::size_t last_line = out.rfind('\n', out.size() - 2);
    REQUIRE(last_line != std::string::npos);
    return boost::json::parse(out.substr(last_line + 1));
}

}  // namespace kopilka::test
