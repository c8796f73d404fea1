// decode_tx_record: a stored transaction record (height, index, signed blob).
// Never crashes; a decoded record re-encodes to exactly the input.
#include "fuzz.h"
#include "ledger/block.h"
#include "ledger/tx.h"

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::bytes_of(data, size);
    auto rec = ledger::decode_tx_record(in);
    if (!rec) return 0;
    KOPILKA_FUZZ_CHECK(rec->blob.size() <= ledger::tx_bytes_max);
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in, ledger::encode_tx_record(*rec)));
    // The audit decodes the blob next; it is outside bytes too.
    if (auto stx = ledger::decode_signed_tx(rec->blob))
        KOPILKA_FUZZ_CHECK(ledger::encode_signed_tx(*stx) == rec->blob);
    return 0;
}
