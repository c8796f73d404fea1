// Bonus programmes: the owner shows and sets the venue's programme from a
// file (programme_file.h, docs/programme.md); staff record purchases (with
// the till's quote first), returns and loyalty cards; a client sees its tier
// and lots, sets its birthday and signs its consent to pay with bonuses.
#include "crypto/address.h"
#include "ledger/programme_codec.h"
#include "rpc/convert.h"
#include "wallet-cli/cli_error.h"
#include "wallet-cli/commands.h"
#include "wallet-cli/format.h"
#include "wallet-cli/programme_file.h"

#include <boost/json.hpp>

#include <iostream>
#include <map>

namespace kopilka::wallet {

using ledger::Account;
using ledger::Amount;
namespace loyalty = ledger::loyalty;

namespace {

// A version takes effect this long after now when the file names no time:
// after the block that publishes it, with room for a busy node.
constexpr std::uint64_t programme_default_lead_s = 60;
// How long a client's pay consent stays good unless --minutes says otherwise.
constexpr unsigned pay_consent_minutes_default = 10;
constexpr unsigned pay_consent_minutes_max = 24 * 60;

struct Versions {
    std::vector<loyalty::Programme> all;  // version order, each checked against its hash and its predecessor
    std::optional<std::uint32_t> in_force;
    json::array views;
};

// programme.get, every version rebuilt from the node's view and checked:
// the hash the node shows is the hash of what it shows, and each version
// names its predecessor's hash. A node cannot show one programme and apply another.
Versions fetch_versions(Session& s, const std::string& ticker) {
    auto v = s.call("programme.get", json::object{{"ticker", ticker}});
    Versions out;
    if (const auto* f = v.as_object().if_contains("in_force"); f && f->is_number())
        out.in_force = f->to_number<std::uint32_t>();
    out.views = v.at("versions").as_array();
    for (const auto& view : out.views) {
        auto p = rpc::programme_from_json(view);
        if (!p) throw CliError(exit_node_error, "programme.get answered a programme the wallet cannot read: " + p.error());
        if (to_hex(ledger::loyalty::programme_hash(*p)) != str(view, "hash"))
            throw CliError(exit_node_error, "the node's programme version " + std::to_string(p->version) +
                                                " does not match the hash it shows: do not trust this node");
        const Hash256 expected_prev = out.all.empty() ? Hash256{} : ledger::loyalty::programme_hash(out.all.back());
        if (p->version != out.all.size() + 1 || p->previous != expected_prev)
            throw CliError(exit_node_error, "the node's programme versions do not follow each other (version " +
                                                std::to_string(p->version) + "): do not trust this node");
        out.all.push_back(std::move(*p));
    }
    return out;
}

// "2026-12-10 00:00 Europe/Moscow (2026-12-09 21:00:00 UTC)"
std::string local_text(const loyalty::Programme& p, std::uint64_t t) {
    auto rule = ledger::tz::parse(p.zone_rule);
    if (!rule) return utc_time_s(t);
    const auto lt = ledger::tz::to_local(*rule, static_cast<std::int64_t>(t));
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02u:%02u", lt.year, unsigned(lt.month), unsigned(lt.day),
                  lt.second_of_day / 3600, lt.second_of_day / 60 % 60);
    return std::string(buf) + " " + display_text(p.zone) + " (" + utc_time_s(t) + ")";
}

std::string where(const std::string& file, std::size_t line) {
    return line == 0 ? file : file + ":" + std::to_string(line);
}

// "350" (no category) or "coffee=350" / "coffee=2.50".
loyalty::Receipt parse_lines(const std::vector<std::string>& args, const std::string& id) {
    loyalty::Receipt r;
    r.id = id;
    for (const auto& a : args) {
        const auto eq = a.rfind('=');
        const std::string category = eq == std::string::npos ? "" : a.substr(0, eq);
        const std::string amount = eq == std::string::npos ? a : a.substr(eq + 1);
        auto units = ledger::parse_amount(amount);
        if (!units || *units == 0)
            throw CliError(exit_usage, "receipt line '" + a + "' is not AMOUNT or CATEGORY=AMOUNT",
                           "e.g. coffee=350 cake=120.50, or 470 for a line without a category");
        r.lines.push_back({category, *units});
    }
    if (auto e = loyalty::check_receipt(r); !e.empty()) throw CliError(exit_usage, "the receipt: " + e);
    return r;
}

// A loyalty card's number as typed (any case), in the ledger's capitals.
std::string card_number(std::string typed) {
    for (char& c : typed)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!loyalty::valid_card(typed)) throw CliError(exit_usage, "'" + typed + "' is not a card number", "a card number is 4-32 of 0-9 and A-Z");
    return typed;
}

