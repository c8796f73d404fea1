// JSON-RPC 2.0 as Kopilka speaks it: error codes, request validation, and
// the typed error every handler throws or returns.
//
// Protocol errors use the JSON-RPC codes. A ledger refusal is
// refusal_code_base + the ledger's stable Refusal number, with the reason's
// name in error.data.reason, so a wallet can act on it without parsing text.
#pragma once

#include "ledger/apply.h"

#include <boost/json/value.hpp>

#include <optional>
#include <stdexcept>
#include <string>

namespace kopilka::rpc {

namespace json = boost::json;

enum ErrorCode : int {
    parse_error = -32700,
    invalid_request = -32600,
    method_not_found = -32601,
    invalid_params = -32602,
    internal_error = -32603,

    // Application errors (stable; never renumber).
    refusal_code_base = 1000,  // + ledger::Refusal
    not_found = 2001,          // no such transaction, block, venue...
    unauthorized = 2002,       // an admin method without the cookie token
    rate_limited = 2003,       // too many requests; retry later
    unavailable = 2004,        // the node cannot write (disk full, read-only), its ledger is damaged, or it is stopping
    mempool_full = 2005,       // too many pending transactions; retry shortly
    code_invalid = 2006,       // a phone claim code is wrong, expired or used
    invite_unknown = 2007,     // no open invite has that secret (or it expired)
    invite_accepted = 2008,    // the invite already holds another acceptance
    invites_full = 2009,       // too many open invites (at the venue, or on the node)
    follower = 2010,           // a read-only follower (kopilkad follow) takes no writes; data: reason, source
};

// Thrown by handlers (and caught by the dispatcher), never past it.
struct Error : std::runtime_error {
    Error(int c, std::string message, json::value d = nullptr)
        : std::runtime_error(std::move(message)), code(c), data(std::move(d)) {}
    int code;
    json::value data;
};

Error refused_error(const ledger::Refused& r);

// Whether a request's id can be echoed in its answer: a string, null, or a
// finite number (1e999 parses as infinity, which no JSON text can spell).
bool is_valid_id(const json::value& id);

// Whether `request` is a notification, which gets no answer: a well-formed
// request (an object with "jsonrpc": "2.0" and a string "method") that has no
// "id" member. Anything else without an id ({"foo":"boo"}, 1, "x", []) is not
// a request at all and gets an Invalid Request error with id null, as in the
// JSON-RPC 2.0 specification's own batch example; it is never dropped
// silently.
bool is_notification(const json::value& request);

// Builders for response objects; `id` is one is_valid_id accepts.
json::value make_result(const json::value& id, json::value result);
json::value make_error(const json::value& id, int code, std::string_view message,
                       const json::value& data = nullptr);

// Parameter access with errors a caller can act on ("param 'amount' must be
// a decimal string like \"12.50\"").
class Params {
public:
    explicit Params(const json::value& params);  // object, or null for none
    const json::value* find(std::string_view name) const;  // null counts as absent
    bool present(std::string_view name) const;             // given, null included
    std::string str(std::string_view name) const;
    std::optional<std::string> opt_str(std::string_view name) const;
    std::uint64_t u64(std::string_view name) const;
    std::optional<std::uint64_t> opt_u64(std::string_view name) const;
    bool flag(std::string_view name, bool fallback) const;
    // Rejects any parameter not in `known`, so a typo is an error, not a silent default.
    void only(std::initializer_list<std::string_view> known) const;

private:
    const json::object* obj_ = nullptr;
};

}  // namespace kopilka::rpc
