// The API's one table, its two documents, and its examples agree with the
// node (issue 3: "check that every method in the table appears in
// rpc.discover and in docs/rpc.md with a request and response example that
// the tests execute").
//
//  - rpc.discover lists exactly rpc::method_table(), with the same params,
//    flags and examples;
//  - docs/rpc.md in the source tree is byte for byte `kopilkad rpc-doc`, so a
//    stale reference fails here (regenerate it with
//    `kopilkad rpc-doc > docs/rpc.md`);
//  - every method's documented example, its ${variables} filled from a real
//    U Volodi story, runs against a live node and returns a result of the
//    example's shape (same JSON type, every key of the example present,
//    recursively);
//  - the served document is valid OpenRPC (the vendored meta-schema, checked
//    by a real validator: tests/functional/validate_openrpc.py), each result
//    schema is a valid JSON Schema, and every example result and every real
//    answer of that story matches its method's result schema, which lists
//    every field the node sends (so an undocumented field fails).
#include "harness.h"
#include "ledger/webhook.h"

#include "crypto/address.h"
#include "ledger/invite.h"
#include "ledger/stats/records.h"
#include "rpc/methods.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <thread>
#include <set>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

std::string kind_of(const json::value& v) {
    switch (v.kind()) {
        case json::kind::null: return "null";
        case json::kind::bool_: return "boolean";
        case json::kind::int64:
        case json::kind::uint64:
        case json::kind::double_: return "number";
        case json::kind::string: return "string";
        case json::kind::array: return "array";
        case json::kind::object: return "object";
    }
    return "?";
}

// The real value has the example's shape: the same JSON type; for an object,
// every key of the example (and each of those values has the example's
// shape); for an array, its first element has the shape of the example's
// first element (later ones may be other kinds of transaction: the result
// schemas check every element). A null in the example allows anything.
void check_shape(const json::value& example, const json::value& real, const std::string& path) {
    INFO("at " << path << ": example " << json::serialize(example) << ", real " << json::serialize(real));
    if (example.is_null()) return;
    REQUIRE(kind_of(real) == kind_of(example));
    if (example.is_object()) {
        for (const auto& kv : example.as_object()) {
            const std::string key(kv.key());
            INFO("key '" << key << "' of " << path);
            CHECK(real.as_object().contains(key));
            if (real.as_object().contains(key)) check_shape(kv.value(), real.as_object().at(key), path + "." + key);
        }
    } else if (example.is_array() && !example.as_array().empty()) {
        const auto& items = real.as_array();
        if (!items.empty()) check_shape(example.as_array().front(), items.front(), path + "[0]");
    }
}

// Runs validate_openrpc.py on `doc` and the node's real answers; its output.
std::pair<int, std::string> validate_openrpc(const json::value& doc, const json::object& real_answers) {
    TempDir dir("kopilka-openrpc");
    const auto doc_path = dir.path() / "discover.json";
    const auto answers_path = dir.path() / "answers.json";
    const auto out_path = dir.path() / "out.txt";
    std::ofstream(doc_path) << json::serialize(doc);
    std::ofstream(answers_path) << json::serialize(real_answers);
    const std::filesystem::path src(KOPILKA_SOURCE_DIR);
    const std::string cmd = std::string("'") + KOPILKA_PYTHON3 + "' '" +
                            (src / "tests" / "functional" / "validate_openrpc.py").string() + "' '" +
                            (src / "tests" / "vectors" / "openrpc-meta-schema.json").string() + "' '" +
                            doc_path.string() + "' '" + answers_path.string() + "' > '" + out_path.string() + "' 2>&1";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out_path)};
}

std::vector<std::string> table_names() {
    std::vector<std::string> names;
    for (const auto& m : rpc::method_table()) names.emplace_back(m.name);
    return names;
}

}  // namespace

