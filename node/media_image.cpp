#include "node/media_image.h"
#include "node/http_text.h"

#include <array>

namespace kopilka::node {
namespace {

constexpr std::array<std::uint8_t, 8> png_signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
// Signature, IHDR length and type, width, height: the bytes a size needs.
constexpr std::size_t png_header_bytes = 8 + 4 + 4 + 4 + 4;
constexpr std::uint32_t png_ihdr_length = 13;
// PNG sizes are 31-bit (PNG 1.2, 11.2.2).
constexpr std::uint32_t png_side_max = 0x7fffffffu;

// "RIFF", its size, "WEBP", then the first chunk's fourcc and size.
constexpr std::size_t webp_chunk_data_at = 20;
constexpr std::size_t riff_header_bytes = 8;
// A VP8 key frame: 3 bytes of frame tag, the start code, 2 + 2 bytes of size.
constexpr std::array<std::uint8_t, 3> vp8_start_code = {0x9d, 0x01, 0x2a};
constexpr std::size_t vp8_header_bytes = 10;
constexpr std::uint8_t vp8l_signature = 0x2f;
constexpr std::size_t vp8l_header_bytes = 5;
constexpr std::size_t vp8x_header_bytes = 10;

constexpr std::uint8_t jpeg_marker = 0xff;
constexpr std::uint8_t jpeg_soi = 0xd8;
constexpr std::uint8_t jpeg_eoi = 0xd9;
constexpr std::uint8_t jpeg_sos = 0xda;
// A start-of-frame segment's payload up to its size: precision, height, width.
constexpr std::size_t jpeg_sof_bytes = 5;

std::uint32_t be16(ByteView b, std::size_t at) { return std::uint32_t{b[at]} << 8 | b[at + 1]; }
std::uint32_t be32(ByteView b, std::size_t at) { return be16(b, at) << 16 | be16(b, at + 2); }
std::uint32_t le16(ByteView b, std::size_t at) { return std::uint32_t{b[at + 1]} << 8 | b[at]; }
std::uint32_t le24(ByteView b, std::size_t at) { return std::uint32_t{b[at + 2]} << 16 | le16(b, at); }
std::uint32_t le32(ByteView b, std::size_t at) { return std::uint32_t{b[at + 3]} << 24 | le24(b, at); }

bool starts_with(ByteView b, std::string_view magic, std::size_t at = 0) {
    if (b.size() < at + magic.size()) return false;
    for (std::size_t i = 0; i < magic.size(); ++i)
        if (b[at + i] != static_cast<std::uint8_t>(magic[i])) return false;
    return true;
}

std::unexpected<ImageFailure> unreadable(std::string_view type, std::string why) {
    return std::unexpected(ImageFailure{ImageError::unreadable, "the " + std::string(type) + " file cannot be read: " +
                                                                    std::move(why) + "; save it again and upload that"});
}

std::expected<ImageInfo, ImageFailure> sized(ImageType t, std::uint32_t w, std::uint32_t h, std::string_view name) {
    if (w == 0 || h == 0) return unreadable(name, "its header gives a width or height of 0");
    return ImageInfo{t, w, h};
}

std::expected<ImageInfo, ImageFailure> read_png(ByteView b) {
    if (b.size() < png_header_bytes) return unreadable("PNG", "it ends before its IHDR header");
    if (be32(b, 8) != png_ihdr_length || !starts_with(b, "IHDR", 12))
        return unreadable("PNG", "its first chunk is not a 13-byte IHDR");
    const std::uint32_t w = be32(b, 16), h = be32(b, 20);
    if (w > png_side_max || h > png_side_max) return unreadable("PNG", "its IHDR gives a size over 2^31-1");
    return sized(ImageType::png, w, h, "PNG");
}

// A start-of-frame marker: C0..CF but C4 (DHT), C8 (JPG) and CC (DAC).
bool jpeg_sof(std::uint8_t m) { return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc; }
// Markers with no length: TEM and RST0..RST7 (ITU T.81, B.1.1.3).
bool jpeg_standalone(std::uint8_t m) { return m == 0x01 || (m >= 0xd0 && m <= 0xd7); }

std::expected<ImageInfo, ImageFailure> read_jpeg(ByteView b) {
    std::size_t at = 2;  // after SOI
    for (;;) {
        if (at >= b.size() || b[at] != jpeg_marker) return unreadable("JPEG", "a segment does not start with a marker");
        while (at < b.size() && b[at] == jpeg_marker) ++at;  // fill bytes
        if (at >= b.size()) return unreadable("JPEG", "it ends before its frame header");
        const std::uint8_t m = b[at++];
        if (jpeg_standalone(m)) continue;
        if (m == jpeg_eoi || m == jpeg_sos || m == jpeg_soi || m == 0x00)
            return unreadable("JPEG", "it has no frame header before its image data");
        if (at + 2 > b.size()) return unreadable("JPEG", "it ends inside a segment's length");
        const std::uint32_t length = be16(b, at);  // counts its own two bytes
        if (length < 2 || at + length > b.size()) return unreadable("JPEG", "a segment runs past the end of the file");
        if (jpeg_sof(m)) {
            if (length < 2 + jpeg_sof_bytes) return unreadable("JPEG", "its frame header is too short");
            return sized(ImageType::jpeg, be16(b, at + 5), be16(b, at + 3), "JPEG");
        }
        at += length;
    }
}

std::expected<ImageInfo, ImageFailure> read_webp(ByteView b) {
    if (b.size() < webp_chunk_data_at) return unreadable("WebP", "it ends before its first chunk");
    const std::uint64_t riff_size = le32(b, 4);
    if (riff_size + riff_header_bytes > b.size()) return unreadable("WebP", "its RIFF size is past the end of the file");
    const std::uint64_t chunk_size = le32(b, 16);
    const std::size_t d = webp_chunk_data_at;
    if (d + chunk_size > b.size()) return unreadable("WebP", "its first chunk runs past the end of the file");
    if (starts_with(b, "VP8 ", 12)) {
        if (chunk_size < vp8_header_bytes) return unreadable("WebP", "its VP8 frame header is too short");
        if ((b[d] & 1) != 0) return unreadable("WebP", "its VP8 frame is not a key frame");
        if (b[d + 3] != vp8_start_code[0] || b[d + 4] != vp8_start_code[1] || b[d + 5] != vp8_start_code[2])
            return unreadable("WebP", "its VP8 frame has no start code");
        // 14 bits of size, 2 of scaling (RFC 6386, 9.1).
        return sized(ImageType::webp, le16(b, d + 6) & 0x3fff, le16(b, d + 8) & 0x3fff, "WebP");
    }
    if (starts_with(b, "VP8L", 12)) {
        if (chunk_size < vp8l_header_bytes || b[d] != vp8l_signature)
            return unreadable("WebP", "its VP8L header has no signature");
        // 14 bits of width - 1, 14 of height - 1, 1 of alpha, 3 of version (0).
        const std::uint32_t bits = le32(b, d + 1);
        if ((bits >> 29) != 0) return unreadable("WebP", "its VP8L version is not 0");
        return sized(ImageType::webp, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1, "WebP");
    }
    if (starts_with(b, "VP8X", 12)) {
        if (chunk_size < vp8x_header_bytes) return unreadable("WebP", "its VP8X header is too short");
        // Flags and reserved bytes, then 24 bits each of canvas width - 1 and height - 1.
        return sized(ImageType::webp, le24(b, d + 4) + 1, le24(b, d + 7) + 1, "WebP");
    }
    return unreadable("WebP", "its first chunk is not VP8, VP8L or VP8X");
}

}  // namespace

std::string_view image_mime(ImageType t) {
    switch (t) {
        case ImageType::png: return "image/png";
        case ImageType::jpeg: return "image/jpeg";
        case ImageType::webp: return "image/webp";
    }
    return "application/octet-stream";
}

std::string_view image_extension(ImageType t) {
    switch (t) {
        case ImageType::png: return "png";
        case ImageType::jpeg: return "jpg";
        case ImageType::webp: return "webp";
    }
    return "bin";
}

std::optional<ImageType> image_type_of_mime(std::string_view content_type) {
    const auto media = trim(content_type.substr(0, content_type.find(';')));
    for (ImageType t : {ImageType::png, ImageType::jpeg, ImageType::webp})
        if (iequals(media, image_mime(t))) return t;
    return std::nullopt;
}

std::optional<ImageType> image_type_of_extension(std::string_view ext) {
    for (ImageType t : {ImageType::png, ImageType::jpeg, ImageType::webp})
        if (ext == image_extension(t)) return t;
    return std::nullopt;
}

std::optional<ImageType> image_type_of_magic(ByteView b) {
    if (b.size() >= png_signature.size() && std::equal(png_signature.begin(), png_signature.end(), b.begin()))
        return ImageType::png;
    if (b.size() >= 3 && b[0] == jpeg_marker && b[1] == jpeg_soi && b[2] == jpeg_marker) return ImageType::jpeg;
    if (starts_with(b, "RIFF") && starts_with(b, "WEBP", 8)) return ImageType::webp;
    return std::nullopt;
}

std::expected<ImageInfo, ImageFailure> read_image_header(ByteView bytes, ImageType declared) {
    const auto actual = image_type_of_magic(bytes);
    if (actual != declared) {
        std::string what = actual ? "a " + std::string(image_mime(*actual)) + " file"
                                  : std::string("not a PNG, JPEG or WebP image");
        return std::unexpected(ImageFailure{ImageError::wrong_type, "the upload is " + what + ", but its Content-Type says " +
                                                                        std::string(image_mime(declared))});
    }
    switch (declared) {
        case ImageType::png: return read_png(bytes);
        case ImageType::jpeg: return read_jpeg(bytes);
        case ImageType::webp: return read_webp(bytes);
    }
    return unreadable("image", "unknown type");
}

}  // namespace kopilka::node
