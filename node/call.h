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
    // Rows a heavy read read (history entries, transactions scanned, records
    // of a raw block): the dispatcher charges them to the caller's address.
    std::uint64_t rows = 0;
};

}  // namespace kopilka::node
