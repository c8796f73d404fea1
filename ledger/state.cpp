#include "ledger/state.h"

#include "ledger/codec.h"
#include "ledger/programme_codec.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <limits>
#include <stdexcept>

namespace kopilka::ledger {

namespace {

constexpr std::uint8_t tag_venue = 'V';
constexpr std::uint8_t tag_product = 'P';
constexpr std::uint8_t tag_staff = 'S';
constexpr std::uint8_t tag_balance = 'B';
constexpr std::uint8_t tag_binding = 'H';
constexpr std::uint8_t tag_rebind = 'R';
constexpr std::uint8_t tag_programme = 'G';
constexpr std::uint8_t tag_loyalty_client = 'C';
constexpr std::uint8_t tag_purchase = 'U';
constexpr std::uint8_t tag_card = 'K';
constexpr std::uint8_t tag_gift_month = 'M';
constexpr std::uint8_t tag_event = 'E';
constexpr std::string_view lthash_element_tag = "kopilka/state-record/v1";
constexpr std::string_view lthash_digest_tag = "kopilka/state/v1";

// Expands one record into 2048 pseudo-random bytes: BLAKE2b-256 of the
// (length-prefixed) key and value seeds a ChaCha20 stream.
void lthash_element(ByteView key, ByteView value, std::array<std::uint16_t, LtHash::lanes>& out) {
    Blake2b256 h;
    h.update(as_bytes(lthash_element_tag));
    Writer len;
    len.u32(static_cast<std::uint32_t>(key.size()));
    h.update(len.bytes()).update(key).update(value);
    const Hash256 seed = h.finish();
    static const std::array<std::uint8_t, crypto_stream_chacha20_ietf_NONCEBYTES> zero_nonce{};
    std::array<std::uint8_t, LtHash::lanes * 2> stream;
    crypto_stream_chacha20_ietf(stream.data(), stream.size(), zero_nonce.data(), seed.data());
    for (std::size_t i = 0; i < LtHash::lanes; ++i)
        out[i] = static_cast<std::uint16_t>(stream[2 * i] | stream[2 * i + 1] << 8);
}

Bytes encode_venue(const VenueRecord& v) {
    Writer w;
    w.key(v.owner);
    write_profile(w, v.profile);
    return std::move(w).take();
}

Bytes encode_product(const Product& p) {
    Writer w;
    write_product(w, p);
    return std::move(w).take();
}

Bytes encode_staff(const StaffRecord& s) {
    Writer w;
    write_role(w, s.role);
    write_limits(w, s.limits);
    w.u64(s.day).u64(s.given_today).u64(s.allowance);
    return std::move(w).take();
}

Bytes encode_balance(Amount a) {
    Writer w;
    w.u64(a);
    return std::move(w).take();
}

Bytes encode_binding(const Binding& b) {
    Writer w;
    w.key(b.key).u32(b.sequence);
    return std::move(w).take();
}

Bytes encode_rebind(const PendingRebind& r) {
    Writer w;
    w.key(r.key).u64(r.effective_s);
    return std::move(w).take();
}

}  // namespace

// --- LtHash ---

LtHash::Element LtHash::element(ByteView key, ByteView value) {
    Element e;
    lthash_element(key, value, e);
    return e;
}

void LtHash::add(const Element& e) {
    for (std::size_t i = 0; i < lanes; ++i) sum_[i] = static_cast<std::uint16_t>(sum_[i] + e[i]);
}

void LtHash::remove(const Element& e) {
    for (std::size_t i = 0; i < lanes; ++i) sum_[i] = static_cast<std::uint16_t>(sum_[i] - e[i]);
}

std::size_t LtHashMemo::slot_of(ByteView key) {
    return BytesHash{}(key) % slots;
}

const LtHash::Element* LtHashMemo::find(ByteView key, ByteView value) const {
    if (slots_.empty() || key.empty()) return nullptr;
    const Slot& s = slots_[slot_of(key)];
    if (!std::equal(key.begin(), key.end(), s.key.begin(), s.key.end()) ||
        !std::equal(value.begin(), value.end(), s.value.begin(), s.value.end()))
        return nullptr;
    return &s.element;
}

void LtHashMemo::put(ByteView key, ByteView value, const LtHash::Element& e) {
    if (key.empty()) return;
    if (slots_.empty()) slots_.resize(slots);
    Slot& s = slots_[slot_of(key)];
    s.key.assign(key.begin(), key.end());
    s.value.assign(value.begin(), value.end());
    s.element = e;
}

Hash256 LtHash::digest() const {
    std::array<std::uint8_t, lanes * 2> bytes;
    for (std::size_t i = 0; i < lanes; ++i) {
        bytes[2 * i] = static_cast<std::uint8_t>(sum_[i]);
        bytes[2 * i + 1] = static_cast<std::uint8_t>(sum_[i] >> 8);
    }
    return Blake2b256().update(as_bytes(lthash_digest_tag)).update(bytes).finish();
}

// --- record keys ---

namespace record {
Bytes venue_key(std::string_view ticker) {
    Writer w;
    w.u8(tag_venue);
    write_ticker(w, ticker);
    return std::move(w).take();
}
Bytes product_key(std::string_view ticker, std::uint32_t id) {
    Writer w;
    w.u8(tag_product);
    write_ticker(w, ticker);
    w.u32(id);
    return std::move(w).take();
}
Bytes staff_key(std::string_view ticker, const PublicKey& key) {
    Writer w;
    w.u8(tag_staff);
    write_ticker(w, ticker);
    w.key(key);
    return std::move(w).take();
}
Bytes balance_key(std::string_view ticker, const Account& account) {
    Writer w;
    w.u8(tag_balance);
    write_ticker(w, ticker);
    write_account(w, account);
    return std::move(w).take();
}
Bytes binding_key(const PhoneRef& phone) {
    Writer w;
    w.u8(tag_binding).hash(phone);
    return std::move(w).take();
}
Bytes rebind_key(const PhoneRef& phone) {
    Writer w;
    w.u8(tag_rebind).hash(phone);
    return std::move(w).take();
}
Bytes programme_key(std::string_view ticker, std::uint32_t version) {
    Writer w;
    w.u8(tag_programme);
    write_ticker(w, ticker);
    w.u32(version);
    return std::move(w).take();
}
Bytes loyalty_client_key(std::string_view ticker, const Account& account) {
    Writer w;
    w.u8(tag_loyalty_client);
    write_ticker(w, ticker);
    write_account(w, account);
    return std::move(w).take();
}
Bytes purchase_key(std::string_view ticker, const Hash256& id) {
    Writer w;
    w.u8(tag_purchase);
    write_ticker(w, ticker);
    w.hash(id);
    return std::move(w).take();
}
Bytes card_key(std::string_view ticker, std::string_view card) {
    Writer w;
    w.u8(tag_card);
    write_ticker(w, ticker);
    w.text(card);
    return std::move(w).take();
}
Bytes gift_month_key(std::string_view ticker, std::uint32_t month) {
    Writer w;
    w.u8(tag_gift_month);
    write_ticker(w, ticker);
    w.u32(month);
    return std::move(w).take();
}
// Big-endian due time first, so the store's key order is the order events run in.
Bytes event_key(const DueEvent& e) {
    Writer w;
    w.u8(tag_event).u64(e.due_s).u8(static_cast<std::uint8_t>(e.kind));
    write_ticker(w, e.ticker);
    write_account(w, e.account);
    return std::move(w).take();
}
}  // namespace record

// --- bonus programme records ---

const loyalty::Programme* State::programme_in_force(std::string_view ticker, std::uint64_t time_s) const {
    auto it = programmes_.find(ticker);
    if (it == programmes_.end()) return nullptr;
    const loyalty::Programme* found = nullptr;
    for (const auto& [v, p] : it->second)
        if (p.effective_from_s <= time_s) found = &p;
    return found;
}

const loyalty::Programme* State::programme_latest(std::string_view ticker) const {
    auto it = programmes_.find(ticker);
    if (it == programmes_.end() || it->second.empty()) return nullptr;
    return &it->second.rbegin()->second;
}

const loyalty::Programme* State::programme(std::string_view ticker, std::uint32_t version) const {
    auto it = programmes_.find(ticker);
    if (it == programmes_.end()) return nullptr;
    auto v = it->second.find(version);
    return v == it->second.end() ? nullptr : &v->second;
}

std::vector<loyalty::Programme> State::programmes(std::string_view ticker) const {
    std::vector<loyalty::Programme> out;
    if (auto it = programmes_.find(ticker); it != programmes_.end())
        for (const auto& [v, p] : it->second) out.push_back(p);
    return out;
}

const loyalty::Client* State::loyalty_client(std::string_view ticker, const Account& a) const {
    auto it = clients_.find(TickerAccount{std::string(ticker), a});
    return it == clients_.end() ? nullptr : &it->second;
}

std::vector<std::pair<Account, loyalty::Client>> State::loyalty_clients(std::string_view ticker) const {
    std::vector<std::pair<Account, loyalty::Client>> out;
    for (auto it = clients_.lower_bound(TickerAccount{std::string(ticker), Account{Account::Kind::key, {}}});
         it != clients_.end() && it->first.ticker == ticker; ++it)
        out.emplace_back(it->first.account, it->second);
    return out;
}

const loyalty::PurchaseRecord* State::purchase(std::string_view ticker, const Hash256& id) const {
    auto it = purchases_.find({std::string(ticker), id});
    return it == purchases_.end() ? nullptr : &it->second;
}

std::optional<Account> State::card_holder(std::string_view ticker, std::string_view card) const {
    auto it = cards_.find({std::string(ticker), std::string(card)});
    if (it == cards_.end()) return std::nullopt;
    return it->second;
}

Amount State::gifts_in_month(std::string_view ticker, std::uint32_t month) const {
    auto it = gift_months_.find({std::string(ticker), month});
    return it == gift_months_.end() ? 0 : it->second;
}

std::optional<DueEvent> State::next_event() const {
    if (events_.empty()) return std::nullopt;
    return *events_.begin();
}

std::vector<DueEvent> State::events_due(std::uint64_t time_s) const {
    std::vector<DueEvent> out;
    for (const auto& e : events_) {
        if (e.due_s > time_s) break;
        out.push_back(e);
    }
    return out;
}

std::vector<DueEvent> State::events_between(std::uint64_t after_s, std::uint64_t until_s) const {
    std::vector<DueEvent> out;
    if (until_s <= after_s) return out;
    // The queue is ordered by due time first: start at the first one due after after_s.
    const DueEvent first{after_s + 1, static_cast<loyalty::EventKind>(0), {}, {}};
    for (auto it = events_.lower_bound(first); it != events_.end() && it->due_s <= until_s; ++it) out.push_back(*it);
    return out;
}

namespace {
Bytes encode_account_value(const Account& a) {
    Writer w;
    write_account(w, a);
    return std::move(w).take();
}
Bytes encode_amount_value(Amount a) {
    Writer w;
    w.u64(a);
    return std::move(w).take();
}
}  // namespace

void State::put_programme(const std::string& ticker, const loyalty::Programme& p) {
    std::optional<Bytes> old;
    auto& versions = programmes_[ticker];
    if (auto it = versions.find(p.version); it != versions.end()) old = loyalty::encode_programme(it->second);
    record_write(record::programme_key(ticker, p.version), std::move(old), loyalty::encode_programme(p));
    versions[p.version] = p;
}

void State::put_loyalty_client(const std::string& ticker, const Account& a, const loyalty::Client& c) {
    TickerAccount k{ticker, a};
    std::optional<Bytes> old;
    if (auto it = clients_.find(k); it != clients_.end()) {
        if (it->second == c) return;
        old = loyalty::encode_client(it->second);
    }
    record_write(record::loyalty_client_key(ticker, a), std::move(old), loyalty::encode_client(c));
    clients_[k] = c;
}

void State::put_purchase(const std::string& ticker, const Hash256& id, const loyalty::PurchaseRecord& p) {
    std::optional<Bytes> old;
    if (auto it = purchases_.find({ticker, id}); it != purchases_.end()) old = loyalty::encode_purchase_record(it->second);
    record_write(record::purchase_key(ticker, id), std::move(old), loyalty::encode_purchase_record(p));
    purchases_[{ticker, id}] = p;
}

void State::put_card(const std::string& ticker, const std::string& card, const Account& holder) {
    std::optional<Bytes> old;
    if (auto it = cards_.find({ticker, card}); it != cards_.end()) old = encode_account_value(it->second);
    record_write(record::card_key(ticker, card), std::move(old), encode_account_value(holder));
    cards_[{ticker, card}] = holder;
}

void State::put_gifts_in_month(const std::string& ticker, std::uint32_t month, Amount total) {
    std::optional<Bytes> old;
    auto it = gift_months_.find({ticker, month});
    if (it != gift_months_.end()) old = encode_amount_value(it->second);
    std::optional<Bytes> now;
    if (total != 0) now = encode_amount_value(total);
    if (!old && !now) return;
    record_write(record::gift_month_key(ticker, month), std::move(old), std::move(now));
    if (total == 0)
        gift_months_.erase({ticker, month});
    else
        gift_months_[{ticker, month}] = total;
}

void State::schedule_event(const DueEvent& e) {
    if (events_.contains(e)) return;
    record_write(record::event_key(e), std::nullopt, Bytes{});
    events_.insert(e);
}

void State::erase_event(const DueEvent& e) {
    if (!events_.contains(e)) return;
    record_write(record::event_key(e), Bytes{}, std::nullopt);
    events_.erase(e);
}

// --- reads ---

std::size_t State::BalanceKeyHash::operator()(const BalanceKey& k) const noexcept {
    std::size_t h;
    std::memcpy(&h, k.account.bytes.data(), sizeof h);
    return h ^ std::hash<std::string>{}(k.ticker);
}

const VenueRecord* State::venue(std::string_view ticker) const {
    auto it = venues_.find(ticker);
    return it == venues_.end() ? nullptr : &it->second.record;
}

const Product* State::product(std::string_view ticker, std::uint32_t id) const {
    auto it = venues_.find(ticker);
    if (it == venues_.end()) return nullptr;
    auto p = it->second.products.find(id);
    return p == it->second.products.end() ? nullptr : &p->second;
}

const StaffRecord* State::staff(std::string_view ticker, const PublicKey& key) const {
    auto it = venues_.find(ticker);
    if (it == venues_.end()) return nullptr;
    auto s = it->second.staff.find(key);
    return s == it->second.staff.end() ? nullptr : &s->second;
}

Amount State::balance(std::string_view ticker, const Account& account) const {
    auto it = balances_.find(BalanceKey{std::string(ticker), account});
    return it == balances_.end() ? 0 : it->second;
}

const Binding* State::binding(const PhoneRef& phone) const {
    auto it = bindings_.find(phone);
    return it == bindings_.end() ? nullptr : &it->second;
}

const PendingRebind* State::pending_rebind(const PhoneRef& phone) const {
    auto it = rebinds_.find(phone);
    return it == rebinds_.end() ? nullptr : &it->second;
}

std::vector<std::string> State::tickers() const {
    std::vector<std::string> out;
    for (const auto& [t, _] : venues_) out.push_back(t);
    return out;
}

std::vector<Product> State::products(std::string_view ticker) const {
    std::vector<Product> out;
    if (auto it = venues_.find(ticker); it != venues_.end())
        for (const auto& [_, p] : it->second.products) out.push_back(p);
    return out;
}

std::vector<std::pair<PublicKey, StaffRecord>> State::staff_list(std::string_view ticker) const {
    std::vector<std::pair<PublicKey, StaffRecord>> out;
    if (auto it = venues_.find(ticker); it != venues_.end())
        for (const auto& [k, s] : it->second.staff) out.emplace_back(k, s);
    return out;
}

std::size_t State::product_count(std::string_view ticker) const {
    auto it = venues_.find(ticker);
    return it == venues_.end() ? 0 : it->second.products.size();
}

std::size_t State::staff_count(std::string_view ticker) const {
    auto it = venues_.find(ticker);
    return it == venues_.end() ? 0 : it->second.staff.size();
}

std::vector<std::pair<std::string, Amount>> State::balances_of(const Account& account) const {
    std::vector<std::pair<std::string, Amount>> out;
    for (const auto& [ticker, _] : venues_)
        if (Amount a = balance(ticker, account); a > 0) out.emplace_back(ticker, a);
    return out;
}

std::optional<std::map<std::string, Amount>> State::coin_totals() const {
    std::map<std::string, Amount> totals;
    for (const auto& [t, _] : venues_) totals[t] = 0;
    for (const auto& [t, sum] : coin_totals_) {
        if (sum > std::numeric_limits<Amount>::max()) return std::nullopt;
        totals[t] = static_cast<Amount>(sum);
    }
    return totals;
}

void State::change_total(const std::string& ticker, Amount removed, Amount added) {
    if (removed == added) return;
    auto it = coin_totals_.find(ticker);
    if (it == coin_totals_.end()) it = coin_totals_.emplace(ticker, Total{0}).first;
    it->second = it->second - removed + added;  // removed is part of the sum: no wrap
    if (it->second == 0) coin_totals_.erase(it);
    if ((removed == 0) == (added == 0)) return;  // a holder before and after, or neither
    auto held = holder_counts_.try_emplace(ticker, 0).first;
    if (added > 0)
        ++held->second;
    else if (--held->second == 0)
        holder_counts_.erase(held);
}

std::size_t State::holder_count(std::string_view ticker) const {
    auto it = holder_counts_.find(ticker);
    return it == holder_counts_.end() ? 0 : it->second;
}

Amount State::coin_total(std::string_view ticker) const {
    auto it = coin_totals_.find(ticker);
    if (it == coin_totals_.end()) return 0;
    return it->second > std::numeric_limits<Amount>::max() ? std::numeric_limits<Amount>::max()
                                                           : static_cast<Amount>(it->second);
}

std::vector<std::pair<Account, Amount>> State::holders(std::string_view ticker) const {
    std::vector<std::pair<Account, Amount>> out;
    for (const auto& [k, a] : balances_)
        if (k.ticker == ticker) out.emplace_back(k.account, a);
    std::sort(out.begin(), out.end());
    return out;
}

// --- writes ---

void State::record_write(Bytes key, std::optional<Bytes> old_value, std::optional<Bytes> new_value) {
    if (old_value == new_value) return;
    if (old_value) --record_count_;
    if (new_value) ++record_count_;
    undo_.push_back(Undo{std::move(key), std::move(old_value), std::move(new_value)});
}

// Each journalled write's old value is the new value of the write before it
// to the same key, so a key's writes telescope: in the lattice hash (a sum)
// they amount to its first old value out and its last new value in.
void State::fold_writes(std::size_t from, LtHash& h, LtHashMemo* memo) const {
    std::vector<std::size_t> order(undo_.size() - from);
    std::iota(order.begin(), order.end(), from);
    // By key, then journal order (the indices are distinct, so this is total).
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const Bytes& x = undo_[a].key;
        const Bytes& y = undo_[b].key;
        return x != y ? BytesLess{}(x, y) : a < b;
    });
    for (std::size_t i = 0; i < order.size();) {
        std::size_t last = i;
        while (last + 1 < order.size() && undo_[order[last + 1]].key == undo_[order[i]].key) ++last;
        const Undo& first_write = undo_[order[i]];
        const Undo& last_write = undo_[order[last]];
        if (first_write.old_value != last_write.new_value) {
            const Bytes& key = first_write.key;
            if (const auto& old = first_write.old_value) {
                if (const LtHash::Element* e = memo ? memo->find(key, *old) : nullptr)
                    h.remove(*e);
                else
                    h.remove(key, *old);
            }
            if (const auto& now = last_write.new_value) {
                const LtHash::Element e = LtHash::element(key, *now);
                h.add(e);
                if (memo) memo->put(key, *now, e);
            }
        }
        i = last + 1;
    }
}

