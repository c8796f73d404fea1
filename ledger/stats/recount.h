// The auditor's recount of the aggregates: the same counting as the block
// producer's (stats::tally), on records held in memory instead of the store,
// then compared with what the store holds, record by record.
#pragma once

#include "ledger/store.h"
#include "ledger/stats/count.h"

#include <map>
#include <optional>
#include <span>
#include <string>

namespace kopilka::ledger::stats {

class Recount {
public:
    // Counts one replayed block's events.
    void add(std::span<const Event> events);
    // Every record of the store's `stats` family against the recount, in key
    // order: nullopt when they are the same set, else the first difference
    // for a person, naming the venue and the day (or the marker) and both
    // values. `compared` is set to the records compared.
    std::optional<std::string> compare(const Store& store, std::uint64_t& compared) const;
    std::size_t size() const { return records_.size(); }

private:
    std::map<Bytes, Bytes, BytesLess> records_;
};

}  // namespace kopilka::ledger::stats
