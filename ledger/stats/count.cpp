#include "ledger/stats/count.h"

#include "ledger/store.h"

namespace kopilka::ledger::stats {

namespace {

enum class Role : std::uint8_t { treasury, staff, client };

Role role_of(const State& s, const std::string& ticker, const VenueRecord& venue, const Account& a) {
    if (a == Account::of_key(venue.owner)) return Role::treasury;
    if (a.is_key() && s.staff(ticker, a.key())) return Role::staff;
    return Role::client;
}

// One record as read and as counted. Totals (days, products, staff days)
// read as zeros when absent and are written only when they differ from what
// was read; a marker's presence is itself the fact it records.
template <class T>
struct Entry {
    T value{};
    bool present = false;     // now
    bool was_present = false;
    T original{};
};

template <class T>
using Entries = std::map<Bytes, Entry<T>, BytesLess>;

template <class T>
Entry<T>& at(Entries<T>& entries, const Bytes& key) {
    return entries.find(key)->second;
}

template <class T, class Decode>
void load(Entries<T>& entries, std::map<Bytes, std::optional<Bytes>, BytesLess>& read, Decode decode) {
    for (auto& [key, e] : entries) {
        const std::optional<Bytes>& stored = read.at(key);
        if (!stored) continue;
        try {
            e.value = e.original = decode(*stored);
        } catch (const DecodeError& err) {
            throw StoreError(StoreDamage{std::string("an aggregate record does not decode (") + err.what() +
                                             "): " + describe_key(key),
                                         Column::stats, key, false, {}});
        }
        e.present = e.was_present = true;
    }
}

template <class T>
void changed_totals(const Entries<T>& entries, std::map<Bytes, Bytes, BytesLess>& out) {
    for (const auto& [key, e] : entries)
        if (!(e.value == e.original)) out.emplace(key, encode(e.value));
}

template <class T>
void changed_markers(const Entries<T>& entries, std::map<Bytes, Bytes, BytesLess>& out) {
    for (const auto& [key, e] : entries)
        if (e.present && (!e.was_present || !(e.value == e.original))) out.emplace(key, encode(e.value));
}

void bump(std::uint64_t& field, std::uint64_t by = 1) { field = add_saturating(field, by); }

}  // namespace

std::optional<Event> classify(const State& before, const Tx& tx, Day day) {
    if (const auto* t = std::get_if<Transfer>(&tx.body)) {
        const VenueRecord* venue = before.venue(t->ticker);
        if (!venue || role_of(before, t->ticker, *venue, t->to) != Role::client) return std::nullopt;
        Event e;
        e.ticker = t->ticker;
        e.day = day;
        e.client = t->to;
        const Role from = role_of(before, t->ticker, *venue, t->from);
        if (from == Role::client) return e;  // a gift: the receiver is seen
        e.kind = Event::Kind::issue;
        e.amount = t->amount;
        if (from == Role::staff) e.staff = t->from.key();
        return e;
    }
    if (const auto* r = std::get_if<Redeem>(&tx.body)) {
        const VenueRecord* venue = before.venue(r->ticker);
        if (!venue) return std::nullopt;
        Event e;
        e.kind = Event::Kind::redemption;
        e.ticker = r->ticker;
        e.day = day;
        e.amount = r->voucher.price;
        e.product_id = r->voucher.product_id;
        if (role_of(before, r->ticker, *venue, r->voucher.client) == Role::client) e.client = r->voucher.client;
        if (role_of(before, r->ticker, *venue, Account::of_key(tx.signer)) == Role::staff) e.staff = tx.signer;
        return e;
    }
    return std::nullopt;
}

std::map<Bytes, Bytes, BytesLess> tally(std::span<const Event> events, const ReadRecords& read) {
    Entries<DayTotals> days;
    Entries<ProductDay> products;
    Entries<StaffDay> staff_days;
    Entries<ClientMark> clients;
    Entries<ServedMark> served;
    for (const Event& e : events) {
        days.try_emplace(day_key(e.ticker, e.day));
        if (e.kind == Event::Kind::redemption) products.try_emplace(product_day_key(e.ticker, e.day, e.product_id));
        if (e.staff) staff_days.try_emplace(staff_day_key(e.ticker, e.day, *e.staff));
        if (e.client) clients.try_emplace(client_mark_key(e.ticker, *e.client));
        if (e.staff && e.client) served.try_emplace(served_mark_key(e.ticker, *e.staff, *e.client));
    }

    // Every record the events touch, in one read.
    std::vector<ByteView> keys;
    auto want = [&](const auto& entries) {
        for (const auto& [key, _] : entries) keys.emplace_back(key);
    };
    want(days);
    want(products);
    want(staff_days);
    want(clients);
    want(served);
    const std::vector<std::optional<Bytes>> values = read(keys);
    if (values.size() != keys.size()) throw std::logic_error("stats::tally: read returned the wrong number of records");
    std::map<Bytes, std::optional<Bytes>, BytesLess> stored;
    for (std::size_t i = 0; i < keys.size(); ++i) stored.emplace(Bytes(keys[i].begin(), keys[i].end()), values[i]);
    load(days, stored, decode_day);
    load(products, stored, decode_product_day);
    load(staff_days, stored, decode_staff_day);
    load(clients, stored, decode_client_mark);
    load(served, stored, decode_served_mark);

    for (const Event& e : events) {
        DayTotals& day = at(days, day_key(e.ticker, e.day)).value;
        const bool active = e.kind != Event::Kind::receipt;
        if (e.client) {
            Entry<ClientMark>& mark = at(clients, client_mark_key(e.ticker, *e.client));
            if (!mark.present) {
                mark.present = true;
                mark.value = ClientMark{e.day, std::nullopt};
                bump(day.new_clients);
            }
            ClientMark& c = mark.value;
            if (active) {
                if (c.last_active != e.day) {
                    bump(day.active_clients);
                    if (c.first_seen < e.day) bump(day.returning_clients);
                }
                const Day week = week_start(e.day);
                if (!c.last_active || week_start(*c.last_active) != week) {
                    bump(day.week_active_clients);
                    if (c.first_seen < week) bump(day.week_returning_clients);
                }
                c.last_active = e.day;
            }
        }
        if (e.kind == Event::Kind::issue) {
            bump(day.issued, e.amount);
            bump(day.issues);
        } else if (e.kind == Event::Kind::redemption) {
            bump(day.redeemed, e.amount);
            bump(day.redemptions);
            ProductDay& p = at(products, product_day_key(e.ticker, e.day, e.product_id)).value;
            bump(p.redemptions);
            bump(p.redeemed, e.amount);
        }
        if (e.staff) {
            StaffDay& s = at(staff_days, staff_day_key(e.ticker, e.day, *e.staff)).value;
            if (e.kind == Event::Kind::issue) bump(s.given, e.amount);
            if (e.kind == Event::Kind::redemption) bump(s.redeemed, e.amount);
            if (e.client) {
                Entry<ServedMark>& mark = at(served, served_mark_key(e.ticker, *e.staff, *e.client));
                if (!mark.present) bump(s.clients_new);
                if (!mark.present || mark.value.last_served != e.day) bump(s.visits);
                mark.present = true;
                mark.value.last_served = e.day;
            }
        }
    }

    std::map<Bytes, Bytes, BytesLess> out;
    changed_totals(days, out);
    changed_totals(products, out);
    changed_totals(staff_days, out);
    changed_markers(clients, out);
    changed_markers(served, out);
    return out;
}

}  // namespace kopilka::ledger::stats
