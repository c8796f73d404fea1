#include "ledger/stats/recount.h"

#include <algorithm>

namespace kopilka::ledger::stats {

void Recount::add(std::span<const Event> events) {
    if (events.empty()) return;
    auto changes = tally(events, [&](std::span<const ByteView> keys) {
        std::vector<std::optional<Bytes>> out;
        out.reserve(keys.size());
        for (ByteView k : keys) {
            auto it = records_.find(k);
            out.push_back(it == records_.end() ? std::nullopt : std::optional<Bytes>(it->second));
        }
        return out;
    });
    for (auto& [key, value] : changes) records_.insert_or_assign(key, std::move(value));
}

std::optional<std::string> Recount::compare(const Store& store, std::uint64_t& compared) const {
    compared = 0;
    auto expected = records_.begin();
    std::optional<std::string> fault;
    auto missing = [&](const Bytes& key, const Bytes& value) {
        return describe_key(key) + " is missing from the store; the blocks give " + describe_value(key, value);
    };
    store.scan(Column::stats, {}, {}, [&](ByteView key, ByteView value) {
        if (expected != records_.end() && BytesLess{}(expected->first, key)) {
            fault = missing(expected->first, expected->second);
            return false;
        }
        if (expected == records_.end() || !std::ranges::equal(key, expected->first)) {
            fault = describe_key(key) + " is stored (" + describe_value(key, value) + ") but the blocks give no such record";
            return false;
        }
        if (!std::ranges::equal(value, expected->second)) {
            fault = describe_key(key) + ": the store says " + describe_value(key, value) + "; the blocks give " +
                    describe_value(key, expected->second);
            return false;
        }
        ++compared;
        ++expected;
        return true;
    });
    if (!fault && expected != records_.end()) fault = missing(expected->first, expected->second);
    return fault;
}

}  // namespace kopilka::ledger::stats
