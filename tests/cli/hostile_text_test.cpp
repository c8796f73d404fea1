// The CLI never prints a raw control, bidi or zero-width character. The ledger
// refuses such text (codec_test), so a real node never serves it; but the CLI
// may be pointed at any node, so here a hostile proxy in front of a real
// kopilkad (LyingNode) rewrites venue.get and venue.list with names that would
// clear the screen, reorder the line or hide a character, and the real
// `kopilka` binary must show them as visible escapes. Everything else (the
// wallet's known-tip check among it) passes through untouched.
#include "cli_runner.h"
#include "harness.h"
#include "lying_node.h"
#include "wallet-cli/format.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace kopilka;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

// What an attacker would put in a name: ESC [2J (clear screen), a BEL, RLO
// (U+202E, reverses what follows), a zero-width space (U+200B) and a C1 CSI
// (U+009B). (Bytes that are not UTF-8 cannot come this way: the client's
// JSON parser refuses them.)
const std::string evil_name = "U Vol\x1b[2J\a\xE2\x80\xAEidov\xE2\x80\x8B\xC2\x9B";
const std::string evil_shown = "U Vol\\u{001B}[2J\\u{0007}\\u{202E}idov\\u{200B}\\u{009B}";

// No byte of `text` is a C0 control other than newline, DEL, or the start of
// a C1 control, bidi control or zero-width character in UTF-8.
void require_no_raw_controls(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        INFO("byte " << i << " of:\n" << text);
        CHECK((c >= 0x20 || c == '\n'));
        CHECK(c != 0x7F);
        CHECK(c != 0xFF);
        if (c == 0xC2 && i + 1 < text.size()) CHECK(static_cast<unsigned char>(text[i + 1]) >= 0xA0);  // C1
        if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
            const auto third = static_cast<unsigned char>(text[i + 2]);
            CHECK_FALSE((third >= 0x8B && third <= 0x8F));  // U+200B-U+200F
            CHECK_FALSE((third >= 0xAA && third <= 0xAE));  // U+202A-U+202E
        }
    }
}

}  // namespace

TEST_CASE("display_text shows controls, bidi and zero-width characters as visible escapes", "[cli][text]") {
    CHECK(wallet::display_text(evil_name) == evil_shown);
    CHECK(wallet::display_text("\xE2\x81\xA6x\xE2\x81\xA9\xD8\x9C\xE2\x81\xA0\xEF\xBB\xBF\xE2\x80\x8F") ==
          "\\u{2066}x\\u{2069}\\u{061C}\\u{2060}\\u{FEFF}\\u{200F}");
    CHECK(wallet::display_text(std::string("a\0b\x7F", 4)) == "a\\u{0000}b\\u{007F}");
    CHECK(wallet::display_text("ok\xFF") == "ok\\x{FF}");
    // Overlong and truncated sequences are shown byte by byte.
    CHECK(wallet::display_text("\xC0\xAF|\xE2\x80") == "\\x{C0}\\x{AF}|\\x{E2}\\x{80}");
    // Visible text passes unchanged, right-to-left scripts and emoji included.
    for (const std::string good : {"U Volodi", "Кофейня «У Володи»", "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D", "☕ \xF0\x9F\x98\x80"})
        CHECK(wallet::display_text(good) == good);
    // Tables and CSV cells go through it too.
    wallet::Table t({"NAME"});
    t.add({evil_name});
    CHECK(t.render() == "NAME\n" + evil_shown + "\n");
    CHECK(wallet::csv_line({evil_name}) == evil_shown + "\r\n");
}

TEST_CASE("kopilka prints a hostile node's venue names as visible escapes, never raw", "[cli][text]") {
    NodeProcess node;
    rpc::Client c = node.client();
    TestWallet w(c);
    const KeyPair owner = test_key(61);
    ledger::Profile profile;
    profile.name = "Evil";
    profile.street_address = "somewhere";
    profile.links = {"https://evil.example"};
    w.submit(w.sign(owner, ledger::VenueCreate{"EVIL", profile}));
    w.submit(w.sign(owner, ledger::ProductUpsert{"EVIL", ledger::Product{1, "tea", 100, "drinks", "", true}}));
    LyingNode evil(node.port(), [](const std::string& method, const json::value&, json::value& result) {
        if (method == "venue.list") {
            for (auto& v : result.at("venues").as_array()) v.as_object()["name"] = evil_name;
        } else if (method == "venue.get") {
            auto& p = result.at("profile").as_object();
            p["name"] = evil_name;
            p["address"] = evil_name;
            p["links"] = json::array{json::value(evil_name)};
            for (auto& prod : result.at("products").as_array()) {
                prod.as_object()["name"] = evil_name;
                prod.as_object()["category"] = evil_name;
            }
        }
    });
    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:" + std::to_string(evil.port()));

    auto r = cli({"venue", "show", "EVIL"});
    INFO(r.all());
    REQUIRE(r.code == 0);
    require_no_raw_controls(r.out);
    CHECK(r.out.find("EVIL — " + evil_shown + "\n") != std::string::npos);  // the title line
    CHECK(r.out.find("  address: " + evil_shown + "\n") != std::string::npos);
    CHECK(r.out.find("  link: " + evil_shown + "\n") != std::string::npos);
    CHECK(r.out.find(evil_shown) != r.out.rfind(evil_shown));  // the product table shows it too

    r = cli({"venue", "list"});
    INFO(r.all());
    REQUIRE(r.code == 0);
    require_no_raw_controls(r.out);
    CHECK(r.out.find(evil_shown) != std::string::npos);
}
