// Phone numbers: normalisation to E.164 and the keyed phone reference.
#include "ledger/phone.h"
#include "ledger/webhook.h"

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using kopilka::Hash256;
using kopilka::ledger::normalize_phone;
using kopilka::ledger::phone_reference;

namespace {

// The operator secret of the independent vectors below: bytes 0x00..0x1f.
Hash256 counting_secret() {
    Hash256 secret;
    for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(i);
    return secret;
}

std::string error_of(std::string_view input, std::string_view country = "7") {
    const auto result = normalize_phone(input, country);
    INFO("input \"" << input << "\", default country code \"" << country << "\"");
    REQUIRE_FALSE(result);
    return result.error();
}

std::string normalized(std::string_view input, std::string_view country) {
    const auto result = normalize_phone(input, country);
    INFO("input \"" << input << "\", default country code \"" << country << "\"");
    INFO("error: " << (result ? std::string("none") : result.error()));
    REQUIRE(result);
    return *result;
}

}  // namespace

TEST_CASE("phone numbers as Russians type them normalise to one E.164 form", "[phone]") {
    CHECK(normalized("+7 900 000-00-01", "7") == "+79000000001");
    CHECK(normalized("8 (900) 000-00-01", "7") == "+79000000001");
    CHECK(normalized("89000000001", "7") == "+79000000001");
    CHECK(normalized("900 000 00 01", "7") == "+79000000001");
    CHECK(normalized("(+7) 900.000.00.01", "7") == "+79000000001");
    // An international number is kept whatever the default country is.
    CHECK(normalized("+7 900 000-00-01", "44") == "+79000000001");
}

TEST_CASE("phone numbers as the British type them normalise to one E.164 form", "[phone]") {
    CHECK(normalized("0044 20 7946 0958", "7") == "+442079460958");
    CHECK(normalized("020 7946 0958", "44") == "+442079460958");
    CHECK(normalized("+44 20 7946 0958", "1") == "+442079460958");
}

TEST_CASE("the trunk prefix is removed once and only for a national number", "[phone]") {
    // "8" is the trunk prefix only for country 7; elsewhere "0" is.
    CHECK(normalized("8 900 000 00 01", "44") == "+4489000000001");
    CHECK(normalized("0 900 000 00 01", "7") == "+709000000001");
    // Only one trunk prefix is dropped.
    CHECK(normalized("88 900 000 00 1", "7") == "+78900000001");
}

TEST_CASE("a full international number typed without '+' is not prefixed twice", "[phone]") {
    // Russia: 11 digits starting with 7 is +7 and 10 national digits.
    CHECK(normalized("7 900 000-00-01", "7") == "+79000000001");
    CHECK(normalized("79000000001", "7") == "+79000000001");
    // Shorter or longer than the full length: still national.
    CHECK(normalized("790 000 00 01", "7") == "+77900000001");
    CHECK(normalized("3 75 29 123 45 67", "375") == "+375291234567");
    CHECK(normalized("29 123 45 67", "375") == "+375291234567");
    CHECK(normalized("380 44 123 45 67", "380") == "+380441234567");
    // Not for the default country of a number that starts with another code,
    // nor where lengths vary (44): there '+' or '00' says it.
    CHECK(normalized("79000000001", "44") == "+4479000000001");
    CHECK(normalized("442079460958", "44") == "+44442079460958");
}

