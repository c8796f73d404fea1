#include "ledger/chain.h"

#include "ledger/audit.h"
#include "ledger/codec.h"
#include "ledger/stats/count.h"

#include <algorithm>
#include <map>

namespace kopilka::ledger {

namespace keys {
namespace {
constexpr std::uint8_t tag_block_hash = 'h';
constexpr std::uint8_t tag_account = 'a';
constexpr std::uint8_t tag_venue = 'v';
}  // namespace

Bytes meta_genesis() { return {'g', 'e', 'n', 'e', 's', 'i', 's'}; }
Bytes meta_tip() { return {'t', 'i', 'p'}; }
Bytes block(std::uint64_t height) {
    Writer w;
    w.u64(height);
    return std::move(w).take();
}
Bytes block_hash_index(const Hash256& hash) {
    Writer w;
    w.u8(tag_block_hash).hash(hash);
    return std::move(w).take();
}
Bytes account_history_prefix(const Account& account) {
    Writer w;
    w.u8(tag_account);
    write_account(w, account);
    return std::move(w).take();
}
Bytes venue_history_prefix(std::string_view ticker) {
    Writer w;
    w.u8(tag_venue);
    write_ticker(w, ticker);
    return std::move(w).take();
}
Bytes history_entry(const Bytes& prefix, TxLocation at) {
    Writer w;
    w.raw(prefix).u64(~at.height).u32(~at.index);
    static_assert(history_entry_position_bytes == sizeof at.height + sizeof at.index);
    return std::move(w).take();
}
Bytes tip_value(std::uint64_t height, const Hash256& hash) {
    Writer w;
    w.u64(height).hash(hash);
    return std::move(w).take();
}
}  // namespace keys

namespace {
// The first 8 bytes of an id in hex: enough to find it in `kopilkad verify`'s output.
std::string short_id(const Hash256& id) { return to_hex(ByteView(id.data(), 8)); }
}  // namespace

Chain::Chain(std::unique_ptr<Store> store, Genesis genesis)
    : store_(std::move(store)), genesis_(std::move(genesis)), chain_id_(genesis_hash(genesis_)) {
    tip_.height = 0;
    tip_.time_ms = genesis_.time_ms;
    tip_.producer = genesis_.producer;
    tip_hash_ = chain_id_;
}

std::expected<std::unique_ptr<Chain>, std::string> Chain::create(const std::filesystem::path& dir,
                                                                 const Genesis& genesis) {
    Bytes genesis_bytes;
    try {
        genesis_bytes = encode_genesis(genesis);
    } catch (const std::exception& e) {
        return std::unexpected(std::string("invalid genesis: ") + e.what());
    }
    auto store = Store::open(dir, Store::Mode::create_new);
    if (!store) {
        // An interrupted create leaves RocksDB files but no records; that dir
        // may be initialised again, anything holding a record may not.
        auto existing = Store::open(dir, Store::Mode::open_existing);
        if (!existing) return std::unexpected(store.error());
        bool empty = true;
        for (std::size_t c = 0; c < column_count && empty; ++c)
            (*existing)->scan(static_cast<Column>(c), {}, {}, [&](ByteView, ByteView) { return empty = false; });
        if (!empty) return std::unexpected(store.error());
        store = std::move(existing);
    }
    const ChainId id = blake2b256(genesis_bytes);
    Batch b;
    b.put(Column::meta, keys::meta_genesis(), genesis_bytes);
    b.put(Column::meta, keys::meta_tip(), keys::tip_value(0, id));
    b.put(Column::meta, stats::meta_stats_key(), stats::meta_stats_value());  // nothing to count yet
    if (auto ok = (*store)->write(b); !ok) return std::unexpected(ok.error());
    auto anchor = TipAnchor::create(dir, TipMark{0, id});
    if (!anchor) return std::unexpected(anchor.error());
    std::unique_ptr<Chain> chain(new Chain(std::move(*store), genesis));
    chain->anchor_ = std::move(*anchor);
    chain->stats_ready_ = true;
    return chain;
}

std::expected<std::unique_ptr<Chain>, std::string> Chain::open(const std::filesystem::path& dir,
                                                               ChainDamage* damage, std::size_t block_cache_bytes) {
    auto not_in_block = [&](std::string why) {
        if (damage) *damage = ChainDamage{0, why, false};
        return std::unexpected(std::move(why));
    };
    StoreDamage found;
    auto store = Store::open(dir, Store::Mode::open_existing, block_cache_bytes, &found);
    if (!store) {
        if (!found.what.empty()) return not_in_block("RocksDB found damage opening it: " + found.describe());
        return std::unexpected(store.error());
    }
    std::optional<Bytes> g;
    try {
        g = (*store)->get(Column::meta, keys::meta_genesis());
    } catch (const StoreError& e) {
        return not_in_block("RocksDB cannot read the genesis record: " + e.damage().describe());
    }
    if (!g) return std::unexpected("the data dir has no genesis record; it is not a Kopilka ledger or is damaged");
    Genesis genesis;
    try {
        genesis = decode_genesis(*g);
    } catch (const DecodeError& e) {
        return std::unexpected(std::string("the stored genesis is damaged: ") + e.what());
    }
    std::unique_ptr<Chain> chain(new Chain(std::move(*store), std::move(genesis)));
    if (auto ok = chain->load(damage); !ok) return std::unexpected(ok.error());
    return chain;
}

std::expected<void, std::string> Chain::load(ChainDamage* damage) {
    try {
        return load_records(damage);
    } catch (const StoreError& e) {
        // A record RocksDB could not read (a checksum, the disk): no block
        // can be blamed with certainty; the family and key are named.
        std::string why = "RocksDB cannot read a record: " + e.damage().describe();
        if (damage) *damage = ChainDamage{0, why, false};
        return std::unexpected(std::move(why));
    }
}

std::expected<void, std::string> Chain::check_anchor(ChainDamage* damage) {
    const std::filesystem::path& dir = store_->dir();
    const std::string path = TipAnchor::path_in(dir).string();
    const TipMark here{tip_.height, tip_hash_};
    auto refuse = [&](std::string why) {
        if (damage) *damage = ChainDamage{here.height, why, false};
        return std::unexpected(std::move(why));
    };
    auto read = TipAnchor::read(dir);
    if (!read) return refuse(read.error() + "; if the ledger passes `kopilkad verify`, delete the file and start again");
    if (!*read) {
        // A ledger made before the anchor existed: anchor its tip now.
        auto made = TipAnchor::create(dir, here);
        if (!made) return std::unexpected(made.error());
        anchor_ = std::move(*made);
        return {};
    }
    const TipMark anchored = **read;
    const std::string h = std::to_string(here.height), a = std::to_string(anchored.height);
    if (anchored.height > here.height)
        return refuse("the ledger's tip is block " + h + ", but block " + a +
                      " was acknowledged to clients (the tip anchor " + path + " says so): the store lost " +
                      std::to_string(anchored.height - here.height) +
                      " synced block(s). Restore the ledger from a backup");
    if (here.height > anchored.height + 1)
        return refuse("the ledger's tip is block " + h + ", but the tip anchor " + path + " says block " + a +
                      ": more than the one block a crash can leave unanchored. The anchor may be an old copy; if "
                      "the ledger passes `kopilkad verify`, delete the anchor and start again");
    Hash256 hash = here.hash;
    if (anchored.height < here.height) {
        if (anchored.height == 0) {
            hash = chain_id_;
        } else if (auto b = block_at(anchored.height)) {
            hash = block_hash(b->header);
        } else {
            return refuse("block " + a + ", the tip anchor's, is missing or damaged");
        }
    }
    if (hash != anchored.hash)
        return refuse("block " + a + "'s hash is " + to_hex(hash) + ", but the tip anchor " + path + " holds " +
                      to_hex(anchored.hash) + ": this is not the ledger whose tip was acknowledged");
    auto opened = TipAnchor::open(dir);
    if (!opened) return std::unexpected(opened.error());
    anchor_ = std::move(*opened);
    // The block in flight at a crash: synced, never acknowledged; anchor it.
    if (anchored.height < here.height)
        if (auto ok = anchor_->advance(here); !ok) return std::unexpected(ok.error());
    return {};
}

std::expected<void, std::string> Chain::load_records(ChainDamage* damage) {
    // Damage to a named block: the message as before, and the block for the caller.
    auto damaged = [&](std::uint64_t h, std::string why, std::string message) {
        if (damage) *damage = ChainDamage{h, std::move(why)};
        return std::unexpected(std::move(message));
    };
    auto tip = store_->get(Column::meta, keys::meta_tip());
    if (!tip) return std::unexpected("the data dir has no tip record; run `kopilkad verify` on it");
    std::uint64_t height = 0;
    Hash256 hash{};
    try {
        Reader r(*tip);
        height = r.u64();
        hash = r.hash();
        r.finish();
    } catch (const DecodeError& e) {
        return std::unexpected(std::string("the tip record is damaged: ") + e.what());
    }
    if (height > 0) {
        auto b = block_at(height);
        if (!b)
            return damaged(height, "the tip block is missing or does not decode",
                           "block " + std::to_string(height) + " (the tip) is missing or damaged");
        if (block_hash(b->header) != hash)
            return damaged(height, "its hash is not the one in the tip record",
                           "block " + std::to_string(height) + " does not match the tip record's hash");
        tip_ = b->header;
        tip_signature_ = b->signature;
        tip_hash_ = hash;
    } else if (hash != chain_id_) {
        return std::unexpected("the tip record does not match the genesis");
    }
    if (auto ok = check_anchor(damage); !ok) return ok;
    const auto stats_marker = store_->get(Column::meta, stats::meta_stats_key());
    stats_ready_ = stats_marker && stats::is_current_version(*stats_marker);

    // Venue records first, so products and staff always find their venue.
    try {
        const Bytes venue_prefix{'V'};
        store_->scan(Column::state, venue_prefix, {}, [&](ByteView k, ByteView v) {
            state_.load_record(k, v);
            return true;
        });
        store_->scan(Column::state, {}, {}, [&](ByteView k, ByteView v) {
            if (!k.empty() && k[0] != 'V') state_.load_record(k, v);
            return true;
        });
    } catch (const DecodeError& e) {
        return std::unexpected(std::string("a stored state record is damaged: ") + e.what() +
                               "; run `kopilkad verify` on the data dir");
    }
    if (height > 0 && state_.digest() != tip_.state_digest)
        return damaged(height, "the stored state does not match its state digest",
                       "the stored state does not match block " + std::to_string(height) +
                           "'s state digest; run `kopilkad verify` on the data dir");

    // Rebuild the replay window: ids of transactions and vouchers that have not
    // expired yet. Nothing committed more than a day before the tip can still
    // be live, so the walk back stops there.
    const std::uint64_t now_s = tip_.time_ms / 1000;
    const std::uint64_t window_s =
        std::max({tx_expiry_ahead_s_max, voucher_expiry_ahead_s_max, staff_acceptance_expiry_ahead_s_max});
    for (std::uint64_t h = height; h >= 1; --h) {
        auto b = block_at(h);
        const std::string verify = "; run `kopilkad verify` on the data dir";
        if (!b)
            return damaged(h, "the block record is missing or does not decode",
                           "block " + std::to_string(h) + " is missing or damaged" + verify);
        if (b->header.time_ms / 1000 + window_s < now_s) break;
        for (std::size_t i = 0; i < b->tx_ids.size(); ++i) {
            const Hash256& id = b->tx_ids[i];
            auto rec = tx_record(id);
            const std::string name = "transaction " + std::to_string(i) + " (" + short_id(id) + "...)";
            // A missing record may be the block's fault (a damaged id): say which.
            if (!rec && merkle_root(b->tx_ids) != b->header.tx_root)
                return damaged(h, "its transaction ids do not match the header's tx root",
                               "block " + std::to_string(h) + " is damaged" + verify);
            if (!rec)
                return damaged(h, name + ": its record is missing or does not decode",
                               "transaction record of block " + std::to_string(h) + " is missing" + verify);
            auto stx = decode_signed_tx(rec->blob);
            if (!stx)
                return damaged(h, name + ": its signed bytes do not decode: " + stx.error(),
                               "a transaction of block " + std::to_string(h) + " is damaged" + verify);
            if (stx->tx.expiry_s >= now_s) state_.remember_tx(id, stx->tx.expiry_s);
            if (const auto* r = std::get_if<Redeem>(&stx->tx.body); r && r->voucher.expiry_s >= now_s)
                state_.remember_voucher(voucher_id(r->voucher), r->voucher.expiry_s);
            // A staff acceptance shares the voucher window (one use each).
            if (const auto* a = std::get_if<StaffAdd>(&stx->tx.body); a && a->acceptance.expiry_s >= now_s)
                state_.remember_voucher(staff_acceptance_id(a->acceptance), a->acceptance.expiry_s);
        }
    }
    state_.clear_journal();
    return {};
}

std::expected<void, ChainDamage> Chain::check_blocks(std::uint64_t full_blocks) const {
    try {
        return check_block_records(full_blocks);
    } catch (const StoreError& e) {
        return std::unexpected(ChainDamage{0, "RocksDB cannot read a record: " + e.damage().describe(), false});
    }
}

std::expected<void, ChainDamage> Chain::check_block_records(std::uint64_t full_blocks) const {
    const std::uint64_t tip = tip_.height;
    const std::uint64_t from = full_blocks == 0 || full_blocks >= tip ? 1 : tip - full_blocks + 1;
    auto damage = [](std::uint64_t h, std::string why) { return std::unexpected(ChainDamage{h, std::move(why)}); };
    const std::string bad_signature =
        "the producer's signature does not verify: the stored header or signature is damaged";

    // 1. Every header, in order: contiguous heights, the hash links, the
    // producer, time. Signatures are checked inside the window only: an
    // Ed25519 check costs ~50 us, a hundred times the rest of the walk, and
    // the hash links already tie every earlier header to the tip, whose
    // signature is checked (a damaged old header breaks the link after it).
    // Where a link breaks, the signatures on both sides say which block holds
    // the damage. Not seen outside the window: a damaged signature alone,
    // which `kopilkad verify` finds.
    Hash256 prev = chain_id_;
    std::uint64_t prev_time = genesis_.time_ms;
    std::optional<Block> prev_block;  // header and signature of the block before
    std::uint64_t expect = 1;
    std::optional<ChainDamage> found;
    store_->scan(Column::blocks, {}, {}, [&](ByteView key, ByteView value) {
        std::uint64_t h = 0;
        if (key.size() == 8) h = Reader(key).u64();
        if (key.size() != 8 || h != expect) {
            found = ChainDamage{expect, key.size() != 8 || h > expect ? "the block record is missing"
                                                                      : "a block record with a malformed key"};
            return false;
        }
        if (h > tip) {
            found = ChainDamage{h, "a block lies beyond the tip record (height " + std::to_string(tip) + ")"};
            return false;
        }
        auto b = decode_block(value);
        if (!b) {
            found = ChainDamage{h, "the block record does not decode: " + b.error()};
            return false;
        }
        b->tx_ids.clear();
        const BlockHeader& hd = b->header;
        std::string why;
        const bool link_broken = hd.prev != prev;
        if (hd.height != h)
            why = "its header says height " + std::to_string(hd.height);
        else if (link_broken)
            why = h == 1 ? "it does not link to the genesis (prev hash is not the chain id)"
                         : "its prev hash is not the hash of block " + std::to_string(h - 1);
        else if (hd.producer != genesis_.producer)
            why = "it names a producer other than the genesis producer";
        else if (hd.time_ms < prev_time)
            why = "its time is before its parent's";
        if (!why.empty()) {
            if (link_broken && prev_block && !verify_block_signature(*prev_block, chain_id_))
                found = ChainDamage{h - 1, bad_signature};
            else if (!verify_block_signature(*b, chain_id_))
                found = ChainDamage{h, bad_signature + " (" + why + ")"};
            else
                found = ChainDamage{h, std::move(why)};
            return false;
        }
        prev = block_hash(hd);
        prev_time = hd.time_ms;
        prev_block = std::move(*b);
        ++expect;
        return true;
    });
    if (found) return std::unexpected(std::move(*found));
    if (expect != tip + 1)
        return damage(expect, "the block record is missing (the tip is " + std::to_string(tip) + ")");
    if (tip > 0 && prev != tip_hash_) return damage(tip, "its hash is not the one in the tip record");

    // 2. The last full_blocks blocks in full, with the audit's own per-block
    // checks: the producer's signature, the Merkle root, every record present
    // at its place, decoding and hashing to its id, every signature.
    const FetchTx fetch = store_fetch_tx(*store_);
    for (std::uint64_t h = from; h <= tip; ++h) {
        auto bytes = store_->get(Column::blocks, keys::block(h));
        if (!bytes) return damage(h, "the block record vanished during the check");
        const PreparedBlock p = Replayer::prepare(chain_id_, h, *bytes, fetch);
        if (!p.block) return damage(h, "the block record does not decode: " + p.block_fault);
        if (!p.producer_signature_ok) return damage(h, bad_signature);
        if (!p.merkle_root_ok) return damage(h, "its transaction ids do not match the header's tx root");
        for (std::size_t i = 0; i < p.txs.size(); ++i)
            if (!p.tx_signatures_ok[i])
                return damage(h, "transaction " + std::to_string(i) + " (" + short_id(p.block->tx_ids[i]) +
                                     "...): a signature does not verify");
        if (!p.tx_fault.empty()) return damage(h, p.tx_fault);
    }
    return {};
}

std::expected<void, std::string> Chain::reopen() {
    if (auto ok = store_->reopen(); !ok) return ok;
    // Rebuild from the store into fresh members; keep the old ones if that fails.
    BlockHeader old_tip = tip_;
    Signature old_signature = tip_signature_;
    Hash256 old_hash = tip_hash_;
    State old_state = std::move(state_);
    state_ = State();
    tip_ = BlockHeader{};
    tip_signature_ = Signature{};
    tip_.time_ms = genesis_.time_ms;
    tip_.producer = genesis_.producer;
    tip_hash_ = chain_id_;
    if (auto ok = load(); !ok) {
        tip_ = old_tip;
        tip_signature_ = old_signature;
        tip_hash_ = old_hash;
        state_ = std::move(old_state);
        return ok;
    }
    return {};
}

std::expected<void, std::string> Chain::rebuild_stats(const stats::RebuildProgress& progress) {
    if (stats_ready_) return {};
    if (auto ok = stats::rebuild(*store_, genesis_, tip_.height, progress); !ok) return ok;
    stats_ready_ = true;
    return {};
}

std::expected<Produced, std::string> Chain::produce_block(std::span<const SignedTx> candidates,
                                                          std::uint64_t time_ms, const KeyPair& producer,
                                                          bool signatures_verified, const BlockExtras& extras) {
    if (producer.public_key() != genesis_.producer)
        return std::unexpected("this key is not the chain's block producer");
    // A block counted on top of aggregates that lack the blocks before it
    // would be counted wrong for good.
    if (!stats_ready_)
        return std::unexpected("the venue aggregates are not built yet (Chain::rebuild_stats); no block until they are");
    if (candidates.size() > block_txs_max)
        return std::unexpected("at most " + std::to_string(block_txs_max) + " transactions per block");
    // Block time never goes backwards, whatever the wall clock does.
    time_ms = std::max(time_ms, tip_.time_ms);

    BlockContext ctx{chain_id_, &genesis_, tip_.height + 1, time_ms};
    // Forget only ids that expired before the committed tip: this candidate
    // block may commit nothing, and a later one may carry an earlier time than
    // this one (never earlier than the tip). Ids expired between the tip and
    // this block are refused as expired before the window is consulted.
    state_.prune_window(tip_.time_ms / 1000);
    const State::Mark start = state_.mark();
    // The programmes' time events due by this block's time run first, dated
    // at their due times (apply_due_events); a block with no transaction is
    // made only for them.
    Effects event_effects;
    const std::size_t events_ran = apply_due_events(state_, ctx, &event_effects);

    Produced out;
    Block block;
    std::vector<Bytes> blobs;
    std::vector<AppliedTx> applied;
    std::vector<stats::Event> counted;  // what the block adds to the aggregates
    const stats::Day day = stats::day_of_ms(time_ms);
    // Ids committed earlier in this block: a second copy gets the first result.
    std::map<Hash256, TxLocation> in_block;
    // A read that meets damage (find_tx) abandons the block: nothing is
    // written, the state goes back, and store().damage() says what was found.
    try {
        for (const SignedTx& stx : candidates) {
            TxOutcome o;
            try {
                // A transaction object built in memory (not decoded) may hold
                // values no encoder accepts; it is refused, not committed.
                o.id = tx_id(stx.tx);
            } catch (const std::invalid_argument& e) {
                o.refusal = Refused{Refusal::malformed, e.what()};
                out.outcomes.push_back(std::move(o));
                continue;
            }
            if (auto it = in_block.find(o.id); it != in_block.end()) {
                o.status = TxOutcome::Status::already_committed;
                o.location = it->second;
            } else if (auto loc = maybe_committed(stx.tx, o.id) ? find_tx(o.id) : std::nullopt) {
                o.status = TxOutcome::Status::already_committed;
                o.location = *loc;
            } else if (!signatures_verified && !verify_tx_signatures(stx, chain_id_)) {
                o.refusal = Refused{Refusal::bad_signature, "a signature does not verify for this chain"};
            } else {
                // Judged on the state before it: who was staff then.
                std::optional<stats::Event> ev = stats::classify(state_, stx.tx, day);
                auto fx = apply_tx(state_, ctx, stx, o.id);
                if (!fx) {
                    o.refusal = std::move(fx.error());
                } else {
                    o.status = TxOutcome::Status::committed;
                    o.location = {ctx.height, static_cast<std::uint32_t>(block.tx_ids.size())};
                    in_block.emplace(o.id, o.location);
                    o.touched = fx->touched;
                    o.movements = std::move(fx->movements);
                    o.tiers = std::move(fx->tiers);
                    applied.push_back({o.id, o.location.index, std::move(fx->touched), tx_ticker(stx.tx)});
                    block.tx_ids.push_back(o.id);
                    blobs.push_back(encode_signed_tx(stx));
                    if (ev) counted.push_back(std::move(*ev));
                }
            }
            out.outcomes.push_back(std::move(o));
        }
    } catch (const StoreError& e) {
        state_.rollback_to(start);
        return std::unexpected("RocksDB cannot read a record: " + e.damage().describe());
    }
    if (block.tx_ids.empty() && events_ran == 0) {
        state_.rollback_to(start);
        return out;
    }
    // The aggregates' records this block changes, read and counted before
    // anything is signed: a read that meets damage abandons the block.
    std::map<Bytes, Bytes, BytesLess> aggregates;
    try {
        aggregates = stats::tally(counted, [&](std::span<const ByteView> keys) {
            return store_->multi_get(Column::stats, keys);
        });
    } catch (const StoreError& e) {
        // RocksDB's own reports are noted already; a record that does not
        // decode is noted here, so the node treats both as damage.
        store_->note_damage(e.damage());
        state_.rollback_to(start);
        return std::unexpected("the aggregates cannot be read: " + e.damage().describe());
    }

    block.header.height = ctx.height;
    block.header.prev = tip_hash_;
    block.header.time_ms = time_ms;
    block.header.tx_root = merkle_root(block.tx_ids);
    state_.update_digest();
    block.header.state_digest = state_.digest();
    block.header.tx_count = static_cast<std::uint32_t>(block.tx_ids.size());
    sign_block(block, producer, chain_id_);
    const Hash256 hash = block_hash(block.header);

    Batch batch;
    stage_block(batch, block, hash, applied, std::move(blobs), std::move(aggregates));
    if (extras) {
        const std::size_t own = batch.ops.size();
        extras(block, candidates, out.outcomes, event_effects, state_, batch);
        for (std::size_t i = own; i < batch.ops.size(); ++i)
            if (batch.ops[i].column != Column::outbox) {
                state_.rollback_to(start);
                return std::unexpected("a block's extra writes may not touch the chain's family " +
                                       std::string(column_name(batch.ops[i].column)));
            }
    }

    if (auto ok = commit_block(block, hash, batch, start); !ok) return std::unexpected(ok.error());
    out.block = std::move(block);
    return out;
}

std::optional<TxRecord> Chain::tx_record(const Hash256& id) const {
    auto raw = store_->get(Column::txs, id);
    if (!raw) return std::nullopt;
    auto rec = decode_tx_record(*raw);
    if (!rec) return std::nullopt;
    return *rec;
}

std::optional<TxLocation> Chain::find_tx(const Hash256& id) const {
    auto rec = tx_record(id);
    if (!rec) return std::nullopt;
    return TxLocation{rec->height, rec->index};
}

std::optional<Block> Chain::block_at(std::uint64_t height) const {
    auto raw = store_->get(Column::blocks, keys::block(height));
    if (!raw) return std::nullopt;
    auto b = decode_block(*raw);
    if (!b) return std::nullopt;
    return *b;
}

std::optional<std::uint64_t> Chain::height_of(const Hash256& hash) const {
    if (hash == chain_id_) return 0;
    auto raw = store_->get(Column::index, keys::block_hash_index(hash));
    if (!raw || raw->size() != 8) return std::nullopt;
    Reader r(*raw);
    return r.u64();
}

std::optional<InclusionProof> Chain::prove(const Hash256& id) const {
    auto loc = find_tx(id);
    if (!loc) return std::nullopt;
    auto b = block_at(loc->height);
    if (!b) return std::nullopt;
    return merkle_prove(b->tx_ids, loc->index);
}

std::expected<HistoryPage, std::string> Chain::history(const Bytes& prefix, std::string_view cursor, std::size_t limit,
                                                       const HistoryFilter* keep, std::size_t scan_max) const {
    limit = std::clamp<std::size_t>(limit, 1, history_page_entries_max);
    Bytes from = prefix;
    if (!cursor.empty()) {
        // The cursor is the (height, index) of the last entry read; the next
        // page starts just after it.
        auto raw = from_base64url(cursor);
        if (!raw || raw->size() != 12) return std::unexpected("the history cursor is not one this node gave out");
        Reader r(*raw);
        TxLocation last{r.u64(), r.u32()};
        if (last.index == 0 && last.height == 0) return HistoryPage{};
        TxLocation next = last.index > 0 ? TxLocation{last.height, last.index - 1}
                                         : TxLocation{last.height - 1, ~std::uint32_t{0}};
        from = keys::history_entry(prefix, next);
    }
    HistoryPage page;
    TxLocation last_read{};
    store_->scan(Column::index, prefix, from, [&](ByteView k, ByteView v) {
        // Another entry remains: a full page, or the read bound, ends here.
        if (page.entries.size() == limit || (keep && page.scanned == scan_max)) {
            Writer w;
            w.u64(last_read.height).u32(last_read.index);
            page.next_cursor = to_base64url(w.bytes());
            return false;
        }
        Reader r(k.subspan(prefix.size()));
        HistoryEntry e;
        e.location.height = ~r.u64();
        e.location.index = ~r.u32();
        if (v.size() != hash_bytes) throw std::runtime_error("history index entry is damaged");
        std::copy(v.begin(), v.end(), e.id.begin());
        ++page.scanned;
        last_read = e.location;
        const HistoryVerdict verdict = keep ? (*keep)(e) : HistoryVerdict::keep;
        if (verdict == HistoryVerdict::stop) return false;
        if (verdict == HistoryVerdict::keep) page.entries.push_back(e);
        return true;
    });
    return page;
}

std::expected<HistoryPage, std::string> Chain::account_history(const Account& account, std::string_view cursor,
                                                                std::size_t limit) const {
    return history(keys::account_history_prefix(account), cursor, limit);
}

std::expected<HistoryPage, std::string> Chain::venue_history(std::string_view ticker, std::string_view cursor,
                                                             std::size_t limit) const {
    if (!valid_ticker(ticker)) return std::unexpected("a ticker is 3-10 characters of A-Z and 0-9");
    return history(keys::venue_history_prefix(ticker), cursor, limit);
}

std::expected<HistoryPage, std::string> Chain::venue_history(std::string_view ticker, std::string_view cursor,
                                                             std::size_t limit, const HistoryFilter& keep,
                                                             std::size_t scan_max) const {
    if (!valid_ticker(ticker)) return std::unexpected("a ticker is 3-10 characters of A-Z and 0-9");
    if (scan_max == 0) return std::unexpected("a filtered history reads at least one entry");
    return history(keys::venue_history_prefix(ticker), cursor, limit, &keep, scan_max);
}

}  // namespace kopilka::ledger
