// Keys, signatures, hashes and text encodings: the primitives every other
// layer trusts.
#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

using namespace kopilka;
using kopilka::test::bytes_of;

namespace {

ChainId chain_with_byte(std::uint8_t b) {
    ChainId id{};
    id.fill(b);
    return id;
}

std::string hex_of(const Hash256& h) { return to_hex(h); }

// Randomized cases draw from a seed that every failure prints, so it can be
// replayed with --rng-seed.
unsigned test_seed() { return Catch::rngSeed() != 0 ? Catch::rngSeed() : std::random_device{}(); }

Bytes random_buffer(std::mt19937_64& rng, std::size_t size) {
    Bytes out(size);
    for (auto& b : out) b = static_cast<std::uint8_t>(rng());
    return out;
}

}  // namespace

TEST_CASE("a signature verifies for its key, domain, chain and message", "[crypto][sign]") {
    const KeyPair key = KeyPair::generate();
    const ChainId chain = chain_with_byte(0xa1);
    const Bytes message = {1, 2, 3, 4, 5};
    const Signature sig = key.sign(Domain::transaction, chain, message);
    CHECK(verify(key.public_key(), Domain::transaction, chain, message, sig));

    SECTION("another key's signature is refused") {
        const KeyPair other = KeyPair::generate();
        CHECK_FALSE(verify(other.public_key(), Domain::transaction, chain, message, sig));
    }
    SECTION("an empty message signs and verifies too") {
        const Signature empty_sig = key.sign(Domain::block, chain, {});
        CHECK(verify(key.public_key(), Domain::block, chain, {}, empty_sig));
    }
}

TEST_CASE("signatures are domain separated", "[crypto][sign]") {
    const KeyPair key = KeyPair::from_seed(Bytes(seed_bytes, 7));
    const ChainId chain_a = chain_with_byte(0xaa);
    const ChainId chain_b = chain_with_byte(0xbb);
    const Bytes message = {0xde, 0xad, 0xbe, 0xef};

    const Signature tx_sig = key.sign(Domain::transaction, chain_a, message);
    CHECK(verify(key.public_key(), Domain::transaction, chain_a, message, tx_sig));

    SECTION("a transaction signature is not a voucher signature") {
        CHECK_FALSE(verify(key.public_key(), Domain::voucher, chain_a, message, tx_sig));
    }
    SECTION("no domain accepts another domain's signature") {
        const Domain domains[] = {Domain::transaction, Domain::voucher, Domain::block, Domain::attestation};
        for (Domain signed_for : domains) {
            const Signature sig = key.sign(signed_for, chain_a, message);
            for (Domain checked_for : domains) {
                CAPTURE(domain_tag(signed_for), domain_tag(checked_for));
                CHECK(verify(key.public_key(), checked_for, chain_a, message, sig) ==
                      (signed_for == checked_for));
            }
        }
    }
    SECTION("a signature for chain A is refused on chain B") {
        CHECK_FALSE(verify(key.public_key(), Domain::transaction, chain_b, message, tx_sig));
    }
    SECTION("the signed bytes are tag length, tag, chain id, message") {
        const Bytes m = signing_message(Domain::transaction, chain_a, message);
        const std::string_view tag = domain_tag(Domain::transaction);
        REQUIRE(m.size() == 1 + tag.size() + chain_a.size() + message.size());
        CHECK(m[0] == tag.size());
        CHECK(std::string(m.begin() + 1, m.begin() + 1 + static_cast<std::ptrdiff_t>(tag.size())) == tag);
        CHECK(std::equal(chain_a.begin(), chain_a.end(),
                         m.begin() + 1 + static_cast<std::ptrdiff_t>(tag.size())));
        CHECK(std::equal(message.begin(), message.end(),
                         m.end() - static_cast<std::ptrdiff_t>(message.size())));
    }
}

TEST_CASE("any flipped bit in the message or signature is refused", "[crypto][sign]") {
    const KeyPair key = KeyPair::generate();
    const ChainId chain = chain_with_byte(1);
    const ByteView text = as_bytes("pay 100 to the bakery");
    const Bytes message(text.begin(), text.end());
    const Signature sig = key.sign(Domain::voucher, chain, message);
    REQUIRE(verify(key.public_key(), Domain::voucher, chain, message, sig));

    for (std::size_t i = 0; i < message.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            Bytes altered = message;
            altered[i] ^= static_cast<std::uint8_t>(1u << bit);
            CAPTURE(i, bit);
            CHECK_FALSE(verify(key.public_key(), Domain::voucher, chain, altered, sig));
        }
    }
    for (std::size_t i = 0; i < sig.bytes.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            Signature altered = sig;
            altered.bytes[i] ^= static_cast<std::uint8_t>(1u << bit);
            CAPTURE(i, bit);
            CHECK_FALSE(verify(key.public_key(), Domain::voucher, chain, message, altered));
        }
    }
}

