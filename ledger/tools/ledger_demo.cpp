// kopilka-ledger-demo: plays the "U Volodi" story from the product brief on a
// fresh ledger in a temporary data dir, printing each step, then audits it.
//
//   kopilka-ledger-demo [--data-dir DIR] [--keep]
//
// It drives the ledger library directly (no node): the same transactions a
// wallet would sign, committed block by block, then replayed by the auditor.
#include "crypto/address.h"
#include "ledger/audit.h"
#include "ledger/chain.h"
#include "ledger/phone.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>

using namespace kopilka;
using namespace kopilka::ledger;

namespace {

constexpr std::uint64_t demo_tx_ttl_s = 3600;
constexpr std::uint64_t demo_voucher_ttl_s = 5 * 60;

struct Demo {
    std::unique_ptr<Chain> chain;
    KeyPair producer = KeyPair::generate();
    std::uint64_t now_ms = 0;

    std::uint64_t now_s() const { return now_ms / 1000; }

    SignedTx sign(const KeyPair& who, TxBody body) {
        Tx tx;
        tx.signer = who.public_key();
        tx.nonce = random_u64();
        tx.expiry_s = now_s() + demo_tx_ttl_s;
        tx.body = std::move(body);
        return sign_tx(tx, who, chain->id());
    }
    StaffAcceptance accept(const KeyPair& staff, const std::string& ticker) {
        return accept_staff(staff, ticker, now_s() + demo_tx_ttl_s, chain->id());
    }

    // Commits one block and prints what happened to each transaction.
    bool commit(const std::vector<SignedTx>& txs) {
        auto produced = chain->produce_block(txs, now_ms, producer);
        now_ms += 1000;
        if (!produced) {
            std::cout << "  ! the ledger refused to write: " << produced.error() << "\n";
            return false;
        }
        bool all = true;
        for (const auto& o : produced->outcomes) {
            if (o.status == TxOutcome::Status::refused) {
                std::cout << "  ✗ refused (" << refusal_name(o.refusal->code) << "): " << o.refusal->message << "\n";
                all = false;
            }
        }
        if (produced->block)
            std::cout << "  ✓ block " << produced->block->header.height << " committed, "
                      << produced->block->tx_ids.size() << " transaction(s), hash "
                      << to_hex(block_hash(produced->block->header)).substr(0, 16) << "…\n";
        return all;
    }

    std::string bal(const std::string& ticker, const Account& a) const {
        return format_amount(chain->state().balance(ticker, a)) + " " + ticker;
    }
};

void step(int n, const std::string& what) { std::cout << "\n" << n << ". " << what << "\n"; }

}  // namespace

