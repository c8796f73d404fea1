// decode_block: a stored block record, as the audit and block.get read it.
// Never crashes; a decoded block re-encodes to exactly the input.
#include "fuzz.h"
#include "ledger/block.h"

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in = fuzz::bytes_of(data, size);
    auto block = ledger::decode_block(in);
    if (!block) return 0;
    KOPILKA_FUZZ_CHECK(block->tx_ids.size() == block->header.tx_count);
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in, ledger::encode_block(*block)));
    const Bytes header = ledger::encode_header(block->header);
    KOPILKA_FUZZ_CHECK(fuzz::same_bytes(in.first(header.size()), header));
    return 0;
}
