// An SMS's encoding and segment count (node/messages/sms_text.h): what a
// venue's credits are charged, so each boundary is checked where providers
// split: 160/161 and 306/307 septets, 70/71 and 134/135 UCS-2 units, an
// extension character never split across parts, a Cyrillic letter or an
// emoji turning the whole text into UCS-2.
#include "node/messages/sms_text.h"

#include <catch2/catch.hpp>

#include <string>

using namespace kopilka::node;

namespace {

std::string times(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace

TEST_CASE("sms_size: GSM-7 is one part up to 160 septets, then parts of 153") {
    CHECK(sms_size("").segments == 1);
    CHECK(sms_size("").encoding == SmsEncoding::gsm7);
    const SmsSize one = sms_size(times("a", 160));
    CHECK(one.encoding == SmsEncoding::gsm7);
    CHECK(one.units == 160);
    CHECK(one.segments == 1);
    CHECK(sms_size(times("a", 161)).segments == 2);
    CHECK(sms_size(times("a", 306)).segments == 2);
    CHECK(sms_size(times("a", 307)).segments == 3);
    CHECK(sms_size(times("a", 153 * 7)).segments == 7);
}

TEST_CASE("sms_size: the default alphabet's accented letters and Greek capitals stay GSM-7, one septet each") {
    const SmsSize s = sms_size("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r");
    CHECK(s.encoding == SmsEncoding::gsm7);
    CHECK(s.characters == 44);
    CHECK(s.units == 44);
}

TEST_CASE("sms_size: an extension character takes two septets and no part splits one") {
    const SmsSize euro = sms_size("10 €");
    CHECK(euro.encoding == SmsEncoding::gsm7);
    CHECK(euro.characters == 4);
    CHECK(euro.units == 5);
    CHECK(sms_size(times("{", 80)).segments == 1);  // 160 septets
    CHECK(sms_size(times("{", 80) + "a").segments == 2);
    // 152 septets, then a two-septet character: it opens the second part
    // (153 would split it), so 152 + 2 + 152 is three parts, not two.
    const std::string split = times("a", 152) + "€" + times("a", 152);
    CHECK(sms_size(split).units == 306);
    CHECK(sms_size(split).segments == 3);
    CHECK(sms_size(times("a", 151) + "€" + times("a", 153)).segments == 2);
}

TEST_CASE("sms_size: one Cyrillic letter makes the text UCS-2, 70 units in one part, then parts of 67") {
    const SmsSize mixed = sms_size("Balance: 10 бонусов");
    CHECK(mixed.encoding == SmsEncoding::ucs2);
    CHECK(mixed.characters == 19);
    CHECK(mixed.units == 19);
    CHECK(sms_size(times("ю", 70)).segments == 1);
    CHECK(sms_size(times("ю", 71)).segments == 2);
    CHECK(sms_size(times("ю", 134)).segments == 2);
    CHECK(sms_size(times("ю", 135)).segments == 3);
    // The seed's own kind of message, in Russian: 95 characters, two parts.
    const SmsSize ru = sms_size("Кофейня Володи: вам начислено 150 бонусов. Баланс: 450. Откройте ссылку, чтобы их забрать: x.ru");
    CHECK(ru.encoding == SmsEncoding::ucs2);
    CHECK(ru.characters == 95);
    CHECK(ru.segments == 2);
}

TEST_CASE("sms_size: a character outside the BMP takes two UCS-2 units, never split across parts") {
    const SmsSize e = sms_size("Спасибо 🙂");
    CHECK(e.encoding == SmsEncoding::ucs2);
    CHECK(e.characters == 9);
    CHECK(e.units == 10);
    CHECK(sms_size(times("🙂", 35)).segments == 1);  // 70 units
    // 66 units, then a pair: it opens part two (67 would split it).
    CHECK(sms_size(times("ю", 66) + "🙂" + times("ю", 66)).segments == 3);
    CHECK(sms_size(times("ю", 65) + "🙂" + times("ю", 67)).segments == 2);
}

TEST_CASE("sms_size: a backtick and a byte that is not UTF-8 are outside GSM-7") {
    CHECK(sms_size("a`b").encoding == SmsEncoding::ucs2);
    const SmsSize bad = sms_size(std::string("ok\xff") + "ok");
    CHECK(bad.encoding == SmsEncoding::ucs2);
    CHECK(bad.characters == 5);
    CHECK(sms_size("\xc0\x80").characters == 2);  // an overlong NUL: two bad bytes, not U+0000
    CHECK(sms_encoding_name(SmsEncoding::gsm7) == "gsm7");
    CHECK(sms_encoding_name(SmsEncoding::ucs2) == "ucs2");
}
