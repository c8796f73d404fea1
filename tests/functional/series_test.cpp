// venue.series and venue.stats on the real kopilkad, over three weeks of one
// venue's history (written into the data dir through the ledger, the block
// producer's own path: bench/venue_fill.h) and a few transactions the node
// commits itself today. Proves that:
//   - the day and week rows, the products and the staff figures equal a
//     recount done here, from venue.history alone, on plain sets;
//   - the rows add up to venue.stats over the same range;
//   - ranges and buckets are checked: a bound off a bucket's start, a 401st
//     bucket, a bucket that is no day or week are -32602 saying what to do;
//   - a node restarted on a data dir whose aggregates were deleted counts
//     them again from the blocks at start, logging it, to the same answers;
//   - `kopilkad verify` names the venue and day of a tampered aggregate.
#include "harness.h"

#include "bench/venue_fill.h"
#include "crypto/address.h"
#include "ledger/stats/records.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;
using stats::Day;

namespace {

std::uint64_t u64(const json::value& v, std::string_view f) { return v.at(f).to_number<std::uint64_t>(); }
Amount amount(const json::value& v, std::string_view f) {
    auto a = parse_amount(v.at(f).as_string());
    REQUIRE(a);
    return *a;
}
std::string text(const json::value& v, std::string_view f) { return std::string(v.at(f).as_string()); }

// The aggregates recounted from venue.history's entries (oldest first), each
// transaction judged on who was staff when it was committed, per
// docs/design.md, with sets where the ledger keeps markers.
struct Recount {
    struct DayCount {
        Amount issued = 0, redeemed = 0;
        std::uint64_t issues = 0, redemptions = 0;
        std::set<std::string> fresh, active;
    };
    struct StaffCount {
        Amount given = 0, redeemed = 0;
        std::set<std::string> first_served, served;
    };
    std::map<Day, DayCount> days;
    std::map<std::string, Day> first_seen;
    std::map<std::string, std::map<Day, StaffCount>> staff;  // address -> day -> counts
    std::set<std::pair<std::string, std::string>> served_ever;
    std::map<std::uint64_t, std::map<Day, std::pair<std::uint64_t, Amount>>> products;

    explicit Recount(const json::array& oldest_first) {
        std::string owner;
        std::set<std::string> on_staff;
        auto role = [&](const std::string& a) { return a == owner ? 0 : on_staff.contains(a) ? 1 : 2; };
        for (const auto& e : oldest_first) {
            const Day day = stats::day_of_ms(u64(e, "time_ms"));
            const json::value& tx = e.at("tx");
            const std::string kind = text(tx, "kind");
            const std::string signer = text(tx, "signer");
            if (kind == "venue_create") owner = signer;
            if (kind == "staff_add") on_staff.insert(text(tx.at("acceptance"), "staff"));
            if (kind == "staff_remove") on_staff.erase(text(tx, "staff"));
            std::optional<std::string> client, member;
            bool active = true;
            if (kind == "transfer") {
                const std::string to = text(tx, "to"), from = text(tx, "from");
                if (role(to) != 2) continue;
                client = to;
                if (role(from) == 2) {
                    active = false;  // a gift: the receiver is only seen
                } else {
                    days[day].issued += amount(tx, "amount");
                    ++days[day].issues;
                    if (role(from) == 1) member = from;
                    if (member) staff[*member][day].given += amount(tx, "amount");
                }
            } else if (kind == "redeem") {
                const json::value& v = tx.at("voucher");
                days[day].redeemed += amount(v, "price");
                ++days[day].redemptions;
                auto& p = products[u64(v, "product_id")][day];
                ++p.first;
                p.second += amount(v, "price");
                if (role(text(v, "client")) == 2) client = text(v, "client");
                if (role(signer) == 1) member = signer;
                if (member) staff[*member][day].redeemed += amount(v, "price");
            } else {
                continue;
            }
            if (client) {
                if (first_seen.emplace(*client, day).second) days[day].fresh.insert(*client);
                if (active) days[day].active.insert(*client);
            }
            if (member && client) {
                StaffCount& s = staff[*member][day];
                s.served.insert(*client);
                if (served_ever.emplace(*member, *client).second) s.first_served.insert(*client);
            }
        }
    }

