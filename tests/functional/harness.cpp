#include "harness.h"

#include "crypto/address.h"

#include <boost/json.hpp>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace kopilka::test {

namespace json = boost::json;

namespace {
constexpr auto node_start_timeout = std::chrono::seconds(30);

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& out_file) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}
}  // namespace

std::pair<int, std::string> run_kopilkad(const std::vector<std::string>& args) {
    TempDir tmp("kopilkad-run");
    const auto out = tmp.path() / "out";
    std::vector<std::string> full{KOPILKAD_BIN};
    full.insert(full.end(), args.begin(), args.end());
    const int rc = wait_exit(spawn(full, out));
    return {rc, slurp(out)};
}

NodeProcess::NodeProcess(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
    data_dir_ = dir_.path() / "data";
    log_file_ = dir_.path() / "kopilkad.log";
    auto [rc, out] = run_kopilkad({"init", "--datadir", data_dir_.string(), "--chain-name", "kopilka-functional"});
    if (rc != 0) throw std::runtime_error("kopilkad init failed: " + out);
    start();
}

NodeProcess::~NodeProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        wait_exit(pid_);
    }
}

void NodeProcess::start() {
    if (pid_ > 0) throw std::logic_error("node already running");
    // Port 0: the node binds a free port and logs it; a fixed port would race
    // with whatever else runs on the machine.
    std::vector<std::string> args{KOPILKAD_BIN, "--datadir", data_dir_.string(), "--port", "0"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    const auto before = std::filesystem::exists(log_file_) ? std::filesystem::file_size(log_file_) : 0;
    pid_ = spawn(args, log_file_);
    const auto deadline = std::chrono::steady_clock::now() + node_start_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::string text = slurp(log_file_).substr(before);
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            boost::system::error_code ec;
            auto v = json::parse(line, ec);
            if (ec || !v.is_object()) continue;
            auto& o = v.as_object();
            if (o["event"] == "server.listening") {
                port_ = static_cast<std::uint16_t>(o["port"].to_number<int>());
                return;
            }
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("kopilkad exited at start: " + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("kopilkad did not start listening in time: " + log());
}

int NodeProcess::stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    const int rc = wait_exit(pid_);
    pid_ = -1;
    return rc;
}

void NodeProcess::kill9() { stop(SIGKILL); }

std::string NodeProcess::admin_token() const {
    std::string t = slurp(data_dir_ / ".cookie");
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t;
}

std::string NodeProcess::log() const { return slurp(log_file_); }

rpc::Client NodeProcess::client(bool admin) const {
    return rpc::Client("127.0.0.1", port_, admin ? admin_token() : "");
}

TestWallet::TestWallet(rpc::Client& client) : client_(client) {
    auto info = client_.call("node.info");
    auto raw = from_hex(std::string(info.at("chain_id").as_string()));
    if (!raw || raw->size() != 32) throw std::runtime_error("node.info gave no chain id");
    std::copy(raw->begin(), raw->end(), chain_.begin());
}

std::uint64_t TestWallet::now_s() const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

ledger::SignedTx TestWallet::sign(const KeyPair& key, ledger::TxBody body, std::uint64_t ttl_s) {
    ledger::Tx tx;
    tx.signer = key.public_key();
    tx.nonce = random_u64();
    tx.expiry_s = now_s() + ttl_s;
    tx.body = std::move(body);
    return ledger::sign_tx(tx, key, chain_);
}

std::string TestWallet::blob(const ledger::SignedTx& stx) { return to_base64url(ledger::encode_signed_tx(stx)); }

json::value TestWallet::submit(const ledger::SignedTx& stx) {
    return client_.call("tx.submit", json::object{{"blob", blob(stx)}, {"wait", true}});
}

ledger::Voucher TestWallet::voucher(const KeyPair& client, const std::string& ticker, std::uint32_t product,
                                    ledger::Amount price, const ledger::Account& account, std::uint64_t ttl_s) {
    ledger::Voucher v;
    v.ticker = ticker;
    v.product_id = product;
    v.price = price;
    v.client = account;
    v.nonce = random_u64();
    v.expiry_s = now_s() + ttl_s;
    ledger::sign_voucher(v, client, chain_);
    return v;
}

std::string TestWallet::balance(const ledger::Account& a, const std::string& ticker) {
    auto r = client_.call("account.balances", json::object{{"account", ledger::account_text(a)}});
    for (const auto& b : r.at("balances").as_array())
        if (b.at("ticker").as_string() == ticker) return std::string(b.at("balance").as_string());
    return "0.00";
}

int error_code_of(rpc::Client& c, std::string_view method, json::value params) {
    try {
        c.call(method, std::move(params));
    } catch (const rpc::Error& e) {
        return e.code;
    }
    throw std::runtime_error(std::string(method) + " succeeded where an error was expected");
}

}  // namespace kopilka::test
