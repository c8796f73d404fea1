// Transactions: the only way anything on the ledger changes.
//
// A transaction's canonical bytes are
//     u8 version (1) || u8 kind || signer (32) || nonce u64 || expiry_s u64 || body
// and its id is BLAKE2b-256 of those bytes. The signature (Ed25519, domain
// "kopilka/tx/v1", over the chain id and those bytes) follows them in the
// signed blob. The id excludes the signature, so re-signing the same
// transaction gives the same id and can never move coins twice.
#pragma once

#include "crypto/keys.h"
#include "ledger/programme.h"
#include "ledger/types.h"

#include <expected>
#include <optional>
#include <string>
#include <variant>

namespace kopilka::ledger {

inline constexpr std::uint8_t tx_version = 1;
inline constexpr std::uint8_t voucher_version = 1;
inline constexpr std::uint8_t attestation_version = 1;
inline constexpr std::uint8_t staff_acceptance_version = 1;
// Largest signed blob accepted anywhere: a venue profile at every limit fits,
// and so does a programme_set at programme_bytes_max (12 KiB).
inline constexpr std::size_t tx_bytes_max = 16 * 1024;
inline constexpr std::uint8_t pay_consent_version = 1;

enum class TxKind : std::uint8_t {
    venue_create = 1,
    venue_update = 2,
    product_upsert = 3,
    product_remove = 4,
    staff_update = 5,
    staff_remove = 6,
    transfer = 7,
    phone_bind = 8,
    redeem = 9,
    staff_add = 10,
    phone_rebind_cancel = 11,
    phone_rebind_complete = 12,
    programme_set = 13,
    purchase = 14,
    purchase_return = 15,
    card_bind = 16,
    birthday_set = 17,
};
inline constexpr TxKind tx_kind_last = TxKind::birthday_set;
std::string_view kind_name(TxKind k);

// Creates a venue and its coin; mints the whole supply to the signer (the
// owner, whose key account is the venue's treasury).
struct VenueCreate {
    std::string ticker;
    Profile profile;
    bool operator==(const VenueCreate&) const = default;
};
// Replaces the profile; owner only.
struct VenueUpdate {
    std::string ticker;
    Profile profile;
    bool operator==(const VenueUpdate&) const = default;
};
struct ProductUpsert {
    std::string ticker;
    Product product;
    bool operator==(const ProductUpsert&) const = default;
};
struct ProductRemove {
    std::string ticker;
    std::uint32_t product_id = 0;
    bool operator==(const ProductRemove&) const = default;
};
// Changes the role and limits of a staff member already there (owner only).
// Adding a member needs the member's own signature: StaffAdd.
struct StaffUpdate {
    std::string ticker;
    PublicKey staff;
    StaffRole role = StaffRole::cashier;
    StaffLimits limits;
    bool operator==(const StaffUpdate&) const = default;
};

// A key's consent to become staff of `ticker`, signed by that key (domain
// "kopilka/staff-accept/v1"): the owner cannot make anyone staff without it.
// Its id (the hash of its unsigned bytes) is remembered like a voucher's, so
// one acceptance makes one hiring.
struct StaffAcceptance {
    std::string ticker;
    PublicKey staff;
    std::uint64_t expiry_s = 0;
    Signature signature;
    bool operator==(const StaffAcceptance&) const = default;
};
Bytes encode_staff_acceptance_unsigned(const StaffAcceptance& a);
Bytes encode_staff_acceptance(const StaffAcceptance& a);  // unsigned bytes || signature
std::expected<StaffAcceptance, std::string> decode_staff_acceptance(ByteView bytes);
Hash256 staff_acceptance_id(const StaffAcceptance& a);
// Signed by `staff` (the acceptance's staff field is set to its key).
StaffAcceptance accept_staff(const KeyPair& staff, const std::string& ticker, std::uint64_t expiry_s,
                             const ChainId& chain);
bool verify_staff_acceptance(const StaffAcceptance& a, const ChainId& chain);

// Adds the key that signed `acceptance` as a staff member (owner only).
struct StaffAdd {
    std::string ticker;
    StaffRole role = StaffRole::cashier;
    StaffLimits limits;
    StaffAcceptance acceptance;
    bool operator==(const StaffAdd&) const = default;
};
// Removes a staff member (signed by the owner, or by the member leaving). Of
// the member's balance only the venue's allowance still with them (see
// StaffRecord::allowance) returns to the treasury; the rest is theirs.
struct StaffRemove {
    std::string ticker;
    PublicKey staff;
    bool operator==(const StaffRemove&) const = default;
};
struct Transfer {
    std::string ticker;
    Account from;  // the signer's key, or a phone reference bound to the signer
    Account to;
    Amount amount = 0;
    std::string memo;
    bool operator==(const Transfer&) const = default;
};

// A genesis attestor's statement: "whoever holds `key` proved `phone`". The
// sequence must be the phone's binding count plus one, so an old attestation
// can never bring back a replaced key.
struct Attestation {
    PhoneRef phone{};
    PublicKey key;
    std::uint32_t sequence = 0;
    std::uint64_t expiry_s = 0;
    PublicKey attestor;
    Signature signature;
    bool operator==(const Attestation&) const = default;
};
Bytes encode_attestation_unsigned(const Attestation& a);
Bytes encode_attestation(const Attestation& a);  // unsigned bytes || signature
std::expected<Attestation, std::string> decode_attestation(ByteView bytes);

// The signer (attestation.key) claims the phone reference. If another key
// holds it already, this only announces a re-bind that the bound key may
// cancel and the new key may complete after the genesis's rebind delay.
struct PhoneBind {
    Attestation attestation;
    bool operator==(const PhoneBind&) const = default;
};
// The bound key of `phone` cancels the re-bind pending on it.
struct PhoneRebindCancel {
    PhoneRef phone{};
    bool operator==(const PhoneRebindCancel&) const = default;
};
// The key a pending re-bind names takes the phone, once the delay is over.
struct PhoneRebindComplete {
    PhoneRef phone{};
    bool operator==(const PhoneRebindComplete&) const = default;
};

// The QR a client shows: made and signed by the client's key (domain
// "kopilka/voucher/v1"). Its id is the hash of its unsigned bytes.
struct Voucher {
    std::string ticker;
    std::uint32_t product_id = 0;
    Amount price = 0;
    Account client;   // pays the price; a key, or a phone reference bound to `signer`
    std::uint64_t nonce = 0;
    std::uint64_t expiry_s = 0;
    PublicKey signer;
    Signature signature;
    bool operator==(const Voucher&) const = default;
};
Bytes encode_voucher_unsigned(const Voucher& v);
Bytes encode_voucher(const Voucher& v);  // unsigned bytes || signature
std::expected<Voucher, std::string> decode_voucher(ByteView bytes);
Hash256 voucher_id(const Voucher& v);
void sign_voucher(Voucher& v, const KeyPair& key, const ChainId& chain);
bool verify_voucher_signature(const Voucher& v, const ChainId& chain);

// A staff member (or the owner) of `ticker` redeems a client's voucher for it.
struct Redeem {
    std::string ticker;
    Voucher voucher;
    bool operator==(const Redeem&) const = default;
};

// --- bonus programmes (ledger/programme.h) ---

// The owner publishes a new version of the venue's programme: version is the
// last published + 1, previous is programme_hash of the last, and it takes
// effect at effective_from_s, after the publishing block's time.
struct ProgrammeSet {
    std::string ticker;
    loyalty::Programme programme;
    bool operator==(const ProgrammeSet&) const = default;
};

// A client's consent to pay `amount` bonuses on one receipt, signed by the
// key that controls `client` (domain "kopilka/pay/v1"). Its id (the hash of
// its unsigned bytes) is remembered like a voucher's: one consent, one
// payment.
struct PayConsent {
    std::string ticker;
    Account client;
    Amount amount = 0;
    Hash256 receipt_digest{};  // receipt_digest(receipt): the consent is for this receipt only
    std::uint64_t nonce = 0;
    std::uint64_t expiry_s = 0;
    PublicKey signer;
    Signature signature;
    bool operator==(const PayConsent&) const = default;
};
Bytes encode_pay_consent_unsigned(const PayConsent& c);
Bytes encode_pay_consent(const PayConsent& c);  // unsigned bytes || signature
std::expected<PayConsent, std::string> decode_pay_consent(ByteView bytes);
Hash256 pay_consent_id(const PayConsent& c);
void sign_pay_consent(PayConsent& c, const KeyPair& key, const ChainId& chain);
bool verify_pay_consent_signature(const PayConsent& c, const ChainId& chain);
Hash256 receipt_digest(const loyalty::Receipt& r);  // BLAKE2b-256 of the receipt's canonical bytes

// Who a purchase is for: an account (a key, or a phone reference), or a
// loyalty card bound to one (CardBind).
struct ClientRef {
    enum class Kind : std::uint8_t { account = 1, card = 2 };
    Kind kind = Kind::account;
    Account account;   // Kind::account
    std::string card;  // Kind::card
    bool operator==(const ClientRef&) const = default;
};

// A staff member (or the owner) records a purchase. The ledger evaluates it
// under the programme version in force at the block time, which must be
// `programme_version` (what the till quoted). Accruals come from the
// signer's balance (its allowance), gifts from the treasury; `pay` bonuses
// go from the client to the treasury and need `consent` when non-zero.
// `referrer` may be named only on the client's first purchase.
struct Purchase {
    std::string ticker;
    ClientRef client;
    loyalty::Receipt receipt;
    std::uint32_t programme_version = 0;
    Amount pay = 0;
    std::optional<PayConsent> consent;
    std::optional<Account> referrer;
    bool operator==(const Purchase&) const = default;
};

// Staff or the owner returns `amount` of a purchase's receipt money
// (`purchase` is the purchase transaction's id); the cumulative returns may
// not pass the receipt's total.
struct PurchaseReturn {
    std::string ticker;
    Hash256 purchase{};
    Amount amount = 0;
    bool operator==(const PurchaseReturn&) const = default;
};

// Staff or the owner binds a loyalty card to a client's account. A card is
// bound once; only the owner may bind it again elsewhere.
struct CardBind {
    std::string ticker;
    std::string card;
    Account client;
    bool operator==(const CardBind&) const = default;
};

// The client sets its birthday (month and day, no year) with the venue,
// signed by the key controlling `client`. Set once: a second is refused, so
// a birthday gift cannot be had twice a year.
struct BirthdaySet {
    std::string ticker;
    Account client;
    std::uint8_t month = 0;
    std::uint8_t day = 0;
    bool operator==(const BirthdaySet&) const = default;
};

// In kind order: the kind is the index + 1.
using TxBody = std::variant<VenueCreate, VenueUpdate, ProductUpsert, ProductRemove, StaffUpdate, StaffRemove, Transfer,
                            PhoneBind, Redeem, StaffAdd, PhoneRebindCancel, PhoneRebindComplete, ProgrammeSet, Purchase,
                            PurchaseReturn, CardBind, BirthdaySet>;

struct Tx {
    PublicKey signer;
    std::uint64_t nonce = 0;      // random, chosen by the client
    std::uint64_t expiry_s = 0;   // unix seconds
    TxBody body;
    TxKind kind() const;
    bool operator==(const Tx&) const = default;
};

struct SignedTx {
    Tx tx;
    Signature signature;
    bool operator==(const SignedTx&) const = default;
};

Bytes encode_tx(const Tx& tx);
Hash256 tx_id(const Tx& tx);
// tx_id from encode_tx(tx) (see unsigned_tx_bytes).
Hash256 tx_id_of_encoded(ByteView tx_bytes);
Bytes encode_signed_tx(const SignedTx& stx);
// Strict: anything that is not exactly what encode_signed_tx produces is
// refused with a message naming the problem.
std::expected<SignedTx, std::string> decode_signed_tx(ByteView bytes);
// encode_tx of a transaction decode_signed_tx accepted from `signed_bytes`,
// without encoding it again: the decoder accepts only canonical bytes, and a
// signed transaction is its encoding followed by the signature.
ByteView unsigned_tx_bytes(ByteView signed_bytes);

SignedTx sign_tx(const Tx& tx, const KeyPair& key, const ChainId& chain);
// Every signature the transaction carries: its own, and its voucher's,
// attestation's, staff acceptance's or pay consent's. Stateless, so it can run on many threads before sequencing.
bool verify_tx_signatures(const SignedTx& stx, const ChainId& chain);
// The same, given encode_tx(stx.tx) (see unsigned_tx_bytes).
bool verify_tx_signatures(const SignedTx& stx, ByteView tx_bytes, const ChainId& chain);

// The venue a transaction is about (empty for the phone kinds).
const std::string& tx_ticker(const Tx& tx);

}  // namespace kopilka::ledger
