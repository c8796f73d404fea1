// kopilkad — the Kopilka node.
//
//   kopilkad init   --datadir DIR [--chain-name NAME]   make a data dir
//   kopilkad [run]  --datadir DIR [options]             serve it
//   kopilkad verify --datadir DIR                       audit it offline
//   kopilkad follow URL --datadir DIR [options]         replicate URL's chain, verified; serve it read-only
//   kopilkad rpc-doc                                    print docs/rpc.md
#include "ledger/audit.h"
#include "node/follow/source.h"
#include "node/node.h"
#include "rpc/methods.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>
#include <unistd.h>

using namespace kopilka;

namespace {

// Exit codes besides 0 (ok), 1 (failed) and 2 (bad usage); a service manager
// can keep from restarting a node on a damaged ledger (RestartPreventExitStatus=3).
constexpr int exit_damaged = 3;     // the startup check found a damaged block
constexpr int exit_unwritable = 4;  // the data dir cannot be written (read-only, full)
// A follower (kopilkad follow) stopped for good by what its source served:
constexpr int exit_follow_refused = 5;       // a block that fails verification
constexpr int exit_follow_other_chain = 6;   // another chain (another genesis)
constexpr int exit_follow_rewritten = 7;     // a rollback or equivocation: the proof is in DIR/follow/proof

int follow_exit_code(node::follow::Fault f) {
    switch (f) {
        case node::follow::Fault::block_refused: return exit_follow_refused;
        case node::follow::Fault::other_chain: return exit_follow_other_chain;
        case node::follow::Fault::rollback:
        case node::follow::Fault::equivocation: return exit_follow_rewritten;
    }
    return 1;
}

volatile std::sig_atomic_t g_signal = 0;  // the one global: a signal handler has nowhere else to write
extern "C" void on_signal(int sig) { g_signal = sig; }

std::optional<node::LogLevel> parse_level(const std::string& s) {
    if (s == "debug") return node::LogLevel::debug;
    if (s == "info") return node::LogLevel::info;
    if (s == "warn") return node::LogLevel::warn;
    if (s == "error") return node::LogLevel::error;
    return std::nullopt;
}

int run(node::Config& config) {
    auto level = parse_level(config.log_level);
    if (!level) {
        std::cerr << "kopilkad: --log-level must be debug, info, warn or error\n";
        return 2;
    }
    auto proxies = node::TrustedProxies::parse(config.trusted_proxies);
    if (!proxies) {
        std::cerr << "kopilkad: " << proxies.error() << "\n";
        return 2;
    }
    node::Log log(*level);
    node::SystemClock clock(config.clock_offset_s * 1000);
    if (config.clock_offset_s != 0)
        log.warn("clock.offset", {{"offset_s", config.clock_offset_s},
                                  {"note", "a test network's clock: block times are not the wall clock's"}});
    node::Node::OpenFailure why = node::Node::OpenFailure::other;
    auto opened = node::Node::open(config, clock, log, &why);
    if (!opened) {
        log.error("node.open_failed", {{"error", opened.error()}});
        std::cerr << "kopilkad: " << opened.error() << "\n";
        if (why == node::Node::OpenFailure::damaged) return exit_damaged;
        if (why == node::Node::OpenFailure::unwritable) return exit_unwritable;
        if (why == node::Node::OpenFailure::proof_kept) return exit_follow_rewritten;
        return 1;
    }
    node::Node& n = **opened;
    n.start();
    node::Server server(n, config.server, *proxies);
    try {
        server.start(config.listen_address, config.port);
    } catch (const std::exception& e) {
        log.error("server.listen_failed", {{"error", e.what()}});
        std::cerr << "kopilkad: " << e.what() << "\n";
        n.stop();
        return 1;
    }
    if (config.public_url.empty())
        n.set_listen_url("http://" + config.listen_address + ":" + std::to_string(server.port()));
    log.info("server.listening", {{"address", config.listen_address}, {"port", server.port()}});
    if (!proxies->addresses().empty()) {
        std::string trusted;
        for (const auto& a : proxies->addresses()) trusted += (trusted.empty() ? "" : ",") + a;
        log.info("server.trusted_proxies", {{"addresses", trusted}});
    }

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    n.wait_for_stop_request([] { return g_signal != 0; });
    if (const auto stopped = n.follow_stop())
        log.info("node.stopping", {{"follow_fault", node::follow::fault_name(stopped->fault)}});
    else
        log.info("node.stopping", {{"signal", static_cast<int>(g_signal)}});
    // Commit what is pending and sync first, while the server can still
    // deliver the answers: callers waiting for their block are told, and
    // admin.stop's own answer goes out. New submissions are refused with
    // "the node is stopping" meanwhile. Then close the server.
    n.stop();
    // The answers n.stop() gave (waiters, admin.stop's own) are queued on
    // their connections; let them reach the wire before the server closes.
    constexpr auto shutdown_drain = std::chrono::milliseconds(300);
    std::this_thread::sleep_for(shutdown_drain);
    server.stop();
    if (auto stopped = n.follow_stop()) {
        // Loudly: the log has it too, and for a proof DIR/follow/proof.
        std::cerr << "kopilkad: following stopped (" << node::follow::fault_name(stopped->fault)
                  << "): " << stopped->message << "\n";
        return follow_exit_code(stopped->fault);
    }
    return 0;
}

int verify(const std::filesystem::path& data_dir) {
    const bool tty = ::isatty(STDERR_FILENO);
    ledger::AuditReport report;
    try {
        report = ledger::audit_dir(node::DataDir{data_dir}.ledger(), [&](std::uint64_t h, std::uint64_t tip) {
            if (tty && (h % 100 == 0 || h == tip)) std::fprintf(stderr, "\rverifying block %llu of %llu",
                                                                static_cast<unsigned long long>(h),
                                                                static_cast<unsigned long long>(tip));
        });
    } catch (const std::exception& e) {
        // Nothing the ledger throws may end the audit in an abort.
        report.ok = false;
        report.reason = std::string("the ledger could not be read: ") + e.what();
    }
    if (tty) std::fputc('\n', stderr);
    std::cout << "chain " << report.chain_name << " (" << to_hex(report.chain_id) << ")\n";
    std::cout << "blocks verified: " << report.blocks_checked << " of " << report.tip_height << "\n";
    std::cout << "transactions verified: " << report.txs_checked << "\n";
    for (const auto& [kind, n] : report.tx_kinds) std::cout << "  " << kind << ": " << n << "\n";
    for (const auto& [ticker, sum] : report.supplies)
        std::cout << "coin " << ticker << ": balances sum to " << ledger::format_amount(sum) << "\n";
    if (!report.ok) {
        if (report.bad_block)
            std::cout << "FAILED at block " << *report.bad_block << ": " << report.reason << "\n";
        else
            std::cout << "FAILED: " << report.reason << "\n";
        return 1;
    }
    if (report.stats_checked)
        std::cout << "venue aggregates: " << report.stats_records << " records, each equal to its recount from the blocks\n";
    else
        std::cout << "venue aggregates: not built yet (the node counts them from the blocks at its next start)\n";
    std::cout << "OK: every link, signature, rule, root and state digest verified\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // A file-size limit (ulimit -f) must fail a write with EFBIG, which the
    // node handles like a full disk, not kill the process mid-block.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"kopilkad — the Kopilka loyalty ledger node"};
    app.set_version_flag("--version", std::string(node::node_version));
    app.footer(
        "Exit codes: 0 ok; 1 the node failed (message on stderr); 2 bad usage;\n"
        "3 the ledger is damaged (the startup check names the block, or the file, family and key; run verify);\n"
        "4 the data dir cannot be written (read-only or full) at start.\n"
        "kopilkad follow only: 5 the source served a block that fails verification; 6 the source serves\n"
        "another chain; 7 the source rolled back or equivocated (proof in <datadir>/follow/proof).\n"
        "Every run option may also come from the environment (KOPILKAD_<NAME>) or from\n"
        "<datadir>/kopilkad.conf; a flag beats the environment, which beats the file.");

    node::Config config;
    std::string data_dir;
    app.add_option("--datadir", data_dir, "the node's data dir")->envname("KOPILKAD_DATADIR");
    app.require_subcommand(0, 1);

    // Run options belong to the app, so `kopilkad --port N` and
    // `kopilkad run --port N` both work.
    node::add_options(app, config);
    app.add_subcommand("run", "serve the data dir (the default)")->fallthrough();

    auto* init_cmd = app.add_subcommand("init", "make a new data dir: genesis, keys, secrets, config")->fallthrough();
    node::InitOptions init;
    init_cmd->add_option("--chain-name", init.chain_name, "the chain's name in its genesis")->capture_default_str();
    init_cmd
        ->add_option("--rebind-delay-s", init.rebind_delay_s,
                     "seconds a re-bind of a claimed phone waits before it can take effect (genesis)")
        ->capture_default_str();

    app.add_subcommand("verify", "audit the data dir's ledger offline: replay every block from genesis")->fallthrough();
    auto* follow_cmd = app.add_subcommand("follow",
                                          "replicate the chain the node at URL serves (its public JSON-RPC only), "
                                          "verifying every block, and serve a read-only copy from the data dir")
                           ->fallthrough();
    follow_cmd->add_option("url", config.follow_url, "the source node: http://host:port or https://host/...")
        ->required();
    app.add_subcommand("rpc-doc", "print the JSON-RPC reference (docs/rpc.md)");

    // The config file lives in the data dir, so find the data dir first.
    app.allow_config_extras(false);
    app.set_config("--config", "", "config file (default <datadir>/kopilkad.conf)");
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--datadir" && i + 1 < argc) data_dir = argv[i + 1];
        else if (a.rfind("--datadir=", 0) == 0) data_dir = a.substr(10);
    }
    if (data_dir.empty())
        if (const char* env = std::getenv("KOPILKAD_DATADIR")) data_dir = env;
    if (!data_dir.empty() && std::filesystem::exists(node::DataDir{data_dir}.config()))
        app.get_config_ptr()->default_str(node::DataDir{data_dir}.config().string());

