#include "ledger/id_window.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kopilka::ledger {

namespace {

// A broken invariant of consensus state: continuing could commit a wrong
// block, so the node stops and says why.
[[noreturn]] void window_fatal(const char* why) {
    std::fprintf(stderr, "kopilka: replay window: %s\n", why);
    std::abort();
}

// MurmurHash3's 64-bit finaliser: every input bit reaches the low bits that
// pick the home position.
std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

// Rough heap cost of one std::map<uint64_t, uint32_t> node: 48 bytes (the
// red-black header of three pointers and the colour, then the value), which
// glibc's malloc serves from a 64-byte chunk.
constexpr std::size_t map_node_bytes = 64;

}  // namespace

IdWindow::IdWindow() {
    std::uint8_t salt[sizeof salt_];
    random_bytes(salt);
    std::memcpy(&salt_, salt, sizeof salt_);
}

std::size_t IdWindow::home(const Hash256& id) const {
    std::uint64_t head;
    std::memcpy(&head, id.data(), sizeof head);
    return static_cast<std::size_t>(mix64(head ^ salt_)) & (table_.size() - 1);
}

std::size_t IdWindow::find(const Hash256& id) const {
    const std::size_t mask = table_.size() - 1;
    std::size_t pos = home(id);
    while (table_[pos] != none && slot(table_[pos]).id != id) pos = (pos + 1) & mask;
    return pos;
}

bool IdWindow::contains(const Hash256& id) const {
    return !table_.empty() && table_[find(id)] != none;
}

std::uint32_t IdWindow::new_slot() {
    if (free_head_ != none) {
        const std::uint32_t s = free_head_;
        free_head_ = slot(s).next;
        return s;
    }
    if (slots_used_ == ids_max) window_fatal("more ids than IdWindow::ids_max");
    if (slots_used_ % chunk_slots == 0) chunks_.emplace_back(chunk_slots);
    return slots_used_++;
}

void IdWindow::free_slot(std::uint32_t s) {
    slot(s).next = free_head_;
    free_head_ = s;
}

std::uint32_t IdWindow::new_bucket(std::uint64_t expiry_s) {
    // At most one bucket per live slot, so a uint32 number always fits.
    std::uint32_t b;
    if (!free_buckets_.empty()) {
        b = free_buckets_.back();
        free_buckets_.pop_back();
    } else {
        b = static_cast<std::uint32_t>(buckets_.size());
        buckets_.emplace_back();
    }
    buckets_[b] = Bucket{expiry_s, none};
    return b;
}

void IdWindow::grow() {
    std::vector<std::uint32_t> old = std::move(table_);
    table_.assign(old.empty() ? table_slots_min : old.size() * 2, none);
    const std::size_t mask = table_.size() - 1;
    for (const std::uint32_t s : old) {
        if (s == none) continue;
        std::size_t pos = home(slot(s).id);
        while (table_[pos] != none) pos = (pos + 1) & mask;
        table_[pos] = s;
    }
}

bool IdWindow::insert(const Hash256& id, std::uint64_t expiry_s) {
    // Load at most 4/5: an absent id (the common lookup) then probes about 13
    // entries at worst and 3 on average.
    if ((size_ + 1) * 5 > table_.size() * 4) grow();
    const std::size_t pos = find(id);
    if (table_[pos] != none) return false;

    const std::uint32_t s = new_slot();
    auto found = bucket_of_expiry_.find(expiry_s);
    if (found == bucket_of_expiry_.end()) found = bucket_of_expiry_.emplace(expiry_s, new_bucket(expiry_s)).first;
    Bucket& bucket = buckets_[found->second];
    Slot& e = slot(s);
    e.id = id;
    e.bucket = found->second;
    e.next = bucket.newest;
    bucket.newest = s;
    table_[pos] = s;
    ++size_;
    journal_.push_back(s);
    return true;
}

// Backward-shift deletion (Knuth 6.4, algorithm R): each later entry of the
// run moves into the hole unless its home lies cyclically in (hole, entry],
// where it would no longer be found.
void IdWindow::erase_at(std::size_t pos) {
    const std::size_t mask = table_.size() - 1;
    std::size_t hole = pos;
    for (std::size_t j = (pos + 1) & mask; table_[j] != none; j = (j + 1) & mask) {
        const std::size_t h = home(slot(table_[j]).id);
        const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
        if (stays) continue;
        table_[hole] = table_[j];
        hole = j;
    }
    table_[hole] = none;
    --size_;
}

void IdWindow::prune(std::uint64_t now_s) {
    auto end = bucket_of_expiry_.lower_bound(now_s);
    for (auto b = bucket_of_expiry_.begin(); b != end; ++b) {
        for (std::uint32_t s = buckets_[b->second].newest; s != none;) {
            const std::uint32_t next = slot(s).next;
            const std::size_t pos = find(slot(s).id);
            if (table_[pos] != s) window_fatal("an expiry bucket holds an id the table does not");
            erase_at(pos);
            free_slot(s);
            s = next;
        }
        free_buckets_.push_back(b->second);
    }
    bucket_of_expiry_.erase(bucket_of_expiry_.begin(), end);
}

// Undoing the journal newest first keeps two facts true, which make each undo
// O(1) (one table lookup and erase, expected O(1) at load 4/5):
// - if journalled slot s is live (the table maps its id to s), it still holds
//   the id inserted by this journal entry: every later insert has been undone
//   already, and an earlier occupant of s was freed before s was reused;
// - that id is then the newest of its expiry bucket: every later insert into
//   the bucket was undone (it was the newest then) or pruned, and a prune
//   takes the whole bucket, which would have taken this id too.
// An id pruned after its insert is already gone, as in the old code (prunes
// are not journalled); its slot is free or reused by a later, undone insert.
void IdWindow::rollback_to(std::size_t mark) {
    while (journal_.size() > mark) {
        const std::uint32_t s = journal_.back();
        journal_.pop_back();
        const Slot& e = slot(s);
        const std::size_t pos = find(e.id);
        if (table_[pos] != s) continue;  // pruned since
        Bucket& bucket = buckets_[e.bucket];
        if (bucket.newest != s) window_fatal("an undone id is not the newest of its expiry bucket");
        bucket.newest = e.next;
        if (bucket.newest == none) {
            bucket_of_expiry_.erase(bucket.expiry_s);
            free_buckets_.push_back(e.bucket);
        }
        erase_at(pos);
        free_slot(s);
    }
}

void IdWindow::clear_journal() {
    if (journal_.capacity() > journal_kept_entries_max)
        std::vector<std::uint32_t>().swap(journal_);  // gives the buffer back
    else
        journal_.clear();
}

std::size_t IdWindow::memory_bytes() const {
    return chunks_.size() * chunk_slots * sizeof(Slot) + chunks_.capacity() * sizeof(chunks_[0]) +
           table_.capacity() * sizeof(table_[0]) + bucket_of_expiry_.size() * map_node_bytes +
           buckets_.capacity() * sizeof(Bucket) + free_buckets_.capacity() * sizeof(free_buckets_[0]) +
           journal_.capacity() * sizeof(journal_[0]);
}

}  // namespace kopilka::ledger
