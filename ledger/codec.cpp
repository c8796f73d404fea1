#include "ledger/codec.h"

#include <limits>

namespace kopilka::ledger {

Writer& Writer::u8(std::uint8_t v) {
    out_.push_back(v);
    return *this;
}
Writer& Writer::u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
    return *this;
}
Writer& Writer::u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
    return *this;
}
Writer& Writer::u64(std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
    return *this;
}
Writer& Writer::i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
Writer& Writer::raw(ByteView v) {
    out_.insert(out_.end(), v.begin(), v.end());
    return *this;
}
Writer& Writer::text(std::string_view s) {
    if (s.size() > std::numeric_limits<std::uint16_t>::max()) throw std::length_error("Writer::text: too long");
    u16(static_cast<std::uint16_t>(s.size()));
    return raw(as_bytes(s));
}
Writer& Writer::blob(ByteView v) {
    if (v.size() > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("Writer::blob: too long");
    u32(static_cast<std::uint32_t>(v.size()));
    return raw(v);
}

void Reader::need(std::size_t n) const {
    if (remaining() < n) throw DecodeError("truncated: needed " + std::to_string(n) + " more bytes at offset " +
                                           std::to_string(pos_) + ", have " + std::to_string(remaining()));
}

ByteView Reader::raw(std::size_t n) {
    need(n);
    ByteView v = in_.subspan(pos_, n);
    pos_ += n;
    return v;
}

std::uint8_t Reader::u8() { return raw(1)[0]; }
std::uint16_t Reader::u16() {
    ByteView b = raw(2);
    return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}
std::uint32_t Reader::u32() {
    ByteView b = raw(4);
    std::uint32_t v = 0;
    for (std::uint8_t x : b) v = v << 8 | x;
    return v;
}
std::uint64_t Reader::u64() {
    ByteView b = raw(8);
    std::uint64_t v = 0;
    for (std::uint8_t x : b) v = v << 8 | x;
    return v;
}
std::int32_t Reader::i32() { return static_cast<std::int32_t>(u32()); }

bool Reader::boolean() {
    const std::size_t at = pos_;
    const std::uint8_t v = u8();
    if (v > 1) throw DecodeError("non-canonical boolean " + std::to_string(v) + " at offset " + std::to_string(at));
    return v == 1;
}

Hash256 Reader::hash() {
    Hash256 h;
    ByteView b = raw(h.size());
    std::copy(b.begin(), b.end(), h.begin());
    return h;
}
PublicKey Reader::key() {
    PublicKey k;
    ByteView b = raw(k.bytes.size());
    std::copy(b.begin(), b.end(), k.bytes.begin());
    return k;
}
Signature Reader::signature() {
    Signature s;
    ByteView b = raw(s.bytes.size());
    std::copy(b.begin(), b.end(), s.bytes.begin());
    return s;
}

std::string Reader::text(std::size_t max_bytes, std::string_view field) {
    const std::size_t n = u16();
    if (n > max_bytes)
        throw DecodeError(std::string(field) + " is " + std::to_string(n) + " bytes; at most " +
                          std::to_string(max_bytes) + " allowed");
    ByteView b = raw(n);
    std::string s(reinterpret_cast<const char*>(b.data()), b.size());
    if (auto err = display_text_error(s, field, true); !err.empty()) throw DecodeError(err);
    return s;
}

Bytes Reader::blob(std::size_t max_bytes, std::string_view field) {
    const std::size_t n = u32();
    if (n > max_bytes)
        throw DecodeError(std::string(field) + " is " + std::to_string(n) + " bytes; at most " +
                          std::to_string(max_bytes) + " allowed");
    ByteView b = raw(n);
    return Bytes(b.begin(), b.end());
}

void Reader::finish() const {
    if (remaining() != 0) throw DecodeError(std::to_string(remaining()) + " trailing bytes after the object");
}

namespace {

enum class TextFault { none, not_utf8, control, hidden };

struct TextCheck {
    TextFault fault = TextFault::none;
    std::uint32_t code_point = 0;  // the hidden character, for TextFault::hidden
};

TextCheck check_display_text(std::string_view s) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::uint32_t cp;
        std::size_t len;
        if (c < 0x80) {
            cp = c;
            len = 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            len = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            len = 3;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            len = 4;
        } else {
            return {TextFault::not_utf8};
        }
        if (i + len > n) return {TextFault::not_utf8};
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return {TextFault::not_utf8};
            cp = cp << 6 | (cc & 0x3F);
        }
        // Overlong forms, surrogates and out-of-range code points would give one
        // text two encodings or none.
        static constexpr std::uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {TextFault::not_utf8};
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) return {TextFault::control};
        if (hidden_format_char(cp)) return {TextFault::hidden, cp};
        i += len;
    }
    return {};
}

std::string code_point_name(std::uint32_t cp) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string hex;
    for (int shift = cp > 0xFFFF ? 20 : 12; shift >= 0; shift -= 4) hex += digits[(cp >> shift) & 0xF];
    return "U+" + hex;
}

}  // namespace

bool hidden_format_char(std::uint32_t cp) {
    return (cp >= 0x202A && cp <= 0x202E) ||  // LRE, RLE, PDF, LRO, RLO
           (cp >= 0x2066 && cp <= 0x2069) ||  // LRI, RLI, FSI, PDI
           cp == 0x200E || cp == 0x200F ||    // LRM, RLM
           cp == 0x061C ||                    // ARABIC LETTER MARK
           (cp >= 0x200B && cp <= 0x200D) ||  // ZERO WIDTH SPACE, NON-JOINER, JOINER
           cp == 0x2060 ||                    // WORD JOINER
           cp == 0xFEFF;                      // ZERO WIDTH NO-BREAK SPACE (BOM)
}

bool valid_display_text(std::string_view s) { return check_display_text(s).fault == TextFault::none; }

std::string display_text_error(std::string_view s, std::string_view field, bool decoding) {
    const TextCheck c = check_display_text(s);
    switch (c.fault) {
        case TextFault::none: return {};
        case TextFault::not_utf8:
        case TextFault::control:
            return std::string(field) +
                   (decoding ? " is not valid UTF-8 text" : " must be UTF-8 text without control characters");
        case TextFault::hidden:
            return std::string(field) + " holds " + code_point_name(c.code_point) +
                   ", an invisible direction or zero-width character that can disguise text; remove it";
    }
    return std::string(field) + " is not valid text";
}

}  // namespace kopilka::ledger