TEST_CASE("KeyPair::from_seed is deterministic and matches RFC 8032 key derivation", "[crypto][keys]") {
    const Bytes zero_seed(seed_bytes, 0);
    const KeyPair a = KeyPair::from_seed(zero_seed);
    const KeyPair b = KeyPair::from_seed(zero_seed);
    CHECK(a.public_key() == b.public_key());
    // Ed25519 public key of the all-zero seed (independently known value).
    CHECK(to_hex(a.public_key().view()) ==
          "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29");
    CHECK(to_hex(a.seed().view()) == to_hex(zero_seed));

    // Deterministic signatures: same key, same message, same bytes.
    const ChainId chain = chain_with_byte(9);
    CHECK(a.sign(Domain::block, chain, zero_seed) == b.sign(Domain::block, chain, zero_seed));

    CHECK(KeyPair::from_seed(Bytes(seed_bytes, 1)).public_key() != a.public_key());
    CHECK(KeyPair::generate().public_key() != KeyPair::generate().public_key());

    CHECK_THROWS_AS(KeyPair::from_seed(Bytes(seed_bytes - 1, 0)), std::invalid_argument);
    CHECK_THROWS_AS(KeyPair::from_seed(Bytes(seed_bytes + 1, 0)), std::invalid_argument);
}