// A client as staff type it: card:NUMBER, a phone number, an address or phone:<hex>.
struct ClientArg {
    ledger::ClientRef ref;
    std::string label;
    std::string param;  // for the RPC methods
};
ClientArg resolve_client(Session& s, const std::string& text) {
    if (text.starts_with("card:")) {
        const std::string card = card_number(text.substr(5));
        return {ledger::ClientRef{ledger::ClientRef::Kind::card, {}, card}, "card " + card, "card:" + card};
    }
    const Recipient r = s.resolve_recipient(text);
    return {ledger::ClientRef{ledger::ClientRef::Kind::account, r.account, {}}, r.label, ledger::account_text(r.account)};
}

std::map<std::string, std::string> rule_names(const json::value& programme_view) {
    std::map<std::string, std::string> names;
    for (const auto& r : programme_view.at("rules").as_array()) names[json::serialize(r.at("id"))] = str(r, "name");
    return names;
}

std::string tier_name(const json::value& tier) {
    const auto& n = tier.at("name");
    return n.is_string() ? display_text(n.get_string()) : "tier " + json::serialize(tier.at("index"));
}

void print_quote(const json::value& q, const std::map<std::string, std::string>& names, const std::string& ticker,
                 const std::string& client_label, std::uint64_t now_s) {
    std::cout << "client:    " << display_text(client_label) << " (" << short_account(str(q, "client")) << "), tier "
              << tier_name(q.at("tier_before"));
    if (q.at("tier_after").at("index") != q.at("tier_before").at("index")) std::cout << " -> " << tier_name(q.at("tier_after"));
    std::cout << "\nreceipt:   " << str(q, "total") << ", paid with bonuses " << str(q, "paid") << " " << ticker
              << " (at most " << str(q, "payable_max") << "), accrual on " << str(q, "base") << "\n";
    const auto& credits = q.at("credits").as_array();
    if (credits.empty()) std::cout << "credits:   none\n";
    for (std::size_t i = 0; i < credits.size(); ++i) {
        const auto& c = credits[i];
        const std::string source = str(c, "source");
        const std::string id = json::serialize(c.at("id"));
        std::string what = source == "rule" ? "rule " + id + (names.count(id) ? " \"" + display_text(names.at(id)) + "\"" : "")
                           : source == "stamp" ? "stamp card " + id
                           : source == "referral" ? "referral level " + id
                                                  : std::string(loyalty::gift_kind_name(
                                                        static_cast<loyalty::GiftKind>(c.at("id").to_number<std::uint8_t>()))) +
                                                        " gift";
        std::cout << (i == 0 ? "credits:   " : "           ") << str(c, "amount") << " " << ticker << " " << what;
        const std::string to = str(c, "to");
        if (to != str(q, "client")) std::cout << " to " << short_account(to);
        const std::uint64_t expiry = c.at("expiry_s").to_number<std::uint64_t>();
        if (expiry != 0) std::cout << ", expires " << utc_time_s(expiry) << " (" << relative_time(expiry, now_s) << ")";
        std::cout << "\n";
    }
    if (str(q, "debt_paid") != "0.00") std::cout << "debt:      " << str(q, "debt_paid") << " of the accrual repays the client's debt\n";
    std::cout << "funded:    " << str(q, "from_staff") << " from your balance, " << str(q, "from_treasury") << " from the treasury\n";
}

}  // namespace

