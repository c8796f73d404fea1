#include "ledger/stats/records.h"

#include "crypto/address.h"

#include <algorithm>

namespace kopilka::ledger::stats {

namespace {
constexpr std::uint8_t tag_day = 'd';
constexpr std::uint8_t tag_client = 'c';
constexpr std::uint8_t tag_served = 'm';
constexpr std::uint8_t sub_product = 'p';
constexpr std::uint8_t sub_staff = 's';
constexpr std::uint32_t days_per_week = 7;
// 1970-01-01 (day 0) was a Thursday: Monday is 3 days before it.
constexpr std::uint32_t thursday_to_monday_days = 3;

Bytes with_ticker(std::uint8_t tag, std::string_view ticker) {
    Writer w;
    w.u8(tag);
    write_ticker(w, ticker);
    return std::move(w).take();
}

Bytes day_prefix(std::string_view ticker, Day d) {
    Writer w;
    w.raw(with_ticker(tag_day, ticker)).u32(d);
    return std::move(w).take();
}

// Every decoder: the fields, then nothing else.
template <class Fn>
auto decode_exactly(ByteView b, Fn fn) {
    Reader r(b);
    auto v = fn(r);
    r.finish();
    return v;
}

std::string amount_field(std::string_view name, Amount a) { return std::string(name) + " " + format_amount(a); }
std::string count_field(std::string_view name, std::uint64_t n) { return std::string(name) + " " + std::to_string(n); }
}  // namespace

Bytes meta_stats_key() { return {'s', 't', 'a', 't', 's'}; }
Bytes meta_stats_value() {
    Writer w;
    w.u32(stats_version);
    return std::move(w).take();
}
bool is_current_version(ByteView meta_value) {
    return std::ranges::equal(meta_value, meta_stats_value());
}

Day day_of_ms(std::uint64_t time_ms) { return static_cast<Day>(time_ms / ms_per_day); }
std::uint64_t ms_of_day(Day d) { return std::uint64_t{d} * ms_per_day; }
Day week_start(Day d) {
    const Day since_monday = (d + thursday_to_monday_days) % days_per_week;
    // The days before the first Monday (1970-01-01 to 01-04) belong to the
    // week that began on 1969-12-29; day 0 is the first a ledger can name.
    return d < since_monday ? 0 : d - since_monday;
}

bool is_monday(Day d) { return (d + thursday_to_monday_days) % days_per_week == 0; }

std::string day_text(Day d) {
    // Howard Hinnant's civil_from_days, for days from 1970.
    const std::int64_t z = std::int64_t{d} + 719468;
    const std::int64_t era = z / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    auto two = [](std::int64_t v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
    return std::to_string(year) + "-" + two(month) + "-" + two(day);
}

Bytes venue_days_prefix(std::string_view ticker) { return with_ticker(tag_day, ticker); }
Bytes day_key(std::string_view ticker, Day d) { return day_prefix(ticker, d); }
Bytes product_day_key(std::string_view ticker, Day d, std::uint32_t product_id) {
    Writer w;
    w.raw(day_prefix(ticker, d)).u8(sub_product).u32(product_id);
    return std::move(w).take();
}
Bytes staff_day_key(std::string_view ticker, Day d, const PublicKey& staff) {
    Writer w;
    w.raw(day_prefix(ticker, d)).u8(sub_staff).key(staff);
    return std::move(w).take();
}
Bytes client_mark_key(std::string_view ticker, const Account& client) {
    Writer w;
    w.raw(with_ticker(tag_client, ticker));
    write_account(w, client);
    return std::move(w).take();
}
Bytes served_mark_key(std::string_view ticker, const PublicKey& staff, const Account& client) {
    Writer w;
    w.raw(with_ticker(tag_served, ticker)).key(staff);
    write_account(w, client);
    return std::move(w).take();
}

RecordKey parse_key(ByteView key) {
    Reader r(key);
    RecordKey k;
    const std::uint8_t tag = r.u8();
    k.ticker = read_ticker(r);
    switch (tag) {
        case tag_day:
            k.day = r.u32();
            if (r.remaining() == 0) {
                k.kind = RecordKey::Kind::day;
                break;
            }
            switch (r.u8()) {
                case sub_product:
                    k.kind = RecordKey::Kind::product_day;
                    k.product_id = r.u32();
                    break;
                case sub_staff:
                    k.kind = RecordKey::Kind::staff_day;
                    k.staff = r.key();
                    break;
                default: throw DecodeError("an aggregate day record of an unknown kind");
            }
            break;
        case tag_client:
            k.kind = RecordKey::Kind::client_mark;
            k.client = read_account(r);
            break;
        case tag_served:
            k.kind = RecordKey::Kind::served_mark;
            k.staff = r.key();
            k.client = read_account(r);
            break;
        default: throw DecodeError("an aggregate record key of an unknown kind");
    }
    r.finish();
    return k;
}

std::string describe_key(ByteView key) {
    RecordKey k;
    try {
        k = parse_key(key);
    } catch (const DecodeError& e) {
        return "the aggregate record " + to_hex(key) + " (" + e.what() + ")";
    }
    const std::string venue = "venue " + k.ticker;
    const std::string day = "day " + day_text(k.day) + " (" + std::to_string(k.day) + ")";
    switch (k.kind) {
        case RecordKey::Kind::day: return venue + ", " + day + ": the day's totals";
        case RecordKey::Kind::product_day: return venue + ", " + day + ", product " + std::to_string(k.product_id);
        case RecordKey::Kind::staff_day: return venue + ", " + day + ", staff " + address_from_key(k.staff);
        case RecordKey::Kind::client_mark: return venue + ", the first-seen marker of client " + account_text(k.client);
        case RecordKey::Kind::served_mark:
            return venue + ", the served marker of staff " + address_from_key(k.staff) + " for client " +
                   account_text(k.client);
    }
    return venue;
}

Bytes encode(const DayTotals& v) {
    Writer w;
    w.u64(v.issued).u64(v.issues).u64(v.redeemed).u64(v.redemptions).u64(v.new_clients).u64(v.active_clients);
    w.u64(v.returning_clients).u64(v.week_active_clients).u64(v.week_returning_clients);
    return std::move(w).take();
}
Bytes encode(const ProductDay& v) {
    Writer w;
    w.u64(v.redemptions).u64(v.redeemed);
    return std::move(w).take();
}
Bytes encode(const StaffDay& v) {
    Writer w;
    w.u64(v.given).u64(v.redeemed).u64(v.clients_new).u64(v.visits);
    return std::move(w).take();
}
Bytes encode(const ClientMark& v) {
    Writer w;
    w.u32(v.first_seen).boolean(v.last_active.has_value());
    if (v.last_active) w.u32(*v.last_active);
    return std::move(w).take();
}
Bytes encode(const ServedMark& v) {
    Writer w;
    w.u32(v.last_served);
    return std::move(w).take();
}

DayTotals decode_day(ByteView b) {
    return decode_exactly(b, [](Reader& r) {
        DayTotals v;
        v.issued = r.u64();
        v.issues = r.u64();
        v.redeemed = r.u64();
        v.redemptions = r.u64();
        v.new_clients = r.u64();
        v.active_clients = r.u64();
        v.returning_clients = r.u64();
        v.week_active_clients = r.u64();
        v.week_returning_clients = r.u64();
        return v;
    });
}
ProductDay decode_product_day(ByteView b) {
    return decode_exactly(b, [](Reader& r) {
        ProductDay v;
        v.redemptions = r.u64();
        v.redeemed = r.u64();
        return v;
    });
}
StaffDay decode_staff_day(ByteView b) {
    return decode_exactly(b, [](Reader& r) {
        StaffDay v;
        v.given = r.u64();
        v.redeemed = r.u64();
        v.clients_new = r.u64();
        v.visits = r.u64();
        return v;
    });
}
ClientMark decode_client_mark(ByteView b) {
    return decode_exactly(b, [](Reader& r) {
        ClientMark v;
        v.first_seen = r.u32();
        if (r.boolean()) v.last_active = r.u32();
        return v;
    });
}
ServedMark decode_served_mark(ByteView b) {
    return decode_exactly(b, [](Reader& r) { return ServedMark{r.u32()}; });
}

std::string describe_value(ByteView key, ByteView value) {
    try {
        switch (parse_key(key).kind) {
            case RecordKey::Kind::day: {
                const DayTotals v = decode_day(value);
                return amount_field("issued", v.issued) + ", " + count_field("issues", v.issues) + ", " +
                       amount_field("redeemed", v.redeemed) + ", " + count_field("redemptions", v.redemptions) + ", " +
                       count_field("new clients", v.new_clients) + ", " + count_field("active", v.active_clients) +
                       ", " + count_field("returning", v.returning_clients) + ", " +
                       count_field("first active this week", v.week_active_clients) + ", " +
                       count_field("returning this week", v.week_returning_clients);
            }
            case RecordKey::Kind::product_day: {
                const ProductDay v = decode_product_day(value);
                return count_field("redemptions", v.redemptions) + ", " + amount_field("redeemed", v.redeemed);
            }
            case RecordKey::Kind::staff_day: {
                const StaffDay v = decode_staff_day(value);
                return amount_field("given", v.given) + ", " + amount_field("redeemed", v.redeemed) + ", " +
                       count_field("new clients served", v.clients_new) + ", " + count_field("visits", v.visits);
            }
            case RecordKey::Kind::client_mark: {
                const ClientMark v = decode_client_mark(value);
                return "first seen " + day_text(v.first_seen) + ", last active " +
                       (v.last_active ? day_text(*v.last_active) : std::string("never"));
            }
            case RecordKey::Kind::served_mark:
                return "last served " + day_text(decode_served_mark(value).last_served);
        }
    } catch (const DecodeError& e) {
        return std::string("does not decode: ") + e.what();
    }
    return {};
}

}  // namespace kopilka::ledger::stats
