#include "rpc/convert.h"

#include "crypto/address.h"
#include "ledger/programme_codec.h"

#include <boost/json.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace kopilka::rpc {

using namespace ledger;

namespace {
template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};

std::string addr(const PublicKey& k) { return address_from_key(k); }

json::value opt_amount(const std::optional<Amount>& a) {
    if (!a) return nullptr;
    return json::value(format_amount(*a));
}
}  // namespace

json::object profile_json(const Profile& p) {
    json::object o;
    o["name"] = p.name;
    o["logo_url"] = p.logo_url;
    o["address"] = p.street_address;
    if (p.geo)
        o["geo"] = json::object{{"lat_e7", p.geo->lat_e7}, {"lon_e7", p.geo->lon_e7}};
    else
        o["geo"] = nullptr;
    o["phone"] = p.phone;
    json::array links;
    for (const auto& l : p.links) links.push_back(json::value(l));
    o["links"] = std::move(links);
    o["hours"] = p.hours;
    return o;
}

json::object product_json(const Product& p) {
    json::object o;
    o["id"] = p.id;
    o["name"] = p.name;
    o["price"] = format_amount(p.price);
    o["category"] = p.category;
    o["image_url"] = p.image_url;
    o["active"] = p.active;
    return o;
}

json::object voucher_json(const Voucher& v) {
    json::object o;
    o["id"] = to_hex(voucher_id(v));
    o["ticker"] = v.ticker;
    o["product_id"] = v.product_id;
    o["price"] = format_amount(v.price);
    o["client"] = account_text(v.client);
    o["nonce"] = v.nonce;
    o["expiry_s"] = v.expiry_s;
    o["signer"] = addr(v.signer);
    o["signature"] = to_hex(v.signature.view());
    return o;
}

json::object attestation_json(const Attestation& a) {
    json::object o;
    o["account"] = account_text(Account::of_phone(a.phone));
    o["key"] = addr(a.key);
    o["sequence"] = a.sequence;
    o["expiry_s"] = a.expiry_s;
    o["attestor"] = addr(a.attestor);
    o["signature"] = to_hex(a.signature.view());
    return o;
}

namespace {

json::array text_array(const std::vector<std::string>& list) {
    json::array a;
    for (const auto& s : list) a.push_back(json::value(s));
    return a;
}

template <class T>
json::value opt_number(const std::optional<T>& v) {
    if (!v) return nullptr;
    return json::value(*v);
}

}  // namespace

