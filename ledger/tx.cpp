#include "ledger/tx.h"

#include "ledger/codec.h"
#include "ledger/programme_codec.h"

#include <stdexcept>

namespace kopilka::ledger {

namespace {

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};

void write_voucher_fields(Writer& w, const Voucher& v) {
    w.u8(voucher_version);
    write_ticker(w, v.ticker);
    w.u32(v.product_id).u64(v.price);
    write_account(w, v.client);
    w.u64(v.nonce).u64(v.expiry_s).key(v.signer);
}

Voucher read_voucher(Reader& r) {
    if (const auto ver = r.u8(); ver != voucher_version)
        throw DecodeError("unknown voucher version " + std::to_string(ver));
    Voucher v;
    v.ticker = read_ticker(r);
    v.product_id = r.u32();
    v.price = r.u64();
    v.client = read_account(r);
    v.nonce = r.u64();
    v.expiry_s = r.u64();
    v.signer = r.key();
    v.signature = r.signature();
    return v;
}

void write_attestation_fields(Writer& w, const Attestation& a) {
    w.u8(attestation_version).hash(a.phone).key(a.key).u32(a.sequence).u64(a.expiry_s).key(a.attestor);
}

Attestation read_attestation(Reader& r) {
    if (const auto ver = r.u8(); ver != attestation_version)
        throw DecodeError("unknown attestation version " + std::to_string(ver));
    Attestation a;
    a.phone = r.hash();
    a.key = r.key();
    a.sequence = r.u32();
    a.expiry_s = r.u64();
    a.attestor = r.key();
    a.signature = r.signature();
    return a;
}

void write_acceptance_fields(Writer& w, const StaffAcceptance& a) {
    w.u8(staff_acceptance_version);
    write_ticker(w, a.ticker);
    w.key(a.staff).u64(a.expiry_s);
}

StaffAcceptance read_acceptance(Reader& r) {
    if (const auto ver = r.u8(); ver != staff_acceptance_version)
        throw DecodeError("unknown staff acceptance version " + std::to_string(ver));
    StaffAcceptance a;
    a.ticker = read_ticker(r);
    a.staff = r.key();
    a.expiry_s = r.u64();
    a.signature = r.signature();
    return a;
}

void write_consent_fields(Writer& w, const PayConsent& c) {
    w.u8(pay_consent_version);
    write_ticker(w, c.ticker);
    write_account(w, c.client);
    w.u64(c.amount).hash(c.receipt_digest).u64(c.nonce).u64(c.expiry_s).key(c.signer);
}

PayConsent read_consent(Reader& r) {
    if (const auto ver = r.u8(); ver != pay_consent_version)
        throw DecodeError("unknown pay consent version " + std::to_string(ver));
    PayConsent c;
    c.ticker = read_ticker(r);
    c.client = read_account(r);
    c.amount = r.u64();
    c.receipt_digest = r.hash();
    c.nonce = r.u64();
    c.expiry_s = r.u64();
    c.signer = r.key();
    c.signature = r.signature();
    return c;
}

void write_client_ref(Writer& w, const ClientRef& c) {
    w.u8(static_cast<std::uint8_t>(c.kind));
    if (c.kind == ClientRef::Kind::account) {
        write_account(w, c.account);
    } else {
        if (!loyalty::valid_card(c.card)) throw std::invalid_argument("a card number is 4-32 of 0-9 and A-Z");
        w.text(c.card);
    }
}

ClientRef read_client_ref(Reader& r) {
    ClientRef c;
    const std::uint8_t kind = r.u8();
    if (kind == static_cast<std::uint8_t>(ClientRef::Kind::account)) {
        c.kind = ClientRef::Kind::account;
        c.account = read_account(r);
    } else if (kind == static_cast<std::uint8_t>(ClientRef::Kind::card)) {
        c.kind = ClientRef::Kind::card;
        c.card = r.text(loyalty::card_bytes_max, "card");
        if (!loyalty::valid_card(c.card)) throw DecodeError("card \"" + c.card + "\" is not 4-32 of 0-9 and A-Z");
    } else {
        throw DecodeError("unknown client reference kind " + std::to_string(kind));
    }
    return c;
}

void write_opt_account(Writer& w, const std::optional<Account>& a) {
    w.boolean(a.has_value());
    if (a) write_account(w, *a);
}

std::optional<Account> read_opt_account(Reader& r) {
    if (!r.boolean()) return std::nullopt;
    return read_account(r);
}

void check_birthday(std::uint8_t month, std::uint8_t day) {
    if (!loyalty::valid_birthday(month, day))
        throw std::invalid_argument("birthday " + std::to_string(month) + "-" + std::to_string(day) + " is not a date");
}

void check_memo(const std::string& memo) {
    if (memo.size() > memo_bytes_max) throw std::invalid_argument("memo must be at most 140 bytes of text");
    if (auto err = display_text_error(memo, "memo", false); !err.empty()) throw std::invalid_argument(err);
}

void write_body(Writer& w, const TxBody& body) {
    std::visit(Overloaded{
                   [&](const VenueCreate& b) {
                       write_ticker(w, b.ticker);
                       write_profile(w, b.profile);
                   },
                   [&](const VenueUpdate& b) {
                       write_ticker(w, b.ticker);
                       write_profile(w, b.profile);
                   },
                   [&](const ProductUpsert& b) {
                       write_ticker(w, b.ticker);
                       write_product(w, b.product);
                   },
                   [&](const ProductRemove& b) {
                       write_ticker(w, b.ticker);
                       w.u32(b.product_id);
                   },
                   [&](const StaffUpdate& b) {
                       write_ticker(w, b.ticker);
                       w.key(b.staff);
                       write_role(w, b.role);
                       write_limits(w, b.limits);
                   },
                   [&](const StaffRemove& b) {
                       write_ticker(w, b.ticker);
                       w.key(b.staff);
                   },
                   [&](const Transfer& b) {
                       check_memo(b.memo);
                       write_ticker(w, b.ticker);
                       write_account(w, b.from);
                       write_account(w, b.to);
                       w.u64(b.amount).text(b.memo);
                   },
                   [&](const PhoneBind& b) {
                       write_attestation_fields(w, b.attestation);
                       w.signature(b.attestation.signature);
                   },
                   [&](const Redeem& b) {
                       write_ticker(w, b.ticker);
                       write_voucher_fields(w, b.voucher);
                       w.signature(b.voucher.signature);
                   },
                   [&](const StaffAdd& b) {
                       write_ticker(w, b.ticker);
                       write_role(w, b.role);
                       write_limits(w, b.limits);
                       write_acceptance_fields(w, b.acceptance);
                       w.signature(b.acceptance.signature);
                   },
                   [&](const PhoneRebindCancel& b) { w.hash(b.phone); },
                   [&](const PhoneRebindComplete& b) { w.hash(b.phone); },
                   [&](const ProgrammeSet& b) {
                       write_ticker(w, b.ticker);
                       loyalty::write_programme(w, b.programme);
                   },
                   [&](const Purchase& b) {
                       write_ticker(w, b.ticker);
                       write_client_ref(w, b.client);
                       loyalty::write_receipt(w, b.receipt);
                       w.u32(b.programme_version).u64(b.pay);
                       w.boolean(b.consent.has_value());
                       if (b.consent) {
                           write_consent_fields(w, *b.consent);
                           w.signature(b.consent->signature);
                       }
                       write_opt_account(w, b.referrer);
                   },
                   [&](const PurchaseReturn& b) {
                       write_ticker(w, b.ticker);
                       w.hash(b.purchase).u64(b.amount);
                   },
                   [&](const CardBind& b) {
                       if (!loyalty::valid_card(b.card)) throw std::invalid_argument("a card number is 4-32 of 0-9 and A-Z");
                       write_ticker(w, b.ticker);
                       w.text(b.card);
                       write_account(w, b.client);
                   },
                   [&](const BirthdaySet& b) {
                       check_birthday(b.month, b.day);
                       write_ticker(w, b.ticker);
                       write_account(w, b.client);
                       w.u8(b.month).u8(b.day);
                   },
               },
               body);
}

TxBody read_body(Reader& r, TxKind kind) {
    switch (kind) {
        case TxKind::venue_create: {
            VenueCreate b;
            b.ticker = read_ticker(r);
            b.profile = read_profile(r);
            return b;
        }
        case TxKind::venue_update: {
            VenueUpdate b;
            b.ticker = read_ticker(r);
            b.profile = read_profile(r);
            return b;
        }
        case TxKind::product_upsert: {
            ProductUpsert b;
            b.ticker = read_ticker(r);
            b.product = read_product(r);
            return b;
        }
        case TxKind::product_remove: {
            ProductRemove b;
            b.ticker = read_ticker(r);
            b.product_id = r.u32();
            return b;
        }
        case TxKind::staff_update: {
            StaffUpdate b;
            b.ticker = read_ticker(r);
            b.staff = r.key();
            b.role = read_role(r);
            b.limits = read_limits(r);
            return b;
        }
        case TxKind::staff_remove: {
            StaffRemove b;
            b.ticker = read_ticker(r);
            b.staff = r.key();
            return b;
        }
        case TxKind::transfer: {
            Transfer b;
            b.ticker = read_ticker(r);
            b.from = read_account(r);
            b.to = read_account(r);
            b.amount = r.u64();
            b.memo = r.text(memo_bytes_max, "memo");
            return b;
        }
        case TxKind::phone_bind: {
            PhoneBind b;
            b.attestation = read_attestation(r);
            return b;
        }
        case TxKind::redeem: {
            Redeem b;
            b.ticker = read_ticker(r);
            b.voucher = read_voucher(r);
            return b;
        }
        case TxKind::staff_add: {
            StaffAdd b;
            b.ticker = read_ticker(r);
            b.role = read_role(r);
            b.limits = read_limits(r);
            b.acceptance = read_acceptance(r);
            return b;
        }
        case TxKind::phone_rebind_cancel: {
            PhoneRebindCancel b;
            b.phone = r.hash();
            return b;
        }
        case TxKind::phone_rebind_complete: {
            PhoneRebindComplete b;
            b.phone = r.hash();
            return b;
        }
        case TxKind::programme_set: {
            ProgrammeSet b;
            b.ticker = read_ticker(r);
            b.programme = loyalty::read_programme(r);
            return b;
        }
        case TxKind::purchase: {
            Purchase b;
            b.ticker = read_ticker(r);
            b.client = read_client_ref(r);
            b.receipt = loyalty::read_receipt(r);
            b.programme_version = r.u32();
            b.pay = r.u64();
            if (r.boolean()) b.consent = read_consent(r);
            b.referrer = read_opt_account(r);
            return b;
        }
        case TxKind::purchase_return: {
            PurchaseReturn b;
            b.ticker = read_ticker(r);
            b.purchase = r.hash();
            b.amount = r.u64();
            return b;
        }
        case TxKind::card_bind: {
            CardBind b;
            b.ticker = read_ticker(r);
            b.card = r.text(loyalty::card_bytes_max, "card");
            if (!loyalty::valid_card(b.card)) throw DecodeError("card \"" + b.card + "\" is not 4-32 of 0-9 and A-Z");
            b.client = read_account(r);
            return b;
        }
        case TxKind::birthday_set: {
            BirthdaySet b;
            b.ticker = read_ticker(r);
            b.client = read_account(r);
            b.month = r.u8();
            b.day = r.u8();
            if (!loyalty::valid_birthday(b.month, b.day))
                throw DecodeError("birthday " + std::to_string(b.month) + "-" + std::to_string(b.day) + " is not a date");
            return b;
        }
    }
    throw DecodeError("unknown transaction kind " + std::to_string(static_cast<int>(kind)));
}

}  // namespace

