// The RocksDB store and what the chain keeps in it: open modes, batches that
// span column families, ordered prefix scans, and a chain that reopens as
// exactly the chain that was closed (or refuses to open when its stored state
// was altered). Crash atomicity is proven separately in crash_test.cpp.
#include "support.h"

#include "ledger/codec.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

using namespace kopilka;
using namespace kopilka::test;

namespace {

std::string text_of(ByteView v) { return std::string(v.begin(), v.end()); }

std::unique_ptr<Store> open_store(const std::filesystem::path& dir, Store::Mode mode) {
    auto s = Store::open(dir, mode);
    if (!s) FAIL("Store::open(" << dir.string() << ") failed: " << s.error());
    return std::move(*s);
}

// Every (key, value) a scan visits, as text, stopping after `stop_after`.
std::vector<std::pair<std::string, std::string>> scan_text(const Store& s, Column c, std::string_view prefix,
                                                           std::string_view from = {},
                                                           std::size_t stop_after = SIZE_MAX) {
    std::vector<std::pair<std::string, std::string>> out;
    s.scan(c, as_bytes(prefix), as_bytes(from), [&](ByteView k, ByteView v) {
        out.emplace_back(text_of(k), text_of(v));
        return out.size() < stop_after;
    });
    return out;
}

std::vector<std::string> keys_of(const std::vector<std::pair<std::string, std::string>>& kv) {
    std::vector<std::string> out;
    for (const auto& [k, v] : kv) out.push_back(k);
    return out;
}

constexpr Column all_columns[] = {Column::meta,  Column::blocks, Column::txs,   Column::state,
                                  Column::index, Column::stats,  Column::outbox};

}  // namespace

TEST_CASE("Store::open refuses to overwrite a ledger or to invent a missing one", "[store]") {
    TempDir tmp("kopilka-store");
    const auto dir = tmp.path() / "db";

    // Opening what is not there must not create it: a mistyped --data-dir
    // would otherwise start an empty ledger beside the real one.
    for (auto mode : {Store::Mode::open_existing, Store::Mode::read_only}) {
        auto s = Store::open(dir, mode);
        REQUIRE_FALSE(s);
        CHECK_THAT(s.error(), Catch::Contains("no ledger in"));
        CHECK_FALSE(std::filesystem::exists(dir));
    }

    {
        auto s = open_store(dir, Store::Mode::create_new);
        Batch b;
        b.put(Column::meta, bytes_of("genesis"), bytes_of("the first one"));
        REQUIRE(s->write(b));
    }
    // A second init over the same dir must be refused and leave the data alone.
    auto again = Store::open(dir, Store::Mode::create_new);
    REQUIRE_FALSE(again);
    CHECK_THAT(again.error(), Catch::Contains("already exists"));
    auto s = open_store(dir, Store::Mode::open_existing);
    CHECK(s->get(Column::meta, bytes_of("genesis")) == bytes_of("the first one"));
    CHECK(s->dir() == dir);

    // While one writer holds the dir, a second writer is refused (RocksDB's
    // lock), but a read-only reader (the auditor beside a running node) is not.
    auto second = Store::open(dir, Store::Mode::open_existing);
    CHECK_FALSE(second);
    auto reader = Store::open(dir, Store::Mode::read_only);
    REQUIRE(reader);
    CHECK((*reader)->get(Column::meta, bytes_of("genesis")) == bytes_of("the first one"));

    // An existing but empty dir (made by an installer) is a valid place for a new ledger.
    const auto empty = tmp.path() / "empty";
    std::filesystem::create_directories(empty);
    CHECK(Store::open(empty, Store::Mode::create_new));
}