json::object programme_json(const loyalty::Programme& p) {
    using namespace loyalty;
    json::object o;
    o["version"] = p.version;
    o["previous"] = to_hex(p.previous);
    o["hash"] = to_hex(programme_hash(p));
    o["effective_from_s"] = p.effective_from_s;
    o["zone"] = p.zone;
    o["tzdb_version"] = p.tzdb_version;
    o["zone_rule"] = p.zone_rule;
    o["tier_basis"] = tier_basis_name(p.tier_basis);
    o["period_months"] = p.period_months;
    o["tier_recalc"] = tier_recalc_name(p.tier_recalc);
    o["recalc_day"] = p.recalc_day;
    json::array tiers;
    for (const auto& t : p.tiers)
        tiers.push_back(json::object{{"name", t.name}, {"threshold", format_amount(t.threshold)}, {"pay_share_bp", t.pay_share_bp}});
    o["tiers"] = std::move(tiers);
    json::array rules;
    for (const auto& r : p.rules) {
        json::object when;
        when["tier_mask"] = r.when.tier_mask;
        when["receipt_min"] = opt_amount(r.when.receipt_min);
        when["receipt_max"] = opt_amount(r.when.receipt_max);
        if (r.when.window)
            when["window"] = json::object{{"weekdays", r.when.window->weekdays},
                                          {"from_minute", r.when.window->from_minute},
                                          {"to_minute", r.when.window->to_minute}};
        else
            when["window"] = nullptr;
        when["birthday_days"] = opt_number(r.when.birthday_days);
        when["returning_days"] = opt_number(r.when.returning_days);
        when["categories"] = text_array(r.when.categories);
        json::object rule;
        rule["id"] = r.id;
        rule["name"] = r.name;
        rule["group"] = r.group;
        rule["when"] = std::move(when);
        rule["effect"] = r.effect == Effect::percent ? "percent" : "fixed";
        if (r.effect == Effect::percent)
            rule["value_bp"] = r.value;
        else
            rule["value"] = format_amount(r.value);
        rule["cap_per_month"] = opt_amount(r.cap_per_month);
        rule["lifetime_days"] = r.lifetime_days;
        rules.push_back(std::move(rule));
    }
    o["rules"] = std::move(rules);
    o["accrual_excluded"] = text_array(p.accrual_excluded);
    o["pay_excluded"] = text_array(p.pay_excluded);
    json::array weekday;
    for (auto bp : p.weekday_pay_share_bp) weekday.push_back(bp);
    o["weekday_pay_share_bp"] = std::move(weekday);
    json::array gifts;
    for (const auto& g : p.gifts)
        gifts.push_back(json::object{{"kind", gift_kind_name(g.kind)},
                                     {"amount", format_amount(g.amount)},
                                     {"lifetime_days", g.lifetime_days},
                                     {"param_days", g.param_days}});
    o["gifts"] = std::move(gifts);
    json::array referral;
    for (auto bp : p.referral_bp) referral.push_back(bp);
    o["referral_bp"] = std::move(referral);
    o["referral_lifetime_days"] = p.referral_lifetime_days;
    json::array stamps;
    for (const auto& s : p.stamp_cards)
        stamps.push_back(json::object{{"id", s.id},
                                      {"category", s.category},
                                      {"every", s.every},
                                      {"reward", format_amount(s.reward)},
                                      {"lifetime_days", s.lifetime_days}});
    o["stamp_cards"] = std::move(stamps);
    o["cap_per_client_day"] = opt_amount(p.cap_per_client_day);
    o["gift_budget_per_month"] = opt_amount(p.gift_budget_per_month);
    return o;
}

namespace {

// Reads programme_json's shape back; every getter throws std::invalid_argument naming the field.
struct ViewReader {
    const json::object& o;
    std::string at;
    std::vector<std::string_view> seen;

    const json::value& get(std::string_view key) {
        seen.push_back(key);
        const json::value* v = o.if_contains(key);
        if (!v) throw std::invalid_argument(at + std::string(key) + ": missing");
        return *v;
    }
    std::string name(std::string_view key) const { return at + std::string(key); }
    // A whole number that fits T; `what` names it in the error.
    template <class T>
    static T whole(const json::value& v, const std::string& what) {
        if (!v.is_uint64() && !(v.is_int64() && v.get_int64() >= 0)) throw std::invalid_argument(what + ": not a whole number");
        const std::uint64_t n = v.is_uint64() ? v.get_uint64() : static_cast<std::uint64_t>(v.get_int64());
        if (n > std::numeric_limits<T>::max()) throw std::invalid_argument(what + ": too large");
        return static_cast<T>(n);
    }
    template <class T>
    T number(std::string_view key) {
        return whole<T>(get(key), name(key));
    }
    // A name `of` turns into an enum value.
    template <class E>
    E named(std::string_view key, std::optional<E> (*of)(std::string_view)) {
        const std::string t = text(key);
        if (auto e = of(t)) return *e;
        throw std::invalid_argument(name(key) + ": '" + t + "' is not one of its names");
    }
    template <class T>
    std::optional<T> opt_number(std::string_view key) {
        if (get(key).is_null()) return std::nullopt;
        return number<T>(key);
    }
    std::string text(std::string_view key) {
        const json::value& v = get(key);
        if (!v.is_string()) throw std::invalid_argument(name(key) + ": not a string");
        return std::string(v.get_string());
    }
    Amount amount(std::string_view key) {
        auto a = parse_amount(text(key));
        if (!a) throw std::invalid_argument(name(key) + ": not an amount");
        return *a;
    }
    std::optional<Amount> opt_amount(std::string_view key) {
        if (get(key).is_null()) return std::nullopt;
        return amount(key);
    }
    const json::array& array(std::string_view key) {
        const json::value& v = get(key);
        if (!v.is_array()) throw std::invalid_argument(name(key) + ": not an array");
        return v.get_array();
    }
    std::vector<std::string> texts(std::string_view key) {
        std::vector<std::string> out;
        for (const auto& e : array(key)) {
            if (!e.is_string()) throw std::invalid_argument(name(key) + ": holds a value that is not a string");
            out.emplace_back(e.get_string());
        }
        return out;
    }
    template <class T>
    std::vector<T> numbers(std::string_view key) {
        std::vector<T> out;
        for (const auto& e : array(key)) out.push_back(whole<T>(e, name(key) + "[]"));
        return out;
    }
    // Refuses a field this reader did not ask for: a view with more in it
    // than the wallet understands is not silently half-read.
    void done() const {
        for (const auto& [k, v] : o)
            if (std::find(seen.begin(), seen.end(), std::string_view(k)) == seen.end())
                throw std::invalid_argument(at + std::string(k) + ": not a field of the programme");
    }
};

ViewReader reader_of(const json::value& v, std::string at) {
    if (!v.is_object()) throw std::invalid_argument(at + ": not an object");
    return ViewReader{v.get_object(), at + (at.empty() ? "" : "."), {}};
}

}  // namespace

