// Claim codes and phone lookups against one determined attacker with any
// number of addresses (issue 13, "Trust under attack"):
//  - a message about coins carries no code, in its text or its link; codes
//    come only from phone.claim.request, one live code per phone, under one
//    per-phone limit;
//  - wrong codes count per (phone, address), per address, per phone and per
//    node; one address's wrong codes burn nothing another address asked for;
//    the answers do not tell whether a code is pending; the counts survive a
//    restart;
//  - phone.lookup answers only a signed request from a venue's owner or
//    staff, or from a key bound to a phone, fresh and once, limited per key;
//  - the private phone book keeps only numbers that hold coins or are bound.
//
// Several client addresses on one host: every 127.0.0.0/8 address is this
// host's loopback, so a connection bound to 127.0.0.N reaches the node on
// 127.0.0.1 as client N.
#include "harness.h"

#include "crypto/address.h"
#include "ledger/phone.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;

namespace {

// The JSON-RPC response object of one call made over a fresh connection
// from `source` (an address in 127.0.0.0/8).
json::object call_from(const std::string& source, std::uint16_t port, std::string_view method,
                       json::value params = json::object{}) {
    const int fd = connect_from(source, port);
    const std::string body = json::serialize(
        json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}});
    const std::string request = "POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Connection: close\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
    for (std::size_t sent = 0; sent < request.size();) {
        const auto n = ::write(fd, request.data() + sent, request.size() - sent);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    const auto head_end = reply.find("\r\n\r\n");
    if (head_end == std::string::npos) throw std::runtime_error("no HTTP reply from the node: " + reply);
    return json::parse(reply.substr(head_end + 4)).as_object();
}

// The error code of a response, or 0 for a result.
std::int64_t code_of(const json::object& response) {
    if (auto* e = response.if_contains("error")) return e->at("code").to_number<std::int64_t>();
    return 0;
}
std::string message_of(const json::object& response) {
    if (auto* e = response.if_contains("error")) return std::string(e->at("message").as_string());
    return "";
}

std::string new_address() { return address_from_key(KeyPair::generate().public_key()); }

json::object confirm_params(const std::string& phone, const std::string& code) {
    return json::object{{"phone", phone}, {"code", code}, {"key", new_address()}};
}

std::string wrong(const std::string& code, int i = 1) {
    std::string w = code;
    w.back() = static_cast<char>('0' + (w.back() - '0' + i) % 10);
    return w;
}

// Every message to `e164` in the outbox, newest first.
std::vector<json::object> messages_to(rpc::Client& admin, const std::string& e164) {
    std::vector<json::object> out;
    const json::value outbox = admin.call("admin.outbox", json::object{{"limit", 1000}});
    for (const auto& m : outbox.at("messages").as_array())
        if (m.at("phone") == json::value(std::string(e164))) out.push_back(m.as_object());
    return out;
}

std::string read_book(const NodeProcess& node) {
    const auto path = node.data_dir() / "private" / "phones";
    return std::filesystem::exists(path) ? read_text(path) : std::string();
}

}  // namespace