TEST_CASE("Store opened read-only refuses writes with an error and changes nothing", "[store]") {
    TempDir tmp("kopilka-store");
    const auto dir = tmp.path() / "db";
    {
        auto s = open_store(dir, Store::Mode::create_new);
        Batch b;
        b.put(Column::state, bytes_of("k"), bytes_of("v"));
        REQUIRE(s->write(b));
    }
    auto ro = open_store(dir, Store::Mode::read_only);
    Batch b;
    b.put(Column::state, bytes_of("new"), bytes_of("x"));
    b.erase(Column::state, bytes_of("k"));
    for (bool sync : {true, false}) {
        auto r = ro->write(b, sync);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error(), Catch::Contains("read-only"));
    }
    CHECK(ro->get(Column::state, bytes_of("k")) == bytes_of("v"));
    CHECK_FALSE(ro->get(Column::state, bytes_of("new")));
    ro.reset();
    // ...and nothing reached the disk either.
    auto rw = open_store(dir, Store::Mode::open_existing);
    CHECK(rw->get(Column::state, bytes_of("k")) == bytes_of("v"));
    CHECK_FALSE(rw->get(Column::state, bytes_of("new")));
}

TEST_CASE("Batch writes to every column family together, in order", "[store]") {
    TempDir tmp("kopilka-store");
    const auto dir = tmp.path() / "db";
    {
        auto s = open_store(dir, Store::Mode::create_new);
        Batch b;
        // The same key in each family: families are separate key spaces.
        for (Column c : all_columns) b.put(c, bytes_of("k"), bytes_of(std::string(column_name(c))));
        // Ops apply in order: the last write to a key wins.
        b.put(Column::state, bytes_of("gone"), bytes_of("1"));
        b.erase(Column::state, bytes_of("gone"));
        b.erase(Column::index, bytes_of("back"));
        b.put(Column::index, bytes_of("back"), bytes_of("2"));
        b.put(Column::txs, bytes_of("twice"), bytes_of("first"));
        b.put(Column::txs, bytes_of("twice"), bytes_of("second"));
        b.erase(Column::blocks, bytes_of("never-there"));  // erasing a missing key is not an error
        // A block-sized batch, so "together" is not trivially true of one record.
        // The store stages a batch in key order; writes of one key keep their
        // order even when many other keys lie between them.
        for (int i = 0; i < 2000; ++i) {
            b.put(all_columns[i % column_count], bytes_of("bulk" + std::to_string(i)), Bytes(100, std::uint8_t(i)));
            b.put(Column::state, bytes_of("version"), bytes_of(std::to_string(i)));
            if (i % 2 == 0)
                b.put(Column::index, bytes_of("flip"), bytes_of(std::to_string(i)));
            else
                b.erase(Column::index, bytes_of("flip"));
        }
        CHECK_FALSE(s->get(Column::meta, bytes_of("k")));
        REQUIRE(s->write(b));
        REQUIRE(s->write(Batch{}));  // an empty batch is a no-op, not an error
    }
    // Read back after a reopen, read-only: what was synced is on disk.
    auto s = open_store(dir, Store::Mode::read_only);
    for (Column c : all_columns) CHECK(s->get(c, bytes_of("k")) == bytes_of(std::string(column_name(c))));
    CHECK_FALSE(s->get(Column::state, bytes_of("gone")));
    CHECK(s->get(Column::index, bytes_of("back")) == bytes_of("2"));
    CHECK(s->get(Column::txs, bytes_of("twice")) == bytes_of("second"));
    CHECK(s->get(Column::state, bytes_of("version")) == bytes_of("1999"));
    CHECK_FALSE(s->get(Column::index, bytes_of("flip")));
    int bulk = 0;
    for (Column c : all_columns)
        s->scan(c, bytes_of("bulk"), {}, [&](ByteView, ByteView v) {
            CHECK(v.size() == 100);
            return ++bulk, true;
        });
    CHECK(bulk == 2000);
    // Each bulk record is in its own family only.
    CHECK(s->get(Column::meta, bytes_of("bulk0")));
    CHECK_FALSE(s->get(Column::blocks, bytes_of("bulk0")));
    CHECK(s->get(Column::blocks, bytes_of("bulk1")));
    CHECK(column_name(Column::index) == "index");
}

