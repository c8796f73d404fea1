#include "media_images.h"

#include <jpeglib.h>
#include <png.h>
#include <webp/encode.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace kopilka::test {
namespace {

void check(bool ok) {
    if (!ok) throw std::runtime_error("an image encoder failed");
}

// width x height pixels of a gradient (something to compress); with 4
// channels, translucent.
std::vector<std::uint8_t> pixels(std::uint32_t w, std::uint32_t h, int channels = 3) {
    std::vector<std::uint8_t> p(static_cast<std::size_t>(w) * h * channels);
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(i * 7 % 251);
    if (channels == 4)
        for (std::size_t i = 3; i < p.size(); i += 4) p[i] = static_cast<std::uint8_t>(i % 200);  // translucent
    return p;
}

}  // namespace

std::string png(std::uint32_t w, std::uint32_t h) {
    png_image img{};
    img.version = PNG_IMAGE_VERSION;
    img.width = w;
    img.height = h;
    img.format = PNG_FORMAT_RGB;
    const auto px = pixels(w, h);
    png_alloc_size_t size = 0;
    check(png_image_write_to_memory(&img, nullptr, &size, 0, px.data(), 0, nullptr));
    std::string out(size, '\0');
    check(png_image_write_to_memory(&img, out.data(), &size, 0, px.data(), 0, nullptr));
    out.resize(size);
    return out;
}

// A JPEG through libjpeg; `progressive` writes SOF2 instead of SOF0, and a
// comment segment goes before the frame so the reader must walk segments.
std::string jpeg(std::uint32_t w, std::uint32_t h, bool progressive) {
    jpeg_compress_struct c{};
    jpeg_error_mgr err{};
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &buf, &size);
    c.image_width = w;
    c.image_height = h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    const std::string comment(300, 'c');
    jpeg_write_marker(&c, JPEG_COM, reinterpret_cast<const JOCTET*>(comment.data()), static_cast<unsigned>(comment.size()));
    auto px = pixels(w, h);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = px.data() + static_cast<std::size_t>(c.next_scanline) * w * 3;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    std::string out(reinterpret_cast<const char*>(buf), size);
    std::free(buf);
    return out;
}

std::string webp(std::uint32_t w, std::uint32_t h, WebpKind kind) {
    std::uint8_t* out = nullptr;
    std::size_t size = 0;
    const int iw = static_cast<int>(w), ih = static_cast<int>(h);
    if (kind == WebpKind::lossy) {
        const auto px = pixels(w, h);
        size = WebPEncodeRGB(px.data(), iw, ih, iw * 3, 75, &out);
    } else if (kind == WebpKind::lossless) {
        const auto px = pixels(w, h);
        size = WebPEncodeLosslessRGB(px.data(), iw, ih, iw * 3, &out);
    } else {
        // Lossy with alpha: VP8X, then ALPH and VP8 chunks.
        const auto px = pixels(w, h, 4);
        size = WebPEncodeRGBA(px.data(), iw, ih, iw * 4, 75, &out);
    }
    check(size > 0);
    std::string s(reinterpret_cast<const char*>(out), size);
    WebPFree(out);
    return s;
}

}  // namespace kopilka::test
