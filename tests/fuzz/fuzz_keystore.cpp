// keystore_info: the clear header of a keystore file (`kopilka keys list`,
// kopilkad start). Only the parser: opening runs Argon2id with the file's own
// cost, which a fuzzer must not pay per input. Never crashes; a parsed header
// names a key whose address round-trips and never an empty name.
#include "crypto/address.h"
#include "crypto/keystore.h"
#include "fuzz.h"

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::text_of(data, size);
    auto info = keystore_info(text);
    if (!info) {
        KOPILKA_FUZZ_CHECK(info.error().code == KeystoreError::malformed);
        return 0;
    }
    KOPILKA_FUZZ_CHECK(!info->name.empty());
    KOPILKA_FUZZ_CHECK(key_from_address(address_from_key(info->public_key)) == info->public_key);
    return 0;
}
