// Address text: the human-facing form of an account's public key.
//
// Bech32m (BIP 350) with the human-readable part "kop": "kop1" followed by the
// 32-byte key in 5-bit groups and a 6-character BCH checksum. Bech32m
// guarantees detection of any error touching up to 4 characters in a string of
// this length, so any single changed character and any swap of two characters
// is rejected rather than sending coins to a key nobody holds.
#pragma once

#include "crypto/keys.h"

#include <optional>
#include <string>
#include <string_view>

namespace kopilka {

inline constexpr std::string_view address_hrp = "kop";

std::string address_from_key(const PublicKey& key);

// Accepts the canonical lowercase form, or the same text in all uppercase (as
// QR alphanumeric mode carries it). Mixed case, a wrong prefix, a bad checksum
// or a wrong length are rejected.
std::optional<PublicKey> key_from_address(std::string_view text);

}  // namespace kopilka
