// The auditor's replay against a real data dir: a clean chain passes with the
// right figures, and every kind of tampering with what is stored — one flipped
// byte anywhere in a block or transaction record, a record deleted, added or
// moved, a forged or re-signed block — is caught and the first bad block named
// as audit.h documents (0 for the genesis and meta records that cannot be read).
//
// The tampering goes through a writable Store on the closed chain's dir, the
// way an operator with disk access (or a failing disk) would change it.
#include "support.h"

#include "ledger/codec.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

using namespace kopilka;
using namespace kopilka::test;

namespace {

Profile profile_named(std::string name) {
    Profile p;
    p.name = std::move(name);
    return p;
}

const std::string kofe = "KOFE";
const std::string barber = "BARBER";
const std::string wash = "WASH";

Account key_acc(const KeyPair& k) { return Account::of_key(k.public_key()); }

// 15 blocks over three venues: products, staff with and without limits,
// transfers to keys and to unclaimed phones, phone binds and a rebind, gifts
// between clients, redemptions, a price change, a product removed, a profile
// update and a staff member removed (their balance back to the treasury).
// Small on purpose (29 transactions): the tampering test audits it ~6k times.
struct Story {
    TestChain tc{60};  // a one-minute re-bind delay: blocks are minutes apart
    KeyPair owner_k = test_key(10), owner_b = test_key(11), owner_w = test_key(12);
    KeyPair s1 = test_key(20), s2 = test_key(21), s3 = test_key(22);
    KeyPair c1 = test_key(30), c2 = test_key(31), c3 = test_key(32), c4 = test_key(33), c5 = test_key(34);
    PhoneRef p1 = phone_ref("+79000000001"), p2 = phone_ref("+79000000002"), p3 = phone_ref("+447700900003");
    std::uint64_t txs = 0;

    void commit(std::vector<SignedTx> batch) {
        auto p = tc.commit(std::move(batch));
        for (const auto& o : p.outcomes) {
            INFO("block " << tc.chain->height() << ": "
                          << (o.refusal ? std::string(refusal_name(o.refusal->code)) + ": " + o.refusal->message : ""));
            REQUIRE(o.status == TxOutcome::Status::committed);
        }
        txs += p.outcomes.size();
        // Blocks minutes apart, and once past midnight, so the daily limits roll.
        tc.advance_ms(tc.chain->height() == 9 ? ms_per_day : 7 * 60 * 1000);
    }

