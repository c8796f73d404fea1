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

// A history call's `limit` param: 1 to history_page_entries_max, default history_page_default.
inline std::size_t page_limit(const rpc::Params& p) {
    const std::uint64_t limit = p.opt_u64("limit").value_or(history_page_default);
    if (limit == 0 || limit > ledger::history_page_entries_max)
        throw rpc::Error(rpc::invalid_params, "limit must be 1 to " + std::to_string(ledger::history_page_entries_max));
    return static_cast<std::size_t>(limit);
}

}  // namespace kopilka::node
