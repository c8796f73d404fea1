// decode_attestation: an attestor's statement inside a phone bind. Never
// crashes; a decoded attestation re-encodes to exactly the input.
#include "fuzz.h"
#include "ledger/tx.h"

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::bytes_of(data, size);
    auto a = ledger::decode_attestation(in);
    if (!a) return 0;
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in, ledger::encode_attestation(*a)));
    const Bytes unsigned_bytes = ledger::encode_attestation_unsigned(*a);
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in.first(unsigned_bytes.size()), unsigned_bytes));
    return 0;
}
