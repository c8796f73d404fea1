// Auditors: replay the chain from a node and verify it locally; export a
// venue's movements as CSV. Operators: read the node's outbox.
#include "crypto/address.h"
#include "wallet-cli/cli_error.h"
#include "wallet-cli/commands.h"
#include "wallet-cli/format.h"
#include "wallet-cli/replay.h"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <unistd.h>

namespace kopilka::wallet {

namespace {

// A progress bar on stderr when it is a terminal, redrawn at most every
// progress_redraw_ms so a fast replay is not slowed by drawing.
class ProgressBar {
public:
    ProgressBar() : tty_(::isatty(STDERR_FILENO) == 1) {}
    ~ProgressBar() {
        if (drawn_) std::fputc('\n', stderr);
    }
    void operator()(std::uint64_t h, std::uint64_t tip) {
        if (!tty_) return;
        const auto now = std::chrono::steady_clock::now();
        if (drawn_ && h != tip && now - last_ < std::chrono::milliseconds(progress_redraw_ms)) return;
        last_ = now;
        drawn_ = true;
        constexpr int width = 40;
        const int filled = tip ? static_cast<int>(h * width / tip) : width;
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(width, '.');
        std::fprintf(stderr, "\rverifying [%s] block %llu of %llu", bar.c_str(), static_cast<unsigned long long>(h),
                     static_cast<unsigned long long>(tip));
        std::fflush(stderr);
    }

private:
    static constexpr int progress_redraw_ms = 100;
    bool tty_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace

void add_audit_commands(CLI::App& app, Program& p) {
    {
        auto json_out = std::make_shared<bool>(false);
        auto* c = app.add_subcommand("audit", "auditor: fetch every block from the node and verify the whole chain locally");
        c->add_flag("--json", *json_out, "the summary as JSON");
        c->callback([&p, json_out] {
            p.action = [=](Session& s) {
                RemoteAudit a;
                {
                    ProgressBar bar;
                    a = replay_remote(s, [&](std::uint64_t h, std::uint64_t tip) { bar(h, tip); }, "");
                }
                const auto& r = a.report;
                if (*json_out) {
                    json::object o{{"ok", r.ok},
                                   {"chain_id", to_hex(r.chain_id)},
                                   {"chain_name", r.chain_name},
                                   {"tip_height", r.tip_height},
                                   {"blocks_checked", r.blocks_checked},
                                   {"txs_checked", r.txs_checked}};
                    o["bad_block"] = r.bad_block ? json::value(*r.bad_block) : json::value(nullptr);
                    o["reason"] = r.reason;
                    json::object kinds, supplies, movements;
                    for (const auto& [k, n] : r.tx_kinds) kinds[k] = n;
                    for (const auto& [t, sum] : r.supplies) supplies[t] = ledger::format_amount(sum);
                    for (const auto& [t, m] : a.movements) {
                        json::object per;
                        for (const auto& [kind, tot] : m)
                            per[kind] = json::object{{"count", tot.count}, {"amount", ledger::format_amount(tot.units)}};
                        movements[t] = std::move(per);
                    }
                    o["tx_kinds"] = std::move(kinds);
                    o["supplies"] = std::move(supplies);
                    o["movements"] = std::move(movements);
                    std::cout << json::serialize(o) << "\n";
                } else {
                    std::cout << "chain " << display_text(r.chain_name) << " (" << to_hex(r.chain_id) << ") at " << s.node_text() << "\n"
                              << "blocks verified: " << r.blocks_checked << " of " << r.tip_height << "\n"
                              << "transactions verified: " << r.txs_checked << "\n";
                    for (const auto& [k, n] : r.tx_kinds) std::cout << "  " << k << ": " << n << "\n";
                    if (!r.supplies.empty()) {
                        Table t({"COIN", "BALANCES SUM", "SUPPLY"});
                        for (const auto& [ticker, sum] : r.supplies)
                            t.add({ticker, ledger::format_amount(sum), ledger::format_amount(ledger::coin_supply_units)});
                        std::cout << "\n" << t.render();
                    }
                    if (!a.movements.empty()) {
                        Table t({"COIN", "MOVEMENT", "COUNT", "AMOUNT"});
                        for (const auto& [ticker, m] : a.movements)
                            for (const auto& [kind, tot] : m)
                                t.add({ticker, kind, std::to_string(tot.count), ledger::format_amount(tot.units)});
                        std::cout << "\n" << t.render();
                    }
                }
                if (!r.ok) {
                    const std::string where = r.bad_block ? "at block " + std::to_string(*r.bad_block) + ": " : "";
                    throw CliError(exit_audit_fault, "FAULT " + where + r.reason,
                                   "the chain this node serves does not verify; keep this output and tell the operator");
                }
                if (!*json_out) std::cout << "\nOK: every link, signature, rule, Merkle root, state digest and supply verified\n";
                return 0;
            };
        });
    }
    {
        auto ticker = std::make_shared<std::string>();
        auto csv = std::make_shared<std::string>();
        auto* c = app.add_subcommand("export", "auditor: a venue's every movement of coins as CSV, from a verified replay");
        c->add_option("TICKER", *ticker, "the venue's coin")->required();
        c->add_option("--csv", *csv, "the file to write (- for stdout)")->required();
        c->callback([&p, ticker, csv] {
            p.action = [=](Session& s) {
                const std::string t = parse_ticker_arg(*ticker);
                RemoteAudit a;
                {
                    ProgressBar bar;
                    a = replay_remote(s, [&](std::uint64_t h, std::uint64_t tip) { bar(h, tip); }, t);
                }
                if (!a.report.ok)
                    throw CliError(exit_audit_fault,
                                   "FAULT" + (a.report.bad_block ? " at block " + std::to_string(*a.report.bad_block) : "") +
                                       ": " + a.report.reason,
                                   "nothing was exported: the chain does not verify");
                std::string out = csv_line({"time_utc", "time_ms", "height", "index", "tx_id", "tx_kind", "movement", "ticker",
                                            "from", "to", "amount", "memo"});
                for (const auto& r : a.rows)
                    out += csv_line({utc_time_ms(r.time_ms), std::to_string(r.time_ms), std::to_string(r.height),
                                     std::to_string(r.index), r.tx_kind == "event" ? std::string() : to_hex(r.tx_id), r.tx_kind, r.movement, r.ticker, r.from,
                                     r.to, ledger::format_amount(r.amount), r.memo});
                if (*csv == "-") {
                    std::cout << out;
                } else {
                    std::ofstream f(*csv, std::ios::binary | std::ios::trunc);
                    f << out;
                    f.close();
                    if (!f) throw CliError(exit_usage, "cannot write " + *csv);
                    std::cout << "wrote " << a.rows.size() << " movements of " << t << " to " << *csv << " (chain verified to block "
                              << a.report.blocks_checked << ")\n";
                }
                return 0;
            };
        });
    }
    {
        auto* admin = app.add_subcommand("admin", "operator: node administration (needs the node's cookie)");
        admin->require_subcommand(1);
        auto cookie = std::make_shared<std::string>();
        auto limit = std::make_shared<unsigned>(20);
        auto phone = std::make_shared<std::string>();
        auto code_only = std::make_shared<bool>(false);
        auto link_only = std::make_shared<bool>(false);
        auto* c = admin->add_subcommand("outbox", "the messages the node would have sent (SMS), newest first");
        c->add_option("--cookie", *cookie, "the node's cookie file (DATADIR/.cookie)")->required();
        c->add_option("--limit", *limit, "at most this many")->capture_default_str();
        c->add_option("--phone", *phone, "only messages to this phone");
        c->add_flag("--code", *code_only, "print only the claim code in the newest message (for scripts)");
        c->add_flag("--link", *link_only, "print only the link in the newest message that has one (for scripts)")
            ->excludes("--code");
        c->callback([&p, cookie, limit, phone, code_only, link_only] {
            p.action = [=](Session& s) {
                std::ifstream in(*cookie);
                std::string token;
                if (!in || !std::getline(in, token) || token.empty())
                    throw CliError(exit_usage, "cannot read the cookie " + *cookie, "it is the .cookie file in the node's data dir");
                s.set_admin_token(token);
                std::string e164;
                if (!phone->empty()) e164 = str(s.lookup_phone(*phone), "e164");
                auto r = s.call("admin.outbox", json::object{{"limit", *limit}});
                Table t({"TIME (UTC)", "PHONE", "TEXT"});
                // The code is in a claim message's text ("claim code: 123456");
                // links never carry one, nor do messages about coins.
                static const std::regex code_re("claim code: ([0-9]+)");
                for (const auto& m : r.at("messages").as_array()) {
                    if (!e164.empty() && str(m, "phone") != e164) continue;
                    if (*code_only) {
                        // The newest message with a code: a phone has one live code at a time.
                        std::smatch match;
                        const std::string text = str_or(m, "text");
                        if (!std::regex_search(text, match, code_re)) continue;
                        std::cout << match[1] << "\n";
                        return 0;
                    }
                    if (*link_only) {
                        // A message about coins carries the cabinet's link; a claim code's does not need one.
                        const std::string link = str_or(m, "link");
                        if (link.empty()) continue;
                        std::cout << display_text(link) << "\n";
                        return 0;
                    }
                    boost::system::error_code ec;
                    t.add({utc_time_ms(m.at("time_ms").to_number<std::uint64_t>(ec)), str(m, "phone"), str(m, "text")});
                }
                if (*code_only)
                    throw CliError(exit_node_error, "no message with a claim code" + (e164.empty() ? "" : " to " + e164),
                                   "ask for one: kopilka claim-request PHONE");
                if (*link_only)
                    throw CliError(exit_node_error, "no message with a link" + (e164.empty() ? "" : " to " + e164),
                                   "a message with the cabinet's link is sent when coins reach a phone");
                std::cout << (t.empty() ? "the outbox is empty\n" : t.render());
                return 0;
            };
        });
    }
}

}  // namespace kopilka::wallet
