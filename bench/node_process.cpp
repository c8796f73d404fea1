#include "bench/node_process.h"

#include <boost/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace kopilka::bench {

namespace {

// "VmHWM:    12345 kB" -> bytes.
std::uint64_t status_kb(const std::string& status, std::string_view field) {
    const auto at = status.find(field);
    if (at == std::string::npos) return 0;
    return std::strtoull(status.c_str() + at + field.size(), nullptr, 10) * 1024;
}

// utime + stime of a /proc/.../stat line, in seconds.
std::optional<double> stat_cpu_s(const std::string& stat) {
    // The command name (field 2) may hold spaces and parentheses: count the
    // fields from the last ')'. utime and stime are fields 14 and 15.
    const auto close = stat.rfind(')');
    if (stat.empty() || close == std::string::npos || close + 2 > stat.size()) return std::nullopt;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return static_cast<double>(utime + stime) / ticks;
}

}  // namespace

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

pid_t spawn_process(const std::vector<std::string>& args, const std::filesystem::path& out_file,
                    const std::vector<std::string>& extra_env) {
    if (args.empty()) throw std::invalid_argument("spawn_process: no program");
    // The environment: this process's, each extra_env entry replacing a variable of its name.
    std::vector<std::string> env_text;
    std::vector<char*> envp;
    char** env = environ;
    if (!extra_env.empty()) {
        for (char** e = environ; *e; ++e) {
            const std::string entry = *e;
            const std::string name = entry.substr(0, entry.find('='));
            bool overridden = false;
            for (const auto& x : extra_env) overridden = overridden || x.substr(0, x.find('=')) == name;
            if (!overridden) env_text.push_back(entry);
        }
        env_text.insert(env_text.end(), extra_env.begin(), extra_env.end());
        for (auto& e : env_text) envp.push_back(e.data());
        envp.push_back(nullptr);
        env = envp.data();
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), env);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::uint16_t start_listening(const std::vector<std::string>& args, const std::filesystem::path& log_file,
                              std::chrono::milliseconds timeout, pid_t& pid) {
    // Only what this child writes counts: the log may hold earlier runs.
    const auto before = std::filesystem::exists(log_file) ? std::filesystem::file_size(log_file) : 0;
    pid = spawn_process(args, log_file);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string text = read_file(log_file).substr(before);
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            boost::system::error_code ec;
            auto v = boost::json::parse(line, ec);
            if (ec || !v.is_object()) continue;
            const auto& o = v.as_object();
            const auto* event = o.if_contains("event");
            const auto* port = o.if_contains("port");
            if (event && *event == "server.listening" && port) return static_cast<std::uint16_t>(port->to_number<int>());
        }
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            throw std::runtime_error("kopilkad exited at start: " + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("kopilkad did not listen within " +
                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                             " s: " + read_file(log_file).substr(before));
}

std::vector<std::pair<int, double>> thread_cpu(pid_t pid) {
    std::vector<std::pair<int, double>> out;
    if (pid <= 0) return out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        if (auto cpu = stat_cpu_s(read_file(e.path() / "stat")))
            out.emplace_back(std::atoi(e.path().filename().c_str()), *cpu);
    }
    return out;
}

ProcSample sample_process(pid_t pid) {
    if (pid <= 0) return {};
    const std::filesystem::path dir = "/proc/" + std::to_string(pid);
    const auto cpu = stat_cpu_s(read_file(dir / "stat"));
    const std::string status = read_file(dir / "status");
    if (!cpu || status.empty()) return {};
    ProcSample s;
    s.ok = true;
    s.cpu_s = *cpu;
    s.rss_bytes = status_kb(status, "VmRSS:");
    s.hwm_bytes = status_kb(status, "VmHWM:");
    return s;
}

ProcSample sample_self() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    ProcSample s;
    s.ok = true;
    s.cpu_s = seconds(ru.ru_utime) + seconds(ru.ru_stime);
    const std::string status = read_file("/proc/self/status");
    s.rss_bytes = status_kb(status, "VmRSS:");
    s.hwm_bytes = status_kb(status, "VmHWM:");
    return s;
}

NodeProcess::NodeProcess(std::filesystem::path kopilkad, std::filesystem::path data_dir,
                         std::filesystem::path log_file, std::vector<std::string> run_args)
    : kopilkad_(std::move(kopilkad)),
      data_dir_(std::move(data_dir)),
      log_file_(std::move(log_file)),
      run_args_(std::move(run_args)) {}

NodeProcess::~NodeProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        wait_exit(pid_);
    }
}

void NodeProcess::init() {
    const auto before = std::filesystem::exists(log_file_) ? std::filesystem::file_size(log_file_) : 0;
    const int rc = wait_exit(spawn_process(
        {kopilkad_.string(), "init", "--datadir", data_dir_.string(), "--chain-name", "kopilka-bench"}, log_file_));
    if (rc != 0) throw std::runtime_error("kopilkad init failed (exit " + std::to_string(rc) + "): " +
                                          read_file(log_file_).substr(before));
}

void NodeProcess::start(std::chrono::seconds timeout) {
    if (pid_ > 0) throw std::logic_error("the node is already running");
    std::vector<std::string> args{kopilkad_.string(), "run", "--datadir", data_dir_.string(), "--port", "0"};
    args.insert(args.end(), run_args_.begin(), run_args_.end());
    port_ = start_listening(args, log_file_, timeout, pid_);
}

int NodeProcess::stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const int rc = wait_exit(pid_);
    pid_ = -1;
    return rc;
}

std::string NodeProcess::log_text() const { return read_file(log_file_); }

std::filesystem::path make_temp_dir(std::string_view tag) {
    const char* base = std::getenv("TMPDIR");
    std::string path = std::string(base && *base ? base : "/tmp") + "/kopilka-" + std::string(tag) + "-XXXXXX";
    if (!::mkdtemp(path.data())) throw std::runtime_error("cannot create a temporary directory " + path + ": " + std::strerror(errno));
    return path;
}

}  // namespace kopilka::bench
