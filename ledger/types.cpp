#include "ledger/types.h"

#include "crypto/address.h"
#include "ledger/codec.h"

#include <limits>
#include <stdexcept>

namespace kopilka::ledger {

namespace {
// Version 1 has no rebind_delay_s (it is the default); version 2 appends it.
// A genesis with the default delay is always written as version 1 and a
// version 2 holding the default is refused, so each genesis has one encoding
// (and chains made before the field existed keep their chain id).
constexpr std::uint8_t genesis_version = 1;
constexpr std::uint8_t genesis_version_with_delay = 2;
constexpr std::string_view phone_account_prefix = "phone:";

void check_text(std::string& err, std::string_view value, std::size_t max_bytes, std::string_view field) {
    if (!err.empty()) return;
    if (value.size() > max_bytes)
        err = std::string(field) + " is " + std::to_string(value.size()) + " bytes; at most " +
              std::to_string(max_bytes) + " allowed";
    else
        err = display_text_error(value, field, false);
}

void require(const std::string& err) {
    if (!err.empty()) throw std::invalid_argument(err);
}
}  // namespace

bool valid_ticker(std::string_view t) {
    if (t.size() < ticker_chars_min || t.size() > ticker_chars_max) return false;
    for (char c : t)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

std::string account_text(const Account& a) {
    if (a.is_key()) return address_from_key(a.key());
    return std::string(phone_account_prefix) + to_hex(a.bytes);
}

std::optional<Account> account_from_text(std::string_view text) {
    if (text.starts_with(phone_account_prefix)) {
        const auto hex = text.substr(phone_account_prefix.size());
        // One spelling per account: lowercase hex only, as addresses are lowercase.
        if (hex.find_first_of("ABCDEF") != std::string_view::npos) return std::nullopt;
        auto raw = from_hex(hex);
        if (!raw || raw->size() != 32) return std::nullopt;
        Account a;
        a.kind = Account::Kind::phone;
        std::copy(raw->begin(), raw->end(), a.bytes.begin());
        return a;
    }
    if (auto k = key_from_address(text)) return Account::of_key(*k);
    return std::nullopt;
}

std::string_view role_name(StaffRole r) {
    switch (r) {
        case StaffRole::cashier: return "cashier";
        case StaffRole::waiter: return "waiter";
        case StaffRole::barista: return "barista";
        case StaffRole::manager: return "manager";
    }
    return "unknown";
}

std::optional<StaffRole> role_from_name(std::string_view name) {
    for (auto r : {StaffRole::cashier, StaffRole::waiter, StaffRole::barista, StaffRole::manager})
        if (role_name(r) == name) return r;
    return std::nullopt;
}

void write_account(Writer& w, const Account& a) {
    if (a.kind != Account::Kind::key && a.kind != Account::Kind::phone)
        throw std::invalid_argument("unknown account kind " + std::to_string(static_cast<int>(a.kind)));
    w.u8(static_cast<std::uint8_t>(a.kind));
    w.raw(a.bytes);
}

Account read_account(Reader& r) {
    const std::uint8_t kind = r.u8();
    if (kind != static_cast<std::uint8_t>(Account::Kind::key) && kind != static_cast<std::uint8_t>(Account::Kind::phone))
        throw DecodeError("unknown account kind " + std::to_string(kind));
    Account a;
    a.kind = static_cast<Account::Kind>(kind);
    a.bytes = r.hash();
    return a;
}

void write_ticker(Writer& w, std::string_view ticker) {
    if (!valid_ticker(ticker)) throw std::invalid_argument("invalid ticker");
    w.u8(static_cast<std::uint8_t>(ticker.size()));
    w.raw(as_bytes(ticker));
}

std::string read_ticker(Reader& r) {
    const std::size_t n = r.u8();
    if (n < ticker_chars_min || n > ticker_chars_max)
        throw DecodeError("ticker length " + std::to_string(n) + " is outside 3-10");
    ByteView b = r.raw(n);
    std::string t(reinterpret_cast<const char*>(b.data()), b.size());
    if (!valid_ticker(t)) throw DecodeError("ticker must be 3-10 characters of A-Z and 0-9");
    return t;
}

std::string check_profile(const Profile& p) {
    std::string err;
    check_text(err, p.name, venue_name_bytes_max, "venue name");
    if (err.empty() && p.name.empty()) err = "venue name is empty";
    check_text(err, p.logo_url, url_bytes_max, "logo URL");
    check_text(err, p.street_address, street_address_bytes_max, "address");
    check_text(err, p.phone, contact_phone_bytes_max, "venue phone");
    check_text(err, p.hours, opening_hours_bytes_max, "opening hours");
    if (err.empty() && p.links.size() > venue_links_count_max)
        err = "venue has " + std::to_string(p.links.size()) + " links; at most " +
              std::to_string(venue_links_count_max) + " allowed";
    for (const auto& l : p.links) {
        check_text(err, l, url_bytes_max, "link");
        if (err.empty() && l.empty()) err = "link is empty";
    }
    if (err.empty() && p.geo) {
        if (p.geo->lat_e7 < -lat_e7_max || p.geo->lat_e7 > lat_e7_max) err = "latitude is outside -90..90 degrees";
        if (p.geo->lon_e7 < -lon_e7_max || p.geo->lon_e7 > lon_e7_max) err = "longitude is outside -180..180 degrees";
    }
    return err;
}

std::string check_product(const Product& p) {
    std::string err;
    check_text(err, p.name, product_name_bytes_max, "product name");
    if (err.empty() && p.name.empty()) err = "product name is empty";
    check_text(err, p.category, product_category_bytes_max, "product category");
    check_text(err, p.image_url, url_bytes_max, "product image URL");
    if (err.empty() && p.price == 0) err = "product price must be above zero";
    if (err.empty() && p.price > coin_supply_units) err = "product price exceeds the coin's whole supply";
    return err;
}

void write_profile(Writer& w, const Profile& p) {
    require(check_profile(p));
    w.text(p.name).text(p.logo_url).text(p.street_address);
    w.boolean(p.geo.has_value());
    if (p.geo) w.i32(p.geo->lat_e7).i32(p.geo->lon_e7);
    w.text(p.phone);
    w.u8(static_cast<std::uint8_t>(p.links.size()));
    for (const auto& l : p.links) w.text(l);
    w.text(p.hours);
}

Profile read_profile(Reader& r) {
    Profile p;
    p.name = r.text(venue_name_bytes_max, "venue name");
    p.logo_url = r.text(url_bytes_max, "logo URL");
    p.street_address = r.text(street_address_bytes_max, "address");
    if (r.boolean()) {
        Geo g;
        g.lat_e7 = r.i32();
        g.lon_e7 = r.i32();
        p.geo = g;
    }
    p.phone = r.text(contact_phone_bytes_max, "venue phone");
    const std::size_t links = r.u8();
    if (links > venue_links_count_max) throw DecodeError("too many links: " + std::to_string(links));
    for (std::size_t i = 0; i < links; ++i) p.links.push_back(r.text(url_bytes_max, "link"));
    p.hours = r.text(opening_hours_bytes_max, "opening hours");
    if (auto err = check_profile(p); !err.empty()) throw DecodeError(err);
    return p;
}

void write_product(Writer& w, const Product& p) {
    require(check_product(p));
    w.u32(p.id).text(p.name).u64(p.price).text(p.category).text(p.image_url).boolean(p.active);
}

Product read_product(Reader& r) {
    Product p;
    p.id = r.u32();
    p.name = r.text(product_name_bytes_max, "product name");
    p.price = r.u64();
    p.category = r.text(product_category_bytes_max, "product category");
    p.image_url = r.text(url_bytes_max, "product image URL");
    p.active = r.boolean();
    if (auto err = check_product(p); !err.empty()) throw DecodeError(err);
    return p;
}

void write_limits(Writer& w, const StaffLimits& l) {
    w.boolean(l.per_tx.has_value());
    if (l.per_tx) w.u64(*l.per_tx);
    w.boolean(l.per_day.has_value());
    if (l.per_day) w.u64(*l.per_day);
}

StaffLimits read_limits(Reader& r) {
    StaffLimits l;
    if (r.boolean()) l.per_tx = r.u64();
    if (r.boolean()) l.per_day = r.u64();
    return l;
}

void write_role(Writer& w, StaffRole r) {
    if (role_name(r) == "unknown") throw std::invalid_argument("unknown staff role");
    w.u8(static_cast<std::uint8_t>(r));
}

StaffRole read_role(Reader& r) {
    const std::uint8_t v = r.u8();
    if (v < 1 || v > 4) throw DecodeError("unknown staff role " + std::to_string(v));
    return static_cast<StaffRole>(v);
}

Bytes encode_genesis(const Genesis& g) {
    if (g.chain_name.empty() || g.chain_name.size() > chain_name_bytes_max)
        throw std::invalid_argument("genesis: chain name must be 1-64 bytes of text");
    if (auto err = display_text_error(g.chain_name, "genesis: chain name", false); !err.empty())
        throw std::invalid_argument(err);
    if (g.attestors.size() > genesis_attestors_max) throw std::invalid_argument("genesis: too many attestors");
    if (g.rebind_delay_s > rebind_delay_s_max) throw std::invalid_argument("genesis: rebind delay over 30 days");
    const bool default_delay = g.rebind_delay_s == rebind_delay_s_default;
    Writer w;
    w.u8(default_delay ? genesis_version : genesis_version_with_delay);
    w.text(g.chain_name).u64(g.time_ms).key(g.producer);
    w.u8(static_cast<std::uint8_t>(g.attestors.size()));
    for (const auto& a : g.attestors) w.key(a);
    if (!default_delay) w.u64(g.rebind_delay_s);
    return std::move(w).take();
}

Genesis decode_genesis(ByteView bytes) {
    Reader r(bytes);
    const auto version = r.u8();
    if (version != genesis_version && version != genesis_version_with_delay)
        throw DecodeError("unknown genesis version " + std::to_string(version));
    Genesis g;
    g.chain_name = r.text(chain_name_bytes_max, "chain name");
    if (g.chain_name.empty()) throw DecodeError("chain name is empty");
    g.time_ms = r.u64();
    g.producer = r.key();
    const std::size_t n = r.u8();
    if (n > genesis_attestors_max) throw DecodeError("too many attestors: " + std::to_string(n));
    for (std::size_t i = 0; i < n; ++i) g.attestors.push_back(r.key());
    if (version == genesis_version_with_delay) {
        g.rebind_delay_s = r.u64();
        if (g.rebind_delay_s == rebind_delay_s_default)
            throw DecodeError("a version 2 genesis may not hold the default rebind delay (write version 1)");
        if (g.rebind_delay_s > rebind_delay_s_max)
            throw DecodeError("rebind delay " + std::to_string(g.rebind_delay_s) + " s is over 30 days");
    }
    r.finish();
    return g;
}

ChainId genesis_hash(const Genesis& g) { return blake2b256(encode_genesis(g)); }

std::string format_amount(Amount units) {
    std::string s = std::to_string(units / coin_minor_per_major);
    const Amount cents = units % coin_minor_per_major;
    s += '.';
    s += static_cast<char>('0' + cents / 10);
    s += static_cast<char>('0' + cents % 10);
    return s;
}

std::optional<Amount> parse_amount(std::string_view text) {
    // Digits, optionally '.' and one or two decimals. No sign, no exponent, no
    // spaces: an amount typed by a person is either exact or refused.
    if (text.empty() || text.size() > 24) return std::nullopt;
    const auto dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && (frac.empty() || frac.size() > coin_decimals)))
        return std::nullopt;
    Amount units = 0;
    auto add_digits = [&](std::string_view digits) {
        for (char c : digits) {
            if (c < '0' || c > '9') return false;
            if (units > (std::numeric_limits<Amount>::max() - static_cast<Amount>(c - '0')) / 10) return false;
            units = units * 10 + static_cast<Amount>(c - '0');
        }
        return true;
    };
    if (!add_digits(whole)) return std::nullopt;
    std::string padded(frac);
    padded.resize(coin_decimals, '0');
    if (!add_digits(padded)) return std::nullopt;
    return units;
}

}  // namespace kopilka::ledger