TEST_CASE("phone input at the character limit is read, one more is refused", "[phone]") {
    const std::string number = "+79000000001";
    const std::string at_limit = number + std::string(kopilka::ledger::phone_input_chars_max - number.size(), ' ');
    CHECK(normalized(at_limit, "7") == number);
    CHECK_THAT(error_of(at_limit + " "), Catch::Contains("at most 64"));
    // Refused on length alone, before any character is looked at.
    CHECK_THAT(error_of(std::string(10'000, 'x')), Catch::Contains("too long to read"));
}

TEST_CASE("bad phone numbers are refused with a message naming the problem", "[phone]") {
    const std::string letter = error_of("+7 900 abc 00 01");
    const std::string empty = error_of("");
    const std::string blank = error_of(" - ( ) . ");
    const std::string only_plus = error_of("+");
    const std::string too_short = error_of("+7 900 01");
    const std::string too_long = error_of("+1234567890123456");  // 16 digits
    const std::string plus_inside = error_of("+7 900 +000 00 01");
    const std::string two_plus = error_of("++79000000001");
    const std::string symbol = error_of("+7 900 000#00#01");
    const std::string non_ascii = error_of("+7 900 000 00 0\xd0\xb1");  // Cyrillic "б" in UTF-8
    const std::string zero_country = error_of("+0 900 000 00 01");
    const std::string input_too_long = error_of(std::string(100, '1'));

    CHECK(letter == "phone number contains a letter: 'a'");
    CHECK(empty == "phone number is empty");
    CHECK(blank == empty);  // only separators is as empty as nothing
    CHECK_THAT(only_plus, Catch::Contains("no digits"));
    CHECK_THAT(too_short, Catch::Contains("too short") && Catch::Contains("6 digits") && Catch::Contains("at least 8"));
    CHECK_THAT(too_long, Catch::Contains("too long") && Catch::Contains("16 digits") && Catch::Contains("at most 15"));
    CHECK_THAT(plus_inside, Catch::Contains("'+'") && Catch::Contains("not at the start"));
    CHECK(two_plus == plus_inside);
    CHECK_THAT(symbol, Catch::Contains("unexpected character: '#'"));
    CHECK_THAT(non_ascii, Catch::Contains("byte 0xd0"));
    CHECK_THAT(zero_country, Catch::Contains("cannot start with 0"));
    CHECK_THAT(input_too_long, Catch::Contains("100 characters"));

    const std::set<std::string> distinct = {letter, empty, only_plus, too_short, too_long, plus_inside,
                                            symbol, non_ascii, zero_country, input_too_long};
    CHECK(distinct.size() == 10);

    // The boundaries themselves are accepted: 8 and 15 digits.
    CHECK(normalized("+7 900 0001", "7") == "+79000001");
    CHECK(normalized("+123456789012345", "7") == "+123456789012345");
    // A national number that only reaches the limits with the country code.
    CHECK_THAT(error_of("8 900 00", "7"), Catch::Contains("6 digits"));
    CHECK_THAT(error_of("0 1234 5678 9012 34", "44"), Catch::Contains("16 digits"));
    // "00" with nothing after it is an international prefix with no number.
    CHECK_THAT(error_of("00"), Catch::Contains("too short"));
}

TEST_CASE("a bad default country code is refused whatever the number", "[phone]") {
    for (std::string_view code : {"", "1234", "7a", "+7", "07", " 7"}) {
        INFO("default country code \"" << code << "\"");
        const auto result = normalize_phone("+7 900 000-00-01", code);
        REQUIRE_FALSE(result);
        CHECK_THAT(result.error(), Catch::Contains("default country code"));
    }
    CHECK(normalized("020 7946 0958", "44") == "+442079460958");
    CHECK(normalized("2025550123", "1") == "+12025550123");
    CHECK(normalized("0 30 1234567", "49") == "+49301234567");
    CHECK(normalized("0 21 1234 5678", "880") == "+8802112345678");
}

TEST_CASE("phone reference is keyed, deterministic and matches an independent computation", "[phone]") {
    const Hash256 secret = counting_secret();
    Hash256 other_secret = secret;
    other_secret[31] ^= 0x01;

    const Hash256 ru = phone_reference("+79000000001", secret);
    CHECK(phone_reference("+79000000001", secret) == ru);
    CHECK(phone_reference("+79000000001", other_secret) != ru);
    CHECK(phone_reference("+79000000002", secret) != ru);
    // Another spelling of the same number is another reference: callers normalise first.
    CHECK(phone_reference("89000000001", secret) != ru);

    // Computed with Python's hashlib, not with this code:
    //   secret = bytes(range(32))
    //   hashlib.blake2b(b"kopilka/phone/v1" + b"\x00" + e164.encode(),
    //                   digest_size=32, key=secret).hexdigest()
    CHECK(kopilka::to_hex(ru) == "8f627d2dd4b1dd6613404e8045a94c0010a17d4577b5b58df01183b2c6a0976a");
    CHECK(kopilka::to_hex(phone_reference("+442079460958", secret)) ==
          "07123cf73bb2f6d500406d2bad33434b7db5183205e23b6e1d4109236c05ec6f");

    // The reference is not the unkeyed hash of the number, so the chain alone
    // does not let a reader test guesses.
    CHECK(ru != kopilka::blake2b256(kopilka::as_bytes("+79000000001")));
}

TEST_CASE("the bytes a phone.lookup request signs (docs/formats.md, \"Signed phone lookup\")", "[phone][lookup]") {
    using kopilka::ledger::lookup_request_bytes;
    // u64 time_ms big-endian || u8 length || the phone text as sent.
    auto b = lookup_request_bytes("+7 900 000-00-01", 1'790'000'000'000);
    REQUIRE(b);
    CHECK(kopilka::to_hex(*b) == "000001a0c4506c00102b3720393030203030302d30302d3031");
    CHECK(b->size() == 25);
    CHECK(lookup_request_bytes(std::string(kopilka::ledger::phone_input_chars_max, '1'), 0));
    CHECK_FALSE(lookup_request_bytes(std::string(kopilka::ledger::phone_input_chars_max + 1, '1'), 0));
    // Signed under its own domain: such a signature is worth nothing as a
    // transaction's, a voucher's or an attestation's.
    const auto key = kopilka::KeyPair::from_seed(kopilka::as_bytes(std::string(32, '\x07')));
    const kopilka::ChainId chain{};
    const auto sig = key.sign(kopilka::Domain::lookup, chain, *b);
    CHECK(kopilka::verify(key.public_key(), kopilka::Domain::lookup, chain, *b, sig));
    for (auto other : {kopilka::Domain::transaction, kopilka::Domain::voucher, kopilka::Domain::attestation})
        CHECK_FALSE(kopilka::verify(key.public_key(), other, chain, *b, sig));
    const auto message = kopilka::signing_message(kopilka::Domain::lookup, chain, *b);
    CHECK(kopilka::to_hex(kopilka::ByteView(message).first(18)) == "116b6f70696c6b612f6c6f6f6b75702f7631");
    CHECK(message.size() == 18 + 32 + 25);
}

TEST_CASE("the bytes a messages.consent.set request signs (docs/formats.md, \"Signed message consent\")", "[phone][consent]") {
    using kopilka::ledger::consent_request_bytes;
    kopilka::ledger::PhoneRef ref{};
    const auto hex = kopilka::from_hex("00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d");
    REQUIRE(hex);
    std::copy(hex->begin(), hex->end(), ref.begin());
    // u64 time_ms || the reference || u8 length || ticker || u8 receive.
    auto b = consent_request_bytes(ref, "VOLODYA", false, 1'790'000'000'000);
    REQUIRE(b);
    CHECK(b->size() == 49);
    CHECK(kopilka::to_hex(*b) == "000001a0c4506c00" "00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d"
                                 "07" "564f4c4f445941" "00");
    auto all = consent_request_bytes(ref, "", true, 0);
    REQUIRE(all);
    CHECK(kopilka::to_hex(*all) == "0000000000000000" + kopilka::to_hex(ref) + "00" "01");
    CHECK_FALSE(consent_request_bytes(ref, std::string(kopilka::ledger::ticker_chars_max + 1, 'A'), true, 0));
    CHECK(kopilka::domain_tag(kopilka::Domain::messages) == "kopilka/messages/v1");
}

TEST_CASE("the bytes a webhook.set request signs (docs/formats.md, \"Signed webhook set\")", "[webhook]") {
    using kopilka::ledger::webhook_set_bytes;
    auto b = webhook_set_bytes("VOLODYA", "https://pos.example/k", 1'790'000'000'000);
    REQUIRE(b);
    CHECK(b->size() == 39);
    CHECK(kopilka::to_hex(*b) == "000001a0c4506c00" "07" "564f4c4f445941" "0015"
                                 "68747470733a2f2f706f732e6578616d706c652f6b");
    CHECK(webhook_set_bytes("VOLODYA", std::string(kopilka::ledger::webhook_url_bytes_max, 'a'), 0));
    CHECK_FALSE(webhook_set_bytes("VOLODYA", std::string(kopilka::ledger::webhook_url_bytes_max + 1, 'a'), 0));
    CHECK(kopilka::domain_tag(kopilka::Domain::webhook) == "kopilka/webhook/v1");
}
