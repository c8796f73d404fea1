#include "node/messages/templates.h"

#include "ledger/codec.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

namespace kopilka::node {

namespace json = boost::json;
using ledger::Column;

namespace {

// The outbox family's template records (the messages are 'm', the credits
// 'c', the packs 'g', the clients' choices 'o'): 't' + the ticker.
constexpr std::uint8_t templates_key_tag = 't';
constexpr std::int64_t templates_record_version = 1;
// A {name} is at most this long between its braces; past it a '{' is a stray
// brace, not a variable someone misspelt.
constexpr std::size_t template_variable_bytes_max = 32;

constexpr std::string_view coins_variables[] = {template_variable_venue, template_variable_amount,
                                                template_variable_ticker, template_variable_balance,
                                                template_variable_link};
// The link is the client's only way to their cabinet (to claim the phone,
// see the rewards, stop the messages): a message about coins always has it.
constexpr std::string_view coins_required[] = {template_variable_link};

// A gift of the programme: what a received message says, and until when it
// may be spent ({expires}, expiry_in: "до 12.12.2026 включительно" /
// "through 12 Dec 2026", or "бессрочно" / "indefinitely").
constexpr std::string_view gift_variables[] = {template_variable_venue,   template_variable_amount,
                                               template_variable_ticker,  template_variable_balance,
                                               template_variable_expires, template_variable_link};

constexpr TemplateKind kinds[] = {
    {MessageKind::coins_received, coins_variables, coins_required,
     "{venue}: вам начислено {amount} {ticker}. Баланс: {balance} {ticker}. Подробнее: {link}",
     "{venue}: you received {amount} {ticker}. Balance: {balance} {ticker}. Open {link}"},
    {MessageKind::birthday_gift, gift_variables, coins_required,
     "{venue} поздравляет с днём рождения! Подарок {amount} {ticker} действует {expires}. {link}",
     "{venue} wishes you a happy birthday! A gift of {amount} {ticker}, valid {expires}. {link}"},
    {MessageKind::winback_gift, gift_variables, coins_required,
     "{venue} скучает по вам: подарок {amount} {ticker} действует {expires}. {link}",
     "{venue} misses you: a gift of {amount} {ticker}, valid {expires}. {link}"},
    {MessageKind::expiry_reminder, gift_variables, coins_required,
     "{venue}: {amount} {ticker} из ваших бонусов действуют {expires}. Потратьте их: {link}",
     "{venue}: {amount} {ticker} of your bonuses are valid {expires}. Spend them: {link}"},
};

Bytes templates_key(std::string_view ticker) {
    Bytes k;
    k.reserve(1 + ticker.size());  // also spares g++ 12 a false -Warray-bounds on the insert
    k.push_back(templates_key_tag);
    k.insert(k.end(), ticker.begin(), ticker.end());
    return k;
}

std::string joined_variables(std::span<const std::string_view> names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += "{" + std::string(names[i]) + "}";
    }
    return out;
}

Bytes templates_record(std::string_view ticker, const Templates::Venue& v) {
    json::array texts;
    for (const auto& [slot, s] : v.texts)
        texts.push_back(json::object{{"kind", message_kind_name(slot.first)},
                                     {"language", language_code(slot.second)},
                                     {"text", s.text},
                                     {"time_ms", s.time_ms},
                                     {"signed_ms", s.signed_ms}});
    const std::string s = json::serialize(json::object{{"v", templates_record_version},
                                                       {"venue", ticker},
                                                       {"language", language_code(v.language)},
                                                       {"language_time_ms", v.language_time_ms},
                                                       {"language_signed_ms", v.language_signed_ms},
                                                       {"texts", std::move(texts)}});
    return Bytes(s.begin(), s.end());
}

std::optional<std::uint64_t> u64_field(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (!v || !v->is_int64() || v->as_int64() < 0) return std::nullopt;
    return static_cast<std::uint64_t>(v->as_int64());
}

const json::string* string_field(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    return v && v->is_string() ? &v->as_string() : nullptr;
}

// A record as it was written, or nullopt; `skipped` counts the texts this
// version cannot take (a kind it does not know, a text that is no template
// of its kind any more): their slot keeps its time, so an old request still
// cannot be played again, and its messages use the default text.
std::optional<std::pair<std::string, Templates::Venue>> decode_templates(ByteView key, ByteView bytes,
                                                                         std::uint64_t& skipped) {
    boost::system::error_code ec;
    const json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::object& o = v.as_object();
    const auto* ver = o.if_contains("v");
    const json::string* venue = string_field(o, "venue");
    const json::string* language = string_field(o, "language");
    const auto language_time = u64_field(o, "language_time_ms");
    const auto language_signed = u64_field(o, "language_signed_ms");
    const auto* texts = o.if_contains("texts");
    if (!ver || !ver->is_int64() || ver->as_int64() != templates_record_version || !venue || !language ||
        !language_time || !language_signed || !texts || !texts->is_array())
        return std::nullopt;
    // The key says the same as the record (asserted where it is read back).
    if (templates_key(*venue) != Bytes(key.begin(), key.end())) return std::nullopt;
    Templates::Venue out;
    const auto lang = language_of_code(*language);
    if (!lang) return std::nullopt;
    out.language = *lang;
    out.language_time_ms = *language_time;
    out.language_signed_ms = *language_signed;
    for (const auto& t : texts->as_array()) {
        if (!t.is_object()) return std::nullopt;
        const json::object& e = t.as_object();
        const json::string* kind_name = string_field(e, "kind");
        const json::string* text_lang = string_field(e, "language");
        const json::string* text = string_field(e, "text");
        const auto time = u64_field(e, "time_ms");
        const auto signed_ms = u64_field(e, "signed_ms");
        if (!kind_name || !text_lang || !text || !time || !signed_ms) return std::nullopt;
        const TemplateKind* kind = template_kind_named(*kind_name);
        const auto l = language_of_code(*text_lang);
        if (!kind || !l) {
            ++skipped;
            continue;
        }
        Templates::Slot s{std::string(*text), *time, *signed_ms};
        if (!s.text.empty() && template_problem(*kind, s.text)) {
            ++skipped;
            s.text.clear();
        }
        out.texts.insert_or_assign({kind->kind, *l}, std::move(s));
    }
    return std::pair{std::string(*venue), std::move(out)};
}

}  // namespace

