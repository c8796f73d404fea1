// What SMS providers tell the node (docs/messages.md, "Inbound"): delivery
// reports of the messages they accepted, and clients' replies (STOP, START).
// They arrive as POST /hooks/sms, each provider in its own documented form:
//  - http (the generic gateway): a JSON batch of events, signed with
//    HMAC-SHA256 under the node's inbound secret over "<timestamp>.<body>",
//    in X-Kopilka-Timestamp / X-Kopilka-Signature (taken within
//    inbound_signature_window_s of the node's clock, so a request seen once
//    cannot be played again next week);
//  - twilio: Twilio's status callback or incoming-message webhook (form
//    fields MessageSid, MessageStatus, ErrorCode; From, Body), with HTTP
//    Basic credentials the operator puts in the webhook's URL, the password
//    the inbound secret (Twilio's own X-Twilio-Signature is HMAC-SHA1, which
//    the node's libsodium does not have).
// SMS.ru's callbacks carry neither a signature nor credentials: not read.
//
// This file only reads a request; what a report or a reply does is the
// outbox's (report) and Consent's business, wired by node.cpp.
#pragma once

#include "node/messages/channels.h"
#include "node/messages/outbox.h"

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace kopilka::node {

inline constexpr std::size_t inbound_events_max = 100;           // in one generic request
inline constexpr std::size_t inbound_reply_bytes_max = 1'600;    // a client's reply text (10 SMS parts)
inline constexpr std::uint64_t inbound_signature_window_s = 300; // a signed request's timestamp vs the node's clock
inline constexpr std::size_t inbound_secret_bytes_min = 16;      // shorter secrets are refused at start

struct InboundRequest {
    std::string body;
    std::string content_type;
    std::string authorization;  // the Authorization header
    std::string timestamp;      // X-Kopilka-Timestamp
    std::string signature;      // X-Kopilka-Signature
};

// A client's SMS to the node's number, as the provider gave it.
struct InboundReply {
    std::string from;  // the sender's number as the provider wrote it (E.164)
    std::string text;
};

struct Inbound {
    std::vector<DeliveryReport> reports;
    std::vector<InboundReply> replies;
    std::size_t ignored = 0;  // events that change nothing here (Twilio's "queued", "sent", ...)
};

struct InboundRefused {
    int status;       // 401: not the provider (no or a wrong signature); 400: not its form
    std::string why;  // for the operator; never repeats the secret or a signature
};

// Reads a request for `provider` (http or twilio; any other is refused).
std::expected<Inbound, InboundRefused> read_inbound(SmsProvider provider, std::string_view secret,
                                                    const InboundRequest& request, std::uint64_t now_ms);

// The generic gateway's signature: "v1=" and the lowercase hex of
// HMAC-SHA256(secret, timestamp + "." + body).
std::string inbound_signature(std::string_view secret, std::string_view timestamp, std::string_view body);

// What a reply asks for: STOP (and its usual synonyms, in English and
// Russian) stops every venue's automatic messages to the number; START
// undoes it. Anything else changes nothing.
enum class ReplyWord { other, stop, start };
ReplyWord reply_word(std::string_view text);

}  // namespace kopilka::node
