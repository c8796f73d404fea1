// Writes the seed corpora in tests/fuzz/corpus/: a handful of real, valid
// inputs per target, made with the real encoders (and the test support's
// deterministic keys), so each target starts from inputs that get all the
// way through its decoder. The files are committed; run this again only when
// a format changes:
//
//     build-asan/tests/fuzz/kopilka_fuzz_make_corpus tests/fuzz/corpus
//
// Keystores carry a random salt and nonce, so those seeds differ run to run.
#include "crypto/address.h"
#include "crypto/keystore.h"
#include "ledger/block.h"
#include "support.h"
#include "wallet-cli/qr_format.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <sodium.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>

using namespace kopilka;
using namespace kopilka::ledger;
namespace fs = std::filesystem;

namespace {

// One directory per target under the corpus root.
class Corpus {
public:
    explicit Corpus(fs::path root) : root_(std::move(root)) {}
    const fs::path& root() const { return root_; }
    void put(const std::string& target, const std::string& name, std::string_view content) const {
        const fs::path dir = root_ / target;
        fs::create_directories(dir);
        std::ofstream out(dir / name, std::ios::binary);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        if (!out) throw std::runtime_error("cannot write " + (dir / name).string());
    }
    void put(const std::string& target, const std::string& name, const Bytes& b) const {
        put(target, name, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    }

private:
    fs::path root_;
};

std::string rpc(std::string_view method, boost::json::object params, int id = 1) {
    return boost::json::serialize(
        boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: kopilka_fuzz_make_corpus DIR   (DIR is tests/fuzz/corpus)\n";
        return 2;
    }
    const Corpus corpus(argv[1]);

    // The keys and ticker fuzz_rpc's node has on chain.
    const KeyPair producer = test::test_key(1), attestor = test::test_key(2);
    const KeyPair owner = test::test_key(10), staff = test::test_key(11), client = test::test_key(12);
    const std::string ticker = "VOLODYA";

    Genesis g{"kopilka-fuzz", test::test_epoch_ms, producer.public_key(), {attestor.public_key()}};
    corpus.put("fuzz_genesis", "one_attestor", encode_genesis(g));
    corpus.put("fuzz_genesis", "no_attestor", encode_genesis(Genesis{"k", 0, producer.public_key(), {}}));
    corpus.put("fuzz_genesis", "three_attestors",
        encode_genesis(Genesis{"Копилка тест", test::test_epoch_ms, producer.public_key(),
                               {attestor.public_key(), owner.public_key(), staff.public_key()}}));
    Genesis g2 = g;
    g2.rebind_delay_s = 3600;
    corpus.put("fuzz_genesis", "rebind_delay", encode_genesis(g2));
    const ChainId chain = genesis_hash(g);

    test::TxBuilder tx(chain);
    const PhoneRef phone = test::phone_ref("+79000000001");
    const Account client_acc = Account::of_key(client.public_key());
    const Voucher key_voucher = tx.voucher(client, ticker, 1, 100, client_acc);
    const Voucher phone_voucher = tx.voucher(client, ticker, 7, 250'000, Account::of_phone(phone), 3600);
    const Attestation attestation = tx.attest(attestor, phone, client.public_key(), 1);
    StaffLimits limits{5'000, 20'000};
    std::vector<std::pair<std::string, SignedTx>> txs = {
        {"venue_create", tx.venue_create(owner, ticker)},
        {"product_upsert", tx.product(owner, ticker, 1, "Coffee", 100)},
        {"product_remove", tx.product_remove(owner, ticker, 1)},
        {"staff_add", tx.staff_add(owner, ticker, staff, limits)},
        {"staff_remove", tx.staff_remove(owner, ticker, staff.public_key())},
        {"transfer_to_key", tx.transfer(owner, ticker, client_acc, 300, "за кофе")},
        {"transfer_to_phone", tx.transfer(staff, ticker, Account::of_phone(phone), 300)},
        {"phone_bind", tx.phone_bind(client, attestation)},
        {"redeem", tx.redeem(staff, ticker, key_voucher)},
        {"staff_update", tx.staff_update(owner, ticker, staff.public_key(), limits)},
        {"phone_rebind_cancel", tx.rebind_cancel(client, phone)},
        {"phone_rebind_complete", tx.rebind_complete(staff, phone)},
    };
    Profile full;
    full.name = "U Volodi";
    full.logo_url = "https://example.org/logo.png";
    full.street_address = "Lenina 1";
    full.geo = Geo{557'558'000, 376'173'000};
    full.phone = "+7 900 000-00-00";
    full.links = {"https://t.me/u_volodi", "https://example.org"};
    full.hours = "Mo-Su 08:00-22:00";
    txs.push_back({"venue_update", tx.sign(owner, VenueUpdate{ticker, full})});
    for (const auto& [name, stx] : txs) corpus.put("fuzz_signed_tx", name, encode_signed_tx(stx));

    for (const auto& [name, v] : {std::pair{"key_client", key_voucher}, std::pair{"phone_client", phone_voucher}}) {
        corpus.put("fuzz_voucher", name, encode_voucher(v));
        auto qr = wallet::encode_voucher_qr(v);
        if (!qr) throw std::runtime_error(qr.error());
        corpus.put("fuzz_voucher_qr", name, *qr);
    }
    corpus.put("fuzz_attestation", "sequence_1", encode_attestation(attestation));
    corpus.put("fuzz_attestation", "sequence_9", encode_attestation(tx.attest(attestor, phone, owner.public_key(), 9)));

    std::vector<Hash256> ids;
    for (const auto& [name, stx] : txs) ids.push_back(tx_id(stx.tx));
    for (std::size_t n : {0u, 1u, 3u}) {
        Block b;
        b.header.height = n + 1;
        b.header.prev = chain;
        b.header.time_ms = test::test_epoch_ms + n * 1000;
        b.tx_ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n));
        b.header.tx_root = merkle_root(b.tx_ids);
        b.header.state_digest = blake2b256(as_bytes("state"));
        b.header.tx_count = static_cast<std::uint32_t>(n);
        b.header.producer = producer.public_key();
        sign_block(b, producer, chain);
        corpus.put("fuzz_block", "txs_" + std::to_string(n), encode_block(b));
    }
    corpus.put("fuzz_tx_record", "venue_create", encode_tx_record({1, 0, encode_signed_tx(txs[0].second)}));
    corpus.put("fuzz_tx_record", "redeem", encode_tx_record({42, 7, encode_signed_tx(txs[8].second)}));
    corpus.put("fuzz_tx_record", "empty_blob", encode_tx_record({3, 1, {}}));