TEST_CASE("a message about coins carries no code, codes come only when asked, one live code per phone, one limit") {
    NodeProcess node({"--claim-codes-per-phone-per-hour", "3"});
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    const Account phone = cafe.phone("+7 900 000-00-31");
    // Five transfers, five messages: none with a code (the old node issued
    // one per transfer, with no limit, into the link).
    for (int i = 0; i < 5; ++i) cafe.give(cafe.masha, phone, 1'00);
    REQUIRE(wait_until([&] { return messages_to(admin, "+79000000031").size() == 5; }, std::chrono::seconds(10)));
    for (const auto& m : messages_to(admin, "+79000000031")) {
        const std::string text(m.at("text").as_string()), link(m.at("link").as_string());
        INFO(text << " | " << link);
        CHECK(link.find('?') == std::string::npos);
        CHECK(link.find("code") == std::string::npos);
        CHECK(link.find("/c/" + to_hex(phone.phone())) != std::string::npos);
        // No six digits outside the link (the reference's hex has digits of its own).
        CHECK(text.find(link) != std::string::npos);
        CHECK_FALSE(std::regex_search(text.substr(0, text.find(link)) + text.substr(text.find(link) + link.size()),
                                      std::regex("[0-9]{6}")));
    }
    CHECK_FALSE(claim_code_from_outbox(admin, "+79000000031", std::chrono::milliseconds(100)));

    // Asked three times (the per-phone limit, untouched by the transfers):
    // the same code each time, and the same answer.
    std::set<std::string> codes;
    for (int i = 0; i < 3; ++i) {
        auto r = c.call("phone.claim.request", json::object{{"phone", "+7 900 000-00-31"}});
        CHECK(r.at("sent") == true);
        CHECK(r.at("expires_in_s") == 600);
        auto code = claim_code_from_outbox(admin, "+79000000031");
        REQUIRE(code);
        codes.insert(*code);
    }
    CHECK(codes.size() == 1);
    for (const auto& m : messages_to(admin, "+79000000031"))
        CHECK(std::string(m.at("link").as_string()).find(*codes.begin()) == std::string::npos);
    auto e = error_of(c, "phone.claim.request", json::object{{"phone", "+7 900 000-00-31"}});
    CHECK(e.code == rpc::rate_limited);
    CHECK(std::string(e.what()).find("phone") != std::string::npos);
    // The one code works once.
    CHECK(c.call("phone.claim.confirm", confirm_params("+79000000031", *codes.begin())).at("attestation").is_string());
    CHECK(error_of(c, "phone.claim.confirm", confirm_params("+79000000031", *codes.begin())).code == rpc::code_invalid);
}

TEST_CASE("one address's wrong codes burn only its own budget: the code someone else asked for still works") {
    NodeProcess node;  // the defaults: 5 wrong codes per phone per address an hour
    rpc::Client admin = node.client(true);
    const std::uint16_t port = node.port();
    // The holder asks from 127.0.0.3.
    REQUIRE(code_of(call_from("127.0.0.3", port, "phone.claim.request", json::object{{"phone", "+79000000032"}})) == 0);
    auto code = claim_code_from_outbox(admin, "+79000000032");
    REQUIRE(code);
    // The attacker at 127.0.0.2 tries five wrong codes, then even the right one.
    for (int i = 1; i <= 5; ++i)
        CHECK(code_of(call_from("127.0.0.2", port, "phone.claim.confirm", confirm_params("+79000000032", wrong(*code, i)))) ==
              rpc::code_invalid);
    auto spent = call_from("127.0.0.2", port, "phone.claim.confirm", confirm_params("+79000000032", *code));
    CHECK(code_of(spent) == rpc::rate_limited);
    CHECK(message_of(spent).find("this address") != std::string::npos);
    // The holder's code was not burned.
    auto ok = call_from("127.0.0.3", port, "phone.claim.confirm", confirm_params("+79000000032", *code));
    INFO(json::serialize(ok));
    CHECK(ok.contains("result"));
}

TEST_CASE("wrong codes are limited per phone across addresses, per address across phones, and per node") {
    NodeProcess node({"--claim-guesses-per-phone-per-hour", "4", "--claim-guesses-per-ip-per-hour", "3",
                      "--claim-guesses-per-hour-max", "9"});
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    const std::uint16_t port = node.port();
    auto guess = [&](const std::string& from, const std::string& phone) {
        return call_from(from, port, "phone.claim.confirm", confirm_params(phone, "000000"));
    };
    // Per phone: two addresses, two wrong codes each; a third address is refused.
    for (const char* from : {"127.0.0.11", "127.0.0.12"})
        for (int i = 0; i < 2; ++i) CHECK(code_of(guess(from, "+79000000041")) == rpc::code_invalid);
    auto per_phone = guess("127.0.0.13", "+79000000041");
    CHECK(code_of(per_phone) == rpc::rate_limited);
    CHECK(message_of(per_phone).find("for this phone") != std::string::npos);
    // Per address: three wrong codes at three phones, the fourth phone is refused.
    for (const char* phone : {"+79000000042", "+79000000043", "+79000000044"})
        CHECK(code_of(guess("127.0.0.14", phone)) == rpc::code_invalid);
    auto per_address = guess("127.0.0.14", "+79000000045");
    CHECK(code_of(per_address) == rpc::rate_limited);
    CHECK(message_of(per_address).find("from this address") != std::string::npos);
    // Per node: 4 + 3 counted so far; two more from fresh addresses, then
    // every address is refused, even with a right code.
    CHECK(code_of(guess("127.0.0.15", "+79000000046")) == rpc::code_invalid);
    CHECK(code_of(guess("127.0.0.16", "+79000000047")) == rpc::code_invalid);
    CHECK(c.call("phone.claim.request", json::object{{"phone", "+79000000048"}}).at("sent") == true);
    auto code = claim_code_from_outbox(admin, "+79000000048");
    REQUIRE(code);
    auto total = call_from("127.0.0.17", port, "phone.claim.confirm", confirm_params("+79000000048", *code));
    CHECK(code_of(total) == rpc::rate_limited);
    CHECK(message_of(total).find("at this node") != std::string::npos);
}

TEST_CASE("a wrong code gets the same answer whether or not the phone has a code pending") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    CHECK(c.call("phone.claim.request", json::object{{"phone", "+79000000051"}}).at("sent") == true);
    auto code = claim_code_from_outbox(admin, "+79000000051");
    REQUIRE(code);
    auto pending = error_of(c, "phone.claim.confirm", confirm_params("+79000000051", wrong(*code)));
    auto none = error_of(c, "phone.claim.confirm", confirm_params("+79000000052", wrong(*code)));
    CHECK(pending.code == rpc::code_invalid);
    CHECK(none.code == pending.code);
    CHECK(std::string(none.what()) == std::string(pending.what()));
    // A code of the wrong length, too.
    CHECK(std::string(error_of(c, "phone.claim.confirm", confirm_params("+79000000052", "1")).what()) ==
          std::string(pending.what()));
}

