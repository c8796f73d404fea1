// Byte containers and text encodings shared by every layer.
//
// Secrets live in SecretBytes, which wipes itself with sodium_memzero so a key
// never lingers in freed memory. Everything else is plain Bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kopilka {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The byte-wise order std::less<Bytes> gives, spelled out with memcmp: GCC 12
// warns (wrongly, -Wstringop-overread) about vector's own operator< once it
// is inlined deep enough.
struct BytesLess {
    using is_transparent = void;
    bool operator()(ByteView a, ByteView b) const noexcept {
        const std::size_t common = a.size() < b.size() ? a.size() : b.size();
        if (const int c = common ? __builtin_memcmp(a.data(), b.data(), common) : 0; c != 0) return c < 0;
        return a.size() < b.size();
    }
};

// std::hash of the bytes, for unordered containers keyed by byte strings.
struct BytesHash {
    std::size_t operator()(ByteView b) const noexcept {
        return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    }
};

// A buffer for secret material; wiped on destruction and on move-from.
class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(std::size_t size);
    SecretBytes(ByteView data);
    SecretBytes(const SecretBytes& other);
    SecretBytes& operator=(const SecretBytes& other);
    SecretBytes(SecretBytes&& other) noexcept;
    SecretBytes& operator=(SecretBytes&& other) noexcept;
    ~SecretBytes();

    std::uint8_t* data() { return data_.data(); }
    const std::uint8_t* data() const { return data_.data(); }
    std::size_t size() const { return data_.size(); }
    ByteView view() const { return {data_.data(), data_.size()}; }

private:
    void wipe();
    std::vector<std::uint8_t> data_;
};

// Lowercase hex.
std::string to_hex(ByteView data);
std::optional<Bytes> from_hex(std::string_view text);

// base64url without padding (RFC 4648 section 5): how signed blobs travel in JSON.
std::string to_base64url(ByteView data);
// Strict: rejects padding, whitespace, standard-alphabet characters and
// non-canonical trailing bits.
std::optional<Bytes> from_base64url(std::string_view text);

// Fills with bytes from the OS CSPRNG (libsodium randombytes).
void random_bytes(std::span<std::uint8_t> out);
std::uint64_t random_u64();

// Constant-time comparison of equal-length buffers.
bool equal_constant_time(ByteView a, ByteView b);

// Ensures libsodium is initialised; cheap after the first call. Every crypto
// entry point calls it, so callers never have to.
void ensure_sodium();

}  // namespace kopilka
