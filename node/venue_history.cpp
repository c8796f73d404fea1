// venue.history, with its optional filters: entries signed by a staff key,
// touching a client account, of one kind, or in a range of block time. A
// filtered call reads at most venue_history_scan_entries_max index entries,
// so its cost is bounded whatever the venue's size; it answers the matches
// among them and a next_cursor while entries remain (a page may hold fewer
// than limit, or none: keep calling while next_cursor is non-empty).
#include "node/node.h"

#include "node/call.h"

#include "rpc/convert.h"

#include <boost/json.hpp>

#include <map>

namespace kopilka::node {

namespace json = boost::json;
using namespace kopilka::ledger;
using rpc::Error;

namespace {

TxKind parse_kind(const std::string& text) {
    std::string names;
    for (std::uint8_t k = 1; k <= static_cast<std::uint8_t>(tx_kind_last); ++k) {
        const auto kind = static_cast<TxKind>(k);
        if (kind_name(kind) == text) return kind;
        names += (names.empty() ? "" : ", ") + std::string(kind_name(kind));
    }
    throw Error(rpc::invalid_params, "param 'kind' must be a transaction kind: " + names);
}

// Whether the transaction moves coins from or to `client`: a transfer's from
// or to, or the client account of a redeemed voucher.
bool touches_client(const Tx& tx, const Account& client) {
    if (const auto* t = std::get_if<Transfer>(&tx.body)) return t->from == client || t->to == client;
    if (const auto* r = std::get_if<Redeem>(&tx.body)) return r->voucher.client == client;
    return false;
}

}  // namespace

std::optional<json::value> Node::venue_history(Call& call) {
    call.params.only({"ticker", "cursor", "limit", "staff", "client", "kind", "from_ms", "to_ms"});
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    const std::string cursor = call.params.opt_str("cursor").value_or("");
    const std::size_t limit = page_limit(call.params);
    std::optional<PublicKey> staff;
    if (auto s = call.params.opt_str("staff")) staff = rpc::parse_address(*s, "staff");
    std::optional<Account> client;
    if (auto s = call.params.opt_str("client")) client = rpc::parse_account(*s, "client");
    std::optional<TxKind> kind;
    if (auto s = call.params.opt_str("kind")) kind = parse_kind(*s);
    const std::optional<std::uint64_t> from_ms = call.params.opt_u64("from_ms");
    const std::optional<std::uint64_t> to_ms = call.params.opt_u64("to_ms");
    if (from_ms && to_ms && *from_ms > *to_ms) throw Error(rpc::invalid_params, "from_ms is after to_ms");

    if (!staff && !client && !kind && !from_ms && !to_ms) {
        auto page = chain_->venue_history(ticker, cursor, limit);
        if (!page) throw Error(rpc::invalid_params, page.error());
        call.rows = page->entries.size();
        return history_page(*page);
    }

    // Blocks' times by height, read once per call. Block time never goes
    // back, and entries come newest first: the first entry before from_ms
    // ends the search.
    std::map<std::uint64_t, std::uint64_t> block_times;
    auto time_of = [&](std::uint64_t height) -> std::optional<std::uint64_t> {
        if (auto t = block_times.find(height); t != block_times.end()) return t->second;
        auto b = chain_->block_at(height);
        if (!b) return std::nullopt;
        return block_times.emplace(height, b->header.time_ms).first->second;
    };
    const HistoryFilter keep = [&](const HistoryEntry& e) {
        if (from_ms || to_ms) {
            const auto t = time_of(e.location.height);
            if (!t) return HistoryVerdict::skip;
            if (from_ms && *t < *from_ms) return HistoryVerdict::stop;
            if (to_ms && *t >= *to_ms) return HistoryVerdict::skip;
        }
        if (!staff && !client && !kind) return HistoryVerdict::keep;
        auto rec = chain_->tx_record(e.id);
        if (!rec) return HistoryVerdict::skip;
        auto stx = decode_signed_tx(rec->blob);
        if (!stx) return HistoryVerdict::skip;
        const Tx& tx = stx->tx;
        if (kind && tx.kind() != *kind) return HistoryVerdict::skip;
        if (staff && tx.signer != *staff) return HistoryVerdict::skip;
        if (client && !touches_client(tx, *client)) return HistoryVerdict::skip;
        return HistoryVerdict::keep;
    };
    auto page = chain_->venue_history(ticker, cursor, limit, keep, venue_history_scan_entries_max);
    if (!page) throw Error(rpc::invalid_params, page.error());
    // Every entry read is a record read: charged as rows.
    call.rows = page->scanned + page->entries.size();
    return history_page(*page);
}

}  // namespace kopilka::node