std::string_view kind_name(TxKind k) {
    switch (k) {
        case TxKind::venue_create: return "venue_create";
        case TxKind::venue_update: return "venue_update";
        case TxKind::product_upsert: return "product_upsert";
        case TxKind::product_remove: return "product_remove";
        case TxKind::staff_update: return "staff_update";
        case TxKind::staff_remove: return "staff_remove";
        case TxKind::transfer: return "transfer";
        case TxKind::phone_bind: return "phone_bind";
        case TxKind::redeem: return "redeem";
        case TxKind::staff_add: return "staff_add";
        case TxKind::phone_rebind_cancel: return "phone_rebind_cancel";
        case TxKind::phone_rebind_complete: return "phone_rebind_complete";
        case TxKind::programme_set: return "programme_set";
        case TxKind::purchase: return "purchase";
        case TxKind::purchase_return: return "purchase_return";
        case TxKind::card_bind: return "card_bind";
        case TxKind::birthday_set: return "birthday_set";
    }
    return "unknown";
}

TxKind Tx::kind() const { return static_cast<TxKind>(body.index() + 1); }
static_assert(std::variant_size_v<TxBody> == static_cast<std::size_t>(tx_kind_last), "one body type per kind");

const std::string& tx_ticker(const Tx& tx) {
    static const std::string none;
    return std::visit(Overloaded{
                          [](const PhoneBind&) -> const std::string& { return none; },
                          [](const PhoneRebindCancel&) -> const std::string& { return none; },
                          [](const PhoneRebindComplete&) -> const std::string& { return none; },
                          [](const auto& b) -> const std::string& { return b.ticker; },
                      },
                      tx.body);
}

