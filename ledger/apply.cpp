#include "ledger/apply.h"

#include <algorithm>
#include <limits>

namespace kopilka::ledger {

namespace {

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};

std::unexpected<Refused> refuse(Refusal code, std::string message) {
    return std::unexpected(Refused{code, std::move(message)});
}

std::string coins(Amount a, std::string_view ticker) { return format_amount(a) + " " + std::string(ticker); }

using Outcome = std::expected<void, Refused>;

struct Applier {
    State& state;
    const BlockContext& ctx;
    const Tx& tx;
    Effects& fx;

    const VenueRecord* need_venue(std::string_view ticker, Refused& err) {
        const VenueRecord* v = state.venue(ticker);
        if (!v) err = {Refusal::unknown_ticker, "no venue has the coin " + std::string(ticker)};
        return v;
    }

    Outcome need_owner(std::string_view ticker) {
        Refused err{};
        const VenueRecord* v = need_venue(ticker, err);
        if (!v) return std::unexpected(err);
        if (v->owner != tx.signer)
            return refuse(Refusal::not_owner, "only the owner of " + std::string(ticker) + " may do this");
        return {};
    }

    // Keeps StaffRecord::allowance: what the treasury sends a member's key
    // account adds to it; whatever leaves that account takes from it first.
    // Every balance change goes through move(), so no path can miss it.
    void track_allowance(const std::string& ticker, const Account& from, const Account& to, Amount amount) {
        if (from.is_key())
            if (const StaffRecord* s = state.staff(ticker, from.key()); s && s->allowance > 0) {
                StaffRecord rec = *s;
                rec.allowance -= std::min(rec.allowance, amount);
                state.put_staff(ticker, from.key(), rec);
            }
        const VenueRecord* venue = state.venue(ticker);
        if (to.is_key() && venue && from == Account::of_key(venue->owner))
            if (const StaffRecord* s = state.staff(ticker, to.key())) {
                StaffRecord rec = *s;
                // Cannot pass the supply, but saturate rather than trust that.
                rec.allowance = rec.allowance > std::numeric_limits<Amount>::max() - amount
                                    ? std::numeric_limits<Amount>::max()
                                    : rec.allowance + amount;
                state.put_staff(ticker, to.key(), rec);
            }
    }

    // Moves `amount` between two accounts of one coin, overflow-checked.
    Outcome move(const std::string& ticker, const Account& from, const Account& to, Amount amount) {
        const Amount from_bal = state.balance(ticker, from);
        if (from_bal < amount)
            return refuse(Refusal::insufficient_balance, "insufficient balance: the account holds " +
                                                             coins(from_bal, ticker) + ", this needs " +
                                                             coins(amount, ticker));
        const Amount to_bal = state.balance(ticker, to);
        if (to_bal > std::numeric_limits<Amount>::max() - amount)
            return refuse(Refusal::overflow, "the receiving balance would overflow");
        state.set_balance(ticker, from, from_bal - amount);
        state.set_balance(ticker, to, to_bal + amount);
        track_allowance(ticker, from, to, amount);
        fx.movements.push_back(Movement{ticker, from, to, amount});
        fx.touched.push_back(from);
        fx.touched.push_back(to);
        return {};
    }

    // Whether `key` may spend from `account`: its own key account, or a phone
    // reference currently bound to it.
    bool controls(const PublicKey& key, const Account& account) const {
        if (account.is_key()) return account.key() == key;
        const Binding* b = state.binding(account.phone());
        return b && b->key == key;
    }

    Outcome operator()(const VenueCreate& b) {
        if (state.venue(b.ticker))
            return refuse(Refusal::ticker_taken, "the coin " + b.ticker + " already exists; choose another ticker");
        state.put_venue(b.ticker, VenueRecord{tx.signer, b.profile});
        const Account treasury = Account::of_key(tx.signer);
        state.set_balance(b.ticker, treasury, coin_supply_units);
        fx.touched.push_back(treasury);
        return {};
    }

    Outcome operator()(const VenueUpdate& b) {
        if (auto ok = need_owner(b.ticker); !ok) return ok;
        state.put_venue(b.ticker, VenueRecord{tx.signer, b.profile});
        return {};
    }

