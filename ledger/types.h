// The ledger's vocabulary: amounts, accounts, venues, products, staff, and the
// limits that bound every field.
#pragma once

#include "crypto/hash.h"
#include "crypto/keys.h"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kopilka::ledger {

class Writer;
class Reader;

// Money is an unsigned count of minor units; a coin has 2 decimals.
using Amount = std::uint64_t;
inline constexpr unsigned coin_decimals = 2;
inline constexpr Amount coin_minor_per_major = 100;
// Every venue's coin: 1,000,000.00 minted once to the owner at creation.
inline constexpr Amount coin_supply_units = 100'000'000;

// Limits on every field, so a hostile or careless writer cannot bloat a block.
inline constexpr std::size_t ticker_chars_min = 3;
inline constexpr std::size_t ticker_chars_max = 10;
inline constexpr std::size_t venue_name_bytes_max = 64;
inline constexpr std::size_t url_bytes_max = 256;
inline constexpr std::size_t street_address_bytes_max = 200;
inline constexpr std::size_t contact_phone_bytes_max = 32;
inline constexpr std::size_t venue_links_count_max = 8;
inline constexpr std::size_t opening_hours_bytes_max = 200;
inline constexpr std::size_t product_name_bytes_max = 64;
inline constexpr std::size_t product_category_bytes_max = 32;
inline constexpr std::size_t catalogue_products_max = 256;
inline constexpr std::size_t venue_staff_max = 256;
inline constexpr std::size_t memo_bytes_max = 140;
inline constexpr std::size_t chain_name_bytes_max = 64;
inline constexpr std::size_t genesis_attestors_max = 16;
// A transaction's expiry may be at most this far after the block time.
inline constexpr std::uint64_t tx_expiry_ahead_s_max = 24 * 60 * 60;
// A voucher (QR) lives minutes; a day is the hard ceiling.
inline constexpr std::uint64_t voucher_expiry_ahead_s_max = 24 * 60 * 60;
// An attestation is used right after the SMS code is confirmed.
inline constexpr std::uint64_t attestation_expiry_ahead_s_max = 60 * 60;
// A staff acceptance is signed by the new staff member and handed to the
// owner, who submits it soon after; a day is the ceiling.
inline constexpr std::uint64_t staff_acceptance_expiry_ahead_s_max = 24 * 60 * 60;
// How long a re-bind of an already claimed phone waits before it can take
// effect, so the bound key can see it and cancel it. The genesis sets it.
inline constexpr std::uint64_t rebind_delay_s_default = 72 * 60 * 60;
inline constexpr std::uint64_t rebind_delay_s_max = 30 * 24 * 60 * 60;
inline constexpr std::uint64_t ms_per_day = 24ull * 60 * 60 * 1000;

// 3-10 characters of A-Z and 0-9.
bool valid_ticker(std::string_view ticker);

using PhoneRef = Hash256;

// Who can hold coins: a key, or a phone reference that a key may later claim.
struct Account {
    enum class Kind : std::uint8_t { key = 1, phone = 2 };
    Kind kind = Kind::key;
    std::array<std::uint8_t, 32> bytes{};

    static Account of_key(const PublicKey& k) {
        Account a;
        a.kind = Kind::key;
        a.bytes = k.bytes;
        return a;
    }
    static Account of_phone(const PhoneRef& r) {
        Account a;
        a.kind = Kind::phone;
        a.bytes = r;
        return a;
    }
    bool is_key() const { return kind == Kind::key; }
    PublicKey key() const { return PublicKey{bytes}; }
    PhoneRef phone() const { return bytes; }
    auto operator<=>(const Account&) const = default;
};
// Text form: an address ("kop1...") for keys, "phone:<hex>" for references.
std::string account_text(const Account& a);
std::optional<Account> account_from_text(std::string_view text);

// Latitude and longitude in units of 1e-7 degree: integers, never floats.
struct Geo {
    std::int32_t lat_e7 = 0;
    std::int32_t lon_e7 = 0;
    auto operator<=>(const Geo&) const = default;
};
inline constexpr std::int32_t lat_e7_max = 900'000'000;
inline constexpr std::int32_t lon_e7_max = 1'800'000'000;

// What clients see about a venue. Empty text means "not given".
struct Profile {
    std::string name;
    std::string logo_url;
    std::string street_address;
    std::optional<Geo> geo;
    std::string phone;
    std::vector<std::string> links;
    std::string hours;
    bool operator==(const Profile&) const = default;
};

// A reward in the catalogue, priced in the venue's coin.
struct Product {
    std::uint32_t id = 0;
    std::string name;
    Amount price = 0;
    std::string category;   // empty: none
    std::string image_url;  // empty: none
    bool active = true;
    bool operator==(const Product&) const = default;
};

enum class StaffRole : std::uint8_t { cashier = 1, waiter = 2, barista = 3, manager = 4 };
std::string_view role_name(StaffRole r);
std::optional<StaffRole> role_from_name(std::string_view name);

struct StaffLimits {
    std::optional<Amount> per_tx;   // most one transfer may give
    std::optional<Amount> per_day;  // most given per UTC day (block time)
    bool operator==(const StaffLimits&) const = default;
};

struct Genesis {
    std::string chain_name;
    std::uint64_t time_ms = 0;
    PublicKey producer;
    std::vector<PublicKey> attestors;  // keys allowed to vouch for phone bindings
    // Wait between a re-bind of a claimed phone and its taking effect.
    std::uint64_t rebind_delay_s = rebind_delay_s_default;
    bool operator==(const Genesis&) const = default;
};

// Field encoders shared by transactions, state records and blocks. They
// validate on the way in and out (throwing DecodeError on decode; writing
// invalid values is a programming error and throws std::invalid_argument).
void write_account(Writer& w, const Account& a);
Account read_account(Reader& r);
void write_ticker(Writer& w, std::string_view ticker);
std::string read_ticker(Reader& r);
void write_profile(Writer& w, const Profile& p);
Profile read_profile(Reader& r);
void write_product(Writer& w, const Product& p);
Product read_product(Reader& r);
void write_limits(Writer& w, const StaffLimits& l);
StaffLimits read_limits(Reader& r);
void write_role(Writer& w, StaffRole r);
StaffRole read_role(Reader& r);

// Checks every length, charset and range a profile or product must satisfy;
// returns a message naming the field, or empty when valid.
std::string check_profile(const Profile& p);
std::string check_product(const Product& p);

Bytes encode_genesis(const Genesis& g);
Genesis decode_genesis(ByteView bytes);  // throws DecodeError
// The chain id: the genesis block's hash.
ChainId genesis_hash(const Genesis& g);

// "12.34" from 1234 minor units; the reverse, strict (at most 2 decimals).
std::string format_amount(Amount units);
std::optional<Amount> parse_amount(std::string_view text);

}  // namespace kopilka::ledger
