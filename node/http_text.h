#pragma once
// Small text helpers for HTTP header values, shared by the server, the pages
// and the proxy rules (no Beast here).
#include <algorithm>
#include <cctype>
#include <string_view>

namespace kopilka::node {

// ASCII case-insensitive equality (header names, schemes, media types, codings).
inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// Strips optional whitespace (RFC 9110 OWS: spaces and tabs) from both ends.
inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace kopilka::node