    Story() {
        auto& t = *tc.tx;
        commit({t.venue_create(owner_k, kofe, "U Volodi"), t.venue_create(owner_b, barber, "Barber Shop"),
                t.venue_create(owner_w, wash, "Car Wash")});
        commit({t.product(owner_k, kofe, 1, "coffee", 100), t.product(owner_k, kofe, 2, "donut", 200),
                t.product(owner_b, barber, 1, "haircut", 500)});
        commit({t.staff_add(owner_k, kofe, s1, StaffLimits{1000, 5000}),
                t.staff_add(owner_k, kofe, s2),
                t.staff_add(owner_b, barber, s3, StaffLimits{std::nullopt, 3000}, StaffRole::manager)});
        commit({t.transfer(owner_k, kofe, key_acc(s1), 50000), t.transfer(owner_k, kofe, key_acc(s2), 50000),
                t.transfer(owner_b, barber, key_acc(s3), 20000, "allowance")});
        commit({t.transfer(s1, kofe, Account::of_phone(p1), 300, "welcome"),
                t.transfer(s3, barber, Account::of_phone(p2), 1000)});
        commit({t.phone_bind(c2, t.attest(tc.attestor, p1, c2.public_key(), 1))});
        commit({t.transfer(s2, kofe, key_acc(c1), 500),
                t.transfer_from(c2, kofe, Account::of_phone(p1), key_acc(c5), 50)});
        commit({t.redeem(s1, kofe, t.voucher(c2, kofe, 1, 100, Account::of_phone(p1)))});
        commit({t.product(owner_k, kofe, 1, "coffee", 150), t.product_remove(owner_k, kofe, 2),
                t.sign(owner_b, VenueUpdate{barber, profile_named("Barber Shop No. 1")})});
        commit({t.staff_remove(owner_k, kofe, s2.public_key())});
        commit({t.phone_bind(c4, t.attest(tc.attestor, p1, c4.public_key(), 2)),
                t.phone_bind(c3, t.attest(tc.attestor, p2, c3.public_key(), 1))});
        // p1 was c2's: the re-bind to c4 above waited its minute.
        commit({t.redeem(owner_b, barber, t.voucher(c3, barber, 1, 500, Account::of_phone(p2))),
                t.rebind_complete(c4, p1)});
        commit({t.transfer_from(c4, kofe, Account::of_phone(p1), key_acc(c3), 100),
                t.transfer(owner_w, wash, Account::of_phone(p3), 2500)});
        commit({t.redeem(s1, kofe, t.voucher(c1, kofe, 1, 150, key_acc(c1)))});
        commit({t.transfer(c1, kofe, key_acc(c3), 100, "for you")});
    }
    std::filesystem::path data() const { return tc.dir.path() / "data"; }
    std::uint64_t height() const { return tc.chain->height(); }
};

std::unique_ptr<Store> open_rw(const std::filesystem::path& dir) {
    auto s = Store::open(dir, Store::Mode::open_existing);
    if (!s) FAIL(s.error());
    return std::move(*s);
}

struct Record {
    Bytes key;
    Bytes value;
    std::uint64_t block = 0;  // the block the record belongs to
};

std::vector<Record> all_records(const Store& s, Column c) {
    std::vector<Record> out;
    s.scan(c, {}, {}, [&](ByteView k, ByteView v) {
        out.push_back({Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end())});
        return true;
    });
    return out;
}

std::uint64_t be64(ByteView b) {
    Reader r(b);
    return r.u64();
}

// Blocks (by their key) and transaction records (by the block that lists the
// id — the truth, not the record's own claim), each with its block.
struct Stored {
    std::vector<Record> blocks, txs;
};
Stored stored_chain(const Store& s) {
    Stored out;
    out.blocks = all_records(s, Column::blocks);
    std::map<Hash256, std::uint64_t> listed;
    for (auto& b : out.blocks) {
        b.block = be64(b.key);
        auto decoded = decode_block(b.value);
        REQUIRE(decoded);
        for (const auto& id : decoded->tx_ids) listed.emplace(id, b.block);
    }
    out.txs = all_records(s, Column::txs);
    for (auto& t : out.txs) {
        Hash256 id{};
        REQUIRE(t.key.size() == id.size());
        std::copy(t.key.begin(), t.key.end(), id.begin());
        REQUIRE(listed.contains(id));
        t.block = listed.at(id);
    }
    REQUIRE(out.txs.size() == listed.size());
    return out;
}

void put(Store& s, Column c, const Bytes& key, const Bytes& value) {
    Batch b;
    b.put(c, key, value);
    // Unsynced: the audit reads through the same Store, and nothing here has
    // to survive a crash. Thousands of fsyncs would dominate the test.
    REQUIRE(s.write(b, false));
}
void erase(Store& s, Column c, const Bytes& key) {
    Batch b;
    b.erase(c, key);
    REQUIRE(s.write(b, false));
}

std::string describe(const AuditReport& r) {
    std::ostringstream o;
    o << "ok=" << r.ok << " bad_block=" << (r.bad_block ? std::to_string(*r.bad_block) : "none") << " reason=\""
      << r.reason << "\"";
    return o.str();
}

// The audit must fail and name `block`.
#define CHECK_CAUGHT_AT(report, block)                                  \
    do {                                                                \
        const AuditReport& r_ = (report);                               \
        INFO(describe(r_));                                             \
        CHECK_FALSE(r_.ok);                                             \
        CHECK(r_.bad_block == std::optional<std::uint64_t>(block));     \
        CHECK_FALSE(r_.reason.empty());                                 \
    } while (0)

