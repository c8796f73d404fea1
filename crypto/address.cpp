// Bech32m address text, written from BIP 173 (the Bech32 format and its BCH
// code) and BIP 350 (the Bech32m checksum constant).
//
// The decoder is deliberately narrower than a general Bech32m decoder: it
// accepts exactly one shape, "kop1" + 52 data characters + 6 checksum
// characters, because there is exactly one thing an address can hold.
#include "crypto/address.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace kopilka {

namespace {

// BIP 173 limits the whole text to 90 characters; beyond that the BCH code's
// error-detection guarantees no longer hold.
constexpr std::size_t bech32_text_chars_max = 90;
constexpr std::size_t checksum_chars = 6;
constexpr unsigned group_bits = 5;
constexpr unsigned byte_bits = 8;
// 256 key bits in 5-bit groups: 51 full groups and one padded with 4 zero bits.
constexpr std::size_t data_groups = (public_key_bytes * byte_bits + group_bits - 1) / group_bits;
constexpr std::size_t address_chars = address_hrp.size() + 1 + data_groups + checksum_chars;
static_assert(address_chars <= bech32_text_chars_max);
static_assert(data_groups == 52);

// BIP 350: the constant the checksum residue must equal (Bech32, BIP 173, used 1).
constexpr std::uint32_t bech32m_const = 0x2bc830a3;
constexpr char separator = '1';
constexpr std::string_view charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
static_assert(charset.size() == 32);

// Reverse of `charset` over 7-bit ASCII; -1 marks characters outside it.
constexpr std::array<std::int8_t, 128> charset_rev = [] {
    std::array<std::int8_t, 128> rev{};
    rev.fill(-1);
    for (std::size_t i = 0; i < charset.size(); ++i)
        rev[static_cast<unsigned char>(charset[i])] = static_cast<std::int8_t>(i);
    return rev;
}();

// The BCH code's generator polynomial, one step per 5-bit value (BIP 173).
constexpr std::uint32_t polymod_step(std::uint32_t chk, std::uint8_t value) {
    constexpr std::array<std::uint32_t, 5> generator = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                                        0x2a1462b3};
    const std::uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ value;
    for (std::size_t i = 0; i < generator.size(); ++i)
        if ((top >> i) & 1) chk ^= generator[i];
    return chk;
}

// Checksum state after the expanded human-readable part (BIP 173 hrp_expand:
// high bits of each character, a zero, then the low bits). The hrp is fixed,
// so this is a compile-time constant.
constexpr std::uint32_t hrp_polymod = [] {
    std::uint32_t chk = 1;
    for (char c : address_hrp) chk = polymod_step(chk, static_cast<std::uint8_t>(c >> 5));
    chk = polymod_step(chk, 0);
    for (char c : address_hrp) chk = polymod_step(chk, static_cast<std::uint8_t>(c & 31));
    return chk;
}();

using Groups = std::array<std::uint8_t, data_groups>;

// BIP 173 convertbits(key, 8, 5, pad=true).
Groups key_to_groups(const PublicKey& key) {
    Groups out{};
    std::size_t n = 0;
    std::uint32_t acc = 0;
    unsigned bits = 0;
    for (std::uint8_t b : key.bytes) {
        acc = (acc << byte_bits | b) & 0xfff;  // only the unread low bits matter
        bits += byte_bits;
        while (bits >= group_bits) {
            bits -= group_bits;
            out[n++] = static_cast<std::uint8_t>((acc >> bits) & 31);
        }
    }
    if (bits > 0) out[n++] = static_cast<std::uint8_t>((acc << (group_bits - bits)) & 31);
    return out;
}

// BIP 173 convertbits(groups, 5, 8, pad=false): the padding must be shorter
// than a group and all zero, so each key has exactly one address text.
std::optional<PublicKey> groups_to_key(const Groups& groups) {
    PublicKey key;
    std::size_t n = 0;
    std::uint32_t acc = 0;
    unsigned bits = 0;
    for (std::uint8_t g : groups) {
        acc = (acc << group_bits | g) & 0xfff;
        bits += group_bits;
        if (bits >= byte_bits) {
            bits -= byte_bits;
            key.bytes[n++] = static_cast<std::uint8_t>((acc >> bits) & 0xff);
        }
    }
    if (n != public_key_bytes || bits >= group_bits) return std::nullopt;
    if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return key;
}

}  // namespace

std::string address_from_key(const PublicKey& key) {
    const Groups groups = key_to_groups(key);

    std::uint32_t chk = hrp_polymod;
    for (std::uint8_t g : groups) chk = polymod_step(chk, g);
    for (std::size_t i = 0; i < checksum_chars; ++i) chk = polymod_step(chk, 0);
    chk ^= bech32m_const;

    std::string out;
    out.reserve(address_chars);
    out.append(address_hrp);
    out.push_back(separator);
    for (std::uint8_t g : groups) out.push_back(charset[g]);
    for (std::size_t i = 0; i < checksum_chars; ++i)
        out.push_back(charset[(chk >> (group_bits * (checksum_chars - 1 - i))) & 31]);
    return out;
}

std::optional<PublicKey> key_from_address(std::string_view text) {
    // Checked first so the rules below never look at hostile-length input.
    if (text.size() > bech32_text_chars_max) return std::nullopt;

    // BIP 173: printable US-ASCII only, and one case throughout (so that a
    // case change is never an undetected error in the hrp).
    bool has_lower = false;
    bool has_upper = false;
    for (char c : text) {
        if (c < 33 || c > 126) return std::nullopt;
        has_lower |= (c >= 'a' && c <= 'z');
        has_upper |= (c >= 'A' && c <= 'Z');
    }
    if (has_lower && has_upper) return std::nullopt;

    // Every other length is either another hrp or another payload size; both
    // are someone else's Bech32m string, never a Kopilka address.
    if (text.size() != address_chars) return std::nullopt;

    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    // The separator is the last '1'; the charset has no '1', so in a string of
    // the right length it must sit right after our hrp.
    for (std::size_t i = 0; i < address_hrp.size(); ++i)
        if (lower(text[i]) != address_hrp[i]) return std::nullopt;
    if (text[address_hrp.size()] != separator) return std::nullopt;

    const std::string_view payload = text.substr(address_hrp.size() + 1);
    Groups groups{};
    std::uint32_t chk = hrp_polymod;
    for (std::size_t i = 0; i < payload.size(); ++i) {
        const std::int8_t v = charset_rev[static_cast<unsigned char>(lower(payload[i]))];
        if (v < 0) return std::nullopt;
        const auto value = static_cast<std::uint8_t>(v);
        chk = polymod_step(chk, value);
        if (i < data_groups) groups[i] = value;
    }
    if (chk != bech32m_const) return std::nullopt;

    return groups_to_key(groups);
}

}  // namespace kopilka
