// The venue aggregates (ledger/stats/): what each kind of transaction counts
// for, judged on who was staff when it was committed; day and week
// boundaries; distinct counts; the rebuild from the blocks (a ledger without
// the version marker, and one made before the `stats` family existed); and
// the audit naming the venue and day of an aggregate that was altered.
// Every figure is asserted exactly, from the transactions each test commits.
#include "support.h"

#include "ledger/stats/query.h"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <map>

using namespace kopilka;
using namespace kopilka::test;
using stats::Day;

namespace {

const std::string coin = "VOLODYA";
constexpr std::uint32_t coffee = 1;
constexpr std::uint32_t donut = 2;
constexpr Amount coffee_price = 100;
constexpr Amount donut_price = 200;
constexpr Amount allowance = 50'000;

Account acct(const KeyPair& k) { return Account::of_key(k.public_key()); }

// test_epoch_ms falls on Monday 2026-09-21: the first day of a week.
const Day monday = stats::day_of_ms(test_epoch_ms);

std::map<Bytes, Bytes, BytesLess> all_records(const Store& s, Column c) {
    std::map<Bytes, Bytes, BytesLess> out;
    s.scan(c, {}, {}, [&](ByteView k, ByteView v) {
        out.emplace(Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end()));
        return true;
    });
    return out;
}

// A venue with a catalogue and two baristas funded by the treasury.
struct Cafe {
    TestChain c;
    KeyPair owner = test_key(10);
    KeyPair masha = test_key(11);
    KeyPair petya = test_key(12);

    Cafe() {
        ok({c.tx->venue_create(owner, coin)});
        ok({c.tx->product(owner, coin, coffee, "coffee", coffee_price),
            c.tx->product(owner, coin, donut, "donut", donut_price)});
        ok({c.tx->staff_add(owner, coin, masha), c.tx->staff_add(owner, coin, petya)});
        // Funding staff is the venue moving its own coins: it counts for nothing.
        ok({c.tx->transfer(owner, coin, acct(masha), allowance), c.tx->transfer(owner, coin, acct(petya), allowance)});
    }
    void ok(std::vector<SignedTx> txs) {
        const Produced p = c.commit(std::move(txs));
        for (const auto& o : p.outcomes) {
            INFO((o.refusal ? o.refusal->message : std::string()));
            REQUIRE(o.status == TxOutcome::Status::committed);
        }
    }
    SignedTx give(const KeyPair& from, const Account& to, Amount a) { return c.tx->transfer(from, coin, to, a); }
    SignedTx redeem(const KeyPair& by, const KeyPair& client, std::uint32_t product, Amount price) {
        return c.tx->redeem(by, coin, c.tx->voucher(client, coin, product, price, acct(client)));
    }
    // Moves the chain's (and the builder's) clock to `ms`.
    void at(std::uint64_t ms) {
        REQUIRE(ms >= c.now_ms);
        c.advance_ms(ms - c.now_ms);
    }
    stats::Summary summary(Day from, Day to, std::optional<stats::Bucket> rows = std::nullopt) const {
        return stats::summarize(c.chain->store(), coin, from, to, rows);
    }
};

stats::DayTotals range_totals(Amount issued, std::uint64_t issues, Amount redeemed, std::uint64_t redemptions,
                              std::uint64_t new_clients) {
    stats::DayTotals t;
    t.issued = issued;
    t.issues = issues;
    t.redeemed = redeemed;
    t.redemptions = redemptions;
    t.new_clients = new_clients;
    return t;
}

stats::StaffDay staff_figures(Amount given, Amount redeemed, std::uint64_t clients_new, std::uint64_t visits) {
    stats::StaffDay s;
    s.given = given;
    s.redeemed = redeemed;
    s.clients_new = clients_new;
    s.visits = visits;
    return s;
}

stats::Row row(Day start, Amount issued, std::uint64_t issues, Amount redeemed, std::uint64_t redemptions,
               std::uint64_t fresh, std::uint64_t active, std::uint64_t returning) {
    return stats::Row{start, issued, issues, redeemed, redemptions, fresh, active, returning};
}

}  // namespace

