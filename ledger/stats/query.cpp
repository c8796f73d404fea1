#include "ledger/stats/query.h"

#include <stdexcept>

namespace kopilka::ledger::stats {

namespace {
void add(std::uint64_t& into, std::uint64_t v) { into = add_saturating(into, v); }

void add_range_totals(DayTotals& into, const DayTotals& d) {
    add(into.issued, d.issued);
    add(into.issues, d.issues);
    add(into.redeemed, d.redeemed);
    add(into.redemptions, d.redemptions);
    add(into.new_clients, d.new_clients);
}

void add_to_row(Row& row, const DayTotals& d, Bucket bucket) {
    add(row.issued, d.issued);
    add(row.issues, d.issues);
    add(row.redeemed, d.redeemed);
    add(row.redemptions, d.redemptions);
    add(row.new_clients, d.new_clients);
    // A day is its own bucket; a week's distinct clients are counted on the
    // day each was first active in it.
    add(row.active_clients, bucket == Bucket::day ? d.active_clients : d.week_active_clients);
    add(row.returning_clients, bucket == Bucket::day ? d.returning_clients : d.week_returning_clients);
}

void add(StaffDay& into, const StaffDay& d) {
    add(into.given, d.given);
    add(into.redeemed, d.redeemed);
    add(into.clients_new, d.clients_new);
    add(into.visits, d.visits);
}

[[noreturn]] void damaged(ByteView key, const DecodeError& e) {
    throw StoreError(StoreDamage{std::string("an aggregate record does not decode (") + e.what() +
                                     "): " + describe_key(key),
                                 Column::stats, Bytes(key.begin(), key.end()), false, {}});
}
}  // namespace

Summary summarize(const Store& store, std::string_view ticker, Day from, Day to, std::optional<Bucket> rows) {
    Summary out;
    if (from >= to) return out;
    if (rows) {
        const Day width = bucket_days(*rows);
        if ((rows == Bucket::week && !is_monday(from)) || (to - from) % width != 0)
            throw std::invalid_argument("stats::summarize: the range is not whole buckets");
        for (Day d = from; d < to; d += width) {
            Row row;
            row.start = d;
            out.rows.push_back(row);
        }
    }
    const Bytes prefix = venue_days_prefix(ticker);
    store.scan(Column::stats, prefix, day_key(ticker, from), [&](ByteView key, ByteView value) {
        RecordKey k;
        try {
            k = parse_key(key);
            if (k.day >= to) return false;
            ++out.records_read;
            switch (k.kind) {
                case RecordKey::Kind::day: {
                    const DayTotals d = decode_day(value);
                    add_range_totals(out.totals, d);
                    if (rows) add_to_row(out.rows[(k.day - from) / bucket_days(*rows)], d, *rows);
                    break;
                }
                case RecordKey::Kind::product_day: {
                    const ProductDay p = decode_product_day(value);
                    ProductDay& sum = out.products[k.product_id];
                    add(sum.redemptions, p.redemptions);
                    add(sum.redeemed, p.redeemed);
                    break;
                }
                case RecordKey::Kind::staff_day: add(out.staff[k.staff], decode_staff_day(value)); break;
                default: throw DecodeError("a marker key among the day records");
            }
        } catch (const DecodeError& e) {
            damaged(key, e);
        }
        return true;
    });
    return out;
}

}  // namespace kopilka::ledger::stats
