// How a command fails: an exit code from a small documented set and a message
// a person can act on. Thrown inside the kopilka program only; main() prints
// it and exits with the code.
#pragma once

#include <stdexcept>
#include <string>

namespace kopilka::wallet {

// Documented in `kopilka --help` and docs/cli.md; never renumber.
enum Exit : int {
    exit_ok = 0,
    exit_refused = 1,      // the ledger refused it (or a voucher would not redeem); the reason is printed
    exit_usage = 2,        // bad arguments or input (a voucher text, an image, an unknown key name)
    exit_unreachable = 3,  // the node could not be reached or the connection broke
    exit_keystore = 4,     // a keystore or passphrase problem
    exit_node_error = 5,   // the node answered with another error (not found, rate limited, a wrong code)
    exit_audit_fault = 6,  // the audit found a fault in the chain
    exit_history = 7,      // the node's chain does not extend the one this wallet verified before (rolled back,
                           // rewritten), or what it serves is not signed by the chain's producer
};

struct CliError : std::runtime_error {
    CliError(int code, std::string message, std::string next_step = "")
        : std::runtime_error(std::move(message)), exit_code(code), hint(std::move(next_step)) {}
    int exit_code;
    std::string hint;  // a next step, printed on its own line
};

}  // namespace kopilka::wallet