TEST_CASE("Store::scan visits one family's keys under a prefix, in order, from a start key, until told to stop",
          "[store]") {
    TempDir tmp("kopilka-store");
    auto s = open_store(tmp.path() / "db", Store::Mode::create_new);
    const std::vector<std::string> keys = {
        "a", "ab", std::string("ab\0", 3), "ab\x01", "abc", "abd", "ac", "b", "\xff", "\xff\xff", "\xff\xff\x01"};
    Batch b;
    // Inserted out of order: the order seen is the store's, not the batch's.
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) b.put(Column::index, bytes_of(*it), bytes_of("v" + *it));
    b.put(Column::state, bytes_of("abz"), bytes_of("other family"));
    REQUIRE(s->write(b));

    const std::vector<std::string> under_ab = {"ab", std::string("ab\0", 3), "ab\x01", "abc", "abd"};
    auto kv = scan_text(*s, Column::index, "ab");
    CHECK(keys_of(kv) == under_ab);
    for (const auto& [k, v] : kv) CHECK(v == "v" + k);

    CHECK(keys_of(scan_text(*s, Column::index, "")) == keys);  // empty prefix: everything, sorted
    CHECK(keys_of(scan_text(*s, Column::index, "ab", "abc")) == std::vector<std::string>{"abc", "abd"});
    // A start key that is not stored begins at the next one.
    CHECK(keys_of(scan_text(*s, Column::index, "ab", "ab\x02")) == std::vector<std::string>{"abc", "abd"});
    // A start key past every match visits nothing (and does not run on into "ac").
    CHECK(scan_text(*s, Column::index, "ab", "abz").empty());
    CHECK(scan_text(*s, Column::index, "zz").empty());
    CHECK(scan_text(*s, Column::index, "abcd").empty());
    CHECK(keys_of(scan_text(*s, Column::index, "\xff")) ==
          std::vector<std::string>{"\xff", "\xff\xff", "\xff\xff\x01"});
    // The visitor stops the scan by returning false: nothing more is visited.
    CHECK(keys_of(scan_text(*s, Column::index, "ab", "", 2)) ==
          std::vector<std::string>{"ab", std::string("ab\0", 3)});
    CHECK(keys_of(scan_text(*s, Column::index, "", "", 1)) == std::vector<std::string>{"a"});
    // Families do not leak into each other.
    CHECK(keys_of(scan_text(*s, Column::state, "ab")) == std::vector<std::string>{"abz"});
    CHECK(scan_text(*s, Column::blocks, "").empty());
}

namespace {

// A small chain with every kind of state record: a venue, products, staff,
// balances on keys and a phone, a binding, and a redeemed voucher.
struct SmallStory {
    KeyPair owner = test_key(10);
    KeyPair barista = test_key(20);
    KeyPair client = test_key(30);
    PhoneRef phone = phone_ref("+79000000001");
    std::string coin = "VOLODYA";
    Voucher voucher;
    SignedTx gift;  // a committed transfer, for resubmission

    void play(TestChain& tc) {
        auto& tx = *tc.tx;
        auto all_committed = [](const Produced& p) {
            for (const auto& o : p.outcomes) REQUIRE(o.status == TxOutcome::Status::committed);
        };
        all_committed(tc.commit({tx.venue_create(owner, coin)}));
        all_committed(tc.commit({tx.product(owner, coin, 1, "coffee", 100), tx.product(owner, coin, 2, "donut", 200),
                                 tx.staff_add(owner, coin, barista, StaffLimits{1000, 5000})}));
        all_committed(tc.commit({tx.transfer(owner, coin, Account::of_key(barista.public_key()), 50000)}));
        gift = tx.transfer(barista, coin, Account::of_phone(phone), 300);
        all_committed(tc.commit({gift}));
        all_committed(tc.commit({tx.phone_bind(client, tx.attest(tc.attestor, phone, client.public_key(), 1))}));
        voucher = tx.voucher(client, coin, 1, 100, Account::of_phone(phone));
        all_committed(tc.commit({tx.redeem(barista, coin, voucher)}));
    }
};

std::optional<std::pair<Bytes, Bytes>> first_record(const Store& s, Column c, std::uint8_t tag) {
    std::optional<std::pair<Bytes, Bytes>> out;
    const Bytes prefix{tag};
    s.scan(c, prefix, {}, [&](ByteView k, ByteView v) {
        out.emplace(Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end()));
        return false;
    });
    return out;
}

}  // namespace