void add_programme_commands(CLI::App& app, Program& p) {
    auto* prog = app.add_subcommand("programme", "the venue's bonus programme: show it, or (owner) publish a new version from a file");
    prog->require_subcommand(1);
    {
        auto ticker = std::make_shared<std::string>();
        auto version = std::make_shared<std::uint32_t>(0);
        auto json_out = std::make_shared<bool>(false);
        auto* c = prog->add_subcommand("show", "print the programme in force (or the latest, or --version N) as a file `programme set` takes");
        c->add_option("TICKER", *ticker, "the venue's coin")->required();
        c->add_option("--version", *version, "this version instead of the one in force");
        c->add_flag("--json", *json_out, "the node's JSON view instead");
        c->callback([&p, ticker, version, json_out] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                const Versions v = fetch_versions(s, t);
                if (v.all.empty())
                    throw CliError(exit_node_error, t + " has no bonus programme yet",
                                   "the owner publishes one with: kopilka programme set " + t + " FILE (docs/programme.md)");
                std::uint32_t n = *version != 0 ? *version : v.in_force.value_or(static_cast<std::uint32_t>(v.all.size()));
                if (n == 0 || n > v.all.size())
                    throw CliError(exit_node_error, t + " has no programme version " + std::to_string(n) + " (it has 1 to " +
                                                       std::to_string(v.all.size()) + ")");
                const loyalty::Programme& pr = v.all[n - 1];
                if (*json_out) {
                    std::cout << json::serialize(v.views[n - 1]) << "\n";
                    return 0;
                }
                const std::uint64_t now = s.node_now_s();
                std::vector<std::string> header{
                    "The bonus programme of " + t + ", version " + std::to_string(n) + " of " + std::to_string(v.all.size()) +
                        (v.in_force == n ? ", in force" : pr.effective_from_s > now ? ", not yet in force" : ", no longer in force"),
                    "hash " + to_hex(loyalty::programme_hash(pr)),
                    "effective from " + local_text(pr, pr.effective_from_s),
                    "To change it: edit this file and run `kopilka programme set " + t + " FILE`; the new version",
                    "takes effect at effective_from (local time in the zone, e.g. effective_from = 2027-01-01 00:00:00),",
                    "or a minute from now when the file names none. docs/programme.md explains every key."};
                std::cout << programme_file_text(pr, header);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto file = std::make_shared<std::string>();
        auto dry = std::make_shared<bool>(false);
        auto* c = prog->add_subcommand("set", "owner: publish a new version of the programme from a TOML file (docs/programme.md)");
        c->add_option("TICKER", *ticker, "your venue's coin")->required();
        c->add_option("FILE", *file, "the programme file")->required();
        c->add_flag("--dry-run", *dry, "only check the file and say what would be published");
        c->callback([&p, ticker, file, dry] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                auto draft = parse_programme_file(read_input_file(*file, programme_file_bytes_max));
                if (!draft) throw CliError(exit_usage, where(*file, draft.error().line) + ": " + draft.error().message,
                                           "docs/programme.md explains every key, with an example");
                loyalty::Programme pr = draft->programme;
                if (!draft->zone_rule_given) {
                    auto z = system_zone_rule(pr.zone);
                    if (!z) throw CliError(exit_usage, where(*file, draft->line_of("zone")) + ": " + z.error());
                    pr.zone_rule = z->rule;
                    if (pr.tzdb_version.empty()) pr.tzdb_version = z->tzdb_version;
                }
                const Versions v = fetch_versions(s, t);
                pr.version = static_cast<std::uint32_t>(v.all.size() + 1);
                pr.previous = v.all.empty() ? Hash256{} : loyalty::programme_hash(v.all.back());
                const std::uint64_t now = s.node_now_s();
                if (draft->effective_from) {
                    auto at = resolve_effective_from(*draft->effective_from, pr.zone_rule);
                    if (!at) throw CliError(exit_usage, where(*file, draft->line_of("effective_from_s")) + ": " + at.error());
                    pr.effective_from_s = *at;
                    if (pr.effective_from_s <= now)
                        throw CliError(exit_usage, where(*file, draft->line_of("effective_from_s")) + ": effective_from " +
                                                       local_text(pr, pr.effective_from_s) + " is not after now (" +
                                                       utc_time_s(now) + ")",
                                       "a new version takes effect later; remove effective_from for a minute from now");
                } else {
                    pr.effective_from_s = now + programme_default_lead_s;
                }
                if (auto e = loyalty::check_programme(pr); !e.empty())
                    throw CliError(exit_usage, where(*file, draft->line_of(e)) + ": " + e,
                                   "docs/programme.md explains every key, with an example");
                const std::size_t bytes = loyalty::encode_programme(pr).size();
                if (bytes > loyalty::programme_bytes_max)
                    throw CliError(exit_usage, *file + ": the programme takes " + std::to_string(bytes) + " bytes on the chain, more than " +
                                                   std::to_string(loyalty::programme_bytes_max),
                                   "shorten names and category lists, or use fewer rules");
                std::cout << (*dry ? "would publish" : "publishing") << " version " << pr.version << " of " << t << "'s programme: "
                          << pr.tiers.size() << " tier(s), " << pr.rules.size() << " rule(s), " << pr.gifts.size() << " gift(s), "
                          << pr.stamp_cards.size() << " stamp card(s), " << pr.referral_bp.size() << " referral level(s), "
                          << bytes << " bytes\n"
                          << "zone:      " << display_text(pr.zone) << " (" << display_text(pr.zone_rule) << ", tz database "
                          << display_text(pr.tzdb_version.empty() ? "unknown" : pr.tzdb_version) << ")\n"
                          << "effective: " << local_text(pr, pr.effective_from_s) << ", " << relative_time(pr.effective_from_s, now) << "\n"
                          << "hash:      " << to_hex(loyalty::programme_hash(pr)) << "\n";
                if (*dry) return 0;
                auto res = s.submit(s.sign(ledger::ProgrammeSet{t, pr}));
                print_committed(res);
                return 0;
            };
        });
    }
}

