// The rules: whether a transaction may apply to a state at a block, and what
// it does. Deterministic — the node producing a block and the auditor
// replaying it reach the same answer from the same state, time and bytes.
#pragma once

#include "ledger/state.h"
#include "ledger/tx.h"

#include <array>
#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace kopilka::ledger {

// Why a transaction was refused. The numbers are stable: wallets and the RPC
// map them to codes, so never renumber; only append.
enum class Refusal : std::uint16_t {
    malformed = 1,
    bad_signature = 2,
    expired = 3,
    expiry_too_far = 4,
    duplicate = 5,
    unknown_ticker = 6,
    ticker_taken = 7,
    not_owner = 8,
    not_staff = 9,
    insufficient_balance = 10,
    limit_per_tx = 11,
    limit_per_day = 12,
    zero_amount = 13,
    self_transfer = 14,
    overflow = 15,
    unknown_product = 16,
    product_inactive = 17,
    price_changed = 18,
    voucher_expired = 19,
    voucher_used = 20,
    voucher_wrong_venue = 21,
    voucher_not_client = 22,
    voucher_expiry_too_far = 23,
    not_account_holder = 24,
    unknown_attestor = 25,
    attestation_expired = 26,
    attestation_sequence = 27,
    attestation_wrong_key = 28,
    catalogue_full = 29,
    staff_full = 30,
    owner_cannot_be_staff = 31,
    unknown_staff = 32,
    acceptance_expired = 33,
    acceptance_wrong_venue = 34,
    acceptance_used = 35,
    rebind_pending = 36,
    no_rebind_pending = 37,
    rebind_not_due = 38,
    // Never refuses a transaction (a staff_add may re-add a member with new
    // terms): invite.accept answers it for a key that is already staff.
    already_staff = 39,
    // Bonus programmes (issue 15).
    programme_invalid = 40,
    programme_sequence = 41,
    no_programme = 42,
    programme_version = 43,
    pay_consent_missing = 44,
    pay_consent_invalid = 45,
    pay_consent_used = 46,
    pay_too_much = 47,
    invalid_receipt = 48,
    unknown_purchase = 49,
    return_too_much = 50,
    unknown_card = 51,
    card_taken = 52,
    birthday_already_set = 53,
    referrer_invalid = 54,
};
std::string_view refusal_name(Refusal r);

struct Refused {
    Refusal code;
    std::string message;  // for a person: what is wrong, with the figures
};

struct BlockContext {
    ChainId chain;
    const Genesis* genesis = nullptr;
    std::uint64_t height = 0;
    std::uint64_t time_ms = 0;
    std::uint64_t time_s() const { return time_ms / 1000; }
    std::uint64_t day() const { return time_ms / ms_per_day; }
};

// One balance change, for history indexes and statistics.
struct Movement {
    std::string ticker;
    Account from;
    Account to;
    Amount amount = 0;
    // A time event's movement (apply_due_events): its kind and due time;
    // none for a transaction's.
    std::optional<loyalty::EventKind> event;
    std::uint64_t due_s = 0;
};

// A client's tier at a venue moved: by a purchase or a return (tiers
// recomputed on purchase), or by a monthly recalculation (a time event).
// Indices into the programme's tiers, as loyalty.get's tier.index.
struct TierChange {
    std::string ticker;
    Account client;
    std::uint8_t before = 0;
    std::uint8_t after = 0;
    bool operator==(const TierChange&) const = default;
};

struct Effects {
    std::vector<Account> touched;    // every account the transaction concerns
    std::vector<Movement> movements;
    std::vector<TierChange> tiers;   // in the order they happened
};

// The checks a staff_add makes of its acceptance, besides its signature
// (verify_tx_signatures) and that `owner` signed the staff_add: the venue,
// not the owner's own key, the expiry window at `time_s`, never used, room
// for a new member. The node asks them of an acceptance before any
// transaction carries it (invite.accept), so both say the same.
std::expected<void, Refused> check_staff_acceptance(const State& state, std::uint64_t time_s, std::string_view ticker,
                                                    const PublicKey& owner, const StaffAcceptance& a);

// Checks the transaction's stateless limits (expiry window against the block
// time) and every rule against `state`, then applies it. On refusal the state
// is exactly as before. Signatures are NOT checked here: callers run
// verify_tx_signatures first (in parallel, in the node; inline in the audit).
std::expected<Effects, Refused> apply_tx(State& state, const BlockContext& ctx, const SignedTx& stx,
                                         const Hash256& id);

// What a purchase would do in a block at `ctx` if `staff` signed it: the
// same checks and the same evaluation as apply_tx (except signatures and the
// client's pay consent, which a quote may not have yet), writing nothing.
// apply_tx's purchase runs exactly this first, so a quote is what the block does.
struct PurchaseQuote {
    Account client;                    // resolved (a card names its holder)
    const loyalty::Programme* programme = nullptr;
    loyalty::PurchaseResult result;
    std::array<std::optional<Account>, loyalty::referral_levels_max> referrers;
};
std::expected<PurchaseQuote, Refused> quote_purchase(const State& state, const BlockContext& ctx, const PublicKey& staff,
                                                     const Purchase& p);

// The time events due at or before the block's time (ledger/programme.h,
// EventKind), in the queue's order, each dated at its due time: lots expire
// back to the treasury, tiers are recalculated, birthday and win-back gifts
// are given. The block producer and every replay run it before the block's
// transactions, so the result does not depend on how blocks were spaced.
// Returns how many events ran; their coin movements go to `fx` when given.
std::size_t apply_due_events(State& state, const BlockContext& ctx, Effects* fx = nullptr);
// When the next event falls due (unix s), if any: a node with nothing to do
// still closes a block then.
std::optional<std::uint64_t> next_event_due_s(const State& state);

}  // namespace kopilka::ledger
