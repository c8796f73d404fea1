// Text for people: times, short account forms, tables and CSV.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kopilka::wallet {

// "2026-09-21 10:00:00 UTC"
std::string utc_time_s(std::uint64_t unix_s);
std::string utc_time_ms(std::uint64_t unix_ms);
// "in 4 min", "3 min ago", "in 20 s", "now"
std::string relative_time(std::uint64_t when_s, std::uint64_t now_s);
// Accepts unix seconds, YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] (UTC).
std::optional<std::uint64_t> parse_time_s(std::string_view text);

// Text from the chain or the node, made safe for a terminal: every C0 and C1
// control, DEL, bidi control and zero-width character (ledger's hidden-format
// rule) is shown as a visible escape "\u{202E}", and a byte that is not UTF-8
// as "\x{FF}". A hostile node can send any string; the ledger refuses such
// text, but the CLI does not trust the node to have applied the rule, so a
// name cannot reorder a line, clear the screen or hide an amount.
std::string display_text(std::string_view text);

// kop1qyx8…3fz9 / phone:8828ab…: enough to tell accounts apart in a table.
std::string short_account(std::string_view account);

// A plain text table with a header row; columns padded to their widest cell
// (counting UTF-8 characters, not bytes). Every cell is shown through
// display_text.
class Table {
public:
    explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    bool empty() const { return rows_.size() == 1; }
    std::string render() const;

private:
    std::vector<std::vector<std::string>> rows_;
};

// One RFC 4180 line (quotes only where needed), ending in CRLF. A cell that
// starts with = + - or @ gets a leading apostrophe (no formula injection);
// every cell is shown through display_text.
std::string csv_line(const std::vector<std::string>& cells);

}  // namespace kopilka::wallet