std::string_view language_code(Language l) { return l == Language::ru ? "ru" : "en"; }

std::optional<Language> language_of_code(std::string_view code) {
    for (Language l : languages_all)
        if (language_code(l) == code) return l;
    return std::nullopt;
}

std::span<const TemplateKind> template_kinds() { return kinds; }

const TemplateKind* template_kind(MessageKind k) {
    for (const auto& row : kinds)
        if (row.kind == k) return &row;
    return nullptr;
}

const TemplateKind* template_kind_named(std::string_view name) {
    for (const auto& row : kinds)
        if (message_kind_name(row.kind) == name) return &row;
    return nullptr;
}

std::string_view template_fault_name(TemplateFault f) {
    switch (f) {
        case TemplateFault::too_long: return "too_long";
        case TemplateFault::characters: return "characters";
        case TemplateFault::unknown_variable: return "unknown_variable";
        case TemplateFault::missing_variable: return "missing_variable";
        case TemplateFault::brace: return "brace";
    }
    return "invalid";
}

std::optional<TemplateProblem> template_problem(const TemplateKind& kind, std::string_view text) {
    const std::string kind_name(message_kind_name(kind.kind));
    if (text.size() > ledger::template_text_bytes_max)
        return TemplateProblem{TemplateFault::too_long, "",
                               "the template is " + std::to_string(text.size()) + " bytes; at most " +
                                   std::to_string(ledger::template_text_bytes_max) +
                                   " bytes of UTF-8 (a Cyrillic letter takes 2)"};
    // A line break is a control character too: an SMS is one line, and a
    // provider may count or show one differently.
    if (auto err = ledger::display_text_error(text, "the template", false); !err.empty())
        return TemplateProblem{TemplateFault::characters, "", err};
    std::vector<std::string_view> used;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '}')
            return TemplateProblem{TemplateFault::brace, "",
                                   "the template has a } at byte " + std::to_string(i) +
                                       " that closes no variable; braces go only around a variable such as {link}"};
        if (text[i] != '{') continue;
        const std::size_t close = text.find_first_of("{}", i + 1);
        if (close == std::string_view::npos || text[close] != '}' || close == i + 1 ||
            close - i - 1 > template_variable_bytes_max)
            return TemplateProblem{TemplateFault::brace, "",
                                   "the template has a { at byte " + std::to_string(i) +
                                       " that opens no variable; braces go only around a variable such as {link}"};
        const std::string_view name = text.substr(i + 1, close - i - 1);
        if (std::find(kind.variables.begin(), kind.variables.end(), name) == kind.variables.end())
            return TemplateProblem{TemplateFault::unknown_variable, std::string(name),
                                   "the template holds {" + std::string(name) + "}, which " + kind_name +
                                       " messages do not offer; use " + joined_variables(kind.variables)};
        used.push_back(name);
        i = close;
    }
    for (std::string_view r : kind.required)
        if (std::find(used.begin(), used.end(), r) == used.end())
            return TemplateProblem{TemplateFault::missing_variable, std::string(r),
                                   "a " + kind_name + " template must hold {" + std::string(r) +
                                       "}: it is the client's only way to their cabinet"};
    return std::nullopt;
}

std::string render_template(std::string_view text, const TemplateValues& values) {
    std::string out;
    out.reserve(text.size() + 128);
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t open = text.find('{', i);
        if (open == std::string_view::npos) break;
        const std::size_t close = text.find('}', open + 1);
        if (close == std::string_view::npos) break;
        const std::string_view name = text.substr(open + 1, close - open - 1);
        const auto it = std::find_if(values.begin(), values.end(), [&](const auto& v) { return v.first == name; });
        out.append(text.substr(i, open - i));
        if (it == values.end())
            out.append(text.substr(open, close - open + 1));
        else
            out.append(it->second);
        i = close + 1;
    }
    out.append(text.substr(std::min(i, text.size())));
    return out;
}

