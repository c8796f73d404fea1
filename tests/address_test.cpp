// Address text: the form in which people copy, print and scan account keys.
// The property that matters is that a mistyped address is refused, never
// decoded to some other key.
#include "crypto/address.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <vector>

using namespace kopilka;

namespace {

constexpr std::string_view charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::size_t address_chars = 62;  // "kop" + "1" + 52 data + 6 checksum

PublicKey key_from_hex(std::string_view hex) {
    const auto bytes = from_hex(hex);
    REQUIRE(bytes);
    REQUIRE(bytes->size() == public_key_bytes);
    PublicKey key;
    std::copy(bytes->begin(), bytes->end(), key.bytes.begin());
    return key;
}

unsigned test_seed() { return Catch::rngSeed() != 0 ? Catch::rngSeed() : std::random_device{}(); }

PublicKey random_key(std::mt19937_64& rng) {
    PublicKey key;
    for (auto& b : key.bytes) b = static_cast<std::uint8_t>(rng());
    return key;
}

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// Golden vectors. Produced by a throwaway Python implementation of the BIP 173
// / BIP 350 reference code (polymod, hrp_expand, convertbits, Bech32m constant
// 0x2bc830a3), written independently of crypto/address.cpp and first checked
// against BIP 350's own valid and invalid test strings. For example:
//     encode("kop", convertbits(bytes.fromhex(key), 8, 5))
struct Golden {
    std::string_view key_hex;
    std::string_view address;
};
constexpr Golden golden[] = {
    // The Ed25519 public key of the all-zero seed.
    {"3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29",
     "kop18d4z00xwk6jz6c4r4rgz5mcdwdjny9thrh3y8f36cpy2rz6emg5s7alupr"},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "kop1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq82mhft"},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "kop1llllllllllllllllllllllllllllllllllllllllllllllllllls95cxqu"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "kop1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0sw7s4fj"},
};

// Well-formed Bech32m (or, last, Bech32) strings from the same script that are
// nevertheless not Kopilka addresses.
constexpr std::string_view valid_bech32m_but_not_an_address[] = {
    // 31-byte payload
    "kop1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq8l50rd",
    // 33-byte payload
    "kop1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq9nzmta",
    // hrp "kap"
    "kap1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqfxtywj",
    // 32 zero bytes, but a padding bit set in the last data group
    "kop1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqp6u0z5e",
    // 32 zero bytes with a Bech32 (BIP 173) checksum instead of Bech32m
    "kop1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqjktmvf",
};

// Addresses the exhaustive mutation tests walk over: the golden ones and a
// few random ones.
std::vector<std::string> sample_addresses(unsigned seed) {
    std::vector<std::string> out;
    for (const Golden& g : golden) out.emplace_back(g.address);
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 4; ++i) out.push_back(address_from_key(random_key(rng)));
    return out;
}

}  // namespace

TEST_CASE("addresses match independently computed golden vectors", "[address]") {
    for (const Golden& g : golden) {
        CAPTURE(g.address);
        const PublicKey key = key_from_hex(g.key_hex);
        CHECK(address_from_key(key) == g.address);
        CHECK(key_from_address(g.address) == key);
    }
    // Ties the first vector to the real key derivation, not just to hex.
    CHECK(address_from_key(KeyPair::from_seed(Bytes(seed_bytes, 0)).public_key()) == golden[0].address);
}

TEST_CASE("addresses round trip for random keys", "[address]") {
    const unsigned seed = test_seed();
    INFO("rng seed " << seed << " (replay with --rng-seed " << seed << ")");
    std::mt19937_64 rng(seed);
    constexpr int keys = 2000;
    for (int i = 0; i < keys; ++i) {
        const PublicKey key = random_key(rng);
        const std::string text = address_from_key(key);
        REQUIRE(text.size() == address_chars);
        REQUIRE(text.starts_with("kop1"));
        REQUIRE(std::none_of(text.begin(), text.end(),
                             [](char c) { return std::isupper(static_cast<unsigned char>(c)); }));
        REQUIRE(key_from_address(text) == key);
        REQUIRE(key_from_address(upper(text)) == key);
    }
}

