// decode_signed_tx: the bytes tx.submit, tx.decode and the store hand it.
// Never crashes; a decoded transaction re-encodes to exactly the input, and
// its unsigned bytes are a prefix of it (the id covers them, not the signature).
#include "fuzz.h"
#include "ledger/tx.h"

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::bytes_of(data, size);
    auto stx = ledger::decode_signed_tx(in);
    if (!stx) return 0;
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in, ledger::encode_signed_tx(*stx)));
    const Bytes unsigned_bytes = ledger::encode_tx(stx->tx);
    KOPILKA_FUZZ_CHECK(unsigned_bytes.size() + signature_bytes == in.size());
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in.first(unsigned_bytes.size()), unsigned_bytes));
    KOPILKA_FUZZ_CHECK(ledger::decode_signed_tx(ledger::encode_signed_tx(*stx)) == stx);
    (void)ledger::kind_name(stx->tx.kind());
    (void)ledger::tx_ticker(stx->tx);
    return 0;
}