void State::update_digest() {
    if (hashed_ == undo_.size()) return;
    fold_writes(hashed_, lthash_, &lthash_memo_);
    hashed_ = undo_.size();
}

Hash256 State::digest() const {
    if (hashed_ == undo_.size()) return lthash_.digest();
    LtHash h = lthash_;
    fold_writes(hashed_, h, nullptr);
    return h.digest();
}

void State::put_venue(const std::string& ticker, const VenueRecord& v) {
    auto it = venues_.find(ticker);
    std::optional<Bytes> old;
    if (it != venues_.end()) old = encode_venue(it->second.record);
    record_write(record::venue_key(ticker), std::move(old), encode_venue(v));
    venues_[ticker].record = v;
}

void State::put_product(const std::string& ticker, const Product& p) {
    auto& entry = venues_.at(ticker);
    std::optional<Bytes> old;
    if (auto it = entry.products.find(p.id); it != entry.products.end()) old = encode_product(it->second);
    record_write(record::product_key(ticker, p.id), std::move(old), encode_product(p));
    entry.products[p.id] = p;
}

void State::erase_product(const std::string& ticker, std::uint32_t id) {
    auto& entry = venues_.at(ticker);
    auto it = entry.products.find(id);
    if (it == entry.products.end()) return;
    record_write(record::product_key(ticker, id), encode_product(it->second), std::nullopt);
    entry.products.erase(it);
}

