// A venue's message templates on their own (node/messages/templates.h): which
// texts are templates of a kind and why the others are not, rendering in one
// pass, amounts as each language writes them, the signed bytes of
// docs/formats.md "Message templates" byte for byte, and the records on a
// store in a temp dir: replay refused, a reopen keeps them.
#include "node/messages/templates.h"

#include "crypto/bytes.h"
#include "ledger/templates.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>

using namespace kopilka;
using namespace kopilka::node;
using kopilka::test::TempDir;

namespace {

const TemplateKind& coins() {
    const TemplateKind* k = template_kind(MessageKind::coins_received);
    REQUIRE(k);
    return *k;
}

std::optional<TemplateFault> fault_of(std::string_view text) {
    auto p = template_problem(coins(), text);
    return p ? std::optional(p->fault) : std::nullopt;
}

std::unique_ptr<ledger::Store> open_store(const std::filesystem::path& dir, ledger::Store::Mode mode) {
    auto s = ledger::Store::open(dir, mode);
    if (!s) throw std::runtime_error(s.error());
    return std::move(*s);
}

}  // namespace

TEST_CASE("templates: the defaults are templates of their kind, in both languages") {
    for (const auto& kind : template_kinds()) {
        for (Language l : languages_all) {
            INFO(message_kind_name(kind.kind) << " " << language_code(l));
            CHECK_FALSE(template_problem(kind, kind.default_text(l)));
        }
    }
    CHECK(template_kind_named("coins_received") == &coins());
    CHECK(template_kind_named("claim_code") == nullptr);  // the node's own words, never a venue's
    CHECK(template_kind(MessageKind::rebind_announced) == nullptr);
    CHECK(language_of_code("ru") == Language::ru);
    CHECK(language_of_code("en") == Language::en);
    CHECK_FALSE(language_of_code("de"));
    CHECK_FALSE(language_of_code("RU"));
}

TEST_CASE("templates: the programme's gifts say their term in each language, and offer {expires}") {
    for (MessageKind k : {MessageKind::birthday_gift, MessageKind::winback_gift}) {
        const TemplateKind* kind = template_kind(k);
        REQUIRE(kind);
        INFO(message_kind_name(k));
        CHECK(template_kind_named(message_kind_name(k)) == kind);
        CHECK(std::find(kind->variables.begin(), kind->variables.end(), template_variable_expires) != kind->variables.end());
        CHECK(template_problem(*kind, "{venue}: {amount}, {expires}. {link}") == std::nullopt);
        // The link stays required: a gift's only way to the cabinet.
        REQUIRE(template_problem(*kind, "{venue}: {amount}, {expires}"));
        CHECK(template_problem(*kind, "{venue}: {amount}, {expires}")->fault == TemplateFault::missing_variable);
    }
    // coins_received has no term to say.
    CHECK(template_problem(coins(), "{expires} {link}")->fault == TemplateFault::unknown_variable);
    CHECK(date_in(Language::ru, 2026, 12, 5) == "05.12.2026");
    CHECK(date_in(Language::en, 2026, 12, 5) == "5 Dec 2026");
    CHECK(expiry_in(Language::ru, std::array<std::int32_t, 3>{2027, 2, 28}) == "до 28.02.2027 включительно");
    CHECK(expiry_in(Language::en, std::array<std::int32_t, 3>{2027, 2, 28}) == "through 28 Feb 2027");
    CHECK(expiry_in(Language::ru, std::nullopt) == "бессрочно");
    CHECK(expiry_in(Language::en, std::nullopt) == "indefinitely");
    const std::string text = render_template(template_kind(MessageKind::winback_gift)->default_text(Language::ru),
                                             {{template_variable_venue, "U Volodi"},
                                              {template_variable_amount, "200,00"},
                                              {template_variable_ticker, "VOLODYA"},
                                              {template_variable_balance, "280,00"},
                                              {template_variable_expires, "до 12.12.2026 включительно"},
                                              {template_variable_link, "http://k/c/1"}});
    CHECK(text == "U Volodi скучает по вам: подарок 200,00 VOLODYA действует до 12.12.2026 включительно. http://k/c/1");
}

TEST_CASE("templates: an unknown variable, a missing link, a stray brace, a line break or too many bytes are refused") {
    CHECK_FALSE(fault_of("{venue}: {amount} {ticker}, {balance}. {link} {link}"));
    CHECK_FALSE(fault_of("Кофейня: {link}"));

    auto unknown = template_problem(coins(), "{venue}: {name} {link}");
    REQUIRE(unknown);
    CHECK(unknown->fault == TemplateFault::unknown_variable);
    CHECK(unknown->variable == "name");
    CHECK(unknown->message.find("{name}") != std::string::npos);
    CHECK(unknown->message.find("{link}") != std::string::npos);  // what may be used instead
    CHECK(template_problem(coins(), "{Link} {link}")->variable == "Link");  // names are lowercase
    CHECK(template_problem(coins(), "{ссылка} {link}")->variable == "ссылка");

    auto missing = template_problem(coins(), "{venue}: you received {amount}");
    REQUIRE(missing);
    CHECK(missing->fault == TemplateFault::missing_variable);
    CHECK(missing->variable == "link");

    CHECK(fault_of("{link} {") == TemplateFault::brace);
    CHECK(fault_of("{link} }") == TemplateFault::brace);
    CHECK(fault_of("{} {link}") == TemplateFault::brace);
    CHECK(fault_of("{{link}}") == TemplateFault::brace);
    CHECK(fault_of("{link} {" + std::string(40, 'a') + "}") == TemplateFault::brace);

    CHECK(fault_of("{link}\nBye") == TemplateFault::characters);
    CHECK(fault_of("{link}\x7f") == TemplateFault::characters);
    CHECK(fault_of("{link} \xe2\x80\xae") == TemplateFault::characters);  // U+202E
    CHECK(fault_of("{link} \xff") == TemplateFault::characters);

    std::string longest = "{link}";
    while (longest.size() + 2 <= ledger::template_text_bytes_max) longest += "ы";
    CHECK_FALSE(fault_of(longest));
    CHECK(fault_of(longest + "ы") == TemplateFault::too_long);
    CHECK(template_fault_name(TemplateFault::missing_variable) == "missing_variable");
}

