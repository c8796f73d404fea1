// Clients: claim a phone, balances, rewards, gifts, vouchers.
#include "crypto/address.h"
#include "ledger/phone.h"
#include "wallet-cli/cli_error.h"
#include "wallet-cli/commands.h"
#include "wallet-cli/format.h"
#include "wallet-cli/qr_format.h"
#include "wallet-cli/qr_image.h"

#include <boost/json.hpp>

#include <iostream>
#include <unistd.h>

namespace kopilka::wallet {

namespace {

using ledger::Account;
using ledger::Amount;

// A voucher lives minutes: long enough to walk to the till, short enough that
// a photographed QR is soon worthless. The ledger's ceiling is a day.
constexpr unsigned voucher_ttl_min_default = 5;
constexpr unsigned voucher_ttl_min_max = 24 * 60;

Amount balance_units(const json::value& balances, const std::string& ticker) {
    for (const auto& b : balances.at("balances").as_array())
        if (str(b, "ticker") == ticker) return ledger::parse_amount(str(b, "balance")).value_or(0);
    return 0;
}

}  // namespace

// `typed` as E.164 when it is a full international number ("+7 900 000-00-01"),
// else empty: no default country is assumed here, the node's may differ.
static std::string full_e164(const std::string& typed) {
    if (!typed.starts_with('+')) return {};
    auto n = ledger::normalize_phone(typed, "1");  // any valid code: a number with '+' never uses it
    return n ? *n : std::string{};
}

void add_client_commands(CLI::App& app, Program& p) {
    {
        auto phone = std::make_shared<std::string>();
        auto* c = app.add_subcommand("claim-request", "client: ask the node to send a claim code to your phone");
        c->add_option("PHONE", *phone, "your phone number")->required();
        c->callback([&p, phone] {
            p.action = [=](Session& s) {
                auto r = s.call("phone.claim.request", json::object{{"phone", *phone}});
                std::cout << "a code is on its way to " << *phone << "; it works once, for "
                          << json::serialize(r.at("expires_in_s")) << " s\n"
                          << "then run: kopilka claim '" << *phone << "' --code CODE\n";
                return 0;
            };
        });
    }
    {
        auto phone = std::make_shared<std::string>();
        auto code = std::make_shared<std::string>();
        auto* c = app.add_subcommand("claim", "client: claim your phone with the code from the message, binding it to your key");
        c->add_option("PHONE", *phone, "your phone number")->required();
        c->add_option("--code", *code, "the code from the message (or its link)")->required();
        c->callback([&p, phone, code] {
            p.action = [=](Session& s) {
                const Identity& id = s.identity();
                const KeyPair& k = s.key();  // before the code is spent: a wrong passphrase wastes nothing
                (void)k;
                auto r = s.call("phone.claim.confirm",
                                json::object{{"phone", *phone}, {"code", *code}, {"key", address_from_key(id.key)}});
                auto raw = from_base64url(str(r, "attestation"));
                auto att = raw ? ledger::decode_attestation(*raw) : std::unexpected(std::string("not base64url"));
                if (!att) throw CliError(exit_node_error, "the node's attestation cannot be read: " + att.error());
                auto res = s.submit(s.sign(ledger::PhoneBind{*att}));
                const Account account = Account::of_phone(att->phone);
                std::string e164 = *phone;
                if (const auto* n = r.as_object().if_contains("e164"); n && n->is_string()) e164 = n->as_string();
                s.wallet().save_phone(id.name, PhoneRecord{e164, account});
                auto b = s.call("account.balances", json::object{{"account", ledger::account_text(account)}});
                if (const auto* rb = b.as_object().if_contains("rebind"); rb && rb->is_object() &&
                                                                         str(*rb, "key") == address_from_key(id.key)) {
                    // The phone was another key's: the ledger only announced the move.
                    const auto when = rb->at("effective_s").to_number<std::uint64_t>();
                    std::cout << e164 << " is bound to another key; the re-bind to '" << id.name
                              << "' is announced and takes effect at " << utc_time_s(when) << " ("
                              << relative_time(when, s.node_now_s()) << ") unless that key cancels it\n";
                    print_committed(res);
                    std::cout << "then run: kopilka rebind-complete '" << e164 << "'\n";
                    return 0;
                }
                std::cout << "claimed " << e164 << " for '" << id.name << "' (" << ledger::account_text(account) << ")\n";
                print_committed(res);
                for (const auto& x : b.at("balances").as_array())
                    std::cout << "balance: " << str(x, "balance") << " " << str(x, "ticker") << " (" << display_text(str_or(x, "venue")) << ")\n";
                return 0;
            };
        });
    }
    for (const bool cancel : {true, false}) {
        auto phone = std::make_shared<std::string>();
        auto* c = cancel ? app.add_subcommand("rebind-cancel",
                                              "client: cancel a pending re-bind of your phone (your key keeps it)")
                         : app.add_subcommand("rebind-complete",
                                              "client: take a phone whose re-bind to your key is due");
        c->add_option("PHONE", *phone, "the phone number or phone:<hex> (default: your claimed phone)");
        c->callback([&p, phone, cancel] {
            p.action = [=](Session& s) {
                const Identity& id = s.identity();
                Account account;
                // The phone this identity claimed needs no lookup: after a
                // cancelled re-bind the node would refuse this key one.
                const bool own = !phone->empty() && id.phone && full_e164(*phone) == id.phone->phone;
                if (!phone->empty() && !own) {
                    account = s.resolve_recipient(*phone).account;
                } else if (id.phone) {
                    account = id.phone->account;
                } else {
                    throw CliError(exit_usage, "'" + id.name + "' has no claimed phone", "name the phone: PHONE");
                }
                if (account.is_key()) throw CliError(exit_usage, "'" + *phone + "' is an address, not a phone");
                auto b = s.call("account.balances", json::object{{"account", ledger::account_text(account)}});
                const auto* rb = b.as_object().if_contains("rebind");
                if (!rb || !rb->is_object())
                    throw CliError(exit_usage, "no re-bind is pending on " + ledger::account_text(account));
                ledger::SignedTx stx = cancel ? s.sign(ledger::PhoneRebindCancel{account.phone()})
                                              : s.sign(ledger::PhoneRebindComplete{account.phone()});
                auto res = s.submit(stx);
                std::cout << (cancel ? "the re-bind to " + str(*rb, "key") + " is cancelled; the phone stays with '" +
                                           id.name + "'"
                                     : "the phone " + ledger::account_text(account) + " is now '" + id.name + "''s")
                          << "\n";
                print_committed(res);
                return 0;
            };
        });
    }
    {
        auto who = std::make_shared<std::string>();
        auto json_out = std::make_shared<bool>(false);
        auto* c = app.add_subcommand("balance", "balances across venues: yours (key and claimed phone), or any account's");
        c->add_option("ACCOUNT", *who, "an address, phone:<hex> or a phone number (default: yours)");
        c->add_flag("--json", *json_out, "as JSON");
        c->callback([&p, who, json_out] {
            p.action = [=](Session& s) {
                std::vector<std::pair<std::string, Account>> accounts;
                if (who->empty()) {
                    const Identity& id = s.identity();
                    accounts.emplace_back("key", Account::of_key(id.key));
                    if (id.phone) accounts.emplace_back(id.phone->phone, id.phone->account);
                } else {
                    const Recipient r = s.resolve_recipient(*who);
                    accounts.emplace_back(r.label, r.account);
                }
                json::array all;
                Table t({"COIN", "VENUE", "BALANCE", "ACCOUNT"});
                for (const auto& [label, a] : accounts) {
                    auto b = s.call("account.balances", json::object{{"account", ledger::account_text(a)}});
                    for (const auto& x : b.at("balances").as_array()) {
                        t.add({str(x, "ticker"), str_or(x, "venue"), str(x, "balance"), label});
                        json::object o = x.as_object();
                        o["account"] = ledger::account_text(a);
                        all.push_back(std::move(o));
                    }
                }
                if (*json_out) {
                    std::cout << json::serialize(all) << "\n";
                    return 0;
                }
                std::cout << (t.empty() ? "no coins yet\n" : t.render());
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto* c = app.add_subcommand("rewards", "client: a venue's rewards, split into affordable and not yet");
        c->add_option("TICKER", *ticker, "the venue's coin")->required();
        c->callback([&p, ticker] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                auto v = s.call("venue.get", json::object{{"ticker", t}});
                const Account a = s.spending_account();
                const Amount bal = balance_units(s.call("account.balances", json::object{{"account", ledger::account_text(a)}}), t);
                std::cout << display_text(str_or(v.at("profile"), "name")) << " (" << t << "): you have " << ledger::format_amount(bal) << " " << t << "\n";
                Table yes({"ID", "REWARD", "PRICE"});
                Table no({"ID", "REWARD", "PRICE", "NEED"});
                for (const auto& x : v.at("products").as_array()) {
                    if (!x.at("active").as_bool()) continue;
                    const Amount price = ledger::parse_amount(str(x, "price")).value_or(0);
                    const std::string id = json::serialize(x.at("id"));
                    if (price <= bal) yes.add({id, str(x, "name"), str(x, "price")});
                    else no.add({id, str(x, "name"), str(x, "price"), ledger::format_amount(price - bal) + " more"});
                }
                std::cout << "\naffordable now:\n" << (yes.empty() ? "  nothing yet\n" : yes.render());
                std::cout << "\nnot yet:\n" << (no.empty() ? "  nothing: every reward is within reach\n" : no.render());
                if (!yes.empty()) std::cout << "\nshow a QR for one with: kopilka voucher " << t << " ID\n";
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto to = std::make_shared<std::string>();
        auto amount = std::make_shared<std::string>();
        auto memo = std::make_shared<std::string>();
        auto* c = app.add_subcommand("gift", "client: send coins from your claimed phone to a friend's phone");
        c->add_option("TICKER", *ticker, "the venue's coin")->required();
        c->add_option("PHONE", *to, "the friend's phone number (or an address)")->required();
        c->add_option("AMOUNT", *amount, "e.g. 1")->required();
        c->add_option("--memo", *memo, "a note kept on the ledger");
        c->callback([&p, ticker, to, amount, memo] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                const Amount a = parse_amount_arg(*amount, "AMOUNT");
                const Identity& id = s.identity();
                if (!id.phone)
                    throw CliError(exit_usage, "'" + id.name + "' has not claimed a phone, so it has no phone balance to give from",
                                   "claim yours first: kopilka claim-request PHONE, then kopilka claim PHONE --code CODE");
                const Recipient r = s.resolve_recipient(*to);
                auto res = s.submit(s.sign(ledger::Transfer{t, id.phone->account, r.account, a, *memo}));
                std::cout << "gave " << ledger::format_amount(a) << " " << t << " to " << r.label << " from " << id.phone->phone << "\n";
                print_committed(res);
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto product = std::make_shared<std::uint32_t>(0);
        auto ttl = std::make_shared<unsigned>(voucher_ttl_min_default);
        auto png = std::make_shared<std::string>();
        auto svg = std::make_shared<std::string>();
        auto text_only = std::make_shared<bool>(false);
        auto* c = app.add_subcommand("voucher", "client: make a signed voucher (QR) for a reward, to show at the till");
        c->add_option("TICKER", *ticker, "the venue's coin")->required();
        c->add_option("PRODUCT_ID", *product, "the reward's ID (see: kopilka rewards TICKER)")->required();
        c->add_option("--ttl-min", *ttl, "minutes it stays valid")->check(CLI::Range(1u, voucher_ttl_min_max))->capture_default_str();
        c->add_option("--png", *png, "also write the QR code as a PNG image");
        c->add_option("--svg", *svg, "also write the QR code as an SVG image");
        c->add_flag("--text-only", *text_only, "print only the payload text (for scripts)");
        c->callback([&p, ticker, product, ttl, png, svg, text_only] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                s.set_ticker_hint(t);
                auto v = s.call("venue.get", json::object{{"ticker", t}});
                const json::value* prod = nullptr;
                for (const auto& x : v.at("products").as_array())
                    if (x.at("id").to_number<std::uint32_t>() == *product) prod = &x;
                if (!prod) throw CliError(exit_usage, t + " has no product " + std::to_string(*product), "see them with: kopilka rewards " + t);
                if (!prod->at("active").as_bool())
                    throw CliError(exit_refused, "refused (product_inactive): " + str(*prod, "name") + " is not offered at the moment");
                const Amount price = ledger::parse_amount(str(*prod, "price")).value_or(0);
                const Account client = s.spending_account();
                const Amount bal = balance_units(s.call("account.balances", json::object{{"account", ledger::account_text(client)}}), t);
                if (bal < price)
                    throw CliError(exit_refused, "refused (insufficient_balance): you hold " + ledger::format_amount(bal) + " " + t + ", " +
                                                     str(*prod, "name") + " costs " + ledger::format_amount(price) + " " + t,
                                   "see what you can have with: kopilka rewards " + t);
                ledger::Voucher vo;
                vo.ticker = t;
                vo.product_id = *product;
                vo.price = price;
                vo.client = client;
                vo.nonce = random_u64();
                const std::uint64_t now = s.node_now_s();
                vo.expiry_s = now + std::uint64_t{*ttl} * 60;
                ledger::sign_voucher(vo, s.key(), s.chain_id());
                auto text = encode_voucher_qr(vo);
                if (!text) throw CliError(exit_usage, text.error());
                auto qr = make_qr(*text);
                if (!qr) throw CliError(exit_usage, qr.error());
                if (!png->empty())
                    if (auto ok = write_png(*qr, *png); !ok) throw CliError(exit_usage, ok.error());
                if (!svg->empty())
                    if (auto ok = write_text_file(*svg, render_svg(*qr)); !ok) throw CliError(exit_usage, ok.error());
                if (*text_only) {
                    std::cout << *text << "\n";
                    return 0;
                }
                std::cout << render_terminal(*qr, ::isatty(STDOUT_FILENO) == 1);
                std::cout << display_text(str(*prod, "name")) << " at " << display_text(str_or(v.at("profile"), "name")) << " for "
                          << ledger::format_amount(price) << " " << t << ", from " << ledger::account_text(client) << "\n"
                          << "valid until " << utc_time_s(vo.expiry_s) << " (" << *ttl << " min)\n"
                          << "payload (" << text->size() << " chars): " << *text << "\n";
                if (!png->empty()) std::cout << "PNG: " << *png << "\n";
                if (!svg->empty()) std::cout << "SVG: " << *svg << "\n";
                return 0;
            };
        });
    }
}

}  // namespace kopilka::wallet