TEST_CASE("the counts of wrong codes survive a restart") {
    NodeProcess node({"--claim-guesses-per-phone-per-hour", "3"});
    const std::uint16_t port = node.port();
    for (const char* from : {"127.0.0.21", "127.0.0.22", "127.0.0.23"})
        CHECK(code_of(call_from(from, port, "phone.claim.confirm", confirm_params("+79000000061", "000000"))) ==
              rpc::code_invalid);
    REQUIRE(node.stop() == 0);
    node.start();
    CHECK(code_of(call_from("127.0.0.24", node.port(), "phone.claim.confirm", confirm_params("+79000000061", "000000"))) ==
          rpc::rate_limited);
}

TEST_CASE("phone.lookup answers only a fresh signed request from a venue's staff or a key bound to a phone") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    const ChainId& chain = cafe.wallet.chain();
    auto now = [&] { return c.call("node.info").at("time_ms").to_number<std::uint64_t>(); };
    const std::string typed = "+7 900 000-00-71";

    // Unsigned, as the old node answered anyone.
    CHECK(error_of(c, "phone.lookup", json::object{{"phone", typed}}).code == rpc::invalid_params);
    // A stranger's key.
    const KeyPair stranger = KeyPair::generate();
    auto e = error_of(c, "phone.lookup", lookup_params(chain, stranger, typed, now()));
    CHECK(e.code == rpc::unauthorized);
    CHECK(std::string(e.what()).find("owner or staff") != std::string::npos);
    // Staff: the owner and a barista.
    CHECK(c.call("phone.lookup", lookup_params(chain, cafe.owner, typed, now())).at("e164") == "+79000000071");
    auto params = lookup_params(chain, cafe.masha, typed, now());
    CHECK(c.call("phone.lookup", params).at("claimed") == false);
    // The same signed request again: refused.
    CHECK(error_of(c, "phone.lookup", params).code == rpc::unauthorized);
    // Signed for another phone, another chain, or too long ago.
    auto other_phone = lookup_params(chain, cafe.masha, "+7 900 000-00-72", now());
    other_phone["phone"] = typed;
    CHECK(error_of(c, "phone.lookup", other_phone).code == rpc::unauthorized);
    ChainId other_chain = chain;
    other_chain[0] ^= 1;
    CHECK(error_of(c, "phone.lookup", lookup_params(other_chain, cafe.masha, typed, now())).code == rpc::unauthorized);
    auto stale = error_of(c, "phone.lookup", lookup_params(chain, cafe.masha, typed, now() - 10 * 60 * 1000));
    CHECK(stale.code == rpc::unauthorized);
    CHECK(std::string(stale.what()).find("time_ms") != std::string::npos);
    // The operator needs no signature.
    CHECK(admin.call("phone.lookup", json::object{{"phone", typed}}).at("e164") == "+79000000071");

    // A client who claimed +7 900 000-00-73 may look a friend up, naming its phone.
    auto code = request_claim_code(c, admin, "+79000000073");
    REQUIRE(code);
    const KeyPair client = KeyPair::generate();
    REQUIRE(claim_phone(cafe.wallet, c, "+79000000073", *code, client).at("status") == "committed");
    const Account own = *account_from_text(std::string(
        admin.call("phone.lookup", json::object{{"phone", "+79000000073"}}).at("account").as_string()));
    CHECK(error_of(c, "phone.lookup", lookup_params(chain, client, typed, now())).code == rpc::unauthorized);
    CHECK(signed_lookup(c, chain, client, typed, own).at("e164") == "+79000000071");
    // Someone else's phone as holder does not make a stranger a client.
    CHECK(error_of(c, "phone.lookup", lookup_params(chain, stranger, typed, now(), own)).code == rpc::unauthorized);
}

