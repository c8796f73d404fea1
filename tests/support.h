// Shared fixtures for ledger tests: a temporary data dir, deterministic keys,
// a controllable clock, and builders for every transaction kind.
#pragma once

#include "crypto/keys.h"
#include "ledger/audit.h"
#include "ledger/chain.h"
#include "ledger/phone.h"
#include "ledger/tx.h"

#include <filesystem>
#include <memory>
#include <random>
#include <string>

namespace kopilka::test {

using namespace kopilka::ledger;

// A directory under the system temp dir, removed with the object.
class TempDir {
public:
    explicit TempDir(std::string_view tag = "kopilka");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// The bytes of a text, for keys and values in tests.
inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A key from a small integer: the same seed always gives the same key.
KeyPair test_key(std::uint32_t n);

inline constexpr std::uint64_t test_epoch_ms = 1'790'000'000'000;  // 2026-09-21, a fixed start

// Builds signed transactions for one chain.
class TxBuilder {
public:
    explicit TxBuilder(ChainId chain) : chain_(chain) {}
    void set_time_ms(std::uint64_t t) { now_ms_ = t; }
    std::uint64_t now_s() const { return now_ms_ / 1000; }
    const ChainId& chain() const { return chain_; }

    // Every builder uses a fresh nonce and an expiry an hour after now.
    SignedTx sign(const KeyPair& signer, TxBody body);
    SignedTx venue_create(const KeyPair& owner, const std::string& ticker, const std::string& name = "U Volodi");
    SignedTx product(const KeyPair& owner, const std::string& ticker, std::uint32_t id, const std::string& name,
                     Amount price, bool active = true);
    SignedTx product_remove(const KeyPair& owner, const std::string& ticker, std::uint32_t id);
    // The staff member's acceptance; each one different (its expiry moves on
    // a second per call), so one acceptance is never reused by accident.
    StaffAcceptance accept(const KeyPair& staff, const std::string& ticker);
    // staff_add with `staff`'s fresh acceptance.
    SignedTx staff_add(const KeyPair& owner, const std::string& ticker, const KeyPair& staff,
                       StaffLimits limits = {}, StaffRole role = StaffRole::barista);
    SignedTx staff_update(const KeyPair& owner, const std::string& ticker, const PublicKey& staff,
                          StaffLimits limits = {}, StaffRole role = StaffRole::barista);
    SignedTx staff_remove(const KeyPair& owner, const std::string& ticker, const PublicKey& staff);
    SignedTx transfer(const KeyPair& from, const std::string& ticker, const Account& to, Amount amount,
                      const std::string& memo = "");
    SignedTx transfer_from(const KeyPair& signer, const std::string& ticker, const Account& from, const Account& to,
                           Amount amount);
    Attestation attest(const KeyPair& attestor, const PhoneRef& phone, const PublicKey& key, std::uint32_t sequence);
    SignedTx phone_bind(const KeyPair& client, const Attestation& a);
    SignedTx rebind_cancel(const KeyPair& bound, const PhoneRef& phone);
    SignedTx rebind_complete(const KeyPair& new_key, const PhoneRef& phone);
    Voucher voucher(const KeyPair& client, const std::string& ticker, std::uint32_t product_id, Amount price,
                    const Account& client_account, std::uint64_t ttl_s = 300);
    SignedTx redeem(const KeyPair& staff, const std::string& ticker, const Voucher& v);

    std::uint64_t next_nonce() { return ++nonce_; }

private:
    ChainId chain_;
    std::uint64_t now_ms_ = test_epoch_ms;
    std::uint64_t nonce_ = 0;
    std::uint64_t acceptances_ = 0;
};

// A chain in a temporary dir with a producer and one attestor.
struct TestChain {
    explicit TestChain(std::uint64_t rebind_delay_s = rebind_delay_s_default);
    TempDir dir{"kopilka-chain"};
    KeyPair producer = test_key(1);
    KeyPair attestor = test_key(2);
    Genesis genesis;
    std::unique_ptr<Chain> chain;
    std::unique_ptr<TxBuilder> tx;
    std::uint64_t now_ms = test_epoch_ms + 1000;

    // Commits one block of the given transactions at now_ms (then advances the
    // clock by a second) and returns the outcomes.
    Produced commit(std::vector<SignedTx> txs);
    // Commits one transaction; returns its outcome.
    TxOutcome commit1(const SignedTx& stx);
    void advance_ms(std::uint64_t ms) {
        now_ms += ms;
        tx->set_time_ms(now_ms);
    }
    void reopen();
};

inline const Hash256 test_phone_secret = [] {
    Hash256 h{};
    for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(0xA0 + i);
    return h;
}();

inline PhoneRef phone_ref(std::string_view e164) { return phone_reference(e164, test_phone_secret); }

}  // namespace kopilka::test