Bytes encode_attestation_unsigned(const Attestation& a) {
    Writer w;
    write_attestation_fields(w, a);
    return std::move(w).take();
}

Bytes encode_attestation(const Attestation& a) {
    Writer w;
    write_attestation_fields(w, a);
    w.signature(a.signature);
    return std::move(w).take();
}

std::expected<Attestation, std::string> decode_attestation(ByteView bytes) {
    return decode_exact(bytes, "attestation", read_attestation);
}

Bytes encode_staff_acceptance_unsigned(const StaffAcceptance& a) {
    Writer w;
    write_acceptance_fields(w, a);
    return std::move(w).take();
}

Bytes encode_staff_acceptance(const StaffAcceptance& a) {
    Writer w;
    write_acceptance_fields(w, a);
    w.signature(a.signature);
    return std::move(w).take();
}

std::expected<StaffAcceptance, std::string> decode_staff_acceptance(ByteView bytes) {
    return decode_exact(bytes, "staff acceptance", read_acceptance);
}

Hash256 staff_acceptance_id(const StaffAcceptance& a) { return blake2b256(encode_staff_acceptance_unsigned(a)); }

StaffAcceptance accept_staff(const KeyPair& staff, const std::string& ticker, std::uint64_t expiry_s,
                             const ChainId& chain) {
    StaffAcceptance a{ticker, staff.public_key(), expiry_s, {}};
    a.signature = staff.sign(Domain::staff_accept, chain, encode_staff_acceptance_unsigned(a));
    return a;
}

