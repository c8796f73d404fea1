// Address text (Bech32m "kop1...") and account text ("kop1..." or
// "phone:<hex>"), as every RPC parameter and CLI argument naming an account
// reads them. Never crashes; accepted text is the canonical form (lowercase),
// or for an address the same text all uppercase (QR alphanumeric mode).
#include "crypto/address.h"
#include "fuzz.h"
#include "ledger/types.h"

#include <cctype>
#include <string>

using namespace kopilka;

namespace {
std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::text_of(data, size);
    if (auto key = key_from_address(text)) {
        const std::string canonical = address_from_key(*key);
        KOPILKA_FUZZ_CHECK(text == canonical || text == upper(canonical));
        KOPILKA_FUZZ_CHECK(key_from_address(canonical) == key);
    }
    if (auto account = ledger::account_from_text(text)) {
        const std::string canonical = ledger::account_text(*account);
        KOPILKA_FUZZ_CHECK(text == canonical || (account->is_key() && text == upper(canonical)));
        KOPILKA_FUZZ_CHECK(ledger::account_from_text(canonical) == account);
    }
    return 0;
}
