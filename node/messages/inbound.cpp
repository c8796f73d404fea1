#include "node/messages/inbound.h"

#include "crypto/bytes.h"

#include <boost/json.hpp>

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>

namespace kopilka::node {

namespace json = boost::json;

namespace {

bool iequals_ascii(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Constant time in the length of `expected`: a wrong guess learns nothing
// from how long the compare took.
bool same_secret(std::string_view given, std::string_view expected) {
    if (given.size() != expected.size()) return false;
    return sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// application/x-www-form-urlencoded: name=value pairs, '+' a space, %XX a
// byte. nullopt for a malformed escape; a repeated name keeps the last.
std::optional<std::map<std::string, std::string>> parse_form(std::string_view body) {
    auto decode = [](std::string_view s) -> std::optional<std::string> {
        std::string out;
        out.reserve(s.size());
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '+') {
                out.push_back(' ');
            } else if (s[i] == '%') {
                if (i + 2 >= s.size()) return std::nullopt;
                const int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
                if (hi < 0 || lo < 0) return std::nullopt;
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
            } else {
                out.push_back(s[i]);
            }
        }
        return out;
    };
    std::map<std::string, std::string> fields;
    while (!body.empty()) {
        const std::size_t amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        auto name = decode(pair.substr(0, eq));
        auto value = decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!name || !value) return std::nullopt;
        fields.insert_or_assign(std::move(*name), std::move(*value));
    }
    return fields;
}

std::expected<Inbound, InboundRefused> read_generic(std::string_view secret, const InboundRequest& r,
                                                    std::uint64_t now_ms) {
    std::uint64_t ts = 0;
    const std::string_view stamp = trim(r.timestamp);
    const auto [end, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), ts);
    if (stamp.empty() || ec != std::errc{} || end != stamp.data() + stamp.size())
        return std::unexpected(InboundRefused{401, "X-Kopilka-Timestamp must be the unix time in seconds"});
    const std::uint64_t now_s = now_ms / 1000;
    if ((ts > now_s ? ts - now_s : now_s - ts) > inbound_signature_window_s)
        return std::unexpected(InboundRefused{
            401, "X-Kopilka-Timestamp is more than " + std::to_string(inbound_signature_window_s) +
                     " s from the node's clock; sign the request when it is sent"});
    if (!same_secret(trim(r.signature), inbound_signature(secret, stamp, r.body)))
        return std::unexpected(InboundRefused{
            401, "X-Kopilka-Signature does not match: it is v1= and the hex HMAC-SHA256, under the node's inbound "
                 "secret, of the timestamp, a dot and the body"});
    boost::system::error_code ec2;
    const json::value v = json::parse(r.body, ec2);
    const json::value* events = !ec2 && v.is_object() ? v.as_object().if_contains("events") : nullptr;
    if (!events || !events->is_array())
        return std::unexpected(InboundRefused{400, "the body must be a JSON object with an array 'events'"});
    if (events->as_array().size() > inbound_events_max)
        return std::unexpected(InboundRefused{
            400, "at most " + std::to_string(inbound_events_max) + " events in one request"});
    Inbound in;
    auto text_of = [](const json::object& e, std::string_view k) -> std::optional<std::string> {
        const json::value* x = e.if_contains(k);
        if (!x || !x->is_string()) return std::nullopt;
        return std::string(x->as_string());
    };
    for (std::size_t i = 0; i < events->as_array().size(); ++i) {
        const json::value& ev = events->as_array()[i];
        const std::string at = "event " + std::to_string(i) + ": ";
        if (!ev.is_object()) return std::unexpected(InboundRefused{400, at + "must be an object"});
        const json::object& e = ev.as_object();
        const auto type = text_of(e, "type");
        if (type == "delivery") {
            auto id = text_of(e, "id");
            auto status = text_of(e, "status");
            if (!id || id->empty() || !status || (*status != "delivered" && *status != "failed"))
                return std::unexpected(InboundRefused{
                    400, at + "a delivery needs 'id' (the gateway's id for the message) and 'status' "
                              "(delivered or failed)"});
            in.reports.push_back(DeliveryReport{std::move(*id), *status == "delivered", text_of(e, "error").value_or("")});
        } else if (type == "reply") {
            auto from = text_of(e, "from");
            auto text = text_of(e, "text");
            if (!from || from->empty() || !text)
                return std::unexpected(InboundRefused{400, at + "a reply needs 'from' (E.164) and 'text'"});
            if (text->size() > inbound_reply_bytes_max)
                return std::unexpected(InboundRefused{
                    400, at + "'text' is over " + std::to_string(inbound_reply_bytes_max) + " bytes"});
            in.replies.push_back(InboundReply{std::move(*from), std::move(*text)});
        } else {
            return std::unexpected(InboundRefused{400, at + "'type' must be delivery or reply"});
        }
    }
    return in;
}