int main(int argc, char** argv) {
    std::filesystem::path dir;
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--data-dir" && i + 1 < argc) {
            dir = argv[++i];
        } else if (a == "--keep") {
            keep = true;
        } else if (a == "--help" || a == "-h") {
            std::cout << "usage: kopilka-ledger-demo [--data-dir DIR] [--keep]\n"
                         "Plays the \"U Volodi\" story on a new ledger and audits it.\n"
                         "Without --data-dir a temporary dir is used and removed unless --keep.\n";
            return 0;
        } else {
            std::cerr << "unknown argument: " << a << " (try --help)\n";
            return 2;
        }
    }
    bool temp = dir.empty();
    if (temp) {
        std::string templ = (std::filesystem::temp_directory_path() / "kopilka-demo-XXXXXX").string();
        if (!mkdtemp(templ.data())) {
            std::perror("mkdtemp");
            return 1;
        }
        dir = std::filesystem::path(templ) / "data";
    }

    Demo d;
    d.now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    KeyPair attestor = KeyPair::generate();
    Hash256 phone_secret;
    random_bytes(phone_secret);

    Genesis g;
    g.chain_name = "kopilka-demo";
    g.time_ms = d.now_ms;
    g.producer = d.producer.public_key();
    g.attestors = {attestor.public_key()};
    auto chain = Chain::create(dir, g);
    if (!chain) {
        std::cerr << "cannot create the ledger: " << chain.error() << "\n";
        return 1;
    }
    d.chain = std::move(*chain);
    d.now_ms += 1000;
    std::cout << "Kopilka ledger demo — the \"U Volodi\" story\n"
              << "data dir: " << dir.string() << "\nchain id: " << to_hex(d.chain->id()) << "\n";

    const std::string coin = "VOLODYA";
    KeyPair owner = KeyPair::generate();
    KeyPair masha = KeyPair::generate();
    KeyPair petya = KeyPair::generate();
    const Account treasury = Account::of_key(owner.public_key());

    step(1, "The owner of cafe \"U Volodi\" creates the coin " + coin);
    std::cout << "  owner: " << address_from_key(owner.public_key()) << "\n";
    Profile profile;
    profile.name = "U Volodi";
    profile.street_address = "ul. Lenina 1, Moscow";
    profile.geo = Geo{557'558'000, 376'173'000};
    profile.hours = "Mo-Su 08:00-22:00";
    profile.links = {"https://t.me/u_volodi"};
    if (!d.commit({d.sign(owner, VenueCreate{coin, profile})})) return 1;
    std::cout << "  treasury holds " << d.bal(coin, treasury) << "\n";

    step(2, "The owner sets the catalogue: coffee 1, donut 2, cheesecake 3");
    std::vector<SignedTx> catalogue;
    std::uint32_t id = 1;
    for (auto [name, price] : {std::pair{"coffee", 100}, {"donut", 200}, {"cheesecake", 300}}) {
        Product p;
        p.id = id++;
        p.name = name;
        p.price = static_cast<Amount>(price);
        catalogue.push_back(d.sign(owner, ProductUpsert{coin, p}));
    }
    if (!d.commit(catalogue)) return 1;

    step(3, "The owner adds two baristas and gives each 500");
    StaffLimits limits{Amount{50'00}, Amount{300'00}};
    if (!d.commit({d.sign(owner, StaffAdd{coin, StaffRole::barista, limits, d.accept(masha, coin)}),
                   d.sign(owner, StaffAdd{coin, StaffRole::barista, limits, d.accept(petya, coin)}),
                   d.sign(owner, Transfer{coin, treasury, Account::of_key(masha.public_key()), 500'00, "allowance"}),
                   d.sign(owner, Transfer{coin, treasury, Account::of_key(petya.public_key()), 500'00, "allowance"})}))
        return 1;
    std::cout << "  Masha holds " << d.bal(coin, Account::of_key(masha.public_key())) << ", Petya holds "
              << d.bal(coin, Account::of_key(petya.public_key())) << "\n";

    step(4, "Barista Masha sends 3 to +7 900 000-00-01");
    auto e164 = normalize_phone("+7 900 000-00-01", "7");
    if (!e164) {
        std::cerr << e164.error() << "\n";
        return 1;
    }
    const PhoneRef ref = phone_reference(*e164, phone_secret);
    const Account client_account = Account::of_phone(ref);
    std::cout << "  " << *e164 << " is phone reference " << to_hex(ref).substr(0, 16) << "… on the chain\n";
    if (!d.commit({d.sign(masha, Transfer{coin, Account::of_key(masha.public_key()), client_account, 3'00,
                                          "thanks for your visit"})}))
        return 1;
    std::cout << "  the client's phone holds " << d.bal(coin, client_account) << " (not yet claimed)\n";

    step(5, "The client opens the link, proves the phone and binds a key of their own");
    KeyPair client = KeyPair::generate();
    Attestation att;
    att.phone = ref;
    att.key = client.public_key();
    att.sequence = 1;
    att.expiry_s = d.now_s() + 600;
    att.attestor = attestor.public_key();
    att.signature = attestor.sign(Domain::attestation, d.chain->id(), encode_attestation_unsigned(att));
    if (!d.commit({d.sign(client, PhoneBind{att})})) return 1;
    std::cout << "  phone bound to " << address_from_key(client.public_key()) << "\n";

    step(6, "The client picks a coffee and shows the QR voucher");
    Voucher v;
    v.ticker = coin;
    v.product_id = 1;
    v.price = 100;
    v.client = client_account;
    v.nonce = random_u64();
    v.expiry_s = d.now_s() + demo_voucher_ttl_s;
    sign_voucher(v, client, d.chain->id());
    const Bytes qr = encode_voucher(v);
    std::cout << "  voucher: " << qr.size() << " bytes, " << to_base64url(qr).substr(0, 32) << "…\n";

    step(7, "Barista Petya scans it and redeems");
    const SignedTx redeem = d.sign(petya, Redeem{coin, v});
    if (!d.commit({redeem})) return 1;
    std::cout << "  the client now holds " << d.bal(coin, client_account) << "\n";
    std::cout << "  a second scan of the same QR:\n";
    d.commit({d.sign(petya, Redeem{coin, v})});

    step(8, "The owner's statistics");
    Amount in_clients = 0;
    std::size_t clients = 0;
    for (const auto& [acct, amount] : d.chain->state().holders(coin)) {
        if (acct == treasury || d.chain->state().staff(coin, acct.key())) continue;
        in_clients += amount;
        ++clients;
    }
    std::cout << "  treasury " << d.bal(coin, treasury) << "; with staff "
              << format_amount(d.chain->state().balance(coin, Account::of_key(masha.public_key())) +
                               d.chain->state().balance(coin, Account::of_key(petya.public_key())))
              << "; in " << clients << " client account(s) " << format_amount(in_clients) << " " << coin << "\n";
    auto hist = d.chain->venue_history(coin, "", 100);
    std::cout << "  venue history: " << (hist ? hist->entries.size() : 0) << " transactions\n";

    step(9, "The auditor replays the chain from genesis");
    const std::uint64_t height = d.chain->height();
    d.chain.reset();  // close the store so the audit reads what is on disk
    AuditReport report = audit_dir(dir);
    if (!report.ok) {
        std::cout << "  ✗ audit failed at block " << report.bad_block.value_or(0) << ": " << report.reason << "\n";
        return 1;
    }
    std::cout << "  ✓ " << report.blocks_checked << " of " << height << " blocks and " << report.txs_checked
              << " transactions verified; ";
    for (const auto& [t, sum] : report.supplies) std::cout << t << " balances sum to " << format_amount(sum);
    std::cout << " (the supply)\n";

    if (temp && !keep) {
        std::error_code ec;
        std::filesystem::remove_all(dir.parent_path(), ec);
    } else {
        std::cout << "\nThe ledger stays in " << dir.string() << "\n";
    }
    return 0;
}
