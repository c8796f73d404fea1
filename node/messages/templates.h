// How a venue words its automatic messages (docs/messages.md, "Templates"):
// one template per kind of message the venue pays for, in Russian and in
// English, with {variables} the node fills in when it writes the message,
// and the language the venue's clients get.
//
// The kinds are a table (template_kinds()): each row says which variables
// its messages offer, which a template must hold, and the node's own texts
// used until the owner writes one. A new kind of message (a campaign) is a
// row there; the store, the RPC and the owner's page follow it.
//
// Set by the venue's owner with a signed request (ledger/templates.h), kept
// in the ledger store's outbox family ('t' + the ticker, one record per
// venue), written and synced before the request is answered, so a restart
// keeps them and the next block's messages use them. Never on the chain, and
// nothing secret in them: a template is text the venue chose to send.
#pragma once

#include "ledger/store.h"
#include "ledger/templates.h"
#include "ledger/types.h"
#include "node/log.h"
#include "node/messages/outbox.h"

#include <array>
#include <cstdint>
#include <expected>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kopilka::node {

// The languages a venue can word its messages in. (Appended last: records
// name a language by its code.)
enum class Language : std::uint8_t { ru, en };
inline constexpr Language languages_all[] = {Language::ru, Language::en};
// A venue that never chose: most venues on a Kopilka node are Russian.
inline constexpr Language venue_language_default = Language::ru;
std::string_view language_code(Language l);  // "ru", "en"
std::optional<Language> language_of_code(std::string_view code);

// A signed request is taken within this of the node's clock (as a signed
// phone.lookup or a consent choice), and only when it was signed after the
// last one for the same venue and slot, so an old request cannot undo a
// newer one or be played again.
inline constexpr std::uint64_t templates_request_window_ms = 5 * 60 * 1000;

// The variables a message may hold, spelt {name} in a template.
inline constexpr std::string_view template_variable_venue = "venue";      // the venue's name on the chain
inline constexpr std::string_view template_variable_amount = "amount";    // what the client got, "3.00" ("3,00" in Russian)
inline constexpr std::string_view template_variable_ticker = "ticker";    // the coin, "VOLODYA"
inline constexpr std::string_view template_variable_balance = "balance";  // what the client holds after it
inline constexpr std::string_view template_variable_link = "link";        // the client's cabinet, <node>/c/<ref>
inline constexpr std::string_view template_variable_expires = "expires";  // a gift's term, expiry_in below

// One kind of automatic message a venue can word.
struct TemplateKind {
    MessageKind kind;
    std::span<const std::string_view> variables;  // what a template of it may use
    std::span<const std::string_view> required;   // what it must use
    std::string_view default_ru;                  // the node's text until the owner writes one
    std::string_view default_en;
    std::string_view default_text(Language l) const { return l == Language::ru ? default_ru : default_en; }
};
std::span<const TemplateKind> template_kinds();
const TemplateKind* template_kind(MessageKind k);
const TemplateKind* template_kind_named(std::string_view name);

// Why a text is no template of its kind, with a stable reason (the RPC's
// error.data.reason) and the variable it names, if any.
enum class TemplateFault : std::uint8_t {
    too_long,          // over ledger::template_text_bytes_max bytes
    characters,        // not UTF-8, a control character (a line break too), or a hidden one
    unknown_variable,  // {x} that the kind does not offer
    missing_variable,  // a required one is absent ({link} in coins_received)
    brace,             // a { or } that is not part of a {variable}
};
std::string_view template_fault_name(TemplateFault f);
struct TemplateProblem {
    TemplateFault fault;
    std::string variable;  // unknown_variable, missing_variable
    std::string message;   // for a person
};
// Checks `text` as a template of `kind`; nullopt when it is one. The empty
// text (back to the node's own) is not checked here: callers treat it so.
std::optional<TemplateProblem> template_problem(const TemplateKind& kind, std::string_view text);

// `text` with every {name} replaced by its value, in one pass: a value is
// never read for variables itself (a venue named "{link}" stays so).
// `text` passed template_problem; a {name} without a value is left as is.
using TemplateValues = std::vector<std::pair<std::string_view, std::string>>;
std::string render_template(std::string_view text, const TemplateValues& values);

// An amount as a message in `l` writes it: "3.00", or "3,00" in Russian,
// whose decimal separator is a comma.
std::string amount_in(Language l, ledger::Amount units);
// A local date as a message in `l` writes it: "12.12.2026" in Russian,
// "12 Dec 2026" in English.
std::string date_in(Language l, std::int32_t year, unsigned month, unsigned day);
// How long a gift lasts, as a message in `l` says it after "действует" /
// "valid": through its last local day {year, month, day} ("до 12.12.2026
// включительно", "through 12 Dec 2026"), or for good (nullopt: "бессрочно",
// "indefinitely").
std::string expiry_in(Language l, std::optional<std::array<std::int32_t, 3>> last_day);

class Templates {
public:
    struct Slot {
        std::string text;             // "" = the node's default
        std::uint64_t time_ms = 0;    // when the node took it
        std::uint64_t signed_ms = 0;  // the request's time_ms
    };
    struct Venue {
        Language language = venue_language_default;
        std::uint64_t language_time_ms = 0, language_signed_ms = 0;  // 0: never chosen
        std::map<std::pair<MessageKind, Language>, Slot> texts;
    };
    enum class Refusal { stale, not_written };
    struct Refused {
        Refusal why;
        std::string message;  // for a person
    };

    Templates(ledger::Store& store, Log& log);  // reads the records

    // A venue's templates as kept (a venue that set none: the defaults).
    Venue of(std::string_view ticker) const;
    // What a message of `kind` for `ticker` is written from: the language
    // the venue chose and its template in it, else the node's default text.
    struct Choice {
        Language language;
        std::string text;
    };
    Choice for_message(std::string_view ticker, MessageKind kind) const;
    // Records a template's text (written, synced, before this returns); a
    // request signed at or before the slot's last one is stale. `text` has
    // passed template_problem (or is empty: back to the default).
    std::expected<Venue, Refused> set_text(std::string_view ticker, MessageKind kind, Language language,
                                           std::string text, std::uint64_t signed_ms, std::uint64_t now_ms);
    std::expected<Venue, Refused> set_language(std::string_view ticker, Language language, std::uint64_t signed_ms,
                                               std::uint64_t now_ms);

private:
    std::expected<void, Refused> write(std::string_view ticker, const Venue& v);
    ledger::Store& store_;
    Log& log_;
    mutable std::mutex mutex_;
    std::map<std::string, Venue, std::less<>> venues_;
};

}  // namespace kopilka::node
