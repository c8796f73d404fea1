#include "wallet-cli/session.h"

#include "crypto/address.h"
#include "ledger/codec.h"
#include "ledger/phone.h"
#include "ledger/types.h"
#include "rpc/protocol.h"
#include "wallet-cli/cli_error.h"
#include "wallet-cli/format.h"

#include <boost/json.hpp>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <regex>

namespace kopilka::wallet {

std::string str(const json::value& v, std::string_view key) {
    const json::object* o = v.if_object();
    const json::value* f = o ? o->if_contains(key) : nullptr;
    if (!f || !f->is_string())
        throw CliError(exit_node_error, "the node's answer lacks '" + std::string(key) + "' (a different kopilkad version?)");
    return std::string(f->get_string());
}

std::string str_or(const json::value& v, std::string_view key, std::string fallback) {
    const json::object* o = v.if_object();
    const json::value* f = o ? o->if_contains(key) : nullptr;
    if (!f || !f->is_string()) return fallback;
    return std::string(f->get_string());
}

NodeAddress parse_node_address(std::string_view text) {
    std::string_view t = text;
    if (t.starts_with("http://")) t.remove_prefix(7);
    while (!t.empty() && t.back() == '/') t.remove_suffix(1);
    NodeAddress a;
    std::string_view port_text;
    if (t.starts_with("[")) {
        const auto close = t.find(']');
        if (close == std::string_view::npos) throw CliError(exit_usage, "--node '" + std::string(text) + "' has no closing ']'");
        a.host = std::string(t.substr(1, close - 1));
        auto rest = t.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') throw CliError(exit_usage, "--node '" + std::string(text) + "' is not [host]:port");
            port_text = rest.substr(1);
        }
    } else if (const auto colon = t.rfind(':'); colon != std::string_view::npos && t.find(':') == colon) {
        a.host = std::string(t.substr(0, colon));
        port_text = t.substr(colon + 1);
    } else {
        a.host = std::string(t);
    }
    if (a.host.empty()) throw CliError(exit_usage, "--node '" + std::string(text) + "' has no host", "give host:port, e.g. 127.0.0.1:8645");
    if (!port_text.empty()) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
        if (ec != std::errc{} || p != port_text.data() + port_text.size() || v == 0 || v > 65535)
            throw CliError(exit_usage, "--node '" + std::string(text) + "': the port must be 1-65535");
        a.port = static_cast<std::uint16_t>(v);
    }
    return a;
}

Session::Session(const GlobalOptions& opts)
    : opts_(opts), wallet_(opts.wallet_dir.empty() ? WalletDir::default_path() : std::filesystem::path(opts.wallet_dir)) {
    node_text_ = opts.node;
    if (node_text_.empty())
        if (const char* env = std::getenv("KOPILKA_NODE"); env && *env) node_text_ = env;
    if (node_text_.empty()) node_text_ = std::string(default_node);
}

rpc::Client& Session::client() {
    if (!client_) {
        // Parsed here, not at start: key commands never need the node.
        address_ = parse_node_address(node_text_);
        client_ = std::make_unique<rpc::Client>(address_.host, address_.port, admin_token_);
        client_->set_timeout(std::chrono::seconds(opts_.timeout_s));
    }
    return *client_;
}

rpc::HttpResponse Session::upload_media(std::string bytes, const std::string& content_type) {
    try {
        return client().post("/media", std::move(bytes), content_type);
    } catch (const rpc::TransportError& e) {
        throw CliError(exit_unreachable, e.what(), "give the node with --node HOST:PORT or KOPILKA_NODE");
    }
}

json::value Session::call(std::string_view method, json::object params) {
    client();
    if (!history_checked_) check_history();
    try {
        return client_->call(method, std::move(params));
    } catch (const rpc::TransportError& e) {
        throw CliError(exit_unreachable, e.what(), "give the node with --node HOST:PORT or KOPILKA_NODE");
    } catch (const rpc::Error& e) {
        fail(e, method);
    }
}

