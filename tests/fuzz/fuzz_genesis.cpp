// decode_genesis: the genesis record a node and the audit start from. It
// throws DecodeError (the only exception it may throw); anything else
// escaping is a crash. A decoded genesis re-encodes to exactly the input.
#include "fuzz.h"
#include "ledger/codec.h"
#include "ledger/types.h"

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::bytes_of(data, size);
    ledger::Genesis g;
    try {
        g = ledger::decode_genesis(in);
    } catch (const ledger::DecodeError&) {
        return 0;
    }
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in, ledger::encode_genesis(g)));
    (void)ledger::genesis_hash(g);
    return 0;
}