// This case also executes rpc.discover's own documented example. (It caught
// rpc.discover crashing the node: openrpc_document iterated a destroyed
// temporary; fixed in ea73db6.)
TEST_CASE("rpc.discover lists exactly the methods of the table, with their params, flags and examples") {
    NodeProcess node;
    rpc::Client c = node.client();
    const rpc::MethodInfo* self = rpc::find_method("rpc.discover");
    REQUIRE(self);
    auto doc = c.call("rpc.discover", json::parse(self->example_params));
    check_shape(json::parse(self->example_result), doc, "rpc.discover");
    CHECK(doc.at("openrpc") == "1.2.6");
    CHECK(doc.at("info").at("version") == c.call("node.info").at("version"));
    const auto& methods = doc.at("methods").as_array();

    std::vector<std::string> served;
    for (const auto& m : methods) served.emplace_back(m.at("name").as_string());
    CHECK(served == table_names());
    CHECK(std::set<std::string>(served.begin(), served.end()).size() == served.size());  // no duplicates

    for (const auto& info : rpc::method_table()) {
        INFO("method " << info.name);
        const json::value* m = nullptr;
        for (const auto& x : methods)
            if (x.at("name").as_string() == info.name) m = &x;
        REQUIRE(m);
        const auto& params = m->at("params").as_array();
        REQUIRE(params.size() == info.params.size());
        for (std::size_t i = 0; i < params.size(); ++i) {
            CHECK(params[i].at("name").as_string() == info.params[i].name);
            CHECK(params[i].at("required") == info.params[i].required);
            CHECK(params[i].at("schema").at("type").as_string() == info.params[i].type);
        }
        // The result schema and the errors are the table's, and real.
        REQUIRE(!info.result_schema.empty());
        CHECK(m->at("result").at("schema") == json::parse(info.result_schema));
        json::array codes;
        for (const auto& e : m->at("errors").as_array()) codes.push_back(e.at("code"));
        json::array table_codes;
        for (int code : info.errors) {
            INFO("error " << code);
            CHECK(rpc::find_error(code));
            table_codes.push_back(code);
        }
        CHECK(codes == table_codes);
        CHECK(m->at("x-kopilka").at("admin") == info.admin);
        CHECK(m->at("x-kopilka").at("websocket_only") == info.websocket_only);
        // Every method has an example, and it is a well-formed call: only
        // documented params, every required one given.
        REQUIRE(!info.example_params.empty());
        REQUIRE(!info.example_result.empty());
        const auto example = json::parse(info.example_params).as_object();
        for (const auto& kv : example) {
            bool documented = false;
            for (const auto& p : info.params) documented = documented || p.name == kv.key();
            INFO("example param " << kv.key());
            CHECK(documented);
        }
        for (const auto& p : info.params)
            if (p.required) {
                INFO("required param " << p.name);
                CHECK(example.contains(p.name));
            }
        const auto& ex = m->at("examples").as_array().at(0);
        json::object served_params;
        for (const auto& p : ex.at("params").as_array()) served_params[p.at("name").as_string()] = p.at("value");
        CHECK(served_params == example);
        CHECK(ex.at("result").at("value") == json::parse(info.example_result));
    }
}

// The check above can fail: a document that breaks the OpenRPC meta-schema,
// a result schema that is no JSON Schema, an example or a real answer that
// its schema refuses (an undocumented field) are each caught.
TEST_CASE("validate_openrpc.py refuses a broken document, a wrong schema and an undocumented field") {
    const json::value good = rpc::openrpc_document("0.1.0");
    const json::object no_answers;
    {
        auto [rc, out] = validate_openrpc(good, no_answers);
        INFO(out);
        REQUIRE(rc == 0);
    }
    auto method = [](json::value& doc, std::string_view name) -> json::object& {
        for (auto& m : doc.at("methods").as_array())
            if (m.at("name").as_string() == name) return m.as_object();
        throw std::runtime_error("no method " + std::string(name));
    };
    struct Broken {
        const char* what;
        std::function<void(json::value&)> breaks;
        const char* says;
    };
    const Broken cases[] = {
        {"a method without a result", [&](json::value& d) { method(d, "node.info").erase("result"); },
         "OpenRPC meta-schema"},
        {"an error code that is not an integer",
         [&](json::value& d) { method(d, "block.get").at("errors").as_array().at(0).as_object()["code"] = "2001"; },
         "OpenRPC meta-schema"},
        {"a result schema that is no JSON Schema",
         [&](json::value& d) { method(d, "venue.list").at("result").as_object()["schema"] = json::object{{"type", 12}}; },
         "OpenRPC meta-schema"},  // its JSONSchema is draft-07's meta-schema
        {"a $ref to nothing",
         [&](json::value& d) {
             method(d, "block.get").at("result").as_object()["schema"] = json::object{{"$ref", "#/components/schemas/nope"}};
         },
         "#/components/schemas/nope"},
        {"an example with a field the schema does not list",
         [&](json::value& d) {
             method(d, "admin.stop").at("examples").as_array().at(0).at("result").as_object()["value"].as_object()["extra"] = 1;
         },
         "admin.stop: example result"},
        {"an amount that is a number",
         [&](json::value& d) {
             auto& v = method(d, "venue.stats").at("examples").as_array().at(0).at("result").as_object()["value"];
             v.as_object()["issued"] = 3;
         },
         "venue.stats: example result"},
    };
    for (const auto& b : cases) {
        INFO(b.what);
        json::value doc = good;
        b.breaks(doc);
        auto [rc, out] = validate_openrpc(doc, no_answers);
        INFO(out);
        CHECK(rc != 0);
        CHECK(out.find(b.says) != std::string::npos);
    }
    // A real answer with a field the schema does not list.
    json::object answers{{"subscribe", json::array{json::object{{"subscription", 1}, {"topic", "blocks"}}}}};
    auto [rc, out] = validate_openrpc(good, answers);
    INFO(out);
    CHECK(rc != 0);
    CHECK(out.find("subscribe: real answer 0") != std::string::npos);
}

