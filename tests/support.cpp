#include "support.h"

#include <stdexcept>
#include <unistd.h>

namespace kopilka::test {

TempDir::TempDir(std::string_view tag) {
    std::string templ = (std::filesystem::temp_directory_path() / (std::string(tag) + "-XXXXXX")).string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

KeyPair test_key(std::uint32_t n) {
    std::array<std::uint8_t, seed_bytes> seed{};
    seed[0] = static_cast<std::uint8_t>(n >> 24);
    seed[1] = static_cast<std::uint8_t>(n >> 16);
    seed[2] = static_cast<std::uint8_t>(n >> 8);
    seed[3] = static_cast<std::uint8_t>(n);
    seed[31] = 0x4b;  // 'K': keeps test seeds apart from an all-zero seed
    return KeyPair::from_seed(seed);
}

SignedTx TxBuilder::sign(const KeyPair& signer, TxBody body) {
    Tx tx;
    tx.signer = signer.public_key();
    tx.nonce = next_nonce();
    tx.expiry_s = now_s() + 3600;
    tx.body = std::move(body);
    return sign_tx(tx, signer, chain_);
}

SignedTx TxBuilder::venue_create(const KeyPair& owner, const std::string& ticker, const std::string& name) {
    Profile p;
    p.name = name;
    p.street_address = "Lenina 1, Moscow";
    p.geo = Geo{557'558'000, 376'173'000};
    p.links = {"https://example.org/u-volodi"};
    p.hours = "Mo-Su 08:00-22:00";
    return sign(owner, VenueCreate{ticker, p});
}

SignedTx TxBuilder::product(const KeyPair& owner, const std::string& ticker, std::uint32_t id,
                            const std::string& name, Amount price, bool active) {
    Product p;
    p.id = id;
    p.name = name;
    p.price = price;
    p.active = active;
    return sign(owner, ProductUpsert{ticker, p});
}

SignedTx TxBuilder::product_remove(const KeyPair& owner, const std::string& ticker, std::uint32_t id) {
    return sign(owner, ProductRemove{ticker, id});
}

StaffAcceptance TxBuilder::accept(const KeyPair& staff, const std::string& ticker) {
    return accept_staff(staff, ticker, now_s() + 600 + acceptances_++ % 3600, chain_);
}

SignedTx TxBuilder::staff_add(const KeyPair& owner, const std::string& ticker, const KeyPair& staff,
                              StaffLimits limits, StaffRole role) {
    return sign(owner, StaffAdd{ticker, role, limits, accept(staff, ticker)});
}

SignedTx TxBuilder::staff_update(const KeyPair& owner, const std::string& ticker, const PublicKey& staff,
                                 StaffLimits limits, StaffRole role) {
    return sign(owner, StaffUpdate{ticker, staff, role, limits});
}

SignedTx TxBuilder::staff_remove(const KeyPair& owner, const std::string& ticker, const PublicKey& staff) {
    return sign(owner, StaffRemove{ticker, staff});
}

SignedTx TxBuilder::transfer(const KeyPair& from, const std::string& ticker, const Account& to, Amount amount,
                             const std::string& memo) {
    return sign(from, Transfer{ticker, Account::of_key(from.public_key()), to, amount, memo});
}

SignedTx TxBuilder::transfer_from(const KeyPair& signer, const std::string& ticker, const Account& from,
                                  const Account& to, Amount amount) {
    return sign(signer, Transfer{ticker, from, to, amount, ""});
}

Attestation TxBuilder::attest(const KeyPair& attestor, const PhoneRef& phone, const PublicKey& key,
                              std::uint32_t sequence) {
    Attestation a;
    a.phone = phone;
    a.key = key;
    a.sequence = sequence;
    a.expiry_s = now_s() + 600;
    a.attestor = attestor.public_key();
    a.signature = attestor.sign(Domain::attestation, chain_, encode_attestation_unsigned(a));
    return a;
}

SignedTx TxBuilder::phone_bind(const KeyPair& client, const Attestation& a) { return sign(client, PhoneBind{a}); }

SignedTx TxBuilder::rebind_cancel(const KeyPair& bound, const PhoneRef& phone) {
    return sign(bound, PhoneRebindCancel{phone});
}

SignedTx TxBuilder::rebind_complete(const KeyPair& new_key, const PhoneRef& phone) {
    return sign(new_key, PhoneRebindComplete{phone});
}

Voucher TxBuilder::voucher(const KeyPair& client, const std::string& ticker, std::uint32_t product_id, Amount price,
                           const Account& client_account, std::uint64_t ttl_s) {
    Voucher v;
    v.ticker = ticker;
    v.product_id = product_id;
    v.price = price;
    v.client = client_account;
    v.nonce = next_nonce();
    v.expiry_s = now_s() + ttl_s;
    sign_voucher(v, client, chain_);
    return v;
}

SignedTx TxBuilder::redeem(const KeyPair& staff, const std::string& ticker, const Voucher& v) {
    return sign(staff, Redeem{ticker, v});
}

TestChain::TestChain(std::uint64_t rebind_delay_s) {
    genesis.chain_name = "kopilka-test";
    genesis.rebind_delay_s = rebind_delay_s;
    genesis.time_ms = test_epoch_ms;
    genesis.producer = producer.public_key();
    genesis.attestors = {attestor.public_key()};
    auto c = Chain::create(dir.path() / "data", genesis);
    if (!c) throw std::runtime_error(c.error());
    chain = std::move(*c);
    tx = std::make_unique<TxBuilder>(chain->id());
    tx->set_time_ms(now_ms);
}

Produced TestChain::commit(std::vector<SignedTx> txs) {
    auto p = chain->produce_block(txs, now_ms, producer);
    if (!p) throw std::runtime_error(p.error());
    advance_ms(1000);
    return std::move(*p);
}

TxOutcome TestChain::commit1(const SignedTx& stx) { return commit({stx}).outcomes.at(0); }

void TestChain::reopen() {
    chain.reset();
    auto c = Chain::open(dir.path() / "data");
    if (!c) throw std::runtime_error(c.error());
    chain = std::move(*c);
}

}  // namespace kopilka::test
