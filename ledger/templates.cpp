#include "ledger/templates.h"

#include "ledger/codec.h"
#include "ledger/types.h"

namespace kopilka::ledger {

namespace {

// The head both requests share: what venue, when, which field and language.
// The field byte keeps a language request from ever reading as a text one.
Writer head(std::string_view ticker, std::uint64_t time_ms, TemplatesField field, std::string_view language) {
    Writer w;
    w.u8(templates_request_version);
    write_ticker(w, ticker);
    w.u64(time_ms);
    w.u8(static_cast<std::uint8_t>(field));
    w.raw(as_bytes(language));
    return w;
}

}  // namespace

std::optional<Bytes> templates_text_bytes(std::string_view ticker, std::uint64_t time_ms, std::string_view language,
                                          std::string_view kind, std::string_view text) {
    static_assert(templates_kind_bytes_max <= 0xff, "the kind's length is one byte");
    static_assert(template_text_bytes_max <= 0xffff, "the text's length is two bytes");
    if (language.size() != template_language_code_bytes || kind.empty() || kind.size() > templates_kind_bytes_max ||
        text.size() > template_text_bytes_max)
        return std::nullopt;
    Writer w = head(ticker, time_ms, TemplatesField::text, language);
    w.u8(static_cast<std::uint8_t>(kind.size()));
    w.raw(as_bytes(kind));
    w.u16(static_cast<std::uint16_t>(text.size()));
    w.raw(as_bytes(text));
    return std::move(w).take();
}

std::optional<Bytes> templates_language_bytes(std::string_view ticker, std::uint64_t time_ms, std::string_view language) {
    if (language.size() != template_language_code_bytes) return std::nullopt;
    return head(ticker, time_ms, TemplatesField::language, language).take();
}

}  // namespace kopilka::ledger