TEST_CASE("docs/rpc.md is exactly what kopilkad rpc-doc prints") {
    const std::filesystem::path doc_path = std::filesystem::path(KOPILKA_SOURCE_DIR) / "docs" / "rpc.md";
    REQUIRE(std::filesystem::exists(doc_path));
    const std::string committed = read_text(doc_path);
    auto [rc, printed] = run_kopilkad({"rpc-doc"});
    REQUIRE(rc == 0);
    CHECK(printed == rpc::rpc_markdown());  // the binary prints the table this test was built with
    INFO("docs/rpc.md is stale: regenerate it with `kopilkad rpc-doc > docs/rpc.md`");
    CHECK(committed == printed);
    for (const auto& name : table_names()) {
        INFO("method " << name);
        CHECK(committed.find("### `" + name + "`") != std::string::npos);
    }
}

TEST_CASE("every method's documented example runs against a node that played the U Volodi story") {
    NodeProcess node({"--push-contact", "mailto:ops@example.com"});  // web push on (messages.push.*)
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    rpc::WsClient ws("127.0.0.1", node.port());

    // The story: venue, catalogue, baristas; 3.00 to +7 900 000-00-01, who
    // claims the phone and redeems a coffee.
    Volodi cafe(c);
    cafe.open();
    const Account phone = cafe.phone("+7 900 000-00-01");
    const SignedTx gift = cafe.wallet.sign(cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), phone, 3'00, "welcome"});
    const auto gift_result = cafe.wallet.submit(gift);
    auto code01 = request_claim_code(c, admin, "+79000000001");
    REQUIRE(code01);
    const KeyPair client = KeyPair::generate();
    REQUIRE(claim_phone(cafe.wallet, c, "+79000000001", *code01, client).at("status") == "committed");
    REQUIRE(cafe.wallet.submit(cafe.wallet.sign(cafe.petya, Redeem{cafe.coin, cafe.wallet.voucher(client, cafe.coin, 1, 100, phone)}))
                .at("status") == "committed");
    {
        // A bonus programme in force (programme.get, loyalty.get, purchase.quote): 3 % of every receipt.
        loyalty::Programme prog;
        prog.effective_from_s = c.call("node.info").at("time_ms").to_number<std::uint64_t>() / 1000 + 2;
        prog.zone = "Europe/Moscow";
        prog.tzdb_version = "2024a";
        prog.zone_rule = "MSK-3";
        prog.tiers = {{"Base", 0, 3000}};
        prog.rules = {loyalty::Rule{1, "3 %", 0, {}, loyalty::Effect::percent, 300, std::nullopt, 0}};
        REQUIRE(cafe.wallet.submit(cafe.wallet.sign(cafe.owner, ProgrammeSet{cafe.coin, prog})).at("status") == "committed");
        while (c.call("node.info").at("time_ms").to_number<std::uint64_t>() / 1000 < prog.effective_from_s)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const KeyPair second_client = KeyPair::generate();  // claims +7 900 000-00-02 in the examples
    std::optional<std::uint64_t> now_ms;  // the signed lookup's time, read once from the node
    auto lookup_time = [&] {
        if (!now_ms) now_ms = c.call("node.info").at("time_ms").to_number<std::uint64_t>();
        return *now_ms;
    };

    Bytes invite_secret(invite_secret_bytes);
    random_bytes(invite_secret);
    const KeyPair invited = KeyPair::generate();
    std::optional<json::object> invite_opened;
    auto invite_params = [&]() -> const json::object& {
        if (!invite_opened)
            invite_opened = invite_open_params(cafe.wallet.chain(), cafe.owner, cafe.coin, invite_secret,
                                               lookup_time() / 1000 + 3600);
        return *invite_opened;
    };

    // Every ${variable} an example may use, from the story. A value is
    // computed when first needed: ${code} exists only after the
    // phone.claim.request example has sent one.
    std::map<std::string, std::function<std::string()>> vars{
        {"owner", [&] { return address_from_key(cafe.owner.public_key()); }},
        {"staff", [&] { return address_from_key(cafe.masha.public_key()); }},
        {"ticker", [&] { return cafe.coin; }},
        {"tx_id", [&] { return std::string(gift_result.at("id").as_string()); }},
        {"transfer_blob", [&] { return TestWallet::blob(gift); }},
        {"client", [&] { return account_text(phone); }},
        {"phone", [&] { return std::string("+79000000001"); }},
        {"client_key", [&] { return address_from_key(second_client.public_key()); }},
        {"now_ms", [&] { return std::to_string(lookup_time()); }},
        {"lookup_signature",
         [&] {
             const std::string phone_param = "+7 900 000-00-01";  // phone.lookup's example
             return std::string(lookup_params(cafe.wallet.chain(), cafe.masha, phone_param, lookup_time())
                                    .at("signature")
                                    .as_string());
         }},
        {"bound_key", [&] { return address_from_key(client.public_key()); }},
        {"webhook_signature",
         [&] {
             auto bytes = webhook_set_bytes(cafe.coin, "http://127.0.0.1:9/kopilka", lookup_time());
             return to_hex(cafe.owner.sign(Domain::webhook, cafe.wallet.chain(), *bytes).view());
         }},
        // messages.push.set signs the subscription its example carries
        // (RFC 8291's receiver key and auth secret).
        {"push_signature",
         [&] {
             const json::value ex = json::parse(rpc::find_method("messages.push.set")->example_params);
             const json::value& s = ex.at("subscription");
             const PushSub sub{std::string(s.at("endpoint").as_string()), std::string(s.at("keys").at("p256dh").as_string()),
                               std::string(s.at("keys").at("auth").as_string())};
             return std::string(push_params(cafe.wallet.chain(), client, phone, sub, lookup_time()).at("signature").as_string());
         }},
        {"consent_signature",
         [&] {
             return std::string(consent_params(cafe.wallet.chain(), client, phone, cafe.coin, false, lookup_time())
                                    .at("signature")
                                    .as_string());
         }},
        // messages.templates.set and .language sign what their examples carry.
        {"templates_signature",
         [&] {
             const json::value ex = json::parse(rpc::find_method("messages.templates.set")->example_params);
             return std::string(template_text_params(cafe.wallet.chain(), cafe.owner, cafe.coin,
                                                     std::string(ex.at("language").as_string()),
                                                     std::string(ex.at("kind").as_string()),
                                                     std::string(ex.at("text").as_string()), lookup_time())
                                    .at("signature")
                                    .as_string());
         }},
        {"templates_language_signature",
         [&] {
             const json::value ex = json::parse(rpc::find_method("messages.templates.language")->example_params);
             return std::string(template_language_params(cafe.wallet.chain(), cafe.owner, cafe.coin,
                                                         std::string(ex.at("language").as_string()), lookup_time())
                                    .at("signature")
                                    .as_string());
         }},
        {"code",
         [&] {
             auto code = claim_code_from_outbox(admin, "+79000000002");
             if (!code) throw std::runtime_error("no code in the outbox for +79000000002");
             return *code;
         }},
        {"voucher",
         [&] { return to_base64url(encode_voucher(cafe.wallet.voucher(client, cafe.coin, 1, 100, phone))); }},
        {"height", [&] { return std::to_string(gift_result.at("height").to_number<std::uint64_t>()); }},
        {"block_hash", [&] { return std::string(gift_result.at("block_hash").as_string()); }},
        // invite.open, invite.accept and invite.get run in that order: a new
        // barista accepts an invite the owner opened.
        {"invite_id", [&] { return std::string(invite_params().at("id").as_string()); }},
        {"invite_expiry_s", [&] { return std::to_string(invite_params().at("expiry_s").to_number<std::uint64_t>()); }},
        {"invite_signature", [&] { return std::string(invite_params().at("signature").as_string()); }},
        {"invite_secret", [&] { return to_base64url(invite_secret); }},
        {"acceptance", [&] { return to_base64url(encode_staff_acceptance(cafe.wallet.accept(invited, cafe.coin))); }},
        // The week (Monday 00:00 UTC) holding the story's blocks, and the next.
        {"week_ms", [&] { return std::to_string(stats::ms_of_day(stats::week_start(stats::day_of_ms(lookup_time())))); }},
        {"next_week_ms",
         [&] { return std::to_string(stats::ms_of_day(stats::week_start(stats::day_of_ms(lookup_time())) + 7)); }},
    };
    const std::regex var_re(R"(\$\{([a-z_]+)\})");
    // JSON has no placeholder for a number, so a variable ending in _ms or _s is
    // written quoted and replaced quotes and all: "${now_ms}" becomes
    // 1790000000000. Those go first, then every other ${name} inside a string.
    const std::regex number_re(R"("\$\{([a-z_]+_(?:ms|s))\}")");
    auto substitute = [&](std::string text) {
        for (const std::regex* re : {&number_re, &var_re}) {
            std::smatch m;
            while (std::regex_search(text, m, *re)) {
                auto it = vars.find(m[1].str());
                INFO("the examples use ${" << m[1].str() << "}, which this test does not know: add it to `vars`");
                REQUIRE(it != vars.end());
                text.replace(static_cast<std::size_t>(m.position(0)), static_cast<std::size_t>(m.length(0)), it->second());
            }
        }
        return text;
    };

    const rpc::MethodInfo* stop = nullptr;
    int executed = 0;
    json::object real_answers;  // method -> its real results, for the schema check below
    auto run = [&](const rpc::MethodInfo& m) {
        INFO("method " << m.name);
        const std::string params_text = substitute(std::string(m.example_params));
        INFO("params " << params_text);
        const json::value params = json::parse(params_text);
        json::value result;
        try {
            if (m.websocket_only) {
                result = ws.call(m.name, params);
            } else if (m.admin) {
                result = admin.call(m.name, params);
            } else {
                result = c.call(m.name, params);
            }
        } catch (const rpc::TransportError& e) {
            FAIL("the node is unreachable: " << e.what() << "\nits log:\n" << node.log());
        }
        INFO("result " << json::serialize(result));
        if (!real_answers.contains(m.name)) real_answers[m.name] = json::array{};
        real_answers[m.name].as_array().push_back(result);
        const json::value example = json::parse(m.example_result);
        REQUIRE(kind_of(result) == kind_of(example));
        check_shape(example, result, std::string(m.name));
        ++executed;
    };
    for (const auto& m : rpc::method_table()) {
        if (m.name == "admin.stop") {
            stop = &m;  // last: it ends the node
            continue;
        }
        run(m);
    }
    // The examples ran against the story, and none of them moved coins: the
    // client still holds 3.00 less the coffee.
    CHECK(cafe.wallet.balance(phone, cafe.coin) == "2.00");

    // More real answers, of the shapes the examples above do not reach: each
    // kind of transaction in history and tx.get, a voucher decoded, a refused
    // and a pending transaction, a phone account's balances, a venue's
    // history, stats over a range, a failed voucher check.
    auto keep = [&](std::string_view method, json::value params) {
        json::value r = c.call(method, std::move(params));
        if (!real_answers.contains(method)) real_answers[method] = json::array{};
        real_answers[method].as_array().push_back(r);
        return r;
    };
    for (const auto& id : cafe.tx_ids) keep("tx.get", json::object{{"id", id}});
    keep("venue.history", json::object{{"ticker", cafe.coin}, {"limit", 500}});
    keep("account.history", json::object{{"account", account_text(phone)}});
    keep("account.balances", json::object{{"account", account_text(phone)}});
    keep("account.balances", json::object{{"account", address_from_key(cafe.masha.public_key())}});
    // The aggregates count whole UTC days: to the end of tomorrow.
    const std::uint64_t day_after_tomorrow_ms = (cafe.wallet.now_s() * 1000 / ms_per_day + 2) * ms_per_day;
    keep("venue.stats", json::object{{"ticker", cafe.coin}, {"from_ms", 0}, {"to_ms", day_after_tomorrow_ms}});
    keep("venue.series", json::object{{"ticker", cafe.coin}, {"bucket", "day"}, {"to_ms", day_after_tomorrow_ms}});
    keep("tx.decode", json::object{{"blob", to_base64url(encode_voucher(cafe.wallet.voucher(client, cafe.coin, 1, 100, phone)))}});
    keep("voucher.check", json::object{{"voucher", to_base64url(encode_voucher(cafe.wallet.voucher(client, cafe.coin, 3, 300, phone)))}});
    // A transfer the rules refuse (more than Masha holds), submitted without
    // waiting: "accepted", then tx.get says "refused" with the reason.
    const SignedTx too_much = cafe.wallet.sign(cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), phone, 1'000'00, "too much"});
    REQUIRE(keep("tx.submit", json::object{{"blob", TestWallet::blob(too_much)}}).at("status") == "accepted");
    const std::string too_much_id = to_hex(tx_id(too_much.tx));
    json::value refused;
    REQUIRE(wait_until(
        [&] {
            refused = c.call("tx.get", json::object{{"id", too_much_id}});
            return refused.at("status") != "pending";
        },
        std::chrono::seconds(10)));
    real_answers["tx.get"].as_array().push_back(refused);
    CHECK(refused.at("status") == "refused");
    CHECK(refused.at("reason") == "insufficient_balance");
    keep("tx.get", json::object{{"id", std::string(64, '0')}});  // unknown

    {
        INFO("the document and the answers, checked by tests/functional/validate_openrpc.py");
        auto [rc, out] = validate_openrpc(c.call("rpc.discover"), real_answers);
        INFO(out);
        CHECK(rc == 0);
        CHECK(out.find(" passed, 0 failed") != std::string::npos);
    }
    REQUIRE(stop);
    // admin.stop last; the case below checks its answer always arrives.
    try {
        auto result = admin.call(stop->name, json::parse(substitute(std::string(stop->example_params))));
        check_shape(json::parse(stop->example_result), result, "admin.stop");
    } catch (const rpc::TransportError& e) {
        WARN("admin.stop's answer was lost: " << e.what());
    }
    ++executed;
    CHECK(executed == static_cast<int>(rpc::method_table().size()));
    // The node closes its block, syncs and exits 0 by itself.
    CHECK(node.wait_stopped(std::chrono::seconds(30)) == 0);
}