    Outcome operator()(const ProductUpsert& b) {
        if (auto ok = need_owner(b.ticker); !ok) return ok;
        if (!state.product(b.ticker, b.product.id) && state.product_count(b.ticker) >= catalogue_products_max)
            return refuse(Refusal::catalogue_full, "the catalogue already has " +
                                                       std::to_string(catalogue_products_max) +
                                                       " products; remove one first");
        state.put_product(b.ticker, b.product);
        return {};
    }

    Outcome operator()(const ProductRemove& b) {
        if (auto ok = need_owner(b.ticker); !ok) return ok;
        if (!state.product(b.ticker, b.product_id))
            return refuse(Refusal::unknown_product,
                          "product " + std::to_string(b.product_id) + " is not in the catalogue of " + b.ticker);
        state.erase_product(b.ticker, b.product_id);
        return {};
    }

    // A member's role and limits change without a new acceptance: limits
    // only bound what the member gives, and a member who disagrees may leave
    // (StaffRemove signed by the member), keeping their own coins.
    Outcome operator()(const StaffUpdate& b) {
        if (auto ok = need_owner(b.ticker); !ok) return ok;
        const StaffRecord* existing = state.staff(b.ticker, b.staff);
        if (!existing)
            return refuse(Refusal::unknown_staff, "that key is not staff of " + b.ticker +
                                                      "; a new member joins with staff_add and their signed acceptance");
        StaffRecord rec = *existing;
        rec.role = b.role;
        rec.limits = b.limits;
        state.put_staff(b.ticker, b.staff, rec);
        fx.touched.push_back(Account::of_key(b.staff));
        return {};
    }

    // The acceptance's signature was checked with the transaction's
    // (verify_tx_signatures): only the member's own key makes it.
    Outcome operator()(const StaffAdd& b) {
        if (auto ok = need_owner(b.ticker); !ok) return ok;
        const StaffAcceptance& a = b.acceptance;
        if (auto ok = check_staff_acceptance(state, ctx.time_s(), b.ticker, tx.signer, a); !ok) return ok;
        const Hash256 aid = staff_acceptance_id(a);
        const StaffRecord* existing = state.staff(b.ticker, a.staff);
        StaffRecord rec = existing ? *existing : StaffRecord{};
        rec.role = b.role;
        rec.limits = b.limits;
        state.put_staff(b.ticker, a.staff, rec);
        state.remember_voucher(aid, a.expiry_s);
        fx.touched.push_back(Account::of_key(a.staff));
        return {};
    }

    // By the owner, or by the member leaving. Only the allowance still with
    // the member goes back: nothing of the member's own leaves without their
    // signature.
    Outcome operator()(const StaffRemove& b) {
        Refused err{};
        const VenueRecord* venue = need_venue(b.ticker, err);
        if (!venue) return std::unexpected(err);
        if (venue->owner != tx.signer && b.staff != tx.signer)
            return refuse(Refusal::not_owner,
                          "only the owner of " + b.ticker + " or the staff member themself may do this");
        const StaffRecord* s = state.staff(b.ticker, b.staff);
        if (!s) return refuse(Refusal::unknown_staff, "that key is not staff of " + b.ticker);
        const Account member = Account::of_key(b.staff);
        const Amount back = std::min(state.balance(b.ticker, member), s->allowance);
        if (back > 0)
            if (auto ok = move(b.ticker, member, Account::of_key(venue->owner), back); !ok) return ok;
        state.erase_staff(b.ticker, b.staff);
        fx.touched.push_back(member);
        return {};
    }