TEST_CASE("Chain::open refuses a data dir whose stored state was altered, naming the state digest", "[store][chain]") {
    TestChain tc;
    SmallStory story;
    story.play(tc);
    const std::uint64_t height = tc.chain->height();
    const auto data = tc.dir.path() / "data";
    tc.chain.reset();

    // Each alteration decodes as a perfectly valid record, so only the digest
    // can tell: the one check Chain::open makes before serving anything.
    auto expect_refused = [&](const std::function<void(Store&, Batch&)>& alter) {
        {
            auto s = open_store(data, Store::Mode::open_existing);
            Batch b;
            alter(*s, b);
            REQUIRE(s->write(b));
        }
        auto c = Chain::open(data);
        REQUIRE_FALSE(c);
        CHECK_THAT(c.error(), Catch::Contains("state digest") &&
                                  Catch::Contains("block " + std::to_string(height)));
    };
    std::optional<std::pair<Bytes, Bytes>> balance;
    {
        auto s = open_store(data, Store::Mode::read_only);
        balance = first_record(*s, Column::state, 'B');
    }
    REQUIRE(balance);
    REQUIRE(balance->second.size() == 8);

    SECTION("a balance raised by one unit") {
        expect_refused([&](Store&, Batch& b) {
            Bytes v = balance->second;
            v[7] = static_cast<std::uint8_t>(v[7] + 1);
            if (v[7] == 0) v[6] = static_cast<std::uint8_t>(v[6] + 1);
            b.put(Column::state, balance->first, v);
        });
    }
    SECTION("a balance record deleted") {
        expect_refused([&](Store&, Batch& b) { b.erase(Column::state, balance->first); });
    }
    SECTION("a balance record added for someone who holds nothing") {
        expect_refused([&](Store&, Batch& b) {
            Writer w;
            w.u64(1'000'000);
            b.put(Column::state, record::balance_key(story.coin, Account::of_key(test_key(99).public_key())),
                  std::move(w).take());
        });
    }
    SECTION("a staff member's allowance wiped, so a removal would return nothing") {
        expect_refused([&](Store& s, Batch& b) {
            auto staff = first_record(s, Column::state, 'S');
            REQUIRE(staff);
            Bytes v = staff->second;
            std::fill(v.end() - 8, v.end(), std::uint8_t{0});
            REQUIRE(v != staff->second);
            b.put(Column::state, staff->first, v);
        });
    }
    SECTION("a staff member's daily total reset") {
        expect_refused([&](Store& s, Batch& b) {
            auto staff = first_record(s, Column::state, 'S');
            REQUIRE(staff);
            Bytes v = staff->second;
            // role u8, limits (1 + 8 + 1 + 8), day u64, given_today u64,
            // allowance u64: zero what was given.
            REQUIRE(v.size() == 1 + 18 + 24);
            std::fill(v.end() - 16, v.end() - 8, std::uint8_t{0});
            REQUIRE(v != staff->second);
            b.put(Column::state, staff->first, v);
        });
    }
    SECTION("and opens again once the record is restored") {
        {
            auto s = open_store(data, Store::Mode::open_existing);
            Batch b;
            b.erase(Column::state, balance->first);
            REQUIRE(s->write(b));
        }
        REQUIRE_FALSE(Chain::open(data));
        {
            auto s = open_store(data, Store::Mode::open_existing);
            Batch b;
            b.put(Column::state, balance->first, balance->second);
            REQUIRE(s->write(b));
        }
        auto c = Chain::open(data);
        REQUIRE(c);
        CHECK((*c)->height() == height);
    }
}