TEST_CASE("each kind of transaction that moves coins counts as docs/design.md says", "[stats]") {
    Cafe cafe;
    KeyPair anna = test_key(20), boris = test_key(21);
    const PhoneRef phone = phone_ref("+79000000001");
    cafe.ok({cafe.give(cafe.masha, acct(anna), 300)});                                  // issued by staff
    cafe.ok({cafe.give(cafe.owner, Account::of_phone(phone), 200)});                    // issued by the treasury
    cafe.ok({cafe.give(anna, acct(boris), 100)});                                       // a gift: boris is seen
    cafe.ok({cafe.give(boris, acct(cafe.owner), 50)});                                  // back to the treasury
    cafe.ok({cafe.give(anna, acct(cafe.masha), 50)});                                   // to a staff member
    cafe.ok({cafe.redeem(cafe.petya, anna, coffee, coffee_price)});                     // a staff redemption
    cafe.ok({cafe.give(cafe.masha, acct(boris), 200)});                                 // boris's first visit
    cafe.ok({cafe.redeem(cafe.owner, boris, donut, donut_price)});                      // the owner redeems
    cafe.ok({cafe.c.tx->staff_remove(cafe.owner, coin, cafe.petya.public_key())});      // the allowance returns

    const stats::Summary s = cafe.summary(monday, monday + 1, stats::Bucket::day);
    CHECK(s.totals == range_totals(300 + 200 + 200, 3, coffee_price + donut_price, 2, 3));
    // anna, the phone and boris: each active, none seen before today.
    REQUIRE(s.rows.size() == 1);
    CHECK(s.rows[0] == row(monday, 700, 3, 300, 2, 3, 3, 0));
    REQUIRE(s.products.size() == 2);
    CHECK(s.products.at(coffee) == stats::ProductDay{1, coffee_price});
    CHECK(s.products.at(donut) == stats::ProductDay{1, donut_price});
    // masha served anna and boris; petya, removed since, keeps what he did as staff.
    REQUIRE(s.staff.size() == 2);
    CHECK(s.staff.at(cafe.masha.public_key()) == staff_figures(500, 0, 2, 2));
    CHECK(s.staff.at(cafe.petya.public_key()) == staff_figures(0, coffee_price, 1, 1));
    // Nothing on the days around it.
    CHECK(cafe.summary(0, monday).records_read == 0);
    CHECK(cafe.summary(monday + 1, monday + 400).totals == stats::DayTotals{});
}

TEST_CASE("a transaction counts by who was staff when it was committed: a client who joins and leaves", "[stats]") {
    Cafe cafe;
    KeyPair xenia = test_key(30), client = test_key(31);
    cafe.ok({cafe.give(cafe.owner, acct(xenia), 1000)});  // a client: issued, new
    cafe.ok({cafe.c.tx->staff_add(cafe.owner, coin, xenia)});
    cafe.ok({cafe.give(cafe.owner, acct(xenia), 5000)});  // her allowance: nothing
    cafe.ok({cafe.give(xenia, acct(client), 500)});      // given by staff xenia
    cafe.at(stats::ms_of_day(monday + 1) + 1000);
    cafe.ok({cafe.c.tx->staff_remove(cafe.owner, coin, xenia.public_key())});
    cafe.ok({cafe.give(cafe.masha, acct(xenia), 100)});  // a client again, back after a day
    cafe.ok({cafe.give(xenia, acct(client), 100)});      // now a gift between clients

    const stats::Summary day1 = cafe.summary(monday, monday + 1, stats::Bucket::day);
    CHECK(day1.rows.at(0) == row(monday, 1500, 2, 0, 0, 2, 2, 0));
    REQUIRE(day1.staff.size() == 1);
    CHECK(day1.staff.at(xenia.public_key()) == staff_figures(500, 0, 1, 1));
    const stats::Summary day2 = cafe.summary(monday + 1, monday + 2, stats::Bucket::day);
    CHECK(day2.rows.at(0) == row(monday + 1, 100, 1, 0, 0, 0, 1, 1));
    REQUIRE(day2.staff.size() == 1);
    CHECK(day2.staff.at(cafe.masha.public_key()) == staff_figures(100, 0, 1, 1));
    // Over both days the staff figures add up; xenia's given stays hers.
    const stats::Summary both = cafe.summary(monday, monday + 2);
    CHECK(both.totals == range_totals(1600, 3, 0, 0, 2));
    CHECK(both.staff.at(xenia.public_key()) == staff_figures(500, 0, 1, 1));
}