    Outcome operator()(const Transfer& b) {
        Refused err{};
        const VenueRecord* venue = need_venue(b.ticker, err);
        if (!venue) return std::unexpected(err);
        if (b.amount == 0) return refuse(Refusal::zero_amount, "the amount must be above zero");
        if (b.from == b.to) return refuse(Refusal::self_transfer, "sender and receiver are the same account");
        if (!controls(tx.signer, b.from)) {
            if (!b.from.is_key() && !state.binding(b.from.phone()))
                return refuse(Refusal::not_account_holder, "this phone has not been claimed by any key yet");
            return refuse(Refusal::not_account_holder, "the signer does not control the sending account");
        }
        // Staff give from their own balance, within the owner's limits.
        // Returning coins to the treasury is not giving, so it is not limited.
        if (b.from.is_key() && b.to != Account::of_key(venue->owner)) {
            if (const StaffRecord* s = state.staff(b.ticker, tx.signer)) {
                if (s->limits.per_tx && b.amount > *s->limits.per_tx)
                    return refuse(Refusal::limit_per_tx, "this staff member may give at most " +
                                                             coins(*s->limits.per_tx, b.ticker) +
                                                             " per transfer; asked " + coins(b.amount, b.ticker));
                // Funds first: an amount the member does not hold is short of
                // funds, whatever it would do to today's tally. (A later refusal
                // undoes the move: apply_tx rolls back to its mark.)
                if (auto ok = move(b.ticker, b.from, b.to, b.amount); !ok) return ok;
                StaffRecord rec = *state.staff(b.ticker, tx.signer);  // after move() took from the allowance
                const Amount given = rec.day == ctx.day() ? rec.given_today : 0;
                if (given > std::numeric_limits<Amount>::max() - b.amount)
                    return refuse(Refusal::overflow, "today's total would overflow");
                if (rec.limits.per_day && given + b.amount > *rec.limits.per_day)
                    return refuse(Refusal::limit_per_day,
                                  "this staff member may give " + coins(*rec.limits.per_day, b.ticker) +
                                      " a day and has given " + coins(given, b.ticker) + " today");
                rec.day = ctx.day();
                rec.given_today = given + b.amount;
                state.put_staff(b.ticker, tx.signer, rec);
                return {};
            }
        }
        return move(b.ticker, b.from, b.to, b.amount);
    }

    Outcome operator()(const PhoneBind& b) {
        const Attestation& a = b.attestation;
        const auto& attestors = ctx.genesis->attestors;
        if (std::find(attestors.begin(), attestors.end(), a.attestor) == attestors.end())
            return refuse(Refusal::unknown_attestor, "the attestation is not signed by an attestor of this chain");
        if (a.key != tx.signer)
            return refuse(Refusal::attestation_wrong_key, "the attestation vouches for a different key");
        if (a.expiry_s < ctx.time_s())
            return refuse(Refusal::attestation_expired, "the attestation expired at " + std::to_string(a.expiry_s) +
                                                            " (unix s); confirm the phone again");
        if (a.expiry_s > ctx.time_s() + attestation_expiry_ahead_s_max)
            return refuse(Refusal::expiry_too_far, "the attestation's expiry is more than an hour ahead");
        const Binding* current = state.binding(a.phone);
        const std::uint32_t expected_seq = current ? current->sequence + 1 : 1;
        if (a.sequence != expected_seq)
            return refuse(Refusal::attestation_sequence, "the attestation is for binding #" +
                                                             std::to_string(a.sequence) + ", the phone is at #" +
                                                             std::to_string(expected_seq - 1) + "; ask for a new code");
        fx.touched.push_back(Account::of_phone(a.phone));
        if (!current || current->key == tx.signer) {  // unclaimed (or the same key again): at once
            state.put_binding(a.phone, Binding{tx.signer, a.sequence});
            return {};
        }
        // Another key holds the phone: whoever can read its SMS (the operator
        // too) could be asking. Announce it and wait; the bound key keeps the
        // coins and may cancel. The sequence is consumed either way, so the
        // same attestation can never be used again.
        if (const PendingRebind* p = state.pending_rebind(a.phone))
            return refuse(Refusal::rebind_pending, "a re-bind of this phone is already pending (effective at " +
                                                       std::to_string(p->effective_s) +
                                                       " unix s); the bound key may cancel it");
        const PublicKey bound = current->key;
        state.put_binding(a.phone, Binding{bound, a.sequence});
        state.put_pending_rebind(a.phone, PendingRebind{tx.signer, ctx.time_s() + ctx.genesis->rebind_delay_s});
        return {};
    }

    Outcome operator()(const PhoneRebindCancel& b) {
        const PendingRebind* p = state.pending_rebind(b.phone);
        if (!p) return refuse(Refusal::no_rebind_pending, "no re-bind is pending on this phone");
        const Binding* current = state.binding(b.phone);
        if (!current || current->key != tx.signer)
            return refuse(Refusal::not_account_holder, "only the key the phone is bound to may cancel its re-bind");
        fx.touched.push_back(Account::of_key(p->key));
        fx.touched.push_back(Account::of_phone(b.phone));
        state.erase_pending_rebind(b.phone);
        return {};
    }