std::expected<loyalty::Programme, std::string> programme_from_json(const json::value& v) {
    using namespace loyalty;
    try {
        Programme p;
        ViewReader r = reader_of(v, "");
        p.version = r.number<std::uint32_t>("version");
        auto prev = from_hex(r.text("previous"));
        if (!prev || prev->size() != p.previous.size()) throw std::invalid_argument("previous: not 64 hex digits");
        std::copy(prev->begin(), prev->end(), p.previous.begin());
        r.get("hash");  // the caller compares it with programme_hash(p)
        p.effective_from_s = r.number<std::uint64_t>("effective_from_s");
        p.zone = r.text("zone");
        p.tzdb_version = r.text("tzdb_version");
        p.zone_rule = r.text("zone_rule");
        p.tier_basis = r.named("tier_basis", tier_basis_of);
        p.period_months = r.number<std::uint8_t>("period_months");
        p.tier_recalc = r.named("tier_recalc", tier_recalc_of);
        p.recalc_day = r.number<std::uint8_t>("recalc_day");
        const auto& tiers = r.array("tiers");
        for (std::size_t i = 0; i < tiers.size(); ++i) {
            ViewReader t = reader_of(tiers[i], "tiers[" + std::to_string(i) + "]");
            p.tiers.push_back({t.text("name"), t.amount("threshold"), t.number<std::uint32_t>("pay_share_bp")});
            t.done();
        }
        const auto& rules = r.array("rules");
        for (std::size_t i = 0; i < rules.size(); ++i) {
            ViewReader e = reader_of(rules[i], "rules[" + std::to_string(i) + "]");
            Rule rule;
            rule.id = e.number<std::uint16_t>("id");
            rule.name = e.text("name");
            rule.group = e.number<std::uint16_t>("group");
            ViewReader w = reader_of(e.get("when"), e.name("when"));
            rule.when.tier_mask = w.number<std::uint16_t>("tier_mask");
            rule.when.receipt_min = w.opt_amount("receipt_min");
            rule.when.receipt_max = w.opt_amount("receipt_max");
            if (!w.get("window").is_null()) {
                ViewReader win = reader_of(w.get("window"), w.name("window"));
                rule.when.window = Window{win.number<std::uint8_t>("weekdays"), win.number<std::uint16_t>("from_minute"),
                                          win.number<std::uint16_t>("to_minute")};
                win.done();
            }
            rule.when.birthday_days = w.opt_number<std::uint16_t>("birthday_days");
            rule.when.returning_days = w.opt_number<std::uint16_t>("returning_days");
            rule.when.categories = w.texts("categories");
            w.done();
            const std::string effect = e.text("effect");
            if (effect == "percent") {
                rule.effect = Effect::percent;
                rule.value = e.number<std::uint32_t>("value_bp");
            } else if (effect == "fixed") {
                rule.effect = Effect::fixed;
                const Amount value = e.amount("value");
                if (value > std::numeric_limits<std::uint32_t>::max()) throw std::invalid_argument(e.name("value") + ": too large");
                rule.value = static_cast<std::uint32_t>(value);
            } else {
                throw std::invalid_argument(e.name("effect") + ": '" + effect + "' is not percent or fixed");
            }
            rule.cap_per_month = e.opt_amount("cap_per_month");
            rule.lifetime_days = e.number<std::uint32_t>("lifetime_days");
            e.done();
            p.rules.push_back(std::move(rule));
        }
        p.accrual_excluded = r.texts("accrual_excluded");
        p.pay_excluded = r.texts("pay_excluded");
        const auto weekday = r.numbers<std::uint32_t>("weekday_pay_share_bp");
        if (weekday.size() != p.weekday_pay_share_bp.size())
            throw std::invalid_argument("weekday_pay_share_bp: not 7 values, Monday first");
        std::copy(weekday.begin(), weekday.end(), p.weekday_pay_share_bp.begin());
        const auto& gifts = r.array("gifts");
        for (std::size_t i = 0; i < gifts.size(); ++i) {
            ViewReader g = reader_of(gifts[i], "gifts[" + std::to_string(i) + "]");
            Gift gift;
            gift.kind = g.named("kind", gift_kind_of);
            gift.amount = g.amount("amount");
            gift.lifetime_days = g.number<std::uint32_t>("lifetime_days");
            gift.param_days = g.number<std::uint32_t>("param_days");
            g.done();
            p.gifts.push_back(gift);
        }
        p.referral_bp = r.numbers<std::uint32_t>("referral_bp");
        p.referral_lifetime_days = r.number<std::uint32_t>("referral_lifetime_days");
        const auto& stamps = r.array("stamp_cards");
        for (std::size_t i = 0; i < stamps.size(); ++i) {
            ViewReader s = reader_of(stamps[i], "stamp_cards[" + std::to_string(i) + "]");
            p.stamp_cards.push_back({s.number<std::uint16_t>("id"), s.text("category"), s.number<std::uint32_t>("every"),
                                     s.amount("reward"), s.number<std::uint32_t>("lifetime_days")});
            s.done();
        }
        p.cap_per_client_day = r.opt_amount("cap_per_client_day");
        p.gift_budget_per_month = r.opt_amount("gift_budget_per_month");
        r.done();
        return p;
    } catch (const std::invalid_argument& e) {
        return std::unexpected(std::string(e.what()));
    }
}