std::optional<std::uint64_t> history_entry_block(const Bytes& key) {
    // 'a'/'v' history keys end in ~height (u64) || ~index (u32).
    if (key.empty() || (key[0] != 'a' && key[0] != 'v') || key.size() < 12) return std::nullopt;
    return ~be64(ByteView(key).subspan(key.size() - 12, 8));
}

}  // namespace

TEST_CASE("audit_dir passes a clean chain of several venues and reports its figures", "[audit]") {
    Story s;
    REQUIRE(s.height() == 15);
    const Hash256 digest = s.tc.chain->state().digest();
    std::uint64_t progress_calls = 0;
    auto r = audit_dir(s.data(), [&](std::uint64_t h, std::uint64_t tip) {
        CHECK(h == progress_calls + 1);
        CHECK(tip == 15);
        ++progress_calls;
    });
    INFO(describe(r));
    REQUIRE(r.ok);
    CHECK_FALSE(r.bad_block);
    CHECK(r.tip_height == 15);
    CHECK(r.blocks_checked == 15);
    CHECK(progress_calls == 15);
    CHECK(r.txs_checked == s.txs);
    CHECK(r.chain_id == s.tc.chain->id());
    CHECK(r.chain_name == "kopilka-test");
    CHECK(r.state_digest == digest);
    CHECK_FALSE(r.index_rechecked);  // the streamed index check passed on its own
    CHECK(r.supplies == std::map<std::string, Amount>{
                            {barber, coin_supply_units}, {kofe, coin_supply_units}, {wash, coin_supply_units}});
    CHECK(r.tx_kinds.at("venue_create") == 3);
    CHECK(r.tx_kinds.at("redeem") == 3);
    CHECK(r.tx_kinds.at("phone_bind") == 3);
    CHECK(r.tx_kinds.at("staff_remove") == 1);
    CHECK(r.tx_kinds.at("phone_rebind_complete") == 1);
    CHECK(r.tx_kinds.at("venue_update") == 1);
    std::uint64_t kinds = 0;
    for (const auto& [k, n] : r.tx_kinds) kinds += n;
    CHECK(kinds == s.txs);
    // Allowances 120000, bonuses and gifts 4550, redemptions 750, and the
    // removed barista's 49500 back to the treasury.
    CHECK(r.moved_units == 120'000 + 4'550 + 750 + 49'500);

    // The same audit through an already-open Store, beside the live chain.
    auto again = audit_store(s.tc.chain->store());
    CHECK(again.ok);
    CHECK(again.state_digest == digest);
}

TEST_CASE("audit finds every flipped byte of every stored block and transaction record", "[audit][tamper]") {
    Story s;
    const std::uint64_t height = s.height();
    s.tc.chain.reset();
    Stored st;
    {
        auto store = open_rw(s.data());
        st = stored_chain(*store);
        REQUIRE(audit_store(*store).ok);
    }
    REQUIRE(st.blocks.size() == height);
    REQUIRE(st.txs.size() == s.txs);

    // Which bytes. Each audit replays every transaction before the tampered
    // one, so the cost grows with the square of the chain: flipping every
    // byte of every record twice is ~10k audits, a minute or more under ASan.
    //  - Block records: every byte xor 0x01, and every 8th also xor 0x80
    //    (the high bit: lengths, counts, UTF-8 lead bytes).
    //  - Transaction records: every byte of the record's framing (height,
    //    index, blob length) and of the transaction's version and kind; of
    //    the rest of the blob a deterministic stride sample. The sample's
    //    offset turns with the record, and records of one kind share most of
    //    their layout, so across the records nearly every position of each
    //    layout is hit. KOPILKA_TAMPER_STRIDE=1 flips every byte of every
    //    record (the exhaustive run; it passes too, in ~4x the time).
    std::size_t stride = 8;
    if (const char* e = std::getenv("KOPILKA_TAMPER_STRIDE"); e && std::atoi(e) > 0)
        stride = static_cast<std::size_t>(std::atoi(e));
    constexpr std::size_t tx_framing_bytes = 8 + 4 + 4 + 2;  // height, index, blob length; version, kind

    // Two workers, each on its own copy of the data dir (RocksDB allows one
    // writer per dir), take alternate bytes: half the wall time on the
    // 2-core machines this runs on. Catch2 assertions are not thread-safe,
    // so the workers collect what they find and the test checks it after.
    struct Worker {
        std::filesystem::path dir;
        std::size_t part = 0;
        std::uint64_t block_audits = 0, tx_audits = 0;
        std::vector<std::string> misses;
    };
    TempDir copy_tmp("kopilka-audit-copy");
    std::filesystem::copy(s.data(), copy_tmp.path() / "data", std::filesystem::copy_options::recursive);
    Worker workers[2] = {{s.data(), 0, 0, 0, {}}, {copy_tmp.path() / "data", 1, 0, 0, {}}};

    auto work = [&](Worker& w) {
        try {
            auto opened = Store::open(w.dir, Store::Mode::open_existing);
            if (!opened) return w.misses.push_back(opened.error());
            Store& store = **opened;
            auto write = [&](Column c, const Bytes& key, const Bytes& value) {
                Batch b;
                b.put(c, key, value);
                // Unsynced: nothing here has to survive a crash, and
                // thousands of fsyncs would dominate the test.
                if (!store.write(b, false)) throw std::runtime_error("the tampered record could not be written");
            };
            for (Column c : {Column::blocks, Column::txs}) {
                const auto& records = c == Column::blocks ? st.blocks : st.txs;
                for (std::size_t n = 0; n < records.size(); ++n) {
                    const Record& rec = records[n];
                    for (std::size_t i = w.part; i < rec.value.size(); i += 2) {
                        if (c == Column::txs && i >= tx_framing_bytes && (i + n) % stride != 0) continue;
                        for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
                            if (mask == 0x80 && (c == Column::blocks ? i % 8 : (i + n) % (2 * stride)) != 0) continue;
                            Bytes v = rec.value;
                            v[i] ^= mask;
                            write(c, rec.key, v);
                            const AuditReport r = audit_store(store);
                            ++(c == Column::blocks ? w.block_audits : w.tx_audits);
                            if (r.ok || r.bad_block != rec.block)
                                w.misses.push_back(std::string(column_name(c)) + " record " + to_hex(rec.key) +
                                                   " (block " + std::to_string(rec.block) + "), byte " +
                                                   std::to_string(i) + " of " + std::to_string(rec.value.size()) +
                                                   " xor " + std::to_string(mask) + ": " + describe(r));
                        }
                    }
                    write(c, rec.key, rec.value);
                }
            }
            // Everything restored: the store audits clean again.
            if (auto r = audit_store(store); !r.ok || r.blocks_checked != height)
                w.misses.push_back("after restoring every record: " + describe(r));
        } catch (const std::exception& e) {
            w.misses.push_back(std::string("the worker stopped: ") + e.what());
        }
    };
    const auto start = std::chrono::steady_clock::now();
    std::thread helper(work, std::ref(workers[1]));
    work(workers[0]);
    helper.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::uint64_t block_audits = 0, tx_audits = 0;
    std::vector<std::string> misses;
    for (const Worker& w : workers) {
        block_audits += w.block_audits;
        tx_audits += w.tx_audits;
        misses.insert(misses.end(), w.misses.begin(), w.misses.end());
    }
    std::cout << "audit_test: " << block_audits << " tampered block records and " << tx_audits
              << " tampered tx records (stride " << stride << ") audited in " << secs << " s\n";
    // Report the first few in full; the count says the rest.
    for (std::size_t i = 0; i < misses.size() && i < 10; ++i) FAIL_CHECK(misses[i]);
    CHECK(misses.empty());
    std::uint64_t block_bytes = 0;
    for (const Record& b : st.blocks) block_bytes += b.value.size();
    CHECK(block_audits >= block_bytes);  // every block byte, at least once
}