    // One row as venue.series gives it, for the days [from, from + width).
    json::object row(Day from, Day width) const {
        Amount issued = 0, redeemed = 0;
        std::uint64_t issues = 0, redemptions = 0, fresh = 0;
        std::set<std::string> active;
        for (Day d = from; d < from + width; ++d) {
            auto it = days.find(d);
            if (it == days.end()) continue;
            issued += it->second.issued;
            redeemed += it->second.redeemed;
            issues += it->second.issues;
            redemptions += it->second.redemptions;
            fresh += it->second.fresh.size();
            active.insert(it->second.active.begin(), it->second.active.end());
        }
        const auto returning = std::ranges::count_if(active, [&](const std::string& a) { return first_seen.at(a) < from; });
        return {{"start_ms", stats::ms_of_day(from)},      {"issued", format_amount(issued)},
                {"issues", issues},                        {"redeemed", format_amount(redeemed)},
                {"redemptions", redemptions},              {"new_clients", fresh},
                {"active_clients", active.size()},         {"returning_clients", returning}};
    }
    // {address: [given, redeemed, clients_served, visits]} over [from, to).
    std::map<std::string, std::vector<std::string>> staff_figures(Day from, Day to) const {
        std::map<std::string, std::vector<std::string>> out;
        for (const auto& [address, by_day] : staff) {
            Amount given = 0, redeemed = 0;
            std::uint64_t first = 0, visits = 0;
            bool any = false;
            for (const auto& [d, s] : by_day) {
                if (d < from || d >= to) continue;
                any = true;
                given += s.given;
                redeemed += s.redeemed;
                first += s.first_served.size();
                visits += s.served.size();
            }
            if (any)
                out[address] = {format_amount(given), format_amount(redeemed), std::to_string(first), std::to_string(visits)};
        }
        return out;
    }
};

std::map<std::string, std::vector<std::string>> staff_of(const json::value& answer, bool with_zeros) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& s : answer.at("staff").as_array()) {
        std::vector<std::string> f{text(s, "given"), text(s, "redeemed"), std::to_string(u64(s, "clients_served")),
                                   std::to_string(u64(s, "visits"))};
        if (with_zeros || f != std::vector<std::string>{"0.00", "0.00", "0", "0"}) out[text(s, "address")] = f;
    }
    return out;
}

json::array history_oldest_first(rpc::Client& c, const std::string& ticker) {
    json::array all;
    std::string cursor;
    do {
        json::object params{{"ticker", ticker}, {"limit", 500}};
        if (!cursor.empty()) params["cursor"] = cursor;
        const json::value page = c.call("venue.history", params);
        for (const auto& e : page.at("entries").as_array()) all.push_back(e);
        cursor = text(page, "next_cursor");
    } while (!cursor.empty());
    std::reverse(all.begin(), all.end());
    return all;
}

json::object series_params(const std::string& t, std::string_view bucket, std::uint64_t from, std::uint64_t to) {
    return {{"ticker", t}, {"bucket", bucket}, {"from_ms", from}, {"to_ms", to}};
}

void edit_store(const std::filesystem::path& data, const std::function<void(Store&, Batch&)>& edit) {
    auto store = Store::open(data / "ledger", Store::Mode::open_existing);
    REQUIRE(store);
    Batch b;
    edit(**store, b);
    REQUIRE((*store)->write(b));
}

}  // namespace