TEST_CASE("A reopened chain is the chain that was closed: tip, state digest and replay window", "[store][chain]") {
    TestChain tc;
    SmallStory story;
    story.play(tc);

    const std::uint64_t height = tc.chain->height();
    const Hash256 tip_hash = tc.chain->tip_hash();
    const BlockHeader tip = tc.chain->tip();
    const Hash256 digest = tc.chain->state().digest();
    const std::size_t records = tc.chain->state().record_count();
    const auto totals = tc.chain->state().coin_totals();
    const auto holders = tc.chain->state().holders(story.coin);
    const auto staff = tc.chain->state().staff_list(story.coin);
    const auto products = tc.chain->state().products(story.coin);
    const ChainId id = tc.chain->id();
    const auto gift_at = tc.chain->find_tx(tx_id(story.gift.tx));
    REQUIRE(gift_at);

    tc.reopen();
    CHECK(tc.chain->height() == height);
    CHECK(tc.chain->tip_hash() == tip_hash);
    CHECK(tc.chain->tip() == tip);
    CHECK(tc.chain->state().digest() == digest);
    CHECK(tc.chain->state().record_count() == records);
    CHECK(tc.chain->state().coin_totals() == totals);
    CHECK(tc.chain->state().holders(story.coin) == holders);
    CHECK(tc.chain->state().staff_list(story.coin) == staff);
    CHECK(tc.chain->state().products(story.coin) == products);
    CHECK(tc.chain->id() == id);
    CHECK(tc.chain->genesis() == tc.genesis);
    const Binding* bound = tc.chain->state().binding(story.phone);
    REQUIRE(bound);
    CHECK(bound->key == story.client.public_key());

    // The replay window is rebuilt from the stored blocks: the same blob again
    // is the first result, and the redeemed voucher stays redeemed.
    auto again = tc.commit({story.gift});
    REQUIRE(again.outcomes.size() == 1);
    CHECK(again.outcomes[0].status == TxOutcome::Status::already_committed);
    CHECK(again.outcomes[0].location == *gift_at);
    CHECK_FALSE(again.block);
    auto rescan = tc.commit1(tc.tx->redeem(story.barista, story.coin, story.voucher));
    REQUIRE(rescan.status == TxOutcome::Status::refused);
    CHECK(rescan.refusal->code == Refusal::voucher_used);
    CHECK(tc.chain->height() == height);
    CHECK(tc.chain->state().digest() == digest);

    // The reopened chain extends like the original, and reopens again.
    auto more = tc.commit1(tc.tx->transfer(story.barista, story.coin, Account::of_key(story.client.public_key()), 50));
    REQUIRE(more.status == TxOutcome::Status::committed);
    CHECK(tc.chain->height() == height + 1);
    CHECK(tc.chain->tip().prev == tip_hash);
    const Hash256 tip2 = tc.chain->tip_hash();
    const Hash256 digest2 = tc.chain->state().digest();
    CHECK(digest2 != digest);
    tc.reopen();
    CHECK(tc.chain->tip_hash() == tip2);
    CHECK(tc.chain->state().digest() == digest2);
    auto b = tc.chain->block_at(height + 1);
    REQUIRE(b);
    CHECK(block_hash(b->header) == tip2);
    CHECK(tc.chain->height_of(tip2) == height + 1);

    auto report = audit_dir(tc.dir.path() / "data");
    CHECK(report.ok);
    CHECK(report.blocks_checked == height + 1);
    CHECK(report.state_digest == digest2);
}

TEST_CASE("Chain::create and Chain::open refuse the wrong kind of dir", "[store][chain]") {
    TestChain tc;
    const auto data = tc.dir.path() / "data";
    auto twice = Chain::create(data, tc.genesis);  // the data dir is still open and initialised
    REQUIRE_FALSE(twice);
    tc.chain.reset();
    twice = Chain::create(data, tc.genesis);
    REQUIRE_FALSE(twice);
    CHECK_THAT(twice.error(), Catch::Contains("already exists"));
    auto c = Chain::open(data);
    REQUIRE(c);
    CHECK((*c)->height() == 0);
    CHECK((*c)->tip_hash() == (*c)->id());

    auto missing = Chain::open(tc.dir.path() / "nowhere");
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error(), Catch::Contains("no ledger"));

    // A RocksDB dir that is not a ledger (no genesis record) is named as such.
    const auto other = tc.dir.path() / "other";
    open_store(other, Store::Mode::create_new).reset();
    auto not_ledger = Chain::open(other);
    REQUIRE_FALSE(not_ledger);
    CHECK_THAT(not_ledger.error(), Catch::Contains("no genesis record"));
}

