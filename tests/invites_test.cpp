// The staff invite mailbox (node/invites.h) on its own, with a clock the test
// moves: open, re-open, accept once, added, the caps, and lapsing.
#include "node/invites.h"

#include "crypto/hash.h"
#include "ledger/tx.h"

#include <catch2/catch.hpp>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::node;

namespace {

struct ManualClock final : Clock {
    std::uint64_t ms = 1'790'000'000'000;
    std::uint64_t now_ms() const override { return ms; }
    std::uint64_t now_s() const { return ms / 1000; }
    void pass_s(std::uint64_t s) { ms += s * 1000; }
};

InviteId id_of(std::uint32_t n) {
    Bytes secret(invite_secret_bytes, 0);
    for (int i = 0; i < 4; ++i) secret[i] = static_cast<std::uint8_t>(n >> (8 * i));
    return invite_id(secret);
}

const ChainId chain{};

}  // namespace

TEST_CASE("an invite's id is the first 16 bytes of BLAKE2b-256 of its secret", "[invites]") {
    const Bytes secret(invite_secret_bytes, 7);
    const Hash256 h = blake2b256(secret);
    const InviteId id = invite_id(secret);
    CHECK(std::equal(id.begin(), id.end(), h.begin()));
    // The owner signs version, ticker, id and expiry: 1 + (1 + 7) + 16 + 8 bytes.
    const Bytes b = invite_open_bytes("VOLODYA", id, 0x0102030405060708ULL);
    REQUIRE(b.size() == 33);
    CHECK(b[0] == invite_open_version);
    CHECK(b[1] == 7);
    CHECK(std::string(b.begin() + 2, b.begin() + 9) == "VOLODYA");
    CHECK(std::equal(id.begin(), id.end(), b.begin() + 9));
    CHECK(b[25] == 0x01);
    CHECK(b[32] == 0x08);
}

TEST_CASE("an invite is opened, re-opened by its owner, accepted once and marked added", "[invites]") {
    ManualClock clock;
    InviteBox box(clock);
    const KeyPair owner = KeyPair::generate();
    const KeyPair other = KeyPair::generate();
    const KeyPair staff = KeyPair::generate();
    const InviteId id = id_of(1);

    auto opened = box.open(id, "VOLODYA", owner.public_key(), clock.now_s() + 600);
    REQUIRE(opened);
    CHECK(opened->state == InviteState::open);
    // Re-opening moves the expiry; another key or venue cannot take the id.
    REQUIRE(box.open(id, "VOLODYA", owner.public_key(), clock.now_s() + 900));
    CHECK(box.find(id)->expiry_s == clock.now_s() + 900);
    auto taken = box.open(id, "VOLODYA", other.public_key(), clock.now_s() + 900);
    REQUIRE(!taken);
    CHECK(taken.error().code == InviteError::taken);
    CHECK(box.open(id, "OTHER", owner.public_key(), clock.now_s() + 900).error().code == InviteError::taken);

    const StaffAcceptance a = accept_staff(staff, "VOLODYA", clock.now_s() + 3600, chain);
    bool repeated = true;
    auto accepted = box.accept(id, a, &repeated);
    REQUIRE(accepted);
    CHECK(!repeated);
    CHECK(accepted->state == InviteState::accepted);
    // The same acceptance again is answered alike; another one is refused.
    REQUIRE(box.accept(id, a, &repeated));
    CHECK(repeated);
    const StaffAcceptance b = accept_staff(other, "VOLODYA", clock.now_s() + 3600, chain);
    auto second = box.accept(id, b);
    REQUIRE(!second);
    CHECK(second.error().code == InviteError::accepted);
    CHECK(box.find(id)->acceptance == a);

    // Another acceptance's staff_add leaves it alone; its own marks it added
    // (here late: the invite's own expiry has passed, the acceptance's not).
    clock.pass_s(3000);
    box.added(staff_acceptance_id(b));
    CHECK(box.find(id)->state == InviteState::accepted);
    box.added(staff_acceptance_id(a));
    CHECK(box.find(id)->state == InviteState::added);
    // Kept an hour after it was added (the acceptance ran out long before), then forgotten.
    clock.pass_s(invite_added_kept_s - 60);
    CHECK(box.find(id));
    clock.pass_s(120);
    CHECK(!box.find(id));
    CHECK(box.size() == 0);
}

TEST_CASE("an open invite lapses at its expiry, and an accepted one lives until its acceptance expires", "[invites]") {
    ManualClock clock;
    InviteBox box(clock);
    const KeyPair owner = KeyPair::generate();
    const KeyPair staff = KeyPair::generate();
    REQUIRE(box.open(id_of(1), "VOLODYA", owner.public_key(), clock.now_s() + 60));
    REQUIRE(box.open(id_of(2), "VOLODYA", owner.public_key(), clock.now_s() + 60));
    const StaffAcceptance a = accept_staff(staff, "VOLODYA", clock.now_s() + 600, chain);
    REQUIRE(box.accept(id_of(2), a));
    clock.pass_s(60);
    CHECK(box.find(id_of(1)));  // at its expiry second it still counts
    clock.pass_s(1);
    CHECK(!box.find(id_of(1)));
    auto late = box.accept(id_of(1), a);
    REQUIRE(!late);
    CHECK(late.error().code == InviteError::unknown);
    // The accepted one is past its own expiry but the owner may still add the member.
    REQUIRE(box.find(id_of(2)));
    CHECK(box.find(id_of(2))->state == InviteState::accepted);
    clock.pass_s(600);
    CHECK(!box.find(id_of(2)));
    CHECK(box.size() == 0);
}

TEST_CASE("at most 32 invites open at a venue and 4096 on the node", "[invites]") {
    ManualClock clock;
    InviteBox box(clock);
    const KeyPair owner = KeyPair::generate();
    std::uint32_t n = 0;
    for (; n < invite_open_per_venue_max; ++n) REQUIRE(box.open(id_of(n), "VOLODYA", owner.public_key(), clock.now_s() + 60));
    auto full = box.open(id_of(n), "VOLODYA", owner.public_key(), clock.now_s() + 60);
    REQUIRE(!full);
    CHECK(full.error().code == InviteError::too_many);
    // Re-opening one already held is no new invite.
    CHECK(box.open(id_of(0), "VOLODYA", owner.public_key(), clock.now_s() + 90));
    // One accepted and added frees its place at the venue.
    const KeyPair staff = KeyPair::generate();
    const StaffAcceptance a = accept_staff(staff, "VOLODYA", clock.now_s() + 600, chain);
    REQUIRE(box.accept(id_of(0), a));
    box.added(staff_acceptance_id(a));
    REQUIRE(box.open(id_of(n++), "VOLODYA", owner.public_key(), clock.now_s() + 60));

    // The node's total, over many venues.
    for (std::uint32_t v = 0; box.size() < invite_open_total_max; ++v) {
        const std::string ticker = "V" + std::to_string(100000 + v);
        for (std::uint32_t k = 0; k < invite_open_per_venue_max && box.size() < invite_open_total_max; ++k)
            REQUIRE(box.open(id_of(n++), ticker, owner.public_key(), clock.now_s() + 60));
    }
    auto total = box.open(id_of(n++), "LAST", owner.public_key(), clock.now_s() + 60);
    REQUIRE(!total);
    CHECK(total.error().code == InviteError::too_many);
    // Once they lapse there is room again.
    clock.pass_s(61);
    CHECK(box.open(id_of(n++), "LAST", owner.public_key(), clock.now_s() + 60));
    CHECK(box.size() == 2);  // the added invite, kept an hour, and the new one
}
