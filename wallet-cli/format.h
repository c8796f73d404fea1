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
// "in 4 min", "3 min ago", "in 20 s"
std::string relative_time(std::uint64_t when_s, std::uint64_t now_s);
// Accepts unix seconds, YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] (UTC).
std::optional<std::uint64_t> parse_time_s(std::string_view text);

// kop1qyx8…3fz9 / phone:8828ab…: enough to tell accounts apart in a table.
std::string short_account(std::string_view account);

// A plain text table with a header row; columns padded to their widest cell
// (counting UTF-8 characters, not bytes).
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
// starts with = + - or @ gets a leading apostrophe (no formula injection).
std::string csv_line(const std::vector<std::string>& cells);

}  // namespace kopilka::wallet
