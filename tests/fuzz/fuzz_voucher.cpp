// decode_voucher: a voucher's canonical bytes (voucher.check, tx.decode, a
// redeem's body). Never crashes; a decoded voucher re-encodes to exactly the
// input, and its unsigned bytes are a prefix of it.
#include "fuzz.h"
#include "ledger/tx.h"

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::bytes_of(data, size);
    auto v = ledger::decode_voucher(in);
    if (!v) return 0;
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in, ledger::encode_voucher(*v)));
    const Bytes unsigned_bytes = ledger::encode_voucher_unsigned(*v);
    KOPILKA_FUZZ_CHECK(unsigned_bytes.size() + signature_bytes == in.size());
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in.first(unsigned_bytes.size()), unsigned_bytes));
    return 0;
}