const json::object& Session::info(bool fresh) {
    if (!info_ || fresh) {
        auto v = call("node.info");
        if (!v.is_object()) throw CliError(exit_node_error, "node.info did not answer an object");
        info_ = v.as_object();
    }
    return *info_;
}

PublicKey Session::genesis_producer() {
    const auto g = call("chain.genesis");
    auto bytes = from_base64url(str(g, "genesis"));
    std::optional<ledger::Genesis> genesis;
    try {
        if (bytes) genesis = ledger::decode_genesis(*bytes);
    } catch (const ledger::DecodeError&) {
        // Told below.
    }
    if (!genesis) throw CliError(exit_node_error, "chain.genesis answered a genesis the wallet cannot read");
    // The chain id is the genesis hash, so the producer key it names is the chain's.
    if (ledger::genesis_hash(*genesis) != chain_id())
        throw CliError(exit_history, "the node's genesis does not hash to the chain id it gives (" + to_hex(chain_id()) + ")",
                       "do not act on this node's answers");
    return genesis->producer;
}

SignedHeader Session::fetch_header(std::uint64_t height, const PublicKey& producer) {
    const auto v = call("block.get", json::object{{"height", height}});
    const std::string what = "block.get at height " + std::to_string(height);
    auto hash_of = [&](std::string_view key) {
        auto raw = from_hex(str(v, key));
        if (!raw || raw->size() != hash_bytes) throw CliError(exit_node_error, what + ": '" + std::string(key) + "' is not a hash");
        Hash256 h{};
        std::copy(raw->begin(), raw->end(), h.begin());
        return h;
    };
    auto number = [&](std::string_view key) {
        const json::value* f = v.is_object() ? v.as_object().if_contains(key) : nullptr;
        boost::system::error_code ec;
        const std::uint64_t n = f ? f->to_number<std::uint64_t>(ec) : 0;
        if (!f || ec) throw CliError(exit_node_error, what + ": '" + std::string(key) + "' is not a number");
        return n;
    };
    SignedHeader s;
    s.header.height = number("height");
    s.header.prev = hash_of("prev");
    s.header.time_ms = number("time_ms");
    s.header.tx_root = hash_of("tx_root");
    s.header.state_digest = hash_of("state_digest");
    const std::uint64_t tx_count = number("tx_count");
    if (tx_count > ledger::block_txs_max) throw CliError(exit_node_error, what + ": 'tx_count' is out of range");
    s.header.tx_count = static_cast<std::uint32_t>(tx_count);
    auto key = key_from_address(str(v, "producer"));
    if (!key) throw CliError(exit_node_error, what + ": 'producer' is not an address");
    s.header.producer = *key;
    auto sig = from_hex(str(v, "signature"));
    if (!sig || sig->size() != signature_bytes) throw CliError(exit_node_error, what + ": 'signature' is not 64 bytes of hex");
    std::copy(sig->begin(), sig->end(), s.signature.bytes.begin());
    // The rebuilt header must be the one the node hashed: else this wallet
    // and the node disagree on the header's bytes.
    if (s.hash() != hash_of("hash"))
        throw CliError(exit_node_error, what + ": its fields do not hash to its hash (a different kopilkad version?)");
    if (s.header.height != height)
        throw CliError(exit_history, "asked for block " + std::to_string(height) + ", the node at " + node_text_ +
                                         " served block " + std::to_string(s.header.height));
    if (!s.signed_by(producer, chain_id()))
        throw CliError(exit_history,
                       "the node at " + node_text_ + " serves a block " + std::to_string(height) +
                           " not signed by the chain's producer " + address_from_key(producer),
                       "do not act on this node's answers");
    return s;
}

