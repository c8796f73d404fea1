// IdWindow: a compact set of 32-byte ids, each with an expiry, that forgets
// expired ids in bulk and can undo its recent inserts. The state keeps two,
// its replay window: committed transaction ids and redeemed voucher ids.
//
// Why not std::unordered_set + std::multimap: a node keeps ten million ids in
// one expiry window, and those cost about 155 bytes of RSS each. Here an id
// costs its 40-byte slot, 5 to 10 bytes of hash table and a share of its
// expiry bucket (80 bytes per distinct expiry second): about 47 bytes at ten
// million ids. Undoing an insert costs O(1) instead of a scan of the window.
//
// Semantics (consensus logic: the audit replays them exactly):
// - insert adds an id that is absent, with its expiry, and journals it; an id
//   already present keeps its first expiry and nothing is journalled;
// - prune(now_s) forgets, at once, every id whose expiry_s < now_s; an id
//   inserted later stays until a later prune, whatever its expiry. Prunes are
//   not journalled;
// - rollback_to(mark) undoes, newest first, the inserts journalled since the
//   mark (an id pruned meanwhile stays forgotten); clear_journal forgets them.
#pragma once

#include "crypto/hash.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

namespace kopilka::ledger {

class IdWindow {
public:
    // Slot indices are uint32 with one value reserved for "none": at most
    // this many ids at once (about 170 GB of slots, far past any node's RAM).
    // One more aborts the process: the window cannot refuse an id it must keep.
    static constexpr std::size_t ids_max = std::numeric_limits<std::uint32_t>::max();

    IdWindow();

    bool contains(const Hash256& id) const;
    // Returns whether the id was inserted (it was absent).
    bool insert(const Hash256& id, std::uint64_t expiry_s);
    void prune(std::uint64_t now_s);

    // The journal: a mark is the number of inserts journalled so far.
    std::size_t mark() const { return journal_.size(); }
    void rollback_to(std::size_t mark);
    void clear_journal();

    std::size_t size() const { return size_; }
    // A cleared journal keeps its buffer up to this many entries: a block's
    // inserts (block_txs_max transactions and as many vouchers) reuse it, but
    // the journal of a startup load (the whole window) is given back. State's
    // own journal of which window an insert went to follows the same rule.
    static constexpr std::size_t journal_kept_entries_max = std::size_t{1} << 16;
    // Approximate heap bytes held (slots, table, buckets, journal).
    std::size_t memory_bytes() const;

private:
    static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
    // Slots live in fixed chunks, never reallocated: growing does not copy the
    // window nor briefly hold it twice (a plain vector would, at 400 MB).
    static constexpr std::size_t chunk_slots = std::size_t{1} << 16;
    static constexpr std::size_t table_slots_min = 16;

    // 40 bytes. The slot names its expiry bucket by number rather than by
    // the expiry itself (8 bytes, and 8-byte alignment): at ten million ids
    // that saves 80 MB for a few thousand bucket records.
    struct Slot {
        Hash256 id;
        std::uint32_t next;    // next (older) slot of the same bucket, or of the free list
        std::uint32_t bucket;  // index into buckets_
    };
    static_assert(sizeof(Slot) == 40);
    struct Bucket {
        std::uint64_t expiry_s;
        std::uint32_t newest;  // a slot; the others follow through Slot::next
    };

    Slot& slot(std::uint32_t s) { return chunks_[s / chunk_slots][s % chunk_slots]; }
    const Slot& slot(std::uint32_t s) const { return chunks_[s / chunk_slots][s % chunk_slots]; }
    std::uint32_t new_slot();
    void free_slot(std::uint32_t s);
    std::uint32_t new_bucket(std::uint64_t expiry_s);

    std::size_t home(const Hash256& id) const;
    // The table position holding the id, or of the empty entry ending its probe.
    std::size_t find(const Hash256& id) const;
    void erase_at(std::size_t pos);
    void grow();

    // The arena: slot s is chunks_[s / chunk_slots][s % chunk_slots]. Slots
    // below slots_used_ are live or on the free list (threaded through next).
    std::vector<std::vector<Slot>> chunks_;
    std::uint32_t slots_used_ = 0;
    std::uint32_t free_head_ = none;
    std::size_t size_ = 0;

    // Open addressing, linear probing, power-of-two size, load at most 4/5;
    // entries are slot indices or none. Erasing shifts the following entries
    // back, so there are no tombstones and a probe ends at the first none.
    std::vector<std::uint32_t> table_;
    // Random per window (copied with it): ids are BLAKE2b hashes, but a client
    // can grind transaction nonces cheaply until ids share their low bits, and
    // with linear probing a long run of such ids would slow every lookup.
    std::uint64_t salt_ = 0;

    // One bucket per expiry that live ids have: the expiry -> its bucket
    // number, and the buckets (with a free list) that slots point into.
    // Prune walks only the expired buckets.
    std::map<std::uint64_t, std::uint32_t> bucket_of_expiry_;
    std::vector<Bucket> buckets_;
    std::vector<std::uint32_t> free_buckets_;
    // Slots inserted since the last clear, oldest first.
    std::vector<std::uint32_t> journal_;
};

}  // namespace kopilka::ledger