TEST_CASE("audit catches records deleted, added or moved, naming the block", "[audit][tamper]") {
    Story s;
    const std::uint64_t height = s.height();
    s.tc.chain.reset();
    auto store = open_rw(s.data());
    const Stored st = stored_chain(*store);
    REQUIRE(audit_store(*store).ok);

    SECTION("each transaction record deleted: its block") {
        for (const Record& t : st.txs) {
            erase(*store, Column::txs, t.key);
            CHECK_CAUGHT_AT(audit_store(*store), t.block);
            put(*store, Column::txs, t.key, t.value);
        }
    }
    SECTION("a transaction record stored under another id of the same block: that block") {
        // Swap two records of one block: each record is intact, only misplaced.
        const Record* a = nullptr;
        const Record* b = nullptr;
        for (const Record& t : st.txs)
            for (const Record& u : st.txs)
                if (&t != &u && t.block == u.block) a = &t, b = &u;
        REQUIRE(a);
        put(*store, Column::txs, a->key, b->value);
        put(*store, Column::txs, b->key, a->value);
        CHECK_CAUGHT_AT(audit_store(*store), a->block);
    }
    SECTION("an extra transaction record no block lists: the tip") {
        Bytes id = st.txs.front().key;
        id[0] ^= 0xFF;
        put(*store, Column::txs, id, st.txs.front().value);
        CHECK_CAUGHT_AT(audit_store(*store), height);
    }
    SECTION("each block deleted: that block") {
        for (const Record& b : st.blocks) {
            erase(*store, Column::blocks, b.key);
            CHECK_CAUGHT_AT(audit_store(*store), b.block);
            put(*store, Column::blocks, b.key, b.value);
        }
    }
    SECTION("two blocks swapped: the first of them") {
        put(*store, Column::blocks, st.blocks[4].key, st.blocks[5].value);
        put(*store, Column::blocks, st.blocks[5].key, st.blocks[4].value);
        CHECK_CAUGHT_AT(audit_store(*store), st.blocks[4].block);
    }
    SECTION("a copy of the tip block stored beyond the tip: the block after the tip") {
        put(*store, Column::blocks, keys::block(height + 1), st.blocks.back().value);
        CHECK_CAUGHT_AT(audit_store(*store), height + 1);
    }
    SECTION("a block stored far beyond the tip: the tip, by the count of blocks") {
        put(*store, Column::blocks, keys::block(height + 7), st.blocks.back().value);
        CHECK_CAUGHT_AT(audit_store(*store), height);
    }
    SECTION("a stray record in the blocks family under a key that is no height: the tip") {
        put(*store, Column::blocks, Bytes{'x'}, st.blocks.front().value);
        CHECK_CAUGHT_AT(audit_store(*store), height);
    }
}