void add_purchase_commands(CLI::App& app, Program& p) {
    {
        auto ticker = std::make_shared<std::string>();
        auto client = std::make_shared<std::string>();
        auto lines = std::make_shared<std::vector<std::string>>();
        auto pay = std::make_shared<std::string>();
        auto consent = std::make_shared<std::string>();
        auto receipt_id = std::make_shared<std::string>();
        auto referrer = std::make_shared<std::string>();
        auto quote_only = std::make_shared<bool>(false);
        auto* c = app.add_subcommand("purchase", "staff: record a client's purchase; the programme computes the bonuses (shown first)");
        c->add_option("TICKER", *ticker, "your venue's coin")->required();
        c->add_option("CLIENT", *client, "the client: a phone number, an address, phone:<hex> or card:NUMBER")->required();
        c->add_option("LINES", *lines, "the receipt's lines: AMOUNT or CATEGORY=AMOUNT, e.g. coffee=350 cake=120.50")->required();
        c->add_option("--pay", *pay, "bonuses the client pays with (needs --consent)");
        c->add_option("--consent", *consent, "the client's signed consent to pay (from `kopilka pay-consent`)");
        c->add_option("--receipt", *receipt_id, "the till's receipt number");
        c->add_option("--referrer", *referrer, "who brought the client (first purchase only): phone, address or phone:<hex>");
        c->add_flag("--quote-only", *quote_only, "only show what the purchase would do; record nothing");
        c->callback([&p, ticker, client, lines, pay, consent, receipt_id, referrer, quote_only] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                ledger::Purchase purchase;
                purchase.ticker = t;
                purchase.receipt = parse_lines(*lines, *receipt_id);
                std::optional<ledger::PayConsent> pc;
                if (!consent->empty()) {
                    auto bytes = from_base64url(*consent);
                    auto decoded = bytes ? ledger::decode_pay_consent(*bytes) : std::unexpected(std::string("not base64url"));
                    if (!decoded) throw CliError(exit_usage, "--consent is not a pay consent: " + decoded.error(),
                                                 "copy the whole text `kopilka pay-consent` printed on the client's device");
                    pc = *decoded;
                }
                if (!pay->empty()) purchase.pay = parse_amount_arg(*pay, "--pay");
                else if (pc) purchase.pay = pc->amount;
                if (purchase.pay != 0 && !pc)
                    throw CliError(exit_usage, "paying with bonuses needs the client's consent (--consent)",
                                   "the client runs: kopilka pay-consent " + t + " " + ledger::format_amount(purchase.pay) + " " +
                                       [&] { std::string l; for (const auto& x : *lines) l += x + " "; return l; }() +
                                       (receipt_id->empty() ? "" : "--receipt " + *receipt_id));
                const ClientArg who = resolve_client(s, *client);
                purchase.client = who.ref;
                json::object params{{"ticker", t}, {"staff", address_from_key(s.identity().key)}, {"client", who.param},
                                    {"pay", ledger::format_amount(purchase.pay)}};
                json::array line_params;
                for (const auto& l : purchase.receipt.lines)
                    line_params.push_back(json::object{{"category", l.category}, {"amount", ledger::format_amount(l.amount)}});
                params["lines"] = std::move(line_params);
                if (!receipt_id->empty()) params["receipt_id"] = *receipt_id;
                if (!referrer->empty()) {
                    const Recipient r = s.resolve_recipient(*referrer);
                    purchase.referrer = r.account;
                    params["referrer"] = ledger::account_text(r.account);
                }
                auto q = s.call("purchase.quote", std::move(params));
                const std::uint64_t now = q.at("time_s").to_number<std::uint64_t>();  // the node's clock, as quoted
                const Versions v = fetch_versions(s, t);
                purchase.programme_version = q.at("programme_version").to_number<std::uint32_t>();
                if (purchase.programme_version == 0 || purchase.programme_version > v.all.size())
                    throw CliError(exit_node_error, "purchase.quote named a programme version the node does not show");
                if (to_hex(ledger::receipt_digest(purchase.receipt)) != str(q, "receipt_digest"))
                    throw CliError(exit_node_error, "purchase.quote answered for another receipt: do not trust this node");
                print_quote(q, rule_names(v.views[purchase.programme_version - 1]), t, who.label, now);
                if (pc) {
                    if (pc->ticker != t || pc->amount != purchase.pay || pc->receipt_digest != ledger::receipt_digest(purchase.receipt))
                        throw CliError(exit_usage, "the consent is for another venue, amount or receipt",
                                       "the client signs the same lines and amount the till records");
                    purchase.consent = pc;
                }
                if (*quote_only) {
                    std::cout << "quote:     receipt digest " << str(q, "receipt_digest") << " (what a pay consent signs); nothing recorded\n";
                    return 0;
                }
                auto res = s.submit(s.sign(purchase));
                print_committed(res);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto purchase = std::make_shared<std::string>();
        auto amount = std::make_shared<std::string>();
        auto* c = app.add_subcommand("return", "staff: return part or all of a purchase's receipt; its bonuses are reversed in proportion");
        c->add_option("TICKER", *ticker, "your venue's coin")->required();
        c->add_option("PURCHASE", *purchase, "the purchase's transaction id (printed when it was recorded)")->required();
        c->add_option("AMOUNT", *amount, "the receipt money returned, e.g. 350")->required();
        c->callback([&p, ticker, purchase, amount] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                auto id = from_hex(*purchase);
                if (!id || id->size() != 32) throw CliError(exit_usage, "PURCHASE must be the 64 hex digits of the purchase's transaction id");
                ledger::PurchaseReturn r;
                r.ticker = t;
                std::copy(id->begin(), id->end(), r.purchase.begin());
                r.amount = parse_amount_arg(*amount, "AMOUNT");
                auto res = s.submit(s.sign(r));
                std::cout << "returned " << ledger::format_amount(r.amount) << " of purchase " << *purchase << "\n";
                print_committed(res);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto who = std::make_shared<std::string>();
        auto json_out = std::make_shared<bool>(false);
        auto* c = app.add_subcommand("loyalty", "a client's tier, totals, debt and the bonuses that expire, soonest first");
        c->add_option("TICKER", *ticker, "the venue's coin")->required();
        c->add_option("CLIENT", *who, "a phone number, an address, phone:<hex> or card:NUMBER (default: yours)");
        c->add_flag("--json", *json_out, "the node's JSON view");
        c->callback([&p, ticker, who, json_out] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                const ClientArg whose = who->empty() ? ClientArg{{}, "you", ledger::account_text(s.spending_account())} : resolve_client(s, *who);
                auto l = s.call("loyalty.get", json::object{{"ticker", t}, {"client", whose.param}});
                if (*json_out) {
                    std::cout << json::serialize(l) << "\n";
                    return 0;
                }
                const std::uint64_t now = s.node_now_s();
                std::cout << t << " loyalty of " << display_text(whose.label) << " (" << short_account(str(l, "client")) << ")\n"
                          << "tier:      " << tier_name(l.at("tier")) << "\n"
                          << "balance:   " << str(l, "balance") << " " << t << "\n"
                          << "paid:      " << str(l, "lifetime_paid") << " in " << json::serialize(l.at("purchases"))
                          << " purchase(s), the largest " << str(l, "best_purchase");
                const std::uint64_t last = l.at("last_purchase_s").to_number<std::uint64_t>();
                if (last != 0) std::cout << ", the last " << utc_time_s(last) << " (" << relative_time(last, now) << ")";
                std::cout << "\n";
                if (str(l, "debt") != "0.00")
                    std::cout << "debt:      " << str(l, "debt") << " " << t << " (bonuses of a returned purchase already spent; the next accruals repay it)\n";
                if (const auto& r = l.at("referrer"); r.is_string()) std::cout << "referrer:  " << short_account(r.get_string()) << "\n";
                std::cout << "birthday:  " << (l.at("birthday_set").as_bool() ? "set" : "not set") << "\n";
                Table lots({"AMOUNT", "EXPIRES (UTC)", "IN"});
                for (const auto& lot : l.at("lots").as_array()) {
                    const std::uint64_t e = lot.at("expiry_s").to_number<std::uint64_t>();
                    lots.add({str(lot, "amount"), utc_time_s(e), relative_time(e, now)});
                }
                std::cout << (lots.empty() ? "expiring:  nothing: every bonus held is kept\n" : "expiring, soonest first (spent first):\n" + lots.render());
                return 0;
            };
        });
    }
    {
        auto* card = app.add_subcommand("card", "staff: bind a loyalty card number to a client");
        card->require_subcommand(1);
        auto ticker = std::make_shared<std::string>();
        auto number = std::make_shared<std::string>();
        auto who = std::make_shared<std::string>();
        auto* c = card->add_subcommand("bind", "bind CARD to a client; purchases may then name card:CARD");
        c->add_option("TICKER", *ticker, "your venue's coin")->required();
        c->add_option("CARD", *number, "the card's number: 4-32 of 0-9 and A-Z")->required();
        c->add_option("CLIENT", *who, "a phone number, an address or phone:<hex>")->required();
        c->callback([&p, ticker, number, who] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                const std::string n = card_number(*number);
                const Recipient r = s.resolve_recipient(*who);
                auto res = s.submit(s.sign(ledger::CardBind{t, n, r.account}));
                std::cout << "card " << n << " is " << display_text(r.label) << "'s at " << t << "\n";
                print_committed(res);
                return 0;
            };
        });
    }
    {
        auto* bday = app.add_subcommand("birthday", "client: tell a venue your birthday (month and day), once");
        bday->require_subcommand(1);
        auto ticker = std::make_shared<std::string>();
        auto date = std::make_shared<std::string>();
        auto* c = bday->add_subcommand("set", "set your birthday with the venue, signed by your key; it cannot be changed");
        c->add_option("TICKER", *ticker, "the venue's coin")->required();
        c->add_option("MM-DD", *date, "month and day, e.g. 02-29")->required();
        c->callback([&p, ticker, date] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                const std::string& d = *date;
                const bool shape = d.size() == 5 && d[2] == '-' && std::isdigit(static_cast<unsigned char>(d[0])) &&
                                   std::isdigit(static_cast<unsigned char>(d[1])) && std::isdigit(static_cast<unsigned char>(d[3])) &&
                                   std::isdigit(static_cast<unsigned char>(d[4]));
                const unsigned month = shape ? unsigned((d[0] - '0') * 10 + (d[1] - '0')) : 0;
                const unsigned day = shape ? unsigned((d[3] - '0') * 10 + (d[4] - '0')) : 0;
                if (!shape || month > 12 || day > 31 || !loyalty::valid_birthday(static_cast<std::uint8_t>(month), static_cast<std::uint8_t>(day)))
                    throw CliError(exit_usage, "'" + d + "' is not a birthday as MM-DD", "e.g. 07-14 for 14 July, or 02-29");
                const Account a = s.spending_account();
                auto res = s.submit(s.sign(ledger::BirthdaySet{t, a, static_cast<std::uint8_t>(month), static_cast<std::uint8_t>(day)}));
                std::cout << "your birthday is set with " << t << " (anyone reading the chain can see the month and day; docs/security.md)\n";
                print_committed(res);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto amount = std::make_shared<std::string>();
        auto lines = std::make_shared<std::vector<std::string>>();
        auto receipt_id = std::make_shared<std::string>();
        auto minutes = std::make_shared<unsigned>(pay_consent_minutes_default);
        auto* c = app.add_subcommand("pay-consent", "client: sign your consent to pay AMOUNT bonuses on one receipt; prints it for the till");
        c->add_option("TICKER", *ticker, "the venue's coin")->required();
        c->add_option("AMOUNT", *amount, "the bonuses you pay with")->required();
        c->add_option("LINES", *lines, "the receipt's lines as the till shows them: AMOUNT or CATEGORY=AMOUNT")->required();
        c->add_option("--receipt", *receipt_id, "the till's receipt number, if it has one");
        c->add_option("--minutes", *minutes, "how long the consent stays good")->capture_default_str();
        c->callback([&p, ticker, amount, lines, receipt_id, minutes] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                if (*minutes == 0 || *minutes > pay_consent_minutes_max)
                    throw CliError(exit_usage, "--minutes must be 1 to " + std::to_string(pay_consent_minutes_max));
                ledger::PayConsent pc;
                pc.ticker = t;
                pc.client = s.spending_account();
                pc.amount = parse_amount_arg(*amount, "AMOUNT");
                if (pc.amount == 0) throw CliError(exit_usage, "AMOUNT must be more than 0");
                const loyalty::Receipt r = parse_lines(*lines, *receipt_id);
                pc.receipt_digest = ledger::receipt_digest(r);
                pc.nonce = random_u64();
                pc.expiry_s = s.node_now_s() + std::uint64_t{*minutes} * 60;
                ledger::sign_pay_consent(pc, s.key(), s.chain_id());
                std::cerr << "you agree to pay " << ledger::format_amount(pc.amount) << " " << t << " on a receipt of "
                          << ledger::format_amount(*loyalty::receipt_total(r)) << " (" << r.lines.size() << " line(s)), for "
                          << *minutes << " min; give the till this:\n";
                std::cout << to_base64url(ledger::encode_pay_consent(pc)) << "\n";
                return 0;
            };
        });
    }
}

}  // namespace kopilka::wallet