    corpus.put("fuzz_address", "owner", address_from_key(owner.public_key()));
    std::string upper = address_from_key(client.public_key());
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    corpus.put("fuzz_address", "client_uppercase", upper);
    corpus.put("fuzz_address", "phone_account", account_text(Account::of_phone(phone)));

    // First byte: index into fuzz_phone.cpp's country codes (0 "7", 1 "44").
    corpus.put("fuzz_phone", "ru_international", std::string("\x00", 1) + "+7 900 000-00-01");
    corpus.put("fuzz_phone", "ru_trunk", std::string("\x00", 1) + "8 (900) 000-00-01");
    corpus.put("fuzz_phone", "uk_national", std::string("\x01", 1) + "020 7946 0958");
    corpus.put("fuzz_phone", "uk_00", std::string("\x01", 1) + "0044.20.7946.0958");

    const KdfParams fast{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
    corpus.put("fuzz_keystore", "till_3", keystore_seal(staff, "till 3", "secret", fast));
    corpus.put("fuzz_keystore", "no_passphrase", keystore_seal(owner, "owner", "", fast));

    corpus.put("fuzz_encodings", "base64url_tx", to_base64url(encode_signed_tx(txs[5].second)));
    corpus.put("fuzz_encodings", "hex_id", to_hex(tx_id(txs[5].second.tx)));
    corpus.put("fuzz_encodings", "amount", "12.50");
    corpus.put("fuzz_encodings", "amount_whole", "1000000");

    // docs/rpc.md's examples, filled in with the seed chain's values.
    const std::string transfer_blob = to_base64url(encode_signed_tx(txs[5].second));
    const std::string client_addr = address_from_key(client.public_key());
    corpus.put("fuzz_rpc", "node_info", rpc("node.info", {}));
    corpus.put("fuzz_rpc", "tx_submit", rpc("tx.submit", {{"blob", transfer_blob}, {"wait", true}}));
    corpus.put("fuzz_rpc", "tx_get", rpc("tx.get", {{"id", to_hex(tx_id(txs[5].second.tx))}}));
    corpus.put("fuzz_rpc", "tx_decode", rpc("tx.decode", {{"blob", transfer_blob}}));
    corpus.put("fuzz_rpc", "tx_decode_voucher", rpc("tx.decode", {{"blob", to_base64url(encode_voucher(key_voucher))}}));
    corpus.put("fuzz_rpc", "block_get", rpc("block.get", {{"height", 1}}));
    corpus.put("fuzz_rpc", "block_raw", rpc("block.raw", {{"height", 2}}));
    corpus.put("fuzz_rpc", "chain_genesis", rpc("chain.genesis", {}));
    corpus.put("fuzz_rpc", "account_balances", rpc("account.balances", {{"account", client_addr}}));
    corpus.put("fuzz_rpc", "account_history", rpc("account.history", {{"account", client_addr}, {"limit", 10}}));
    corpus.put("fuzz_rpc", "venue_list", rpc("venue.list", {}));
    corpus.put("fuzz_rpc", "venue_get", rpc("venue.get", {{"ticker", ticker}}));
    corpus.put("fuzz_rpc", "venue_history", rpc("venue.history", {{"ticker", ticker}, {"limit", 10}}));
    corpus.put("fuzz_rpc", "venue_stats", rpc("venue.stats", {{"ticker", ticker}}));
    corpus.put("fuzz_rpc", "venue_series", rpc("venue.series", {{"ticker", ticker}, {"bucket", "week"}}));
    corpus.put("fuzz_rpc", "phone_lookup", rpc("phone.lookup", {{"phone", "+7 900 000-00-01"}}));
    corpus.put("fuzz_rpc", "phone_claim_request", rpc("phone.claim.request", {{"phone", "+7 900 000-00-02"}}));
    corpus.put("fuzz_rpc", "phone_claim_confirm",
        rpc("phone.claim.confirm", {{"phone", "+7 900 000-00-02"}, {"code", "123456"}, {"key", client_addr}}));
    corpus.put("fuzz_rpc", "voucher_check", rpc("voucher.check", {{"voucher", to_base64url(encode_voucher(key_voucher))}}));
    corpus.put("fuzz_rpc", "rpc_discover", rpc("rpc.discover", {}));
    corpus.put("fuzz_rpc", "subscribe", rpc("subscribe", {{"topic", "blocks"}}));
    corpus.put("fuzz_rpc", "admin_outbox", rpc("admin.outbox", {{"limit", 5}}));
    corpus.put("fuzz_rpc", "batch", "[" + rpc("node.info", {}, 1) + "," + rpc("venue.get", {{"ticker", ticker}}, 2) +
                                 R"(,{"jsonrpc":"2.0","method":"node.info"}])");
    corpus.put("fuzz_rpc", "notification", R"({"jsonrpc":"2.0","method":"venue.list","params":{}})");
    std::cout << "wrote seed corpora under " << corpus.root().string() << "\n";
    return 0;
}