TEST_CASE("audit catches tampered state, index, tip and genesis records", "[audit][tamper]") {
    Story s;
    const std::uint64_t height = s.height();
    s.tc.chain.reset();
    auto store = open_rw(s.data());
    REQUIRE(audit_store(*store).ok);

    SECTION("every state record altered, deleted, or joined by an extra one: the tip") {
        const auto state = all_records(*store, Column::state);
        REQUIRE(state.size() > 15);
        for (const Record& rec : state) {
            for (std::size_t i : {std::size_t{0}, rec.value.size() / 2, rec.value.size() - 1}) {
                Bytes v = rec.value;
                v[i] ^= 0x01;
                put(*store, Column::state, rec.key, v);
                CHECK_CAUGHT_AT(audit_store(*store), height);
            }
            erase(*store, Column::state, rec.key);
            CHECK_CAUGHT_AT(audit_store(*store), height);
            // The same record under another (well-formed) key: a moved balance.
            Bytes k = rec.key;
            k.back() ^= 0x01;
            put(*store, Column::state, k, rec.value);
            CHECK_CAUGHT_AT(audit_store(*store), height);
            erase(*store, Column::state, k);
            put(*store, Column::state, rec.key, rec.value);
        }
        Writer w;
        w.u64(1);
        put(*store, Column::state, record::balance_key(kofe, Account::of_key(test_key(99).public_key())),
            std::move(w).take());
        CHECK_CAUGHT_AT(audit_store(*store), height);
    }
    SECTION("every index entry altered or deleted: its block; an extra one: the tip") {
        const auto index = all_records(*store, Column::index);
        std::uint64_t block_hash_entries = 0, history_entries = 0;
        for (const Record& rec : index) {
            std::uint64_t block = 0;
            if (auto h = history_entry_block(rec.key)) {
                block = *h;
                ++history_entries;
            } else {
                REQUIRE(rec.key.front() == 'h');
                block = be64(rec.value);
                ++block_hash_entries;
            }
            REQUIRE(block >= 1);
            REQUIRE(block <= height);
            // Found by the streamed check, after the last block, which then
            // names the block in a second, per-block pass.
            for (std::size_t i : {std::size_t{0}, rec.value.size() - 1}) {
                Bytes v = rec.value;
                v[i] ^= 0x01;
                put(*store, Column::index, rec.key, v);
                const AuditReport r = audit_store(*store);
                CHECK_CAUGHT_AT(r, block);
                CHECK(r.index_rechecked);
            }
            erase(*store, Column::index, rec.key);
            const AuditReport r = audit_store(*store);
            CHECK_CAUGHT_AT(r, block);
            CHECK(r.index_rechecked);
            put(*store, Column::index, rec.key, rec.value);
        }
        // Two entries of one list swapped: same keys, same values, same
        // count; only the order of the list differs.
        {
            const Bytes prefix = keys::venue_history_prefix(kofe);
            std::vector<Record> list;  // newest first, as keys sort
            for (const Record& rec : index)
                if (rec.key.size() == prefix.size() + keys::history_entry_position_bytes &&
                    std::equal(prefix.begin(), prefix.end(), rec.key.begin()))
                    list.push_back(rec);
            REQUIRE(list.size() >= 2);
            REQUIRE(list[0].value != list[1].value);
            put(*store, Column::index, list[0].key, list[1].value);
            put(*store, Column::index, list[1].key, list[0].value);
            const AuditReport r = audit_store(*store);
            CHECK_CAUGHT_AT(r, *history_entry_block(list[1].key));  // the older entry's block comes first
            CHECK(r.index_rechecked);
            put(*store, Column::index, list[0].key, list[0].value);
            put(*store, Column::index, list[1].key, list[1].value);
            REQUIRE(audit_store(*store).ok);
        }
        CHECK(block_hash_entries == height);
        CHECK(history_entries >= 2 * s.txs);
        // An entry for a transaction that never touched this account.
        put(*store, Column::index,
            keys::history_entry(keys::account_history_prefix(Account::of_key(test_key(99).public_key())), {3, 0}),
            index.back().value);
        CHECK_CAUGHT_AT(audit_store(*store), height);
    }
    SECTION("every byte of the tip record: the block it claims, or the first missing one") {
        const Bytes tip = *store->get(Column::meta, keys::meta_tip());
        REQUIRE(tip.size() == 8 + 32);
        for (std::size_t i = 0; i < tip.size(); ++i) {
            Bytes v = tip;
            v[i] ^= 0x01;
            put(*store, Column::meta, keys::meta_tip(), v);
            // A lower height: its block's hash is not the tip hash. A higher
            // one: block height+1 is missing. A flipped hash: the tip block.
            const std::uint64_t claimed = be64(v);
            CHECK_CAUGHT_AT(audit_store(*store), std::min(claimed, height + 1));
        }
        Bytes shorter(tip.begin(), tip.end() - 1);
        put(*store, Column::meta, keys::meta_tip(), shorter);
        CHECK_CAUGHT_AT(audit_store(*store), 0);
        erase(*store, Column::meta, keys::meta_tip());
        CHECK_CAUGHT_AT(audit_store(*store), 0);
        // The tip record pointing at an earlier block, with that block's true
        // hash: consistent in itself, but blocks beyond it are stored.
        auto b3 = decode_block(*store->get(Column::blocks, keys::block(3)));
        REQUIRE(b3);
        put(*store, Column::meta, keys::meta_tip(), keys::tip_value(3, block_hash(b3->header)));
        CHECK_CAUGHT_AT(audit_store(*store), 4);
    }
    SECTION("every byte of the genesis record: the genesis if it cannot be read, else block 1") {
        const Bytes genesis = *store->get(Column::meta, keys::meta_genesis());
        std::uint64_t unreadable = 0;
        for (std::size_t i = 0; i < genesis.size(); ++i) {
            Bytes v = genesis;
            v[i] ^= 0x01;
            put(*store, Column::meta, keys::meta_genesis(), v);
            // A genesis that still decodes is another chain: its id (the hash)
            // differs, so block 1 no longer links to it and no signature
            // verifies. The auditor cannot tell which of the two was changed,
            // and names the first block that disagrees.
            bool readable = true;
            try {
                (void)decode_genesis(v);
            } catch (const DecodeError&) {
                readable = false;
                ++unreadable;
            }
            CHECK_CAUGHT_AT(audit_store(*store), readable ? 1 : 0);
        }
        CHECK(unreadable > 0);  // the version byte at least
        erase(*store, Column::meta, keys::meta_genesis());
        CHECK_CAUGHT_AT(audit_store(*store), 0);
    }
}

