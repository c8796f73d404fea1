#include "ledger/verify.h"

#include "ledger/codec.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <thread>

namespace kopilka::ledger {

namespace {
// Below this many transactions a block's signatures are checked on the
// calling thread: starting threads would cost more than it saves.
constexpr std::size_t parallel_verify_txs_min = 64;

// verify_tx_signatures of each transaction, on every core for a large block.
// `blobs` are their stored signed bytes.
std::vector<char> verify_all(const std::vector<SignedTx>& stxs, const std::vector<Bytes>& blobs, const ChainId& chain,
                             SignatureThreads threads_wanted) {
    std::vector<char> ok(stxs.size(), 0);
    auto run = [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i)
            ok[i] = verify_tx_signatures(stxs[i], unsigned_tx_bytes(blobs[i]), chain) ? 1 : 0;
    };
    const std::size_t workers =
        threads_wanted == SignatureThreads::this_thread ? 1 : std::max(1u, std::thread::hardware_concurrency());
    if (stxs.size() < parallel_verify_txs_min || workers == 1) {
        run(0, stxs.size());
        return ok;
    }
    const std::size_t chunk = (stxs.size() + workers - 1) / workers;
    std::vector<std::jthread> threads;
    for (std::size_t begin = chunk; begin < stxs.size(); begin += chunk)
        threads.emplace_back(run, begin, std::min(begin + chunk, stxs.size()));
    run(0, std::min(chunk, stxs.size()));
    for (auto& t : threads) t.join();
    return ok;
}
}  // namespace

std::string_view block_fault_name(BlockFault f) {
    switch (f) {
        case BlockFault::out_of_order: return "out_of_order";
        case BlockFault::undecodable: return "undecodable";
        case BlockFault::height: return "height";
        case BlockFault::prev_hash: return "prev_hash";
        case BlockFault::producer: return "producer";
        case BlockFault::producer_signature: return "producer_signature";
        case BlockFault::time: return "time";
        case BlockFault::merkle_root: return "merkle_root";
        case BlockFault::empty: return "empty";
        case BlockFault::tx_record: return "tx_record";
        case BlockFault::tx_signature: return "tx_signature";
        case BlockFault::tx_rules: return "tx_rules";
        case BlockFault::state_digest: return "state_digest";
        case BlockFault::supply: return "supply";
    }
    return "unknown";
}

PreparedBlock prepare_block(const ChainId& chain, std::uint64_t height, ByteView block_bytes, const FetchTx& fetch_tx,
                            SignatureThreads threads) {
    PreparedBlock p;
    p.height = height;
    auto block = decode_block(block_bytes);
    if (!block) {
        p.block_fault = block.error();
        return p;
    }
    p.block = std::move(*block);
    const Block& b = *p.block;
    p.producer_signature_ok = verify_block_signature(b, chain);
    p.merkle_root_ok = merkle_root(b.tx_ids) == b.header.tx_root;

    // Built only for a fault: most blocks need none.
    auto tx_at = [&](std::uint32_t i) {
        return "transaction " + std::to_string(i) + " (" + to_hex(b.tx_ids[i]) + "): ";
    };
    const std::size_t n = b.tx_ids.size();
    p.txs.reserve(n);
    std::vector<Bytes> blobs;  // each transaction's stored bytes, which its id and signature are over
    blobs.reserve(n);
    const std::vector<std::optional<Bytes>> records = fetch_tx(b.tx_ids);
    if (records.size() != n) throw std::logic_error("fetch_tx returned a record list of the wrong length");
    for (std::uint32_t i = 0; i < n; ++i) {
        const Hash256& id = b.tx_ids[i];
        const std::optional<Bytes>& raw = records[i];
        if (!raw) {
            p.tx_fault = tx_at(i) + "its record is missing";
            break;
        }
        auto rec = decode_tx_record(*raw);
        if (!rec) {
            p.tx_fault = tx_at(i) + rec.error();
            break;
        }
        if (rec->height != height || rec->index != i) {
            p.tx_fault = tx_at(i) + "its record says it is at block " + std::to_string(rec->height) + " position " +
                         std::to_string(rec->index);
            break;
        }
        auto stx = decode_signed_tx(rec->blob);
        if (!stx) {
            p.tx_fault = tx_at(i) + stx.error();
            break;
        }
        // The decoder accepts only canonical bytes: these are encode_tx's.
        if (tx_id_of_encoded(unsigned_tx_bytes(rec->blob)) != id) {
            p.tx_fault = tx_at(i) + "its bytes do not hash to its id";
            break;
        }
        p.txs.push_back(std::move(*stx));
        blobs.push_back(std::move(rec->blob));
    }
    p.tx_signatures_ok = verify_all(p.txs, blobs, chain, threads);
    return p;
}

