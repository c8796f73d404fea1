#include "wallet-cli/replay.h"

#include "ledger/apply.h"
#include "ledger/block.h"
#include "ledger/codec.h"
#include "wallet-cli/cli_error.h"

#include <boost/json.hpp>

#include <limits>
#include <unordered_map>

namespace kopilka::wallet {

namespace {

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};

ledger::Amount saturating_add(ledger::Amount a, ledger::Amount b) {
    return b > std::numeric_limits<ledger::Amount>::max() - a ? std::numeric_limits<ledger::Amount>::max() : a + b;
}

// What a movement was: by the transaction's kind, then by who holds the two
// accounts (the venue's treasury, its staff, anyone else).
std::string classify(const ledger::State& before, const ledger::Tx& tx, const ledger::Movement& m) {
    if (std::holds_alternative<ledger::Redeem>(tx.body)) return "redemption";
    if (std::holds_alternative<ledger::StaffRemove>(tx.body)) return "return";
    const ledger::VenueRecord* v = before.venue(m.ticker);
    if (!v) return "transfer";
    const ledger::Account treasury = ledger::Account::of_key(v->owner);
    auto is_staff = [&](const ledger::Account& a) { return a.is_key() && before.staff(m.ticker, a.key()); };
    // A purchase: the client pays bonuses to the treasury; the staff member's
    // accruals go to the client and referrers, or repay the client's debt to
    // the treasury; the programme's gifts come from the treasury.
    if (std::holds_alternative<ledger::Purchase>(tx.body)) {
        if (m.from == treasury) return "programme_gift";
        if (m.to == treasury) return m.from.is_key() && m.from.key() == tx.signer ? "debt_repaid" : "payment";
        return "accrual";
    }
    // A return: the bonuses paid come back from the treasury; the accruals
    // go back to it.
    if (std::holds_alternative<ledger::PurchaseReturn>(tx.body)) return m.from == treasury ? "refund" : "reversal";
    if (m.to == treasury) return "return";
    if (m.from == treasury && is_staff(m.to)) return "allowance";
    if (m.from == treasury || is_staff(m.from)) return "bonus";
    return "gift";
}

}  // namespace