void State::put_staff(const std::string& ticker, const PublicKey& key, const StaffRecord& s) {
    auto& entry = venues_.at(ticker);
    std::optional<Bytes> old;
    if (auto it = entry.staff.find(key); it != entry.staff.end()) old = encode_staff(it->second);
    record_write(record::staff_key(ticker, key), std::move(old), encode_staff(s));
    entry.staff[key] = s;
}

void State::erase_staff(const std::string& ticker, const PublicKey& key) {
    auto& entry = venues_.at(ticker);
    auto it = entry.staff.find(key);
    if (it == entry.staff.end()) return;
    record_write(record::staff_key(ticker, key), encode_staff(it->second), std::nullopt);
    entry.staff.erase(it);
}

void State::set_balance(const std::string& ticker, const Account& account, Amount amount) {
    BalanceKey k{ticker, account};
    auto it = balances_.find(k);
    std::optional<Bytes> old;
    if (it != balances_.end()) old = encode_balance(it->second);
    std::optional<Bytes> now;
    if (amount != 0) now = encode_balance(amount);
    record_write(record::balance_key(ticker, account), std::move(old), std::move(now));
    change_total(ticker, it == balances_.end() ? 0 : it->second, amount);
    if (amount == 0) {
        if (it != balances_.end()) balances_.erase(it);
    } else if (it != balances_.end()) {
        it->second = amount;
    } else {
        balances_.emplace(std::move(k), amount);
    }
}

