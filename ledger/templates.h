// The bytes a venue's owner signs to word the venue's automatic messages on
// a node (docs/formats.md, "Message templates"): a template's text in one
// language, or the language its clients get. Never in a block: the node
// keeps templates in its own outbox family (node/messages/templates.h);
// they live here beside the other canonical forms so the owner's page and
// the tests build the same bytes.
#pragma once

#include "crypto/bytes.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace kopilka::ledger {

inline constexpr std::uint8_t templates_request_version = 1;
// What a request sets (the byte after time_ms).
enum class TemplatesField : std::uint8_t {
    text = 1,      // the text of one kind of message in one language
    language = 2,  // the language the venue's clients get
};
// A language is two ASCII letters ("ru", "en"); a kind its name
// ("coins_received"), at most this many bytes.
inline constexpr std::size_t template_language_code_bytes = 2;
inline constexpr std::size_t templates_kind_bytes_max = 32;
// A template's text, at most this many bytes of UTF-8 (docs/messages.md,
// "Templates"): 480 bytes is 240 Cyrillic letters, four SMS parts before the
// values go in, which is as much as a venue should want to pay for one.
inline constexpr std::size_t template_text_bytes_max = 480;

// u8 version (1) || ticker (1 + t) || u64 time_ms || u8 field (1) ||
// language (2 ASCII) || u8 k || kind (k ASCII) || text (u16 n || n UTF-8).
// nullopt when the language is not two bytes, the kind is empty or over
// templates_kind_bytes_max, or the text is over template_text_bytes_max (the
// node refuses those before it checks a signature). `ticker` must be valid.
std::optional<Bytes> templates_text_bytes(std::string_view ticker, std::uint64_t time_ms, std::string_view language,
                                          std::string_view kind, std::string_view text);
// u8 version (1) || ticker (1 + t) || u64 time_ms || u8 field (2) || language (2 ASCII).
std::optional<Bytes> templates_language_bytes(std::string_view ticker, std::uint64_t time_ms, std::string_view language);

}  // namespace kopilka::ledger
