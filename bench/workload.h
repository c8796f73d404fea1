// The benchmark's workload: venues with owners, staff and products; clients
// (a share of them funded, so they can give gifts and redeem vouchers); and
// a planned list of transactions that are all valid in ANY order — every
// sender is funded in setup with exactly what it will send — so concurrent
// connections can race freely and every transaction must still commit.
#pragma once

#include "crypto/keys.h"
#include "ledger/tx.h"

#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <vector>

namespace kopilka::bench {

enum class Kind : std::uint8_t { transfer, gift, redeem, purchase };
inline constexpr std::size_t kind_count = 4;
std::string_view kind_text(Kind k);

// Shares of each kind, in parts (they need not sum to 100).
struct Mix {
    unsigned transfer = 60;  // staff gives coins to a client
    unsigned gift = 10;      // a client gives coins to another client
    unsigned redeem = 30;    // staff redeems a client's voucher (two signatures)
    unsigned purchase = 0;   // staff records a purchase under the venue's programme (pay 0: one signature)
    // "transfer=70,redeem=30"; kinds not named get 0.
    static std::expected<Mix, std::string> parse(std::string_view text);
    std::string text() const;
    unsigned total() const { return transfer + gift + redeem + purchase; }
    // Ed25519 verifications a node makes per transaction of this mix.
    double signatures_per_tx() const;
};

struct WorkloadOptions {
    std::size_t venues = 10;
    std::size_t staff_per_venue = 4;
    std::size_t products_per_venue = 4;
    std::size_t clients = 2000;         // accounts that receive coins
    std::size_t funded_clients = 500;   // of them, the ones that also send (gifts, vouchers)
    Mix mix;
    std::uint64_t tx_ttl_s = 3600;      // expiry of every transaction and voucher, from signing
    std::uint64_t seed = 1;             // the plan (who sends what) is a function of the seed
    std::string ticker_prefix = "BV";   // venue coins are <prefix><4+ digits>, 10 characters at most
    // Publish each venue's 10-rule programme in setup (needed by purchases;
    // set by the benchmark when the mix or --purchases has any).
    bool programme = false;
};

// Seconds after the setup's signing time that the programme takes effect:
// after the block that publishes it (the second setup round), so setup must
// reach that round within this time. Purchases wait for it (plus a margin).
inline constexpr std::uint64_t programme_delay_s = 10;

// What a run sends: pre-signed, pre-encoded requests.
struct SignedSet {
    std::vector<std::string> blobs;  // base64url signed transaction
    std::vector<Hash256> ids;
    std::vector<Kind> kinds;
    std::size_t size() const { return blobs.size(); }
    void append(const ledger::SignedTx& stx, Kind kind);
};

class Workload {
public:
    // Makes the keys: owners, staff and funded clients get real key pairs;
    // receive-only clients get random 32-byte keys (see workload.cpp).
    explicit Workload(const WorkloadOptions& options);

    // Decides `count` more transactions and what funding they need. Throws
    // when a venue's treasury cannot fund them (use more venues).
    void plan(std::size_t count);
    // The same with another mix (e.g. purchase=100 for a phase of purchases after the mix's).
    void plan(std::size_t count, const Mix& mix);
    std::size_t planned() const { return plan_.size(); }

    // Setup transactions in rounds; each round must commit before the next
    // is sent (venues, then their products and staff, then the funding).
    std::vector<std::vector<ledger::SignedTx>> setup(const ChainId& chain, std::uint64_t now_s) const;
    // Signs planned transactions [begin, end) on `threads` threads; `progress`
    // is told how many are done from time to time (from any thread).
    SignedSet sign(const ChainId& chain, std::uint64_t now_s, std::size_t begin, std::size_t end, unsigned threads,
                   const std::function<void(std::size_t)>& progress) const;

    // Distinct accounts holding a coin once the plan has run (treasuries, staff, clients).
    std::size_t accounts() const;
    const WorkloadOptions& options() const { return options_; }
    std::string ticker(std::size_t venue) const;
    // The programme every venue publishes (version 1), effective from `effective_from_s`.
    static ledger::loyalty::Programme programme(std::uint64_t effective_from_s);
    // The most a purchase of this receipt can take from the staff member's
    // allowance under programme(): every rule, stamp card and referral level
    // as if all applied at once, each rounded up.
    static ledger::Amount accrual_bound(const ledger::loyalty::Receipt& r);

private:
    struct Venue {
        KeyPair owner;
        std::vector<KeyPair> staff;
        std::vector<ledger::Amount> staff_funding;
        std::vector<ledger::Amount> prices;
    };
    // One transaction before signing.
    struct Planned {
        Kind kind;
        std::uint32_t venue;
        std::uint32_t signer;  // transfer, redeem, purchase: staff index; gift: the sending (funded) client
        std::uint32_t client;  // transfer, gift, purchase: the receiving client; redeem: the paying (funded) client
        std::uint32_t value;   // transfer, gift: amount in minor units; redeem: product index; purchase: receipt seed
    };
    ledger::SignedTx sign_one(const Planned& p, std::size_t index, const ChainId& chain, std::uint64_t now_s) const;
    ledger::Account client_account(std::size_t i) const;
    ledger::loyalty::Receipt receipt(std::uint32_t seed, std::size_t index) const;

    WorkloadOptions options_;
    std::vector<Venue> venues_;
    std::vector<KeyPair> funded_;            // clients [0, funded_clients)
    std::vector<PublicKey> receivers_;       // clients [funded_clients, clients)
    std::vector<ledger::Amount> client_funding_;
    std::vector<std::uint8_t> received_;     // per client: has it received any coin
    std::vector<Planned> plan_;
    std::uint64_t rng_state_;
    std::uint64_t nonce_base_;
    std::size_t next_receiver_ = 0;
};

}  // namespace kopilka::bench
