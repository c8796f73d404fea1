#include "wallet-cli/format.h"

#include "ledger/codec.h"

#include <charconv>
#include <ctime>

namespace kopilka::wallet {

std::string utc_time_s(std::uint64_t unix_s) {
    const auto t = static_cast<std::time_t>(unix_s);
    std::tm tm{};
    if (!gmtime_r(&t, &tm)) return std::to_string(unix_s);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string utc_time_ms(std::uint64_t unix_ms) { return utc_time_s(unix_ms / 1000); }

std::string relative_time(std::uint64_t when_s, std::uint64_t now_s) {
    auto span = [](std::uint64_t d) {
        if (d < 120) return std::to_string(d) + " s";
        if (d < 2 * 3600) return std::to_string(d / 60) + " min";
        if (d < 2 * 86400) return std::to_string(d / 3600) + " h";
        return std::to_string(d / 86400) + " days";
    };
    if (when_s == now_s) return "now";
    if (when_s > now_s) return "in " + span(when_s - now_s);
    return span(now_s - when_s) + " ago";
}

std::optional<std::uint64_t> parse_time_s(std::string_view text) {
    std::uint64_t n = 0;
    if (auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        ec == std::errc{} && p == text.data() + text.size())
        return n;
    std::tm tm{};
    const std::string s(text);
    const char* end = nullptr;
    for (const char* fmt : {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"}) {
        tm = {};
        end = strptime(s.c_str(), fmt, &tm);
        if (end && *end == '\0') break;
        end = nullptr;
    }
    if (!end) return std::nullopt;
    const std::time_t t = timegm(&tm);
    if (t < 0) return std::nullopt;
    return static_cast<std::uint64_t>(t);
}

namespace {
std::string escape(const char* form, std::uint32_t value, int hex_digits) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out = form;
    for (int shift = (hex_digits - 1) * 4; shift >= 0; shift -= 4) out += digits[(value >> shift) & 0xF];
    return out + "}";
}
}  // namespace

std::string display_text(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        // One code point at a time, checked as the ledger checks text: a
        // sequence that is not well-formed UTF-8 is shown byte by byte.
        const std::string_view seq = len != 0 && i + len <= s.size() ? s.substr(i, len) : std::string_view{};
        if (seq.empty() || !ledger::valid_display_text(seq)) {
            std::uint32_t cp = c;
            bool well_formed = false;
            if (!seq.empty()) {
                cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
                well_formed = true;
                for (std::size_t k = 1; k < len; ++k) {
                    const auto cc = static_cast<unsigned char>(seq[k]);
                    well_formed = well_formed && (cc & 0xC0) == 0x80;
                    cp = cp << 6 | (cc & 0x3Fu);
                }
                static constexpr std::uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
                well_formed = well_formed && cp >= min_for_len[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
            }
            if (well_formed) {
                // A control, DEL, C1, bidi control or zero-width character.
                out += escape("\\u{", cp, cp > 0xFFFF ? 5 : 4);
                i += len;
            } else {
                out += escape("\\x{", c, 2);
                ++i;
            }
            continue;
        }
        out += seq;
        i += len;
    }
    return out;
}

std::string short_account(std::string_view a) {
    if (a.starts_with("phone:") && a.size() > 14) return std::string(a.substr(0, 14)) + "\u2026";
    if (a.size() > 16) return std::string(a.substr(0, 10)) + "\u2026" + std::string(a.substr(a.size() - 4));
    return std::string(a);
}

namespace {
std::size_t display_width(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xc0) != 0x80) ++n;
    return n;
}
}  // namespace

std::string Table::render() const {
    std::vector<std::vector<std::string>> shown;
    for (const auto& row : rows_) {
        std::vector<std::string> cells;
        for (const auto& cell : row) cells.push_back(display_text(cell));
        shown.push_back(std::move(cells));
    }
    std::vector<std::size_t> width;
    for (const auto& row : shown)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], display_width(row[i]));
        }
    std::string out;
    for (const auto& row : shown) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - display_width(row[i]) + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string csv_line(const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i) out += ',';
        std::string c = display_text(cells[i]);
        // A memo is anyone's text: a leading = + - @ would run as a formula
        // in a spreadsheet, so such a cell is kept as text with a quote mark.
        if (!c.empty() && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@')) c.insert(0, "'");
        if (c.find_first_of(",\"\r\n") == std::string::npos) {
            out += c;
        } else {
            out += '"';
            for (char ch : c) {
                if (ch == '"') out += '"';
                out += ch;
            }
            out += '"';
        }
    }
    return out + "\r\n";
}

}  // namespace kopilka::wallet
