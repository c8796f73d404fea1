// normalize_phone: what a person typed as a phone number (phone.lookup,
// phone.claim.*, `kopilka send --to-phone`). The first input byte picks the
// default country code, the rest is the number. Never crashes; an accepted
// number is "+" and 8-15 digits, and normalising it again changes nothing.
#include "fuzz.h"
#include "ledger/phone.h"

#include <array>

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // Real codes of each length, and invalid ones (empty, leading 0, a letter,
    // too long) that must be refused whatever the number.
    static constexpr std::array<std::string_view, 10> countries = {"7", "44", "1", "380", "49", "",
                                                                    "07", "4a", "1234", "+7"};
    const std::string_view country = countries[data[0] % countries.size()];
    const std::string_view input = fuzz::text_of(data + 1, size - 1);

    auto e164 = ledger::normalize_phone(input, country);
    if (!e164) return 0;
    const std::string& n = *e164;
    KOPILKA_FUZZ_CHECK(n.size() >= 1 + ledger::e164_digits_min && n.size() <= 1 + ledger::e164_digits_max);
    KOPILKA_FUZZ_CHECK(n[0] == '+');
    for (std::size_t i = 1; i < n.size(); ++i) KOPILKA_FUZZ_CHECK(n[i] >= '0' && n[i] <= '9');
    auto again = ledger::normalize_phone(n, country);
    KOPILKA_FUZZ_CHECK(again && *again == n);
    return 0;
}