namespace {

// Loads the state stored after the tip, as Chain::load does (venues first).
State load_state(const Store& s) {
    State st;
    s.scan(Column::state, Bytes{'V'}, {}, [&](ByteView k, ByteView v) {
        st.load_record(k, v);
        return true;
    });
    s.scan(Column::state, {}, {}, [&](ByteView k, ByteView v) {
        if (k[0] != 'V') st.load_record(k, v);
        return true;
    });
    st.clear_journal();
    return st;
}

// Writes a replacement for block `b.header.height` (already signed) with the
// state it claims, fixing up the tip record and the block-hash index, so the
// forgery is consistent in every way but the one the test is about.
void store_forged_tip(Store& s, const Block& forged, const Hash256& old_hash, State& state) {
    Batch b;
    const Hash256 hash = block_hash(forged.header);
    b.put(Column::blocks, keys::block(forged.header.height), encode_block(forged));
    b.erase(Column::index, keys::block_hash_index(old_hash));
    b.put(Column::index, keys::block_hash_index(hash), keys::block(forged.header.height));
    for (auto& [k, v] : state.changes()) {
        if (v)
            b.put(Column::state, k, *v);
        else
            b.erase(Column::state, k);
    }
    b.put(Column::meta, keys::meta_tip(), keys::tip_value(forged.header.height, hash));
    REQUIRE(s.write(b));
}

}  // namespace