TEST_CASE("days and weeks end at 00:00 UTC, with distinct and returning clients per day and per week", "[stats]") {
    Cafe cafe;
    KeyPair kira = test_key(40), lev = test_key(41);
    const Day sunday = monday + 6;
    const std::uint64_t last_ms_of_sunday = stats::ms_of_day(sunday + 1) - 1;
    cafe.at(last_ms_of_sunday);
    // The block at the very last millisecond of the week (commit() would
    // move the clock on past midnight).
    auto p = cafe.c.chain->produce_block(std::vector<SignedTx>{cafe.give(cafe.masha, acct(kira), 100)},
                                         last_ms_of_sunday, cafe.c.producer);
    REQUIRE(p);
    REQUIRE(p->block);
    CHECK(p->block->header.time_ms == last_ms_of_sunday);
    // 00:00:00.000 on Monday: another day and another week.
    cafe.at(stats::ms_of_day(sunday + 1));
    cafe.ok({cafe.give(cafe.masha, acct(kira), 100)});
    cafe.ok({cafe.give(cafe.masha, acct(kira), 100), cafe.give(cafe.masha, acct(lev), 100)});
    cafe.ok({cafe.redeem(cafe.masha, kira, coffee, coffee_price)});  // kira again, the same day
    cafe.at(stats::ms_of_day(sunday + 3) + 5000);                    // Wednesday
    cafe.ok({cafe.give(cafe.masha, acct(kira), 100)});
    cafe.ok({cafe.give(cafe.masha, acct(lev), 100)});

    const stats::Summary days = cafe.summary(sunday, sunday + 4, stats::Bucket::day);
    REQUIRE(days.rows.size() == 4);
    CHECK(days.rows[0] == row(sunday, 100, 1, 0, 0, 1, 1, 0));
    CHECK(days.rows[1] == row(sunday + 1, 300, 3, coffee_price, 1, 1, 2, 1));  // kira returns, lev is new
    CHECK(days.rows[2] == row(sunday + 2, 0, 0, 0, 0, 0, 0, 0));                // an empty day is a row too
    CHECK(days.rows[3] == row(sunday + 3, 200, 2, 0, 0, 0, 2, 2));
    const stats::Summary weeks = cafe.summary(monday, monday + 14, stats::Bucket::week);
    REQUIRE(weeks.rows.size() == 2);
    CHECK(weeks.rows[0] == row(monday, 100, 1, 0, 0, 1, 1, 0));
    // Kira and lev, each counted once in the week: kira was seen the week before.
    CHECK(weeks.rows[1] == row(monday + 7, 500, 5, coffee_price, 1, 1, 2, 1));
    // Masha served kira on three days (one of them twice) and lev on two.
    CHECK(cafe.summary(sunday, sunday + 4).staff.at(cafe.masha.public_key()) ==
          staff_figures(600, coffee_price, 2, 5));
    // A range without the Sunday leaves its issue out.
    CHECK(cafe.summary(sunday + 1, sunday + 4).totals == range_totals(500, 5, coffee_price, 1, 1));
    CHECK_THROWS_AS(cafe.summary(sunday, sunday + 7, stats::Bucket::week), std::invalid_argument);
}

