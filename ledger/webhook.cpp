#include "ledger/webhook.h"

#include "ledger/types.h"

namespace kopilka::ledger {

std::optional<Bytes> webhook_set_bytes(std::string_view ticker, std::string_view url, std::uint64_t time_ms) {
    if (ticker.size() > ticker_chars_max || url.size() > webhook_url_bytes_max) return std::nullopt;
    static_assert(ticker_chars_max <= 0xff && webhook_url_bytes_max <= 0xffff, "the lengths fit their fields");
    Bytes out;
    out.reserve(8 + 1 + ticker.size() + 2 + url.size());
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(time_ms >> shift));
    out.push_back(static_cast<std::uint8_t>(ticker.size()));
    out.insert(out.end(), ticker.begin(), ticker.end());
    out.push_back(static_cast<std::uint8_t>(url.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(url.size()));
    out.insert(out.end(), url.begin(), url.end());
    return out;
}

}  // namespace kopilka::ledger