TEST_CASE("every single-character substitution is refused", "[address]") {
    const unsigned seed = test_seed();
    INFO("rng seed " << seed << " (replay with --rng-seed " << seed << ")");
    for (const std::string& address : sample_addresses(seed)) {
        CAPTURE(address);
        REQUIRE(key_from_address(address));
        // Every position (hrp, separator, data, checksum) and every printable
        // ASCII replacement: charset characters exercise the checksum, the
        // rest exercise the character and case checks.
        for (std::size_t i = 0; i < address.size(); ++i) {
            for (char c = 33; c <= 126; ++c) {
                if (c == address[i]) continue;
                std::string altered = address;
                altered[i] = c;
                if (key_from_address(altered)) FAIL("accepted " << altered);
            }
        }
    }
}

TEST_CASE("every adjacent transposition is refused", "[address]") {
    const unsigned seed = test_seed();
    INFO("rng seed " << seed << " (replay with --rng-seed " << seed << ")");
    for (const std::string& address : sample_addresses(seed)) {
        CAPTURE(address);
        for (std::size_t i = 0; i + 1 < address.size(); ++i) {
            if (address[i] == address[i + 1]) continue;  // swapping equal characters changes nothing
            std::string altered = address;
            std::swap(altered[i], altered[i + 1]);
            if (key_from_address(altered)) FAIL("accepted " << altered);
        }
    }
}

TEST_CASE("every dropped, inserted or doubled character is refused", "[address]") {
    const unsigned seed = test_seed();
    INFO("rng seed " << seed << " (replay with --rng-seed " << seed << ")");
    for (const std::string& address : sample_addresses(seed)) {
        CAPTURE(address);
        for (std::size_t i = 0; i < address.size(); ++i) {
            std::string dropped = address;
            dropped.erase(i, 1);
            if (key_from_address(dropped)) FAIL("accepted " << dropped);
            for (char c : charset) {
                std::string inserted = address;
                inserted.insert(i, 1, c);
                if (key_from_address(inserted)) FAIL("accepted " << inserted);
            }
        }
        for (std::size_t n = 0; n < address.size(); ++n)
            if (key_from_address(address.substr(0, n))) FAIL("accepted prefix of length " << n);
        for (char c : charset)
            if (key_from_address(address + c)) FAIL("accepted " << address << c);
    }
}

TEST_CASE("case: all-lowercase or all-uppercase, never mixed", "[address]") {
    const std::string address(golden[0].address);
    const PublicKey key = key_from_hex(golden[0].key_hex);
    CHECK(key_from_address(upper(address)) == key);
    for (std::size_t i = 0; i < address.size(); ++i) {
        if (!std::isalpha(static_cast<unsigned char>(address[i]))) continue;
        std::string mixed = address;
        mixed[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[i])));
        CAPTURE(mixed);
        CHECK_FALSE(key_from_address(mixed));
        std::string mostly_upper = upper(address);
        mostly_upper[i] = address[i];
        CAPTURE(mostly_upper);
        CHECK_FALSE(key_from_address(mostly_upper));
    }
}

TEST_CASE("well-formed Bech32m strings that are not addresses are refused", "[address]") {
    for (std::string_view text : valid_bech32m_but_not_an_address) {
        CAPTURE(text);
        CHECK_FALSE(key_from_address(text));
        CHECK_FALSE(key_from_address(upper(std::string(text))));
    }
}

TEST_CASE("hostile and degenerate text is refused", "[address]") {
    const std::string address(golden[1].address);
    CHECK_FALSE(key_from_address(""));
    CHECK_FALSE(key_from_address("kop1"));
    CHECK_FALSE(key_from_address("1"));
    CHECK_FALSE(key_from_address(" " + address));
    CHECK_FALSE(key_from_address(address + " "));
    CHECK_FALSE(key_from_address(address + "\n"));
    CHECK_FALSE(key_from_address(std::string(address).insert(10, 1, '\0')));
    CHECK_FALSE(key_from_address(std::string(address).replace(10, 1, "\xc3\xa9")));  // é in UTF-8
    CHECK_FALSE(key_from_address("bc1" + address.substr(4)));
    CHECK_FALSE(key_from_address(address.substr(4)));  // data part without the hrp
    // Longer than BIP 173's 90 characters: refused whatever it contains.
    CHECK_FALSE(key_from_address(address + std::string(29, 'q')));
    CHECK_FALSE(key_from_address(std::string(1 << 20, 'q')));
}
