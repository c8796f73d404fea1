#include "wallet-cli/qr_format.h"

#include "ledger/codec.h"

#include <array>
#include <limits>

namespace kopilka::wallet {

namespace {

constexpr std::uint32_t base = 41;
static_assert(base41_alphabet.size() == base);
// Two bytes in three characters, as base45 does: 41^3 = 68921 > 65535.
static_assert(base * base * base > 0xffff);

int digit_of(char c) {
    const auto pos = base41_alphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// LEB128, minimal: a value has one encoding.
void put_varint(ledger::Writer& w, std::uint64_t v) {
    while (v >= 0x80) {
        w.u8(static_cast<std::uint8_t>(v | 0x80));
        v >>= 7;
    }
    w.u8(static_cast<std::uint8_t>(v));
}

std::uint64_t get_varint(ledger::Reader& r, std::string_view field) {
    std::uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        const std::uint8_t b = r.u8();
        // The tenth byte carries bit 63 only.
        if (shift == 63 && b > 1) throw ledger::DecodeError(std::string(field) + " does not fit in 64 bits");
        v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (b == 0 && shift > 0) throw ledger::DecodeError(std::string(field) + " is not in its shortest form");
            return v;
        }
    }
}

}  // namespace

std::string base41_encode(ByteView data) {
    std::string out;
    out.reserve(data.size() / 2 * 3 + 2);
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        std::uint32_t n = static_cast<std::uint32_t>(data[i]) << 8 | data[i + 1];
        for (int k = 0; k < 3; ++k, n /= base) out.push_back(base41_alphabet[n % base]);
    }
    if (i < data.size()) {
        std::uint32_t n = data[i];
        for (int k = 0; k < 2; ++k, n /= base) out.push_back(base41_alphabet[n % base]);
    }
    return out;
}

std::expected<Bytes, std::string> base41_decode(std::string_view text) {
    if (text.size() % 3 == 1)
        return std::unexpected("the text has " + std::to_string(text.size()) + " characters; a length of 3k+1 is never produced (truncated?)");
    Bytes out;
    out.reserve(text.size() / 3 * 2 + 1);
    for (std::size_t i = 0; i < text.size(); i += 3) {
        const std::size_t n_chars = std::min<std::size_t>(3, text.size() - i);
        std::uint32_t n = 0, scale = 1;
        for (std::size_t k = 0; k < n_chars; ++k, scale *= base) {
            const int d = digit_of(text[i + k]);
            if (d < 0) {
                const char c = text[i + k];
                if (c >= 'a' && c <= 'z')
                    return std::unexpected("the text has lowercase letters; a voucher is all uppercase (check the scanner's Caps Lock)");
                return std::unexpected("character " + std::to_string(i + k + 1) + " is not one a voucher uses");
            }
            n += static_cast<std::uint32_t>(d) * scale;
        }
        if (n_chars == 3) {
            if (n > 0xffff) return std::unexpected("characters " + std::to_string(i + 1) + "-" + std::to_string(i + 3) + " do not encode two bytes");
            out.push_back(static_cast<std::uint8_t>(n >> 8));
            out.push_back(static_cast<std::uint8_t>(n));
        } else {
            if (n > 0xff) return std::unexpected("the last two characters do not encode a byte");
            out.push_back(static_cast<std::uint8_t>(n));
        }
    }
    return out;
}

std::expected<std::string, std::string> encode_voucher_qr(const ledger::Voucher& v) {
    if (!ledger::valid_ticker(v.ticker)) return std::unexpected("the voucher's ticker is not 3-10 of A-Z and 0-9");
    VoucherForm form;
    if (v.client.is_key()) {
        // The ledger refuses such a voucher (voucher_not_client); the QR has no room for it.
        if (v.client.key() != v.signer) return std::unexpected("a key account's voucher must be signed by that key");
        form = VoucherForm::key_client;
    } else {
        form = VoucherForm::phone_client;
    }
    ledger::Writer w;
    w.u8(static_cast<std::uint8_t>(form));
    w.u8(static_cast<std::uint8_t>(v.ticker.size()));
    w.raw(as_bytes(v.ticker));
    put_varint(w, v.product_id);
    put_varint(w, v.price);
    w.raw(v.client.bytes);
    w.u64(v.nonce);
    put_varint(w, v.expiry_s);
    w.signature(v.signature);
    return std::string(voucher_qr_prefix) + base41_encode(w.bytes());
}

std::expected<DecodedVoucherQr, std::string> decode_voucher_qr(std::string_view text) {
    if (text.size() > voucher_qr_chars_max)
        return std::unexpected("the text is " + std::to_string(text.size()) + " characters; a voucher has at most " +
                               std::to_string(voucher_qr_chars_max));
    if (!text.starts_with(voucher_qr_prefix)) {
        if (text.size() >= 4 && text.starts_with("KV") && text[3] == ':')
            return std::unexpected("this is a voucher of another format version (" + std::string(text.substr(0, 3)) +
                                   "); this wallet reads " + std::string(voucher_qr_prefix.substr(0, 3)));
        return std::unexpected("not a Kopilka voucher: it does not start with " + std::string(voucher_qr_prefix));
    }
    auto body = base41_decode(text.substr(voucher_qr_prefix.size()));
    if (!body) return std::unexpected("damaged voucher: " + body.error());
    DecodedVoucherQr out;
    ledger::Voucher& v = out.voucher;
    try {
        ledger::Reader r(*body);
        const std::uint8_t form = r.u8();
        if (form != static_cast<std::uint8_t>(VoucherForm::key_client) &&
            form != static_cast<std::uint8_t>(VoucherForm::phone_client))
            throw ledger::DecodeError("unknown form " + std::to_string(form));
        out.form = static_cast<VoucherForm>(form);
        const std::uint8_t ticker_len = r.u8();
        if (ticker_len < ledger::ticker_chars_min || ticker_len > ledger::ticker_chars_max)
            throw ledger::DecodeError("the ticker length is " + std::to_string(ticker_len));
        const ByteView t = r.raw(ticker_len);
        v.ticker.assign(t.begin(), t.end());
        if (!ledger::valid_ticker(v.ticker)) throw ledger::DecodeError("the ticker is not 3-10 of A-Z and 0-9");
        const std::uint64_t product = get_varint(r, "the product id");
        if (product > std::numeric_limits<std::uint32_t>::max())
            throw ledger::DecodeError("the product id does not fit in 32 bits");
        v.product_id = static_cast<std::uint32_t>(product);
        v.price = get_varint(r, "the price");
        std::array<std::uint8_t, 32> client{};
        const ByteView c = r.raw(client.size());
        std::copy(c.begin(), c.end(), client.begin());
        v.nonce = r.u64();
        v.expiry_s = get_varint(r, "the expiry");
        v.signature = r.signature();
        r.finish();
        if (out.form == VoucherForm::key_client) {
            v.client = ledger::Account::of_key(PublicKey{client});
            v.signer = v.client.key();
        } else {
            v.client = ledger::Account::of_phone(client);
        }
    } catch (const ledger::DecodeError& e) {
        return std::unexpected(std::string("damaged voucher: ") + e.what());
    }
    return out;
}

}  // namespace kopilka::wallet
