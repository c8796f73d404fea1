// How a venue words its messages (docs/messages.md, "Templates"), against
// the real kopilkad: the owner sets a Russian and an English template with
// signed requests; a non-owner, an unknown variable, a missing {link}, a
// replayed or stale request are refused and change nothing; a transfer's
// outbox message (admin.outbox, and the file channel's outbox.jsonl) is the
// template rendered in the venue's language, which the owner switches for
// the next message; a preview prices a text; a restart keeps it all.
#include "harness.h"

#include "crypto/address.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <fstream>

using namespace kopilka;
using namespace kopilka::test;
using namespace kopilka::ledger;
namespace json = boost::json;

namespace {

constexpr auto generous = std::chrono::seconds(30);
const std::string ru_text = "{venue}: +{amount} {ticker}, всего {balance}. Карта: {link}";
const std::string en_text = "{venue}: got {amount} {ticker}, now {balance}. Card: {link}";

std::string str(const json::value& v, std::string_view k) { return std::string(v.at(k).as_string()); }

std::uint64_t node_ms(rpc::Client& c) { return c.call("node.info").at("time_ms").to_number<std::uint64_t>(); }

// The outbox message transaction `tx` caused, once it was sent.
json::object sent_message(rpc::Client& admin, const std::string& tx) {
    std::optional<json::object> found;
    wait_until(
        [&] {
            const json::value page = admin.call("admin.outbox", json::object{{"limit", 1'000}});
            for (const auto& m : page.at("messages").as_array())
                if (m.at("tx") == json::value(tx) && str(m, "state") == "sent") found = m.as_object();
            return found.has_value();
        },
        generous);
    REQUIRE(found);
    return *found;
}

// The file channel's line for transaction `tx`'s message: its `text`.
std::string outbox_file_text(const NodeProcess& node, const std::string& link, const std::string& key) {
    std::ifstream in(node.data_dir() / "private" / "outbox.jsonl");
    std::string line, text;
    while (std::getline(in, line)) {
        const json::value v = json::parse(line);
        if (str(v, "link") == link && str(v, "key") == key) text = str(v, "text");
    }
    return text;
}

const json::object& slot(const json::value& templates, const std::string& language) {
    for (const auto& t : templates.at("templates").as_array())
        if (str(t, "kind") == "coins_received" && str(t, "language") == language) return t.as_object();
    FAIL("no coins_received template in " << language);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("the owner words coins messages in Russian and English, the next transfer's SMS is rendered in the venue's language, a restart keeps them") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    const ChainId& chain = cafe.wallet.chain();
    const Account phone = cafe.phone("+7 900 000-00-01");
    const std::string link_tail = "/c/" + to_hex(phone.phone());

    // Nothing set: Russian, the node's own words.
    const auto fresh = c.call("messages.templates.get", json::object{{"ticker", cafe.coin}});
    CHECK(str(fresh, "language") == "ru");
    CHECK(fresh.at("text_bytes_max") == 480);
    CHECK(str(slot(fresh, "ru"), "text").empty());
    CHECK(str(slot(fresh, "ru"), "default_text").find("вам начислено {amount} {ticker}") != std::string::npos);
    CHECK(slot(fresh, "en").at("required") == json::value(json::array{"link"}));

    std::uint64_t now = node_ms(c);
    const json::object ru_params = template_text_params(chain, cafe.owner, cafe.coin, "ru", "coins_received", ru_text, now);
    auto set_ru = c.call("messages.templates.set", ru_params);
    CHECK(str(slot(set_ru, "ru"), "text") == ru_text);
    CHECK(slot(set_ru, "ru").at("signed_ms") == now);
    CHECK(str(slot(set_ru, "en"), "text").empty());
    auto set_en = c.call("messages.templates.set",
                         template_text_params(chain, cafe.owner, cafe.coin, "en", "coins_received", en_text, now));
    CHECK(str(slot(set_en, "en"), "text") == en_text);

    {
        INFO("what is refused changes nothing");
        auto refused = [&](const json::object& params) { return error_of(c, "messages.templates.set", params); };
        // A barista is not the owner.
        auto e = refused(template_text_params(chain, cafe.masha, cafe.coin, "ru", "coins_received", "{link}", now + 1));
        CHECK(e.code == rpc::unauthorized);
        CHECK(e.data.at("reason") == "not_owner");
        // The owner's key with another's signature.
        json::object forged = template_text_params(chain, cafe.masha, cafe.coin, "ru", "coins_received", "{link}", now + 1);
        forged["key"] = address_from_key(cafe.owner.public_key());
        e = refused(forged);
        CHECK(e.code == rpc::unauthorized);
        CHECK(e.data.at("reason") == "signature");
        // Signed for another text than it carries.
        json::object swapped = template_text_params(chain, cafe.owner, cafe.coin, "ru", "coins_received", "{link}", now + 1);
        swapped["text"] = "Free coffee: {link}";
        CHECK(refused(swapped).code == rpc::unauthorized);
        // An unknown variable, named.
        e = refused(template_text_params(chain, cafe.owner, cafe.coin, "ru", "coins_received", "{venue}: {name} {link}", now + 1));
        CHECK(e.code == rpc::invalid_params);
        CHECK(e.data.at("reason") == "unknown_variable");
        CHECK(e.data.at("variable") == "name");
        CHECK(std::string(e.what()).find("{name}") != std::string::npos);
        // No link: the client could not reach their cabinet.
        e = refused(template_text_params(chain, cafe.owner, cafe.coin, "ru", "coins_received", "{venue}: +{amount}", now + 1));
        CHECK(e.code == rpc::invalid_params);
        CHECK(e.data.at("reason") == "missing_variable");
        CHECK(e.data.at("variable") == "link");
        // A line break, a stray brace, too long.
        CHECK(refused(template_text_params(chain, cafe.owner, cafe.coin, "ru", "coins_received", "{link}\nBye", now + 1))
                  .data.at("reason") == "characters");
        CHECK(refused(template_text_params(chain, cafe.owner, cafe.coin, "ru", "coins_received", "{link} :-}", now + 1))
                  .data.at("reason") == "brace");
        std::string long_text = "{link}";
        while (long_text.size() < 481) long_text += "a";
        json::object too_long = template_text_params(chain, cafe.owner, cafe.coin, "ru", "coins_received", "{link}", now + 1);
        too_long["text"] = long_text;
        CHECK(refused(too_long).data.at("reason") == "too_long");
        // A replay of the Russian set, and one signed before it.
        e = refused(ru_params);
        CHECK(e.code == rpc::unauthorized);
        CHECK(e.data.at("reason") == "stale");
        CHECK(refused(template_text_params(chain, cafe.owner, cafe.coin, "ru", "coins_received", "{link}", now - 1)).code ==
              rpc::unauthorized);
        // Signed ten minutes ago, by the node's clock.
        e = refused(template_text_params(chain, cafe.owner, cafe.coin, "en", "coins_received", "{link}", now - 600'000));
        CHECK(e.code == rpc::unauthorized);
        CHECK(e.data.at("reason") == "clock");
        // A kind or a language the node has no templates for, a venue it does not know.
        json::object other_kind = ru_params;
        other_kind["kind"] = "claim_code";
        CHECK(refused(other_kind).code == rpc::invalid_params);
        json::object german = ru_params;
        german["language"] = "de";
        CHECK(refused(german).code == rpc::invalid_params);
        json::object nowhere = ru_params;
        nowhere["ticker"] = "NOSUCH";
        CHECK(refused(nowhere).code == rpc::not_found);
        CHECK(error_of(c, "messages.templates.language",
                       template_language_params(chain, cafe.masha, cafe.coin, "en", now + 1))
                  .code == rpc::unauthorized);
        const auto after = c.call("messages.templates.get", json::object{{"ticker", cafe.coin}});
        CHECK(str(slot(after, "ru"), "text") == ru_text);
        CHECK(str(slot(after, "en"), "text") == en_text);
        CHECK(str(after, "language") == "ru");
    }

    // A transfer: its message is the Russian template, amounts with a comma.
    const std::string tx1 = str(cafe.give(cafe.masha, phone, 3'00), "id");
    const json::object m1 = sent_message(admin, tx1);
    const std::string link = str(m1, "link");
    REQUIRE(link.ends_with(link_tail));
    CHECK(str(m1, "text") == "U Volodi: +3,00 VOLODYA, всего 3,00. Карта: " + link);
    CHECK(outbox_file_text(node, link, str(m1, "key")) == str(m1, "text"));

    // The owner switches the venue to English: the next message is in it.
    now = node_ms(c);
    auto english = c.call("messages.templates.language", template_language_params(chain, cafe.owner, cafe.coin, "en", now));
    CHECK(str(english, "language") == "en");
    CHECK(english.at("language_signed_ms") == now);
    CHECK(error_of(c, "messages.templates.language", template_language_params(chain, cafe.owner, cafe.coin, "ru", now))
              .data.at("reason") == "stale");
    const std::string tx2 = str(cafe.give(cafe.petya, phone, 1'50), "id");
    const json::object m2 = sent_message(admin, tx2);
    CHECK(str(m2, "text") == "U Volodi: got 1.50 VOLODYA, now 4.50. Card: " + link);
    CHECK(outbox_file_text(node, link, str(m2, "key")) == str(m2, "text"));
    // The first message keeps the words it was written in.
    CHECK(str(sent_message(admin, tx1), "text") == str(m1, "text"));

    // A preview: what the editor shows as the owner types.
    auto preview = c.call("messages.templates.preview",
                          json::object{{"ticker", cafe.coin}, {"language", "ru"}, {"kind", "coins_received"}, {"text", "{venue}: {link}"}});
    CHECK(str(preview, "text").starts_with("U Volodi: http://127.0.0.1:"));
    CHECK(str(preview, "text").size() == std::string("U Volodi: ").size() + link.size());  // a real link's length
    CHECK(str(preview, "encoding") == "gsm7");
    CHECK(preview.at("segments") == 1);
    CHECK(preview.at("cost") == 1);
    CHECK(preview.at("default") == false);
    preview = c.call("messages.templates.preview",
                     json::object{{"ticker", cafe.coin}, {"language", "ru"}, {"kind", "coins_received"}, {"text", "Кофейня {venue}: {link}"}});
    CHECK(str(preview, "encoding") == "ucs2");
    CHECK(preview.at("segments") == 2);
    CHECK(preview.at("cost") == 2);
    preview = c.call("messages.templates.preview", json::object{{"ticker", cafe.coin}, {"language", "ru"}, {"kind", "coins_received"}});
    CHECK(preview.at("default") == true);
    CHECK(str(preview, "text").find("U Volodi: вам начислено 150,00 VOLODYA. Баланс: 1250,00 VOLODYA.") == 0);
    CHECK(preview.at("segments") == 3);
    auto bad = error_of(c, "messages.templates.preview",
                        json::object{{"ticker", cafe.coin}, {"language", "en"}, {"kind", "coins_received"}, {"text", "{venue} {x}"}});
    CHECK(bad.code == rpc::invalid_params);
    CHECK(bad.data.at("variable") == "x");

    // Back to the node's words in English.
    now = node_ms(c);
    auto reset = c.call("messages.templates.set", template_text_params(chain, cafe.owner, cafe.coin, "en", "coins_received", "", now));
    CHECK(str(slot(reset, "en"), "text").empty());
    const std::string tx3 = str(cafe.give(cafe.masha, phone, 1'00), "id");
    CHECK(str(sent_message(admin, tx3), "text") == "U Volodi: you received 1.00 VOLODYA. Balance: 5.50 VOLODYA. Open " + link);

    // A restart keeps the language, the texts and their times.
    REQUIRE(node.stop() == 0);
    node.start();
    c = node.client();
    admin = node.client(true);
    const auto kept = c.call("messages.templates.get", json::object{{"ticker", cafe.coin}});
    CHECK(str(kept, "language") == "en");
    CHECK(str(slot(kept, "ru"), "text") == ru_text);
    CHECK(str(slot(kept, "en"), "text").empty());
    CHECK(error_of(c, "messages.templates.set", ru_params).data.at("reason") == "stale");  // still not replayable
    now = node_ms(c);
    c.call("messages.templates.language", template_language_params(chain, cafe.owner, cafe.coin, "ru", now));
    const std::string tx4 = str(cafe.give(cafe.petya, phone, 2'00), "id");
    const json::object m4 = sent_message(admin, tx4);
    CHECK(str(m4, "link").ends_with(link_tail));  // on the port the node has now
    CHECK(str(m4, "text") == "U Volodi: +2,00 VOLODYA, всего 7,50. Карта: " + str(m4, "link"));
}
