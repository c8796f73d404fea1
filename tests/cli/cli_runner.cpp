#include "cli_runner.h"

#include "support.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace kopilka::test {

namespace {
std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}
}  // namespace

Cli::Cli(std::filesystem::path wallet_dir, std::string node, std::string passphrase)
    : wallet_dir_(std::move(wallet_dir)), node_(std::move(node)), passphrase_(std::move(passphrase)) {}

CliRun Cli::operator()(const std::vector<std::string>& args, const std::string& stdin_text,
                       const std::map<std::string, std::string>& env) const {
    TempDir io("kopilka-cli-run");
    const auto in_file = io.path() / "stdin", out_file = io.path() / "stdout", err_file = io.path() / "stderr";
    std::ofstream(in_file, std::ios::binary) << stdin_text;

    // The environment: ours, less anything KOPILKA_* the developer has set.
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        const auto eq = kv.find('=');
        if (eq == std::string::npos || kv.starts_with("KOPILKA_")) continue;
        vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    vars["KOPILKA_WALLET_DIR"] = wallet_dir_.string();
    if (!node_.empty()) vars["KOPILKA_NODE"] = node_;
    vars["KOPILKA_PASSPHRASE"] = passphrase_;
    for (const auto& [k, v] : env) vars[k] = v;
    std::vector<std::string> env_text;
    for (const auto& [k, v] : vars)
        if (!v.empty()) env_text.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_text) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::vector<std::string> argv_text{KOPILKA_CLI_BIN};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_text) argv.push_back(s.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_file.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error(std::string("cannot start kopilka: ") + std::strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw std::runtime_error("waitpid failed");
    CliRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out_file);
    r.err = slurp(err_file);
    std::string shown;
    for (const auto& a : args) shown += " " + a;
    UNSCOPED_INFO("$ kopilka" << shown << "  -> exit " << r.code << "\n" << r.out << r.err);
    return r;
}

std::string address_of(const Cli& cli, const std::string& name) {
    auto r = cli({"key", "address", name});
    if (r.code != 0) throw std::runtime_error("key address " + name + ": " + r.err);
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
}

std::optional<std::string> field(const std::string& text, const std::string& label) {
    const std::string key = label + ": ";
    std::size_t pos = 0;
    while ((pos = text.find(key, pos)) != std::string::npos) {
        if (pos == 0 || text[pos - 1] == '\n') {
            const auto start = pos + key.size();
            return text.substr(start, text.find('\n', start) - start);
        }
        ++pos;
    }
    return std::nullopt;
}

}  // namespace kopilka::test