TEST_CASE("audit catches forged blocks: a stranger's signature, and the producer's own inflation", "[audit][tamper]") {
    Story s;
    const std::uint64_t height = s.height();
    const ChainId chain = s.tc.chain->id();
    const KeyPair producer = test_key(1);
    REQUIRE(producer.public_key() == s.tc.genesis.producer);
    s.tc.chain.reset();
    auto store = open_rw(s.data());
    auto tip = decode_block(*store->get(Column::blocks, keys::block(height)));
    REQUIRE(tip);
    const Hash256 tip_hash = block_hash(tip->header);
    const KeyPair forger = test_key(666);

    SECTION("re-signed by a key that is not the producer's") {
        Block forged = *tip;
        forged.header.time_ms += 1;  // any change the forger wanted
        sign_block(forged, forger, chain);
        REQUIRE(verify_block_signature(forged, chain));  // a valid signature, by the wrong key
        State unchanged = load_state(*store);
        store_forged_tip(*store, forged, tip_hash, unchanged);
        auto r = audit_store(*store);
        CHECK_CAUGHT_AT(r, height);
        CHECK_THAT(r.reason, Catch::Contains("not the chain's producer"));
    }
    SECTION("claiming the producer's key but signed by another") {
        Block forged = *tip;
        forged.header.time_ms += 1;
        forged.signature = forger.sign(Domain::block, chain, encode_header(forged.header));
        State unchanged = load_state(*store);
        store_forged_tip(*store, forged, tip_hash, unchanged);
        auto r = audit_store(*store);
        CHECK_CAUGHT_AT(r, height);
        CHECK_THAT(r.reason, Catch::Contains("signature does not verify"));
    }
    SECTION("re-signed by the producer over a state with an inflated balance") {
        // The producer (or whoever holds its key) adds 1000.00 KOFE to a
        // client out of thin air, and signs a tip block whose state digest
        // covers it. The stored state matches that digest, so even Chain::open
        // accepts the dir; only replaying the transactions can tell.
        State inflated = load_state(*store);
        const Account lucky = key_acc(s.c1);
        inflated.set_balance(kofe, lucky, inflated.balance(kofe, lucky) + 100'000);
        Block forged = *tip;
        forged.header.state_digest = inflated.digest();
        sign_block(forged, producer, chain);
        store_forged_tip(*store, forged, tip_hash, inflated);
        store.reset();
        // Whoever holds the machine rewrites the tip anchor as well (it
        // guards against a store losing blocks, not against their owner).
        REQUIRE(TipAnchor::create(s.data(), TipMark{height, block_hash(forged.header)}));
        {
            auto opened = Chain::open(s.data());
            INFO((opened ? "" : opened.error()));
            REQUIRE(opened);  // the forgery is self-consistent
            CHECK((*opened)->state().coin_totals()->at(kofe) == coin_supply_units + 100'000);
        }
        auto r = audit_dir(s.data());
        CHECK_CAUGHT_AT(r, height);
        CHECK_THAT(r.reason, Catch::Contains("state digest"));
        CHECK(r.blocks_checked == height - 1);
    }
    SECTION("a producer-signed block with a client-signed transfer the client could not afford") {
        // Everything but the rules is right: the client's signature, the
        // Merkle root, the producer's signature, the records and indexes; the
        // state digest is of the state the overdraft would leave (the sender
        // at zero, the receiver richer than the sender ever was).
        State after = load_state(*store);
        TxBuilder t(chain);
        const std::uint64_t time_ms = tip->header.time_ms + 1000;
        t.set_time_ms(time_ms);
        const Account from = key_acc(s.c1), to = key_acc(s.c2);
        const Amount has = after.balance(kofe, from);
        REQUIRE(has > 0);
        const Amount asked = has + 100'000;
        SignedTx overdraft = t.transfer(s.c1, kofe, to, asked);
        after.set_balance(kofe, from, 0);
        after.set_balance(kofe, to, after.balance(kofe, to) + asked);

        Block forged;
        forged.tx_ids = {tx_id(overdraft.tx)};
        forged.header.height = height + 1;
        forged.header.prev = tip_hash;
        forged.header.time_ms = time_ms;
        forged.header.tx_root = merkle_root(forged.tx_ids);
        forged.header.state_digest = after.digest();
        forged.header.tx_count = 1;
        sign_block(forged, producer, chain);
        Batch b;
        const Bytes id(forged.tx_ids[0].begin(), forged.tx_ids[0].end());
        b.put(Column::txs, id, encode_tx_record(TxRecord{height + 1, 0, encode_signed_tx(overdraft)}));
        for (const Account& a : {from, to})
            b.put(Column::index, keys::history_entry(keys::account_history_prefix(a), {height + 1, 0}), id);
        b.put(Column::index, keys::history_entry(keys::venue_history_prefix(kofe), {height + 1, 0}), id);
        REQUIRE(store->write(b));
        // The block itself goes in like any appended tip: same helper, no old hash to drop.
        store_forged_tip(*store, forged, Hash256{}, after);
        auto r = audit_store(*store);
        CHECK_CAUGHT_AT(r, height + 1);
        CHECK_THAT(r.reason, Catch::Contains("insufficient_balance"));
        CHECK(r.blocks_checked == height);
    }
}
