// What an SMS text costs: its encoding and how many parts (segments) a
// provider splits it into, which is what a provider charges and what a
// venue's SMS credits count (docs/messages.md "Credits").
//  - GSM-7 (3GPP TS 23.038's default alphabet) when every character is in
//    it: 160 septets in one part, 153 in each part of a longer text (the
//    rest of 140 bytes is the concatenation header); a character of the
//    extension table ({ } [ ] ~ \ | ^ € and form feed) takes two septets,
//    and a part never splits one.
//  - UCS-2 otherwise (any Cyrillic letter, an emoji): 70 UTF-16 units in
//    one part, 67 in each part of a longer text; a character outside the
//    BMP takes two units, never split.
#pragma once

#include <cstdint>
#include <string_view>

namespace kopilka::node {

inline constexpr std::uint32_t sms_gsm7_single_septets_max = 160;
inline constexpr std::uint32_t sms_gsm7_part_septets_max = 153;
inline constexpr std::uint32_t sms_ucs2_single_units_max = 70;
inline constexpr std::uint32_t sms_ucs2_part_units_max = 67;

enum class SmsEncoding : std::uint8_t { gsm7, ucs2 };
std::string_view sms_encoding_name(SmsEncoding e);  // "gsm7", "ucs2"

struct SmsSize {
    SmsEncoding encoding = SmsEncoding::gsm7;
    std::uint32_t characters = 0;  // Unicode code points
    std::uint32_t units = 0;       // septets (GSM-7) or UTF-16 units (UCS-2)
    std::uint32_t segments = 1;    // an empty text is still one SMS
};

// `text` is UTF-8; a byte that is not valid UTF-8 counts as U+FFFD, which
// makes the text UCS-2 (providers do the same with what they cannot read).
SmsSize sms_size(std::string_view text);

}  // namespace kopilka::node
