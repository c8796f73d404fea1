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
};

const std::vector<MethodInfo>& method_table();
const MethodInfo* find_method(std::string_view name);

// OpenRPC 1.2 document for rpc.discover.
boost::json::value openrpc_document(std::string_view version);
// The Markdown of docs/rpc.md (a test keeps the committed file equal to it).
std::string rpc_markdown();

}  // namespace kopilka::rpc
