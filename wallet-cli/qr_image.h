// QR codes as pictures: made with libqrencode (terminal, PNG, SVG) and read
// back from PNG with zbar. libqrencode, libpng and zbar stay inside qr_image.cpp.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kopilka::wallet {

// Modules of light margin around the code, as ISO/IEC 18004 asks.
inline constexpr int qr_quiet_zone_modules = 4;
// PNG pixels per module: a phone camera or a flatbed reads it without blur.
inline constexpr int qr_png_pixels_per_module = 8;
// Images larger than this are refused before decoding (a phone screenshot fits).
inline constexpr std::uint64_t qr_png_pixels_max = 40'000'000;

// A QR symbol: width x width modules, true = dark.
struct QrMatrix {
    int width = 0;
    int version = 0;
    std::vector<bool> dark;
    bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * width + x)]; }
};

// Error correction M (15%): a screen with glare or a scratch still scans.
// Text made only of QR alphanumeric characters is encoded in that mode.
std::expected<QrMatrix, std::string> make_qr(std::string_view text);

// Two module rows per text line with UTF-8 half blocks. With `ansi`, colours
// are set explicitly (black on white) so it scans on any terminal theme;
// without, light modules are drawn as blocks (for a dark terminal), as
// `qrencode -t UTF8` does.
std::string render_terminal(const QrMatrix& qr, bool ansi);
std::string render_svg(const QrMatrix& qr);
std::expected<void, std::string> write_png(const QrMatrix& qr, const std::filesystem::path& path);
std::expected<void, std::string> write_text_file(const std::filesystem::path& path, std::string_view text);

// Every QR code zbar finds in a PNG image, as text.
std::expected<std::vector<std::string>, std::string> scan_png(const std::filesystem::path& path);

}  // namespace kopilka::wallet
