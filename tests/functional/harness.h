// Functional-test harness: starts the real kopilkad on a free port with a
// temporary data dir, and plays a wallet against it over JSON-RPC (after
// Bitcoin Core's test framework). Nothing here reaches into the node's memory.
#pragma once

#include "crypto/keys.h"
#include "ledger/tx.h"
#include "rpc/client.h"
#include "support.h"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>

#include <filesystem>
#include <string>
#include <vector>

namespace kopilka::test {

// Whether this is the AddressSanitizer build (and so is the kopilkad it
// starts): a few tests scale their load or memory bounds by it.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif
#else
inline constexpr bool sanitized = false;
#endif

class NodeProcess {
public:
    // Inits a data dir (kopilkad init, with `init_args`: --clock-offset-s
    // for a chain that begins in the past) and starts the node on a free port.
    explicit NodeProcess(std::vector<std::string> extra_args = {}, std::vector<std::string> init_args = {});
    ~NodeProcess();
    NodeProcess(const NodeProcess&) = delete;
    NodeProcess& operator=(const NodeProcess&) = delete;

    void start();
    // Replaces the extra flags the next start() passes (a restart with other settings).
    void set_extra_args(std::vector<std::string> extra_args) { extra_args_ = std::move(extra_args); }
    // Waits for a node that is stopping by itself (admin.stop); returns its exit
    // status, or -1 when it is still running after `timeout`.
    int wait_stopped(std::chrono::milliseconds timeout);
    // Sends `sig` and waits; returns the exit status (or 128+signal).
    int stop(int sig = 15);
    void kill9();
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }  // for reading /proc/<pid> (memory bounds)

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
    std::uint64_t now_s() const;  // the wall clock, plus the offset below
    // A node run with --clock-offset-s: transactions expire by its clock.
    void set_clock_offset_s(std::int64_t offset_s) { clock_offset_s_ = offset_s; }

    ledger::SignedTx sign(const KeyPair& key, ledger::TxBody body, std::uint64_t ttl_s = 3600);
    static std::string blob(const ledger::SignedTx& stx);
    // `staff`'s consent to join `ticker`, for a staff_add (an hour to use it).
    ledger::StaffAcceptance accept(const KeyPair& staff, const std::string& ticker);
    // Submits and waits for the block; returns the result or throws rpc::Error.
    boost::json::value submit(const ledger::SignedTx& stx);
    ledger::Voucher voucher(const KeyPair& client, const std::string& ticker, std::uint32_t product,
                            ledger::Amount price, const ledger::Account& account, std::uint64_t ttl_s = 300);
    std::string balance(const ledger::Account& a, const std::string& ticker);

private:
    rpc::Client& client_;
    ChainId chain_{};
    std::int64_t clock_offset_s_ = 0;
};

// Calls a method expecting an error; returns its code (fails the test if it succeeded).
int error_code_of(rpc::Client& c, std::string_view method, boost::json::value params);

// ---------------------------------------------------------------------------
// Helpers shared by the functional scenarios (one scenario per file).

// Starts `kopilkad ARGS...` with its stdout and stderr appended to `out_file`
// and `extra_env` ("NAME=value") added to this process's environment.
pid_t spawn_kopilkad(const std::vector<std::string>& args, const std::filesystem::path& out_file,
                     const std::vector<std::string>& extra_env = {});
// Waits for a child to exit; its status as NodeProcess::stop returns it.
int wait_child(pid_t pid);
// A TCP port that was free a moment ago (bind to 0, read it, close).
std::uint16_t free_port();
// Polls `done` every 10 ms until it is true or `timeout` passes; returns its last value.
// A TCP socket connected to 127.0.0.1:`port` from the local address `from`
// (any 127.x.y.z is this host), so the node sees another client address.
// Throws naming `from` when it cannot connect.
int connect_from(const std::string& from, std::uint16_t port);
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
std::string read_text(const std::filesystem::path& p);

// Runs a shell command line, capturing its stdout: {exit status as waitpid gives it, stdout}.
struct Captured {
    int status = -1;
    std::string out;
};
Captured run_captured(const std::string& command);

// POST /rpc with `body` sent byte for byte; the reply's status, text and JSON
// (null when the body is empty or not JSON).
struct RawReply {
    int status = 0;
    std::string text;
    boost::json::value json;
};
RawReply post_rpc(rpc::Client& c, std::string body);

// The error a call ends with (fails the test through an exception if it succeeded).
rpc::Error error_of(rpc::Client& c, std::string_view method, boost::json::value params);

// A plain TCP socket for clients no library would write (slowloris, garbage).
class RawSocket {
public:
    explicit RawSocket(std::uint16_t port);
    ~RawSocket();
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;
    // False when the peer has closed or reset the connection.
    bool send(std::string_view bytes);
    // True once the peer closed the connection (EOF or reset) within `timeout`;
    // whatever it sent first is appended to `received`.
    bool wait_closed(std::chrono::milliseconds timeout, std::string* received = nullptr);

private:
    int fd_ = -1;
};

