// The QR voucher text a staff scanner types into `kopilka redeem` (docs/qr.md).
// Never crashes; a decoded voucher re-encodes to exactly the input text. The
// same input also goes through base41 alone, which must be strict too: any
// text it accepts is what base41_encode gives for the decoded bytes.
#include "fuzz.h"
#include "wallet-cli/qr_format.h"

using namespace kopilka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::text_of(data, size);
    if (auto raw = wallet::base41_decode(text)) KOPILKA_FUZZ_CHECK(wallet::base41_encode(*raw) == text);

    auto decoded = wallet::decode_voucher_qr(text);
    if (!decoded) return 0;
    KOPILKA_FUZZ_CHECK(text.size() <= wallet::voucher_qr_chars_max);
    auto again = wallet::encode_voucher_qr(decoded->voucher);
    KOPILKA_FUZZ_CHECK(again.has_value());
    KOPILKA_FUZZ_CHECK(*again == text);
    // A key client's voucher is exactly its canonical bytes once re-encoded.
    if (decoded->signer_known()) {
        auto canonical = ledger::decode_voucher(ledger::encode_voucher(decoded->voucher));
        KOPILKA_FUZZ_CHECK(canonical && *canonical == decoded->voucher);
    }
    return 0;
}