SignedHeader Session::tip_header(std::uint64_t height, const PublicKey& producer) {
    // node.info carries the tip's signed header (nodes before it did not: then
    // block.get, whose answer also lists every transaction id, serves it).
    const json::value* field = info().if_contains("tip_header");
    if (!field || field->is_null()) return fetch_header(height, producer);
    const std::string what = "node.info's tip_header";
    auto raw = field->is_string() ? from_base64url(field->as_string()) : std::nullopt;
    auto tip = raw ? decode_signed_header(*raw) : std::nullopt;
    if (!tip) throw CliError(exit_node_error, what + " does not decode");
    if (tip->header.height != height)
        throw CliError(exit_node_error, what + " is at height " + std::to_string(tip->header.height) +
                                            ", node.info's height is " + std::to_string(height));
    if (to_hex(tip->hash()) != str(info(), "tip_hash"))
        throw CliError(exit_node_error, what + " does not hash to node.info's tip_hash");
    if (!tip->signed_by(producer, chain_id()))
        throw CliError(exit_history,
                       "the node at " + node_text_ + " serves a block " + std::to_string(height) +
                           " not signed by the chain's producer " + address_from_key(producer),
                       "do not act on this node's answers");
    return *tip;
}

void Session::check_history() {
    // Set first: the calls below go through call() themselves.
    history_checked_ = true;
    const ChainId chain = chain_id();
    boost::system::error_code ec;
    const std::uint64_t height = info().at("height").to_number<std::uint64_t>(ec);
    if (ec) throw CliError(exit_node_error, "node.info gave no height");
    const KnownTips tips = known_tips();
    const auto known = tips.get(chain);
    // Once remembered, the producer is the one whose header was verified
    // against the genesis then; on first use (trust on first use, as ssh
    // does) the genesis the chain id is the hash of names it.
    const PublicKey producer = known ? known->header.producer : genesis_producer();
    std::optional<SignedHeader> tip;
    if (height > 0) tip = tip_header(height, producer);
    if (known) {
        const std::uint64_t k = known->header.height;
        if (height < k) refuse_rollback(node_text_, chain, *known, tip);
        const SignedHeader at = height == k ? *tip : fetch_header(k, producer);
        if (at.hash() != known->hash()) refuse_equivocation(node_text_, chain, *known, at);
    }
    if (tip && (!known || tip->header.height > known->header.height)) remember_tip(chain, *tip);
}

void Session::remember_tip(const ChainId& chain, const SignedHeader& tip) {
    try {
        known_tips().remember(chain, tip);
    } catch (const CliError& e) {
        std::cerr << "kopilka: warning: the chain's tip is not remembered: " << e.what() << "\n";
    }
}

const ChainId& Session::chain_id() {
    if (!chain_) {
        auto raw = from_hex(str(info(), "chain_id"));
        if (!raw || raw->size() != hash_bytes) throw CliError(exit_node_error, "node.info gave no valid chain id");
        ChainId id{};
        std::copy(raw->begin(), raw->end(), id.begin());
        chain_ = id;
    }
    return *chain_;
}

std::uint64_t Session::node_now_s() {
    const auto& o = info(true);
    // The node's clock decides expiries, so the wallet uses it, not its own.
    if (const auto* t = o.if_contains("time_ms"); t && t->is_number()) {
        boost::system::error_code ec;
        const auto ms = t->to_number<std::uint64_t>(ec);
        if (!ec) return ms / 1000;
    }
    return static_cast<std::uint64_t>(std::time(nullptr));
}

const std::string& Session::me() {
    if (me_.empty()) me_ = wallet_.pick(opts_.as);
    return me_;
}

const Identity& Session::identity() {
    if (!identity_) identity_ = wallet_.identity(me());
    return *identity_;
}

const KeyPair& Session::key() {
    if (!key_) {
        PassphraseSource src{opts_.passphrase_file};
        Passphrase pass = src.get("Passphrase for '" + me() + "': ", false);
        key_.emplace(wallet_.open(me(), pass));
    }
    return *key_;
}