bool verify_staff_acceptance(const StaffAcceptance& a, const ChainId& chain) {
    return verify(a.staff, Domain::staff_accept, chain, encode_staff_acceptance_unsigned(a), a.signature);
}

Bytes encode_voucher_unsigned(const Voucher& v) {
    Writer w;
    write_voucher_fields(w, v);
    return std::move(w).take();
}

Bytes encode_voucher(const Voucher& v) {
    Writer w;
    write_voucher_fields(w, v);
    w.signature(v.signature);
    return std::move(w).take();
}

std::expected<Voucher, std::string> decode_voucher(ByteView bytes) {
    return decode_exact(bytes, "voucher", read_voucher);
}

Hash256 voucher_id(const Voucher& v) { return blake2b256(encode_voucher_unsigned(v)); }

void sign_voucher(Voucher& v, const KeyPair& key, const ChainId& chain) {
    v.signer = key.public_key();
    v.signature = key.sign(Domain::voucher, chain, encode_voucher_unsigned(v));
}

bool verify_voucher_signature(const Voucher& v, const ChainId& chain) {
    return verify(v.signer, Domain::voucher, chain, encode_voucher_unsigned(v), v.signature);
}

Bytes encode_pay_consent_unsigned(const PayConsent& c) {
    Writer w;
    write_consent_fields(w, c);
    return std::move(w).take();
}

Bytes encode_pay_consent(const PayConsent& c) {
    Writer w;
    write_consent_fields(w, c);
    w.signature(c.signature);
    return std::move(w).take();
}

std::expected<PayConsent, std::string> decode_pay_consent(ByteView bytes) {
    return decode_exact(bytes, "pay consent", read_consent);
}

