// The canonical binary encoding: one byte string per object.
//
// Integers are fixed-width big-endian. Text is a u16 length then UTF-8 bytes
// (valid UTF-8, no control characters, never longer than the field's limit).
// Booleans and presence flags are one byte, 0 or 1. A decoder accepts exactly
// the bytes an encoder produces: truncation, trailing bytes, unknown kinds,
// over-long fields, bad flags and invalid UTF-8 are errors, so every object has
// one and only one encoding and its hash is its identity.
#pragma once

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

#include <cstdint>
#include <expected>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kopilka::ledger {

// Thrown by Reader and by field validation inside decoders; the public
// decode_* functions catch it and return a typed error, so it never leaves
// the ledger library.
struct DecodeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Writer {
public:
    Writer& u8(std::uint8_t v);
    Writer& u16(std::uint16_t v);
    Writer& u32(std::uint32_t v);
    Writer& u64(std::uint64_t v);
    Writer& i32(std::int32_t v);
    Writer& boolean(bool v) { return u8(v ? 1 : 0); }
    Writer& raw(ByteView v);
    Writer& hash(const Hash256& h) { return raw(h); }
    Writer& key(const PublicKey& k) { return raw(k.view()); }
    Writer& signature(const Signature& s) { return raw(s.view()); }
    // u16 length + bytes; the caller has validated the text against its limit.
    Writer& text(std::string_view s);
    Writer& blob(ByteView v);  // u32 length + bytes

    const Bytes& bytes() const& { return out_; }
    Bytes take() && { return std::move(out_); }

private:
    Bytes out_;
};

class Reader {
public:
    explicit Reader(ByteView in) : in_(in) {}
    std::uint8_t u8();
    std::uint16_t u16();
    std::uint32_t u32();
    std::uint64_t u64();
    std::int32_t i32();
    bool boolean();  // only 0 or 1
    Hash256 hash();
    PublicKey key();
    Signature signature();
    // Text of at most max_bytes bytes: valid UTF-8 without control characters.
    std::string text(std::size_t max_bytes, std::string_view field);
    Bytes blob(std::size_t max_bytes, std::string_view field);
    ByteView raw(std::size_t n);

    std::size_t remaining() const { return in_.size() - pos_; }
    std::size_t position() const { return pos_; }
    // Every decoder ends here: trailing bytes are an error.
    void finish() const;

private:
    void need(std::size_t n) const;
    ByteView in_;
    std::size_t pos_ = 0;
};

// Decodes exactly `bytes` with `read` (Reader& -> T, throwing DecodeError):
// trailing bytes are an error, and an error reads "malformed <what>: ...".
template <class Read>
auto decode_exact(ByteView bytes, std::string_view what, Read&& read)
    -> std::expected<decltype(read(std::declval<Reader&>())), std::string> {
    try {
        Reader r(bytes);
        auto value = read(r);
        r.finish();
        return value;
    } catch (const DecodeError& e) {
        return std::unexpected("malformed " + std::string(what) + ": " + e.what());
    }
}

// UTF-8 per RFC 3629 (no overlongs, no surrogates, at most U+10FFFF), no C0
// or C1 control characters or DEL, and no hidden format character (below):
// text that is shown to people.
bool valid_display_text(std::string_view s);

// The hidden-format rule: code points that are not seen themselves but change
// how the text around them is shown, so a name or memo could read as
// something it is not (Trojan Source, CVE-2021-42574; a "U Volodi" that is
// another venue's name with a zero-width space in it). Bidi embeddings,
// overrides and isolates (U+202A-U+202E, U+2066-U+2069), the bidi marks
// (U+200E, U+200F, U+061C), and zero-width characters (U+200B-U+200D,
// U+2060, U+FEFF).
bool hidden_format_char(std::uint32_t code_point);

// Why `s` is not display text, naming `field` ("memo holds U+202E, a hidden
// bidi control ..."), or empty when it is. `decoding` picks the decoder's
// wording for bytes that are not UTF-8 or hold controls ("is not valid UTF-8
// text") over the encoder's ("must be UTF-8 text without control characters").
std::string display_text_error(std::string_view s, std::string_view field, bool decoding);

}  // namespace kopilka::ledger
