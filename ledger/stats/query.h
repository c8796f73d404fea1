// Reading the aggregates back: a venue's figures over a range of UTC days,
// optionally as one row per day or per week. One forward scan of the days'
// records, so the cost is the days in the range times what each holds (its
// totals, a record per product redeemed and per staff member active that
// day), never the venue's history.
#pragma once

#include "ledger/store.h"
#include "ledger/stats/records.h"

#include <map>
#include <optional>
#include <vector>

namespace kopilka::ledger::stats {

enum class Bucket : std::uint8_t { day, week };
inline constexpr Day bucket_days(Bucket b) { return b == Bucket::day ? 1 : 7; }

// One bucket's row. Active and returning clients are distinct within the
// bucket (a week's from its days' week_* counts).
struct Row {
    Day start = 0;
    Amount issued = 0;
    std::uint64_t issues = 0;
    Amount redeemed = 0;
    std::uint64_t redemptions = 0;
    std::uint64_t new_clients = 0;
    std::uint64_t active_clients = 0;
    std::uint64_t returning_clients = 0;
    bool operator==(const Row&) const = default;
};

struct Summary {
    // Over the whole range; the distinct counts of DayTotals (active,
    // returning) do not add across days and are left at zero here.
    DayTotals totals;
    std::map<std::uint32_t, ProductDay> products;  // every product redeemed in the range
    std::map<PublicKey, StaffDay> staff;           // every member who issued or redeemed as staff in the range
    std::vector<Row> rows;                         // with a bucket: one per bucket of the range, empty ones too
    std::uint64_t records_read = 0;
};

// The aggregates of `ticker` for the days [from, to). With `rows`, `from`
// must start a bucket and (to - from) be whole buckets; the caller bounds
// their number. Throws StoreError on damage (a record that does not decode
// included).
Summary summarize(const Store& store, std::string_view ticker, Day from, Day to, std::optional<Bucket> rows);

}  // namespace kopilka::ledger::stats