json::object receipt_json(const loyalty::Receipt& r) {
    json::object o;
    o["id"] = r.id;
    json::array lines;
    for (const auto& l : r.lines) lines.push_back(json::object{{"category", l.category}, {"amount", format_amount(l.amount)}});
    o["lines"] = std::move(lines);
    if (auto total = loyalty::receipt_total(r)) o["total"] = format_amount(*total);
    return o;
}

json::object pay_consent_json(const PayConsent& c) {
    json::object o;
    o["id"] = to_hex(pay_consent_id(c));
    o["ticker"] = c.ticker;
    o["client"] = account_text(c.client);
    o["amount"] = format_amount(c.amount);
    o["receipt_digest"] = to_hex(c.receipt_digest);
    o["nonce"] = c.nonce;
    o["expiry_s"] = c.expiry_s;
    o["signer"] = addr(c.signer);
    o["signature"] = to_hex(c.signature.view());
    return o;
}

std::string client_ref_text(const ClientRef& c) {
    return c.kind == ClientRef::Kind::account ? account_text(c.account) : "card:" + c.card;
}

json::object staff_acceptance_json(const StaffAcceptance& a) {
    json::object o;
    o["ticker"] = a.ticker;
    o["staff"] = addr(a.staff);
    o["expiry_s"] = a.expiry_s;
    o["signature"] = to_hex(a.signature.view());
    return o;
}

