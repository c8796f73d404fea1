// Rebuilding the aggregates from the blocks: for a ledger made before them,
// or one whose version marker is absent (a rebuild that a crash cut short,
// or aggregates deleted on purpose to have them recounted).
#pragma once

#include "ledger/store.h"
#include "ledger/types.h"

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

namespace kopilka::ledger::stats {

// Counted events written per batch while rebuilding: bounds the batch (about
// three records an event) and the memory of one tally.
inline constexpr std::size_t rebuild_batch_events_max = 20'000;
// Stale records erased per batch before a rebuild starts.
inline constexpr std::size_t rebuild_erase_batch_keys_max = 100'000;

// Called after each batch: the height counted up to, of `tip`.
using RebuildProgress = std::function<void(std::uint64_t height, std::uint64_t tip)>;

// Erases whatever the `stats` family holds, then replays blocks 1..tip on an
// empty state (the rules again, not the signatures: the blocks were checked
// when committed, and the startup check and `kopilkad verify` check them
// again) to learn who was staff at each transaction, counting as the block
// producer does, and writes the version marker last, synced. The batches
// before it are not synced: a crash leaves no marker, and the next open
// starts over. An error names the block that does not replay or the write
// that failed. `batch_events` bounds each batch (tests make it small, to
// crash between many).
std::expected<void, std::string> rebuild(Store& store, const Genesis& genesis, std::uint64_t tip,
                                         const RebuildProgress& progress = {},
                                         std::size_t batch_events = rebuild_batch_events_max);

}  // namespace kopilka::ledger::stats
