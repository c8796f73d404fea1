#include "node/notifier.h"

#include "crypto/bytes.h"

namespace kopilka::node {

std::string mask_phone(std::string_view e164) {
    std::string s(e164);
    if (s.size() > 7)
        for (std::size_t i = 5; i + 2 < s.size(); ++i) s[i] = '*';
    return s;
}

std::string phone_link(std::string_view base_url, const Hash256& ref) {
    return std::string(base_url) + "/c/" + to_hex(ref);
}

}  // namespace kopilka::node