void State::put_binding(const PhoneRef& phone, const Binding& b) {
    auto it = bindings_.find(phone);
    std::optional<Bytes> old;
    if (it != bindings_.end()) old = encode_binding(it->second);
    record_write(record::binding_key(phone), std::move(old), encode_binding(b));
    bindings_[phone] = b;
}

void State::put_pending_rebind(const PhoneRef& phone, const PendingRebind& r) {
    auto it = rebinds_.find(phone);
    std::optional<Bytes> old;
    if (it != rebinds_.end()) old = encode_rebind(it->second);
    record_write(record::rebind_key(phone), std::move(old), encode_rebind(r));
    rebinds_[phone] = r;
}

void State::erase_pending_rebind(const PhoneRef& phone) {
    auto it = rebinds_.find(phone);
    if (it == rebinds_.end()) return;
    record_write(record::rebind_key(phone), encode_rebind(it->second), std::nullopt);
    rebinds_.erase(it);
}

// --- replay window ---

void State::remember_tx(const Hash256& id, std::uint64_t expiry_s) {
    if (window_txs_.insert(id, expiry_s)) window_undo_.push_back(WindowKind::tx);
}

void State::remember_voucher(const Hash256& id, std::uint64_t expiry_s) {
    if (window_vouchers_.insert(id, expiry_s)) window_undo_.push_back(WindowKind::voucher);
}