json::value rebind_json(const PendingRebind* r) {
    if (!r) return nullptr;
    return json::object{{"key", addr(r->key)}, {"effective_s", r->effective_s}};
}

json::object tx_json(const SignedTx& stx) {
    const Tx& tx = stx.tx;
    json::object o;
    o["id"] = to_hex(tx_id(tx));
    o["kind"] = kind_name(tx.kind());
    o["signer"] = addr(tx.signer);
    o["nonce"] = tx.nonce;
    o["expiry_s"] = tx.expiry_s;
    std::visit(Overloaded{
                   [&](const VenueCreate& b) {
                       o["ticker"] = b.ticker;
                       o["profile"] = profile_json(b.profile);
                   },
                   [&](const VenueUpdate& b) {
                       o["ticker"] = b.ticker;
                       o["profile"] = profile_json(b.profile);
                   },
                   [&](const ProductUpsert& b) {
                       o["ticker"] = b.ticker;
                       o["product"] = product_json(b.product);
                   },
                   [&](const ProductRemove& b) {
                       o["ticker"] = b.ticker;
                       o["product_id"] = b.product_id;
                   },
                   [&](const StaffUpdate& b) {
                       o["ticker"] = b.ticker;
                       o["staff"] = addr(b.staff);
                       o["role"] = role_name(b.role);
                       o["limit_per_tx"] = opt_amount(b.limits.per_tx);
                       o["limit_per_day"] = opt_amount(b.limits.per_day);
                   },
                   [&](const StaffAdd& b) {
                       o["ticker"] = b.ticker;
                       o["staff"] = addr(b.acceptance.staff);
                       o["role"] = role_name(b.role);
                       o["limit_per_tx"] = opt_amount(b.limits.per_tx);
                       o["limit_per_day"] = opt_amount(b.limits.per_day);
                       o["acceptance"] = staff_acceptance_json(b.acceptance);
                   },
                   [&](const PhoneRebindCancel& b) { o["account"] = account_text(Account::of_phone(b.phone)); },
                   [&](const PhoneRebindComplete& b) { o["account"] = account_text(Account::of_phone(b.phone)); },
                   [&](const StaffRemove& b) {
                       o["ticker"] = b.ticker;
                       o["staff"] = addr(b.staff);
                   },
                   [&](const Transfer& b) {
                       o["ticker"] = b.ticker;
                       o["from"] = account_text(b.from);
                       o["to"] = account_text(b.to);
                       o["amount"] = format_amount(b.amount);
                       o["memo"] = b.memo;
                   },
                   [&](const PhoneBind& b) { o["attestation"] = attestation_json(b.attestation); },
                   [&](const Redeem& b) {
                       o["ticker"] = b.ticker;
                       o["voucher"] = voucher_json(b.voucher);
                   },
                   [&](const ProgrammeSet& b) {
                       o["ticker"] = b.ticker;
                       o["programme"] = programme_json(b.programme);
                   },
                   [&](const Purchase& b) {
                       o["ticker"] = b.ticker;
                       o["client"] = client_ref_text(b.client);
                       o["receipt"] = receipt_json(b.receipt);
                       o["programme_version"] = b.programme_version;
                       o["pay"] = format_amount(b.pay);
                       o["consent"] = b.consent ? json::value(pay_consent_json(*b.consent)) : json::value(nullptr);
                       o["referrer"] = b.referrer ? json::value(account_text(*b.referrer)) : json::value(nullptr);
                   },
                   [&](const PurchaseReturn& b) {
                       o["ticker"] = b.ticker;
                       o["purchase"] = to_hex(b.purchase);
                       o["amount"] = format_amount(b.amount);
                   },
                   [&](const CardBind& b) {
                       o["ticker"] = b.ticker;
                       o["card"] = b.card;
                       o["client"] = account_text(b.client);
                   },
                   [&](const BirthdaySet& b) {
                       o["ticker"] = b.ticker;
                       o["client"] = account_text(b.client);
                       // The day itself is on the chain (docs/security.md); the view shows that it is set.
                       o["birthday_set"] = true;
                   },
               },
               tx.body);
    o["signature"] = to_hex(stx.signature.view());
    return o;
}