TEST_CASE("templates: rendering fills each variable once and never reads a value for variables") {
    const TemplateValues values{{"venue", "{link} Cafe"}, {"amount", "3,00"}, {"link", "https://n/c/ab"}};
    CHECK(render_template("{venue}: +{amount}. {link} {link}", values) == "{link} Cafe: +3,00. https://n/c/ab https://n/c/ab");
    CHECK(render_template("no variables", values) == "no variables");
    CHECK(render_template("{balance} left", values) == "{balance} left");  // no value: left as is
    CHECK(render_template("", values).empty());
    CHECK(amount_in(Language::en, 1'234'50) == "1234.50");
    CHECK(amount_in(Language::ru, 1'234'50) == "1234,50");
    CHECK(amount_in(Language::ru, 3'00) == "3,00");
}

TEST_CASE("templates: the signed bytes are docs/formats.md's example") {
    auto text = ledger::templates_text_bytes("VOLODYA", 1'790'000'000'000, "ru", "coins_received", "{venue}: {link}");
    REQUIRE(text);
    CHECK(to_hex(*text) ==
          "01" "07564f4c4f445941" "000001a0c4506c00" "01" "7275" "0e636f696e735f7265636569766564" "000f"
          "7b76656e75657d3a207b6c696e6b7d");
    auto language = ledger::templates_language_bytes("VOLODYA", 1'790'000'000'000, "en");
    REQUIRE(language);
    CHECK(to_hex(*language) == "01" "07564f4c4f445941" "000001a0c4506c00" "02" "656e");
    CHECK(domain_tag(Domain::templates) == "kopilka/templates/v1");
    CHECK_FALSE(ledger::templates_text_bytes("VOLODYA", 0, "rus", "coins_received", ""));
    CHECK_FALSE(ledger::templates_text_bytes("VOLODYA", 0, "ru", "", ""));
    CHECK_FALSE(ledger::templates_text_bytes("VOLODYA", 0, "ru", "coins_received", std::string(481, 'a')));
    CHECK_FALSE(ledger::templates_language_bytes("VOLODYA", 0, "e"));
}

TEST_CASE("templates: kept per venue, a replay or an older request refused, a reopen keeps them") {
    TempDir dir{"kopilka-templates"};
    Log log{LogLevel::error};
    {
        auto store = open_store(dir.path(), ledger::Store::Mode::create_new);
        Templates t(*store, log);
        // A venue that set nothing: Russian, the node's words.
        auto none = t.for_message("VOLODYA", MessageKind::coins_received);
        CHECK(none.language == Language::ru);
        CHECK(none.text == coins().default_ru);

        REQUIRE(t.set_text("VOLODYA", MessageKind::coins_received, Language::ru, "Привет: {link}", 1'000, 1'100));
        REQUIRE(t.set_text("VOLODYA", MessageKind::coins_received, Language::en, "Hi: {link}", 1'000, 1'100));
        CHECK(t.for_message("VOLODYA", MessageKind::coins_received).text == "Привет: {link}");
        auto replay = t.set_text("VOLODYA", MessageKind::coins_received, Language::ru, "Old: {link}", 1'000, 1'200);
        REQUIRE_FALSE(replay);
        CHECK(replay.error().why == Templates::Refusal::stale);
        CHECK_FALSE(t.set_text("VOLODYA", MessageKind::coins_received, Language::ru, "Older: {link}", 999, 1'200));

        REQUIRE(t.set_language("VOLODYA", Language::en, 2'000, 2'100));
        CHECK(t.for_message("VOLODYA", MessageKind::coins_received).text == "Hi: {link}");
        CHECK_FALSE(t.set_language("VOLODYA", Language::ru, 2'000, 2'200));
        // Another venue is untouched.
        CHECK(t.for_message("OTHER", MessageKind::coins_received).text == coins().default_ru);
        // Back to the default: the empty text, its time still kept against replays.
        REQUIRE(t.set_text("VOLODYA", MessageKind::coins_received, Language::en, "", 3'000, 3'100));
        CHECK(t.for_message("VOLODYA", MessageKind::coins_received).text == coins().default_en);
        CHECK_FALSE(t.set_text("VOLODYA", MessageKind::coins_received, Language::en, "Hi: {link}", 1'500, 3'200));
    }
    auto store = open_store(dir.path(), ledger::Store::Mode::open_existing);
    Templates t(*store, log);
    const auto v = t.of("VOLODYA");
    CHECK(v.language == Language::en);
    CHECK(v.language_signed_ms == 2'000);
    CHECK(v.language_time_ms == 2'100);
    CHECK(v.texts.at({MessageKind::coins_received, Language::ru}).text == "Привет: {link}");
    CHECK(v.texts.at({MessageKind::coins_received, Language::en}).text.empty());
    CHECK(v.texts.at({MessageKind::coins_received, Language::en}).signed_ms == 3'000);
    CHECK_FALSE(t.set_text("VOLODYA", MessageKind::coins_received, Language::ru, "Old: {link}", 1'000, 4'000));
    CHECK(t.for_message("VOLODYA", MessageKind::coins_received).text == coins().default_en);
}
