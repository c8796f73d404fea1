// The auditor's replay over JSON-RPC: chain.genesis and every block.raw are
// fetched from a node and checked locally by ledger::Replayer, trusting
// nothing the node says. Beside it runs a shadow state so each movement of
// coins can be told apart (mint, allowance, bonus, gift, redemption, return)
// for the summary and the CSV export.
#pragma once

#include "ledger/audit.h"
#include "wallet-cli/session.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace kopilka::wallet {

struct MovementRow {
    std::uint64_t height = 0;
    std::uint32_t index = 0;  // in the block; 0 for a time event (they run before the block's transactions)
    std::uint64_t time_ms = 0;
    Hash256 tx_id{};       // zero for a time event's movement
    std::string tx_kind;   // the transaction's kind, or "event" for a programme's time event
    // mint | allowance | bonus | gift | redemption | return | transfer;
    // purchases: payment | accrual | debt_repaid | programme_gift; returns:
    // refund | reversal; time events: expiry | birthday_gift | winback_gift
    std::string movement;
    std::string ticker;
    std::string from;      // account text; empty for a mint
    std::string to;
    ledger::Amount amount = 0;
    std::string memo;      // a transfer's memo, or "product N" for a redemption
};

struct MovementTotals {
    std::uint64_t count = 0;
    ledger::Amount units = 0;  // saturating
};

struct RemoteAudit {
    ledger::AuditReport report;
    bool tip_matches = false;  // the node's tip hash equals the replayed one
    std::map<std::string, std::map<std::string, MovementTotals>> movements;  // ticker -> movement -> totals
    std::vector<MovementRow> rows;  // kept only when asked for
};

using ReplayProgress = std::function<void(std::uint64_t height, std::uint64_t tip)>;

// Replays the node's chain up to its current tip. With `ticker`, only that
// coin's rows are kept (an empty ticker keeps none).
RemoteAudit replay_remote(Session& s, const ReplayProgress& progress, const std::string& keep_rows_of);

}  // namespace kopilka::wallet
