// kopilka — the Kopilka wallet for owners, staff, clients and auditors.
// It reaches the ledger only through a node's JSON-RPC API (rpc::Client).
#include "wallet-cli/cli_error.h"
#include "wallet-cli/commands.h"
#include "wallet-cli/format.h"

#include <iostream>

using namespace kopilka::wallet;

namespace {

constexpr const char* footer =
    "Identity: keys live in the wallet dir (--wallet-dir, KOPILKA_WALLET_DIR, default ~/.kopilka),\n"
    "each encrypted with a passphrase (Argon2id). Pick one with --as NAME. The passphrase comes from\n"
    "--passphrase-file FILE, else KOPILKA_PASSPHRASE, else a prompt on the terminal.\n"
    "Node: --node HOST:PORT, else KOPILKA_NODE, else 127.0.0.1:8645.\n"
    "\n"
    "Exit codes:\n"
    "  0  ok\n"
    "  1  refused by the ledger (or the voucher would not redeem); the reason is printed\n"
    "  2  bad usage or input (arguments, voucher text, image, unknown key name)\n"
    "  3  the node could not be reached\n"
    "  4  keystore or passphrase problem (wrong passphrase, damaged keystore, none given)\n"
    "  5  the node answered with another error (not found, rate limited, wrong claim code)\n"
    "  6  the audit found a fault in the chain\n"
    "  7  the node's chain does not extend the one this wallet verified before (rolled back or\n"
    "     rewritten); both signed headers are printed\n"
    "\n"
    "docs/cli.md has every command with examples.";

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"kopilka — the Kopilka wallet: owners, staff, clients and auditors, over a node's JSON-RPC"};
    app.set_version_flag("--version", "kopilka 0.1.0");
    app.footer(footer);
    app.require_subcommand(1);
    // Global options may come before or after the subcommand.
    app.fallthrough();

    Program p;
    app.add_option("--node", p.opts.node, "the node, HOST:PORT (env KOPILKA_NODE; default 127.0.0.1:8645)");
    app.add_option("--wallet-dir", p.opts.wallet_dir, "where keys are kept (env KOPILKA_WALLET_DIR; default ~/.kopilka)");
    app.add_option("--as", p.opts.as, "act as this key (default: the only key in the wallet dir)")->envname("KOPILKA_AS");
    app.add_option("--passphrase-file", p.opts.passphrase_file, "read the passphrase from the first line of FILE");
    app.add_option("--timeout", p.opts.timeout_s, "seconds to wait for the node")->capture_default_str();

    add_key_commands(app, p);
    add_owner_commands(app, p);
    add_staff_commands(app, p);
    add_client_commands(app, p);
    add_audit_commands(app, p);
    add_media_commands(app, p);
    add_programme_commands(app, p);
    add_purchase_commands(app, p);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? exit_ok : exit_usage;
    }
    if (!p.action) {
        std::cerr << app.help();
        return exit_usage;
    }
    try {
        Session session(p.opts);
        return p.action(session);
    } catch (const CliError& e) {
        std::cout.flush();
        // Messages carry the node's words (a refusal names a product): shown safely.
        std::cerr << "kopilka: " << display_text(e.what()) << "\n";
        if (!e.hint.empty()) std::cerr << "  hint: " << display_text(e.hint) << "\n";
        return e.exit_code;
    } catch (const std::exception& e) {
        // A node answer of an unexpected shape: say so rather than crash.
        std::cout.flush();
        std::cerr << "kopilka: unexpected answer or failure: " << display_text(e.what()) << "\n";
        return exit_node_error;
    }
}
