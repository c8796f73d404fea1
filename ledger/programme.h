// A venue's bonus programme: data on the chain, evaluated when a block is
// made and again by every audit. A closed set of typed conditions and
// effects, no scripting; integer minor units and basis points throughout.
//
// This header is the contract between three parts:
//   - the evaluator (programme_eval.cpp): pure functions from a programme, a
//     client's loyalty record, a receipt and a time to what the ledger does;
//   - the chain (programme_codec.cpp, tx, state, apply, events): canonical
//     bytes, records and transactions that carry these values;
//   - the interfaces (CLI file format, RPC): programme_from_toml and the
//     JSON views build and show these values.
// The order of evaluation is written in docs/design.md ("Bonus programmes").
#pragma once

#include "ledger/types.h"
#include "ledger/tz.h"

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kopilka::ledger::loyalty {

// 10,000 basis points are 100 %.
inline constexpr std::uint32_t bp_whole = 10'000;

// --- limits: every list and number a programme, receipt or record holds ---
inline constexpr std::size_t programme_tiers_max = 8;
inline constexpr std::size_t programme_rules_max = 32;
inline constexpr std::size_t programme_gifts_max = 8;
inline constexpr std::size_t programme_stamp_cards_max = 4;
inline constexpr std::size_t referral_levels_max = 3;
inline constexpr std::size_t category_list_max = 16;   // any list of categories
inline constexpr std::size_t rule_name_bytes_max = 64;
inline constexpr std::size_t tier_name_bytes_max = 32;
inline constexpr std::size_t receipt_lines_max = 64;
inline constexpr std::size_t receipt_id_bytes_max = 64;
inline constexpr std::size_t card_bytes_max = 32;      // a loyalty card's number: 4-32 of 0-9 A-Z
inline constexpr std::size_t card_bytes_min = 4;
inline constexpr std::uint32_t period_months_max = 24;
inline constexpr std::uint32_t lifetime_days_max = 3660;  // ten years
inline constexpr std::uint32_t gift_param_days_max = 366;
inline constexpr std::uint32_t stamp_every_max = 100;
// A programme's canonical bytes: enough for every tier, rule and gift with
// ordinary names and categories, well inside tx_bytes_max (the lists' own
// limits would allow more).
inline constexpr std::size_t programme_bytes_max = 12 * 1024;
// A new version takes effect after the block that publishes it, at most this far ahead.
inline constexpr std::uint64_t programme_effective_ahead_s_max = 366ull * 24 * 60 * 60;
// One client's open lots (credits with an expiry that are not yet spent or
// expired). Lots expire at the end of a local day, so lots of one day merge.
inline constexpr std::size_t client_lots_max = 400;
inline constexpr std::size_t client_stamp_counts_max = programme_stamp_cards_max;
inline constexpr std::size_t client_rule_months_max = programme_rules_max;
inline constexpr std::size_t client_months_max = period_months_max + 1;

// --- the programme ---

// How a client's tier is found: by everything paid ever, by the total paid
// over the last `period_months` local calendar months, or by the largest
// single purchase.
enum class TierBasis : std::uint8_t { lifetime = 1, period = 2, single_purchase = 3 };
// When tiers are recomputed: after every purchase and return, or only on a
// schedule: at 00:00 local time of day `recalc_day` of every month.
enum class TierRecalc : std::uint8_t { on_purchase = 1, monthly = 2 };

struct Tier {
    std::string name;
    Amount threshold = 0;          // tiers[0].threshold is 0; strictly ascending
    std::uint32_t pay_share_bp = 0;  // most of a receipt payable by bonuses
    bool operator==(const Tier&) const = default;
};

// A weekly window in local time: weekdays (bit 0 Monday ... bit 6 Sunday)
// and [from_minute, to_minute) of the day; to < from runs past midnight and
// the weekday is the day the window starts ("Friday 22:00-02:00" includes
// Saturday 01:00).
struct Window {
    std::uint8_t weekdays = 0x7f;
    std::uint16_t from_minute = 0;  // 0-1439
    std::uint16_t to_minute = 0;    // 0-1440; equal to from: the whole day
    bool operator==(const Window&) const = default;
};

// Every condition present must hold.
struct Condition {
    std::uint16_t tier_mask = 0;              // 0: any tier; bit i: tiers[i]
    std::optional<Amount> receipt_min;        // receipt total >= (before bonuses)
    std::optional<Amount> receipt_max;        // receipt total <  (before bonuses)
    std::optional<Window> window;
    std::optional<std::uint16_t> birthday_days;   // within ±N local days of the birthday
    std::optional<std::uint16_t> returning_days;  // previous purchase within N days (N*86400 s)
    std::vector<std::string> categories;      // empty: every eligible line; else only lines in these
    bool operator==(const Condition&) const = default;
};

enum class Effect : std::uint8_t { percent = 1, fixed = 2 };

struct Rule {
    std::uint16_t id = 0;    // unique, 1-65535; rules run in ascending id
    std::string name;
    // 0: stackable (adds to others). Otherwise an exclusive group: of its
    // rules only the first that matches (lowest id) applies.
    std::uint16_t group = 0;
    Condition when;
    Effect effect = Effect::percent;
    std::uint32_t value = 0;           // basis points of the rule's base, or minor units
    std::optional<Amount> cap_per_month;  // most one client gets from this rule per local month
    std::uint32_t lifetime_days = 0;   // 0: never expires
    bool operator==(const Rule&) const = default;
};

enum class GiftKind : std::uint8_t { welcome = 1, birthday = 2, winback = 3, review = 4 };
struct Gift {
    GiftKind kind = GiftKind::welcome;
    Amount amount = 0;
    std::uint32_t lifetime_days = 0;  // 0: never expires
    // birthday: days before the birthday it is given (0: on the day);
    // winback: days without a purchase before it is given; others: 0.
    std::uint32_t param_days = 0;
    bool operator==(const Gift&) const = default;
};

// Every `every`-th purchase holding a line in `category` earns `reward`.
struct StampCard {
    std::uint16_t id = 0;
    std::string category;
    std::uint32_t every = 0;
    Amount reward = 0;
    std::uint32_t lifetime_days = 0;
    bool operator==(const StampCard&) const = default;
};

struct Programme {
    std::uint32_t version = 1;       // 1, 2, ... per venue
    Hash256 previous{};              // hash of the previous version's bytes; zero for version 1
    std::uint64_t effective_from_s = 0;
    std::string zone;                // IANA name, e.g. "Europe/Moscow"
    std::string tzdb_version;        // e.g. "2024a"
    std::string zone_rule;           // POSIX TZ rule the evaluator applies
    TierBasis tier_basis = TierBasis::lifetime;
    std::uint8_t period_months = 0;  // TierBasis::period: 1-24
    TierRecalc tier_recalc = TierRecalc::on_purchase;
    std::uint8_t recalc_day = 1;     // TierRecalc::monthly: 1-28
    std::vector<Tier> tiers;         // at least one
    std::vector<Rule> rules;
    std::vector<std::string> accrual_excluded;  // categories that earn nothing
    std::vector<std::string> pay_excluded;      // categories bonuses cannot pay
    // Most of a receipt payable by bonuses on each local weekday (Monday
    // first), on top of the tier's share: the smaller applies.
    std::array<std::uint32_t, 7> weekday_pay_share_bp{bp_whole, bp_whole, bp_whole, bp_whole,
                                                      bp_whole, bp_whole, bp_whole};
    std::vector<Gift> gifts;                    // at most one per kind
    std::vector<std::uint32_t> referral_bp;     // level 1..3: share of the referred client's accrual base
    std::uint32_t referral_lifetime_days = 0;
    std::vector<StampCard> stamp_cards;
    std::optional<Amount> cap_per_client_day;   // most one client accrues per local day (rules, stamps)
    std::optional<Amount> gift_budget_per_month;  // most the treasury gives in gifts per local month
    bool operator==(const Programme&) const = default;
};

// The names people and the JSON view use for the programme's enums
// ("lifetime", "on_purchase", "winback", ...), and back (nullopt: no such name).
std::string_view tier_basis_name(TierBasis b);
std::optional<TierBasis> tier_basis_of(std::string_view name);
std::string_view tier_recalc_name(TierRecalc r);
std::optional<TierRecalc> tier_recalc_of(std::string_view name);
std::string_view gift_kind_name(GiftKind k);
std::optional<GiftKind> gift_kind_of(std::string_view name);

// Why a programme is not valid, naming the field ("rules[2].value: 12000 bp
// is more than 100 %"), or empty. Stateless: the chain also checks version,
// previous and effective_from_s against what it holds.
std::string check_programme(const Programme& p);

// --- receipts ---

struct ReceiptLine {
    std::string category;  // product_category_bytes_max; empty: none
    Amount amount = 0;     // the line's total, > 0
    bool operator==(const ReceiptLine&) const = default;
};
struct Receipt {
    std::string id;        // the till's receipt number, for people
    std::vector<ReceiptLine> lines;  // 1..receipt_lines_max
    bool operator==(const Receipt&) const = default;
};
std::string check_receipt(const Receipt& r);
std::optional<Amount> receipt_total(const Receipt& r);  // nullopt on overflow

// A loyalty card number: 4-32 of 0-9 and A-Z.
bool valid_card(std::string_view card);
// A birthday as the client sets it: month 1-12 and a day of that month in a
// leap year (29 February is allowed).
bool valid_birthday(std::uint8_t month, std::uint8_t day);

// --- a client's loyalty record, per venue ---

// Credits with an expiry, soonest first; a client's balance beyond the sum
// of its lots never expires. Spending takes lots soonest first.
struct Lot {
    Amount amount = 0;
    std::uint64_t expiry_s = 0;  // UTC second the lot expires (local midnight)
    bool operator==(const Lot&) const = default;
};
struct MonthTotal {
    std::uint32_t month = 0;  // local year * 12 + (month - 1)
    Amount paid = 0;          // money paid (receipt less bonuses), less returns
    bool operator==(const MonthTotal&) const = default;
};
struct RuleMonth {
    std::uint16_t rule = 0;
    std::uint32_t month = 0;
    Amount credited = 0;
    bool operator==(const RuleMonth&) const = default;
};
struct StampCount {
    std::uint16_t card = 0;
    std::uint32_t count = 0;  // purchases counted since the last reward
    bool operator==(const StampCount&) const = default;
};

struct Client {
    std::uint8_t tier = 0;
    Amount lifetime_paid = 0;
    Amount best_purchase = 0;
    std::vector<MonthTotal> months;     // newest last, at most client_months_max
    std::uint64_t registered_s = 0;
    std::uint64_t last_purchase_s = 0;  // 0: none yet
    std::uint32_t purchases = 0;
    std::optional<Account> referrer;    // named once, at registration
    std::optional<std::pair<std::uint8_t, std::uint8_t>> birthday;  // month, day; set by the client
    std::int32_t birthday_gift_year = 0;  // local year of the last birthday gift
    std::uint64_t winback_given_s = 0;    // last win-back gift
    std::int64_t day = 0;                 // local day number of accrued_day
    Amount accrued_day = 0;
    std::vector<RuleMonth> rule_months;
    std::vector<StampCount> stamps;
    Amount debt = 0;                      // accruals taken back by a return after they were spent
    std::vector<Lot> lots;                // ascending expiry_s, no two equal
    bool operator==(const Client&) const = default;
};

// --- evaluation ---

// One amount credited to someone by a purchase.
struct Credit {
    enum class Source : std::uint8_t { rule = 1, stamp = 2, referral = 3, gift = 4 };
    Source source = Source::rule;
    std::uint16_t id = 0;       // rule id, stamp card id, referral level (1-3), or gift kind
    std::uint8_t recipient = 0; // 0: the client; 1-3: the referrer at that level
    Amount amount = 0;          // after caps, floor-rounded once; > 0
    std::uint64_t expiry_s = 0; // 0: never
    bool operator==(const Credit&) const = default;
};

struct PurchaseInput {
    const Programme* programme = nullptr;
    const Client* client = nullptr;     // nullptr: the client registers with this purchase
    Receipt receipt;
    Amount pay = 0;                     // bonuses the client asks to pay
    Amount client_balance = 0;          // the client's balance of the coin before
    std::uint64_t time_s = 0;           // block time
    // The referrer chain's records, level 1 first (at most 3); only read for
    // their existence (a level with no record, nullptr, ends the chain there).
    std::vector<const Client*> referrers;
    // The venue's automatic gifts so far in this local month (for the budget).
    Amount gifts_this_month = 0;
};

struct PurchaseResult {
    Amount total = 0;          // receipt total
    Amount payable_max = 0;    // most bonuses could pay (limits, balance less debt)
    Amount paid = 0;           // bonuses paid: min(pay, payable_max) — never more than asked
    Amount base = 0;           // money paid on eligible lines: what accrual is computed on
    // Of the client's rule and stamp credits (evaluation order), what repays
    // its debt first. The chain moves: from_staff from the staff member; of
    // it, the client's rule+stamp credits less debt_paid to the client, each
    // referral credit to its referrer, debt_paid to the treasury (it repays
    // the return that made the debt); from_treasury from the treasury to the
    // client. Credit amounts stay gross.
    Amount debt_paid = 0;
    std::vector<Credit> credits;  // in evaluation order
    Amount from_staff = 0;     // sum of rule, stamp and referral credits (the staff member funds them)
    Amount from_treasury = 0;  // sum of gift credits (welcome on registration)
    std::uint8_t tier_before = 0;
    std::uint8_t tier_after = 0;
    // The client's record after the purchase: its new lots (rules, stamps
    // net of debt_paid, the welcome gift) added, but not yet spent for `paid`
    // (the caller calls spend_lots). Referrers' lots are the caller's to add.
    Client client_after;
    Amount gifts_this_month_after = 0;
};
// Refuses (with a message naming the figures) only an invalid receipt, a
// request to pay more than payable_max, or an overflow; everything else is
// a result. Deterministic: the block and purchase.quote call it alike.
std::expected<PurchaseResult, std::string> evaluate_purchase(const PurchaseInput& in);

// What a purchase recorded, kept for its returns.
struct PurchaseRecord {
    Account client;
    PublicKey staff;
    std::uint32_t programme_version = 0;
    std::uint64_t time_s = 0;
    Amount total = 0;
    Amount paid = 0;
    Amount base = 0;
    // What the client and each referrer were credited from the staff
    // member's allowance (the reversible part), gross: the client's share
    // includes what repaid its debt. Gifts are not reversed.
    Amount accrued_client = 0;
    std::array<Amount, referral_levels_max> accrued_referrer{};
    std::array<std::optional<Account>, referral_levels_max> referrers;
    Amount returned = 0;       // receipt money returned so far
    bool operator==(const PurchaseRecord&) const = default;
};

struct ReturnResult {
    Amount refund_paid = 0;            // bonuses given back to the client (from the treasury)
    Amount take_client = 0;            // accrual reversed from the client
    std::array<Amount, referral_levels_max> take_referrer{};
    // amount - refund_paid: the money part of the return, what
    // apply_return_to_client takes off the client's totals (over all returns
    // of a purchase it sums to exactly total - paid).
    Amount money_returned = 0;
    PurchaseRecord record_after;
};
// A return of `amount` of the receipt's money (the cumulative total returned
// may not pass the total). Each reversed part is floor(part * returned_after
// / total) - floor(part * returned_before / total), so a full return, in one
// go or many, reverses exactly. The caller takes what the balances allow and
// adds the rest to the debt (Client::debt); it recomputes tiers with
// apply_return_to_client.
std::expected<ReturnResult, std::string> evaluate_return(const PurchaseRecord& rec, Amount amount);
// The client's record after a return whose money part is `amount`
// (ReturnResult::money_returned) of a purchase made at `purchase_time_s`:
// lifetime_paid and that month's total fall by it (never below 0; a month no
// longer held is not touched; best_purchase stays), the debt grows by
// `debt_added`, and the tier is recomputed when the programme recomputes on
// purchase.
Client apply_return_to_client(const Programme& p, const Client& c, std::uint64_t purchase_time_s, Amount amount,
                              Amount debt_added, std::uint64_t time_s);

// Lots: spending `amount` from a client's balance (any debit: a payment, a
// transfer, a redemption) takes the soonest-expiring lots first.
void spend_lots(Client& c, Amount amount);
// Adds a credit with an expiry as a lot (merging lots of the same expiry).
// When the client already holds client_lots_max lots, the credit joins the
// lot of the nearest expiry and the merged lot takes the later of the two
// expiries: nothing is lost and nothing expires sooner than promised.
void add_lot(Client& c, Amount amount, std::uint64_t expiry_s);
// The expiry of a credit made at time_s lasting lifetime_days: the end of
// local day (today + lifetime_days), i.e. the start of the day after. 0 when
// lifetime_days is 0.
std::uint64_t lot_expiry(const Programme& p, std::uint64_t time_s, std::uint32_t lifetime_days);

// --- time-driven events ---

// The kinds of scheduled events, in the order they run at one due time.
enum class EventKind : std::uint8_t {
    lot_expiry = 1,      // a client's lot reaches its expiry
    tier_recalc = 2,     // the venue's monthly tier recalculation
    birthday_gift = 3,   // a client's birthday gift falls due
    winback_gift = 4,    // a client has been absent the programme's days
};
// The first due time strictly after `after_s`, or nullopt when the
// programme (or the client) has none.
std::optional<std::uint64_t> next_tier_recalc(const Programme& p, std::uint64_t after_s);
std::optional<std::uint64_t> next_birthday_gift(const Programme& p, const Client& c, std::uint64_t after_s);
std::optional<std::uint64_t> next_winback_gift(const Programme& p, const Client& c);
// The tier a client holds when recomputed at `time_s` (the schedule's
// window: TierBasis::period counts the `period_months` months before the
// month of `time_s` on a monthly recalculation, and up to and including it
// on purchase).
std::uint8_t tier_at(const Programme& p, const Client& c, std::uint64_t time_s, bool scheduled);
// A gift given at `time_s`, within the month's budget (nullopt when the
// programme has no such gift, the client already had it, or the budget is
// spent); amount may be cut to the budget left. Updates the client's record:
// marks the gift given (also when the budget cut it to nothing, so a due
// event is not retried) and adds the credit's lot when it expires.
std::optional<Credit> give_gift(const Programme& p, Client& c, GiftKind kind, std::uint64_t time_s,
                                Amount gifts_this_month);

}  // namespace kopilka::ledger::loyalty