    Outcome operator()(const PhoneRebindComplete& b) {
        const PendingRebind* p = state.pending_rebind(b.phone);
        if (!p) return refuse(Refusal::no_rebind_pending, "no re-bind is pending on this phone");
        if (p->key != tx.signer)
            return refuse(Refusal::not_account_holder, "the pending re-bind is for a different key");
        if (ctx.time_s() < p->effective_s)
            return refuse(Refusal::rebind_not_due, "the re-bind takes effect at " + std::to_string(p->effective_s) +
                                                       " (unix s), " + std::to_string(p->effective_s - ctx.time_s()) +
                                                       " s from now");
        const Binding* current = state.binding(b.phone);
        const std::uint32_t sequence = current ? current->sequence : 0;
        if (current) fx.touched.push_back(Account::of_key(current->key));
        state.put_binding(b.phone, Binding{tx.signer, sequence});
        state.erase_pending_rebind(b.phone);
        fx.touched.push_back(Account::of_phone(b.phone));
        return {};
    }

    // The programme kinds (issue 15) until their rules land: refused whole.
    template <class Body>
    Outcome operator()(const Body&) {
        return refuse(Refusal::malformed, std::string(kind_name(tx.kind())) + " is not accepted by this node yet");
    }

    Outcome operator()(const Redeem& b) {
        Refused err{};
        const VenueRecord* venue = need_venue(b.ticker, err);
        if (!venue) return std::unexpected(err);
        if (venue->owner != tx.signer && !state.staff(b.ticker, tx.signer))
            return refuse(Refusal::not_staff, "the signer is not staff of " + b.ticker);
        const Voucher& v = b.voucher;
        if (v.ticker != b.ticker)
            return refuse(Refusal::voucher_wrong_venue, "this voucher is for " + v.ticker + ", not " + b.ticker);
        if (v.expiry_s < ctx.time_s())
            return refuse(Refusal::voucher_expired, "the voucher expired at " + std::to_string(v.expiry_s) +
                                                        " (unix s); the client should show a new QR");
        if (v.expiry_s > ctx.time_s() + voucher_expiry_ahead_s_max)
            return refuse(Refusal::voucher_expiry_too_far, "the voucher's expiry is more than a day ahead");
        const Hash256 vid = voucher_id(v);
        if (state.voucher_used(vid)) return refuse(Refusal::voucher_used, "this voucher has already been redeemed");
        const Product* p = state.product(b.ticker, v.product_id);
        if (!p)
            return refuse(Refusal::unknown_product,
                          "product " + std::to_string(v.product_id) + " is not in the catalogue of " + b.ticker);
        if (!p->active) return refuse(Refusal::product_inactive, p->name + " is not offered at the moment");
        if (p->price != v.price)
            return refuse(Refusal::price_changed, p->name + " now costs " + coins(p->price, b.ticker) +
                                                      "; the voucher says " + coins(v.price, b.ticker));
        if (!controls(v.signer, v.client))
            return refuse(Refusal::voucher_not_client, "the voucher is not signed by the key that holds the account");
        const Account treasury = Account::of_key(venue->owner);
        if (v.client == treasury) return refuse(Refusal::self_transfer, "the treasury cannot redeem from itself");
        if (auto ok = move(b.ticker, v.client, treasury, v.price); !ok) return ok;
        state.remember_voucher(vid, v.expiry_s);
        return {};
    }
};

}  // namespace

std::expected<void, Refused> check_staff_acceptance(const State& state, std::uint64_t time_s, std::string_view ticker,
                                                    const PublicKey& owner, const StaffAcceptance& a) {
    if (a.ticker != ticker)
        return refuse(Refusal::acceptance_wrong_venue,
                      "the staff member accepted to join " + a.ticker + ", not " + std::string(ticker));
    if (a.staff == owner)
        return refuse(Refusal::owner_cannot_be_staff, "the owner already controls the treasury and cannot be staff");
    if (a.expiry_s < time_s)
        return refuse(Refusal::acceptance_expired, "the staff acceptance expired at " + std::to_string(a.expiry_s) +
                                                       " (unix s); ask the staff member for a new one");
    if (a.expiry_s > time_s + staff_acceptance_expiry_ahead_s_max)
        return refuse(Refusal::expiry_too_far, "the staff acceptance's expiry is more than a day ahead");
    if (state.voucher_used(staff_acceptance_id(a)))
        return refuse(Refusal::acceptance_used, "this staff acceptance has already been used; ask for a new one");
    if (!state.staff(ticker, a.staff) && state.staff_count(ticker) >= venue_staff_max)
        return refuse(Refusal::staff_full,
                      "the venue already has " + std::to_string(venue_staff_max) + " staff members");
    return {};
}

