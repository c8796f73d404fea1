// The method table: every JSON-RPC method the node serves, with its params,
// result, and an example. One table feeds the dispatcher (node/), the OpenRPC
// document served by rpc.discover, and docs/rpc.md, so they cannot drift.
//
// Examples may name ${variables} (${owner}, ${ticker}, ${tx_id}, ...): the
// functional test fills them from a real story and executes every example.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kopilka::rpc {

struct ParamInfo {
    std::string_view name;
    std::string_view type;  // JSON Schema type: string, integer, boolean, object
    bool required;
    std::string_view description;
};

struct MethodInfo {
    std::string_view name;
    std::string_view summary;
    std::vector<ParamInfo> params;
    std::string_view result;          // what the result holds
    bool admin = false;               // needs the cookie token
    bool websocket_only = false;      // subscriptions
    std::string_view example_params;  // JSON object text
    std::string_view example_result;  // JSON text
    // What an integrator generates a typed client from: the result's JSON
    // Schema (draft-07; "$ref"s name #/components/schemas/... of the OpenRPC
    // document, see schema_components()), and the application error codes
    // the method may answer (error_info() describes each). Every method may
    // also answer the JSON-RPC codes -32700 to -32603 and 2003 (rate limited).
    std::string_view result_schema = "";
    std::vector<int> errors = {};
    // A read-only follower (`kopilkad follow`) refuses it with `follower`
    // (2010): it writes (a transaction, a claim code, an invite, the outbox's
    // credits) or needs what only the source node holds (its phone secret
    // and book, its outbox, its admin cookie). Every other method reads the
    // chain and is served from the follower's own copy.
    bool follower_refuses = false;
};

// One error code as rpc.discover and docs/rpc.md describe it.
struct ErrorInfo {
    int code;
    std::string message;  // what it means; for a refusal, the reason's name
    std::string reason;   // a refusal's data.reason; empty for other errors
};
// Every code a method may answer: the JSON-RPC ones, the refusals 1001-1032
// (1000 + ledger::Refusal), and 2001-2010.
const std::vector<ErrorInfo>& error_table();
const ErrorInfo* find_error(int code);
// Every refusal code, for the methods that submit to the ledger.
std::vector<int> refusal_codes();

// The shared schemas that result schemas refer to (amount, hash, address,
// tx, profile, ...): OpenRPC's components.schemas.
boost::json::object schema_components();

const std::vector<MethodInfo>& method_table();
const MethodInfo* find_method(std::string_view name);

// OpenRPC 1.2 document for rpc.discover.
boost::json::value openrpc_document(std::string_view version);
// The Markdown of docs/rpc.md (a test keeps the committed file equal to it).
std::string rpc_markdown();

}  // namespace kopilka::rpc