    try {
        app.parse(argc, argv);
        // CLI11 reads the config file before the environment, then takes from
        // the environment only what is still unset, so the file would beat the
        // environment. Apply the environment again to every option not given
        // as a flag: flag > environment > file > default, as documented.
        for (CLI::Option* o : app.get_options()) {
            const std::string env = o->get_envname();
            const char* value = env.empty() ? nullptr : std::getenv(env.c_str());
            if (!value || !*value) continue;
            bool flagged = false;
            for (int i = 1; i < argc && !flagged; ++i) {
                const std::string_view a = argv[i];
                for (const auto& name : o->get_lnames())
                    flagged = flagged || a == "--" + name || a.starts_with("--" + name + "=");
            }
            if (flagged) continue;
            o->clear();
            o->add_result(value);
            o->run_callback();
        }
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }

    if (app.got_subcommand("rpc-doc")) {
        std::cout << rpc::rpc_markdown();
        return 0;
    }
    if (data_dir.empty()) {
        std::cerr << "kopilkad: give --datadir DIR (or KOPILKAD_DATADIR)\n";
        return 2;
    }
    config.data_dir = data_dir;
    if (config.clock_offset_s > node::clock_offset_s_max || config.clock_offset_s < -node::clock_offset_s_max) {
        std::cerr << "kopilkad: --clock-offset-s must be within " << node::clock_offset_s_max
                  << " seconds of the wall clock (ten years) either way\n";
        return 2;
    }
    if (app.got_subcommand("init")) {
        init.clock_offset_ms = config.clock_offset_s * 1000;
        auto ok = node::init_data_dir(data_dir, init);
        if (!ok) {
            std::cerr << "kopilkad: " << ok.error() << "\n";
            return 1;
        }
        std::cout << "initialised " << data_dir << " (chain \"" << init.chain_name << "\")\n"
                  << "start it with: kopilkad --datadir " << data_dir << "\n";
        return 0;
    }
    if (app.got_subcommand("verify")) return verify(data_dir);
    if (app.got_subcommand("follow")) {
        if (auto source = node::follow::Source::open(config.follow_url); !source) {
            std::cerr << "kopilkad: " << source.error() << "\n";
            return 2;
        }
        if (config.follow_poll_ms < node::follow_poll_ms_min || config.follow_poll_ms > node::follow_poll_ms_max) {
            std::cerr << "kopilkad: --follow-poll-ms must be " << node::follow_poll_ms_min << " to "
                      << node::follow_poll_ms_max << "\n";
            return 2;
        }
    }
    return run(config);
}