void State::prune_window(std::uint64_t now_s) {
    window_txs_.prune(now_s);
    window_vouchers_.prune(now_s);
}

// --- journal ---

void State::rollback_to(Mark m) {
    while (undo_.size() > m.undo) {
        Undo u = std::move(undo_.back());
        undo_.pop_back();
        if (undo_.size() < hashed_) {  // already in the lattice hash: take it out
            if (u.new_value) lthash_.remove(u.key, *u.new_value);
            if (u.old_value) lthash_.add(u.key, *u.old_value);
            hashed_ = undo_.size();
        }
        if (u.new_value) --record_count_;
        if (u.old_value) ++record_count_;
        set_typed(u.key, u.old_value);
    }
    // The two windows are independent sets (the same bytes may be in both),
    // so undoing each one's tail on its own is the same as undoing the
    // interleaved inserts newest first.
    std::size_t txs = 0;
    std::size_t vouchers = 0;
    while (window_undo_.size() > m.window_undo) {
        ++(window_undo_.back() == WindowKind::tx ? txs : vouchers);
        window_undo_.pop_back();
    }
    window_txs_.rollback_to(window_txs_.mark() - txs);
    window_vouchers_.rollback_to(window_vouchers_.mark() - vouchers);
}

std::map<Bytes, std::optional<Bytes>, BytesLess> State::changes() const {
    std::map<Bytes, std::optional<Bytes>, BytesLess> out;
    for (const auto& u : undo_) out[u.key] = u.new_value;
    return out;
}

