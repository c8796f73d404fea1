// One JSON-RPC call as a handler sees it (private to node/).
#pragma once

#include "node/node.h"
#include "rpc/protocol.h"

namespace kopilka::node {

struct Node::Call {
    const CallContext& ctx;
    rpc::Params params;
    boost::json::value id;
    Reply done;  // asynchronous handlers answer here with the full response
};

}  // namespace kopilka::node
