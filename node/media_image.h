// What an uploaded image is, read from its own bytes: the type its magic
// bytes name and the width and height its header gives. Nothing is decoded
// beyond the header, so a hostile file costs a few comparisons; the browser
// that shows it decodes it under the sandbox CSP the node serves it with.
// Pure functions over bytes (no I/O, no Beast): unit-tested and fuzzable.
#pragma once

#include "crypto/bytes.h"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace kopilka::node {

enum class ImageType { png, jpeg, webp };

// "image/png", "image/jpeg", "image/webp".
std::string_view image_mime(ImageType t);
// "png", "jpg", "webp": the extension of a stored file's name.
std::string_view image_extension(ImageType t);
// The type of a Content-Type value ("image/png; charset=x" counts as
// image/png, case-insensitively), or nullopt for any other type.
std::optional<ImageType> image_type_of_mime(std::string_view content_type);
// The type of an extension as image_extension writes it (exactly), or nullopt.
std::optional<ImageType> image_type_of_extension(std::string_view ext);

struct ImageInfo {
    ImageType type = ImageType::png;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
};

enum class ImageError {
    wrong_type,  // the magic bytes are not those of the declared type
    unreadable,  // the declared type's magic, but a header too short or malformed to give a size
};

struct ImageFailure {
    ImageError code;
    std::string message;  // English, for a person: what is wrong with the file
};

// Reads `bytes` as an image of type `declared`: its magic bytes must be the
// type's, and its header must give a width and a height, both above 0.
//   PNG:  the signature, then the IHDR chunk (length 13) with its size.
//   JPEG: SOI, then segments up to the first start-of-frame (SOF0..SOF15
//         but DHT, JPG and DAC), baseline or progressive alike.
//   WebP: RIFF....WEBP whose RIFF size fits the bytes, then a VP8 (lossy
//         key frame), VP8L (lossless) or VP8X (extended) chunk.
// The size is not checked against any limit here (media.h does that).
std::expected<ImageInfo, ImageFailure> read_image_header(ByteView bytes, ImageType declared);

// The type whose magic bytes `bytes` start with, whatever was declared (for
// saying "this is a JPEG, not a PNG"); nullopt when none of the three.
std::optional<ImageType> image_type_of_magic(ByteView bytes);

}  // namespace kopilka::node