void State::clear_journal() {
    update_digest();
    undo_.clear();
    hashed_ = 0;
    if (window_undo_.capacity() > IdWindow::journal_kept_entries_max)
        std::vector<WindowKind>().swap(window_undo_);  // gives the buffer back
    else
        window_undo_.clear();
    window_txs_.clear_journal();
    window_vouchers_.clear_journal();
}

// --- snapshots ---

void State::set_typed(ByteView key, const std::optional<Bytes>& value) {
    Reader k(key);
    const std::uint8_t tag = k.u8();
    auto read_value = [&](auto&& fn) {
        Reader v(*value);
        fn(v);
        v.finish();
    };
    switch (tag) {
        case tag_venue: {
            std::string ticker = read_ticker(k);
            k.finish();
            if (!value) {
                venues_.erase(ticker);
                return;
            }
            read_value([&](Reader& v) {
                VenueRecord rec;
                rec.owner = v.key();
                rec.profile = read_profile(v);
                venues_[ticker].record = rec;
            });
            return;
        }
        case tag_product: {
            std::string ticker = read_ticker(k);
            const std::uint32_t id = k.u32();
            k.finish();
            auto it = venues_.find(ticker);
            if (it == venues_.end()) throw DecodeError("product record for unknown venue " + ticker);
            if (!value) {
                it->second.products.erase(id);
                return;
            }
            read_value([&](Reader& v) {
                Product p = read_product(v);
                if (p.id != id) throw DecodeError("product record key and value disagree on the id");
                it->second.products[id] = p;
            });
            return;
        }
        case tag_staff: {
            std::string ticker = read_ticker(k);
            const PublicKey staff = k.key();
            k.finish();
            auto it = venues_.find(ticker);
            if (it == venues_.end()) throw DecodeError("staff record for unknown venue " + ticker);
            if (!value) {
                it->second.staff.erase(staff);
                return;
            }
            read_value([&](Reader& v) {
                StaffRecord s;
                s.role = read_role(v);
                s.limits = read_limits(v);
                s.day = v.u64();
                s.given_today = v.u64();
                s.allowance = v.u64();
                it->second.staff[staff] = s;
            });
            return;
        }
        case tag_balance: {
            BalanceKey bk{read_ticker(k), read_account(k)};
            k.finish();
            auto it = balances_.find(bk);
            const Amount before = it == balances_.end() ? 0 : it->second;
            if (!value) {
                if (it != balances_.end()) balances_.erase(it);
                change_total(bk.ticker, before, 0);
                return;
            }
            read_value([&](Reader& v) {
                const Amount a = v.u64();
                if (a == 0) throw DecodeError("zero balance stored as a record");
                change_total(bk.ticker, before, a);
                balances_[bk] = a;
            });
            return;
        }
        case tag_binding: {
            const PhoneRef phone = k.hash();
            k.finish();
            if (!value) {
                bindings_.erase(phone);
                return;
            }
            read_value([&](Reader& v) {
                Binding b;
                b.key = v.key();
                b.sequence = v.u32();
                bindings_[phone] = b;
            });
            return;
        }
        case tag_rebind: {
            const PhoneRef phone = k.hash();
            k.finish();
            if (!value) {
                rebinds_.erase(phone);
                return;
            }
            read_value([&](Reader& v) {
                PendingRebind r;
                r.key = v.key();
                r.effective_s = v.u64();
                rebinds_[phone] = r;
            });
            return;
        }
        case tag_programme: {
            std::string ticker = read_ticker(k);
            const std::uint32_t version = k.u32();
            k.finish();
            if (!value) {
                if (auto it = programmes_.find(ticker); it != programmes_.end()) {
                    it->second.erase(version);
                    if (it->second.empty()) programmes_.erase(it);
                }
                return;
            }
            read_value([&](Reader& v) {
                loyalty::Programme p = loyalty::read_programme(v);
                if (p.version != version) throw DecodeError("programme record key and value disagree on the version");
                programmes_[ticker][version] = std::move(p);
            });
            return;
        }
        case tag_loyalty_client: {
            TickerAccount ta{read_ticker(k), read_account(k)};
            k.finish();
            if (!value) {
                clients_.erase(ta);
                return;
            }
            clients_[ta] = loyalty::decode_client(*value);
            return;
        }
        case tag_purchase: {
            std::pair<std::string, Hash256> pk{read_ticker(k), k.hash()};
            k.finish();
            if (!value) {
                purchases_.erase(pk);
                return;
            }
            purchases_[pk] = loyalty::decode_purchase_record(*value);
            return;
        }
        case tag_card: {
            std::string ticker = read_ticker(k);
            std::string card = k.text(loyalty::card_bytes_max, "card");
            k.finish();
            if (!loyalty::valid_card(card)) throw DecodeError("card record for an invalid card number");
            if (!value) {
                cards_.erase({ticker, card});
                return;
            }
            read_value([&](Reader& v) { cards_[{ticker, card}] = read_account(v); });
            return;
        }
        case tag_gift_month: {
            std::pair<std::string, std::uint32_t> gk{read_ticker(k), k.u32()};
            k.finish();
            if (!value) {
                gift_months_.erase(gk);
                return;
            }
            read_value([&](Reader& v) {
                const Amount a = v.u64();
                if (a == 0) throw DecodeError("zero gift total stored as a record");
                gift_months_[gk] = a;
            });
            return;
        }
        case tag_event: {
            DueEvent e;
            e.due_s = k.u64();
            const std::uint8_t kind = k.u8();
            if (kind < 1 || kind > static_cast<std::uint8_t>(loyalty::EventKind::winback_gift))
                throw DecodeError("unknown event kind " + std::to_string(kind));
            e.kind = static_cast<loyalty::EventKind>(kind);
            e.ticker = read_ticker(k);
            e.account = read_account(k);
            k.finish();
            if (!value) {
                events_.erase(e);
                return;
            }
            if (!value->empty()) throw DecodeError("an event record holds no value");
            events_.insert(e);
            return;
        }
        default:
            throw DecodeError("unknown state record tag " + std::to_string(tag));
    }
}