TEST_CASE("a rebuild from the blocks writes exactly what the producer wrote, and no block is made before it",
          "[stats][rebuild]") {
    Cafe cafe;
    KeyPair anna = test_key(20);
    cafe.ok({cafe.give(cafe.masha, acct(anna), 300), cafe.give(cafe.owner, acct(test_key(21)), 50)});
    cafe.at(test_epoch_ms + 3 * ms_per_day);
    cafe.ok({cafe.redeem(cafe.petya, anna, coffee, coffee_price)});
    const auto written = all_records(cafe.c.chain->store(), Column::stats);
    REQUIRE(written.size() > 8);

    // The version marker gone (a rebuild a crash cut short) and the records
    // left as they were, plus one stray: all recounted from nothing.
    Batch b;
    b.erase(Column::meta, stats::meta_stats_key());
    b.put(Column::stats, stats::day_key(coin, monday + 100), stats::encode(stats::DayTotals{1, 1, 0, 0, 0, 0, 0, 0, 0}));
    REQUIRE(cafe.c.chain->store().write(b));
    cafe.c.reopen();
    CHECK_FALSE(cafe.c.chain->stats_ready());
    auto refused = cafe.c.chain->produce_block(std::vector<SignedTx>{cafe.give(cafe.masha, acct(anna), 1)},
                                               cafe.c.now_ms, cafe.c.producer);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().find("aggregates are not built") != std::string::npos);
    // The audit does not judge aggregates without a marker.
    AuditReport before = audit_dir(cafe.c.dir.path() / "data");
    REQUIRE(before.ok);
    CHECK_FALSE(before.stats_checked);

    std::vector<std::uint64_t> progress;
    REQUIRE(cafe.c.chain->rebuild_stats([&](std::uint64_t h, std::uint64_t tip) {
        CHECK(tip == cafe.c.chain->height());
        progress.push_back(h);
    }));
    CHECK(cafe.c.chain->stats_ready());
    CHECK(progress == std::vector<std::uint64_t>{cafe.c.chain->height()});
    CHECK(all_records(cafe.c.chain->store(), Column::stats) == written);
    cafe.ok({cafe.give(cafe.masha, acct(anna), 1)});
    cafe.c.reopen();
    CHECK(cafe.c.chain->stats_ready());
    AuditReport after = audit_dir(cafe.c.dir.path() / "data");
    INFO(after.reason);
    REQUIRE(after.ok);
    CHECK(after.stats_checked);
    CHECK(after.stats_records == written.size() + 1);  // masha's first record of that day
}

namespace {
// Makes the ledger in `dir` what a build before the aggregates left: no
// `stats` family and no version marker.
void drop_stats_family(const std::filesystem::path& dir) {
    {
        auto store = Store::open(dir, Store::Mode::open_existing);
        REQUIRE(store);
        Batch b;
        b.erase(Column::meta, stats::meta_stats_key());
        REQUIRE((*store)->write(b));
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> families{{rocksdb::kDefaultColumnFamilyName, {}}};
    for (std::size_t c = 0; c < column_count; ++c) families.emplace_back(std::string(column_name(static_cast<Column>(c))), rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), families, &handles, &db).ok());
    REQUIRE(db->DropColumnFamily(handles[1 + static_cast<std::size_t>(Column::stats)]).ok());
    for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    delete db;
}
}  // namespace

TEST_CASE("a ledger made before the aggregates audits clean, and its first open recounts them", "[stats][rebuild]") {
    Cafe cafe;
    KeyPair anna = test_key(20);
    cafe.ok({cafe.give(cafe.masha, acct(anna), 300)});
    cafe.ok({cafe.redeem(cafe.petya, anna, coffee, coffee_price)});
    const auto written = all_records(cafe.c.chain->store(), Column::stats);
    const auto path = cafe.c.dir.path() / "data";
    cafe.c.chain.reset();
    drop_stats_family(path);

    // Read-only (as `kopilkad verify` opens it): the family reads as empty,
    // and without a marker the aggregates are not judged.
    {
        auto ro = Store::open(path, Store::Mode::read_only);
        REQUIRE(ro);
        CHECK(all_records(**ro, Column::stats).empty());
        CHECK_FALSE((*ro)->get(Column::stats, stats::day_key(coin, monday)));
    }
    AuditReport old = audit_dir(path);
    INFO(old.reason);
    REQUIRE(old.ok);
    CHECK_FALSE(old.stats_checked);

    cafe.c.reopen();  // read-write: the family is created, empty
    CHECK_FALSE(cafe.c.chain->stats_ready());
    REQUIRE(cafe.c.chain->rebuild_stats());
    CHECK(all_records(cafe.c.chain->store(), Column::stats) == written);
    cafe.c.chain.reset();
    AuditReport now = audit_dir(path);
    INFO(now.reason);
    REQUIRE(now.ok);
    CHECK(now.stats_checked);
    CHECK(now.stats_records == written.size());
}

