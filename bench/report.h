// What the benchmark shows a person: a progress line on stderr while it runs,
// and at the end a summary table; `--json` prints the same figures for
// machines. The report is built as one JSON object, and the table reads it,
// so the two cannot disagree.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace kopilka::bench {

// Rewrites one status line in place on a terminal; otherwise prints a line
// every `plain_every` so a log shows the run is alive.
class Progress {
public:
    explicit Progress(bool enabled);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // Shows `name: status()` until the next phase() or done(); `status` is
    // called from the progress thread about four times a second.
    void phase(std::string name, std::function<std::string()> status = {});
    // Ends the current phase with a last line.
    void done(const std::string& summary = "");

private:
    void loop();
    void print_locked(bool final_line);

    bool enabled_;
    bool tty_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::string name_;
    std::function<std::string()> status_;
    std::size_t last_width_ = 0;
    std::chrono::steady_clock::time_point phase_start_;
    std::chrono::steady_clock::time_point last_plain_;
    std::thread thread_;
};

// The summary table of a report.
void print_table(const boost::json::object& report, std::FILE* out);

// "12,345"; "1.2 MiB"; "12.3".
std::string group(double v);
std::string mib(double bytes);
std::string fixed(double v, int decimals);

}  // namespace kopilka::bench