std::expected<Inbound, InboundRefused> read_twilio(std::string_view secret, const InboundRequest& r) {
    // Basic <base64 of user:password>; the user is the operator's to pick.
    const std::string_view auth = trim(r.authorization);
    constexpr std::string_view basic = "Basic ";
    bool ok = false;
    if (auth.size() > basic.size() && iequals_ascii(auth.substr(0, basic.size()), basic)) {
        const std::string_view b64 = trim(auth.substr(basic.size()));
        std::string decoded(b64.size(), '\0');
        std::size_t len = 0;
        if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), b64.data(),
                              b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0) {
            decoded.resize(len);
            const std::size_t colon = decoded.find(':');
            ok = colon != std::string::npos && same_secret(std::string_view(decoded).substr(colon + 1), secret);
        }
        sodium_memzero(decoded.data(), decoded.size());
    }
    if (!ok)
        return std::unexpected(InboundRefused{
            401, "Twilio's webhook must carry HTTP Basic credentials whose password is the node's inbound secret "
                 "(https://kopilka:<secret>@<node>/hooks/sms in Twilio's console)"});
    auto fields = parse_form(r.body);
    if (!fields) return std::unexpected(InboundRefused{400, "the body is not a valid form (x-www-form-urlencoded)"});
    auto get = [&](const char* k) -> std::string {
        auto it = fields->find(k);
        return it == fields->end() ? std::string() : it->second;
    };
    Inbound in;
    // A status callback names MessageStatus; an incoming message names
    // SmsStatus "received" and carries From and Body.
    if (const std::string status = get("MessageStatus"); !status.empty() && status != "received") {
        const std::string sid = get("MessageSid");
        if (sid.empty()) return std::unexpected(InboundRefused{400, "a status callback without MessageSid"});
        if (status == "delivered" || status == "read") {
            in.reports.push_back(DeliveryReport{sid, true, {}});
        } else if (status == "undelivered" || status == "failed") {
            const std::string code = get("ErrorCode");
            in.reports.push_back(DeliveryReport{
                sid, false, "Twilio " + status + (code.empty() ? std::string() : ", error " + code)});
        } else {
            ++in.ignored;  // queued, sending, sent, accepted, scheduled: not yet news
        }
        return in;
    }
    const std::string from = get("From"), body = get("Body");
    if (from.empty()) return std::unexpected(InboundRefused{400, "an incoming message without From"});
    if (body.size() > inbound_reply_bytes_max)
        return std::unexpected(InboundRefused{400, "Body is over " + std::to_string(inbound_reply_bytes_max) + " bytes"});
    in.replies.push_back(InboundReply{from, body});
    return in;
}

}  // namespace

std::string inbound_signature(std::string_view secret, std::string_view timestamp, std::string_view body) {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(timestamp.data()), timestamp.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>("."), 1);
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()), body.size());
    std::array<std::uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
    crypto_auth_hmacsha256_final(&st, mac.data());
    sodium_memzero(&st, sizeof st);
    return "v1=" + to_hex(ByteView(mac.data(), mac.size()));
}

std::expected<Inbound, InboundRefused> read_inbound(SmsProvider provider, std::string_view secret,
                                                    const InboundRequest& request, std::uint64_t now_ms) {
    switch (provider) {
        case SmsProvider::http: return read_generic(secret, request, now_ms);
        case SmsProvider::twilio: return read_twilio(secret, request);
        case SmsProvider::file:
        case SmsProvider::smsru: break;
    }
    return std::unexpected(InboundRefused{404, "this node's SMS provider sends nothing back that it reads"});
}

ReplyWord reply_word(std::string_view text) {
    text = trim(text);
    // Carriers' and Twilio's usual words, and their Russian counterparts
    // (UTF-8, in the cases a phone keyboard offers).
    static constexpr std::array<std::string_view, 6> stop_ascii = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"};
    static constexpr std::array<std::string_view, 3> start_ascii = {"start", "unstop", "yes"};
    static constexpr std::array<std::string_view, 6> stop_ru = {"СТОП", "Стоп", "стоп", "ОТПИСКА", "Отписка", "отписка"};
    static constexpr std::array<std::string_view, 3> start_ru = {"СТАРТ", "Старт", "старт"};
    for (auto w : stop_ascii)
        if (iequals_ascii(text, w)) return ReplyWord::stop;
    for (auto w : start_ascii)
        if (iequals_ascii(text, w)) return ReplyWord::start;
    for (auto w : stop_ru)
        if (text == w) return ReplyWord::stop;
    for (auto w : start_ru)
        if (text == w) return ReplyWord::start;
    return ReplyWord::other;
}

}  // namespace kopilka::node
