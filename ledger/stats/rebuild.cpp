#include "ledger/stats/rebuild.h"

#include "ledger/apply.h"
#include "ledger/block.h"
#include "ledger/chain.h"
#include "ledger/stats/count.h"

namespace kopilka::ledger::stats {

namespace {

std::expected<void, std::string> erase_all(Store& store) {
    for (;;) {
        Batch b;
        store.scan(Column::stats, {}, {}, [&](ByteView key, ByteView) {
            b.erase(Column::stats, Bytes(key.begin(), key.end()));
            return b.ops.size() < rebuild_erase_batch_keys_max;
        });
        if (b.ops.empty()) return {};
        if (auto ok = store.write(b, false); !ok) return ok;
    }
}

std::expected<void, std::string> write_counted(Store& store, std::vector<Event>& events) {
    const auto changes = tally(events, [&](std::span<const ByteView> keys) { return store.multi_get(Column::stats, keys); });
    events.clear();
    Batch b;
    for (const auto& [key, value] : changes) b.put(Column::stats, key, value);
    return store.write(b, false);
}

}  // namespace

std::expected<void, std::string> rebuild(Store& store, const Genesis& genesis, std::uint64_t tip,
                                         const RebuildProgress& progress, std::size_t batch_events) {
    const ChainId chain = genesis_hash(genesis);
    auto fail = [](std::uint64_t h, const std::string& why) {
        return std::unexpected("cannot rebuild the aggregates: block " + std::to_string(h) + " " + why +
                               "; run `kopilkad verify` on the data dir");
    };
    try {
        if (auto ok = erase_all(store); !ok) return std::unexpected("cannot rebuild the aggregates: " + ok.error());
        State state;
        std::vector<Event> events;
        for (std::uint64_t h = 1; h <= tip; ++h) {
            const auto raw = store.get(Column::blocks, keys::block(h));
            if (!raw) return fail(h, "is missing");
            auto block = decode_block(*raw);
            if (!block) return fail(h, "does not decode: " + block.error());
            const std::vector<ByteView> ids(block->tx_ids.begin(), block->tx_ids.end());
            const auto records = store.multi_get(Column::txs, ids);
            const BlockContext ctx{chain, &genesis, h, block->header.time_ms};
            const Day day = day_of_ms(ctx.time_ms);
            state.prune_window(ctx.time_s());
            apply_due_events(state, ctx);
            for (std::size_t i = 0; i < ids.size(); ++i) {
                const std::string at = "transaction " + std::to_string(i);
                if (!records[i]) return fail(h, at + ": its record is missing");
                auto rec = decode_tx_record(*records[i]);
                if (!rec) return fail(h, at + ": " + rec.error());
                auto stx = decode_signed_tx(rec->blob);
                if (!stx) return fail(h, at + ": " + stx.error());
                std::optional<Event> counted = classify(state, stx->tx, day);
                if (auto fx = apply_tx(state, ctx, *stx, block->tx_ids[i]); !fx)
                    return fail(h, at + " does not apply again (" + std::string(refusal_name(fx.error().code)) +
                                       "): " + fx.error().message);
                if (counted) events.push_back(std::move(*counted));
            }
            // The digest is worked out anyway (clear_journal folds the
            // journal into it): checking it makes a replay that went astray
            // an error, not aggregates counted on the wrong state.
            state.clear_journal();
            if (state.digest() != block->header.state_digest) return fail(h, "leaves a state that does not match its digest");
            if (events.size() >= batch_events || h == tip) {
                if (auto ok = write_counted(store, events); !ok)
                    return std::unexpected("cannot rebuild the aggregates: " + ok.error());
                if (progress) progress(h, tip);
            }
        }
        Batch marker;
        marker.put(Column::meta, meta_stats_key(), meta_stats_value());
        if (auto ok = store.write(marker, true); !ok) return std::unexpected("cannot rebuild the aggregates: " + ok.error());
    } catch (const StoreError& e) {
        return std::unexpected("cannot rebuild the aggregates: RocksDB cannot read a record: " + e.damage().describe());
    }
    return {};
}

}  // namespace kopilka::ledger::stats