TEST_CASE("BLAKE2b-256 known answers", "[crypto][hash]") {
    CHECK(hex_of(blake2b256({})) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    CHECK(hex_of(blake2b256(as_bytes("abc"))) ==
          "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");

    SECTION("incremental hashing equals one-shot hashing") {
        Blake2b256 h;
        h.update(as_bytes("a")).update(static_cast<std::uint8_t>('b')).update(as_bytes("c"));
        CHECK(hex_of(h.finish()) == hex_of(blake2b256(as_bytes("abc"))));
    }
}

TEST_CASE("keyed BLAKE2b-256 is a different function per key", "[crypto][hash]") {
    const Bytes key_a(32, 0x11);
    const Bytes key_b(32, 0x22);
    const ByteView data = as_bytes("+7 900 000 00 00");
    const Hash256 unkeyed = blake2b256(data);
    const Hash256 keyed_a = blake2b256_keyed(key_a, data);
    CHECK(keyed_a != unkeyed);
    CHECK(keyed_a != blake2b256_keyed(key_b, data));
    CHECK(keyed_a == blake2b256_keyed(key_a, data));

    CHECK_THROWS_AS(blake2b256_keyed(Bytes(crypto_generichash_KEYBYTES_MIN - 1, 1), data),
                    std::invalid_argument);
    CHECK_THROWS_AS(blake2b256_keyed(Bytes(crypto_generichash_KEYBYTES_MAX + 1, 1), data),
                    std::invalid_argument);
}

TEST_CASE("a keyed set digest depends on the records, not on their order", "[crypto][hash]") {
    const KeyedSetDigest::Key key = KeyedSetDigest::random_key();
    std::vector<std::pair<Bytes, Bytes>> records;
    for (int i = 0; i < 50; ++i)
        records.emplace_back(bytes_of("key " + std::to_string(i)), Bytes(32, static_cast<std::uint8_t>(i)));
    auto digest_of = [&](const std::vector<std::pair<Bytes, Bytes>>& rs, const KeyedSetDigest::Key& k) {
        KeyedSetDigest d(k);
        for (const auto& [rk, rv] : rs) d.add(rk, rv);
        return d;
    };
    const KeyedSetDigest base = digest_of(records, key);
    CHECK(base.records() == records.size());

    auto shuffled = records;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
    CHECK(digest_of(shuffled, key) == base);

    SECTION("any changed byte, a dropped, added or repeated record, or a moved boundary differs") {
        for (std::size_t r : {std::size_t{0}, records.size() - 1}) {
            auto changed = records;
            changed[r].first.back() ^= 0x01;
            CHECK_FALSE(digest_of(changed, key) == base);
            changed = records;
            changed[r].second.front() ^= 0x80;
            CHECK_FALSE(digest_of(changed, key) == base);
        }
        auto fewer = records;
        fewer.pop_back();
        CHECK_FALSE(digest_of(fewer, key) == base);
        auto more = records;
        more.emplace_back(bytes_of("key 50"), Bytes(32, 50));
        CHECK_FALSE(digest_of(more, key) == base);
        auto twice = records;
        twice.push_back(records.front());
        CHECK_FALSE(digest_of(twice, key) == base);
        // The same bytes split differently between key and value.
        KeyedSetDigest ab_c(key), a_bc(key);
        ab_c.add(as_bytes("ab"), as_bytes("c"));
        a_bc.add(as_bytes("a"), as_bytes("bc"));
        CHECK_FALSE(ab_c == a_bc);
    }
    SECTION("another key gives another digest of the same records") {
        KeyedSetDigest::Key other = key;
        other[0] ^= 0x01;
        CHECK_FALSE(digest_of(records, other) == base);
        CHECK(KeyedSetDigest::random_key() != key);
    }
}

TEST_CASE("hex round trips and rejects malformed text", "[crypto][encoding]") {
    const unsigned seed = test_seed();
    INFO("rng seed " << seed << " (replay with --rng-seed " << seed << ")");
    std::mt19937_64 rng(seed);
    for (std::size_t size = 0; size <= 64; ++size) {
        const Bytes data = random_buffer(rng, size);
        const std::string text = to_hex(data);
        CHECK(text.size() == 2 * size);
        CHECK(from_hex(text) == data);
    }
    CHECK(to_hex(Bytes{0x00, 0x0f, 0xa0, 0xff}) == "000fa0ff");
    CHECK(from_hex("") == Bytes{});
    CHECK_FALSE(from_hex("abc"));   // odd length
    CHECK_FALSE(from_hex("0g"));    // not a hex digit
    CHECK_FALSE(from_hex(" 00"));   // whitespace
    CHECK_FALSE(from_hex("0x00"));  // prefix
}

TEST_CASE("base64url round trips and matches RFC 4648", "[crypto][encoding]") {
    // RFC 4648 section 10 vectors, padding removed.
    CHECK(to_base64url(as_bytes("")).empty());
    CHECK(to_base64url(as_bytes("f")) == "Zg");
    CHECK(to_base64url(as_bytes("fo")) == "Zm8");
    CHECK(to_base64url(as_bytes("foo")) == "Zm9v");
    CHECK(to_base64url(as_bytes("foob")) == "Zm9vYg");
    CHECK(to_base64url(as_bytes("fooba")) == "Zm9vYmE");
    CHECK(to_base64url(as_bytes("foobar")) == "Zm9vYmFy");
    // The URL-safe alphabet: 0xfb 0xff is "+/8=" in standard base64.
    CHECK(to_base64url(Bytes{0xfb, 0xff}) == "-_8");
    CHECK(from_base64url("-_8") == Bytes{0xfb, 0xff});

    const unsigned seed = test_seed();
    INFO("rng seed " << seed << " (replay with --rng-seed " << seed << ")");
    std::mt19937_64 rng(seed);
    for (std::size_t size = 0; size <= 64; ++size) {
        const Bytes data = random_buffer(rng, size);
        CHECK(from_base64url(to_base64url(data)) == data);
    }
}

TEST_CASE("base64url decoding is strict", "[crypto][encoding]") {
    CHECK_FALSE(from_base64url("Zg=="));       // padding
    CHECK_FALSE(from_base64url("Zm8="));       // padding
    CHECK_FALSE(from_base64url("+/8"));        // standard alphabet
    CHECK_FALSE(from_base64url("Zm9v YmFy"));  // inner whitespace
    CHECK_FALSE(from_base64url("Zm9v\n"));     // trailing newline
    CHECK_FALSE(from_base64url(" Zm9v"));      // leading space
    CHECK_FALSE(from_base64url("Z"));          // a length that is 1 mod 4 never decodes

    // One byte is two characters: 6 bits + 2 bits, with 4 unused bits that
    // must be zero. "AA" is the canonical text of 0x00; "AB" sets an unused
    // bit and would decode to the same byte, so it is refused.
    CHECK(from_base64url("AA") == Bytes{0x00});
    CHECK(from_base64url("AQ") == Bytes{0x01});
    CHECK_FALSE(from_base64url("AB"));
    // Two bytes are three characters with 2 unused bits: "AAE" is 00 01,
    // "AAB" sets an unused bit.
    CHECK(from_base64url("AAE") == (Bytes{0x00, 0x01}));
    CHECK_FALSE(from_base64url("AAB"));
}

TEST_CASE("SecretBytes copies and moves", "[crypto][secret]") {
    const Bytes content = {1, 2, 3, 4};
    SecretBytes a(content);
    REQUIRE(a.size() == content.size());

    SECTION("a copy is equal and independent") {
        SecretBytes b(a);
        CHECK(equal_constant_time(a.view(), b.view()));
        b.data()[0] = 9;
        CHECK(a.data()[0] == 1);
    }
    SECTION("copy assignment replaces the contents, including self-assignment") {
        SecretBytes b(std::size_t{16});
        b = a;
        CHECK(equal_constant_time(a.view(), b.view()));
        SecretBytes& same = b;
        b = same;
        CHECK(equal_constant_time(a.view(), b.view()));
    }
    SECTION("moving leaves the source empty") {
        SecretBytes b(std::move(a));
        CHECK(b.size() == content.size());
        CHECK(equal_constant_time(b.view(), content));
        CHECK(a.size() == 0);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    }
    SECTION("move assignment leaves the source empty") {
        SecretBytes b(std::size_t{8});
        b = std::move(a);
        CHECK(equal_constant_time(b.view(), content));
        CHECK(a.size() == 0);  // NOLINT(bugprone-use-after-move)
    }
    SECTION("a sized buffer starts zeroed") {
        const SecretBytes z(std::size_t{32});
        CHECK(equal_constant_time(z.view(), Bytes(32, 0)));
    }
}

TEST_CASE("constant-time comparison", "[crypto][bytes]") {
    CHECK(equal_constant_time(Bytes{1, 2, 3}, Bytes{1, 2, 3}));
    CHECK_FALSE(equal_constant_time(Bytes{1, 2, 3}, Bytes{1, 2, 4}));
    CHECK_FALSE(equal_constant_time(Bytes{1, 2, 3}, Bytes{1, 2}));
}