void State::load_record(ByteView key, ByteView value) {
    // The store loads venue records before the others (Store::load_state), so
    // a product or staff record always finds its venue.
    set_typed(key, Bytes(value.begin(), value.end()));
    lthash_.add(key, value);
    ++record_count_;
}

void State::for_each_record(const std::function<void(const Bytes& key, const Bytes& value)>& fn) const {
    for (const auto& [ticker, entry] : venues_) {
        fn(record::venue_key(ticker), encode_venue(entry.record));
        for (const auto& [id, p] : entry.products) fn(record::product_key(ticker, id), encode_product(p));
        for (const auto& [k, s] : entry.staff) fn(record::staff_key(ticker, k), encode_staff(s));
    }
    for (const auto& [k, a] : balances_) fn(record::balance_key(k.ticker, k.account), encode_balance(a));
    for (const auto& [p, b] : bindings_) fn(record::binding_key(p), encode_binding(b));
    for (const auto& [p, r] : rebinds_) fn(record::rebind_key(p), encode_rebind(r));
    for (const auto& [ticker, versions] : programmes_)
        for (const auto& [v, p] : versions) fn(record::programme_key(ticker, v), loyalty::encode_programme(p));
    for (const auto& [k, c] : clients_) fn(record::loyalty_client_key(k.ticker, k.account), loyalty::encode_client(c));
    for (const auto& [k, p] : purchases_) fn(record::purchase_key(k.first, k.second), loyalty::encode_purchase_record(p));
    for (const auto& [k, a] : cards_) fn(record::card_key(k.first, k.second), encode_account_value(a));
    for (const auto& [k, a] : gift_months_) fn(record::gift_month_key(k.first, k.second), encode_amount_value(a));
    for (const auto& e : events_) fn(record::event_key(e), Bytes{});
}

}  // namespace kopilka::ledger
