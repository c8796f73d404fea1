// The aggregates' records in the store's `stats` family: what each venue's
// UTC day adds up to, and the markers that keep distinct counts exact
// without holding sets in memory (docs/formats.md, "Aggregates").
//
//   'd' ticker day                 -> DayTotals     the venue's day
//   'd' ticker day 'p' product_id  -> ProductDay    one reward's redemptions that day
//   'd' ticker day 's' staff_key   -> StaffDay      one staff member's day
//   'c' ticker account             -> ClientMark    when a client was first seen and last active
//   'm' ticker staff_key account   -> ServedMark    when a staff member last served a client
//
// A day's records sort together (its totals first), so a range of days is
// one forward scan. Values are fixed-width big-endian integers; a decoder
// refuses any other length.
#pragma once

#include "ledger/codec.h"
#include "ledger/types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kopilka::ledger::stats {

// The version of the records' meaning. A ledger whose meta record says
// another version (or none: a ledger made before the aggregates) has them
// rebuilt from its blocks at open (Chain::rebuild_stats).
inline constexpr std::uint32_t stats_version = 1;
Bytes meta_stats_key();
Bytes meta_stats_value();
bool is_current_version(ByteView meta_value);

// A UTC day: days since 1970-01-01 of the block time. The venue's own time
// zone comes with the rule engine; until then every day is a UTC day.
using Day = std::uint32_t;
Day day_of_ms(std::uint64_t time_ms);
std::uint64_t ms_of_day(Day d);
// Weeks start on Monday 00:00 UTC (ISO 8601). 1970-01-01 was a Thursday;
// the days before the first Monday count as the week of day 0.
Day week_start(Day d);
bool is_monday(Day d);
// "2026-11-27", for people.
std::string day_text(Day d);

struct DayTotals {
    Amount issued = 0;            // transfers from the treasury or a then-staff member to a client
    std::uint64_t issues = 0;     // their number
    Amount redeemed = 0;          // prices of redemptions
    std::uint64_t redemptions = 0;
    std::uint64_t new_clients = 0;        // clients first seen this day
    std::uint64_t active_clients = 0;     // distinct clients issued to or redeeming this day
    std::uint64_t returning_clients = 0;  // of those, first seen before this day
    // Distinct clients active this week whose first activity of the week was
    // this day, and of those the ones first seen before the week: a week's
    // sum of each is its distinct active and returning clients.
    std::uint64_t week_active_clients = 0;
    std::uint64_t week_returning_clients = 0;
    bool operator==(const DayTotals&) const = default;
};

struct ProductDay {
    std::uint64_t redemptions = 0;
    Amount redeemed = 0;
    bool operator==(const ProductDay&) const = default;
};

struct StaffDay {
    Amount given = 0;                 // issued by this member
    Amount redeemed = 0;              // prices of the redemptions this member submitted
    std::uint64_t clients_new = 0;    // clients this member served for the first time ever
    std::uint64_t visits = 0;         // distinct clients this member served this day
    bool operator==(const StaffDay&) const = default;
};

// A client account's first day as a client of the venue (it received the
// coin, or redeemed, while neither the treasury nor staff), and the last
// day it was active (was issued coins or redeemed); none before that.
struct ClientMark {
    Day first_seen = 0;
    std::optional<Day> last_active;
    bool operator==(const ClientMark&) const = default;
};

// The last day a staff member served (gave to, or redeemed for) a client.
struct ServedMark {
    Day last_served = 0;
    bool operator==(const ServedMark&) const = default;
};

// Keys.
Bytes venue_days_prefix(std::string_view ticker);  // 'd' ticker: every day record of the venue
Bytes day_key(std::string_view ticker, Day d);
Bytes product_day_key(std::string_view ticker, Day d, std::uint32_t product_id);
Bytes staff_day_key(std::string_view ticker, Day d, const PublicKey& staff);
Bytes client_mark_key(std::string_view ticker, const Account& client);
Bytes served_mark_key(std::string_view ticker, const PublicKey& staff, const Account& client);

// A parsed key. Throws DecodeError for a key no function above makes.
struct RecordKey {
    enum class Kind : std::uint8_t { day, product_day, staff_day, client_mark, served_mark } kind = Kind::day;
    std::string ticker;
    Day day = 0;                    // the day kinds
    std::uint32_t product_id = 0;   // product_day
    PublicKey staff;                // staff_day, served_mark
    Account client;                 // client_mark, served_mark
};
RecordKey parse_key(ByteView key);
// "venue VOLODYA, day 2026-11-27 (20419), staff kop1...": where a record is, for people.
std::string describe_key(ByteView key);

// Values. Decoders throw DecodeError unless the bytes are exactly what the
// encoder makes.
Bytes encode(const DayTotals& v);
Bytes encode(const ProductDay& v);
Bytes encode(const StaffDay& v);
Bytes encode(const ClientMark& v);
Bytes encode(const ServedMark& v);
DayTotals decode_day(ByteView b);
ProductDay decode_product_day(ByteView b);
StaffDay decode_staff_day(ByteView b);
ClientMark decode_client_mark(ByteView b);
ServedMark decode_served_mark(ByteView b);
// The value's fields as "issued 3.00, issues 1, ..." (any kind, by its key),
// or "does not decode: ..." for bytes that are not one.
std::string describe_value(ByteView key, ByteView value);

// Sums that cannot wrap: a count or an amount that would pass 2^64 - 1 stays
// there (it cannot happen below 10^11 transactions of the whole supply in a
// day, and stays deterministic, so the audit's recount agrees).
inline std::uint64_t add_saturating(std::uint64_t a, std::uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

}  // namespace kopilka::ledger::stats
