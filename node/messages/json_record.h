// Reading the outbox family's JSON records (messages, credits, choices,
// webhook events): a field of the right type, or nullopt, so a record a
// later version wrote, or a damaged one, is refused rather than misread.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kopilka::node {

// A non-negative integer field.
inline std::optional<std::uint64_t> u64_of(const boost::json::object& o, std::string_view k) {
    const boost::json::value* x = o.if_contains(k);
    if (!x) return std::nullopt;
    if (x->is_uint64()) return x->as_uint64();
    if (x->is_int64() && x->as_int64() >= 0) return static_cast<std::uint64_t>(x->as_int64());
    return std::nullopt;
}

inline std::optional<std::string> str_of(const boost::json::object& o, std::string_view k) {
    const boost::json::value* x = o.if_contains(k);
    if (!x || !x->is_string()) return std::nullopt;
    return std::string(x->as_string());
}

}  // namespace kopilka::node
