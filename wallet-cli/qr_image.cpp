#include "wallet-cli/qr_image.h"

#include <png.h>
#include <qrencode.h>
#include <zbar.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace kopilka::wallet {

std::expected<QrMatrix, std::string> make_qr(std::string_view text) {
    const std::string s(text);
    // version 0: the smallest that fits; QR_MODE_8 lets libqrencode pick the
    // densest mode per segment (alphanumeric for our payloads).
    std::unique_ptr<QRcode, void (*)(QRcode*)> code(QRcode_encodeString(s.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1),
                                                   QRcode_free);
    if (!code) return std::unexpected(std::string("cannot make a QR code: ") + std::strerror(errno));
    QrMatrix m;
    m.width = code->width;
    m.version = code->version;
    m.dark.resize(static_cast<std::size_t>(m.width) * static_cast<std::size_t>(m.width));
    for (std::size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (code->data[i] & 1) != 0;
    return m;
}

std::string render_terminal(const QrMatrix& qr, bool ansi) {
    const int q = qr_quiet_zone_modules;
    const int size = qr.width + 2 * q;
    auto dark = [&](int x, int y) {
        x -= q;
        y -= q;
        return x >= 0 && y >= 0 && x < qr.width && y < qr.width && qr.at(x, y);
    };
    std::string out;
    for (int y = 0; y < size; y += 2) {
        // With ANSI colours, the foreground is black (dark modules) on a white
        // background; without, blocks stand for light modules.
        if (ansi) out += "\x1b[30;107m";
        for (int x = 0; x < size; ++x) {
            const bool top = dark(x, y);
            const bool bottom = y + 1 < size && dark(x, y + 1);
            const bool top_ink = ansi ? top : !top;
            const bool bottom_ink = ansi ? bottom : (y + 1 < size && !bottom);
            if (top_ink && bottom_ink) out += "\u2588";
            else if (top_ink) out += "\u2580";
            else if (bottom_ink) out += "\u2584";
            else out += ' ';
        }
        if (ansi) out += "\x1b[0m";
        out += '\n';
    }
    return out;
}

std::string render_svg(const QrMatrix& qr) {
    const int size = qr.width + 2 * qr_quiet_zone_modules;
    std::string path;
    for (int y = 0; y < qr.width; ++y)
        for (int x = 0; x < qr.width; ++x)
            if (qr.at(x, y))
                path += "M" + std::to_string(x + qr_quiet_zone_modules) + "," +
                        std::to_string(y + qr_quiet_zone_modules) + "h1v1h-1z";
    const std::string s = std::to_string(size);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 " + s + " " + s +
           "\" width=\"" + std::to_string(size * qr_png_pixels_per_module) + "\" height=\"" +
           std::to_string(size * qr_png_pixels_per_module) +
           "\" shape-rendering=\"crispEdges\">\n"
           "<rect width=\"" + s + "\" height=\"" + s + "\" fill=\"#ffffff\"/>\n"
           "<path fill=\"#000000\" d=\"" + path + "\"/>\n</svg>\n";
}

std::expected<void, std::string> write_text_file(const std::filesystem::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return std::unexpected("cannot write " + path.string() + ": " + std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) return std::unexpected("cannot write " + path.string() + ": " + std::strerror(errno));
    return {};
}

std::expected<void, std::string> write_png(const QrMatrix& qr, const std::filesystem::path& path) {
    const int scale = qr_png_pixels_per_module;
    const int size = (qr.width + 2 * qr_quiet_zone_modules) * scale;
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(size) * static_cast<std::size_t>(size), 0xff);
    for (int y = 0; y < qr.width; ++y)
        for (int x = 0; x < qr.width; ++x) {
            if (!qr.at(x, y)) continue;
            for (int dy = 0; dy < scale; ++dy) {
                const auto row = static_cast<std::size_t>((y + qr_quiet_zone_modules) * scale + dy) *
                                 static_cast<std::size_t>(size);
                for (int dx = 0; dx < scale; ++dx)
                    pixels[row + static_cast<std::size_t>((x + qr_quiet_zone_modules) * scale + dx)] = 0;
            }
        }
    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(size);
    image.height = static_cast<png_uint_32>(size);
    image.format = PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), size, nullptr)) {
        std::string why = image.message;
        png_image_free(&image);
        return std::unexpected("cannot write " + path.string() + ": " + why);
    }
    return {};
}

std::expected<std::vector<std::string>, std::string> scan_png(const std::filesystem::path& path) {
    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path.c_str())) {
        std::string why = image.message;
        png_image_free(&image);
        if (!std::filesystem::exists(path)) why = "no such file";
        return std::unexpected("cannot read " + path.string() + " as PNG: " + why);
    }
    if (static_cast<std::uint64_t>(image.width) * image.height > qr_png_pixels_max) {
        png_image_free(&image);
        return std::unexpected(path.string() + " is larger than " + std::to_string(qr_png_pixels_max) + " pixels");
    }
    // Grey on a white background: transparency composes onto white, as a
    // screen would show it.
    image.format = PNG_FORMAT_GRAY;
    std::vector<std::uint8_t> pixels(PNG_IMAGE_SIZE(image));
    png_color white{0xff, 0xff, 0xff};
    if (!png_image_finish_read(&image, &white, pixels.data(), 0, nullptr)) {
        std::string why = image.message;
        png_image_free(&image);
        return std::unexpected("cannot read " + path.string() + " as PNG: " + why);
    }

    // zbar.h puts its C API in namespace zbar when compiled as C++.
    using namespace zbar;
    std::unique_ptr<zbar_image_scanner_t, void (*)(zbar_image_scanner_t*)> scanner(zbar_image_scanner_create(),
                                                                                  zbar_image_scanner_destroy);
    zbar_image_scanner_set_config(scanner.get(), ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(scanner.get(), ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    std::unique_ptr<zbar_image_t, void (*)(zbar_image_t*)> zimg(zbar_image_create(), zbar_image_destroy);
    zbar_image_set_format(zimg.get(), zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zimg.get(), image.width, image.height);
    // No cleanup handler: `pixels` owns the memory and outlives the image.
    zbar_image_set_data(zimg.get(), pixels.data(), pixels.size(), nullptr);
    const int found = zbar_scan_image(scanner.get(), zimg.get());
    if (found < 0) return std::unexpected("zbar could not scan " + path.string());
    std::vector<std::string> texts;
    for (const zbar_symbol_t* s = zbar_image_first_symbol(zimg.get()); s; s = zbar_symbol_next(s))
        texts.emplace_back(zbar_symbol_get_data(s), zbar_symbol_get_data_length(s));
    return texts;
}

}  // namespace kopilka::wallet
