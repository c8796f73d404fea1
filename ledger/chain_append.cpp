// Writing a block: what every block's batch holds (stage_block), its commit
// (commit_block), and a block another node made, appended once the audit's
// own checks pass it (append_block). The block producer (chain.cpp,
// produce_block) and a follower write the same records the same way, so a
// follower's store is one `kopilkad verify` passes, record for record.
#include "ledger/chain.h"

#include "ledger/codec.h"
#include "ledger/stats/count.h"


namespace kopilka::ledger {

void Chain::stage_block(Batch& batch, const Block& block, const Hash256& hash, std::span<const AppliedTx> txs,
                        std::vector<Bytes>&& blobs, std::map<Bytes, Bytes, BytesLess>&& aggregates) const {
    const std::uint64_t height = block.header.height;
    batch.put(Column::blocks, keys::block(height), encode_block(block));
    batch.put(Column::index, keys::block_hash_index(hash), keys::block(height));
    for (std::uint32_t i = 0; i < txs.size(); ++i) {
        const TxLocation at{height, i};
        const Bytes id(txs[i].id.begin(), txs[i].id.end());
        for (const Account& a : txs[i].touched)
            batch.put(Column::index, keys::history_entry(keys::account_history_prefix(a), at), id);
        if (!txs[i].ticker.empty())
            batch.put(Column::index, keys::history_entry(keys::venue_history_prefix(txs[i].ticker), at), id);
        batch.put(Column::txs, id, encode_tx_record(TxRecord{height, i, std::move(blobs[i])}));
    }
    for (auto& [key, value] : state_.changes()) {
        if (value)
            batch.put(Column::state, key, *value);
        else
            batch.erase(Column::state, key);
    }
    for (auto& [key, value] : aggregates) batch.put(Column::stats, key, std::move(value));
    batch.put(Column::meta, keys::meta_tip(), keys::tip_value(height, hash));
}

std::expected<void, std::string> Chain::commit_block(const Block& block, const Hash256& hash, const Batch& batch,
                                                     State::Mark start) {
    if (auto ok = store_->write(batch); !ok) {
        state_.rollback_to(start);
        return std::unexpected(ok.error());
    }
    state_.clear_journal();
    tip_ = block.header;
    tip_signature_ = block.signature;
    tip_hash_ = hash;
    // Synced in RocksDB; anchored before anyone is told. A failure leaves the
    // block standing, unacknowledged: the next open anchors it (one block
    // above the anchor is the block in flight).
    if (auto ok = anchor_->advance(TipMark{block.header.height, hash}); !ok)
        return std::unexpected("block " + std::to_string(block.header.height) + " was written, but " + ok.error());
    return {};
}

std::expected<Appended, AppendFailure> Chain::append_block(ByteView block_bytes, const FetchTx& fetch_tx) {
    auto failed = [](std::string why) { return std::unexpected(AppendFailure{std::nullopt, std::move(why)}); };
    // Aggregates counted on top of a store that lacks some blocks' would be
    // wrong for good (as produce_block).
    if (!stats_ready_)
        return failed("the venue aggregates are not built yet (Chain::rebuild_stats); no block until they are");
    const std::uint64_t height = tip_.height + 1;
    PreparedBlock prepared;
    try {
        prepared = prepare_block(chain_id_, height, block_bytes, fetch_tx);
    } catch (const StoreError& e) {
        return failed("RocksDB cannot read a record: " + e.damage().describe());
    }
    const State::Mark start = state_.mark();
    auto verified = verify_and_apply_block(state_, genesis_, chain_id_, BlockLink{tip_.height, tip_hash_, tip_.time_ms},
                                           prepared);
    if (!verified) {
        state_.rollback_to(start);
        std::string why = verified.error().reason;
        return std::unexpected(AppendFailure{std::move(verified.error()), std::move(why)});
    }
    const Block& block = *prepared.block;
    // Ids are unique in a block that passed (the replay window refuses a
    // second copy), and none is stored already: an id committed earlier is
    // either still in the window or expired before this block's time.
    std::map<Bytes, Bytes, BytesLess> aggregates;
    try {
        aggregates = stats::tally(verified->events, [&](std::span<const ByteView> keys) {
            return store_->multi_get(Column::stats, keys);
        });
    } catch (const StoreError& e) {
        store_->note_damage(e.damage());
        state_.rollback_to(start);
        return failed("the aggregates cannot be read: " + e.damage().describe());
    }
    std::vector<Bytes> blobs;
    blobs.reserve(prepared.txs.size());
    // The decoder took only canonical bytes, so these are the bytes served.
    for (const SignedTx& stx : prepared.txs) blobs.push_back(encode_signed_tx(stx));

    Appended out;
    out.hash = verified->hash;
    out.outcomes.reserve(verified->txs.size());
    for (const AppliedTx& t : verified->txs) {
        TxOutcome o;
        o.id = t.id;
        o.status = TxOutcome::Status::committed;
        o.location = {height, t.index};
        o.touched = t.touched;
        out.outcomes.push_back(std::move(o));
    }
    Batch batch;
    stage_block(batch, block, out.hash, verified->txs, std::move(blobs), std::move(aggregates));
    if (auto ok = commit_block(block, out.hash, batch, start); !ok) return failed(ok.error());
    out.block = std::move(*prepared.block);
    out.txs = std::move(prepared.txs);
    return out;
}

}  // namespace kopilka::ledger
