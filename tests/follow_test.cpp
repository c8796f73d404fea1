// A follower's ledger (Chain::append_block over the shared verifier,
// ledger/verify.h): blocks a producer made, appended to a second chain from
// the same genesis, leave it equal to the producer's record for record (so
// `kopilkad verify` passes it); a block with a bad producer signature, a wrong
// previous hash, a wrong state digest, a wrong Merkle root, a transaction
// whose signature fails or a block of another height is refused with its
// BlockFault, the same reason the audit's replay gives, and nothing written:
// not in the store, not in memory, not in the anchor. The good block then
// still applies.
#include "support.h"

#include "ledger/codec.h"

#include <catch2/catch.hpp>

#include <map>

using namespace kopilka;
using namespace kopilka::test;

namespace {

const std::string kofe = "KOFE";

Account key_acc(const KeyPair& k) { return Account::of_key(k.public_key()); }

// A producer's chain of seven blocks: a venue, products, staff, transfers to
// a key and to an unclaimed phone, the phone's bind, a gift and a redemption.
struct Source {
    TestChain tc;
    KeyPair owner = test_key(10), barista = test_key(20), client = test_key(30), friend_k = test_key(31);
    PhoneRef phone = phone_ref("+79000000001");

    void commit(std::vector<SignedTx> txs) {
        auto p = tc.commit(std::move(txs));
        for (const auto& o : p.outcomes) REQUIRE(o.status == TxOutcome::Status::committed);
        tc.advance_ms(60'000);
    }
    Source() {
        auto& t = *tc.tx;
        commit({t.venue_create(owner, kofe)});
        commit({t.product(owner, kofe, 1, "coffee", 100), t.product(owner, kofe, 2, "donut", 200)});
        commit({t.staff_add(owner, kofe, barista)});
        commit({t.transfer(owner, kofe, key_acc(barista), 50'000)});
        commit({t.transfer(barista, kofe, Account::of_phone(phone), 300, "welcome"),
                t.transfer(barista, kofe, key_acc(friend_k), 100)});
        commit({t.phone_bind(client, t.attest(tc.attestor, phone, client.public_key(), 1))});
        commit({t.transfer_from(client, kofe, Account::of_phone(phone), key_acc(friend_k), 50),
                t.redeem(barista, kofe, t.voucher(client, kofe, 1, 100, Account::of_phone(phone)))});
    }
    Store& store() { return tc.chain->store(); }
    Bytes block_bytes(std::uint64_t h) { return *store().get(Column::blocks, keys::block(h)); }
    Bytes genesis_bytes() { return *store().get(Column::meta, keys::meta_genesis()); }
};

// A second chain from the same genesis, as a follower keeps one.
struct Follower {
    explicit Follower(const Genesis& g) {
        auto c = Chain::create(dir.path() / "ledger", g);
        REQUIRE(c);
        chain = std::move(*c);
    }
    TempDir dir{"kopilka-follower"};
    std::unique_ptr<Chain> chain;
};

// Every record of the chain's own families (the outbox is the node's).
std::map<std::pair<int, Bytes>, Bytes> records(const Store& s) {
    std::map<std::pair<int, Bytes>, Bytes> out;
    for (Column c : {Column::meta, Column::blocks, Column::txs, Column::state, Column::index, Column::stats})
        s.scan(c, {}, {}, [&](ByteView k, ByteView v) {
            out.emplace(std::pair{static_cast<int>(c), Bytes(k.begin(), k.end())}, Bytes(v.begin(), v.end()));
            return true;
        });
    return out;
}

// The audit's verdict on `bad` as block `h` after the source's blocks 1..h-1.
std::string audit_reason(Source& src, std::uint64_t h, const Bytes& bad, const FetchTx& fetch) {
    Replayer rp(src.genesis_bytes());
    const FetchTx stored = store_fetch_tx(src.store());
    for (std::uint64_t i = 1; i < h; ++i) REQUIRE(rp.replay_block(i, src.block_bytes(i), stored));
    CHECK_FALSE(rp.replay_block(h, bad, fetch));
    return rp.report().reason;
}

Bytes resigned(Block b, const KeyPair& producer, const ChainId& chain) {
    sign_block(b, producer, chain);
    return encode_block(b);
}

}  // namespace

TEST_CASE("append_block: a producer's blocks appended by a follower leave the same records, which pass the audit",
          "[follow]") {
    Source src;
    Follower f(src.tc.genesis);
    const FetchTx fetch = store_fetch_tx(src.store());
    for (std::uint64_t h = 1; h <= src.tc.chain->height(); ++h) {
        auto a = f.chain->append_block(src.block_bytes(h), fetch);
        INFO("block " << h << ": " << (a ? "" : a.error().message));
        REQUIRE(a);
        CHECK(a->block.header.height == h);
        CHECK(a->hash == block_hash(src.tc.chain->block_at(h)->header));
        CHECK(a->txs.size() == a->block.tx_ids.size());
        REQUIRE(a->outcomes.size() == a->txs.size());
        for (std::size_t i = 0; i < a->outcomes.size(); ++i) {
            CHECK(a->outcomes[i].status == TxOutcome::Status::committed);
            CHECK(a->outcomes[i].location == TxLocation{h, static_cast<std::uint32_t>(i)});
            CHECK_FALSE(a->outcomes[i].touched.empty());
        }
    }
    CHECK(f.chain->tip_hash() == src.tc.chain->tip_hash());
    CHECK(f.chain->tip_signature() == src.tc.chain->tip_signature());
    CHECK(f.chain->state().digest() == src.tc.chain->state().digest());
    // The same blocks, transaction records, state, index entries, aggregates
    // and tip, byte for byte: what the producer writes beside a block.
    CHECK(records(f.chain->store()) == records(src.store()));
    CHECK(f.chain->account_history(Account::of_phone(src.phone), "", 50)->entries.size() ==
          src.tc.chain->account_history(Account::of_phone(src.phone), "", 50)->entries.size());

    // A block already there is not the next one.
    auto again = f.chain->append_block(src.block_bytes(3), fetch);
    REQUIRE_FALSE(again);
    REQUIRE(again.error().refusal);
    CHECK(again.error().refusal->fault == BlockFault::height);

    // The anchor followed, the chain reopens, and the audit passes the copy.
    const std::filesystem::path dir = f.dir.path() / "ledger";
    CHECK(TipAnchor::read(dir).value() == TipMark{src.tc.chain->height(), src.tc.chain->tip_hash()});
    f.chain.reset();
    auto reopened = Chain::open(dir);
    REQUIRE(reopened);
    CHECK((*reopened)->tip_hash() == src.tc.chain->tip_hash());
    CHECK((*reopened)->check_blocks(0));
    reopened->reset();
    const AuditReport r = audit_dir(dir);
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.blocks_checked == src.tc.chain->height());
    CHECK(r.stats_checked);
}

TEST_CASE("append_block refuses a block that fails a check, with its fault and the audit's reason, and writes nothing",
          "[follow]") {
    Source src;
    const ChainId chain = src.tc.chain->id();
    const std::uint64_t target = 7;  // the block with a gift and a redemption
    const FetchTx stored = store_fetch_tx(src.store());
    Follower f(src.tc.genesis);
    for (std::uint64_t h = 1; h < target; ++h) REQUIRE(f.chain->append_block(src.block_bytes(h), stored));
    const Block good = *src.tc.chain->block_at(target);

    struct Case {
        std::string name;
        Bytes bytes;
        BlockFault fault;
        FetchTx fetch;
    };
    std::vector<Case> cases;
    {
        Block b = good;
        b.signature.bytes[5] ^= 0x01;
        cases.push_back({"a producer signature that does not verify",
                         encode_block(b), BlockFault::producer_signature, stored});
    }
    {
        Block b = good;
        cases.push_back({"a block signed by another key",
                         resigned(b, test_key(99), chain), BlockFault::producer, stored});
    }
    {
        Block b = good;
        b.header.prev[0] ^= 0x01;
        cases.push_back({"a wrong previous hash", resigned(b, src.tc.producer, chain), BlockFault::prev_hash, stored});
    }
    {
        Block b = good;
        b.header.state_digest[31] ^= 0x01;
        cases.push_back({"a wrong state digest",
                         resigned(b, src.tc.producer, chain), BlockFault::state_digest, stored});
    }
    {
        Block b = good;
        b.header.tx_root[0] ^= 0x01;
        cases.push_back({"a wrong Merkle root", resigned(b, src.tc.producer, chain), BlockFault::merkle_root, stored});
    }
    {
        Block b = good;
        b.header.time_ms = src.tc.chain->block_at(target - 1)->header.time_ms - 1;
        cases.push_back({"a time before its parent's", resigned(b, src.tc.producer, chain), BlockFault::time, stored});
    }
    {
        // The second transaction's record served with its signature bent.
        const FetchTx bent = [&](std::span<const Hash256> ids) {
            auto recs = stored(ids);
            auto rec = decode_tx_record(*recs[1]).value();
            rec.blob[rec.blob.size() - 3] ^= 0x01;  // inside the signature, the blob's last field
            recs[1] = encode_tx_record(rec);
            return recs;
        };
        cases.push_back({"a transaction whose signature does not verify",
                         encode_block(good), BlockFault::tx_signature, bent});
    }
    {
        const FetchTx missing = [&](std::span<const Hash256> ids) {
            auto recs = stored(ids);
            recs[0].reset();
            return recs;
        };
        cases.push_back({"a transaction record the source does not serve",
                         encode_block(good), BlockFault::tx_record, missing});
    }
    {
        // The block after the next: a follower appends only the next height.
        Block b = good;
        b.header.height = target + 1;
        cases.push_back({"a block of another height", resigned(b, src.tc.producer, chain), BlockFault::height, stored});
    }

    const auto before = records(f.chain->store());
    const Hash256 tip = f.chain->tip_hash();
    const Hash256 digest = f.chain->state().digest();
    const std::size_t window = f.chain->state().window_size();
    const std::filesystem::path dir = f.dir.path() / "ledger";
    for (const Case& c : cases) {
        SECTION(c.name) {
            auto a = f.chain->append_block(c.bytes, c.fetch);
            REQUIRE_FALSE(a);
            REQUIRE(a.error().refusal);
            CHECK(block_fault_name(a.error().refusal->fault) == block_fault_name(c.fault));
            CHECK(a.error().refusal->height == target);
            CHECK(a.error().message == a.error().refusal->reason);
            // One verifier: the audit's replay refuses it for the same reason.
            CHECK(audit_reason(src, target, c.bytes, c.fetch) == a.error().message);
            // Nothing written, nothing changed in memory.
            CHECK(records(f.chain->store()) == before);
            CHECK(f.chain->height() == target - 1);
            CHECK(f.chain->tip_hash() == tip);
            CHECK(f.chain->state().digest() == digest);
            CHECK(f.chain->state().window_size() == window);
            CHECK(TipAnchor::read(dir).value()->height == target - 1);
            // The block as the producer made it still applies on top.
            auto ok = f.chain->append_block(src.block_bytes(target), stored);
            INFO((ok ? "" : ok.error().message));
            REQUIRE(ok);
            CHECK(f.chain->state().digest() == src.tc.chain->state().digest());
            CHECK(records(f.chain->store()) == records(src.store()));
        }
    }
}
