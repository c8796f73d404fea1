// The venue's news that the programme makes (docs/messages.md, "What the
// messages say"), against the real kopilkad and a fake SMS gateway: a
// purchase's accrual and the welcome gift reach the client as one message; a
// client absent the programme's days gets the win-back gift at its due time
// with a message saying until when it may be spent, in the venue's zone;
// and a client who stopped the venue's news gets neither.
#include "fake_provider.h"
#include "harness.h"
#include "ledger/tz.h"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <thread>

using namespace kopilka;
using namespace kopilka::test;
using namespace kopilka::ledger;
namespace json = boost::json;

namespace {

constexpr std::int64_t day_s = 24 * 3600;

std::vector<json::object> messages_to(rpc::Client& admin, const Account& phone) {
    std::vector<json::object> out;
    for (const auto& m : outbox(admin))
        if (m.at("account") == json::value(account_text(phone))) out.push_back(m.as_object());
    return out;
}

// 3 % of every receipt, 50.00 on registering, 200.00 for 7 days to a client
// 30 days without a purchase; in Moscow's zone.
loyalty::Programme programme(std::uint64_t effective_from_s) {
    loyalty::Programme p;
    p.effective_from_s = effective_from_s;
    p.zone = "Europe/Moscow";
    p.tzdb_version = "2024a";
    p.zone_rule = "MSK-3";
    p.tiers = {{"Base", 0, 3000}};
    p.rules = {loyalty::Rule{1, "3 %", 0, {}, loyalty::Effect::percent, 300, std::nullopt, 0}};
    p.gifts = {loyalty::Gift{loyalty::GiftKind::welcome, 50'00, 0, 0},
               loyalty::Gift{loyalty::GiftKind::winback, 200'00, 7, 30}};
    return p;
}

// Publishes `p` (its effective time set 2 s from the node's clock) and waits
// until it is in force.
void publish(Volodi& cafe, rpc::Client& c, loyalty::Programme p) {
    auto node_s = [&] { return c.call("node.info").at("time_ms").to_number<std::uint64_t>() / 1000; };
    p.effective_from_s = node_s() + 2;
    REQUIRE(cafe.wallet.submit(cafe.wallet.sign(cafe.owner, ProgrammeSet{cafe.coin, p})).at("status") == "committed");
    while (node_s() < p.effective_from_s) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// A lot's last day, dd.mm.yyyy, in the programme's zone (MSK-3): the day
// before the local midnight it expires at, as a Russian message writes it.
std::string last_day_in_moscow(std::uint64_t expiry_s) {
    const tz::LocalTime last = tz::to_local(*tz::parse("MSK-3"), static_cast<std::int64_t>(expiry_s) - 1);
    char date[16];
    std::snprintf(date, sizeof date, "%02u.%02u.%d", unsigned(last.day), unsigned(last.month), int(last.year));
    return date;
}

Purchase purchase(const Volodi& cafe, const Account& client, Amount total, const std::string& receipt) {
    Purchase p;
    p.ticker = cafe.coin;
    p.client = ClientRef{ClientRef::Kind::account, client, ""};
    p.receipt = loyalty::Receipt{receipt, {loyalty::ReceiptLine{"", total}}};
    p.programme_version = 1;
    return p;
}

}  // namespace

TEST_CASE("a purchase's accrual and welcome gift reach the client as one message, the win-back gift at its due time with its last day, none after a stop") {
    const std::string token = "gw-token-campaigns";
    FakeProvider sms("generic", token);
    TempDir secrets("kopilka-sms-secret");
    // The chain begins 40 days ago; the node's clock is set there too.
    const std::string forty_days_ago = std::to_string(-40 * day_s);
    // Gifts alone here: no reminders of their expiry (the next case has those).
    std::vector<std::string> args = SmsNode::args_of(
        secrets, {"--sms-provider", "http", "--sms-url", sms.url("/send"), "--expiry-reminder-days", "0"}, token);
    std::vector<std::string> then = args;
    then.insert(then.end(), {"--clock-offset-s", forty_days_ago});
    NodeProcess node(then, {"--clock-offset-s", forty_days_ago});
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.wallet.set_clock_offset_s(-40 * day_s);
    cafe.open();

    publish(cafe, c, programme(0));

    // A purchase of 1,000.00 by a new client: 30.00 accrued and the 50.00
    // welcome gift, one message for the 80.00.
    const Account anna = cafe.phone("+7 900 000-00-81");
    const Account boris = cafe.phone("+7 900 000-00-82");
    const json::value bought = cafe.wallet.submit(cafe.wallet.sign(cafe.masha, purchase(cafe, anna, 1'000'00, "r-1")));
    REQUIRE(bought.at("status") == "committed");
    auto m = wait_message(admin, str(bought, "id"), "sent");
    REQUIRE(m);
    CHECK(str(*m, "kind") == "coins_received");
    CHECK(str(*m, "text").find("вам начислено 80,00 VOLODYA") != std::string::npos);
    CHECK(str(*m, "text").find("Баланс: 80,00") != std::string::npos);
    CHECK(messages_to(admin, anna).size() == 1);
    // Boris buys too, and stops the venue's news (a STOP reply would do the
    // same; here the cabinet's choice, signed by the key his phone is bound to).
    REQUIRE(cafe.wallet.submit(cafe.wallet.sign(cafe.masha, purchase(cafe, boris, 500'00, "r-2"))).at("status") == "committed");
    auto code = request_claim_code(c, admin, "+79000000082");
    REQUIRE(code);
    const KeyPair boris_key = KeyPair::generate();
    REQUIRE(claim_phone(cafe.wallet, c, "+79000000082", *code, boris_key).at("status") == "committed");
    c.call("messages.consent.set", consent_params(cafe.wallet.chain(), boris_key, boris, cafe.coin, false,
                                                  c.call("node.info").at("time_ms").to_number<std::uint64_t>()));
    const std::size_t boris_before = messages_to(admin, boris).size();

    // 35 days on: the win-back gift falls due 30 days after each purchase,
    // and the node, with nothing else to do, closes a block for it.
    node.stop();
    std::vector<std::string> later = args;
    later.insert(later.end(), {"--clock-offset-s", std::to_string(-5 * day_s)});
    node.set_extra_args(later);
    node.start();
    c = node.client();
    admin = node.client(true);
    cafe.wallet.set_clock_offset_s(-5 * day_s);
    std::optional<json::object> gift;
    REQUIRE(wait_until(
        [&] {
            for (const auto& msg : messages_to(admin, anna))
                if (str(msg, "kind") == "winback_gift" && str(msg, "state") == "sent") gift = msg;
            return gift.has_value();
        },
        std::chrono::seconds(30)));
    // In the venue's words (Russian, its default): the amount, and the last
    // day it may be spent, in Moscow: the day before its lot expires.
    const json::value loyalty = c.call("loyalty.get", json::object{{"ticker", cafe.coin}, {"client", account_text(anna)}});
    CHECK(str(loyalty, "balance") == "280.00");
    std::uint64_t expiry_s = 0;
    for (const auto& lot : loyalty.at("lots").as_array())
        if (lot.at("amount") == "200.00") expiry_s = lot.at("expiry_s").to_number<std::uint64_t>();
    REQUIRE(expiry_s > 0);
    const std::string date = last_day_in_moscow(expiry_s);
    INFO(str(*gift, "text"));
    CHECK(str(*gift, "text").find("подарок 200,00 VOLODYA действует до " + date + " включительно") !=
          std::string::npos);
    CHECK(str(*gift, "text").find(str(*gift, "link")) != std::string::npos);
    CHECK(gift->at("tx").is_null());  // no transaction caused it
    CHECK(gift->at("height").to_number<std::uint64_t>() > 0);
    const std::size_t to_anna = sms.requests().size();
    CHECK(to_anna >= 1);

    // Boris's gift was given (his balance shows it) but its news stopped.
    const json::value boris_loyalty = c.call("loyalty.get", json::object{{"ticker", cafe.coin}, {"client", account_text(boris)}});
    CHECK(str(boris_loyalty, "balance") == "265.00");  // 15.00 + 50.00 + 200.00
    std::optional<json::object> stopped;
    REQUIRE(wait_until(
        [&] {
            for (const auto& msg : messages_to(admin, boris))
                if (str(msg, "kind") == "winback_gift") stopped = msg;
            return stopped.has_value() && str(*stopped, "state") == "stopped";
        },
        std::chrono::seconds(30)));
    CHECK(messages_to(admin, boris).size() == boris_before + 1);

    // A restart makes no second gift message: the event ran once.
    node.stop();
    node.start();
    admin = node.client(true);
    std::size_t gifts = 0;
    for (const auto& msg : messages_to(admin, anna))
        if (str(msg, "kind") == "winback_gift") ++gifts;
    CHECK(gifts == 1);
}

TEST_CASE("bonuses about to expire: one reminder --expiry-reminder-days before, with the amount and the last day, once across restarts") {
    const std::string token = "gw-token-reminders";
    FakeProvider sms("generic", token);
    TempDir secrets("kopilka-sms-secret");
    const std::vector<std::string> args =
        SmsNode::args_of(secrets, {"--sms-provider", "http", "--sms-url", sms.url("/send"), "--expiry-reminder-days", "3"}, token);
    auto at = [&](std::int64_t days) {
        std::vector<std::string> a = args;
        a.insert(a.end(), {"--clock-offset-s", std::to_string(days * day_s)});
        return a;
    };
    NodeProcess node(at(-10), {"--clock-offset-s", std::to_string(-10 * day_s)});
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.wallet.set_clock_offset_s(-10 * day_s);
    cafe.open();
    // The welcome gift lasts 5 days; nothing else expires.
    loyalty::Programme p = programme(0);
    p.gifts = {loyalty::Gift{loyalty::GiftKind::welcome, 50'00, 5, 0}};
    publish(cafe, c, p);
    const Account anna = cafe.phone("+7 900 000-00-83");
    REQUIRE(cafe.wallet.submit(cafe.wallet.sign(cafe.masha, purchase(cafe, anna, 100'00, "r-3"))).at("status") == "committed");
    const json::value loyalty = c.call("loyalty.get", json::object{{"ticker", cafe.coin}, {"client", account_text(anna)}});
    REQUIRE(loyalty.at("lots").as_array().size() == 1);
    const std::uint64_t expiry_s = loyalty.at("lots").as_array()[0].at("expiry_s").to_number<std::uint64_t>();
    auto reminders = [&] {
        std::vector<json::object> out;
        for (const auto& m : messages_to(admin, anna))
            if (str(m, "kind") == "expiry_reminder") out.push_back(m);
        return out;
    };
    // Five days ahead is not yet within three.
    node.stop();
    node.start();
    admin = node.client(true);
    CHECK(reminders().empty());

    // Three days on, the lot is two days and a bit from its expiry.
    node.stop();
    node.set_extra_args(at(-7));
    node.start();
    c = node.client();
    admin = node.client(true);
    std::optional<json::object> sent;
    REQUIRE(wait_until(
        [&] {
            for (const auto& m : reminders())
                if (str(m, "state") == "sent") sent = m;
            return sent.has_value();
        },
        std::chrono::seconds(30)));
    const std::string date = last_day_in_moscow(expiry_s);
    INFO(str(*sent, "text"));
    CHECK(str(*sent, "text").find("50,00 VOLODYA из ваших бонусов действуют до " + date + " включительно") !=
          std::string::npos);
    CHECK(sent->at("tx").is_null());

    // Restarted, even a day later: no second reminder of that lot.
    node.stop();
    node.set_extra_args(at(-6));
    node.start();
    admin = node.client(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(reminders().size() == 1);
}
