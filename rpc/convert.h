// JSON views of ledger objects, and parsing of the text forms people and
// wallets send (accounts, amounts, hex ids). JSON is only the transport: the
// signed bytes are always the canonical binary form.
#pragma once

#include "ledger/block.h"
#include "ledger/chain.h"
#include "ledger/state.h"
#include "ledger/tx.h"
#include "rpc/protocol.h"

#include <boost/json/object.hpp>

#include <expected>

namespace kopilka::rpc {

json::object profile_json(const ledger::Profile& p);
json::object product_json(const ledger::Product& p);
json::object tx_json(const ledger::SignedTx& stx);  // kind-specific fields, amounts as decimal strings
json::object voucher_json(const ledger::Voucher& v);
json::object attestation_json(const ledger::Attestation& a);
json::object staff_acceptance_json(const ledger::StaffAcceptance& a);
// A bonus programme, every field: amounts as decimal strings, shares in basis points.
json::object programme_json(const ledger::loyalty::Programme& p);
// programme_json's inverse, strict: every field present with its type, no
// other field. A wallet rebuilds what a node shows and checks it against the
// view's "hash" (programme_hash of the rebuilt value); the error names the field.
std::expected<ledger::loyalty::Programme, std::string> programme_from_json(const json::value& v);
json::object receipt_json(const ledger::loyalty::Receipt& r);
json::object pay_consent_json(const ledger::PayConsent& c);
std::string client_ref_text(const ledger::ClientRef& c);  // an account's text, or "card:<number>"
// A phone's pending re-bind: {"key", "effective_s"}, or null when none.
json::value rebind_json(const ledger::PendingRebind* r);
json::object header_json(const ledger::BlockHeader& h);
json::object block_json(const ledger::Block& b);
json::object proof_json(const ledger::InclusionProof& p);
ledger::InclusionProof proof_from_json(const json::value& v);  // throws Error(invalid_params)

// Parsers that throw Error(invalid_params) naming the param.
ledger::Account parse_account(const std::string& text, std::string_view param);
PublicKey parse_address(const std::string& text, std::string_view param);
Hash256 parse_hash(const std::string& text, std::string_view param);
// An Ed25519 signature as 128 lowercase hex characters.
Signature parse_signature(const std::string& text, std::string_view param);
Bytes parse_base64url(const std::string& text, std::string_view param, std::size_t max_bytes);
std::string parse_ticker(const std::string& text, std::string_view param);

}  // namespace kopilka::rpc