TEST_CASE("phone.lookup is limited per key: staff per hour, clients per day") {
    NodeProcess node({"--phone-lookups-per-staff-key-per-hour", "2", "--phone-lookups-per-client-key-per-day", "1"});
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    const ChainId& chain = cafe.wallet.chain();
    for (int i = 1; i <= 2; ++i) CHECK(signed_lookup(c, chain, cafe.masha, "+7900000008" + std::to_string(i)).is_object());
    std::string what;
    try {
        signed_lookup(c, chain, cafe.masha, "+79000000083");
    } catch (const rpc::Error& e) {
        CHECK(e.code == rpc::rate_limited);
        what = e.what();
    }
    CHECK(what.find("by this key") != std::string::npos);
    CHECK(signed_lookup(c, chain, cafe.petya, "+79000000083").is_object());  // another key, same address

    auto code = request_claim_code(c, admin, "+79000000084");
    REQUIRE(code);
    const KeyPair client = KeyPair::generate();
    REQUIRE(claim_phone(cafe.wallet, c, "+79000000084", *code, client).at("status") == "committed");
    const Account own = *account_from_text(std::string(
        admin.call("phone.lookup", json::object{{"phone", "+79000000084"}}).at("account").as_string()));
    CHECK(signed_lookup(c, chain, client, "+79000000085", own).is_object());
    CHECK_THROWS_AS(signed_lookup(c, chain, client, "+79000000086", own), rpc::Error);
}

TEST_CASE("the phone book keeps only numbers that hold coins or are claimed, and drops the rest at start") {
    NodeProcess node;
    rpc::Client c = node.client();
    rpc::Client admin = node.client(true);
    Volodi cafe(c);
    cafe.open();
    // Three numbers looked up; coins reach one.
    const Account paid = cafe.phone("+7 900 000-00-91");
    cafe.phone("+7 900 000-00-92");
    cafe.phone("+7 900 000-00-93");
    cafe.give(cafe.masha, paid, 2'00);
    REQUIRE(wait_until([&] { return !messages_to(admin, "+79000000091").empty(); }, std::chrono::seconds(10)));
    // A code confirmed for a fourth, whose bind is never sent.
    auto code = request_claim_code(c, admin, "+79000000094");
    REQUIRE(code);
    CHECK(c.call("phone.claim.confirm", confirm_params("+79000000094", *code)).at("attestation").is_string());
    CHECK(read_book(node).find("+79000000092") == std::string::npos);
    CHECK(read_book(node).find("+79000000093") == std::string::npos);
    CHECK(read_book(node).find("+79000000091") != std::string::npos);
    CHECK(read_book(node).find("+79000000094") != std::string::npos);
    REQUIRE(node.stop() == 0);

    // An older node's book held a number nobody holds coins for.
    std::string secret_hex = read_text(node.data_dir() / "phone.secret");
    while (!secret_hex.empty() && secret_hex.back() == '\n') secret_hex.pop_back();
    auto secret_raw = from_hex(secret_hex);
    REQUIRE(secret_raw);
    Hash256 secret{};
    std::copy(secret_raw->begin(), secret_raw->end(), secret.begin());
    {
        std::ofstream book(node.data_dir() / "private" / "phones", std::ios::app);
        book << to_hex(phone_reference("+79000000095", secret)) << " +79000000095\n";
    }
    node.start();
    const std::string book = read_book(node);
    INFO(book);
    CHECK(book.find("+79000000091") != std::string::npos);  // holds 2.00
    CHECK(book.find("+79000000094") == std::string::npos);  // claimed by code, never bound, holds nothing
    CHECK(book.find("+79000000095") == std::string::npos);
    // The paid number is still reached.
    admin = node.client(true);
    c = node.client();
    cafe.give(cafe.petya, paid, 1'00);
    REQUIRE(wait_until([&] { return messages_to(admin, "+79000000091").size() == 2; }, std::chrono::seconds(10)));
}
