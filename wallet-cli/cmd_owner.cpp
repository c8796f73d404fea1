// The owner's commands: venue, product, staff, fund, stats; and history,
// which every role uses.
#include "crypto/address.h"
#include "wallet-cli/cli_error.h"
#include "wallet-cli/commands.h"
#include "wallet-cli/format.h"

#include <boost/json.hpp>

#include <charconv>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

namespace kopilka::wallet {

using ledger::Account;
using ledger::Amount;

ledger::Amount parse_amount_arg(const std::string& text, std::string_view what) {
    auto a = ledger::parse_amount(text);
    if (!a) throw CliError(exit_usage, std::string(what) + " '" + text + "' is not an amount", "write it like 3, 3.5 or 12.50");
    return *a;
}

std::string parse_ticker_arg(const std::string& text) {
    if (!ledger::valid_ticker(text))
        throw CliError(exit_usage, "'" + text + "' is not a ticker", "a ticker is 3-10 of A-Z and 0-9, e.g. VOLODYA");
    return text;
}

std::string read_input_file(const std::string& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CliError(exit_usage, "cannot read " + path);
    std::string bytes(max_bytes + 1, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return bytes;
}

void print_committed(const json::object& r) {
    std::cout << "committed in block " << json::serialize(r.at("height")) << " (tx " << str(r, "id") << ")\n";
}

namespace {

// A staff acceptance is handed over at the venue and used at once; the
// ledger's ceiling is a day.
constexpr unsigned staff_acceptance_min_default = 60;
constexpr unsigned staff_acceptance_min_max = 24 * 60;

// Degrees as a decimal string to units of 1e-7 degree, without floats.
std::optional<std::int32_t> parse_degrees_e7(std::string_view t, std::int32_t max) {
    bool neg = false;
    if (!t.empty() && (t.front() == '-' || t.front() == '+')) {
        neg = t.front() == '-';
        t.remove_prefix(1);
    }
    const auto dot = t.find('.');
    const std::string_view whole = t.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : t.substr(dot + 1);
    if (whole.empty() || frac.size() > 7 || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
    std::int64_t v = 0;
    for (char c : whole) {
        if (c < '0' || c > '9' || v > 1000) return std::nullopt;
        v = v * 10 + (c - '0');
    }
    for (std::size_t i = 0; i < 7; ++i) {
        const char c = i < frac.size() ? frac[i] : '0';
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v > max) return std::nullopt;
    return static_cast<std::int32_t>(neg ? -v : v);
}

ledger::Geo parse_geo(const std::string& text) {
    const auto comma = text.find(',');
    std::optional<std::int32_t> lat, lon;
    if (comma != std::string::npos) {
        lat = parse_degrees_e7(std::string_view(text).substr(0, comma), ledger::lat_e7_max);
        lon = parse_degrees_e7(std::string_view(text).substr(comma + 1), ledger::lon_e7_max);
    }
    if (!lat || !lon) throw CliError(exit_usage, "--geo '" + text + "' is not LAT,LON", "e.g. --geo 55.7558,37.6173");
    return {*lat, *lon};
}

struct ProfileOptions {
    std::optional<std::string> name, address, logo_url, phone, hours, geo;
    std::vector<std::string> links;
    bool no_geo = false;

    void add_to(CLI::App* c, bool name_required) {
        auto* n = c->add_option("--name", name, "the venue's name, as clients see it");
        if (name_required) n->required();
        c->add_option("--address", address, "street address");
        c->add_option("--logo-url", logo_url, "logo image URL (`kopilka media put FILE` stores one on the node)");
        c->add_option("--phone", phone, "the venue's contact phone, shown as typed");
        c->add_option("--hours", hours, "opening hours, e.g. \"Mo-Su 08:00-22:00\"");
        c->add_option("--link", links, "a link (site, map, social); repeat for several (replaces all)");
        c->add_option("--geo", geo, "LAT,LON in degrees, e.g. 55.7558,37.6173");
        c->add_flag("--no-geo", no_geo, "remove the location");
    }
    void apply(ledger::Profile& p) const {
        if (name) p.name = *name;
        if (address) p.street_address = *address;
        if (logo_url) p.logo_url = *logo_url;
        if (phone) p.phone = *phone;
        if (hours) p.hours = *hours;
        if (!links.empty()) p.links = links;
        if (geo) p.geo = parse_geo(*geo);
        if (no_geo) p.geo.reset();
        if (auto why = ledger::check_profile(p); !why.empty()) throw CliError(exit_usage, "the profile is not valid: " + why);
    }
};

ledger::Profile profile_from_json(const json::value& v) {
    ledger::Profile p;
    p.name = str_or(v, "name");
    p.logo_url = str_or(v, "logo_url");
    p.street_address = str_or(v, "address");
    p.phone = str_or(v, "phone");
    p.hours = str_or(v, "hours");
    if (const auto* links = v.as_object().if_contains("links"); links && links->is_array())
        for (const auto& l : links->as_array())
            if (l.is_string()) p.links.emplace_back(l.get_string());
    if (const auto* g = v.as_object().if_contains("geo"); g && g->is_object())
        p.geo = ledger::Geo{g->at("lat_e7").to_number<std::int32_t>(), g->at("lon_e7").to_number<std::int32_t>()};
    return p;
}

// An address, or the name of a key in this wallet dir.
PublicKey key_arg(Session& s, const std::string& text) {
    if (auto k = key_from_address(text)) return *k;
    if (!text.starts_with("kop1") && !text.starts_with("KOP1")) {
        try {
            WalletDir::check_name(text);
            if (s.wallet().exists(text)) return s.wallet().identity(text).key;
        } catch (const CliError&) {
        }
        throw CliError(exit_usage, "'" + text + "' is neither an address nor a key in this wallet",
                       "give the staff member's address (kop1...; they get it with: kopilka key address)");
    }
    throw CliError(exit_usage, "'" + text + "' is not a valid address (the checksum does not match)",
                   "check every character; a mistyped address is refused so no coins are lost");
}

std::string label_of(const std::string& account, const std::set<std::string>& mine) {
    if (mine.contains(account)) return "me (" + short_account(account) + ")";
    return short_account(account);
}

// What happened in one history entry, as table cells.
struct EntryView {
    std::string kind, ticker, from, to, amount, note;
};

EntryView view_of(const json::value& tx) {
    EntryView v;
    v.kind = str_or(tx, "kind");
    v.ticker = str_or(tx, "ticker");
    const auto& o = tx.as_object();
    if (v.kind == "transfer") {
        v.from = str_or(tx, "from");
        v.to = str_or(tx, "to");
        v.amount = str_or(tx, "amount");
        v.note = str_or(tx, "memo");
    } else if (v.kind == "redeem") {
        const auto& vo = o.at("voucher");
        v.from = str_or(vo, "client");
        v.to = "treasury";
        v.amount = str_or(vo, "price");
        v.note = "product " + json::serialize(vo.at("product_id")) + ", by " + short_account(str_or(tx, "signer"));
    } else if (v.kind == "venue_create") {
        v.to = str_or(tx, "signer");
        v.amount = "1000000.00";
        v.note = "minted; " + str_or(o.at("profile"), "name");
    } else if (v.kind == "venue_update") {
        v.note = "profile: " + str_or(o.at("profile"), "name");
    } else if (v.kind == "product_upsert") {
        const auto& p = o.at("product");
        v.note = "product " + json::serialize(p.at("id")) + " " + str_or(p, "name") + " " + str_or(p, "price") +
                 (p.at("active").as_bool() ? "" : " (inactive)");
    } else if (v.kind == "product_remove") {
        v.note = "product " + json::serialize(o.at("product_id")) + " removed";
    } else if (v.kind == "staff_add" || v.kind == "staff_update") {
        v.to = str_or(tx, "staff");
        v.note = std::string(v.kind == "staff_add" ? "staff (accepted): " : "staff changed: ") + str_or(tx, "role");
        if (o.at("limit_per_tx").is_string()) v.note += ", per tx " + str_or(tx, "limit_per_tx");
        if (o.at("limit_per_day").is_string()) v.note += ", per day " + str_or(tx, "limit_per_day");
    } else if (v.kind == "staff_remove") {
        v.from = str_or(tx, "staff");
        v.note = "staff removed; the allowance left back to the treasury";
    } else if (v.kind == "phone_bind") {
        const auto& a = o.at("attestation");
        v.from = str_or(a, "account");
        v.to = str_or(a, "key");
        v.note = "phone claimed (binding #" + json::serialize(a.at("sequence")) + "; a re-bind waits for the delay)";
    } else if (v.kind == "phone_rebind_cancel" || v.kind == "phone_rebind_complete") {
        v.from = str_or(tx, "account");
        v.note = v.kind == "phone_rebind_cancel" ? "re-bind cancelled" : "re-bind completed";
    }
    return v;
}

// Every page of a history, newest first.
json::array fetch_history(Session& s, std::string_view method, json::object params, std::uint64_t page_size) {
    json::array all;
    std::string cursor;
    // Bounded: a history longer than this is cut, with a note, rather than filling the memory.
    constexpr std::size_t history_entries_max = 1'000'000;
    while (all.size() < history_entries_max) {
        json::object p = params;
        p["limit"] = page_size;
        if (!cursor.empty()) p["cursor"] = cursor;
        auto r = s.call(method, std::move(p));
        for (auto& e : r.at("entries").as_array()) all.push_back(e);
        cursor = str_or(r, "next_cursor");
        if (cursor.empty()) return all;
    }
    std::cerr << "kopilka: the history is longer than " << history_entries_max << " entries; showing the newest\n";
    return all;
}

std::uint64_t num(const json::value& v, std::string_view key) {
    boost::system::error_code ec;
    const auto* f = v.as_object().if_contains(key);
    if (!f) return 0;
    const auto n = f->to_number<std::uint64_t>(ec);
    return ec ? 0 : n;
}

// A staff member's role and limits as options, shared by `staff add` and
// `staff update`, and the line that says what was set.
struct StaffTermsArgs {
    std::string role = "cashier";
    std::string per_tx, per_day;

    void add_to(CLI::App* c, const char* none_note) {
        c->add_option("--role", role, "cashier, waiter, barista or manager")
            ->check(CLI::IsMember({"cashier", "waiter", "barista", "manager"}))
            ->capture_default_str();
        c->add_option("--limit-per-tx", per_tx, std::string("most one transfer may give, e.g. 50") + none_note);
        c->add_option("--limit-per-day", per_day, std::string("most given per UTC day, e.g. 300") + none_note);
    }
    ledger::StaffRole parsed_role() const { return *ledger::role_from_name(role); }
    ledger::StaffLimits limits() const {
        ledger::StaffLimits l;
        if (!per_tx.empty()) l.per_tx = parse_amount_arg(per_tx, "--limit-per-tx");
        if (!per_day.empty()) l.per_day = parse_amount_arg(per_day, "--limit-per-day");
        return l;
    }
    void print(const PublicKey& staff, const char* verb, const std::string& ticker,
               const ledger::StaffLimits& l) const {
        std::cout << address_from_key(staff) << verb << role << " of " << ticker;
        if (l.per_tx) std::cout << ", at most " << ledger::format_amount(*l.per_tx) << " per transfer";
        if (l.per_day) std::cout << ", at most " << ledger::format_amount(*l.per_day) << " a day";
        std::cout << "\n";
    }
};

}  // namespace

void add_owner_commands(CLI::App& app, Program& p) {
    auto* venue = app.add_subcommand("venue", "owner: create or update a venue and its coin; anyone: show or list venues");
    venue->require_subcommand(1);
    {
        auto ticker = std::make_shared<std::string>();
        auto prof = std::make_shared<ProfileOptions>();
        auto* c = venue->add_subcommand("create", "create a venue and its coin; the whole supply (1,000,000.00) goes to your key, the treasury");
        c->add_option("TICKER", *ticker, "the coin's ticker: 3-10 of A-Z and 0-9, unique on the chain")->required();
        prof->add_to(c, true);
        c->callback([&p, ticker, prof] {
            p.action = [ticker, prof](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                ledger::Profile profile;
                prof->apply(profile);
                auto r = s.submit(s.sign(ledger::VenueCreate{t, profile}));
                std::cout << "created venue " << t << " \"" << profile.name << "\"; treasury "
                          << address_from_key(s.identity().key) << " holds 1000000.00 " << t << "\n";
                print_committed(r);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto prof = std::make_shared<ProfileOptions>();
        auto* c = venue->add_subcommand("update", "change the venue's profile; fields not given stay as they are");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        prof->add_to(c, false);
        c->callback([&p, ticker, prof] {
            p.action = [ticker, prof](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                auto v = s.call("venue.get", json::object{{"ticker", t}});
                ledger::Profile profile = profile_from_json(v.at("profile"));
                prof->apply(profile);
                auto r = s.submit(s.sign(ledger::VenueUpdate{t, profile}));
                std::cout << "updated venue " << t << "\n";
                print_committed(r);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto json_out = std::make_shared<bool>(false);
        auto* c = venue->add_subcommand("show", "a venue: profile, coin, treasury, catalogue and staff");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        c->add_flag("--json", *json_out, "as the node's JSON");
        c->callback([&p, ticker, json_out] {
            p.action = [ticker, json_out](Session& s) {
                auto v = s.call("venue.get", json::object{{"ticker", parse_ticker_arg(*ticker)}});
                if (*json_out) {
                    std::cout << json::serialize(v) << "\n";
                    return 0;
                }
                const auto& pr = v.at("profile");
                std::cout << str(v, "ticker") << " — " << display_text(str_or(pr, "name")) << "\n";
                for (auto [label, key] : {std::pair{"address", "address"}, {"phone", "phone"}, {"hours", "hours"}, {"logo", "logo_url"}})
                    if (auto t = str_or(pr, key); !t.empty()) std::cout << "  " << label << ": " << display_text(t) << "\n";
                for (const auto& l : pr.at("links").as_array()) std::cout << "  link: " << display_text(l.as_string()) << "\n";
                std::cout << "  owner (treasury): " << str(v, "owner") << "\n  treasury balance: "
                          << str(v, "treasury_balance") << " " << str(v, "ticker") << "\n\n";
                Table prods({"ID", "PRODUCT", "PRICE", "CATEGORY", "ACTIVE"});
                for (const auto& x : v.at("products").as_array())
                    prods.add({json::serialize(x.at("id")), str(x, "name"), str(x, "price"), str_or(x, "category"),
                               x.at("active").as_bool() ? "yes" : "no"});
                std::cout << (prods.empty() ? "no products yet\n" : prods.render()) << "\n";
                Table staff({"STAFF", "ROLE", "BALANCE", "PER TX", "PER DAY"});
                for (const auto& x : v.at("staff").as_array())
                    staff.add({str(x, "address"), str(x, "role"), str(x, "balance"), str_or(x, "limit_per_tx", "-"),
                               str_or(x, "limit_per_day", "-")});
                std::cout << (staff.empty() ? "no staff yet\n" : staff.render());
                return 0;
            };
        });
    }
    {
        auto* c = venue->add_subcommand("list", "every venue on the chain");
        c->callback([&p] {
            p.action = [](Session& s) {
                auto r = s.call("venue.list");
                Table t({"TICKER", "NAME", "OWNER"});
                for (const auto& v : r.at("venues").as_array()) t.add({str(v, "ticker"), str(v, "name"), str(v, "owner")});
                std::cout << (t.empty() ? "no venues yet\n" : t.render());
                return 0;
            };
        });
    }

    auto* product = app.add_subcommand("product", "owner: set or remove a reward in the catalogue");
    product->require_subcommand(1);
    {
        auto ticker = std::make_shared<std::string>();
        auto id = std::make_shared<std::uint32_t>(0);
        auto name = std::make_shared<std::string>();
        auto price = std::make_shared<std::string>();
        auto category = std::make_shared<std::string>();
        auto image = std::make_shared<std::string>();
        auto inactive = std::make_shared<bool>(false);
        auto* c = product->add_subcommand("set", "add a reward, or change one (same ID)");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        c->add_option("ID", *id, "the product's number, e.g. 1")->required();
        c->add_option("NAME", *name, "e.g. coffee")->required();
        c->add_option("PRICE", *price, "in the venue's coin, e.g. 1 or 2.50")->required();
        c->add_option("--category", *category, "e.g. drinks");
        c->add_option("--image", *image, "image URL (`kopilka media put FILE` stores one on the node)");
        c->add_flag("--inactive", *inactive, "listed but not offered now (vouchers for it are refused)");
        c->callback([&p, ticker, id, name, price, category, image, inactive] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                ledger::Product pr;
                pr.id = *id;
                pr.name = *name;
                pr.price = parse_amount_arg(*price, "PRICE");
                pr.category = *category;
                pr.image_url = *image;
                pr.active = !*inactive;
                if (auto why = ledger::check_product(pr); !why.empty()) throw CliError(exit_usage, "the product is not valid: " + why);
                auto r = s.submit(s.sign(ledger::ProductUpsert{t, pr}));
                std::cout << "product " << pr.id << " \"" << pr.name << "\" costs " << ledger::format_amount(pr.price) << " "
                          << t << (pr.active ? "" : " (inactive)") << "\n";
                print_committed(r);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto id = std::make_shared<std::uint32_t>(0);
        auto* c = product->add_subcommand("remove", "remove a reward from the catalogue");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        c->add_option("ID", *id, "the product's number")->required();
        c->callback([&p, ticker, id] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                auto r = s.submit(s.sign(ledger::ProductRemove{t, *id}));
                std::cout << "product " << *id << " removed from " << t << "\n";
                print_committed(r);
                return 0;
            };
        });
    }

    auto* staff = app.add_subcommand("staff", "staff: accept to join; owner: add, change or remove staff");
    staff->require_subcommand(1);
    {
        auto ticker = std::make_shared<std::string>();
        auto valid_min = std::make_shared<unsigned>(staff_acceptance_min_default);
        auto* c = staff->add_subcommand(
            "accept", "staff member: sign your consent to join a venue; prints it for the owner's `staff add`");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        c->add_option("--valid-min", *valid_min, "minutes the owner has to use it (at most 1440)")
            ->check(CLI::Range(1u, staff_acceptance_min_max))
            ->capture_default_str();
        c->callback([&p, ticker, valid_min] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                const ledger::StaffAcceptance a =
                    ledger::accept_staff(s.key(), t, s.node_now_s() + std::uint64_t{*valid_min} * 60, s.chain_id());
                std::cout << to_base64url(ledger::encode_staff_acceptance(a)) << "\n";
                std::cerr << "give this line to the owner of " << t << "; within " << *valid_min
                          << " min they run: kopilka staff add " << t << " ACCEPTANCE --role ROLE\n";
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto acceptance = std::make_shared<std::string>();
        auto terms = std::make_shared<StaffTermsArgs>();
        auto* c = staff->add_subcommand("add", "owner: add a staff member with their signed acceptance");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        c->add_option("ACCEPTANCE", *acceptance, "the line the member's `kopilka staff accept` printed")->required();
        terms->add_to(c, "");
        c->callback([&p, ticker, acceptance, terms] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                auto raw = from_base64url(*acceptance);
                auto a = raw ? ledger::decode_staff_acceptance(*raw)
                             : std::unexpected(std::string("it is not base64url"));
                if (!a)
                    throw CliError(exit_usage, "the acceptance cannot be read: " + a.error(),
                                   "ask the staff member to run: kopilka staff accept " + t +
                                       ", and pass the whole line it prints");
                if (a->ticker != t)
                    throw CliError(exit_usage, "the acceptance is for " + a->ticker + ", not " + t,
                                   "ask the staff member to run: kopilka staff accept " + t);
                ledger::StaffAdd b;
                b.ticker = t;
                b.acceptance = *a;
                b.role = terms->parsed_role();
                b.limits = terms->limits();
                auto r = s.submit(s.sign(b));
                terms->print(a->staff, " is ", t, b.limits);
                print_committed(r);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto who = std::make_shared<std::string>();
        auto terms = std::make_shared<StaffTermsArgs>();
        auto* c = staff->add_subcommand("update", "owner: change a staff member's role and limits");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        c->add_option("ADDRESS", *who, "their address (kop1...), or the name of a key in this wallet")->required();
        terms->add_to(c, " (none: no limit)");
        c->callback([&p, ticker, who, terms] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                ledger::StaffUpdate b;
                b.ticker = t;
                b.staff = key_arg(s, *who);
                b.role = terms->parsed_role();
                b.limits = terms->limits();
                auto r = s.submit(s.sign(b));
                terms->print(b.staff, " is now ", t, b.limits);
                print_committed(r);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto who = std::make_shared<std::string>();
        auto* c = staff->add_subcommand(
            "remove", "owner, or the member leaving: the venue's allowance left returns to the treasury");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        c->add_option("ADDRESS", *who, "their address, or the name of a key in this wallet")->required();
        c->callback([&p, ticker, who] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                const PublicKey k = key_arg(s, *who);
                auto r = s.submit(s.sign(ledger::StaffRemove{t, k}));
                std::cout << address_from_key(k) << " is no longer staff of " << t
                          << "; the venue's allowance they still held is back in the treasury, their own coins stay\n";
                print_committed(r);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto who = std::make_shared<std::string>();
        auto amount = std::make_shared<std::string>();
        auto memo = std::make_shared<std::string>("allowance");
        auto* c = app.add_subcommand("fund", "owner: transfer from the treasury to a staff member (their allowance)");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        c->add_option("ADDRESS", *who, "their address, or the name of a key in this wallet")->required();
        c->add_option("AMOUNT", *amount, "e.g. 500")->required();
        c->add_option("--memo", *memo, "a note kept on the ledger")->capture_default_str();
        c->callback([&p, ticker, who, amount, memo] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                const PublicKey k = key_arg(s, *who);
                const Amount a = parse_amount_arg(*amount, "AMOUNT");
                const Account treasury = Account::of_key(s.identity().key);
                auto r = s.submit(s.sign(ledger::Transfer{t, treasury, Account::of_key(k), a, *memo}));
                std::cout << "funded " << address_from_key(k) << " with " << ledger::format_amount(a) << " " << t << "\n";
                print_committed(r);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto from = std::make_shared<std::string>();
        auto to = std::make_shared<std::string>();
        auto json_out = std::make_shared<bool>(false);
        auto* c = app.add_subcommand("stats", "owner: coins with clients and staff, issued vs redeemed, per staff member");
        c->add_option("TICKER", *ticker, "the venue's ticker")->required();
        c->add_option("--from", *from, "first UTC day: YYYY-MM-DD (or unix seconds at 00:00 UTC)");
        c->add_option("--to", *to, "the UTC day after the last, exclusive (same forms)");
        c->add_flag("--json", *json_out, "as the node's JSON");
        c->callback([&p, ticker, from, to, json_out] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                json::object params{{"ticker", t}};
                for (auto [opt, key] : {std::pair{from, "from_ms"}, {to, "to_ms"}}) {
                    if (opt->empty()) continue;
                    auto v = parse_time_s(*opt);
                    if (!v) throw CliError(exit_usage, "'" + *opt + "' is not a time", "use YYYY-MM-DD, YYYY-MM-DDTHH:MM or unix seconds");
                    params[key] = *v * 1000;
                }
                auto r = s.call("venue.stats", params);
                if (*json_out) {
                    std::cout << json::serialize(r) << "\n";
                    return 0;
                }
                std::cout << "statistics of " << t;
                if (!from->empty()) std::cout << " from " << utc_time_s(num(r, "from_ms") / 1000);
                if (!to->empty()) std::cout << " to " << utc_time_s(num(r, "to_ms") / 1000);
                std::cout << "\n";
                // A node of an earlier version lacks the newer figures: shown as "-".
                auto count = [](const json::value& v, std::string_view key) {
                    const json::value* f = v.as_object().if_contains(key);
                    return f ? json::serialize(*f) : std::string("-");
                };
                Table sum({"", t});
                sum.add({"with clients", str(r, "in_clients")});
                sum.add({"clients", json::serialize(r.at("clients"))});
                sum.add({"with staff", str(r, "with_staff")});
                sum.add({"treasury", str(r, "treasury")});
                sum.add({"issued", str(r, "issued")});
                sum.add({"issues", count(r, "issues")});
                sum.add({"redeemed", str(r, "redeemed")});
                sum.add({"redemptions", json::serialize(r.at("redemptions"))});
                sum.add({"new clients", count(r, "new_clients")});
                std::cout << sum.render() << "\n";
                Table per_staff({"STAFF", "ROLE", "CLIENTS SERVED", "VISITS", "GIVEN", "REDEEMED"});
                for (const auto& x : r.at("staff").as_array()) {
                    // A member since removed keeps the figures of their time as staff.
                    const std::string role = x.at("role").is_string() ? str(x, "role") : "(removed)";
                    per_staff.add({str(x, "address"), role, json::serialize(x.at("clients_served")), count(x, "visits"),
                                   str(x, "given"), str(x, "redeemed")});
                }
                std::cout << (per_staff.empty() ? "no staff\n" : per_staff.render());
                return 0;
            };
        });
    }
    {
        auto target = std::make_shared<std::string>();
        auto json_out = std::make_shared<bool>(false);
        auto csv_out = std::make_shared<bool>(false);
        auto page_size = std::make_shared<std::uint64_t>(history_page_limit);
        auto* c = app.add_subcommand("history", "transactions of a venue (TICKER), an account (kop1... or phone:...), "
                                                "a phone (+7...), or by default your own, newest first");
        c->add_option("TARGET", *target, "TICKER, ADDRESS, phone:<hex> or +PHONE");
        auto* j = c->add_flag("--json", *json_out, "as JSON (every entry the node gives)");
        auto* v = c->add_flag("--csv", *csv_out, "as CSV");
        j->excludes(v);
        c->add_option("--page-size", *page_size, "entries fetched per request (every page is fetched)")
            ->check(CLI::Range(std::uint64_t{1}, history_page_limit))
            ->capture_default_str();
        c->callback([&p, target, json_out, csv_out, page_size] {
            p.action = [=](Session& s) {
                json::array entries;
                std::set<std::string> mine;
                std::string title;
                if (target->empty()) {
                    const Identity& id = s.identity();
                    std::vector<Account> accounts{Account::of_key(id.key)};
                    if (id.phone) accounts.push_back(id.phone->account);
                    std::set<std::string> seen;
                    std::vector<json::value> merged;
                    for (const auto& a : accounts) {
                        mine.insert(ledger::account_text(a));
                        for (auto& e : fetch_history(s, "account.history", {{"account", ledger::account_text(a)}}, *page_size))
                            if (seen.insert(str(e, "id")).second) merged.push_back(e);
                    }
                    std::sort(merged.begin(), merged.end(), [](const json::value& a, const json::value& b) {
                        return std::pair{num(a, "height"), num(a, "index")} > std::pair{num(b, "height"), num(b, "index")};
                    });
                    for (auto& e : merged) entries.push_back(std::move(e));
                    title = "history of " + id.name;
                } else if (ledger::valid_ticker(*target)) {
                    entries = fetch_history(s, "venue.history", {{"ticker", *target}}, *page_size);
                    title = "history of " + *target;
                } else {
                    const Recipient r = s.resolve_recipient(*target);
                    entries = fetch_history(s, "account.history", {{"account", ledger::account_text(r.account)}}, *page_size);
                    title = "history of " + r.label;
                }
                if (*json_out) {
                    std::cout << json::serialize(json::object{{"entries", entries}}) << "\n";
                    return 0;
                }
                if (*csv_out) {
                    std::cout << csv_line({"time_utc", "time_ms", "height", "index", "id", "kind", "ticker", "from", "to",
                                           "amount", "note", "signer"});
                    for (const auto& e : entries) {
                        const auto& tx = e.at("tx");
                        const EntryView ev = view_of(tx);
                        std::cout << csv_line({utc_time_ms(num(e, "time_ms")), std::to_string(num(e, "time_ms")),
                                               std::to_string(num(e, "height")), std::to_string(num(e, "index")),
                                               str(e, "id"), ev.kind, ev.ticker, ev.from, ev.to, ev.amount, ev.note,
                                               str_or(tx, "signer")});
                    }
                    return 0;
                }
                std::cout << title << " (" << entries.size() << (entries.size() == 1 ? " entry" : " entries") << ")\n";
                if (entries.empty()) return 0;
                Table t({"TIME (UTC)", "BLOCK", "KIND", "COIN", "FROM", "TO", "AMOUNT", "NOTE"});
                for (const auto& e : entries) {
                    const EntryView ev = view_of(e.at("tx"));
                    std::string when = utc_time_ms(num(e, "time_ms"));
                    when = when.substr(0, 16);  // to the minute; --csv has the rest
                    t.add({when, std::to_string(num(e, "height")), ev.kind, ev.ticker,
                           ev.from.empty() ? "" : label_of(ev.from, mine), ev.to.empty() ? "" : label_of(ev.to, mine),
                           ev.amount, ev.note});
                }
                std::cout << t.render();
                return 0;
            };
        });
    }
}

}  // namespace kopilka::wallet