std::string amount_in(Language l, ledger::Amount units) {
    std::string s = ledger::format_amount(units);
    if (l == Language::ru) std::replace(s.begin(), s.end(), '.', ',');
    return s;
}

std::string date_in(Language l, std::int32_t year, unsigned month, unsigned day) {
    static constexpr std::array<std::string_view, 12> months_en = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char out[32];
    if (l == Language::ru)
        std::snprintf(out, sizeof out, "%02u.%02u.%d", day, month, static_cast<int>(year));
    else
        std::snprintf(out, sizeof out, "%u %s %d", day, months_en.at((month - 1) % 12).data(), static_cast<int>(year));
    return out;
}

std::string expiry_in(Language l, std::optional<std::array<std::int32_t, 3>> last_day) {
    if (!last_day) return l == Language::ru ? "бессрочно" : "indefinitely";
    const std::string date = date_in(l, (*last_day)[0], static_cast<unsigned>((*last_day)[1]), static_cast<unsigned>((*last_day)[2]));
    return l == Language::ru ? "до " + date + " включительно" : "through " + date;
}

Templates::Templates(ledger::Store& store, Log& log) : store_(store), log_(log) {
    std::uint64_t undecodable = 0, skipped = 0;
    store_.scan(Column::outbox, Bytes{templates_key_tag}, {}, [&](ByteView key, ByteView value) {
        auto r = decode_templates(key, value, skipped);
        if (!r) {
            ++undecodable;
            return true;
        }
        venues_.insert_or_assign(std::move(r->first), std::move(r->second));
        return true;
    });
    // A record this version cannot read words nothing: its messages go out
    // in the node's own words. Said once, so the operator knows.
    if (undecodable > 0 || skipped > 0)
        log_.warn("templates.unreadable_records", {{"records", undecodable}, {"texts", skipped}});
}

Templates::Venue Templates::of(std::string_view ticker) const {
    std::lock_guard lock(mutex_);
    auto it = venues_.find(ticker);
    return it == venues_.end() ? Venue{} : it->second;
}

Templates::Choice Templates::for_message(std::string_view ticker, MessageKind kind) const {
    const TemplateKind* row = template_kind(kind);
    if (!row) throw std::logic_error("Templates::for_message: a kind without templates");
    std::lock_guard lock(mutex_);
    auto it = venues_.find(ticker);
    if (it == venues_.end()) return {venue_language_default, std::string(row->default_text(venue_language_default))};
    const Language l = it->second.language;
    auto s = it->second.texts.find({kind, l});
    if (s == it->second.texts.end() || s->second.text.empty()) return {l, std::string(row->default_text(l))};
    return {l, s->second.text};
}

std::expected<void, Templates::Refused> Templates::write(std::string_view ticker, const Venue& v) {
    ledger::Batch b;
    b.put(Column::outbox, templates_key(ticker), templates_record(ticker, v));
    if (auto ok = store_.write(b, /*sync=*/true); !ok) {
        log_.error("templates.write_failed", {{"error", ok.error()}});
        return std::unexpected(Refused{Refusal::not_written, "the template could not be written; try again"});
    }
    return {};
}

std::expected<Templates::Venue, Templates::Refused> Templates::set_text(std::string_view ticker, MessageKind kind,
                                                                        Language language, std::string text,
                                                                        std::uint64_t signed_ms, std::uint64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto it = venues_.find(ticker);
    Venue v = it == venues_.end() ? Venue{} : it->second;
    auto last = v.texts.find({kind, language});
    if (last != v.texts.end() && signed_ms <= last->second.signed_ms)
        return std::unexpected(Refused{Refusal::stale, "this template was signed before the last one set for " +
                                                           std::string(ticker) + "'s " +
                                                           std::string(message_kind_name(kind)) + " in " +
                                                           std::string(language_code(language)) +
                                                           "; sign it again with the current time"});
    v.texts.insert_or_assign({kind, language}, Slot{std::move(text), now_ms, signed_ms});
    if (auto ok = write(ticker, v); !ok) return std::unexpected(ok.error());
    venues_.insert_or_assign(std::string(ticker), v);
    return v;
}

std::expected<Templates::Venue, Templates::Refused> Templates::set_language(std::string_view ticker, Language language,
                                                                            std::uint64_t signed_ms,
                                                                            std::uint64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto it = venues_.find(ticker);
    Venue v = it == venues_.end() ? Venue{} : it->second;
    if (v.language_signed_ms != 0 && signed_ms <= v.language_signed_ms)
        return std::unexpected(Refused{Refusal::stale, "this choice of language was signed before the last one for " +
                                                           std::string(ticker) + "; sign it again with the current time"});
    v.language = language;
    v.language_time_ms = now_ms;
    v.language_signed_ms = signed_ms;
    if (auto ok = write(ticker, v); !ok) return std::unexpected(ok.error());
    venues_.insert_or_assign(std::string(ticker), v);
    return v;
}

}  // namespace kopilka::node
