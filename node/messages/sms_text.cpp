#include "node/messages/sms_text.h"

#include <algorithm>
#include <array>
#include <vector>

namespace kopilka::node {

namespace {

// GSM 03.38's default alphabet, as Unicode code points (one septet each).
constexpr std::array<char32_t, 128 - 1> gsm7_basic = {
    U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'\n', U'Ø', U'ø', U'\r', U'Å', U'å',
    U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', /* 0x1B is the escape */ U'Æ', U'æ', U'ß', U'É',
    U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(', U')', U'*', U'+', U',', U'-', U'.', U'/',
    U'0', U'1', U'2', U'3', U'4', U'5', U'6', U'7', U'8', U'9', U':', U';', U'<', U'=', U'>', U'?',
    U'¡', U'A', U'B', U'C', U'D', U'E', U'F', U'G', U'H', U'I', U'J', U'K', U'L', U'M', U'N', U'O',
    U'P', U'Q', U'R', U'S', U'T', U'U', U'V', U'W', U'X', U'Y', U'Z', U'Ä', U'Ö', U'Ñ', U'Ü', U'§',
    U'¿', U'a', U'b', U'c', U'd', U'e', U'f', U'g', U'h', U'i', U'j', U'k', U'l', U'm', U'n', U'o',
    U'p', U'q', U'r', U's', U't', U'u', U'v', U'w', U'x', U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à',
};
static_assert(std::find(gsm7_basic.begin(), gsm7_basic.end(), U'\0') == gsm7_basic.end(),
              "the table lists every one of its 127 characters (U+0000 is not one)");
// The extension table: the escape septet and one more.
constexpr std::array<char32_t, 10> gsm7_extension = {U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€'};

// Septets of `c` in GSM-7, or 0 when GSM-7 has no such character.
std::uint32_t gsm7_septets(char32_t c) {
    if (std::find(gsm7_basic.begin(), gsm7_basic.end(), c) != gsm7_basic.end()) return 1;
    if (std::find(gsm7_extension.begin(), gsm7_extension.end(), c) != gsm7_extension.end()) return 2;
    return 0;
}

constexpr char32_t replacement = U'\uFFFD';

// The next code point of `s` from `i` (advanced past it); invalid or
// overlong sequences and surrogates give U+FFFD and skip one byte.
char32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    std::size_t len = 0;
    char32_t c = 0, min = 0;
    if ((b0 & 0xE0) == 0xC0) len = 2, c = b0 & 0x1F, min = 0x80;
    else if ((b0 & 0xF0) == 0xE0) len = 3, c = b0 & 0x0F, min = 0x800;
    else if ((b0 & 0xF8) == 0xF0) len = 4, c = b0 & 0x07, min = 0x10000;
    if (len == 0 || i + len > s.size()) {
        ++i;
        return replacement;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return replacement;
        }
        c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        ++i;
        return replacement;
    }
    i += len;
    return c;
}

// Parts for characters of the given widths, none split: one part when the
// total fits `single`, else parts of at most `part` units each.
template <typename Widths>
std::uint32_t parts(const Widths& widths, std::uint32_t total, std::uint32_t single, std::uint32_t part) {
    if (total <= single) return 1;
    std::uint32_t n = 1, used = 0;
    for (std::uint32_t w : widths) {
        if (used + w > part) {
            ++n;
            used = 0;
        }
        used += w;
    }
    return n;
}

}  // namespace

std::string_view sms_encoding_name(SmsEncoding e) { return e == SmsEncoding::gsm7 ? "gsm7" : "ucs2"; }

SmsSize sms_size(std::string_view text) {
    std::vector<char32_t> points;
    for (std::size_t i = 0; i < text.size();) points.push_back(next_code_point(text, i));

    SmsSize size;
    size.characters = static_cast<std::uint32_t>(points.size());
    std::vector<std::uint32_t> widths;
    bool gsm7 = true;
    for (char32_t c : points) {
        const std::uint32_t w = gsm7_septets(c);
        if (w == 0) {
            gsm7 = false;
            break;
        }
        widths.push_back(w);
    }
    if (!gsm7) {
        widths.clear();
        for (char32_t c : points) widths.push_back(c > 0xFFFF ? 2 : 1);
    }
    for (std::uint32_t w : widths) size.units += w;
    size.encoding = gsm7 ? SmsEncoding::gsm7 : SmsEncoding::ucs2;
    size.segments = gsm7 ? parts(widths, size.units, sms_gsm7_single_septets_max, sms_gsm7_part_septets_max)
                         : parts(widths, size.units, sms_ucs2_single_units_max, sms_ucs2_part_units_max);
    return size;
}

}  // namespace kopilka::node
