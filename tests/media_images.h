// Small real images for the media tests, made by Debian's encoders: libpng,
// libjpeg (baseline SOF0, or progressive SOF2 with a comment segment before
// the frame) and libwebp (lossy VP8, lossless VP8L, lossy with alpha VP8X).
// The pixels are a fixed gradient, so the same call gives the same bytes.
#pragma once

#include <cstdint>
#include <string>

namespace kopilka::test {

std::string png(std::uint32_t width, std::uint32_t height);
std::string jpeg(std::uint32_t width, std::uint32_t height, bool progressive);
enum class WebpKind { lossy, lossless, extended };
std::string webp(std::uint32_t width, std::uint32_t height, WebpKind kind);

}  // namespace kopilka::test
