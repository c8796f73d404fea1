// venue.history's filters (staff, client, kind, block time) and their bound
// of entries read per call, and venue.get's given_today, on a venue whose
// history (bench/venue_fill.h) spans ten days and passes the bound. Every
// filtered answer is compared with the same filter applied here to the whole
// unfiltered history, read page by page.
#include "harness.h"

#include "bench/venue_fill.h"
#include "crypto/address.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

std::string text(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

// What the bound is, as node/node.h has it (venue_history_scan_entries_max).
constexpr std::size_t scan_entries_max = 5000;

struct Pages {
    std::vector<std::string> ids;  // newest first, over every page
    std::size_t calls = 0;
    std::size_t short_pages = 0;   // pages with fewer than limit entries yet a next_cursor
    std::vector<std::size_t> sizes;
};

Pages collect(rpc::Client& c, json::object params, std::size_t limit) {
    Pages p;
    params["limit"] = limit;
    std::string cursor;
    do {
        if (!cursor.empty()) params["cursor"] = cursor;
        const json::value page = c.call("venue.history", params);
        ++p.calls;
        const auto& entries = page.at("entries").as_array();
        for (const auto& e : entries) p.ids.push_back(text(e, "id"));
        p.sizes.push_back(entries.size());
        cursor = text(page, "next_cursor");
        if (!cursor.empty() && entries.size() < limit) ++p.short_pages;
        if (p.calls > 1000) FAIL("venue.history never ends");
    } while (!cursor.empty());
    return p;
}

std::vector<std::string> expected(const json::array& all, const std::function<bool(const json::object& entry)>& keep) {
    std::vector<std::string> ids;
    for (const auto& e : all)
        if (keep(e.as_object())) ids.push_back(text(e, "id"));
    return ids;
}

std::string str_or(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : "";
}

}  // namespace

TEST_CASE("venue.history filters by staff, client, kind and block time, reading at most 5000 entries a call") {
    NodeProcess node({"--requests-per-second-max", "0"});
    REQUIRE(node.stop() == 0);
    bench::VenueFillOptions o;
    o.ticker = "FILTER";
    o.txs = 6500;  // more than one call's bound
    o.days = 10;
    o.clients = 40;
    o.staff = 3;
    o.block_txs = 100;
    const std::uint64_t now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    o.end_ms = now_ms - ms_per_day;
    const bench::VenueFill fill = bench::fill_venue(node.data_dir(), o);
    REQUIRE(fill.txs == o.txs);
    node.start();
    rpc::Client c = node.client();
    const std::string& t = fill.ticker;

    // Without filters: as before, full pages but the last.
    const Pages plain = collect(c, {{"ticker", t}}, 500);
    REQUIRE(plain.ids.size() == o.txs);
    CHECK(plain.short_pages == 0);
    json::array all;
    {
        std::string cursor;
        do {
            json::object params{{"ticker", t}, {"limit", 500}};
            if (!cursor.empty()) params["cursor"] = cursor;
            const json::value page = c.call("venue.history", params);
            for (const auto& e : page.at("entries").as_array()) all.push_back(e);
            cursor = text(page, "next_cursor");
        } while (!cursor.empty());
    }
    REQUIRE(all.size() == o.txs);

    auto check_filter = [&](const std::string& what, json::object params,
                            const std::function<bool(const json::object&)>& keep, std::size_t limit = 200) {
        INFO(what);
        params["ticker"] = t;
        const Pages got = collect(c, params, limit);
        const std::vector<std::string> want = expected(all, keep);
        CHECK(got.ids == want);
        return got;
    };

    const std::string member = address_from_key(fill.staff.at(0).public_key());
    const Pages by_staff = check_filter("staff", {{"staff", member}},
                                        [&](const json::object& e) { return str_or(e.at("tx").as_object(), "signer") == member; });
    CHECK(!by_staff.ids.empty());

    const std::string guest = account_text(Account::of_key(fill.clients.at(3).public_key()));
    const Pages by_client = check_filter("client", {{"client", guest}}, [&](const json::object& e) {
        const auto& tx = e.at("tx").as_object();
        if (str_or(tx, "kind") == "transfer") return str_or(tx, "from") == guest || str_or(tx, "to") == guest;
        if (str_or(tx, "kind") == "redeem") return str_or(tx.at("voucher").as_object(), "client") == guest;
        return false;
    });
    CHECK(!by_client.ids.empty());
    // One client's entries are few: the first call reads its 5000 entries and
    // comes back short of the limit, with a cursor to go on.
    CHECK(by_client.short_pages >= 1);
    CHECK(by_client.sizes.front() < 200);
    CHECK(by_client.calls == (o.txs + scan_entries_max - 1) / scan_entries_max);

    const Pages redeems = check_filter(
        "kind", {{"kind", "redeem"}}, [&](const json::object& e) { return str_or(e.at("tx").as_object(), "kind") == "redeem"; },
        500);
    CHECK(!redeems.ids.empty());

    // Three days in the middle of the history, by block time.
    const std::uint64_t from_ms = fill.first_ms + 3 * ms_per_day, to_ms = fill.first_ms + 6 * ms_per_day;
    const Pages by_time = check_filter("time", {{"from_ms", from_ms}, {"to_ms", to_ms}}, [&](const json::object& e) {
        const std::uint64_t at = e.at("time_ms").to_number<std::uint64_t>();
        return at >= from_ms && at < to_ms;
    });
    CHECK(!by_time.ids.empty());
    CHECK(by_time.ids.size() < o.txs);

    // Everything at once.
    check_filter("staff, kind and time",
                 {{"staff", member}, {"kind", "transfer"}, {"from_ms", from_ms}, {"to_ms", to_ms}},
                 [&](const json::object& e) {
                     const auto& tx = e.at("tx").as_object();
                     const std::uint64_t at = e.at("time_ms").to_number<std::uint64_t>();
                     return str_or(tx, "signer") == member && str_or(tx, "kind") == "transfer" && at >= from_ms &&
                            at < to_ms;
                 });

    // A filter that matches nothing: empty pages, each reading its bound,
    // with a cursor while entries remain, then an empty cursor.
    const Pages none = check_filter("nothing", {{"staff", address_from_key(KeyPair::generate().public_key())}},
                                    [](const json::object&) { return false; });
    CHECK(none.ids.empty());
    CHECK(none.calls == (o.txs + scan_entries_max - 1) / scan_entries_max);
    CHECK(none.short_pages == none.calls - 1);
    // A range before the history ends at the first entry older than it:
    // one call, nothing left to read.
    const Pages before = check_filter("before the history", {{"to_ms", fill.first_ms - 1}},
                                      [](const json::object&) { return false; });
    CHECK(before.calls == (o.txs + scan_entries_max - 1) / scan_entries_max);
    const Pages future = check_filter("after the history", {{"from_ms", now_ms + ms_per_day}},
                                      [](const json::object&) { return false; });
    CHECK(future.calls == 1);

    // Bad filters say which param is wrong.
    CHECK(error_code_of(c, "venue.history", json::object{{"ticker", t}, {"kind", "gift"}}) == -32602);
    CHECK(error_code_of(c, "venue.history", json::object{{"ticker", t}, {"staff", "kop1nope"}}) == -32602);
    CHECK(error_code_of(c, "venue.history", json::object{{"ticker", t}, {"client", "phone:12"}}) == -32602);
    CHECK(error_code_of(c, "venue.history", json::object{{"ticker", t}, {"from_ms", 10}, {"to_ms", 5}}) == -32602);
}