// A graceful stop owes answers: admin.stop's own, and every caller waiting
// for its block (tx.submit wait=true). main() stops the node (committing and
// answering) before it closes the server; a batch holding such a submit and
// admin.stop proves both answers arrive.
TEST_CASE("admin.stop answers, and callers waiting for a block are answered before the node exits 0", "[node][stop]") {
    NodeProcess node;
    rpc::Client c = node.client();
    Volodi cafe(c);
    cafe.open();
    const SignedTx stx = cafe.wallet.sign(cafe.masha, Transfer{cafe.coin, Volodi::of(cafe.masha), cafe.treasury(), 1'00, "back"});
    const std::string body = R"([{"jsonrpc":"2.0","id":1,"method":"tx.submit","params":{"blob":")" + TestWallet::blob(stx) +
                             R"(","wait":true}},{"jsonrpc":"2.0","id":2,"method":"admin.stop"}])";
    rpc::Client admin = node.client(true);
    try {
        auto res = admin.post("/rpc", body);
        auto answers = json::parse(res.body);
        INFO(res.body);
        REQUIRE(answers.is_array());
        REQUIRE(answers.as_array().size() == 2);
        CHECK(answers.as_array()[0].at("result").at("status") == "committed");
        CHECK(answers.as_array()[1].at("result").at("stopping") == true);
    } catch (const rpc::TransportError& e) {
        FAIL_CHECK("no answer to the batch holding admin.stop: " << e.what());
    }
    CHECK(node.wait_stopped(std::chrono::seconds(30)) == 0);
    // The transaction was committed all the same: only the answer was lost.
    node.start();
    c = node.client();
    CHECK(c.call("tx.get", json::object{{"id", to_hex(tx_id(stx.tx))}}).at("status") == "committed");
    REQUIRE(node.stop() == 0);

    // admin.stop alone, on a kept-alive connection as a wallet has it.
    for (int attempt = 0; attempt < 3; ++attempt) {
        INFO("attempt " << attempt);
        node.start();
        rpc::Client a = node.client(true);
        CHECK(a.call("node.info").is_object());
        try {
            CHECK(a.call("admin.stop").at("stopping") == true);
        } catch (const rpc::TransportError& e) {
            FAIL_CHECK("admin.stop got no answer: " << e.what());
        }
        CHECK(node.wait_stopped(std::chrono::seconds(30)) == 0);
    }
}
