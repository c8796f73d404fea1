// One run of `kopilka`: the options every command shares, the wallet dir, the
// identity acting, and the node reached over JSON-RPC (rpc::Client only).
// Every RPC failure leaves here as a CliError with an exit code and a message
// a person can act on.
#pragma once

#include "ledger/tx.h"
#include "rpc/client.h"
#include "wallet-cli/known_tips.h"
#include "wallet-cli/wallet_dir.h"

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>

namespace kopilka::wallet {

namespace json = boost::json;

inline constexpr std::string_view default_node = "127.0.0.1:8645";
inline constexpr std::uint16_t default_port = 8645;
// A transaction the wallet signs is valid this long after the node's clock:
// long enough to reach a busy node, short enough that a stray copy dies soon.
inline constexpr std::uint64_t tx_ttl_s = 10 * 60;
// History pages are fetched at the node's maximum page size.
inline constexpr std::uint64_t history_page_limit = 500;

struct GlobalOptions {
    std::string node;             // host:port; KOPILKA_NODE; default 127.0.0.1:8645
    std::string wallet_dir;       // KOPILKA_WALLET_DIR; default ~/.kopilka
    std::string as;               // identity name
    std::string passphrase_file;
    unsigned timeout_s = 30;
};

struct NodeAddress {
    std::string host;
    std::uint16_t port = default_port;
};
// "host:port", "[v6]:port", "host", optionally with http://. Throws CliError(exit_usage).
NodeAddress parse_node_address(std::string_view text);

// A recipient typed by a person: an address, phone:<hex>, or a phone number.
struct Recipient {
    ledger::Account account;
    std::string label;  // "+79000000001" or the address
};

class Session {
public:
    explicit Session(const GlobalOptions& opts);

    WalletDir& wallet() { return wallet_; }
    const GlobalOptions& options() const { return opts_; }
    const std::string& node_text() const { return node_text_; }

    // Calls a method; rpc errors and transport errors become CliError.
    // Before the first call, checks that the node's chain extends the tip this
    // wallet remembers (check_history), so no command acts on a rolled-back
    // or rewritten chain.
    json::value call(std::string_view method, json::object params = {});
    // For the audit, which checks its fully replayed chain against the
    // remembered tip instead (replay.cpp).
    void defer_history_check() { history_checked_ = true; }
    KnownTips known_tips() const { return KnownTips(wallet_.path() / "known_tips"); }
    // Remembers a verified tip; a file that cannot be written is a warning on
    // stderr (as ssh does with known_hosts), not a failed command.
    void remember_tip(const ChainId& chain, const SignedHeader& tip);
    // node.info, fetched once (chain id, attestors) or fresh (height, time).
    const json::object& info(bool fresh = false);
    const ChainId& chain_id();
    std::uint64_t node_now_s();

    // The identity acting (--as, or the only key in the wallet dir).
    const std::string& me();
    const Identity& identity();
    const KeyPair& key();  // asks for the passphrase the first time
    // The account the identity spends from: its claimed phone, else its key.
    ledger::Account spending_account();

    ledger::SignedTx sign(ledger::TxBody body);
    // Submits with wait=true; returns the node's result (height, id, ...).
    json::object submit(const ledger::SignedTx& stx);

    Recipient resolve_recipient(const std::string& text);
    // phone.lookup, signed by the acting key (or as the operator, with the
    // cookie); `holder` is the phone bound to that key, by default the one
    // the identity claimed.
    json::value lookup_phone(const std::string& typed, std::optional<ledger::Account> holder = std::nullopt);
    // POST /media with `bytes` as `content_type` (no key, no chain check);
    // the node's answer whatever its status. TransportError becomes CliError.
    rpc::HttpResponse upload_media(std::string bytes, const std::string& content_type);
    // For admin methods: the node's cookie token, sent as a bearer token.
    void set_admin_token(std::string token) { admin_token_ = std::move(token); client_.reset(); }
    // The venue a command is about, for hints in error messages.
    void set_ticker_hint(std::string t) { ticker_hint_ = std::move(t); }

    // Turns an rpc::Error into a CliError naming what to do.
    [[noreturn]] void fail(const rpc::Error& e, std::string_view method);

private:
    // The known-tips check (docs/formats.md, "Known tips"): the node's tip and
    // its header at the remembered height, both signed by the producer, and
    // the latter byte-identical to the remembered one. Throws exit_history.
    void check_history();
    rpc::Client& client();
    // block.get at `height`, rebuilt into the signed header and checked
    // against `producer`'s signature.
    SignedHeader fetch_header(std::uint64_t height, const PublicKey& producer);
    // The tip at `height` from node.info's tip_header (else fetch_header),
    // checked against node.info's tip_hash and `producer`'s signature.
    SignedHeader tip_header(std::uint64_t height, const PublicKey& producer);
    // The producer key the genesis names, the genesis checked against the chain id.
    PublicKey genesis_producer();

    GlobalOptions opts_;
    WalletDir wallet_;
    std::string node_text_;
    NodeAddress address_;
    std::unique_ptr<rpc::Client> client_;
    std::optional<json::object> info_;
    std::optional<ChainId> chain_;
    std::string me_;
    std::optional<Identity> identity_;
    std::optional<KeyPair> key_;
    std::string ticker_hint_;
    std::string admin_token_;
    bool history_checked_ = false;
};

// "refused (voucher_expired): ..." with the times made readable; used for
// voucher.check answers too.
std::string explain_refusal(std::string_view reason, const std::string& message, std::uint64_t now_s);
std::string refusal_hint(std::string_view reason, const std::string& who, const std::string& address,
                         const std::string& ticker);

// Text helpers for JSON answers.
std::string str(const json::value& v, std::string_view key);
std::string str_or(const json::value& v, std::string_view key, std::string fallback = "");

}  // namespace kopilka::wallet