TEST_CASE("venue.get gives each staff member's tally for today, and 0.00 for a tally of an earlier day") {
    NodeProcess node({"--requests-per-second-max", "0"});
    REQUIRE(node.stop() == 0);
    bench::VenueFillOptions o;
    o.ticker = "TODAY";
    o.txs = 600;
    o.days = 3;
    o.clients = 20;
    o.staff = 2;
    o.block_txs = 50;
    const std::uint64_t now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    o.end_ms = now_ms - ms_per_day;  // every block is of an earlier UTC day than the node's today
    const bench::VenueFill fill = bench::fill_venue(node.data_dir(), o);
    node.start();
    rpc::Client c = node.client();
    TestWallet w(c);
    const std::string& t = fill.ticker;

    auto staff_of = [&] {
        std::map<std::string, json::object> out;
        const json::value v = c.call("venue.get", json::object{{"ticker", t}});
        for (const auto& m : v.at("staff").as_array()) out[text(m, "address")] = m.as_object();
        return out;
    };
    // Members gave on the history's last day (so the ledger holds a tally of
    // that day for them); none of that is today's.
    auto before = staff_of();
    REQUIRE(!before.empty());
    const std::uint64_t last_day_ms = fill.last_ms / ms_per_day * ms_per_day;
    std::size_t given_last_day = 0;
    for (const auto& [address, m] : before) {
        const json::value page = c.call("venue.history", json::object{{"ticker", t},
                                                                      {"staff", address},
                                                                      {"kind", "transfer"},
                                                                      {"from_ms", last_day_ms},
                                                                      {"limit", 500}});
        given_last_day += page.at("entries").as_array().size();
    }
    REQUIRE(given_last_day > 0);
    for (const auto& [address, m] : before) CHECK(text(m, "given_today") == "0.00");

    // Today, through the node: a member with coins gives twice; the treasury's
    // own transfer to the member is no giving of theirs.
    const KeyPair* giver = nullptr;
    for (const auto& k : fill.staff)
        if (before.contains(address_from_key(k.public_key()))) giver = &k;
    REQUIRE(giver);
    const Account from = Account::of_key(giver->public_key());
    const Account guest = Account::of_key(fill.clients.at(1).public_key());
    w.submit(w.sign(fill.owner, Transfer{t, Account::of_key(fill.owner.public_key()), from, 10'00, "top-up"}));
    w.submit(w.sign(*giver, Transfer{t, from, guest, 3'00, "bonus"}));
    w.submit(w.sign(*giver, Transfer{t, from, guest, 2'50, "bonus"}));
    auto after = staff_of();
    const std::string address = address_from_key(giver->public_key());
    CHECK(text(after.at(address), "given_today") == "5.50");
    for (const auto& [other, m] : after)
        if (other != address) CHECK(text(m, "given_today") == "0.00");
}