Hash256 pay_consent_id(const PayConsent& c) { return blake2b256(encode_pay_consent_unsigned(c)); }

void sign_pay_consent(PayConsent& c, const KeyPair& key, const ChainId& chain) {
    c.signer = key.public_key();
    c.signature = key.sign(Domain::pay_consent, chain, encode_pay_consent_unsigned(c));
}

bool verify_pay_consent_signature(const PayConsent& c, const ChainId& chain) {
    return verify(c.signer, Domain::pay_consent, chain, encode_pay_consent_unsigned(c), c.signature);
}

Hash256 receipt_digest(const loyalty::Receipt& r) { return blake2b256(loyalty::encode_receipt(r)); }

Bytes encode_tx(const Tx& tx) {
    Writer w;
    w.u8(tx_version).u8(static_cast<std::uint8_t>(tx.kind())).key(tx.signer).u64(tx.nonce).u64(tx.expiry_s);
    write_body(w, tx.body);
    return std::move(w).take();
}

Hash256 tx_id(const Tx& tx) { return tx_id_of_encoded(encode_tx(tx)); }

Hash256 tx_id_of_encoded(ByteView tx_bytes) { return blake2b256(tx_bytes); }

Bytes encode_signed_tx(const SignedTx& stx) {
    Bytes out = encode_tx(stx.tx);
    out.insert(out.end(), stx.signature.bytes.begin(), stx.signature.bytes.end());
    return out;
}

std::expected<SignedTx, std::string> decode_signed_tx(ByteView bytes) {
    if (bytes.size() > tx_bytes_max)
        return std::unexpected("transaction is " + std::to_string(bytes.size()) + " bytes; at most " +
                               std::to_string(tx_bytes_max) + " allowed");
    try {
        Reader r(bytes);
        if (const auto ver = r.u8(); ver != tx_version)
            throw DecodeError("unknown transaction version " + std::to_string(ver));
        const std::uint8_t kind = r.u8();
        if (kind < 1 || kind > static_cast<std::uint8_t>(tx_kind_last))
            throw DecodeError("unknown transaction kind " + std::to_string(kind));
        SignedTx stx;
        stx.tx.signer = r.key();
        stx.tx.nonce = r.u64();
        stx.tx.expiry_s = r.u64();
        stx.tx.body = read_body(r, static_cast<TxKind>(kind));
        stx.signature = r.signature();
        r.finish();
        return stx;
    } catch (const DecodeError& e) {
        return std::unexpected(std::string("malformed transaction: ") + e.what());
    }
}

SignedTx sign_tx(const Tx& tx, const KeyPair& key, const ChainId& chain) {
    if (tx.signer != key.public_key()) throw std::invalid_argument("sign_tx: key is not the transaction's signer");
    return SignedTx{tx, key.sign(Domain::transaction, chain, encode_tx(tx))};
}

ByteView unsigned_tx_bytes(ByteView signed_bytes) {
    if (signed_bytes.size() < signature_bytes) throw std::invalid_argument("unsigned_tx_bytes: too short");
    return signed_bytes.first(signed_bytes.size() - signature_bytes);
}

bool verify_tx_signatures(const SignedTx& stx, const ChainId& chain) {
    return verify_tx_signatures(stx, encode_tx(stx.tx), chain);
}

bool verify_tx_signatures(const SignedTx& stx, ByteView tx_bytes, const ChainId& chain) {
    if (!verify(stx.tx.signer, Domain::transaction, chain, tx_bytes, stx.signature)) return false;
    if (const auto* r = std::get_if<Redeem>(&stx.tx.body)) return verify_voucher_signature(r->voucher, chain);
    if (const auto* b = std::get_if<PhoneBind>(&stx.tx.body))
        return verify(b->attestation.attestor, Domain::attestation, chain,
                      encode_attestation_unsigned(b->attestation), b->attestation.signature);
    if (const auto* a = std::get_if<StaffAdd>(&stx.tx.body)) return verify_staff_acceptance(a->acceptance, chain);
    if (const auto* p = std::get_if<Purchase>(&stx.tx.body); p && p->consent)
        return verify_pay_consent_signature(*p->consent, chain);
    return true;
}

}  // namespace kopilka::ledger