std::string_view refusal_name(Refusal r) {
    switch (r) {
        case Refusal::malformed: return "malformed";
        case Refusal::bad_signature: return "bad_signature";
        case Refusal::expired: return "expired";
        case Refusal::expiry_too_far: return "expiry_too_far";
        case Refusal::duplicate: return "duplicate";
        case Refusal::unknown_ticker: return "unknown_ticker";
        case Refusal::ticker_taken: return "ticker_taken";
        case Refusal::not_owner: return "not_owner";
        case Refusal::not_staff: return "not_staff";
        case Refusal::insufficient_balance: return "insufficient_balance";
        case Refusal::limit_per_tx: return "limit_per_tx";
        case Refusal::limit_per_day: return "limit_per_day";
        case Refusal::zero_amount: return "zero_amount";
        case Refusal::self_transfer: return "self_transfer";
        case Refusal::overflow: return "overflow";
        case Refusal::unknown_product: return "unknown_product";
        case Refusal::product_inactive: return "product_inactive";
        case Refusal::price_changed: return "price_changed";
        case Refusal::voucher_expired: return "voucher_expired";
        case Refusal::voucher_used: return "voucher_used";
        case Refusal::voucher_wrong_venue: return "voucher_wrong_venue";
        case Refusal::voucher_not_client: return "voucher_not_client";
        case Refusal::voucher_expiry_too_far: return "voucher_expiry_too_far";
        case Refusal::not_account_holder: return "not_account_holder";
        case Refusal::unknown_attestor: return "unknown_attestor";
        case Refusal::attestation_expired: return "attestation_expired";
        case Refusal::attestation_sequence: return "attestation_sequence";
        case Refusal::attestation_wrong_key: return "attestation_wrong_key";
        case Refusal::catalogue_full: return "catalogue_full";
        case Refusal::staff_full: return "staff_full";
        case Refusal::owner_cannot_be_staff: return "owner_cannot_be_staff";
        case Refusal::unknown_staff: return "unknown_staff";
        case Refusal::acceptance_expired: return "acceptance_expired";
        case Refusal::acceptance_wrong_venue: return "acceptance_wrong_venue";
        case Refusal::acceptance_used: return "acceptance_used";
        case Refusal::rebind_pending: return "rebind_pending";
        case Refusal::no_rebind_pending: return "no_rebind_pending";
        case Refusal::rebind_not_due: return "rebind_not_due";
        case Refusal::already_staff: return "already_staff";
    }
    return "unknown";
}

std::expected<Effects, Refused> apply_tx(State& state, const BlockContext& ctx, const SignedTx& stx,
                                         const Hash256& id) {
    const Tx& tx = stx.tx;
    if (tx.expiry_s < ctx.time_s())
        return refuse(Refusal::expired, "the transaction expired at " + std::to_string(tx.expiry_s) +
                                            " (unix s); the block time is " + std::to_string(ctx.time_s()));
    if (tx.expiry_s > ctx.time_s() + tx_expiry_ahead_s_max)
        return refuse(Refusal::expiry_too_far, "the transaction's expiry is more than 24 hours ahead");
    if (state.tx_seen(id)) return refuse(Refusal::duplicate, "this transaction has already been committed");

    Effects fx;
    fx.touched.push_back(Account::of_key(tx.signer));
    const State::Mark mark = state.mark();
    Applier applier{state, ctx, tx, fx};
    Outcome ok = std::visit(applier, tx.body);
    if (!ok) {
        state.rollback_to(mark);
        return std::unexpected(std::move(ok.error()));
    }
    state.remember_tx(id, tx.expiry_s);
    std::sort(fx.touched.begin(), fx.touched.end());
    fx.touched.erase(std::unique(fx.touched.begin(), fx.touched.end()), fx.touched.end());
    return fx;
}

}  // namespace kopilka::ledger
