#include "crypto/bytes.h"

#include <sodium.h>

#include <cstdlib>
#include <cstdio>

namespace kopilka {

void ensure_sodium() {
    // sodium_init is thread-safe and idempotent; a static makes it run once.
    static const int rc = sodium_init();
    if (rc < 0) {
        std::fputs("kopilka: libsodium failed to initialise\n", stderr);
        std::abort();
    }
}

SecretBytes::SecretBytes(std::size_t size) : data_(size, 0) {}
SecretBytes::SecretBytes(ByteView data) : data_(data.begin(), data.end()) {}
SecretBytes::SecretBytes(const SecretBytes& other) : data_(other.data_) {}
SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
    if (this != &other) {
        wipe();
        data_ = other.data_;
    }
    return *this;
}
SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) {
    other.data_.clear();
}
SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
        wipe();
        data_ = std::move(other.data_);
        other.data_.clear();
    }
    return *this;
}
SecretBytes::~SecretBytes() { wipe(); }

void SecretBytes::wipe() {
    if (!data_.empty()) sodium_memzero(data_.data(), data_.size());
    data_.clear();
}

std::string to_hex(ByteView data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (std::uint8_t b : data) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0f]);
    }
    return out;
}

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<Bytes> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    Bytes out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_value(text[i]);
        int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
}

std::string to_base64url(ByteView data) {
    ensure_sodium();
    const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string out(sodium_base64_encoded_len(data.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), variant);
    out.resize(out.size() - 1);  // drop the terminating NUL libsodium writes
    return out;
}

std::optional<Bytes> from_base64url(std::string_view text) {
    ensure_sodium();
    // A length of 1 mod 4 can never be valid base64.
    if (text.size() % 4 == 1) return std::nullopt;
    Bytes out(text.size() * 3 / 4 + 1);
    std::size_t written = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &written, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        return std::nullopt;
    }
    if (end != text.data() + text.size()) return std::nullopt;
    out.resize(written);
    // One canonical text per byte string: re-encoding must give the input back
    // (rejects set "unused" trailing bits that would make two texts decode alike).
    if (to_base64url(out) != text) return std::nullopt;
    return out;
}

void random_bytes(std::span<std::uint8_t> out) {
    ensure_sodium();
    randombytes_buf(out.data(), out.size());
}

std::uint64_t random_u64() {
    std::uint64_t v = 0;
    random_bytes({reinterpret_cast<std::uint8_t*>(&v), sizeof v});
    return v;
}

bool equal_constant_time(ByteView a, ByteView b) {
    ensure_sodium();
    if (a.size() != b.size()) return false;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kopilka
