// The subcommands of `kopilka`, one file per role. Each add_* registers its
// subcommands on the CLI11 app; parsing picks one, whose action then runs with
// a Session (main.cpp maps CliError to the exit code).
#pragma once

#include "wallet-cli/session.h"

#include <CLI/CLI.hpp>

#include <functional>

namespace kopilka::wallet {

struct Program {
    GlobalOptions opts;
    std::function<int(Session&)> action;
};

void add_key_commands(CLI::App& app, Program& p);
void add_owner_commands(CLI::App& app, Program& p);
void add_staff_commands(CLI::App& app, Program& p);
void add_client_commands(CLI::App& app, Program& p);
void add_audit_commands(CLI::App& app, Program& p);
void add_media_commands(CLI::App& app, Program& p);
void add_programme_commands(CLI::App& app, Program& p);  // programme show|set
void add_purchase_commands(CLI::App& app, Program& p);   // purchase, return, loyalty, card, birthday, pay-consent

// Shared by the commands.
ledger::Amount parse_amount_arg(const std::string& text, std::string_view what);
std::string parse_ticker_arg(const std::string& text);
// A file the person named: at most max_bytes + 1 of it (so the caller can
// tell "too large" with its own words). Throws CliError(exit_usage).
std::string read_input_file(const std::string& path, std::size_t max_bytes);
// Prints "committed in block N (tx <id>)".
void print_committed(const json::object& result);

}  // namespace kopilka::wallet