TEST_CASE("the audit names the venue and day of an aggregate that differs from the blocks", "[stats][audit][tamper]") {
    Cafe cafe;
    KeyPair anna = test_key(20);
    cafe.ok({cafe.give(cafe.masha, acct(anna), 300)});
    cafe.ok({cafe.redeem(cafe.petya, anna, coffee, coffee_price)});
    const auto path = cafe.c.dir.path() / "data";
    const std::string today = stats::day_text(monday);
    REQUIRE(today == "2026-09-21");
    Store& store = cafe.c.chain->store();
    const Bytes day = stats::day_key(coin, monday);
    const stats::DayTotals good = stats::decode_day(*store.get(Column::stats, day));
    const Bytes anna_mark = stats::client_mark_key(coin, acct(anna));
    const Bytes anna_mark_value = *store.get(Column::stats, anna_mark);

    struct Case {
        const char* what;
        std::function<void(Batch&)> tamper;
        std::vector<std::string> says;
    };
    stats::DayTotals inflated = good;
    inflated.issued += 1;
    const std::vector<Case> cases = {
        {"a day's issued raised by one unit",
         [&](Batch& b) { b.put(Column::stats, day, stats::encode(inflated)); },
         {"venue VOLODYA, day " + today, "the store says issued 3.01", "the blocks give issued 3.00"}},
        {"a client's first-seen marker deleted",
         [&](Batch& b) { b.erase(Column::stats, anna_mark); },
         {"the first-seen marker of client " + account_text(acct(anna)), "is missing from the store"}},
        {"a product's day that never happened",
         [&](Batch& b) { b.put(Column::stats, stats::product_day_key(coin, monday, donut), stats::encode(stats::ProductDay{1, 200})); },
         {"venue VOLODYA, day " + today + " (" + std::to_string(monday) + "), product 2", "the blocks give no such record"}},
        {"a day's record cut short",
         [&](Batch& b) { b.put(Column::stats, day, Bytes(10, 0)); },
         {"venue VOLODYA, day " + today, "does not decode"}},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        Batch b;
        c.tamper(b);
        REQUIRE(store.write(b));
        const AuditReport r = audit_dir(path);
        INFO(r.reason);
        CHECK_FALSE(r.ok);
        CHECK(r.bad_block == cafe.c.chain->height());
        CHECK(r.reason.find("the venue aggregates differ from the blocks") != std::string::npos);
        for (const auto& s : c.says) CHECK(r.reason.find(s) != std::string::npos);
        Batch undo;
        undo.put(Column::stats, day, stats::encode(good));
        undo.put(Column::stats, anna_mark, anna_mark_value);
        undo.erase(Column::stats, stats::product_day_key(coin, monday, donut));
        REQUIRE(store.write(undo));
        REQUIRE(audit_dir(path).ok);
    }

    // A record that does not decode is damage to the block producer too: the
    // block that would count on it is not made.
    Batch b;
    b.put(Column::stats, day, Bytes(10, 0));
    REQUIRE(store.write(b));
    auto p = cafe.c.chain->produce_block(std::vector<SignedTx>{cafe.give(cafe.masha, acct(anna), 1)}, cafe.c.now_ms,
                                         cafe.c.producer);
    REQUIRE_FALSE(p);
    CHECK(p.error().find("an aggregate record does not decode") != std::string::npos);
    CHECK(p.error().find("day " + today) != std::string::npos);
    REQUIRE(store.damage());
    CHECK(store.damage()->column == Column::stats);
}