TEST_CASE("venue.series and venue.stats over weeks of history equal a recount from venue.history and survive a "
          "rebuild, and verify names a tampered day",
          "[node][stats]") {
    NodeProcess node;
    REQUIRE(node.stop() == 0);
    bench::VenueFillOptions o;
    o.ticker = "SERIES";
    o.txs = 3000;
    o.days = 20;
    o.clients = 150;
    o.staff = 3;
    o.block_txs = 100;
    const std::uint64_t now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    o.end_ms = now_ms - ms_per_day;  // up to yesterday; today is the node's
    const bench::VenueFill fill = bench::fill_venue(node.data_dir(), o);
    REQUIRE(fill.txs == o.txs);
    node.start();
    rpc::Client c = node.client();
    TestWallet w(c);
    const std::string& t = fill.ticker;

    // Today, through the node: the treasury issues, a member gives, a client redeems.
    const KeyPair& member = fill.staff.at(1);
    const Account guest = Account::of_key(fill.clients.at(7).public_key());
    const Account owner = Account::of_key(fill.owner.public_key());
    w.submit(w.sign(fill.owner, Transfer{t, owner, guest, 500, "welcome"}));
    w.submit(w.sign(member, Transfer{t, Account::of_key(member.public_key()), guest, 50, "bonus"}));
    w.submit(w.sign(member, Redeem{t, w.voucher(fill.clients.at(7), t, 1, 100, guest)}));

    const Day first = stats::day_of_ms(fill.first_ms);
    const Day today = stats::day_of_ms(w.now_s() * 1000);
    const std::uint64_t from_ms = stats::ms_of_day(first), to_ms = stats::ms_of_day(today + 1);
    const Recount recount(history_oldest_first(c, t));
    REQUIRE(recount.days.size() >= o.days);

    // Day rows: every day of the range, empty ones too, as the recount has them.
    const json::value by_day = c.call("venue.series", series_params(t, "day", from_ms, to_ms));
    const auto& rows = by_day.at("rows").as_array();
    REQUIRE(rows.size() == today + 1 - first);
    for (Day d = first; d <= today; ++d) {
        INFO("day " << stats::day_text(d));
        CHECK(rows.at(d - first) == recount.row(d, 1));
    }
    // Week rows: distinct clients within each week.
    const Day week0 = stats::week_start(first), week_end = stats::week_start(today) + 7;
    const json::value by_week = c.call("venue.series", series_params(t, "week", stats::ms_of_day(week0), stats::ms_of_day(week_end)));
    const auto& weeks = by_week.at("rows").as_array();
    REQUIRE(weeks.size() == (week_end - week0) / 7);
    for (std::size_t i = 0; i < weeks.size(); ++i) {
        INFO("week " << i);
        CHECK(weeks.at(i) == recount.row(week0 + static_cast<Day>(7 * i), 7));
    }
    std::uint64_t returning = 0;
    for (const auto& r : weeks) returning += u64(r, "returning_clients");
    CHECK(returning > 0);

    // Products, most redeemed first, with the recount's figures.
    std::uint64_t last_count = UINT64_MAX;
    for (const auto& p : by_day.at("products").as_array()) {
        std::uint64_t n = 0;
        Amount sum = 0;
        for (const auto& [_, f] : recount.products.at(u64(p, "id"))) n += f.first, sum += f.second;
        CHECK(u64(p, "redemptions") == n);
        CHECK(amount(p, "redeemed") == sum);
        CHECK(n <= last_count);
        last_count = n;
    }
    CHECK(by_day.at("products").as_array().size() == recount.products.size());

    // venue.stats over all time and over a middle week: the recount's, and the series rows' sums.
    const json::value all = c.call("venue.stats", json::object{{"ticker", t}});
    const json::value range = c.call("venue.stats", json::object{{"ticker", t}, {"from_ms", from_ms}, {"to_ms", to_ms}});
    for (const json::value* s : {&all, &range}) {
        Amount issued = 0, redeemed = 0;
        std::uint64_t issues = 0, redemptions = 0, fresh = 0;
        for (const auto& r : rows) {
            issued += amount(r, "issued");
            redeemed += amount(r, "redeemed");
            issues += u64(r, "issues");
            redemptions += u64(r, "redemptions");
            fresh += u64(r, "new_clients");
        }
        CHECK(amount(*s, "issued") == issued);
        CHECK(amount(*s, "redeemed") == redeemed);
        CHECK(u64(*s, "issues") == issues);
        CHECK(u64(*s, "redemptions") == redemptions);
        CHECK(u64(*s, "new_clients") == fresh);
        CHECK(u64(*s, "new_clients") == recount.first_seen.size());
        CHECK(staff_of(*s, false) == recount.staff_figures(0, today + 1));
    }
    CHECK(staff_of(by_day, true) == staff_of(range, true));
    CHECK(amount(all, "treasury") + amount(all, "with_staff") + amount(all, "in_clients") == coin_supply_units);
    // The member who left is listed with his figures and no role; the client who joined has one.
    for (const auto& s : all.at("staff").as_array()) {
        const bool left = text(s, "address") == address_from_key(fill.staff.front().public_key());
        CHECK(s.at("role").is_null() == left);
    }
    const Day mid = first + 7;
    const json::value week = c.call("venue.stats", json::object{{"ticker", t}, {"from_ms", stats::ms_of_day(mid)},
                                                                {"to_ms", stats::ms_of_day(mid + 7)}});
    const json::object mid_row = recount.row(mid, 7);
    CHECK(week.at("issued") == mid_row.at("issued"));
    CHECK(week.at("redeemed") == mid_row.at("redeemed"));
    CHECK(week.at("new_clients") == mid_row.at("new_clients"));
    CHECK(staff_of(week, false) == recount.staff_figures(mid, mid + 7));

    // Ranges: at most 400 buckets, bounds on a bucket's start, a known bucket.
    const std::uint64_t day400 = to_ms - 400 * ms_per_day;
    CHECK(c.call("venue.series", series_params(t, "day", day400, to_ms)).at("rows").as_array().size() == 400);
    for (const auto& [params, says] : std::vector<std::pair<json::object, std::string>>{
             {series_params(t, "day", day400 - ms_per_day, to_ms), "at most 400 buckets per call"},
             {series_params(t, "day", from_ms + 1, to_ms), "is not 00:00 UTC of a day"},
             {series_params(t, "week", from_ms + (week0 == first ? ms_per_day : 0), to_ms), "is not a Monday 00:00 UTC"},
             {series_params(t, "month", from_ms, to_ms), "must be \"day\" or \"week\""},
             {json::object{{"ticker", t}, {"from_ms", from_ms + 3600 * 1000}}, "is not 00:00 UTC of a day"},
         }) {
        INFO(json::serialize(params));
        const rpc::Error e = error_of(c, params.contains("bucket") ? "venue.series" : "venue.stats", params);
        CHECK(e.code == -32602);
        CHECK(std::string(e.what()).find(says) != std::string::npos);
    }
    CHECK(error_code_of(c, "venue.series", json::object{{"ticker", "NOPE"}, {"bucket", "day"}}) == 2001);

    // A restart on a data dir without its aggregates counts them again.
    REQUIRE(node.stop() == 0);
    edit_store(node.data_dir(), [](Store& s, Batch& b) {
        s.scan(Column::stats, {}, {}, [&](ByteView k, ByteView) {
            b.erase(Column::stats, Bytes(k.begin(), k.end()));
            return true;
        });
        b.erase(Column::meta, stats::meta_stats_key());
    });
    node.start();
    c = node.client();
    CHECK(node.log().find("\"stats.rebuild_started\"") != std::string::npos);
    CHECK(node.log().find("\"stats.rebuilt\"") != std::string::npos);
    CHECK(c.call("venue.series", series_params(t, "day", from_ms, to_ms)) == by_day);
    CHECK(c.call("venue.series", series_params(t, "week", stats::ms_of_day(week0), stats::ms_of_day(week_end))) == by_week);
    CHECK(c.call("venue.stats", json::object{{"ticker", t}}) == all);

    // kopilkad verify recounts them and names a day that was altered.
    REQUIRE(node.stop() == 0);
    auto [ok_code, ok_out] = run_kopilkad({"verify", "--datadir", node.data_dir().string()});
    INFO(ok_out);
    CHECK(ok_code == 0);
    CHECK(ok_out.find("each equal to its recount from the blocks") != std::string::npos);
    const Bytes key = stats::day_key(t, mid);
    Bytes original;
    edit_store(node.data_dir(), [&](Store& s, Batch& b) {
        original = *s.get(Column::stats, key);
        stats::DayTotals d = stats::decode_day(original);
        d.redemptions += 1;
        b.put(Column::stats, key, stats::encode(d));
    });
    auto [bad_code, bad_out] = run_kopilkad({"verify", "--datadir", node.data_dir().string()});
    INFO(bad_out);
    CHECK(bad_code == 1);
    CHECK(bad_out.find("the venue aggregates differ from the blocks") != std::string::npos);
    CHECK(bad_out.find("venue SERIES, day " + stats::day_text(mid)) != std::string::npos);
    edit_store(node.data_dir(), [&](Store&, Batch& b) { b.put(Column::stats, key, original); });
    CHECK(run_kopilkad({"verify", "--datadir", node.data_dir().string()}).first == 0);
}
