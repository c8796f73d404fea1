// One handler per JSON-RPC method, registered in one table (after rippled).
// The method table in rpc/methods.cpp documents the same names; the node
// refuses to start if the two disagree (Node::load).
#include "node/node.h"
#include "node/messages/sms_text.h"

#include "node/call.h"

#include "crypto/address.h"
#include "rpc/convert.h"
#include "rpc/methods.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>


namespace kopilka::node {

namespace json = boost::json;
using namespace kopilka::ledger;
using rpc::Error;


const std::unordered_map<std::string_view, Node::Handler>& Node::handlers() {
    static const std::unordered_map<std::string_view, Handler> table = {
        {"node.info", &Node::node_info},
        {"tx.submit", &Node::tx_submit},
        {"tx.get", &Node::tx_get},
        {"tx.decode", &Node::tx_decode},
        {"block.get", &Node::block_get},
        {"block.raw", &Node::block_raw},
        {"chain.genesis", &Node::chain_genesis},
        {"account.balances", &Node::account_balances},
        {"account.history", &Node::account_history},
        {"venue.list", &Node::venue_list},
        {"venue.get", &Node::venue_get},
        {"venue.history", &Node::venue_history},
        {"venue.stats", &Node::venue_stats},
        {"venue.series", &Node::venue_series},
        {"programme.get", &Node::programme_get},
        {"loyalty.get", &Node::loyalty_get},
        {"purchase.quote", &Node::purchase_quote},
        {"phone.lookup", &Node::phone_lookup},
        {"phone.claim.request", &Node::phone_claim_request},
        {"phone.claim.confirm", &Node::phone_claim_confirm},
        {"voucher.check", &Node::voucher_check},
        {"invite.open", &Node::invite_open},
        {"invite.accept", &Node::invite_accept},
        {"invite.get", &Node::invite_get},
        {"rpc.discover", &Node::rpc_discover},
        {"subscribe", &Node::subscribe},
        {"unsubscribe", &Node::unsubscribe},
        {"admin.outbox", &Node::admin_outbox},
        {"admin.credits.add", &Node::admin_credits_add},
        {"sms.credits", &Node::sms_credits},
        {"sms.preview", &Node::sms_preview},
        {"messages.consent.set", &Node::messages_consent_set},
        {"messages.consent.get", &Node::messages_consent_get},
        {"messages.push.key", &Node::messages_push_key},
        {"messages.push.set", &Node::messages_push_set},
        {"messages.push.get", &Node::messages_push_get},
        {"webhook.set", &Node::webhook_set},
        {"admin.webhooks", &Node::admin_webhooks},
        {"messages.templates.get", &Node::messages_templates_get},
        {"messages.templates.set", &Node::messages_templates_set},
        {"messages.templates.language", &Node::messages_templates_language},
        {"messages.templates.preview", &Node::messages_templates_preview},
        {"admin.backup", &Node::admin_backup},
        {"admin.stop", &Node::admin_stop},
    };
    return table;
}

namespace {

Error phone_error(const PhoneFailure& f) {
    switch (f.code) {
        case PhoneError::invalid: return Error(rpc::invalid_params, f.message);
        case PhoneError::rate_limited: return Error(rpc::rate_limited, f.message);
        case PhoneError::code_invalid: return Error(rpc::code_invalid, f.message);
        case PhoneError::unauthorized: return Error(rpc::unauthorized, f.message);
    }
    return Error(rpc::internal_error, "phone service error");
}

}  // namespace

std::optional<json::value> Node::node_info(Call& call) {
    call.params.only({});
    json::object o;
    std::shared_lock lock(chain_mutex_);
    o["chain_id"] = to_hex(chain_->id());
    o["chain_name"] = chain_->genesis().chain_name;
    o["height"] = chain_->height();
    o["tip_hash"] = to_hex(chain_->tip_hash());
    o["tip_time_ms"] = chain_->tip().time_ms;
    // The tip's signed header (what a wallet remembers as its known tip), so
    // the rollback check needs no block.get, whose answer lists every tx id.
    if (chain_->height() == 0) {
        o["tip_header"] = nullptr;
    } else {
        Bytes head = encode_header(chain_->tip());
        head.insert(head.end(), chain_->tip_signature().bytes.begin(), chain_->tip_signature().bytes.end());
        o["tip_header"] = to_base64url(head);
    }
    o["state_digest"] = to_hex(chain_->state().digest());
    o["producer"] = address_from_key(chain_->genesis().producer);
    json::array attestors;
    for (const auto& a : chain_->genesis().attestors) attestors.push_back(json::value(address_from_key(a)));
    o["attestors"] = std::move(attestors);
    o["mempool"] = metrics_.mempool.load();
    o["version"] = node_version;
    o["time_ms"] = clock_.now_ms();
    o["default_country"] = config_.default_country;
    return o;
}

json::value Node::committed_result(const Hash256& id, TxLocation at, const BlockFacts* known) {
    json::object o;
    o["id"] = to_hex(id);
    o["status"] = "committed";
    o["height"] = at.height;
    o["index"] = at.index;
    BlockFacts read;
    if (!known) {
        if (auto b = chain_->block_at(at.height)) {
            read.hash = block_hash(b->header);
            read.time_ms = b->header.time_ms;
            read.proof = merkle_prove(b->tx_ids, at.index);
            known = &read;
        }
    }
    if (known) {
        o["block_hash"] = to_hex(known->hash);
        o["block_time_ms"] = known->time_ms;
        if (known->proof) o["proof"] = rpc::proof_json(*known->proof);
    }
    return o;
}

std::optional<json::value> Node::tx_submit(Call& call) {
    call.params.only({"blob", "wait"});
    const Bytes blob = rpc::parse_base64url(call.params.str("blob"), "blob", tx_bytes_max);
    const bool wait = call.params.flag("wait", false);
    auto stx = decode_signed_tx(blob);
    if (!stx) {
        metrics_.refused("malformed");
        throw rpc::refused_error(Refused{Refusal::malformed, stx.error()});
    }
    const Hash256 id = tx_id(stx->tx);
    // Idempotent: a committed transaction returns its first result. (One
    // committed between this look and the queue is found by the producer.)
    // The replay window says which ids cannot have been committed and spares
    // their store read; but the producer holds the chain lock while it writes
    // a block, fsync included, and an I/O thread that waited for it would
    // hold up every request behind it, so then the store is read instead.
    bool maybe_committed = true;
    {
        std::shared_lock lock(chain_mutex_, std::try_to_lock);
        if (lock.owns_lock()) maybe_committed = chain_->maybe_committed(stx->tx, id);
    }
    if (maybe_committed)
        if (auto at = chain_->find_tx(id)) return committed_result(id, *at);
    if (auto damage = damage_message())
        throw Error(rpc::unavailable, *damage, json::object{{"reason", "damaged"}});
    if (write_failed_.load(std::memory_order_acquire)) {
        std::shared_lock lock(chain_mutex_);  // write_error_ is set under the chain lock
        // New transactions wait until the disk is fixed and the store
        // reopened (the producer retries by itself); reads go on meanwhile.
        if (write_error_)
            throw Error(rpc::unavailable,
                        *write_error_ + ". It takes no new transactions until the disk is fixed (it retries by "
                                        "itself); reads still work",
                        json::object{{"reason", "disk"}});
    }

    // Signature checks run on the verify pool, off the I/O threads, before
    // the transaction is sequenced.
    auto done = call.done;
    auto id_json = call.id;
    std::shared_lock gate(submit_gate_);
    if (!accepting_) throw Error(rpc::unavailable, "the node is stopping; retry when it is back");
    boost::asio::post(*verify_pool_, [this, stx = std::move(*stx), id, wait, done, id_json]() mutable {
        if (!verify_tx_signatures(stx, chain_->id())) {
            metrics_.refused("bad_signature");
            const Error e = rpc::refused_error(
                Refused{Refusal::bad_signature, "a signature does not verify for this chain; check the key and the chain id"});
            done(rpc::make_error(id_json, e.code, e.what(), e.data));
            return;
        }
        Waiter waiter;
        if (wait) {
            waiter = [this, done, id_json, id](const TxOutcome& o, const BlockFacts* block,
                                               const std::optional<std::string>& err) {
                if (err) {
                    // The write may have reached the disk before it failed:
                    // never say "not committed" here.
                    done(rpc::make_error(
                        id_json, rpc::unavailable,
                        "the block holding this transaction could not be written to disk, so its outcome is not "
                        "confirmed: it may or may not be committed. Submitting the same signed transaction again is "
                        "safe (it commits at most once; tx.get tells its status once the node has recovered): " +
                            *err,
                        json::object{{"reason", damaged_.load() ? "damaged" : "disk"}, {"outcome", "unknown"}}));
                } else if (o.status == TxOutcome::Status::refused) {
                    const Error e = rpc::refused_error(*o.refusal);
                    done(rpc::make_error(id_json, e.code, e.what(), e.data));
                } else {
                    // Committed earlier: its block is read back (on the
                    // answer pool, where nothing may throw).
                    try {
                        done(rpc::make_result(id_json, committed_result(id, o.location, block)));
                    } catch (const StoreError& e) {
                        set_damaged(e.damage());
                        done(rpc::make_error(id_json, rpc::unavailable,
                                             "committed, but its block cannot be read: " + e.damage().describe(),
                                             json::object{{"reason", "damaged"}}));
                    }
                }
            };
        }
        switch (enqueue(std::move(stx), id, waiter)) {
            case Enqueued::added:
            case Enqueued::joined:
                if (!wait) done(rpc::make_result(id_json, json::object{{"id", to_hex(id)}, {"status", "accepted"}}));
                return;
            case Enqueued::full:
                done(rpc::make_error(id_json, rpc::mempool_full,
                                     "the node has " + std::to_string(config_.mempool_txs_max) +
                                         " transactions waiting; retry in a moment"));
                return;
            case Enqueued::stopping:
                done(rpc::make_error(id_json, rpc::unavailable, "the node is stopping; retry when it is back"));
                return;
        }
    });
    return std::nullopt;
}

std::optional<json::value> Node::tx_get(Call& call) {
    call.params.only({"id"});
    const Hash256 id = rpc::parse_hash(call.params.str("id"), "id");
    if (auto rec = chain_->tx_record(id)) {
        json::value r = committed_result(id, TxLocation{rec->height, rec->index});
        if (auto stx = decode_signed_tx(rec->blob)) r.as_object()["tx"] = rpc::tx_json(*stx);
        return r;
    }
    json::object o{{"id", to_hex(id)}};
    if (is_pending(id)) {
        o["status"] = "pending";
    } else if (auto r = recent_refusal(id)) {
        o["status"] = "refused";
        o["reason"] = refusal_name(r->code);
        o["message"] = r->message;
    } else {
        o["status"] = "unknown";
    }
    return o;
}

std::optional<json::value> Node::tx_decode(Call& call) {
    call.params.only({"blob"});
    const Bytes blob = rpc::parse_base64url(call.params.str("blob"), "blob", tx_bytes_max);
    if (auto stx = decode_signed_tx(blob)) {
        json::object o = rpc::tx_json(*stx);
        o["type"] = "transaction";
        o["signatures_valid"] = verify_tx_signatures(*stx, chain_->id());
        return o;
    }
    if (auto v = decode_voucher(blob)) {
        json::object o = rpc::voucher_json(*v);
        o["type"] = "voucher";
        o["signature_valid"] = verify_voucher_signature(*v, chain_->id());
        return o;
    }
    throw rpc::refused_error(Refused{Refusal::malformed, "the blob is neither a transaction nor a voucher: " +
                                                             decode_signed_tx(blob).error()});
}

std::optional<json::value> Node::block_get(Call& call) {
    call.params.only({"height", "hash"});
    std::optional<std::uint64_t> height = call.params.opt_u64("height");
    if (auto h = call.params.opt_str("hash")) {
        if (height) throw Error(rpc::invalid_params, "give height or hash, not both");
        height = chain_->height_of(rpc::parse_hash(*h, "hash"));
        if (!height) throw Error(rpc::not_found, "no block has that hash");
    }
    if (!height) throw Error(rpc::invalid_params, "give height or hash");
    if (*height == 0) throw Error(rpc::not_found, "height 0 is the genesis; see chain.genesis");
    auto b = chain_->block_at(*height);
    if (!b) throw Error(rpc::not_found, "no block at height " + std::to_string(*height));
    return rpc::block_json(*b);
}

std::optional<json::value> Node::block_raw(Call& call) {
    call.params.only({"height"});
    const std::uint64_t height = call.params.u64("height");
    auto raw = chain_->store().get(Column::blocks, keys::block(height));
    if (!raw) throw Error(rpc::not_found, "no block at height " + std::to_string(height));
    json::array txs;
    // The raw record is served as stored, even if damaged, so the auditor sees it.
    if (auto b = decode_block(*raw))
        for (const auto& id : b->tx_ids) {
            auto rec = chain_->store().get(Column::txs, id);
            txs.push_back(rec ? json::value(to_base64url(*rec)) : json::value(nullptr));
        }
    call.rows = txs.size();
    return json::object{{"height", height}, {"block", to_base64url(*raw)}, {"txs", std::move(txs)}};
}

std::optional<json::value> Node::chain_genesis(Call& call) {
    call.params.only({});
    return json::object{{"genesis", to_base64url(encode_genesis(chain_->genesis()))},
                        {"chain_id", to_hex(chain_->id())}};
}

std::optional<json::value> Node::account_balances(Call& call) {
    call.params.only({"account"});
    const Account a = rpc::parse_account(call.params.str("account"), "account");
    json::array list;
    std::shared_lock lock(chain_mutex_);
    for (const auto& [ticker, amount] : chain_->state().balances_of(a)) {
        const VenueRecord* v = chain_->state().venue(ticker);
        list.push_back(json::object{{"ticker", ticker},
                                    {"balance", format_amount(amount)},
                                    {"balance_units", amount},
                                    {"venue", v ? v->profile.name : ""}});
    }
    json::object o{{"account", account_text(a)}, {"balances", std::move(list)}};
    if (!a.is_key()) {
        const Binding* b = chain_->state().binding(a.phone());
        o["claimed"] = b != nullptr;
        o["key"] = b ? json::value(address_from_key(b->key)) : json::value(nullptr);
        o["rebind"] = rpc::rebind_json(chain_->state().pending_rebind(a.phone()));
    }
    return o;
}

json::value Node::history_page(const HistoryPage& page) {
    json::array entries;
    std::map<std::uint64_t, std::uint64_t> block_times;
    for (const auto& e : page.entries) {
        json::object o{{"id", to_hex(e.id)}, {"height", e.location.height}, {"index", e.location.index}};
        auto t = block_times.find(e.location.height);
        if (t == block_times.end())
            if (auto b = chain_->block_at(e.location.height))
                t = block_times.emplace(e.location.height, b->header.time_ms).first;
        if (t != block_times.end()) o["time_ms"] = t->second;
        if (auto rec = chain_->tx_record(e.id))
            if (auto stx = decode_signed_tx(rec->blob)) o["tx"] = rpc::tx_json(*stx);
        entries.push_back(std::move(o));
    }
    return json::object{{"entries", std::move(entries)}, {"next_cursor", page.next_cursor}};
}

std::optional<json::value> Node::account_history(Call& call) {
    call.params.only({"account", "cursor", "limit"});
    const Account a = rpc::parse_account(call.params.str("account"), "account");
    auto page = chain_->account_history(a, call.params.opt_str("cursor").value_or(""), page_limit(call.params));
    if (!page) throw Error(rpc::invalid_params, page.error());
    call.rows = page->entries.size();
    return history_page(*page);
}

std::optional<json::value> Node::venue_list(Call& call) {
    call.params.only({});
    json::array list;
    std::shared_lock lock(chain_mutex_);
    for (const auto& t : chain_->state().tickers()) {
        const VenueRecord* v = chain_->state().venue(t);
        list.push_back(json::object{{"ticker", t}, {"name", v->profile.name}, {"owner", address_from_key(v->owner)}});
    }
    return json::object{{"venues", std::move(list)}};
}

std::optional<json::value> Node::venue_get(Call& call) {
    call.params.only({"ticker"});
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    std::shared_lock lock(chain_mutex_);
    const State& s = chain_->state();
    const VenueRecord* v = s.venue(ticker);
    if (!v) throw Error(rpc::not_found, "no venue has the coin " + ticker);
    json::object o;
    o["ticker"] = ticker;
    o["owner"] = address_from_key(v->owner);
    o["profile"] = rpc::profile_json(v->profile);
    o["coin"] = json::object{{"ticker", ticker}, {"supply", format_amount(coin_supply_units)}, {"decimals", coin_decimals}};
    o["treasury_balance"] = format_amount(s.balance(ticker, Account::of_key(v->owner)));
    json::array products;
    for (const auto& p : s.products(ticker)) products.push_back(rpc::product_json(p));
    o["products"] = std::move(products);
    json::array staff;
    // The ledger keeps a member's tally for the UTC day of the block that last
    // moved it; on a later day, by this node's clock, nothing is given yet.
    const std::uint64_t today = clock_.now_ms() / ms_per_day;
    for (const auto& [key, rec] : s.staff_list(ticker)) {
        json::object m{{"address", address_from_key(key)},
                       {"role", role_name(rec.role)},
                       {"balance", format_amount(s.balance(ticker, Account::of_key(key)))}};
        m["limit_per_tx"] = rec.limits.per_tx ? json::value(format_amount(*rec.limits.per_tx)) : json::value(nullptr);
        m["limit_per_day"] = rec.limits.per_day ? json::value(format_amount(*rec.limits.per_day)) : json::value(nullptr);
        m["allowance"] = format_amount(rec.allowance);
        m["given_today"] = format_amount(rec.day == today ? rec.given_today : 0);
        staff.push_back(std::move(m));
    }
    o["staff"] = std::move(staff);
    return o;
}

std::optional<json::value> Node::phone_lookup(Call& call) {
    call.params.only({"phone", "key", "time_ms", "signature", "holder"});
    const std::string typed = call.params.str("phone");
    auto r = phones_->resolve(typed);
    if (!r) throw phone_error(r.error());
    // The operator (the cookie) holds the book and the secret already; anyone
    // else signs the request with a key the chain knows as a venue's owner
    // or staff, or as bound to a phone (docs/formats.md, "Signed phone lookup").
    if (!call.ctx.admin) {
        const PublicKey key = rpc::parse_address(call.params.str("key"), "key");
        const std::uint64_t time_ms = call.params.u64("time_ms");
        const auto sig_raw = from_hex(call.params.str("signature"));
        if (!sig_raw || sig_raw->size() != signature_bytes)
            throw Error(rpc::invalid_params, "param 'signature' must be " + std::to_string(2 * signature_bytes) +
                                                 " hex characters (an Ed25519 signature)");
        Signature sig;
        std::copy(sig_raw->begin(), sig_raw->end(), sig.bytes.begin());
        const auto message = lookup_request_bytes(typed, time_ms);
        if (!message) throw Error(rpc::invalid_params, "param 'phone' is too long");
        if (!verify(key, Domain::lookup, chain_->id(), *message, sig))
            throw Error(rpc::unauthorized,
                        "the lookup's signature does not verify for this key, phone, time_ms and chain");
        std::optional<LookupSigner> signer;
        {
            std::shared_lock lock(chain_mutex_);
            const State& s = chain_->state();
            if (auto holder = call.params.opt_str("holder")) {
                auto a = account_from_text(*holder);
                if (!a || a->is_key())
                    throw Error(rpc::invalid_params, "param 'holder' must be phone:<64 lowercase hex>");
                // The bound key, or the key a re-bind of that phone is waiting
                // for (it will hold the phone once the delay has passed).
                const Binding* b = s.binding(a->phone());
                const PendingRebind* p = s.pending_rebind(a->phone());
                if ((b && b->key == key) || (p && p->key == key)) signer = LookupSigner::client;
            }
            for (const auto& ticker : s.tickers()) {
                if (signer == LookupSigner::staff) break;
                const VenueRecord* v = s.venue(ticker);
                if ((v && v->owner == key) || s.staff(ticker, key)) signer = LookupSigner::staff;
            }
        }
        if (!signer)
            throw Error(rpc::unauthorized,
                        "phone lookups answer only a key that is a venue's owner or staff, or that is bound (or "
                        "waiting for a re-bind) to the phone given as 'holder'");
        // The replay guard's name for the request: who signed what.
        Bytes signed_request(key.bytes.begin(), key.bytes.end());
        signed_request.insert(signed_request.end(), message->begin(), message->end());
        const Hash256 digest = blake2b256(signed_request);
        if (auto ok = phones_->admit_lookup(digest, time_ms, client_rate_key(call.ctx.client_ip), key, *signer); !ok)
            throw phone_error(ok.error());
    }
    // In memory only: the book keeps the number once coins reach it.
    phones_->remember_lookup(*r);
    json::object o{{"e164", r->e164}, {"account", account_text(Account::of_phone(r->ref))}};
    std::shared_lock lock(chain_mutex_);
    const Binding* b = chain_->state().binding(r->ref);
    o["claimed"] = b != nullptr;
    o["key"] = b ? json::value(address_from_key(b->key)) : json::value(nullptr);
    o["rebind"] = rpc::rebind_json(chain_->state().pending_rebind(r->ref));
    return o;
}

std::optional<json::value> Node::phone_claim_request(Call& call) {
    call.params.only({"phone"});
    auto r = phones_->resolve(call.params.str("phone"));
    if (!r) throw phone_error(r.error());
    auto code = phones_->request_code(*r, client_rate_key(call.ctx.client_ip));
    if (!code) throw phone_error(code.error());
    // The code is in the text only, and only when it is sent (the outbox's
    // record holds claim_code_marker); the link is the phone's page without it.
    OutboxMessage m;
    m.kind = MessageKind::claim_code;
    m.phone = r->ref;
    m.link = phone_link(listen_url(), r->ref);
    m.created_ms = clock_.now_ms();
    m.text = "Kopilka claim code: " + std::string(claim_code_marker) + ". It works once, for " +
             std::to_string(phones_->code_ttl_s() / 60) + " minutes. Type it on " + m.link +
             " ; never tell it to anyone.";
    if (auto ok = outbox_->enqueue(std::move(m)); !ok) {
        log_.error("outbox.write_failed", {{"error", ok.error()}});
        throw Error(rpc::internal_error, "the node cannot write the message to its data dir; try again later");
    }
    // The same answer whether the code is new or sent again.
    return json::object{{"sent", true}, {"expires_in_s", phones_->code_ttl_s()}};
}

std::optional<json::value> Node::phone_claim_confirm(Call& call) {
    call.params.only({"phone", "code", "key"});
    auto r = phones_->resolve(call.params.str("phone"));
    if (!r) throw phone_error(r.error());
    const PublicKey key = rpc::parse_address(call.params.str("key"), "key");
    if (auto ok = phones_->consume_code(r->ref, call.params.str("code"), client_rate_key(call.ctx.client_ip)); !ok)
        throw phone_error(ok.error());
    // The person holds the number: the notifier may reach it from now on.
    phones_->remember_claimed(*r);
    Attestation a;
    a.phone = r->ref;
    a.key = key;
    {
        std::shared_lock lock(chain_mutex_);
        const Binding* b = chain_->state().binding(r->ref);
        a.sequence = b ? b->sequence + 1 : 1;
    }
    a.expiry_s = clock_.now_ms() / 1000 + attestation_ttl_s;
    a.attestor = attestor_->public_key();
    a.signature = attestor_->sign(Domain::attestation, chain_->id(), encode_attestation_unsigned(a));
    json::object o = rpc::attestation_json(a);
    o["attestation"] = to_base64url(encode_attestation(a));
    o["e164"] = r->e164;  // the caller just proved the number: its normal form tells them nothing new
    return o;
}

std::optional<json::value> Node::voucher_check(Call& call) {
    call.params.only({"voucher", "ticker"});
    const Bytes raw = rpc::parse_base64url(call.params.str("voucher"), "voucher", tx_bytes_max);
    auto v = decode_voucher(raw);
    if (!v) throw rpc::refused_error(Refused{Refusal::malformed, v.error()});
    json::object o = rpc::voucher_json(*v);
    auto refuse = [&](Refusal code, std::string message) {
        o["ok"] = false;
        o["reason"] = refusal_name(code);
        o["message"] = std::move(message);
        return o;
    };
    if (!verify_voucher_signature(*v, chain_->id()))
        return refuse(Refusal::bad_signature, "the voucher's signature does not verify for this chain");
    const std::string ticker = call.params.opt_str("ticker").value_or(v->ticker);
    // The same rules the block will apply, on a scratch copy of nothing: the
    // checks below mirror apply.cpp's Redeem without touching the state.
    std::shared_lock lock(chain_mutex_);
    const State& s = chain_->state();
    const std::uint64_t now_s = std::max(clock_.now_ms(), chain_->tip().time_ms) / 1000;
    if (!s.venue(ticker)) return refuse(Refusal::unknown_ticker, "no venue has the coin " + ticker);
    if (v->ticker != ticker) return refuse(Refusal::voucher_wrong_venue, "this voucher is for " + v->ticker + ", not " + ticker);
    if (v->expiry_s < now_s)
        return refuse(Refusal::voucher_expired, "the voucher expired at " + std::to_string(v->expiry_s) +
                                                    " (unix s); the client should show a new QR");
    // The block refuses these too (apply.cpp's Redeem); say so before anyone submits.
    if (v->expiry_s > now_s + voucher_expiry_ahead_s_max)
        return refuse(Refusal::voucher_expiry_too_far, "the voucher's expiry is more than a day ahead");
    if (s.voucher_used(voucher_id(*v))) return refuse(Refusal::voucher_used, "this voucher has already been redeemed");
    const Product* p = s.product(ticker, v->product_id);
    if (!p) return refuse(Refusal::unknown_product, "product " + std::to_string(v->product_id) + " is not in the catalogue");
    o["product"] = p->name;
    if (!p->active) return refuse(Refusal::product_inactive, p->name + " is not offered at the moment");
    if (p->price != v->price)
        return refuse(Refusal::price_changed, p->name + " now costs " + format_amount(p->price) + "; the voucher says " +
                                                  format_amount(v->price));
    const bool holds = v->client.is_key() ? v->client.key() == v->signer
                                          : (s.binding(v->client.phone()) && s.binding(v->client.phone())->key == v->signer);
    if (!holds) return refuse(Refusal::voucher_not_client, "the voucher is not signed by the key that holds the account");
    if (v->client == Account::of_key(s.venue(ticker)->owner))
        return refuse(Refusal::self_transfer, "the treasury cannot redeem from itself");
    const Amount bal = s.balance(ticker, v->client);
    o["client_balance"] = format_amount(bal);
    if (bal < v->price)
        return refuse(Refusal::insufficient_balance, "the client holds " + format_amount(bal) + " " + ticker +
                                                         ", the reward costs " + format_amount(v->price));
    o["ok"] = true;
    return o;
}

std::optional<json::value> Node::rpc_discover(Call& call) {
    call.params.only({});
    return rpc::openrpc_document(node_version);
}

std::optional<json::value> Node::subscribe(Call& call) {
    call.params.only({"topic", "account", "ticker"});
    Subscription sub;
    const std::string topic = call.params.str("topic");
    if (topic == "blocks") {
        sub.topic = Subscription::Topic::blocks;
    } else if (topic == "account") {
        sub.topic = Subscription::Topic::account;
        sub.account = rpc::parse_account(call.params.str("account"), "account");
    } else if (topic == "venue") {
        sub.topic = Subscription::Topic::venue;
        sub.ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    } else {
        throw Error(rpc::invalid_params, "topic must be blocks, account or venue");
    }
    std::lock_guard lock(subs_mutex_);
    Session& s = sessions_[call.ctx.session];
    constexpr std::size_t subscriptions_per_session_max = 64;
    if (s.subs.size() >= subscriptions_per_session_max)
        throw Error(rpc::invalid_params, "at most 64 subscriptions per connection");
    s.push = call.ctx.push;
    sub.id = next_subscription_++;
    s.subs.push_back(sub);
    return json::object{{"subscription", sub.id}};
}

std::optional<json::value> Node::unsubscribe(Call& call) {
    call.params.only({"subscription"});
    const std::uint64_t id = call.params.u64("subscription");
    std::lock_guard lock(subs_mutex_);
    auto it = sessions_.find(call.ctx.session);
    bool removed = false;
    if (it != sessions_.end())
        removed = std::erase_if(it->second.subs, [&](const Subscription& s) { return s.id == id; }) > 0;
    return json::object{{"removed", removed}};
}

std::optional<json::value> Node::admin_outbox(Call& call) {
    call.params.only({"limit", "state"});
    const std::size_t limit =
        static_cast<std::size_t>(std::min<std::uint64_t>(call.params.opt_u64("limit").value_or(outbox_page_default),
                                                          outbox_page_max));
    std::optional<MessageState> state;
    if (auto s = call.params.opt_str("state")) {
        for (auto st : {MessageState::pending, MessageState::sent, MessageState::dead, MessageState::expired,
                        MessageState::held, MessageState::stopped})
            if (message_state_name(st) == *s) state = st;
        if (!state)
            throw Error(rpc::invalid_params, "param 'state' must be pending, sent, dead, expired, held or stopped");
    }
    json::array list;
    for (const auto& m : outbox_->recent(limit, state)) {
        // The operator sees what was (or will be) sent: the number and, while
        // it is live, the code. Neither is in the record itself.
        // A code that was used or has expired shows as "[code]"; its number
        // then comes from the book (a claimed phone is in it), else null.
        auto r = render_message(m, /*sending=*/false);
        std::optional<std::string> number = r ? std::optional(r->phone) : phones_->number_of(m.phone);
        std::string text = r ? r->text : with_claim_code(m.text, "[code]");
        json::object o{{"seq", m.seq},
                       {"kind", message_kind_name(m.kind)},
                       {"state", message_state_name(m.state)},
                       {"phone", number ? json::value(*number) : json::value(nullptr)},
                       {"account", account_text(Account::of_phone(m.phone))},
                       {"text", std::move(text)},
                       {"link", m.link},
                       {"time_ms", m.created_ms},
                       {"key", m.key},
                       {"tx", m.tx ? json::value(to_hex(*m.tx)) : json::value(nullptr)},
                       {"height", m.height},
                       {"attempts", m.attempts},
                       {"next_attempt_ms", m.state == MessageState::pending ? json::value(m.next_ms) : json::value(nullptr)},
                       {"done_ms", m.state == MessageState::pending ? json::value(nullptr) : json::value(m.done_ms)},
                       {"channel", m.channel},
                       {"provider_id", m.provider_id},
                       {"error", m.error},
                       {"segments", m.segments},
                       {"venue", m.venue},
                       {"delivery", m.delivery.empty() ? json::value(nullptr) : json::value(m.delivery)},
                       {"delivery_ms", m.delivery.empty() ? json::value(nullptr) : json::value(m.delivery_ms)}};
        list.push_back(std::move(o));
    }
    const Outbox::Counts c = outbox_->counts();
    return json::object{{"messages", std::move(list)},
                        {"channel", outbox_->channel().name()},
                        {"counts", json::object{{"pending", c.pending}, {"sent", c.sent}, {"dead", c.dead}, {"expired", c.expired},
                                                {"held", c.held}, {"stopped", c.stopped}}}};
}

namespace {

json::object credits_json(const Outbox::Credits& c) {
    return json::object{{"balance", c.balance},  {"free", c.free}, {"granted", c.granted},
                        {"spent", c.spent},      {"held", c.held}};
}

}  // namespace

// The venue whose credits a call names: a coin this chain has.
std::string Node::credits_venue(Call& call) {
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    std::shared_lock lock(chain_mutex_);
    if (!chain_->state().venue(ticker)) throw Error(rpc::not_found, "no venue has the coin " + ticker);
    return ticker;
}

std::optional<json::value> Node::admin_credits_add(Call& call) {
    call.params.only({"ticker", "segments", "note"});
    const std::string ticker = credits_venue(call);
    auto c = outbox_->grant(ticker, call.params.u64("segments"), call.params.opt_str("note").value_or(""));
    if (!c && c.error().invalid) throw Error(rpc::invalid_params, c.error().why);
    if (!c) {
        log_.error("sms.credits_write_failed", {{"error", c.error().why}});
        throw Error(rpc::internal_error, "the pack could not be written; nothing was added, try again later");
    }
    return credits_json(*c);
}

std::optional<json::value> Node::sms_credits(Call& call) {
    call.params.only({"ticker", "limit"});
    const std::string ticker = credits_venue(call);
    const std::size_t limit = static_cast<std::size_t>(
        std::min<std::uint64_t>(call.params.opt_u64("limit").value_or(credits_page_default), credits_page_max));
    json::object o = credits_json(outbox_->credits(ticker));
    json::array grants;
    for (const auto& g : outbox_->grants(ticker, limit))
        grants.push_back(json::object{{"seq", g.seq}, {"segments", g.segments}, {"note", g.note}, {"time_ms", g.time_ms}});
    // Every debit is a sent message's record: what it was, never to whom.
    json::array debits;
    for (const auto& d : outbox_->debits(ticker, limit))
        debits.push_back(json::object{{"seq", d.seq},
                                      {"kind", message_kind_name(d.kind)},
                                      {"segments", d.segments},
                                      {"time_ms", d.time_ms},
                                      {"tx", d.tx ? json::value(to_hex(*d.tx)) : json::value(nullptr)}});
    o["grants"] = std::move(grants);
    o["debits"] = std::move(debits);
    o["channel"] = outbox_->channel().name();
    o["metered"] = outbox_->channel().metered();
    return o;
}

std::optional<json::value> Node::sms_preview(Call& call) {
    call.params.only({"text"});
    const std::string text = call.params.str("text");
    if (text.size() > sms_preview_bytes_max)
        throw Error(rpc::invalid_params, "param 'text' is at most " + std::to_string(sms_preview_bytes_max) + " bytes");
    const SmsSize size = sms_size(text);
    return json::object{{"encoding", sms_encoding_name(size.encoding)},
                        {"characters", size.characters},
                        {"units", size.units},
                        {"segments", size.segments},
                        {"cost", outbox_->channel().metered() ? size.segments : 0}};
}

std::optional<json::value> Node::admin_stop(Call& call) {
    call.params.only({});
    log_.info("node.stop_requested", {{"by", "admin.stop"}});
    request_stop();
    return json::object{{"stopping", true}};
}

}  // namespace kopilka::node
