// kopilkad's settings. Each is a named option with a default; it can be given
// (highest precedence first) as a command-line flag, an environment variable
// KOPILKAD_<NAME>, or a line in the data dir's kopilkad.conf.
#pragma once

#include "node/server.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace CLI {
class App;
}

namespace kopilka::node {

struct Config {
    std::filesystem::path data_dir;
    std::string listen_address = "127.0.0.1";
    std::uint16_t port = 8645;
    std::string public_url;            // base of links in messages; default http://<listen>:<port>
    std::string default_country = "7";  // calling code for numbers typed without one

    std::uint32_t block_interval_ms = 5;      // a block closes this long after its first transaction
    std::uint32_t block_txs_max = 2000;       // or when it holds this many
    std::uint64_t check_blocks = 288;         // blocks checked in full at start (0: all); every header always
    std::size_t mempool_txs_max = 100'000;    // pending transactions; more are refused (retry)
    std::size_t batch_requests_max = 1000;    // requests in one JSON-RPC batch
    unsigned verify_threads = 0;              // signature checks; 0: one per core
    std::size_t block_cache_bytes = 0;        // RocksDB's cache of table blocks; 0: RocksDB's 8 MiB

    ServerLimits server;

    std::uint32_t phone_lookups_per_minute = 30;       // per client address
    std::uint32_t claim_codes_per_phone_per_hour = 3;
    std::uint32_t claim_codes_per_ip_per_hour = 10;
    std::uint32_t claim_code_ttl_s = 600;
    std::uint32_t claim_code_attempts_max = 5;          // wrong tries before a code burns

    std::string log_level = "info";

    std::filesystem::path ledger_dir() const { return data_dir / "ledger"; }
    std::string effective_public_url() const;
};

// Registers every option on `app` (a CLI11 subcommand), bound to `config`.
void add_options(CLI::App& app, Config& config);
// The text of a kopilkad.conf with every option commented out at its default.
std::string config_template();

}  // namespace kopilka::node
