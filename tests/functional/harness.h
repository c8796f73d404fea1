// Functional-test harness: starts the real kopilkad on a free port with a
// temporary data dir, and plays a wallet against it over JSON-RPC (after
// Bitcoin Core's test framework). Nothing here reaches into the node's memory.
#pragma once

#include "crypto/keys.h"
#include "ledger/tx.h"
#include "rpc/client.h"
#include "support.h"

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace kopilka::test {

class NodeProcess {
public:
    // Inits a data dir (kopilkad init) and starts the node on a free port.
    explicit NodeProcess(std::vector<std::string> extra_args = {});
    ~NodeProcess();
    NodeProcess(const NodeProcess&) = delete;
    NodeProcess& operator=(const NodeProcess&) = delete;

    void start();
    // Sends `sig` and waits; returns the exit status (or 128+signal).
    int stop(int sig = 15);
    void kill9();
    bool running() const { return pid_ > 0; }

    std::uint16_t port() const { return port_; }
    const std::filesystem::path& data_dir() const { return data_dir_; }
    std::string admin_token() const;  // the .cookie of the running node
    std::string log() const;          // everything the node wrote to stderr
    rpc::Client client(bool admin = false) const;

private:
    TempDir dir_{"kopilkad-test"};
    std::filesystem::path data_dir_;
    std::filesystem::path log_file_;
    std::vector<std::string> extra_args_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

// Runs `kopilkad ARGS...` to completion; returns exit code and combined output.
std::pair<int, std::string> run_kopilkad(const std::vector<std::string>& args);

// A wallet in a test: signs with the ledger library, talks over RPC only.
class TestWallet {
public:
    explicit TestWallet(rpc::Client& client);
    const ChainId& chain() const { return chain_; }
    std::uint64_t now_s() const;

    ledger::SignedTx sign(const KeyPair& key, ledger::TxBody body, std::uint64_t ttl_s = 3600);
    static std::string blob(const ledger::SignedTx& stx);
    // Submits and waits for the block; returns the result or throws rpc::Error.
    boost::json::value submit(const ledger::SignedTx& stx);
    ledger::Voucher voucher(const KeyPair& client, const std::string& ticker, std::uint32_t product,
                            ledger::Amount price, const ledger::Account& account, std::uint64_t ttl_s = 300);
    std::string balance(const ledger::Account& a, const std::string& ticker);

private:
    rpc::Client& client_;
    ChainId chain_{};
};

// Calls a method expecting an error; returns its code (fails the test if it succeeded).
int error_code_of(rpc::Client& c, std::string_view method, boost::json::value params);

}  // namespace kopilka::test