// The U Volodi venue from SPEC, set up over RPC by open(): coin VOLODYA,
// catalogue coffee 1.00 / donut 2.00 / cheesecake 3.00, baristas Masha and
// Petya with 500.00 each.
struct Volodi {
    explicit Volodi(rpc::Client& c, std::string ticker = "VOLODYA");
    rpc::Client& rpc;
    TestWallet wallet;
    std::string coin;
    KeyPair owner = KeyPair::generate();
    KeyPair masha = KeyPair::generate();
    KeyPair petya = KeyPair::generate();
    std::vector<std::string> tx_ids;  // every transaction open() committed, in order

    ledger::Account treasury() const { return ledger::Account::of_key(owner.public_key()); }
    static ledger::Account of(const KeyPair& k) { return ledger::Account::of_key(k.public_key()); }
    void open();
    // phone.lookup of a number as a person types it, signed by Masha (staff;
    // after open()); returns its account.
    ledger::Account phone(const std::string& typed);
    // A transfer of the coin signed by `from`'s key from its own account, committed.
    boost::json::value give(const KeyPair& from, const ledger::Account& to, ledger::Amount amount,
                            const std::string& memo = "");
};

// phone.lookup's params signed by `signer` at `time_ms` (docs/formats.md,
// "Signed phone lookup"), with `holder` when the signer is a client.
boost::json::object lookup_params(const ChainId& chain, const KeyPair& signer, const std::string& typed,
                                  std::uint64_t time_ms, const std::optional<ledger::Account>& holder = std::nullopt);
// invite.open's params for the invite whose secret is `secret`, signed by
// `signer` (docs/formats.md "Invite open").
boost::json::object invite_open_params(const ChainId& chain, const KeyPair& signer, const std::string& ticker,
                                       ByteView secret, std::uint64_t expiry_s);
// messages.consent.set's params: `signer` (the phone's bound key) chooses
// whether `ticker`'s messages ("" every venue's) reach `phone` (docs/formats.md
// "Signed message consent").
boost::json::object consent_params(const ChainId& chain, const KeyPair& signer, const ledger::Account& phone,
                                   const std::string& ticker, bool receive, std::uint64_t time_ms);
// A browser's push subscription as PushSubscription.toJSON() gives it.
struct PushSub {
    std::string endpoint, p256dh, auth;  // the keys in base64url
};
// messages.push.set's params: `signer` (the phone's bound key) turns web push
// on for `phone` with `sub`, or off (nullopt). The signed bytes are built
// here from docs/formats.md "Signed push subscription" alone.
boost::json::object push_params(const ChainId& chain, const KeyPair& signer, const ledger::Account& phone,
                                const std::optional<PushSub>& sub, std::uint64_t time_ms);
// messages.templates.set's params: `signer` (the venue's owner, if the node
// is to take it) words `kind` of `ticker`'s messages in `language`
// (docs/formats.md "Message templates").
boost::json::object template_text_params(const ChainId& chain, const KeyPair& signer, const std::string& ticker,
                                         const std::string& language, const std::string& kind, const std::string& text,
                                         std::uint64_t time_ms);
// messages.templates.language's params: the language `ticker`'s clients get.
boost::json::object template_language_params(const ChainId& chain, const KeyPair& signer, const std::string& ticker,
                                             const std::string& language, std::uint64_t time_ms);
// phone.lookup signed by `signer` at the node's time (node.info time_ms).
boost::json::value signed_lookup(rpc::Client& c, const ChainId& chain, const KeyPair& signer, const std::string& typed,
                                 const std::optional<ledger::Account>& holder = std::nullopt);
// phone.claim.request for `e164` (c), then the code in its message (admin).
std::optional<std::string> request_claim_code(rpc::Client& c, rpc::Client& admin, const std::string& e164);

// The claim code in the newest outbox message with one to `e164` (admin
// client), or nullopt when none has come within `timeout`. Codes are only in
// the text of phone.claim.request's messages, never in links.
std::optional<std::string> claim_code_from_outbox(rpc::Client& admin, std::string_view e164,
                                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
// phone.claim.confirm with `code`, then phone.bind signed by `key`; returns the bind's result.
boost::json::value claim_phone(TestWallet& w, rpc::Client& c, const std::string& phone, const std::string& code,
                               const KeyPair& key);

// The value of a Prometheus sample "name{labels} value" (labels as written,
// e.g. R"(reason="malformed")"), or nullopt when the sample is absent.
std::optional<double> metric(const std::string& text, const std::string& name, const std::string& labels = "");

}  // namespace kopilka::test
