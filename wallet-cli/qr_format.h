// The voucher QR payload: the text a client's screen shows and a staff
// scanner types into a terminal. docs/qr.md describes it byte by byte;
// tests/vectors/qr.json holds golden vectors.
//
//     "KV1:" || base41(body)
//
// The body is a compact form of the canonical voucher (ledger::encode_voucher,
// 166 bytes for a 7-letter ticker): the version lives in the prefix, small
// integers are LEB128 varints, and the signer's key is left out because the
// ledger already fixes it — a key account's voucher must be signed by that
// key, and a phone account's by the key bound to the phone on chain. That
// brings a voucher to 120 bytes, 184 characters.
//
// base41 is base45 (RFC 9285) over the 41 characters of QR alphanumeric mode
// that a shell leaves alone (no space, '$', '%' or '*'), so the text encodes
// in the QR's dense alphanumeric mode and a scanner can type it into a command
// line unquoted.
#pragma once

#include "ledger/tx.h"

#include <expected>
#include <string>
#include <string_view>

namespace kopilka::wallet {

inline constexpr std::string_view voucher_qr_prefix = "KV1:";
// Longer text is refused before any decoding: the largest body (every varint
// at its widest) is 141 bytes, 216 characters with the prefix.
inline constexpr std::size_t voucher_qr_chars_max = 256;
inline constexpr std::string_view base41_alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+-./:";

std::string base41_encode(ByteView data);
// Strict: only the alphabet, no length of 3k+1, no group above its range.
std::expected<Bytes, std::string> base41_decode(std::string_view text);

// The body's first byte: whose key signed the voucher.
enum class VoucherForm : std::uint8_t {
    key_client = 1,    // the client is a key account and signed it
    phone_client = 2,  // the client is a phone reference; the signer is the key bound to it on chain
};

// Fails for a voucher no ledger would accept the signer of (a key account
// signed by another key) or a ticker that is not a ticker.
std::expected<std::string, std::string> encode_voucher_qr(const ledger::Voucher& v);

struct DecodedVoucherQr {
    ledger::Voucher voucher;  // for phone_client, signer is unset until resolved
    VoucherForm form = VoucherForm::key_client;
    bool signer_known() const { return form == VoucherForm::key_client; }
};
// Strict: exactly what encode_voucher_qr produces, or a message naming the
// problem. Whitespace is not trimmed here (the caller trims scanner input).
std::expected<DecodedVoucherQr, std::string> decode_voucher_qr(std::string_view text);

}  // namespace kopilka::wallet