ledger::Account Session::spending_account() {
    const Identity& id = identity();
    if (id.phone) return id.phone->account;
    return ledger::Account::of_key(id.key);
}

ledger::SignedTx Session::sign(ledger::TxBody body) {
    const KeyPair& k = key();
    ledger::Tx tx;
    tx.signer = k.public_key();
    tx.nonce = random_u64();
    tx.expiry_s = node_now_s() + tx_ttl_s;
    tx.body = std::move(body);
    return ledger::sign_tx(tx, k, chain_id());
}

json::object Session::submit(const ledger::SignedTx& stx) {
    auto r = call("tx.submit", json::object{{"blob", to_base64url(ledger::encode_signed_tx(stx))}, {"wait", true}});
    if (!r.is_object()) throw CliError(exit_node_error, "tx.submit did not answer an object");
    return r.as_object();
}

json::value Session::lookup_phone(const std::string& typed, std::optional<ledger::Account> holder) {
    // With the cookie the operator asks as the operator; anyone else signs
    // the request (docs/formats.md, "Signed phone lookup") with the acting
    // key, which the node answers only if it is a venue's owner or staff or
    // is bound to the phone the identity claimed.
    if (!admin_token_.empty()) return call("phone.lookup", json::object{{"phone", typed}});
    const KeyPair& k = key();
    const auto& o = info(true);
    std::uint64_t now_ms = static_cast<std::uint64_t>(std::time(nullptr)) * 1000;
    if (const auto* t = o.if_contains("time_ms"); t && t->is_number()) {
        boost::system::error_code ec;
        const auto ms = t->to_number<std::uint64_t>(ec);
        if (!ec) now_ms = ms;  // the node's clock decides freshness
    }
    auto message = ledger::lookup_request_bytes(typed, now_ms);
    if (!message) throw CliError(exit_usage, "'" + typed + "' is too long for a phone number");
    json::object params{{"phone", typed},
                        {"key", address_from_key(k.public_key())},
                        {"time_ms", now_ms},
                        {"signature", to_hex(k.sign(Domain::lookup, chain_id(), *message).view())}};
    if (!holder && identity().phone) holder = identity().phone->account;
    if (holder) params["holder"] = ledger::account_text(*holder);
    return call("phone.lookup", std::move(params));
}

Recipient Session::resolve_recipient(const std::string& text) {
    if (text.starts_with("kop1") || text.starts_with("KOP1")) {
        auto k = key_from_address(text);
        if (!k)
            throw CliError(exit_usage, "'" + text + "' is not a valid address (the checksum does not match)",
                           "check every character; a mistyped address is refused so no coins are lost");
        return {ledger::Account::of_key(*k), address_from_key(*k)};
    }
    if (text.starts_with("phone:")) {
        auto a = ledger::account_from_text(text);
        if (!a) throw CliError(exit_usage, "'" + text + "' is not phone:<64 lowercase hex>");
        return {*a, text};
    }
    auto r = lookup_phone(text);
    auto a = ledger::account_from_text(str(r, "account"));
    if (!a) throw CliError(exit_node_error, "phone.lookup answered an account the wallet cannot read");
    return {*a, str(r, "e164")};
}

std::string explain_refusal(std::string_view reason, const std::string& message, std::uint64_t now_s) {
    std::string msg = message;
    // Unix times in the ledger's messages become dates a person can read.
    static const std::regex unix_s(R"(at ([0-9]{9,12}) \(unix s\))");
    std::smatch m;
    if (std::regex_search(msg, m, unix_s)) {
        const std::uint64_t t = std::stoull(m[1]);
        msg = m.prefix().str() + "at " + utc_time_s(t) + " (" + relative_time(t, now_s) + ")" + m.suffix().str();
    }
    return "refused (" + std::string(reason) + "): " + msg;
}

