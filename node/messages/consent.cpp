#include "node/messages/consent.h"

#include "crypto/bytes.h"

#include <boost/json.hpp>

namespace kopilka::node {

namespace json = boost::json;
using ledger::Column;

namespace {

// The outbox family's consent records (the messages are 'm', the credits
// 'c', the packs 'g'): 'o' + the 32-byte phone reference + the ticker.
constexpr std::uint8_t consent_key_tag = 'o';
constexpr std::int64_t consent_record_version = 1;

Bytes consent_key(const ledger::PhoneRef& phone, std::string_view venue) {
    Bytes k{consent_key_tag};
    k.insert(k.end(), phone.begin(), phone.end());
    k.insert(k.end(), venue.begin(), venue.end());
    return k;
}

Bytes consent_record(const ledger::PhoneRef& phone, const Consent::Choice& c) {
    const std::string s = json::serialize(json::object{{"v", consent_record_version},
                                                       {"phone", to_hex(phone)},
                                                       {"venue", c.venue},
                                                       {"receive", c.receive},
                                                       {"source", consent_source_name(c.source)},
                                                       {"time_ms", c.time_ms},
                                                       {"signed_ms", c.signed_ms}});
    return Bytes(s.begin(), s.end());
}

std::optional<std::pair<ledger::PhoneRef, Consent::Choice>> decode_consent(ByteView key, ByteView bytes) {
    boost::system::error_code ec;
    const json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::object& o = v.as_object();
    const auto* ver = o.if_contains("v");
    const auto* phone = o.if_contains("phone");
    const auto* venue = o.if_contains("venue");
    const auto* receive = o.if_contains("receive");
    const auto* source = o.if_contains("source");
    const auto* time = o.if_contains("time_ms");
    const auto* signed_ms = o.if_contains("signed_ms");
    if (!ver || !ver->is_int64() || ver->as_int64() != consent_record_version || !phone || !phone->is_string() ||
        !venue || !venue->is_string() || !receive || !receive->is_bool() || !source || !source->is_string() ||
        !time || !time->is_int64() || time->as_int64() < 0 || !signed_ms || !signed_ms->is_int64() ||
        signed_ms->as_int64() < 0)
        return std::nullopt;
    auto ref = from_hex(phone->as_string());
    ledger::PhoneRef p{};
    if (!ref || ref->size() != p.size()) return std::nullopt;
    std::copy(ref->begin(), ref->end(), p.begin());
    Consent::Choice c;
    c.venue = std::string(venue->as_string());
    c.receive = receive->as_bool();
    if (source->as_string() == "cabinet")
        c.source = Consent::Source::cabinet;
    else if (source->as_string() == "reply")
        c.source = Consent::Source::reply;
    else
        return std::nullopt;
    c.time_ms = static_cast<std::uint64_t>(time->as_int64());
    c.signed_ms = static_cast<std::uint64_t>(signed_ms->as_int64());
    // The key says the same as the record (asserted where it is read back).
    if (consent_key(p, c.venue) != Bytes(key.begin(), key.end())) return std::nullopt;
    return std::pair{p, std::move(c)};
}

}  // namespace

std::string_view consent_source_name(Consent::Source s) { return s == Consent::Source::reply ? "reply" : "cabinet"; }

Consent::Consent(ledger::Store& store, Log& log) : store_(store), log_(log) {
    std::uint64_t undecodable = 0;
    store_.scan(Column::outbox, Bytes{consent_key_tag}, {}, [&](ByteView key, ByteView value) {
        auto r = decode_consent(key, value);
        if (!r) {
            ++undecodable;
            return true;
        }
        if (!r->second.receive) ++(r->second.venue.empty() ? counts_.stopped_all : counts_.stopped_venue);
        choices_[r->first].insert_or_assign(r->second.venue, r->second);
        ++records_;
        return true;
    });
    // A record this version cannot read stops nothing: said once, so the
    // operator knows a choice may be missed.
    if (undecodable > 0) log_.warn("consent.unreadable_records", {{"records", undecodable}});
}

std::optional<Consent::Choice> Consent::stopping(const ledger::PhoneRef& phone, std::string_view venue) const {
    std::lock_guard lock(mutex_);
    auto it = choices_.find(phone);
    if (it == choices_.end()) return std::nullopt;
    for (std::string_view v : {std::string_view{}, venue}) {
        auto c = it->second.find(std::string(v));
        if (c != it->second.end() && !c->second.receive) return c->second;
    }
    return std::nullopt;
}

std::expected<Consent::Choice, Consent::Refused> Consent::set(const ledger::PhoneRef& phone, Choice choice) {
    std::lock_guard lock(mutex_);
    auto& mine = choices_[phone];
    auto last = mine.find(choice.venue);
    if (last != mine.end() && choice.source == Source::cabinet && choice.signed_ms <= last->second.signed_ms) {
        return std::unexpected(Refused{Refusal::stale, "this choice was signed before the phone's last one for " +
                                                           (choice.venue.empty() ? std::string("every venue")
                                                                                 : choice.venue) +
                                                           "; sign it again with the current time"});
    }
    if (last == mine.end() && records_ >= consent_records_max) {
        if (mine.empty()) choices_.erase(phone);
        return std::unexpected(
            Refused{Refusal::full, "this node keeps no more message choices; tell its operator"});
    }
    ledger::Batch b;
    b.put(Column::outbox, consent_key(phone, choice.venue), consent_record(phone, choice));
    if (auto ok = store_.write(b, /*sync=*/true); !ok) {
        log_.error("consent.write_failed", {{"error", ok.error()}});
        if (mine.empty()) choices_.erase(phone);
        return std::unexpected(Refused{Refusal::not_written, "the choice could not be written; try again"});
    }
    std::uint64_t& stopped = choice.venue.empty() ? counts_.stopped_all : counts_.stopped_venue;
    if (last == mine.end())
        ++records_;
    else if (!last->second.receive)
        --stopped;
    if (!choice.receive) ++stopped;
    mine.insert_or_assign(choice.venue, choice);
    return choice;
}

std::vector<Consent::Choice> Consent::of(const ledger::PhoneRef& phone) const {
    std::lock_guard lock(mutex_);
    std::vector<Choice> out;
    auto it = choices_.find(phone);
    if (it == choices_.end()) return out;
    for (const auto& [venue, c] : it->second) out.push_back(c);  // "" sorts first
    return out;
}

Consent::Counts Consent::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

}  // namespace kopilka::node