// Regression: Chain::produce_block used to prune the replay window at the
// *candidate* block's time before it knew whether anything would commit. When
// nothing did, the pruning stayed, and a later block at an earlier time (the
// wall clock stepped back; the time is clamped only to the tip's) no longer
// knew the voucher was used: it was redeemed twice, and the auditor's replay
// named that block as bad. It now prunes at the tip's time.
TEST_CASE("a voucher stays redeemed when the producer's clock steps back after a block that committed nothing",
          "[store][chain][window]") {
    TestChain tc;
    SmallStory story;
    story.play(tc);  // the voucher was redeemed in the last block, and is still live
    REQUIRE(tc.now_ms / 1000 < story.voucher.expiry_s);

    // The producer tries a block later than the voucher's expiry (its clock
    // ran ahead) in which nothing applies, so nothing is committed...
    const std::uint64_t ahead_ms = (story.voucher.expiry_s + 60) * 1000;
    auto none = tc.chain->produce_block(
        std::vector<SignedTx>{tc.tx->transfer(story.barista, story.coin, Account::of_key(story.client.public_key()), 0)},
        ahead_ms, tc.producer);
    REQUIRE(none);
    REQUIRE_FALSE(none->block);
    // ...then the clock steps back (still after the tip) and the same QR is
    // scanned again. The block time is that of a block the voucher is live
    // in, and it was redeemed: it must be refused, as the auditor's replay,
    // which only knows committed blocks, refuses it.
    auto again = tc.commit1(tc.tx->redeem(story.barista, story.coin, story.voucher));
    CHECK(again.status == TxOutcome::Status::refused);
    CHECK((again.refusal ? again.refusal->code : Refusal{}) == Refusal::voucher_used);
    auto report = audit_dir(tc.dir.path() / "data");
    INFO(report.reason);
    CHECK(report.ok);
}

TEST_CASE("the tip anchor: each block in its own slot, a torn slot leaves the block before, a damaged file is refused",
          "[store][anchor]") {
    TempDir dir("kopilka-anchor");
    Hash256 h1{}, h2{}, h3{};
    h1.fill(1);
    h2.fill(2);
    h3.fill(3);
    CHECK(TipAnchor::read(dir.path()).value() == std::nullopt);  // no file: a ledger made before the anchor
    auto a = TipAnchor::create(dir.path(), TipMark{1, h1});
    REQUIRE(a);
    CHECK(std::filesystem::file_size(TipAnchor::path_in(dir.path())) == anchor_file_bytes);
    REQUIRE((*a)->advance(TipMark{2, h2}));
    REQUIRE((*a)->advance(TipMark{3, h3}));
    CHECK(TipAnchor::read(dir.path()).value() == TipMark{3, h3});

    auto poke = [&](std::size_t offset) {
        std::fstream f(TipAnchor::path_in(dir.path()), std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(static_cast<std::streamoff>(offset));
        char c = 0;
        f.get(c);
        f.seekp(static_cast<std::streamoff>(offset));
        f.put(static_cast<char>(c ^ 0x01));
    };
    // Block 3 is in slot 1; a write torn there leaves block 2 in slot 0.
    for (std::size_t at : {std::size_t{0}, std::size_t{5}, std::size_t{20}, std::size_t{50}, std::size_t{511}}) {
        INFO("byte " << at << " of slot 1");
        poke(anchor_slot_bytes + at);
        CHECK(TipAnchor::read(dir.path()).value() == TipMark{2, h2});
        poke(anchor_slot_bytes + at);
    }
    poke(5);
    poke(anchor_slot_bytes + 5);
    auto both = TipAnchor::read(dir.path());
    REQUIRE(!both);
    CHECK_THAT(both.error(), Catch::Contains("neither slot holds a valid record"));
    std::filesystem::resize_file(TipAnchor::path_in(dir.path()), anchor_file_bytes - 1);
    auto cut = TipAnchor::read(dir.path());
    REQUIRE(!cut);
    CHECK_THAT(cut.error(), Catch::Contains("is damaged"));
}
