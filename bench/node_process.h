// The kopilkad the benchmark drives: a child it starts on a temporary data
// dir (init, then run on port 0, reading the port from the "server.listening"
// log line), and what /proc says about a process.
//
// The spawning and port reading below (spawn_process, wait_exit,
// start_listening) are the one copy the functional tests use too
// (tests/functional/harness.cpp links kopilka_node_process), so the bench and
// the tests start a node the same way.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kopilka::bench {

// Starts `args` (args[0] is a path, not searched in PATH) with stdout and
// stderr appended to `out_file`, and `extra_env` ("NAME=value") added to this
// process's environment, replacing a variable of the same name. Throws when
// the child cannot be started.
pid_t spawn_process(const std::vector<std::string>& args, const std::filesystem::path& out_file,
                    const std::vector<std::string>& extra_env = {});
// Waits for a child to exit: its exit code, 128 + signal when killed, -1 on error.
int wait_exit(pid_t pid);
// Starts a `kopilkad run ... --port 0` child (`args` as spawn_process takes
// them) with its log appended to `log_file`, and returns the port its
// "server.listening" log line names. `pid` is set as soon as the child exists,
// so the caller can still kill it when this throws; it is reset to -1 when the
// child exits before listening (throws with its log) — a child that does not
// listen within `timeout` is left running (throws with its log).
std::uint16_t start_listening(const std::vector<std::string>& args, const std::filesystem::path& log_file,
                              std::chrono::milliseconds timeout, pid_t& pid);
// The whole content of a file ("" when it cannot be read).
std::string read_file(const std::filesystem::path& p);

// A new directory $TMPDIR/kopilka-<tag>-XXXXXX (under /tmp without
// TMPDIR), for a benchmark's data dir; the caller removes it.
std::filesystem::path make_temp_dir(std::string_view tag);

// CPU and memory of a process, from /proc/<pid>/stat and /proc/<pid>/status.
struct ProcSample {
    bool ok = false;               // false: no such process (or no /proc)
    double cpu_s = 0;              // utime + stime
    std::uint64_t rss_bytes = 0;   // VmRSS
    std::uint64_t hwm_bytes = 0;   // VmHWM: the peak RSS so far
};
ProcSample sample_process(pid_t pid);
// The same figures for this process (getrusage and /proc/self).
ProcSample sample_self();
// CPU seconds (utime + stime) of each thread of a process, by thread id.
std::vector<std::pair<int, double>> thread_cpu(pid_t pid);

class NodeProcess {
public:
    // `run_args` are passed to `kopilkad run` after --datadir and --port 0.
    NodeProcess(std::filesystem::path kopilkad, std::filesystem::path data_dir, std::filesystem::path log_file,
                std::vector<std::string> run_args);
    ~NodeProcess();  // SIGKILLs a node still running (an aborted benchmark)
    NodeProcess(const NodeProcess&) = delete;
    NodeProcess& operator=(const NodeProcess&) = delete;

    // `kopilkad init`; throws with the node's output when it fails.
    void init();
    // Starts the node and waits for it to listen; throws with its log when it
    // exits or does not listen within `timeout`.
    void start(std::chrono::seconds timeout = std::chrono::seconds(60));
    // SIGTERM, then waits: the node commits what is pending and syncs.
    // Returns the exit status (128 + signal when killed).
    int stop();

    pid_t pid() const { return pid_; }
    std::uint16_t port() const { return port_; }
    const std::filesystem::path& data_dir() const { return data_dir_; }
    std::string log_text() const;

private:
    std::filesystem::path kopilkad_;
    std::filesystem::path data_dir_;
    std::filesystem::path log_file_;
    std::vector<std::string> run_args_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace kopilka::bench