std::string refusal_hint(std::string_view reason, const std::string& who, const std::string& address,
                         const std::string& ticker) {
    const std::string t = ticker.empty() ? "TICKER" : ticker;
    if (reason == "not_staff")
        return "you are '" + who + "' (" + address + "); to join " + t + " run: kopilka staff accept " + t +
               ", and give the owner the line it prints (they run: kopilka staff add " + t + " ACCEPTANCE)";
    if (reason == "not_owner") return "you are '" + who + "' (" + address + "); act as the owner's key with --as NAME";
    if (reason == "insufficient_balance") return "see the balances with: kopilka balance";
    if (reason == "voucher_expired" || reason == "voucher_used" || reason == "voucher_expiry_too_far")
        return "ask the client to show a new QR (kopilka voucher " + t + " PRODUCT_ID)";
    if (reason == "voucher_wrong_venue") return "a voucher redeems only at the venue it was made for";
    if (reason == "bad_signature")
        return "the QR was altered, damaged or made for another chain; ask the client to show a new one";
    if (reason == "voucher_not_client")
        return "the phone was claimed by another key since the voucher was made; ask the client for a new QR";
    if (reason == "price_changed") return "the price changed since the voucher was made; ask the client for a new QR";
    if (reason == "not_account_holder") return "claim the phone first: kopilka claim-request PHONE, then kopilka claim PHONE --code CODE";
    if (reason == "limit_per_tx" || reason == "limit_per_day") return "the owner sets staff limits with: kopilka staff update";
    if (reason == "acceptance_expired" || reason == "acceptance_used")
        return "ask the staff member for a new one: kopilka staff accept " + t;
    if (reason == "rebind_not_due") return "wait until the time above, then run the same command again";
    if (reason == "rebind_pending") return "the key the phone is bound to can cancel it: kopilka rebind-cancel PHONE";
    if (reason == "ticker_taken") return "choose another ticker (3-10 of A-Z and 0-9)";
    if (reason == "unknown_ticker") return "see the venues with: kopilka venue list";
    return "";
}

void Session::fail(const rpc::Error& e, std::string_view method) {
    std::string reason;
    if (const auto* o = e.data.if_object())
        if (const auto* r = o->if_contains("reason"); r && r->is_string()) reason = std::string(r->get_string());
    if (e.code > rpc::refusal_code_base && e.code < rpc::not_found) {
        if (reason.empty()) reason = "refused";
        const std::uint64_t now = static_cast<std::uint64_t>(std::time(nullptr));
        std::string who, address;
        if (!me_.empty() && !identity_) {
            try {
                identity();
            } catch (const CliError&) {
                // The hint goes without the name.
            }
        }
        if (identity_) {
            who = identity_->name;
            address = address_from_key(identity_->key);
        }
        throw CliError(exit_refused, explain_refusal(reason, e.what(), now), refusal_hint(reason, who, address, ticker_hint_));
    }
    const std::string m = std::string(method) + ": " + e.what();
    switch (e.code) {
        case rpc::invalid_params: throw CliError(exit_usage, m);
        case rpc::code_invalid:
            throw CliError(exit_node_error, "the claim code is wrong, expired or already used",
                           "ask for a new one: kopilka claim-request PHONE");
        case rpc::rate_limited: throw CliError(exit_node_error, m, "wait a minute and retry");
        case rpc::unauthorized:
            if (method == "phone.lookup")
                throw CliError(exit_node_error, m,
                               "phone numbers are looked up only for a venue's owner or staff, or a client who claimed "
                               "a phone (kopilka claim-request PHONE); or send to phone:<hex>");
            throw CliError(exit_node_error, m, "give the node's cookie with --cookie DATADIR/.cookie");
        case rpc::mempool_full:
        case rpc::unavailable: throw CliError(exit_node_error, m, "retry in a moment");
        default: throw CliError(exit_node_error, m);
    }
}

}  // namespace kopilka::wallet
