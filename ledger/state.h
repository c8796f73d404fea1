// The ledger state: venues, catalogues, staff, balances and phone bindings.
//
// Every piece of state is a record (canonical key bytes -> canonical value
// bytes). The state digest commits to the whole set of records with a lattice
// hash (LtHash16, 1024 lanes): adding or removing one record costs the same
// whatever the state's size, so a block's digest is cheap to update, and a
// snapshot loaded from disk can be checked against the chain without replaying
// history. Writes are journalled: a transaction or a block that fails is rolled
// back exactly, and a committed block hands its changed records to the store.
#pragma once

#include "ledger/id_window.h"
#include "ledger/programme.h"
#include "ledger/types.h"

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace kopilka::ledger {

struct VenueRecord {
    PublicKey owner;  // the treasury
    Profile profile;
    bool operator==(const VenueRecord&) const = default;
};

struct StaffRecord {
    StaffRole role = StaffRole::cashier;
    StaffLimits limits;
    std::uint64_t day = 0;        // UTC day number (block time) of given_today
    Amount given_today = 0;
    // The venue's coins this member holds on its behalf: every amount the
    // treasury sent the member's key account while staff, less every amount
    // that left that account since (never below 0). At removal the treasury
    // takes back min(balance, allowance) and nothing more: coins the member
    // got from anyone else stay theirs.
    Amount allowance = 0;
    bool operator==(const StaffRecord&) const = default;
};

struct Binding {
    PublicKey key;
    std::uint32_t sequence = 0;  // how many attestations the phone has consumed
    bool operator==(const Binding&) const = default;
};

// A re-bind of a claimed phone, announced and waiting: `key` may complete it
// from `effective_s` (block time, unix s); the bound key may cancel it until
// then. The bound key keeps the phone's coins meanwhile.
struct PendingRebind {
    PublicKey key;
    std::uint64_t effective_s = 0;
    bool operator==(const PendingRebind&) const = default;
};

// A time event waiting in the queue (ledger/programme.h, EventKind): due at
// `due_s` for `account` of `ticker` (the venue's treasury for a venue-wide
// event). Ordered as it runs: due time, kind, ticker, account.
struct DueEvent {
    std::uint64_t due_s = 0;
    loyalty::EventKind kind = loyalty::EventKind::lot_expiry;
    std::string ticker;
    Account account;
    auto operator<=>(const DueEvent&) const = default;
};

struct Hash256Hasher {
    std::size_t operator()(const Hash256& h) const noexcept {
        std::size_t v;
        __builtin_memcpy(&v, h.data(), sizeof v);
        return v;
    }
};

// The 2048-byte LtHash16 accumulator.
class LtHash {
public:
    static constexpr std::size_t lanes = 1024;
    using Element = std::array<std::uint16_t, lanes>;
    // A record's element: its key and value expanded to 2048 bytes.
    static Element element(ByteView key, ByteView value);
    void add(ByteView key, ByteView value) { add(element(key, value)); }
    void remove(ByteView key, ByteView value) { remove(element(key, value)); }
    void add(const Element& e);
    void remove(const Element& e);
    Hash256 digest() const;
    bool operator==(const LtHash&) const = default;

private:
    Element sum_{};
};

// The elements of the records last added to a State's digest, so that taking
// a record's value out at its next change needs no second expansion (most
// changes hit the same few records: a venue's treasury, its staff). Direct
// mapped by key, bounded; a copy starts empty (it is only a cache).
class LtHashMemo {
public:
    static constexpr std::size_t slots = 4096;  // 2 KiB each, allocated on first use
    LtHashMemo() = default;
    LtHashMemo(const LtHashMemo&) {}
    LtHashMemo& operator=(const LtHashMemo&) { return *this; }
    LtHashMemo(LtHashMemo&&) noexcept = default;
    LtHashMemo& operator=(LtHashMemo&&) noexcept = default;
    // The element of exactly (key, value), if remembered.
    const LtHash::Element* find(ByteView key, ByteView value) const;
    void put(ByteView key, ByteView value, const LtHash::Element& e);

private:
    struct Slot {
        Bytes key;
        Bytes value;
        LtHash::Element element;
    };
    static std::size_t slot_of(ByteView key);
    std::vector<Slot> slots_;  // empty key: unused
};

class State {
public:
    // --- reads ---
    const VenueRecord* venue(std::string_view ticker) const;
    const Product* product(std::string_view ticker, std::uint32_t id) const;
    const StaffRecord* staff(std::string_view ticker, const PublicKey& key) const;
    Amount balance(std::string_view ticker, const Account& account) const;
    const Binding* binding(const PhoneRef& phone) const;
    const PendingRebind* pending_rebind(const PhoneRef& phone) const;

    // --- bonus programmes (ledger/programme.h) ---
    // The version in force at time_s: the latest whose effective_from_s <= time_s.
    const loyalty::Programme* programme_in_force(std::string_view ticker, std::uint64_t time_s) const;
    const loyalty::Programme* programme_latest(std::string_view ticker) const;
    const loyalty::Programme* programme(std::string_view ticker, std::uint32_t version) const;
    std::vector<loyalty::Programme> programmes(std::string_view ticker) const;  // ascending version
    const loyalty::Client* loyalty_client(std::string_view ticker, const Account& a) const;
    std::vector<std::pair<Account, loyalty::Client>> loyalty_clients(std::string_view ticker) const;
    const loyalty::PurchaseRecord* purchase(std::string_view ticker, const Hash256& id) const;
    std::optional<Account> card_holder(std::string_view ticker, std::string_view card) const;
    Amount gifts_in_month(std::string_view ticker, std::uint32_t month) const;
    // The earliest queued event, and every event due at or before `time_s`, in order.
    std::optional<DueEvent> next_event() const;
    std::vector<DueEvent> events_due(std::uint64_t time_s) const;
    // Those due after `after_s` and at or before `until_s`, in the queue's order.
    std::vector<DueEvent> events_between(std::uint64_t after_s, std::uint64_t until_s) const;

    std::vector<std::string> tickers() const;
    std::vector<Product> products(std::string_view ticker) const;
    std::vector<std::pair<PublicKey, StaffRecord>> staff_list(std::string_view ticker) const;
    std::size_t product_count(std::string_view ticker) const;
    std::size_t staff_count(std::string_view ticker) const;
    // (ticker, balance) for every coin the account holds, by ticker.
    std::vector<std::pair<std::string, Amount>> balances_of(const Account& account) const;
    // Sum of all balances of each coin, overflow-checked (nullopt on overflow,
    // which would itself be a broken invariant).
    std::optional<std::map<std::string, Amount>> coin_totals() const;
    // Every balance of one coin.
    std::vector<std::pair<Account, Amount>> holders(std::string_view ticker) const;
    // How many accounts hold the coin (a positive balance), and the sum they
    // hold: kept as balances change, so the owner's statistics cost O(staff)
    // rather than a walk over every balance of every coin.
    std::size_t holder_count(std::string_view ticker) const;
    Amount coin_total(std::string_view ticker) const;  // saturating: a sum past 2^64 is itself damage

    // The digest of every record. Writes reach the lattice hash lazily: at
    // update_digest() or clear_journal(), once per key however often it
    // changed (a staff member's balance moves several times a block). A
    // digest taken before that folds the pending writes into a copy.
    Hash256 digest() const;
    // Folds the journalled writes not yet in the lattice hash into it.
    void update_digest();
    std::size_t record_count() const { return record_count_; }

    // --- writes (journalled) ---
    void put_venue(const std::string& ticker, const VenueRecord& v);
    void put_product(const std::string& ticker, const Product& p);
    void erase_product(const std::string& ticker, std::uint32_t id);
    void put_staff(const std::string& ticker, const PublicKey& key, const StaffRecord& s);
    void erase_staff(const std::string& ticker, const PublicKey& key);
    // A zero balance is no record at all.
    void set_balance(const std::string& ticker, const Account& account, Amount amount);
    void put_binding(const PhoneRef& phone, const Binding& b);
    void put_pending_rebind(const PhoneRef& phone, const PendingRebind& r);
    void erase_pending_rebind(const PhoneRef& phone);
    void put_programme(const std::string& ticker, const loyalty::Programme& p);
    void put_loyalty_client(const std::string& ticker, const Account& a, const loyalty::Client& c);
    void put_purchase(const std::string& ticker, const Hash256& id, const loyalty::PurchaseRecord& p);
    void put_card(const std::string& ticker, const std::string& card, const Account& holder);
    void put_gifts_in_month(const std::string& ticker, std::uint32_t month, Amount total);
    void schedule_event(const DueEvent& e);
    void erase_event(const DueEvent& e);

    // --- replay window: ids whose expiry has not passed ---
    bool tx_seen(const Hash256& id) const { return window_txs_.contains(id); }
    bool voucher_used(const Hash256& id) const { return window_vouchers_.contains(id); }
    // Each inserts an absent id (journalled); an id already seen keeps its
    // first expiry.
    void remember_tx(const Hash256& id, std::uint64_t expiry_s);
    void remember_voucher(const Hash256& id, std::uint64_t expiry_s);
    // Forgets ids that expired before now_s; they can never be valid again.
    // Not journalled: a rollback does not bring them back.
    void prune_window(std::uint64_t now_s);
    // Ids in the window, both kinds (metrics, tests).
    std::size_t window_size() const { return window_txs_.size() + window_vouchers_.size(); }

    // --- journal ---
    struct Mark {
        std::size_t undo;
        std::size_t window_undo;
    };
    Mark mark() const { return {undo_.size(), window_undo_.size()}; }
    void rollback_to(Mark m);
    // The records changed since the journal was last cleared (key -> new
    // value, nullopt when erased), in key order.
    std::map<Bytes, std::optional<Bytes>, BytesLess> changes() const;
    // Makes everything since the last clear permanent (after the store has
    // synced the block): no rollback past this point.
    void clear_journal();

    // --- snapshots ---
    // Adds one stored record (startup, audit); throws DecodeError when the key
    // or value is malformed or duplicates one already loaded.
    void load_record(ByteView key, ByteView value);
    void for_each_record(const std::function<void(const Bytes& key, const Bytes& value)>& fn) const;

private:
    struct VenueEntry {
        VenueRecord record;
        std::map<std::uint32_t, Product> products;
        std::map<PublicKey, StaffRecord> staff;
    };
    struct BalanceKey {
        std::string ticker;
        Account account;
        bool operator==(const BalanceKey&) const = default;
    };
    struct BalanceKeyHash {
        std::size_t operator()(const BalanceKey& k) const noexcept;
    };
    struct Undo {
        Bytes key;
        std::optional<Bytes> old_value;
        std::optional<Bytes> new_value;
    };
    enum class WindowKind : std::uint8_t { tx, voucher };

    void record_write(Bytes key, std::optional<Bytes> old_value, std::optional<Bytes> new_value);
    // Sets the typed maps from a record without journalling or hashing.
    void set_typed(ByteView key, const std::optional<Bytes>& value);

    std::map<std::string, VenueEntry, std::less<>> venues_;
    std::unordered_map<BalanceKey, Amount, BalanceKeyHash> balances_;
    // Sum of every balance of each coin, kept as balances change so the
    // supply check after each block costs O(coins), not O(accounts). 128
    // bits: a damaged state whose sum overflows 64 bits is still reported.
    __extension__ using Total = unsigned __int128;
    std::map<std::string, Total, std::less<>> coin_totals_;
    std::map<std::string, std::size_t, std::less<>> holder_counts_;
    // One balance of `ticker` going from `removed` to `added`: the coin's sum
    // and holder count follow it.
    void change_total(const std::string& ticker, Amount removed, Amount added);
    std::unordered_map<PhoneRef, Binding, Hash256Hasher> bindings_;
    std::unordered_map<PhoneRef, PendingRebind, Hash256Hasher> rebinds_;
    struct TickerAccount {
        std::string ticker;
        Account account;
        auto operator<=>(const TickerAccount&) const = default;
    };
    std::map<std::string, std::map<std::uint32_t, loyalty::Programme>, std::less<>> programmes_;
    std::map<TickerAccount, loyalty::Client> clients_;
    std::map<std::pair<std::string, Hash256>, loyalty::PurchaseRecord> purchases_;
    std::map<std::pair<std::string, std::string>, Account> cards_;
    std::map<std::pair<std::string, std::uint32_t>, Amount> gift_months_;
    std::set<DueEvent> events_;
    LtHash lthash_;
    std::size_t record_count_ = 0;

    std::vector<Undo> undo_;
    // undo_[0, hashed_) are in lthash_; the rest wait for update_digest().
    std::size_t hashed_ = 0;
    // Adds the net change of undo_[from, undo_.size()) to `h`, with `memo`
    // (when given) remembering and supplying elements.
    void fold_writes(std::size_t from, LtHash& h, LtHashMemo* memo) const;
    LtHashMemo lthash_memo_;  // used by update_digest only: digest() const may run on many threads
    IdWindow window_txs_;
    IdWindow window_vouchers_;
    // Which window each journalled insert went to, oldest first (each window
    // journals its own inserts). One list for both keeps a Mark one position
    // in one sequence, as it always was.
    std::vector<WindowKind> window_undo_;
};

// Canonical record keys and values, shared with the store and the audit.
namespace record {
Bytes venue_key(std::string_view ticker);
Bytes product_key(std::string_view ticker, std::uint32_t id);
Bytes staff_key(std::string_view ticker, const PublicKey& key);
Bytes balance_key(std::string_view ticker, const Account& account);
Bytes binding_key(const PhoneRef& phone);
Bytes rebind_key(const PhoneRef& phone);
Bytes programme_key(std::string_view ticker, std::uint32_t version);
Bytes loyalty_client_key(std::string_view ticker, const Account& account);
Bytes purchase_key(std::string_view ticker, const Hash256& id);
Bytes card_key(std::string_view ticker, std::string_view card);
Bytes gift_month_key(std::string_view ticker, std::uint32_t month);
Bytes event_key(const DueEvent& e);
}  // namespace record

}  // namespace kopilka::ledger
