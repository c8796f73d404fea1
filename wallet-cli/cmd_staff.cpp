// Staff: send coins to a phone or an address; check and redeem a voucher.
#include "crypto/address.h"
#include "ledger/codec.h"
#include "rpc/protocol.h"
#include "wallet-cli/cli_error.h"
#include "wallet-cli/commands.h"
#include "wallet-cli/format.h"
#include "wallet-cli/qr_format.h"
#include "wallet-cli/qr_image.h"

#include <boost/json.hpp>

#include <iostream>

namespace kopilka::wallet {

namespace {

std::string trim(std::string s) {
    const auto ws = " \t\r\n";
    s.erase(0, s.find_first_not_of(ws));
    s.erase(s.find_last_not_of(ws) + 1);
    return s;
}

// The voucher text: as typed by a USB scanner (an argument), a line on stdin
// ("-"), or the QR code in a PNG image.
std::string voucher_text(const std::string& arg, const std::string& png) {
    if (!png.empty()) {
        auto found = scan_png(png);
        if (!found) throw CliError(exit_usage, found.error());
        std::vector<std::string> vouchers;
        for (auto& t : *found)
            if (t.starts_with("KV")) vouchers.push_back(std::move(t));
        if (vouchers.empty())
            throw CliError(exit_usage, found->empty() ? "no QR code found in " + png : "the QR code in " + png + " is not a Kopilka voucher",
                           "try a sharper, larger picture with the whole code and its white margin");
        if (vouchers.size() > 1) throw CliError(exit_usage, png + " shows " + std::to_string(vouchers.size()) + " vouchers; crop it to one");
        return vouchers.front();
    }
    if (arg == "-") {
        std::string line;
        // A scanner types one line; a pasted payload may end with a newline.
        constexpr std::size_t line_bytes_max = 4096;
        char c;
        while (std::cin.get(c) && c != '\n' && line.size() < line_bytes_max) line.push_back(c);
        return trim(line);
    }
    if (arg.empty()) throw CliError(exit_usage, "give the voucher text, '-' to read it from stdin, or --png FILE");
    return trim(arg);
}

}  // namespace

void add_staff_commands(CLI::App& app, Program& p) {
    {
        auto ticker = std::make_shared<std::string>();
        auto to = std::make_shared<std::string>();
        auto amount = std::make_shared<std::string>();
        auto memo = std::make_shared<std::string>();
        auto* c = app.add_subcommand("send", "staff: give coins from your balance to a phone number or an address");
        c->add_option("TICKER", *ticker, "the venue's coin")->required();
        c->add_option("TO", *to, "a phone number as the client says it (+7 900 000-00-01), an address, or phone:<hex>")->required();
        c->add_option("AMOUNT", *amount, "e.g. 3 or 2.50")->required();
        c->add_option("--memo", *memo, "a note kept on the ledger (at most 140 bytes)");
        c->callback([&p, ticker, to, amount, memo] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                const ledger::Amount a = parse_amount_arg(*amount, "AMOUNT");
                if (memo->size() > ledger::memo_bytes_max)
                    throw CliError(exit_usage, "the memo must be at most 140 bytes of text");
                if (auto err = ledger::display_text_error(*memo, "the memo", false); !err.empty())
                    throw CliError(exit_usage, err);
                const Recipient r = s.resolve_recipient(*to);
                const ledger::Account from = ledger::Account::of_key(s.identity().key);
                auto res = s.submit(s.sign(ledger::Transfer{t, from, r.account, a, *memo}));
                std::cout << "sent " << ledger::format_amount(a) << " " << t << " to " << r.label;
                if (r.label != ledger::account_text(r.account)) std::cout << " (" << short_account(ledger::account_text(r.account)) << ")";
                std::cout << "\n";
                print_committed(res);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto text = std::make_shared<std::string>();
        auto png = std::make_shared<std::string>();
        auto check_only = std::make_shared<bool>(false);
        auto* c = app.add_subcommand("redeem", "staff: check a client's voucher (QR) and redeem it");
        c->add_option("TICKER", *ticker, "your venue's coin")->required();
        c->add_option("VOUCHER", *text, "the QR text (what a USB scanner types), or - to read a line from stdin");
        c->add_option("--png", *png, "read the QR code from a PNG image instead");
        c->add_flag("--check-only", *check_only, "only show what the voucher would do; redeem nothing");
        c->callback([&p, ticker, text, png, check_only] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                if (!text->empty() && !png->empty()) throw CliError(exit_usage, "give the voucher text or --png, not both");
                const std::string payload = voucher_text(*text, *png);
                auto decoded = decode_voucher_qr(payload);
                if (!decoded) throw CliError(exit_usage, decoded.error(), "scan the client's QR again");
                ledger::Voucher v = decoded->voucher;
                const std::uint64_t now = s.node_now_s();
                const std::string client = ledger::account_text(v.client);
                if (!decoded->signer_known()) {
                    // The ledger accepts only the phone's current key as signer.
                    auto b = s.call("account.balances", json::object{{"account", client}});
                    const auto* key = b.as_object().if_contains("key");
                    if (!key || !key->is_string())
                        throw CliError(exit_refused,
                                       explain_refusal("voucher_not_client", "the client's phone has not been claimed by any key", now),
                                       "the client claims the phone first (kopilka claim)");
                    auto k = key_from_address(key->get_string());
                    if (!k) throw CliError(exit_node_error, "account.balances gave a key the wallet cannot read");
                    v.signer = *k;
                }
                const std::string blob = to_base64url(ledger::encode_voucher(v));
                auto check = s.call("voucher.check", json::object{{"voucher", blob}, {"ticker", t}});
                const std::string product = display_text(str_or(check, "product", "product " + std::to_string(v.product_id)));
                std::cout << "voucher: " << product << " (product " << v.product_id << ") for "
                          << ledger::format_amount(v.price) << " " << v.ticker << "\n"
                          << "client:  " << client;
                if (auto bal = str_or(check, "client_balance"); !bal.empty()) std::cout << " (balance " << bal << " " << v.ticker << ")";
                std::cout << "\nexpires: " << utc_time_s(v.expiry_s) << " (" << relative_time(v.expiry_s, now) << ")\n";
                const bool ok = check.as_object().if_contains("ok") && check.at("ok").is_bool() && check.at("ok").as_bool();
                if (!ok) {
                    const std::string reason = str_or(check, "reason", "refused");
                    const Identity& id = s.identity();
                    throw CliError(exit_refused, explain_refusal(reason, str_or(check, "message"), now),
                                   refusal_hint(reason, id.name, address_from_key(id.key), t));
                }
                if (*check_only) {
                    std::cout << "check:   OK, it would redeem now\n";
                    return 0;
                }
                // voucher.check does not know who scans; say "not staff" before signing anything.
                const Identity& me = s.identity();
                const std::string my_address = address_from_key(me.key);
                auto venue = s.call("venue.get", json::object{{"ticker", t}});
                bool may_redeem = str(venue, "owner") == my_address;
                for (const auto& m : venue.at("staff").as_array()) may_redeem = may_redeem || str(m, "address") == my_address;
                if (!may_redeem)
                    throw CliError(exit_refused, "refused (not_staff): you are not staff of " + t,
                                   refusal_hint("not_staff", me.name, my_address, t));
                std::cout << "check:   OK, it would redeem now\n";
                auto res = s.submit(s.sign(ledger::Redeem{t, v}));
                std::cout << "redeemed " << product << " for " << ledger::format_amount(v.price) << " " << t << "\n";
                print_committed(res);
                return 0;
            };
        });
    }
}

}  // namespace kopilka::wallet
