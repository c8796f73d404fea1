#include "ledger/apply.h"

#include "ledger/programme_codec.h"

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

// Keeps StaffRecord::allowance: what the treasury sends a member's key
// account adds to it; whatever leaves that account takes from it first.
// Every balance change goes through move_coins, so no path can miss it.
void track_allowance(State& state, const std::string& ticker, const Account& from, const Account& to, Amount amount) {
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

// Moves `amount` between two accounts of one coin, overflow-checked. Every
// debit of a loyalty client spends its soonest-expiring lots first, so its
// lots never add up to more than its balance.
Outcome move_coins(State& state, Effects& fx, const std::string& ticker, const Account& from, const Account& to,
                   Amount amount) {
    if (from == to) return refuse(Refusal::self_transfer, "sender and receiver are the same account");
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
    track_allowance(state, ticker, from, to, amount);
    if (const loyalty::Client* c = state.loyalty_client(ticker, from); c && !c->lots.empty()) {
        loyalty::Client rec = *c;
        loyalty::spend_lots(rec, amount);
        state.put_loyalty_client(ticker, from, rec);
    }
    fx.movements.push_back(Movement{ticker, from, to, amount, std::nullopt, 0});
    fx.touched.push_back(from);
    fx.touched.push_back(to);
    return {};
}

std::uint32_t local_month(const loyalty::Programme& p, std::uint64_t time_s) {
    auto rule = tz::parse(p.zone_rule);
    const tz::LocalTime lt = tz::to_local(rule ? *rule : tz::Rule{}, static_cast<std::int64_t>(time_s));
    return static_cast<std::uint32_t>(lt.year * 12 + (lt.month - 1));
}

// Every lot of the record has its expiry queued (the queue ignores repeats).
void schedule_lots(State& state, const std::string& ticker, const Account& a, const loyalty::Client& c) {
    for (const auto& lot : c.lots) state.schedule_event(DueEvent{lot.expiry_s, loyalty::EventKind::lot_expiry, ticker, a});
}

// The client's gift events under programme `p`, after its record changed at `time_s`.
void schedule_gifts(State& state, const loyalty::Programme& p, const std::string& ticker, const Account& a,
                    const loyalty::Client* before, const loyalty::Client& after, std::uint64_t time_s) {
    if (before)
        if (auto due = loyalty::next_winback_gift(p, *before))
            state.erase_event(DueEvent{*due, loyalty::EventKind::winback_gift, ticker, a});
    if (auto due = loyalty::next_winback_gift(p, after); due && *due > time_s)
        state.schedule_event(DueEvent{*due, loyalty::EventKind::winback_gift, ticker, a});
    if (auto due = loyalty::next_birthday_gift(p, after, time_s))
        state.schedule_event(DueEvent{*due, loyalty::EventKind::birthday_gift, ticker, a});
}


struct Applier {
    State& state;
    const BlockContext& ctx;
    const Tx& tx;
    const Hash256& id;
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

    Outcome move(const std::string& ticker, const Account& from, const Account& to, Amount amount) {
        return move_coins(state, fx, ticker, from, to, amount);
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

    bool staff_or_owner(const std::string& ticker, const VenueRecord& venue) const {
        return venue.owner == tx.signer || state.staff(ticker, tx.signer) != nullptr;
    }

    // A staff member's per-transaction and per-day limits bound what a
    // purchase makes them fund, as they bound a transfer.
    Outcome count_given(const std::string& ticker, Amount amount) {
        const StaffRecord* s = state.staff(ticker, tx.signer);
        if (!s || amount == 0) return {};
        if (s->limits.per_tx && amount > *s->limits.per_tx)
            return refuse(Refusal::limit_per_tx, "this purchase's bonuses (" + coins(amount, ticker) +
                                                     ") are more than this staff member may give at once (" +
                                                     coins(*s->limits.per_tx, ticker) + ")");
        StaffRecord rec = *s;
        const Amount given = rec.day == ctx.day() ? rec.given_today : 0;
        if (given > std::numeric_limits<Amount>::max() - amount) return refuse(Refusal::overflow, "today's total would overflow");
        if (rec.limits.per_day && given + amount > *rec.limits.per_day)
            return refuse(Refusal::limit_per_day, "this staff member may give " + coins(*rec.limits.per_day, ticker) +
                                                      " a day and has given " + coins(given, ticker) + " today");
        rec.day = ctx.day();
        rec.given_today = given + amount;
        state.put_staff(ticker, tx.signer, rec);
        return {};
    }

    Outcome operator()(const ProgrammeSet& b) {
        if (auto ok = need_owner(b.ticker); !ok) return ok;
        const loyalty::Programme& p = b.programme;
        if (auto err = loyalty::check_programme(p); !err.empty()) return refuse(Refusal::programme_invalid, err);
        const loyalty::Programme* last = state.programme_latest(b.ticker);
        const std::uint32_t want = last ? last->version + 1 : 1;
        if (p.version != want)
            return refuse(Refusal::programme_sequence, "the next programme version of " + b.ticker + " is " +
                                                           std::to_string(want) + ", not " + std::to_string(p.version));
        const Hash256 previous = last ? loyalty::programme_hash(*last) : Hash256{};
        if (p.previous != previous)
            return refuse(Refusal::programme_sequence, "the programme must name the hash of version " +
                                                           std::to_string(want - 1) + " as its previous");
        if (p.effective_from_s <= ctx.time_s())
            return refuse(Refusal::programme_invalid, "the programme must take effect after the block that publishes it "
                                                      "(effective_from_s " + std::to_string(p.effective_from_s) +
                                                          ", block time " + std::to_string(ctx.time_s()) + ")");
        if (p.effective_from_s > ctx.time_s() + loyalty::programme_effective_ahead_s_max)
            return refuse(Refusal::programme_invalid, "the programme may take effect at most a year ahead");
        if (last && last->effective_from_s >= p.effective_from_s)
            return refuse(Refusal::programme_sequence, "version " + std::to_string(p.version) +
                                                           " must take effect after version " + std::to_string(last->version));
        state.put_programme(b.ticker, p);
        if (auto due = loyalty::next_tier_recalc(p, p.effective_from_s > 0 ? p.effective_from_s - 1 : 0))
            state.schedule_event(DueEvent{*due, loyalty::EventKind::tier_recalc, b.ticker,
                                          Account::of_key(state.venue(b.ticker)->owner)});
        return {};
    }

    Outcome operator()(const Purchase& b) {
        auto q = quote_purchase(state, ctx, tx.signer, b);
        if (!q) return std::unexpected(std::move(q.error()));
        const VenueRecord& venue = *state.venue(b.ticker);
        const Account treasury = Account::of_key(venue.owner);
        const Account signer = Account::of_key(tx.signer);
        const loyalty::Programme& p = *q->programme;
        const loyalty::PurchaseResult& r = q->result;
        const Account& client = q->client;

        if (b.pay > 0) {
            if (!b.consent) return refuse(Refusal::pay_consent_missing, "paying with bonuses needs the client's consent");
            const PayConsent& c = *b.consent;
            if (c.ticker != b.ticker || c.client != client || c.amount != b.pay ||
                c.receipt_digest != receipt_digest(b.receipt))
                return refuse(Refusal::pay_consent_invalid, "the client's consent is for another venue, account, amount "
                                                            "or receipt: ask the client to confirm this receipt");
            if (!controls(c.signer, client))
                return refuse(Refusal::pay_consent_invalid, "the consent is not signed by the key that holds the client's account");
            if (c.expiry_s < ctx.time_s())
                return refuse(Refusal::pay_consent_invalid, "the client's consent expired; ask the client to confirm again");
            if (c.expiry_s > ctx.time_s() + voucher_expiry_ahead_s_max)
                return refuse(Refusal::pay_consent_invalid, "the consent's expiry is more than a day ahead");
            if (state.voucher_used(pay_consent_id(c)))
                return refuse(Refusal::pay_consent_used, "this consent has already paid a receipt");
            state.remember_voucher(pay_consent_id(c), c.expiry_s);
        } else if (b.consent) {
            return refuse(Refusal::pay_consent_invalid, "a consent goes only with a payment by bonuses");
        }

        const loyalty::Client* before = state.loyalty_client(b.ticker, client);
        const std::optional<loyalty::Client> before_copy = before ? std::optional(*before) : std::nullopt;
        loyalty::Client after = r.client_after;
        state.put_loyalty_client(b.ticker, client, after);
        if (r.tier_after != r.tier_before) fx.tiers.push_back({b.ticker, client, r.tier_before, r.tier_after});
        if (r.paid > 0)
            if (auto ok = move(b.ticker, client, treasury, r.paid); !ok) return ok;

        Amount to_client = 0;
        std::array<Amount, loyalty::referral_levels_max> to_referrer{};
        std::array<std::uint64_t, loyalty::referral_levels_max> referrer_expiry{};
        for (const auto& c : r.credits) {
            if (c.source == loyalty::Credit::Source::gift) continue;
            if (c.recipient == 0) {
                to_client += c.amount;
            } else {
                to_referrer[c.recipient - 1] += c.amount;
                referrer_expiry[c.recipient - 1] = c.expiry_s;
            }
        }
        const Amount net = to_client - std::min(to_client, r.debt_paid);
        if (net > 0)
            if (auto ok = move(b.ticker, signer, client, net); !ok) return ok;
        if (r.debt_paid > 0 && signer != treasury)
            if (auto ok = move(b.ticker, signer, treasury, r.debt_paid); !ok) return ok;
        for (std::size_t i = 0; i < loyalty::referral_levels_max; ++i) {
            if (to_referrer[i] == 0 || !q->referrers[i]) continue;
            const Account& ref = *q->referrers[i];
            if (ref != signer)
                if (auto ok = move(b.ticker, signer, ref, to_referrer[i]); !ok) return ok;
            if (const loyalty::Client* rc = state.loyalty_client(b.ticker, ref); rc && referrer_expiry[i] != 0 && ref != signer) {
                loyalty::Client rec = *rc;
                loyalty::add_lot(rec, to_referrer[i], referrer_expiry[i]);
                state.put_loyalty_client(b.ticker, ref, rec);
                schedule_lots(state, b.ticker, ref, rec);
            }
        }
        if (r.from_treasury > 0) {
            if (auto ok = move(b.ticker, treasury, client, r.from_treasury); !ok) return ok;
            state.put_gifts_in_month(b.ticker, local_month(p, ctx.time_s()), r.gifts_this_month_after);
        }
        if (auto ok = count_given(b.ticker, r.from_staff); !ok) return ok;

        loyalty::PurchaseRecord rec;
        rec.client = client;
        rec.staff = tx.signer;
        rec.programme_version = p.version;
        rec.time_s = ctx.time_s();
        rec.total = r.total;
        rec.paid = r.paid;
        rec.base = r.base;
        // Gross: a return reverses the part that repaid the client's debt too
        // (the debt comes back when the balance cannot give it).
        rec.accrued_client = to_client;
        for (std::size_t i = 0; i < loyalty::referral_levels_max; ++i) {
            rec.accrued_referrer[i] = q->referrers[i] && *q->referrers[i] != signer ? to_referrer[i] : 0;
            rec.referrers[i] = q->referrers[i];
        }
        state.put_purchase(b.ticker, id, rec);
        const loyalty::Client& now = *state.loyalty_client(b.ticker, client);
        schedule_lots(state, b.ticker, client, now);
        schedule_gifts(state, p, b.ticker, client, before_copy ? &*before_copy : nullptr, now, ctx.time_s());
        return {};
    }

    Outcome operator()(const PurchaseReturn& b) {
        Refused err{};
        const VenueRecord* venue = need_venue(b.ticker, err);
        if (!venue) return std::unexpected(err);
        if (!staff_or_owner(b.ticker, *venue)) return refuse(Refusal::not_staff, "the signer is not staff of " + b.ticker);
        const loyalty::PurchaseRecord* found = state.purchase(b.ticker, b.purchase);
        if (!found) return refuse(Refusal::unknown_purchase, "no purchase " + to_hex(b.purchase) + " at " + b.ticker);
        if (b.amount == 0) return refuse(Refusal::zero_amount, "the returned amount must be above zero");
        const loyalty::PurchaseRecord rec = *found;
        auto rr = loyalty::evaluate_return(rec, b.amount);
        if (!rr) return refuse(Refusal::return_too_much, rr.error());
        const Account treasury = Account::of_key(venue->owner);
        // The bonuses the client paid come back first; then the accruals
        // are taken back from what the balances hold, the rest becomes debt.
        if (rr->refund_paid > 0 && rec.client != treasury)
            if (auto ok = move(b.ticker, treasury, rec.client, rr->refund_paid); !ok) return ok;
        const Amount take = std::min(rr->take_client, state.balance(b.ticker, rec.client));
        if (take > 0 && rec.client != treasury)
            if (auto ok = move(b.ticker, rec.client, treasury, take); !ok) return ok;
        const loyalty::Programme* p = state.programme(b.ticker, rec.programme_version);
        if (const loyalty::Client* c = state.loyalty_client(b.ticker, rec.client); c && p) {
            const std::uint8_t tier_before = c->tier;
            loyalty::Client after = loyalty::apply_return_to_client(*p, *c, rec.time_s, rr->money_returned,
                                                                    rr->take_client - take, ctx.time_s());
            if (after.tier != tier_before) fx.tiers.push_back({b.ticker, rec.client, tier_before, after.tier});
            state.put_loyalty_client(b.ticker, rec.client, std::move(after));
        }
        for (std::size_t i = 0; i < loyalty::referral_levels_max; ++i) {
            if (rr->take_referrer[i] == 0 || !rec.referrers[i]) continue;
            const Account& ref = *rec.referrers[i];
            const Amount t = std::min(rr->take_referrer[i], state.balance(b.ticker, ref));
            if (t > 0 && ref != treasury)
                if (auto ok = move(b.ticker, ref, treasury, t); !ok) return ok;
            if (const loyalty::Client* rc = state.loyalty_client(b.ticker, ref); rc && t < rr->take_referrer[i]) {
                loyalty::Client c = *rc;
                c.debt += rr->take_referrer[i] - t;
                state.put_loyalty_client(b.ticker, ref, c);
            }
        }
        state.put_purchase(b.ticker, b.purchase, rr->record_after);
        return {};
    }

    Outcome operator()(const CardBind& b) {
        Refused err{};
        const VenueRecord* venue = need_venue(b.ticker, err);
        if (!venue) return std::unexpected(err);
        if (!staff_or_owner(b.ticker, *venue)) return refuse(Refusal::not_staff, "the signer is not staff of " + b.ticker);
        if (auto holder = state.card_holder(b.ticker, b.card); holder && *holder != b.client && venue->owner != tx.signer)
            return refuse(Refusal::card_taken, "card " + b.card + " is bound to another client; only the owner may move it");
        state.put_card(b.ticker, b.card, b.client);
        fx.touched.push_back(b.client);
        return {};
    }

    Outcome operator()(const BirthdaySet& b) {
        Refused err{};
        if (!need_venue(b.ticker, err)) return std::unexpected(err);
        if (!controls(tx.signer, b.client))
            return refuse(Refusal::not_account_holder, "only the client's own key may set its birthday");
        const loyalty::Client* existing = state.loyalty_client(b.ticker, b.client);
        if (existing && existing->birthday)
            return refuse(Refusal::birthday_already_set, "the birthday is already set with " + b.ticker + "; it is set once");
        loyalty::Client c = existing ? *existing : loyalty::Client{};
        if (!existing) c.registered_s = ctx.time_s();
        c.birthday = std::pair{b.month, b.day};
        state.put_loyalty_client(b.ticker, b.client, c);
        if (const loyalty::Programme* p = state.programme_in_force(b.ticker, ctx.time_s()))
            if (auto due = loyalty::next_birthday_gift(*p, c, ctx.time_s()))
                state.schedule_event(DueEvent{*due, loyalty::EventKind::birthday_gift, b.ticker, b.client});
        fx.touched.push_back(b.client);
        return {};
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
        case Refusal::programme_invalid: return "programme_invalid";
        case Refusal::programme_sequence: return "programme_sequence";
        case Refusal::no_programme: return "no_programme";
        case Refusal::programme_version: return "programme_version";
        case Refusal::pay_consent_missing: return "pay_consent_missing";
        case Refusal::pay_consent_invalid: return "pay_consent_invalid";
        case Refusal::pay_consent_used: return "pay_consent_used";
        case Refusal::pay_too_much: return "pay_too_much";
        case Refusal::invalid_receipt: return "invalid_receipt";
        case Refusal::unknown_purchase: return "unknown_purchase";
        case Refusal::return_too_much: return "return_too_much";
        case Refusal::unknown_card: return "unknown_card";
        case Refusal::card_taken: return "card_taken";
        case Refusal::birthday_already_set: return "birthday_already_set";
        case Refusal::referrer_invalid: return "referrer_invalid";
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
    Applier applier{state, ctx, tx, id, fx};
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

namespace kopilka::ledger {

std::expected<PurchaseQuote, Refused> quote_purchase(const State& state, const BlockContext& ctx, const PublicKey& staff,
                                                     const Purchase& b) {
    const VenueRecord* venue = state.venue(b.ticker);
    if (!venue) return refuse(Refusal::unknown_ticker, "no venue has the coin " + b.ticker);
    if (venue->owner != staff && !state.staff(b.ticker, staff))
        return refuse(Refusal::not_staff, "the signer is not staff of " + b.ticker);
    PurchaseQuote q;
    if (b.client.kind == ClientRef::Kind::card) {
        auto holder = state.card_holder(b.ticker, b.client.card);
        if (!holder) return refuse(Refusal::unknown_card, "card " + b.client.card + " is not bound to a client of " + b.ticker);
        q.client = *holder;
    } else {
        q.client = b.client.account;
    }
    const Account treasury = Account::of_key(venue->owner);
    if (q.client == treasury || q.client == Account::of_key(staff))
        return refuse(Refusal::self_transfer, "staff and the owner cannot record a purchase for their own account");
    q.programme = state.programme_in_force(b.ticker, ctx.time_s());
    if (!q.programme) return refuse(Refusal::no_programme, b.ticker + " has no bonus programme in force yet");
    if (q.programme->version != b.programme_version)
        return refuse(Refusal::programme_version, "programme version " + std::to_string(q.programme->version) +
                                                      " is in force at " + b.ticker + "; the till quoted version " +
                                                      std::to_string(b.programme_version) + ": quote again");
    if (auto err = loyalty::check_receipt(b.receipt); !err.empty()) return refuse(Refusal::invalid_receipt, err);

    const loyalty::Client* existing = state.loyalty_client(b.ticker, q.client);
    // A record made only by birthday_set is not a registration yet: the
    // first purchase registers the client (and brings the welcome gift).
    const bool registering = !existing || existing->purchases == 0;
    if (b.referrer) {
        if (!registering)
            return refuse(Refusal::referrer_invalid, "the referrer is named only at the client's first purchase");
        if (*b.referrer == q.client) return refuse(Refusal::referrer_invalid, "a client cannot refer itself");
        const loyalty::Client* rc = state.loyalty_client(b.ticker, *b.referrer);
        if (!rc || rc->purchases == 0)
            return refuse(Refusal::referrer_invalid, "the referrer is not a client of " + b.ticker + " yet");
    }
    std::optional<Account> level = registering ? b.referrer : (existing ? existing->referrer : std::nullopt);
    std::vector<const loyalty::Client*> referrers;
    for (std::size_t i = 0; i < loyalty::referral_levels_max && level; ++i) {
        const loyalty::Client* rc = state.loyalty_client(b.ticker, *level);
        if (!rc || *level == q.client) break;
        q.referrers[i] = *level;
        referrers.push_back(rc);
        level = rc->referrer;
    }

    loyalty::PurchaseInput in;
    in.programme = q.programme;
    in.client = registering ? nullptr : existing;
    in.receipt = b.receipt;
    in.pay = b.pay;
    in.client_balance = state.balance(b.ticker, q.client);
    in.time_s = ctx.time_s();
    in.referrers = referrers;
    in.gifts_this_month = state.gifts_in_month(b.ticker, local_month(*q.programme, ctx.time_s()));
    auto r = loyalty::evaluate_purchase(in);
    if (!r) return refuse(Refusal::pay_too_much, r.error());
    q.result = std::move(*r);
    loyalty::Client& after = q.result.client_after;
    if (registering) {
        after.referrer = b.referrer;
        if (existing) {
            after.birthday = existing->birthday;
            after.birthday_gift_year = existing->birthday_gift_year;
            // Coins may have reached the account before (a transfer), and
            // with them lots of an earlier programme's gifts: keep them.
            for (const auto& lot : existing->lots) loyalty::add_lot(after, lot.amount, lot.expiry_s);
        }
    }
    return q;
}

namespace {

// One event, dated at its due time. The programme is the one in force then.
void run_event(State& state, Effects& fx, const DueEvent& e) {
    const loyalty::Programme* p = state.programme_in_force(e.ticker, e.due_s);
    const VenueRecord* venue = state.venue(e.ticker);
    if (!venue) return;
    const Account treasury = Account::of_key(venue->owner);
    switch (e.kind) {
        case loyalty::EventKind::lot_expiry: {
            const loyalty::Client* c = state.loyalty_client(e.ticker, e.account);
            if (!c) return;
            Amount due = 0;
            for (const auto& lot : c->lots)
                if (lot.expiry_s <= e.due_s) due += lot.amount;
            const Amount take = std::min(due, state.balance(e.ticker, e.account));
            // The move spends the soonest lots, which are exactly the expired ones.
            if (take > 0 && e.account != treasury) (void)move_coins(state, fx, e.ticker, e.account, treasury, take);
            loyalty::Client rec = *state.loyalty_client(e.ticker, e.account);
            std::erase_if(rec.lots, [&](const loyalty::Lot& lot) { return lot.expiry_s <= e.due_s; });
            state.put_loyalty_client(e.ticker, e.account, rec);
            return;
        }
        case loyalty::EventKind::tier_recalc: {
            // A later version that recomputes on purchase ends the schedule.
            if (!p || p->tier_recalc != loyalty::TierRecalc::monthly) return;
            for (const auto& [account, c] : state.loyalty_clients(e.ticker)) {
                loyalty::Client rec = c;
                rec.tier = loyalty::tier_at(*p, c, e.due_s, true);
                if (rec.tier != c.tier) fx.tiers.push_back({e.ticker, account, c.tier, rec.tier});
                state.put_loyalty_client(e.ticker, account, rec);
            }
            if (auto next = loyalty::next_tier_recalc(*p, e.due_s))
                state.schedule_event(DueEvent{*next, loyalty::EventKind::tier_recalc, e.ticker, treasury});
            return;
        }
        case loyalty::EventKind::birthday_gift:
        case loyalty::EventKind::winback_gift: {
            const loyalty::Client* c = state.loyalty_client(e.ticker, e.account);
            if (!p || !c) return;
            loyalty::Client rec = *c;
            const auto kind = e.kind == loyalty::EventKind::birthday_gift ? loyalty::GiftKind::birthday
                                                                          : loyalty::GiftKind::winback;
            const std::uint32_t month = local_month(*p, e.due_s);
            const Amount given = state.gifts_in_month(e.ticker, month);
            auto credit = loyalty::give_gift(*p, rec, kind, e.due_s, given);
            Amount paid = 0;
            if (credit && e.account != treasury && state.balance(e.ticker, treasury) >= credit->amount) {
                paid = credit->amount;
                state.put_loyalty_client(e.ticker, e.account, rec);
                (void)move_coins(state, fx, e.ticker, treasury, e.account, paid);
                state.put_gifts_in_month(e.ticker, month, given + paid);
            } else {
                // Not given (none due, or the treasury is short): the record
                // still says the event ran, so it is not retried, but holds
                // no lot for coins that never came.
                loyalty::Client marked = *c;
                marked.birthday_gift_year = rec.birthday_gift_year;
                marked.winback_given_s = rec.winback_given_s;
                state.put_loyalty_client(e.ticker, e.account, marked);
            }
            const loyalty::Client& now = *state.loyalty_client(e.ticker, e.account);
            schedule_lots(state, e.ticker, e.account, now);
            if (kind == loyalty::GiftKind::birthday)
                if (auto next = loyalty::next_birthday_gift(*p, now, e.due_s))
                    state.schedule_event(DueEvent{*next, loyalty::EventKind::birthday_gift, e.ticker, e.account});
            return;
        }
    }
}

}  // namespace

std::size_t apply_due_events(State& state, const BlockContext& ctx, Effects* fx) {
    Effects local;
    Effects& out = fx ? *fx : local;
    std::size_t ran = 0;
    // An event may queue another that is already due (a gift's lot that
    // expires before this block): run until none is left.
    while (auto next = state.next_event()) {
        if (next->due_s > ctx.time_s()) break;
        state.erase_event(*next);
        const std::size_t first = out.movements.size();
        run_event(state, out, *next);
        // Its movements say which event made them, for the auditor's export.
        for (std::size_t i = first; i < out.movements.size(); ++i) {
            out.movements[i].event = next->kind;
            out.movements[i].due_s = next->due_s;
        }
        ++ran;
    }
    return ran;
}

std::optional<std::uint64_t> next_event_due_s(const State& state) {
    if (auto e = state.next_event()) return e->due_s;
    return std::nullopt;
}

}  // namespace kopilka::ledger
