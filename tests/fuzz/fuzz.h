// Shared by the libFuzzer targets in this folder (docs/testing.md).
//
// A target checks two things about one decoder: it never crashes, hangs or
// throws on any input (the sanitizers and libFuzzer catch those), and a
// decode that succeeds is exact — re-encoding gives back the input, byte for
// byte, because the codec is canonical (docs/design.md, invariant 5). A
// broken property traps, so libFuzzer records the input as a crash.
#pragma once

#include "crypto/bytes.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace kopilka::fuzz {

inline ByteView bytes_of(const std::uint8_t* data, std::size_t size) { return {data, size}; }
inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Not assert(): it must hold in every build type, and say which property broke.
[[noreturn]] inline void property_failed(const char* what) {
    std::fprintf(stderr, "fuzz property broken: %s\n", what);
    __builtin_trap();
}
#define KOPILKA_FUZZ_CHECK(cond) \
    do {                          \
        if (!(cond)) ::kopilka::fuzz::property_failed(#cond); \
    } while (0)

inline bool same_bytes(ByteView input, const Bytes& encoded) {
    return input.size() == encoded.size() && std::equal(input.begin(), input.end(), encoded.begin());
}

}  // namespace kopilka::fuzz
