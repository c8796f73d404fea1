// The small text encodings RPC parameters use: base64url blobs, hex ids and
// decimal amounts. Never crashes; base64url and hex accept one spelling per
// byte string; an amount is exact (format then parse gives it back).
#include "fuzz.h"
#include "ledger/types.h"

#include <cctype>

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::text_of(data, size);
    if (auto raw = from_base64url(text)) KOPILKA_FUZZ_CHECK(to_base64url(*raw) == text);
    if (auto raw = from_hex(text)) {
        std::string lower(text);
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        KOPILKA_FUZZ_CHECK(to_hex(*raw) == lower);
    }
    if (auto units = ledger::parse_amount(text)) {
        const std::string shown = ledger::format_amount(*units);
        KOPILKA_FUZZ_CHECK(ledger::parse_amount(shown) == units);
    }
    return 0;
}
