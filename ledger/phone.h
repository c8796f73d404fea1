// Phone numbers: normalisation to E.164 and the phone reference the chain holds.
//
// Phone numbers never appear in blocks. The chain holds a phone reference: a
// keyed BLAKE2b-256 of the E.164 text under the operator's 32-byte secret, so a
// reader of the chain cannot test guesses without that secret.
#pragma once

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "ledger/types.h"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace kopilka::ledger {

inline constexpr std::size_t phone_secret_bytes = 32;
inline constexpr std::size_t e164_digits_max = 15;  // ITU-T E.164
inline constexpr std::size_t e164_digits_min = 8;   // shortest plausible subscriber number with country code
inline constexpr std::size_t phone_input_chars_max = 64;

// Normalises what a person typed into "+<digits>".
//  - Separators are dropped: spaces, '-', '.', '(', ')'.
//  - "+..." and "00..." are international.
//  - Otherwise the number is national, and the default country calling code
//    (e.g. "7" for Russia, "44" for the UK) is prefixed; a single national
//    trunk prefix is removed first ("8" for country 7, "0" for the others),
//    so "8 900 000-00-01" with default "7" becomes "+79000000001".
//  - Where every number has one length (7, 375, 380, 998), digits that start
//    with the default country code and have the full international length
//    are international without the '+': "7 900 000-00-01" with default "7"
//    is "+79000000001" too.
// Errors name what is wrong (empty, a letter, too short, too long).
std::expected<std::string, std::string> normalize_phone(std::string_view input,
                                                        std::string_view default_country_code);

// Keyed hash of the normalised number (domain-tagged "kopilka/phone/v1").
Hash256 phone_reference(std::string_view e164, const Hash256& operator_secret);

// The message a phone.lookup request signs under Domain::lookup (see
// docs/formats.md, "Signed phone lookup"): u64 big-endian time_ms, u8 length,
// then the phone text exactly as the request carries it (at most
// phone_input_chars_max bytes; nullopt when longer). The text as typed, not
// its E.164 form, so a client signs what it sends without knowing the node's
// default country.
std::optional<Bytes> lookup_request_bytes(std::string_view phone, std::uint64_t time_ms);

// The message a client's messages.consent request signs under
// Domain::messages (docs/formats.md, "Signed message consent"): u64
// big-endian time_ms, the phone's 32-byte reference, u8 length and the
// venue's ticker (empty: every venue), u8 receive (1: send me its messages,
// 0: stop them). nullopt for a ticker over ticker_chars_max.
std::optional<Bytes> consent_request_bytes(const PhoneRef& phone, std::string_view ticker, bool receive,
                                           std::uint64_t time_ms);

}  // namespace kopilka::ledger