json::object header_json(const BlockHeader& h) {
    json::object o;
    o["height"] = h.height;
    o["hash"] = to_hex(block_hash(h));
    o["prev"] = to_hex(h.prev);
    o["time_ms"] = h.time_ms;
    o["tx_root"] = to_hex(h.tx_root);
    o["state_digest"] = to_hex(h.state_digest);
    o["tx_count"] = h.tx_count;
    o["producer"] = addr(h.producer);
    return o;
}

json::object block_json(const Block& b) {
    json::object o = header_json(b.header);
    o["signature"] = to_hex(b.signature.view());
    json::array ids;
    for (const auto& id : b.tx_ids) ids.push_back(json::value(to_hex(id)));
    o["tx_ids"] = std::move(ids);
    return o;
}

json::object proof_json(const InclusionProof& p) {
    json::object o;
    o["index"] = p.index;
    o["tree_size"] = p.tree_size;
    json::array path;
    for (const auto& h : p.path) path.push_back(json::value(to_hex(h)));
    o["path"] = std::move(path);
    return o;
}

InclusionProof proof_from_json(const json::value& v) {
    InclusionProof p;
    try {
        const auto& o = v.as_object();
        p.index = static_cast<std::uint32_t>(o.at("index").to_number<std::uint32_t>());
        p.tree_size = static_cast<std::uint32_t>(o.at("tree_size").to_number<std::uint32_t>());
        for (const auto& h : o.at("path").as_array()) p.path.push_back(parse_hash(std::string(h.as_string()), "path"));
    } catch (const Error&) {
        throw;
    } catch (const std::exception&) {
        throw Error(invalid_params, "proof must be {index, tree_size, path}");
    }
    return p;
}

Account parse_account(const std::string& text, std::string_view param) {
    if (auto a = account_from_text(text)) return *a;
    throw Error(invalid_params, "param '" + std::string(param) +
                                    "' is not an address (kop1…, checksum checked) or phone:<64 hex>");
}

PublicKey parse_address(const std::string& text, std::string_view param) {
    if (auto k = key_from_address(text)) return *k;
    throw Error(invalid_params, "param '" + std::string(param) + "' is not a valid address (kop1…)");
}

Signature parse_signature(const std::string& text, std::string_view param) {
    auto raw = from_hex(text);
    if (!raw || raw->size() != signature_bytes || to_hex(*raw) != text)
        throw Error(invalid_params, "param '" + std::string(param) + "' must be " + std::to_string(2 * signature_bytes) +
                                        " lowercase hex characters (an Ed25519 signature)");
    Signature sig;
    std::copy(raw->begin(), raw->end(), sig.bytes.begin());
    return sig;
}

Hash256 parse_hash(const std::string& text, std::string_view param) {
    auto raw = from_hex(text);
    if (!raw || raw->size() != hash_bytes)
        throw Error(invalid_params, "param '" + std::string(param) + "' must be 64 hex characters");
    Hash256 h;
    std::copy(raw->begin(), raw->end(), h.begin());
    return h;
}

Bytes parse_base64url(const std::string& text, std::string_view param, std::size_t max_bytes) {
    if (text.size() > (max_bytes * 4 + 2) / 3)
        throw Error(invalid_params, "param '" + std::string(param) + "' is longer than " +
                                        std::to_string(max_bytes) + " bytes");
    auto raw = from_base64url(text);
    if (!raw) throw Error(invalid_params, "param '" + std::string(param) + "' is not base64url (no padding)");
    return *raw;
}

std::string parse_ticker(const std::string& text, std::string_view param) {
    if (!valid_ticker(text))
        throw Error(invalid_params, "param '" + std::string(param) + "' must be 3-10 characters of A-Z and 0-9");
    return text;
}

}  // namespace kopilka::rpc
