#include "ledger/phone.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

namespace kopilka::ledger {

namespace {

// The operator secret is the BLAKE2b key; a Hash256 is exactly the size we ask
// operators to generate.
static_assert(phone_secret_bytes == hash_bytes);

// Domain tag of the phone reference. Bumping the version changes every
// reference, so it must only change together with a migration.
constexpr std::string_view phone_reference_tag = "kopilka/phone/v1";
// Separates the tag from the number; neither may contain it (see phone_reference).
constexpr std::uint8_t phone_reference_separator = 0x00;

// ITU-T E.164: a country calling code is 1 to 3 digits and never starts with 0.
constexpr std::size_t country_code_digits_min = 1;
constexpr std::size_t country_code_digits_max = 3;

// How a person dials abroad from most countries ("00 44 ..."), as an
// alternative to "+".
constexpr std::string_view international_prefix = "00";

// The national trunk prefix dropped before prefixing the country code: Russia
// and Kazakhstan (country code 7) dial "8", most of the rest of the world "0".
constexpr std::string_view russia_country_code = "7";
constexpr char russia_trunk_prefix = '8';
constexpr char default_trunk_prefix = '0';

// Countries whose numbers all have one length, with the country code
// (E.164 digits). There, a number typed without '+' that starts with the
// country code and has exactly this length is international: a cashier
// typing "7 900 000-00-01" means +7 900 000-00-01, not +7 7900 000-00-01
// (which would be a different, wrong phone reference).
struct FixedLength {
    std::string_view country_code;
    std::size_t e164_digits;
};
constexpr std::array<FixedLength, 4> fixed_length_countries = {{
    {"7", 11},    // Russia, Kazakhstan: 10 national digits
    {"375", 12},  // Belarus: 9
    {"380", 12},  // Ukraine: 9
    {"998", 12},  // Uzbekistan: 9
}};

bool is_international_without_plus(std::string_view digits, std::string_view country_code) {
    for (const auto& c : fixed_length_countries)
        if (c.country_code == country_code)
            return digits.size() == c.e164_digits && digits.starts_with(country_code);
    return false;
}

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_separator(char c) { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')'; }
bool is_ascii_printable(char c) { return c >= 0x20 && c < 0x7f; }

// Quotes a character for an error message; bytes that would not show (control
// characters, parts of a UTF-8 sequence) are given as hex so the message stays
// one readable ASCII line.
std::string describe_char(char c) {
    if (is_ascii_printable(c)) return std::string("'") + c + "'";
    char buf[sizeof "byte 0xff"];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
    return buf;
}

std::expected<void, std::string> check_country_code(std::string_view code) {
    if (code.size() < country_code_digits_min || code.size() > country_code_digits_max)
        return std::unexpected("default country code must be 1 to 3 digits (e.g. \"7\" or \"44\"), got \"" +
                               std::string(code) + "\"");
    for (char c : code)
        if (!is_ascii_digit(c))
            return std::unexpected("default country code must be digits only (e.g. \"7\" or \"44\"), got \"" +
                                   std::string(code) + "\"");
    if (code.front() == '0')
        return std::unexpected("default country code cannot start with 0, got \"" + std::string(code) + "\"");
    return {};
}

}  // namespace

std::expected<std::string, std::string> normalize_phone(std::string_view input,
                                                        std::string_view default_country_code) {
    // The country code is the caller's configuration, not the person's input;
    // check it first so a misconfigured operator sees it on the first number.
    if (auto ok = check_country_code(default_country_code); !ok) return std::unexpected(ok.error());

    // Bounded before anything else looks at the text, so the cost of a call and
    // the size of every message below are bounded too.
    if (input.size() > phone_input_chars_max)
        return std::unexpected("phone number is too long to read: " + std::to_string(input.size()) +
                               " characters, at most " + std::to_string(phone_input_chars_max));

    std::string digits;
    digits.reserve(input.size());
    bool plus = false;
    for (char c : input) {
        if (is_ascii_digit(c)) {
            digits.push_back(c);
        } else if (is_separator(c)) {
            continue;
        } else if (c == '+') {
            // Only as the international mark in front; "(+7) 900" is fine, "7+900" is not.
            if (plus || !digits.empty())
                return std::unexpected(std::string("phone number has a '+' that is not at the start; "
                                                   "'+' may only come before the country code"));
            plus = true;
        } else if (is_ascii_letter(c)) {
            return std::unexpected("phone number contains a letter: " + describe_char(c));
        } else {
            return std::unexpected("phone number contains an unexpected character: " + describe_char(c) +
                                   "; use digits, spaces, '-', '.', '(', ')' and a leading '+'");
        }
    }

    if (digits.empty()) {
        if (plus) return std::unexpected(std::string("phone number has no digits after '+'"));
        return std::unexpected(std::string("phone number is empty"));
    }

    // Digits of the full international number: country code then national number.
    std::string international;
    if (plus) {
        international = std::move(digits);
    } else if (digits.starts_with(international_prefix)) {
        international = digits.substr(international_prefix.size());
    } else if (is_international_without_plus(digits, default_country_code)) {
        international = std::move(digits);
    } else {
        const char trunk =
            default_country_code == russia_country_code ? russia_trunk_prefix : default_trunk_prefix;
        std::string_view national = digits;
        if (national.front() == trunk) national.remove_prefix(1);
        international.reserve(default_country_code.size() + national.size());
        international.append(default_country_code).append(national);
    }

    if (!international.empty() && international.front() == '0')
        return std::unexpected(std::string("phone number's country code cannot start with 0; "
                                           "after '+' or '00' comes the country code, e.g. +7 or 0044"));
    if (international.size() < e164_digits_min)
        return std::unexpected("phone number is too short: " + std::to_string(international.size()) +
                               " digits with the country code, at least " + std::to_string(e164_digits_min));
    if (international.size() > e164_digits_max)
        return std::unexpected("phone number is too long: " + std::to_string(international.size()) +
                               " digits with the country code, at most " + std::to_string(e164_digits_max));

    return "+" + international;
}

Hash256 phone_reference(std::string_view e164, const Hash256& operator_secret) {
    // The keyed message is, byte for byte:
    //
    //     "kopilka/phone/v1"  (16 ASCII bytes, the domain tag, no length prefix)
    //     0x00                (1 byte)
    //     e164                (the ASCII text "+<digits>" from normalize_phone)
    //
    // and the key is the 32-byte operator secret: BLAKE2b-256 keyed mode, as
    // hashlib.blake2b(msg, digest_size=32, key=secret) computes it. The tag
    // lets the same secret key other hashes without a collision between them;
    // the 0x00 ends the tag unambiguously, as neither the tag nor E.164 text
    // contain one. Callers pass normalize_phone's output: any other spelling of
    // the same number gives a different reference.
    Bytes message;
    message.reserve(phone_reference_tag.size() + 1 + e164.size());
    const ByteView tag = as_bytes(phone_reference_tag);
    const ByteView number = as_bytes(e164);
    message.insert(message.end(), tag.begin(), tag.end());
    message.push_back(phone_reference_separator);
    message.insert(message.end(), number.begin(), number.end());
    return blake2b256_keyed(operator_secret, message);
}

std::optional<Bytes> lookup_request_bytes(std::string_view phone, std::uint64_t time_ms) {
    if (phone.size() > phone_input_chars_max) return std::nullopt;
    static_assert(phone_input_chars_max <= 0xff, "the length is one byte");
    Bytes out;
    out.reserve(8 + 1 + phone.size());
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(time_ms >> shift));
    out.push_back(static_cast<std::uint8_t>(phone.size()));
    out.insert(out.end(), phone.begin(), phone.end());
    return out;
}

std::optional<Bytes> consent_request_bytes(const PhoneRef& phone, std::string_view ticker, bool receive,
                                           std::uint64_t time_ms) {
    if (ticker.size() > ticker_chars_max) return std::nullopt;
    static_assert(ticker_chars_max <= 0xff, "the length is one byte");
    Bytes out;
    out.reserve(8 + phone.size() + 1 + ticker.size() + 1);
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(time_ms >> shift));
    out.insert(out.end(), phone.begin(), phone.end());
    out.push_back(static_cast<std::uint8_t>(ticker.size()));
    out.insert(out.end(), ticker.begin(), ticker.end());
    out.push_back(receive ? 1 : 0);
    return out;
}

}  // namespace kopilka::ledger