std::expected<VerifiedBlock, BlockRefusal> verify_and_apply_block(State& state, const Genesis& genesis,
                                                                  const ChainId& chain, const BlockLink& link,
                                                                  const PreparedBlock& prepared) {
    const std::uint64_t height = prepared.height;
    const std::string at = "block " + std::to_string(height) + ": ";
    auto refuse = [&](BlockFault f, std::string why) {
        return std::unexpected(BlockRefusal{f, height, std::move(why)});
    };
    if (height != link.height + 1)
        return refuse(BlockFault::out_of_order, at + "expected block " + std::to_string(link.height + 1) + " next");
    if (!prepared.block) return refuse(BlockFault::undecodable, at + prepared.block_fault);
    const Block& block = *prepared.block;
    const BlockHeader& h = block.header;
    if (h.height != height)
        return refuse(BlockFault::height, at + "the header says height " + std::to_string(h.height));
    if (h.prev != link.hash) return refuse(BlockFault::prev_hash, at + "does not link to the previous block's hash");
    if (h.producer != genesis.producer)
        return refuse(BlockFault::producer, at + "was produced by a key that is not the chain's producer");
    if (!prepared.producer_signature_ok)
        return refuse(BlockFault::producer_signature, at + "the producer's signature does not verify");
    if (h.time_ms < link.time_ms) return refuse(BlockFault::time, at + "its time is earlier than the previous block's");
    if (!prepared.merkle_root_ok)
        return refuse(BlockFault::merkle_root, at + "the Merkle root does not match its transaction ids");

    const std::size_t n = block.tx_ids.size();
    auto tx_at = [&](std::uint32_t i) {
        return at + "transaction " + std::to_string(i) + " (" + to_hex(block.tx_ids[i]) + "): ";
    };
    BlockContext ctx{chain, &genesis, height, h.time_ms};
    state.prune_window(ctx.time_s());
    // The programmes' time events due by this block run first, exactly as
    // the producer ran them; one it skipped leaves a different digest.
    const std::size_t events_ran = apply_due_events(state, ctx);
    if (h.tx_count == 0 && events_ran == 0)
        return refuse(BlockFault::empty,
                      at + "is empty and no programme event was due; the producer never commits such a block");
    VerifiedBlock out;
    out.txs.reserve(n);
    const stats::Day day = stats::day_of_ms(h.time_ms);
    for (std::uint32_t i = 0; i < n; ++i) {
        const Hash256& id = block.tx_ids[i];
        if (i == prepared.txs.size()) return refuse(BlockFault::tx_record, at + prepared.tx_fault);
        const SignedTx& stx = prepared.txs[i];
        if (!prepared.tx_signatures_ok[i])
            return refuse(BlockFault::tx_signature, tx_at(i) + "a signature does not verify");
        std::optional<stats::Event> event = stats::classify(state, stx.tx, day);
        auto fx = apply_tx(state, ctx, stx, id);
        if (!fx)
            return refuse(BlockFault::tx_rules, tx_at(i) + "the rules refuse it (" +
                                                    std::string(refusal_name(fx.error().code)) +
                                                    "): " + fx.error().message);
        for (const Movement& m : fx->movements)
            out.moved_units = m.amount > std::numeric_limits<Amount>::max() - out.moved_units
                                  ? std::numeric_limits<Amount>::max()
                                  : out.moved_units + m.amount;
        out.txs.push_back({id, i, std::move(fx->touched), tx_ticker(stx.tx)});
        if (event) out.events.push_back(std::move(*event));
    }
    state.update_digest();
    if (state.digest() != h.state_digest)
        return refuse(BlockFault::state_digest, at + "the state after it does not match its state digest");
    auto totals = state.coin_totals();
    if (!totals) return refuse(BlockFault::supply, at + "a coin's balances overflow");
    for (const auto& [ticker, sum] : *totals)
        if (sum != coin_supply_units)
            return refuse(BlockFault::supply, at + "the balances of " + ticker + " sum to " + format_amount(sum) +
                                                  ", not the supply " + format_amount(coin_supply_units));
    out.supplies = std::move(*totals);
    out.hash = block_hash(h);
    return out;
}

}  // namespace kopilka::ledger