RemoteAudit replay_remote(Session& s, const ReplayProgress& progress, const std::string& keep_rows_of) {
    RemoteAudit out;
    // The replayed chain is checked against the remembered tip below, after
    // every block verified, so a fault is reported as the fault it is.
    s.defer_history_check();
    const auto g = s.call("chain.genesis");
    auto genesis_bytes = from_base64url(str(g, "genesis"));
    if (!genesis_bytes) throw CliError(exit_node_error, "chain.genesis is not base64url");
    ledger::Replayer rp(*genesis_bytes);
    std::optional<ledger::Genesis> genesis;
    try {
        genesis = ledger::decode_genesis(*genesis_bytes);
    } catch (const ledger::DecodeError&) {
        // The replayer has recorded the fault.
    }
    // The chain id the node claims must be the hash of the genesis it serves.
    if (!rp.failed() && to_hex(rp.report().chain_id) != str(g, "chain_id"))
        rp.fail(0, "the node's chain id is not the hash of the genesis it serves");

    const auto& info = s.info(true);
    boost::system::error_code ec;
    const std::uint64_t tip = info.at("height").to_number<std::uint64_t>(ec);
    if (ec) throw CliError(exit_node_error, "node.info gave no height");
    const std::string tip_hash = str(info, "tip_hash");
    rp.report().tip_height = tip;
    const ChainId chain = rp.report().chain_id;
    const std::optional<SignedHeader> known = rp.failed() ? std::nullopt : s.known_tips().get(chain);
    std::optional<SignedHeader> at_known, last;

    ledger::State shadow;
    // Adds a movement to the totals, and keeps its row when asked.
    auto count = [&](MovementRow r) {
        auto& t = out.movements[r.ticker][r.movement];
        ++t.count;
        t.units = saturating_add(t.units, r.amount);
        if (!keep_rows_of.empty() && r.ticker == keep_rows_of) out.rows.push_back(std::move(r));
    };
    for (std::uint64_t h = 1; h <= tip && !rp.failed(); ++h) {
        if (progress) progress(h, tip);
        const auto raw = s.call("block.raw", json::object{{"height", h}});
        auto block_bytes = from_base64url(str(raw, "block"));
        if (!block_bytes) {
            rp.fail(h, "block " + std::to_string(h) + ": the node served it as something other than base64url");
            break;
        }
        // The node lists the records in the block's order; pair them with the
        // ids the block names (the replayer checks each record against its id).
        std::unordered_map<Hash256, Bytes, ledger::Hash256Hasher> records;
        auto block = ledger::decode_block(*block_bytes);
        if (block) {
            const json::array* txs = raw.as_object().at("txs").if_array();
            for (std::size_t i = 0; txs && i < txs->size() && i < block->tx_ids.size(); ++i)
                if ((*txs)[i].is_string())
                    if (auto rec = from_base64url((*txs)[i].get_string())) records.emplace(block->tx_ids[i], std::move(*rec));
        }
        auto fetch = [&](std::span<const Hash256> ids) {
            std::vector<std::optional<Bytes>> found;
            found.reserve(ids.size());
            for (const Hash256& id : ids) {
                auto it = records.find(id);
                found.push_back(it == records.end() ? std::nullopt : std::optional<Bytes>(it->second));
            }
            return found;
        };
        if (!rp.replay_block(h, *block_bytes, fetch)) break;
        last = SignedHeader{block->header, block->signature};
        if (known && h == known->header.height) at_known = last;

        // The block verified: classify its movements on the shadow state.
        const ledger::BlockContext ctx{rp.report().chain_id, &*genesis, h, block->header.time_ms};
        shadow.prune_window(ctx.time_s());
        // The programmes' time events this block ran first, at their due
        // times: expired lots back to the treasury, birthday and win-back gifts.
        ledger::Effects events;
        ledger::apply_due_events(shadow, ctx, &events);
        for (const auto& m : events.movements) {
            MovementRow r;
            r.height = h;
            r.time_ms = m.due_s * 1000;
            r.tx_kind = "event";
            r.movement = *m.event == ledger::loyalty::EventKind::lot_expiry      ? "expiry"
                         : *m.event == ledger::loyalty::EventKind::birthday_gift ? "birthday_gift"
                                                                                 : "winback_gift";
            r.ticker = m.ticker;
            r.from = ledger::account_text(m.from);
            r.to = ledger::account_text(m.to);
            r.amount = m.amount;
            count(std::move(r));
        }
        for (std::uint32_t i = 0; i < block->tx_ids.size(); ++i) {
            const Hash256& id = block->tx_ids[i];
            auto rec = ledger::decode_tx_record(records.at(id));
            auto stx = ledger::decode_signed_tx(rec->blob);
            const ledger::Tx& tx = stx->tx;
            std::vector<MovementRow> rows;
            auto row = [&](std::string movement, const std::string& ticker, std::string from, std::string to,
                           ledger::Amount amount, std::string memo) {
                MovementRow r;
                r.height = h;
                r.index = i;
                r.time_ms = block->header.time_ms;
                r.tx_id = id;
                r.tx_kind = std::string(ledger::kind_name(tx.kind()));
                r.movement = std::move(movement);
                r.ticker = ticker;
                r.from = std::move(from);
                r.to = std::move(to);
                r.amount = amount;
                r.memo = std::move(memo);
                rows.push_back(std::move(r));
            };
            if (const auto* vc = std::get_if<ledger::VenueCreate>(&tx.body))
                row("mint", vc->ticker, "", ledger::account_text(ledger::Account::of_key(tx.signer)),
                    ledger::coin_supply_units, "");
            std::string memo;
            if (const auto* t = std::get_if<ledger::Transfer>(&tx.body)) memo = t->memo;
            if (const auto* r = std::get_if<ledger::Redeem>(&tx.body)) memo = "product " + std::to_string(r->voucher.product_id);
            auto fx = ledger::apply_tx(shadow, ctx, *stx, id);
            if (!fx) {
                // The replayer applied it to the same state; the shadow must agree.
                rp.fail(h, "block " + std::to_string(h) + ": the shadow replay disagrees: " + fx.error().message);
                break;
            }
            // A transfer or redemption changes no venue or staff record, so
            // classifying on the state after it is the same as before it.
            for (const auto& m : fx->movements)
                row(classify(shadow, tx, m), m.ticker, ledger::account_text(m.from), ledger::account_text(m.to),
                    m.amount, memo);
            for (auto& r : rows) count(std::move(r));
        }
        shadow.clear_journal();
    }
    out.report = rp.report();
    out.report.ok = !rp.failed() && out.report.blocks_checked == tip;
    out.tip_matches = tip == 0 || to_hex(rp.last_hash()) == tip_hash;
    if (out.report.ok && !out.tip_matches) {
        out.report.ok = false;
        out.report.bad_block = tip;
        out.report.reason = "block " + std::to_string(tip) + ": its hash is not the tip hash the node reports";
    }
    if (out.report.ok) {
        // Every block up to the tip verified, the producer's signatures too.
        if (known) {
            if (tip < known->header.height) refuse_rollback(s.node_text(), chain, *known, last);
            if (at_known->hash() != known->hash()) refuse_equivocation(s.node_text(), chain, *known, *at_known);
        }
        if (last && (!known || last->header.height > known->header.height)) s.remember_tip(chain, *last);
    }
    return out;
}

}  // namespace kopilka::wallet
