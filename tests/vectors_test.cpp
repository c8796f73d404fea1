// Golden vectors for the canonical encoding and the signatures over it.
//
// tests/vectors/transactions.json lets another implementation (the web page,
// a till plugin) prove that it builds, hashes and signs exactly the bytes this
// one does. It is an array of flat objects whose values are all strings, so a
// reader in any language (and the tiny one below) can load it without a
// general JSON library; docs/formats.md explains every field.
//
//   KOPILKA_WRITE_VECTORS=1 ./test_codec "[vectors]"   regenerates the file
//   ./test_codec "[vectors]"                            checks it
//
// Checking does two independent things: every value in the file must equal
// what this code computes now (so an encoding change cannot slip in without
// a visible diff of the committed file), and every signed object in the file
// is decoded, re-encoded, re-hashed and verified from the file's own bytes (so
// the file is proven self-consistent, not just equal to itself).
//
// Everything is deterministic: fixed seeds, nonces and expiries, and Ed25519
// signatures (RFC 8032) have no randomness.
#include "support.h"

#include "crypto/address.h"
#include "ledger/block.h"
#include "ledger/codec.h"
#include "ledger/invite.h"
#include "ledger/merkle.h"
#include "ledger/programme_codec.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kopilka::test {
namespace {

// One vector: keys and values in file order.
using Entry = std::vector<std::pair<std::string, std::string>>;

const std::string vectors_path = std::string(KOPILKA_SOURCE_DIR) + "/tests/vectors/transactions.json";

const std::string* find(const Entry& e, std::string_view key) {
    for (const auto& [k, v] : e)
        if (k == key) return &v;
    return nullptr;
}

const std::string& at(const Entry& e, std::string_view key) {
    if (const auto* v = find(e, key)) return *v;
    throw std::runtime_error("vector has no field \"" + std::string(key) + "\"");
}

Bytes hex_at(const Entry& e, std::string_view key) {
    auto b = from_hex(at(e, key));
    if (!b) throw std::runtime_error("field \"" + std::string(key) + "\" is not hex");
    return *b;
}

// --- the JSON subset: writer ---

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            // Never produced by valid_display_text fields, but a vector must
            // still be valid JSON if one ever carries such a byte.
            static constexpr char digits[] = "0123456789abcdef";
            out += "\\u00";
            out += digits[u >> 4];
            out += digits[u & 0xF];
        } else {
            out += c;  // UTF-8 passes through: JSON text is UTF-8 (RFC 8259)
        }
    }
    return out + '"';
}

std::string to_json(const std::vector<Entry>& entries) {
    std::string out = "[\n";
    for (std::size_t i = 0; i < entries.size(); ++i) {
        out += "  {\n";
        for (std::size_t j = 0; j < entries[i].size(); ++j) {
            out += "    " + json_string(entries[i][j].first) + ": " + json_string(entries[i][j].second);
            out += j + 1 < entries[i].size() ? ",\n" : "\n";
        }
        out += i + 1 < entries.size() ? "  },\n" : "  }\n";
    }
    return out + "]\n";
}

// --- the JSON subset: reader ---
//
// Accepts exactly: an array of objects whose values are strings, with any
// JSON whitespace between tokens. Anything else (numbers, nesting, duplicate
// keys, bad escapes, trailing text) is an error naming the offset, so a
// hand-edited file fails loudly instead of being half-read.
class JsonSubsetReader {
public:
    explicit JsonSubsetReader(std::string_view text) : s_(text) {}

    std::vector<Entry> read() {
        std::vector<Entry> out;
        skip_ws();
        expect('[');
        skip_ws();
        if (peek() == ']') {
            ++pos_;
        } else {
            for (;;) {
                out.push_back(object());
                skip_ws();
                if (peek() == ',') {
                    ++pos_;
                    skip_ws();
                    continue;
                }
                expect(']');
                break;
            }
        }
        skip_ws();
        if (pos_ != s_.size()) fail("text after the closing ]");
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("vectors JSON: " + what + " at offset " + std::to_string(pos_));
    }
    char peek() const {
        if (pos_ >= s_.size()) fail("unexpected end");
        return s_[pos_];
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++pos_;
    }
    void skip_ws() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
            ++pos_;
    }

    Entry object() {
        Entry e;
        expect('{');
        skip_ws();
        if (peek() == '}') {
            ++pos_;
            return e;
        }
        for (;;) {
            skip_ws();
            std::string key = string();
            if (find(e, key)) fail("duplicate key \"" + key + "\"");
            skip_ws();
            expect(':');
            skip_ws();
            if (peek() != '"') fail("value of \"" + key + "\" is not a string");
            std::string value = string();
            e.emplace_back(std::move(key), std::move(value));
            skip_ws();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect('}');
            return e;
        }
    }

    unsigned hex4() {
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = peek();
            ++pos_;
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= static_cast<unsigned>(c - 'A' + 10);
            else
                fail("bad \\u escape");
        }
        return v;
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | cp >> 6);
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | cp >> 12);
            out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | cp >> 18);
            out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
            out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            const char c = peek();
            ++pos_;
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("raw control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            const char esc = peek();
            ++pos_;
            switch (esc) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    std::uint32_t cp = hex4();
                    if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate");
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        expect('\\');
                        expect('u');
                        const std::uint32_t lo = hex4();
                        if (lo < 0xDC00 || lo > 0xDFFF) fail("high surrogate without a low one");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    append_utf8(out, cp);
                    break;
                }
                default: fail("unknown escape");
            }
        }
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

// --- readable forms of every object (also used to check decoded objects) ---

std::string dec(std::uint64_t v) { return std::to_string(v); }
std::string dec_i(std::int32_t v) { return std::to_string(v); }
std::string yes_no(bool b) { return b ? "true" : "false"; }
std::string opt_amount(const std::optional<Amount>& a) { return a ? dec(*a) : "none"; }
std::string addr(const PublicKey& k) { return address_from_key(k); }

void add(Entry& e, std::string key, std::string value) { e.emplace_back(std::move(key), std::move(value)); }

void describe_account(Entry& e, const std::string& key, const Account& a) {
    add(e, key, account_text(a));
    add(e, key + ".kind", a.is_key() ? "key" : "phone");
}

void describe_profile(Entry& e, const std::string& p, const Profile& prof) {
    add(e, p + "name", prof.name);
    add(e, p + "logo_url", prof.logo_url);
    add(e, p + "street_address", prof.street_address);
    add(e, p + "geo.present", yes_no(prof.geo.has_value()));
    if (prof.geo) {
        add(e, p + "geo.lat_e7", dec_i(prof.geo->lat_e7));
        add(e, p + "geo.lon_e7", dec_i(prof.geo->lon_e7));
    }
    add(e, p + "phone", prof.phone);
    add(e, p + "links.count", dec(prof.links.size()));
    for (std::size_t i = 0; i < prof.links.size(); ++i) add(e, p + "links." + dec(i), prof.links[i]);
    add(e, p + "hours", prof.hours);
}

void describe_product(Entry& e, const std::string& p, const Product& prod) {
    add(e, p + "id", dec(prod.id));
    add(e, p + "name", prod.name);
    add(e, p + "price", dec(prod.price));
    add(e, p + "price_text", format_amount(prod.price));
    add(e, p + "category", prod.category);
    add(e, p + "image_url", prod.image_url);
    add(e, p + "active", yes_no(prod.active));
}

void describe_voucher(Entry& e, const std::string& p, const Voucher& v) {
    add(e, p + "version", dec(voucher_version));
    add(e, p + "ticker", v.ticker);
    add(e, p + "product_id", dec(v.product_id));
    add(e, p + "price", dec(v.price));
    describe_account(e, p + "client", v.client);
    add(e, p + "nonce", dec(v.nonce));
    add(e, p + "expiry_s", dec(v.expiry_s));
    add(e, p + "signer", addr(v.signer));
    add(e, p + "signer_public_key_hex", to_hex(v.signer.view()));
    add(e, p + "signature_hex", to_hex(v.signature.view()));
}

void describe_attestation(Entry& e, const std::string& p, const Attestation& a) {
    add(e, p + "version", dec(attestation_version));
    add(e, p + "phone_ref_hex", to_hex(a.phone));
    add(e, p + "key", addr(a.key));
    add(e, p + "sequence", dec(a.sequence));
    add(e, p + "expiry_s", dec(a.expiry_s));
    add(e, p + "attestor", addr(a.attestor));
    add(e, p + "attestor_public_key_hex", to_hex(a.attestor.view()));
    add(e, p + "signature_hex", to_hex(a.signature.view()));
}

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};

// The readable fields of a transaction: "tx." for the envelope, "body." for
// the kind's fields.
void describe_receipt(Entry& e, const std::string& p, const loyalty::Receipt& r) {
    add(e, p + "id", r.id);
    add(e, p + "line_count", dec(r.lines.size()));
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
        add(e, p + "lines." + dec(i) + ".category", r.lines[i].category);
        add(e, p + "lines." + dec(i) + ".amount", dec(r.lines[i].amount));
    }
    add(e, p + "bytes_hex", to_hex(loyalty::encode_receipt(r)));
    add(e, p + "digest_hex", to_hex(receipt_digest(r)));
}

void describe_consent(Entry& e, const std::string& p, const PayConsent& c) {
    add(e, p + "version", dec(pay_consent_version));
    add(e, p + "ticker", c.ticker);
    describe_account(e, p + "client", c.client);
    add(e, p + "amount", dec(c.amount));
    add(e, p + "receipt_digest_hex", to_hex(c.receipt_digest));
    add(e, p + "nonce", dec(c.nonce));
    add(e, p + "expiry_s", dec(c.expiry_s));
    add(e, p + "signer", addr(c.signer));
    add(e, p + "signature_hex", to_hex(c.signature.view()));
}

void describe_client_ref(Entry& e, const std::string& p, const ClientRef& c) {
    add(e, p + "kind", c.kind == ClientRef::Kind::account ? "account" : "card");
    if (c.kind == ClientRef::Kind::account)
        describe_account(e, p + "account", c.account);
    else
        add(e, p + "card", c.card);
}

Entry describe_tx(const Tx& tx) {
    Entry e;
    add(e, "tx.version", dec(tx_version));
    add(e, "tx.kind", std::string(kind_name(tx.kind())));
    add(e, "tx.kind_code", dec(static_cast<std::uint8_t>(tx.kind())));
    add(e, "tx.signer", addr(tx.signer));
    add(e, "tx.signer_public_key_hex", to_hex(tx.signer.view()));
    add(e, "tx.nonce", dec(tx.nonce));
    add(e, "tx.expiry_s", dec(tx.expiry_s));
    std::visit(Overloaded{
                   [&](const VenueCreate& b) {
                       add(e, "body.ticker", b.ticker);
                       describe_profile(e, "body.profile.", b.profile);
                   },
                   [&](const VenueUpdate& b) {
                       add(e, "body.ticker", b.ticker);
                       describe_profile(e, "body.profile.", b.profile);
                   },
                   [&](const ProductUpsert& b) {
                       add(e, "body.ticker", b.ticker);
                       describe_product(e, "body.product.", b.product);
                   },
                   [&](const ProductRemove& b) {
                       add(e, "body.ticker", b.ticker);
                       add(e, "body.product_id", dec(b.product_id));
                   },
                   [&](const StaffUpdate& b) {
                       add(e, "body.ticker", b.ticker);
                       add(e, "body.staff", addr(b.staff));
                       add(e, "body.role", std::string(role_name(b.role)));
                       add(e, "body.role_code", dec(static_cast<std::uint8_t>(b.role)));
                       add(e, "body.limits.per_tx", opt_amount(b.limits.per_tx));
                       add(e, "body.limits.per_day", opt_amount(b.limits.per_day));
                   },
                   [&](const StaffRemove& b) {
                       add(e, "body.ticker", b.ticker);
                       add(e, "body.staff", addr(b.staff));
                   },
                   [&](const Transfer& b) {
                       add(e, "body.ticker", b.ticker);
                       describe_account(e, "body.from", b.from);
                       describe_account(e, "body.to", b.to);
                       add(e, "body.amount", dec(b.amount));
                       add(e, "body.amount_text", format_amount(b.amount));
                       add(e, "body.memo", b.memo);
                       add(e, "body.memo_bytes", dec(b.memo.size()));
                   },
                   [&](const PhoneBind& b) { describe_attestation(e, "body.attestation.", b.attestation); },
                   [&](const Redeem& b) {
                       add(e, "body.ticker", b.ticker);
                       describe_voucher(e, "body.voucher.", b.voucher);
                   },
                   [&](const StaffAdd& b) {
                       add(e, "body.ticker", b.ticker);
                       add(e, "body.role", std::string(role_name(b.role)));
                       add(e, "body.role_code", dec(static_cast<std::uint8_t>(b.role)));
                       add(e, "body.limits.per_tx", opt_amount(b.limits.per_tx));
                       add(e, "body.limits.per_day", opt_amount(b.limits.per_day));
                       add(e, "body.acceptance.version", dec(staff_acceptance_version));
                       add(e, "body.acceptance.ticker", b.acceptance.ticker);
                       add(e, "body.acceptance.staff", addr(b.acceptance.staff));
                       add(e, "body.acceptance.staff_public_key_hex", to_hex(b.acceptance.staff.view()));
                       add(e, "body.acceptance.expiry_s", dec(b.acceptance.expiry_s));
                       add(e, "body.acceptance.signature_hex", to_hex(b.acceptance.signature.view()));
                   },
                   [&](const PhoneRebindCancel& b) { add(e, "body.phone_hex", to_hex(b.phone)); },
                   [&](const PhoneRebindComplete& b) { add(e, "body.phone_hex", to_hex(b.phone)); },
                   [&](const ProgrammeSet& b) {
                       add(e, "body.ticker", b.ticker);
                       add(e, "body.programme.version", dec(b.programme.version));
                       add(e, "body.programme.previous_hex", to_hex(b.programme.previous));
                       add(e, "body.programme.effective_from_s", dec(b.programme.effective_from_s));
                       add(e, "body.programme.zone", b.programme.zone);
                       add(e, "body.programme.zone_rule", b.programme.zone_rule);
                       add(e, "body.programme.tier_count", dec(b.programme.tiers.size()));
                       add(e, "body.programme.rule_count", dec(b.programme.rules.size()));
                       add(e, "body.programme.bytes_hex", to_hex(loyalty::encode_programme(b.programme)));
                       add(e, "body.programme.hash_hex", to_hex(loyalty::programme_hash(b.programme)));
                   },
                   [&](const Purchase& b) {
                       add(e, "body.ticker", b.ticker);
                       describe_client_ref(e, "body.client.", b.client);
                       describe_receipt(e, "body.receipt.", b.receipt);
                       add(e, "body.programme_version", dec(b.programme_version));
                       add(e, "body.pay", dec(b.pay));
                       add(e, "body.consent.present", yes_no(b.consent.has_value()));
                       if (b.consent) describe_consent(e, "body.consent.", *b.consent);
                       add(e, "body.referrer.present", yes_no(b.referrer.has_value()));
                       if (b.referrer) describe_account(e, "body.referrer", *b.referrer);
                   },
                   [&](const PurchaseReturn& b) {
                       add(e, "body.ticker", b.ticker);
                       add(e, "body.purchase_hex", to_hex(b.purchase));
                       add(e, "body.amount", dec(b.amount));
                   },
                   [&](const CardBind& b) {
                       add(e, "body.ticker", b.ticker);
                       add(e, "body.card", b.card);
                       describe_account(e, "body.client", b.client);
                   },
                   [&](const BirthdaySet& b) {
                       add(e, "body.ticker", b.ticker);
                       describe_account(e, "body.client", b.client);
                       add(e, "body.month", dec(b.month));
                       add(e, "body.day", dec(b.day));
                   },
               },
               tx.body);
    return e;
}

Entry describe_genesis(const Genesis& g) {
    Entry e;
    add(e, "genesis.version", g.rebind_delay_s == rebind_delay_s_default ? "1" : "2");
    add(e, "genesis.chain_name", g.chain_name);
    add(e, "genesis.time_ms", dec(g.time_ms));
    add(e, "genesis.producer", addr(g.producer));
    add(e, "genesis.producer_public_key_hex", to_hex(g.producer.view()));
    add(e, "genesis.attestors.count", dec(g.attestors.size()));
    for (std::size_t i = 0; i < g.attestors.size(); ++i) {
        add(e, "genesis.attestors." + dec(i), addr(g.attestors[i]));
        add(e, "genesis.attestors." + dec(i) + ".public_key_hex", to_hex(g.attestors[i].view()));
    }
    // Version 1 leaves it out of the bytes (the default); version 2 ends with it.
    add(e, "genesis.rebind_delay_s", dec(g.rebind_delay_s));
    return e;
}

Entry describe_block(const Block& b) {
    Entry e;
    const BlockHeader& h = b.header;
    add(e, "header.version", dec(block_version));
    add(e, "header.height", dec(h.height));
    add(e, "header.prev_hex", to_hex(h.prev));
    add(e, "header.time_ms", dec(h.time_ms));
    add(e, "header.tx_root_hex", to_hex(h.tx_root));
    add(e, "header.state_digest_hex", to_hex(h.state_digest));
    add(e, "header.tx_count", dec(h.tx_count));
    add(e, "header.producer", addr(h.producer));
    add(e, "header.producer_public_key_hex", to_hex(h.producer.view()));
    std::string ids;
    for (const auto& id : b.tx_ids) ids += (ids.empty() ? "" : ",") + to_hex(id);
    add(e, "tx_ids_hex", ids);
    return e;
}

void append(Entry& e, const Entry& more) { e.insert(e.end(), more.begin(), more.end()); }

std::string seed_hex(const KeyPair& k) { return to_hex(k.seed().view()); }

// --- the fixed inputs ---

// Key numbers (test_key(n)) of the people in the vectors.
constexpr std::uint32_t producer_n = 1;
constexpr std::uint32_t attestor_n = 2;
constexpr std::uint32_t owner_n = 3;
constexpr std::uint32_t barista_n = 4;
constexpr std::uint32_t leaving_staff_n = 5;
constexpr std::uint32_t client_n = 6;
constexpr std::uint32_t friend_n = 7;

constexpr std::uint64_t genesis_time_ms = 1'790'000'000'000;
constexpr std::uint64_t now_s = genesis_time_ms / 1000;
// Nonces above 2^53 on purpose: a JavaScript implementation that keeps a u64
// in a Number instead of a BigInt gets different bytes and fails the vector.
constexpr std::uint64_t nonce_base = 0xA1B2'C3D4'E5F6'0700;
const std::string vectors_ticker = "VOLODYA";
const std::string client_phone = "+79000000001";

Genesis vectors_genesis() {
    Genesis g;
    g.chain_name = "kopilka-vectors";
    g.time_ms = genesis_time_ms;
    g.producer = test_key(producer_n).public_key();
    g.attestors = {test_key(attestor_n).public_key()};
    return g;
}

// The outputs every signed object has, in file order.
void add_signed_outputs(Entry& e, Domain domain, const ChainId& chain, const Bytes& unsigned_bytes,
                        const Hash256& id, const Signature& sig, const Bytes& signed_bytes) {
    add(e, "unsigned_hex", to_hex(unsigned_bytes));
    add(e, "id_hex", to_hex(id));
    add(e, "signing_message_hex", to_hex(signing_message(domain, chain, unsigned_bytes)));
    add(e, "signature_hex", to_hex(sig.view()));
    add(e, "signed_hex", to_hex(signed_bytes));
    add(e, "signed_base64url", to_base64url(signed_bytes));
}

struct Vectors {
    Genesis genesis;
    ChainId chain{};
    std::vector<Entry> entries;
};

Vectors build_vectors() {
    Vectors out;
    out.genesis = vectors_genesis();
    const Bytes genesis_bytes = encode_genesis(out.genesis);
    out.chain = blake2b256(genesis_bytes);
    const ChainId& chain = out.chain;

    Entry about;
    add(about, "name", "about");
    add(about, "type", "about");
    add(about, "description",
        "Kopilka golden vectors: canonical bytes, ids, signing messages and Ed25519 signatures. Every value is a "
        "string; integers are decimal (u64 may exceed 2^53), bytes are lowercase hex, blobs also base64url without "
        "padding. Layouts: docs/formats.md.");
    add(about, "generator", "tests/vectors_test.cpp; regenerate with KOPILKA_WRITE_VECTORS=1");
    add(about, "test_key_rule", "seed = u32 big-endian n in bytes 0-3, 0x4b in byte 31, zeros elsewhere");
    out.entries.push_back(about);

    Entry gen;
    add(gen, "name", "genesis");
    add(gen, "type", "genesis");
    add(gen, "description", "the chain every other vector is signed for; chain id = BLAKE2b-256(genesis bytes)");
    add(gen, "producer_seed_hex", seed_hex(test_key(producer_n)));
    add(gen, "attestor_seed_hex", seed_hex(test_key(attestor_n)));
    append(gen, describe_genesis(out.genesis));
    add(gen, "genesis_hex", to_hex(genesis_bytes));
    add(gen, "chain_id_hex", to_hex(chain));
    out.entries.push_back(gen);
    {
        Genesis g2 = out.genesis;
        g2.rebind_delay_s = 3600;
        Entry e;
        add(e, "name", "genesis_v2");
        add(e, "type", "genesis_v2");
        add(e, "description",
            "the same chain with a one-hour rebind delay: version 2, the delay as a u64 at the end; only the bytes "
            "and the chain id (nothing is signed for it)");
        append(e, describe_genesis(g2));
        add(e, "genesis_hex", to_hex(encode_genesis(g2)));
        add(e, "chain_id_hex", to_hex(genesis_hash(g2)));
        out.entries.push_back(std::move(e));
    }

    const KeyPair owner = test_key(owner_n);
    const KeyPair barista = test_key(barista_n);
    const KeyPair client = test_key(client_n);
    const KeyPair attestor = test_key(attestor_n);
    const PhoneRef client_ref = phone_ref(client_phone);
    std::uint64_t nonce = nonce_base;

    std::vector<Hash256> ids;
    auto add_tx = [&](const std::string& name, const std::string& description, std::uint32_t signer_n,
                      TxBody body, const Entry& extra) {
        const KeyPair signer = test_key(signer_n);
        Tx tx;
        tx.signer = signer.public_key();
        tx.nonce = ++nonce;
        tx.expiry_s = now_s + 3600;
        tx.body = std::move(body);
        const SignedTx stx = sign_tx(tx, signer, chain);
        Entry e;
        add(e, "name", name);
        add(e, "type", "tx");
        add(e, "description", description);
        add(e, "signer_seed_hex", seed_hex(signer));
        append(e, describe_tx(tx));
        append(e, extra);
        add_signed_outputs(e, Domain::transaction, chain, encode_tx(tx), tx_id(tx), stx.signature,
                           encode_signed_tx(stx));
        ids.push_back(tx_id(tx));
        out.entries.push_back(std::move(e));
    };

    {
        Profile p;
        p.name = "U Volodi";
        p.logo_url = "https://example.org/u-volodi/logo.png";
        p.street_address = "Lenina 1, Moscow";
        p.geo = Geo{557'558'000, 376'173'000};
        p.phone = "+7 900 000-00-00";
        p.links = {"https://example.org/u-volodi", "https://t.me/u_volodi"};
        p.hours = "Mo-Su 08:00-22:00";
        add_tx("venue_create", "the owner creates venue VOLODYA with every profile field set", owner_n,
               VenueCreate{vectors_ticker, p}, {});
    }
    {
        // Negative coordinates check two's-complement i32; no links checks a
        // zero count; Cyrillic and guillemets check multi-byte UTF-8.
        Profile p;
        p.name = "Кафе «У Володи»";
        p.street_address = "Rua Lenina 1, Rio de Janeiro";
        p.geo = Geo{-229'068'000, -431'729'000};
        p.hours = "Пн-Вс 08:00-22:00";
        add_tx("venue_update", "the owner replaces the profile: Cyrillic name, negative coordinates, no links",
               owner_n, VenueUpdate{vectors_ticker, p}, {});
    }
    {
        Product prod;
        prod.id = 1;
        prod.name = "Coffee";
        prod.price = 100;
        prod.category = "drinks";
        prod.image_url = "https://example.org/u-volodi/coffee.png";
        prod.active = true;
        add_tx("product_upsert", "the owner puts coffee (1.00) in the catalogue", owner_n,
               ProductUpsert{vectors_ticker, prod}, {});
    }
    add_tx("product_remove", "the owner removes product 3", owner_n, ProductRemove{vectors_ticker, 3}, {});
    add_tx("staff_update", "the owner lets a barista give at most 5.00 per transfer", owner_n,
           StaffUpdate{vectors_ticker, barista.public_key(), StaffRole::barista, StaffLimits{500, std::nullopt}}, {});
    add_tx("staff_remove", "the owner removes a staff member", owner_n,
           StaffRemove{vectors_ticker, test_key(leaving_staff_n).public_key()}, {});
    add_tx("transfer_to_key", "the barista gives 3.00 to a key account", barista_n,
           Transfer{vectors_ticker, Account::of_key(barista.public_key()),
                    Account::of_key(test_key(friend_n).public_key()), 300, "for the donut"},
           {});
    {
        Entry phone;
        add(phone, "phone.e164", client_phone);
        add(phone, "phone.operator_secret_hex", to_hex(test_phone_secret));
        add(phone, "phone.ref_hex", to_hex(client_ref));
        add_tx("transfer_to_phone", "the barista sends 3.00 to a phone reference with a Cyrillic memo", barista_n,
               Transfer{vectors_ticker, Account::of_key(barista.public_key()), Account::of_phone(client_ref), 300,
                        "Спасибо, что зашли! ☕"},
               phone);
    }
    {
        Attestation a;
        a.phone = client_ref;
        a.key = client.public_key();
        a.sequence = 1;
        a.expiry_s = now_s + 600;
        a.attestor = attestor.public_key();
        const Bytes unsigned_att = encode_attestation_unsigned(a);
        a.signature = attestor.sign(Domain::attestation, chain, unsigned_att);
        Entry extra;
        add(extra, "attestation.attestor_seed_hex", seed_hex(attestor));
        add(extra, "attestation.unsigned_hex", to_hex(unsigned_att));
        add(extra, "attestation.signing_message_hex",
            to_hex(signing_message(Domain::attestation, chain, unsigned_att)));
        add_tx("phone_bind", "the client binds a key to the phone reference with the attestor's attestation",
               client_n, PhoneBind{a}, extra);
    }
    {
        Voucher v;
        v.ticker = vectors_ticker;
        v.product_id = 1;
        v.price = 100;
        v.client = Account::of_phone(client_ref);
        v.nonce = ++nonce;
        v.expiry_s = now_s + 300;
        sign_voucher(v, client, chain);
        Entry extra;
        add(extra, "voucher.signer_seed_hex", seed_hex(client));
        add(extra, "voucher.unsigned_hex", to_hex(encode_voucher_unsigned(v)));
        add(extra, "voucher.id_hex", to_hex(voucher_id(v)));
        add(extra, "voucher.signing_message_hex",
            to_hex(signing_message(Domain::voucher, chain, encode_voucher_unsigned(v))));
        add_tx("redeem", "the barista redeems the client's coffee voucher (paid from the phone account)", barista_n,
               Redeem{vectors_ticker, v}, extra);
    }
    // The block below lists the ten transactions above (kinds 1-9); the
    // kinds added since follow it in the file but not in the block, so the
    // older vectors stay byte for byte what they were.
    const std::vector<Hash256> block_ids = ids;
    {
        const KeyPair friend_key = test_key(friend_n);
        const StaffAcceptance a = accept_staff(friend_key, vectors_ticker, now_s + 3600, chain);
        const Bytes unsigned_acc = encode_staff_acceptance_unsigned(a);
        Entry extra;
        add(extra, "acceptance.signer_seed_hex", seed_hex(friend_key));
        add(extra, "acceptance.unsigned_hex", to_hex(unsigned_acc));
        add(extra, "acceptance.id_hex", to_hex(staff_acceptance_id(a)));
        add(extra, "acceptance.signing_message_hex",
            to_hex(signing_message(Domain::staff_accept, chain, unsigned_acc)));
        add_tx("staff_add", "the owner adds a cashier (at most 50.00 a day) with the cashier's signed acceptance",
               owner_n, StaffAdd{vectors_ticker, StaffRole::cashier, StaffLimits{std::nullopt, 5000}, a}, extra);
    }
    add_tx("phone_rebind_cancel", "the client's bound key cancels a pending re-bind of its phone", client_n,
           PhoneRebindCancel{client_ref}, {});
    add_tx("phone_rebind_complete", "the key a re-bind named takes the phone after the delay", friend_n,
           PhoneRebindComplete{client_ref}, {});
    {
        const KeyPair friend_key = test_key(friend_n);
        Voucher v;
        v.ticker = vectors_ticker;
        v.product_id = 2;
        v.price = 200;
        v.client = Account::of_key(friend_key.public_key());
        v.nonce = ++nonce;
        v.expiry_s = now_s + 300;
        sign_voucher(v, friend_key, chain);
        Entry e;
        add(e, "name", "voucher");
        add(e, "type", "voucher");
        add(e, "description", "a QR voucher on its own, as the client's page shows it (key account)");
        add(e, "signer_seed_hex", seed_hex(friend_key));
        describe_voucher(e, "voucher.", v);
        add_signed_outputs(e, Domain::voucher, chain, encode_voucher_unsigned(v), voucher_id(v), v.signature,
                           encode_voucher(v));
        out.entries.push_back(std::move(e));
    }
    {
        const KeyPair producer = test_key(producer_n);
        Block b;
        b.header.height = 1;
        b.header.prev = chain;  // block 1 links to the genesis
        b.header.time_ms = genesis_time_ms + 1000;
        b.header.tx_root = merkle_root(block_ids);
        // Not computed from a state: the digest is opaque to the header's
        // encoding and signature, which is what this vector is about.
        b.header.state_digest = blake2b256(as_bytes("kopilka-vectors: an arbitrary state digest"));
        b.header.tx_count = static_cast<std::uint32_t>(block_ids.size());
        b.tx_ids = block_ids;
        sign_block(b, producer, chain);
        Entry e;
        add(e, "name", "block");
        add(e, "type", "block");
        add(e, "description",
            "block 1 listing the ids of the first ten transaction vectors (kinds 1-9) in file order; id = block "
            "hash; signed = the stored block (header, signature, ids)");
        add(e, "signer_seed_hex", seed_hex(producer));
        append(e, describe_block(b));
        add_signed_outputs(e, Domain::block, chain, encode_header(b.header), block_hash(b.header), b.signature,
                           encode_block(b));
        out.entries.push_back(std::move(e));
    }
    {
        Entry e;
        add(e, "name", "address");
        add(e, "type", "address");
        add(e, "description", "the owner's address: Bech32m, hrp kop; the uppercase form is accepted too (QR)");
        add(e, "seed_hex", seed_hex(owner));
        add(e, "public_key_hex", to_hex(owner.public_key().view()));
        const std::string text = address_from_key(owner.public_key());
        add(e, "address", text);
        std::string upper = text;
        for (char& c : upper)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        add(e, "address_upper", upper);
        out.entries.push_back(std::move(e));
    }
    {
        // A staff invite (node-side only, docs/formats.md "Invite open"): the
        // owner opens it; the cashier's acceptance line goes back through it.
        Bytes secret(invite_secret_bytes);
        for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(0xa0 + i);
        const InviteId id = invite_id(secret);
        const std::uint64_t expiry_s = now_s + 900;
        const Bytes message = invite_open_bytes(vectors_ticker, id, expiry_s);
        const Signature sig = owner.sign(Domain::invite_open, chain, message);
        const KeyPair friend_key = test_key(friend_n);
        const StaffAcceptance a = accept_staff(friend_key, vectors_ticker, now_s + 3600, chain);
        Entry e;
        add(e, "name", "invite");
        add(e, "type", "invite");
        add(e, "description",
            "a staff invite: id = the first 16 bytes of BLAKE2b-256(secret); the owner signs version, ticker, id and "
            "expiry_s (kopilka/invite-open/v1); the cashier's acceptance as kopilka staff accept prints it");
        add(e, "secret_hex", to_hex(secret));
        add(e, "secret_base64url", to_base64url(secret));
        add(e, "id_hex", to_hex(ByteView(id.data(), id.size())));
        add(e, "ticker", vectors_ticker);
        add(e, "expiry_s", dec(expiry_s));
        add(e, "signer_seed_hex", seed_hex(owner));
        add(e, "signer", addr(owner.public_key()));
        add(e, "unsigned_hex", to_hex(message));
        add(e, "signing_message_hex", to_hex(signing_message(Domain::invite_open, chain, message)));
        add(e, "signature_hex", to_hex(sig.view()));
        add(e, "acceptance.signer_seed_hex", seed_hex(friend_key));
        add(e, "acceptance.expiry_s", dec(a.expiry_s));
        add(e, "acceptance_base64url", to_base64url(encode_staff_acceptance(a)));
        out.entries.push_back(std::move(e));
    }
    {
        // Bonus programmes (issue 15), appended last so that every vector
        // above keeps its bytes and nonces.
        loyalty::Programme prog;
        prog.version = 1;
        prog.effective_from_s = now_s + 60;
        prog.zone = "Europe/Moscow";
        prog.tzdb_version = "2024a";
        prog.zone_rule = "MSK-3";
        prog.tiers = {{"Base", 0, 3000}, {"Gold", 1'000'000, 5000}, {"VIP", 3'000'000, 10000}};
        loyalty::Rule small{1, "under 500", 1, {}, loyalty::Effect::percent, 300, std::nullopt, 0};
        small.when.receipt_max = 50'000;
        loyalty::Rule mid{2, "500 to 1000", 1, {}, loyalty::Effect::percent, 600, std::nullopt, 0};
        mid.when.receipt_min = 50'000;
        mid.when.receipt_max = 100'000;
        loyalty::Rule big{3, "above 1000", 1, {}, loyalty::Effect::percent, 1200, std::nullopt, 0};
        big.when.receipt_min = 100'000;
        loyalty::Rule happy{10, "happy hour", 0, {}, loyalty::Effect::percent, 200, 50'000, 30};
        happy.when.window = loyalty::Window{0b0001111, 9 * 60, 12 * 60};
        prog.rules = {small, mid, big, happy};
        prog.accrual_excluded = {"alcohol"};
        prog.pay_excluded = {"tobacco"};
        prog.gifts = {{loyalty::GiftKind::welcome, 10'000, 14, 0}};
        prog.referral_bp = {500};
        prog.referral_lifetime_days = 90;
        prog.stamp_cards = {{1, "coffee", 6, 15'000, 0}};
        prog.cap_per_client_day = 100'000;
        prog.gift_budget_per_month = 1'000'000;
        add_tx("programme_set", "the owner publishes programme version 1 (the seed's brackets, tiers, a happy hour)",
               owner_n, ProgrammeSet{vectors_ticker, prog}, {});

        loyalty::Receipt receipt{"A-1024", {{"coffee", 25'000}, {"alcohol", 30'000}}};
        PayConsent consent;
        consent.ticker = vectors_ticker;
        consent.client = Account::of_phone(client_ref);
        consent.amount = 5'000;
        consent.receipt_digest = receipt_digest(receipt);
        consent.nonce = ++nonce;
        consent.expiry_s = now_s + 300;
        sign_pay_consent(consent, client, chain);
        Entry extra;
        add(extra, "consent.signer_seed_hex", seed_hex(client));
        add(extra, "consent.unsigned_hex", to_hex(encode_pay_consent_unsigned(consent)));
        add(extra, "consent.id_hex", to_hex(pay_consent_id(consent)));
        add(extra, "consent.signing_message_hex",
            to_hex(signing_message(Domain::pay_consent, chain, encode_pay_consent_unsigned(consent))));
        add_tx("purchase", "the barista records a 550.00 receipt for the phone account, which pays 50.00 with its consent",
               barista_n,
               Purchase{vectors_ticker, ClientRef{ClientRef::Kind::account, Account::of_phone(client_ref), {}}, receipt,
                        1, 5'000, consent, std::nullopt},
               extra);
        const Hash256 purchase_id = ids.back();
        add_tx("purchase_by_card", "the barista records a coffee for a loyalty card, naming a referrer", barista_n,
               Purchase{vectors_ticker, ClientRef{ClientRef::Kind::card, {}, "CARD0042"},
                        loyalty::Receipt{"A-1025", {{"coffee", 18'000}}}, 1, 0, std::nullopt,
                        Account::of_phone(client_ref)},
               {});
        add_tx("purchase_return", "the barista returns 250.00 of the first purchase", barista_n,
               PurchaseReturn{vectors_ticker, purchase_id, 25'000}, {});
        add_tx("card_bind", "the barista binds loyalty card CARD0042 to a key account", barista_n,
               CardBind{vectors_ticker, "CARD0042", Account::of_key(test_key(friend_n).public_key())}, {});
        add_tx("birthday_set", "the client sets its birthday (29 February) with the venue", client_n,
               BirthdaySet{vectors_ticker, Account::of_phone(client_ref), 2, 29}, {});
    }
    return out;
}

bool write_requested() {
    const char* v = std::getenv("KOPILKA_WRITE_VECTORS");
    return v != nullptr && std::string_view(v) == "1";
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The committed file's text; with KOPILKA_WRITE_VECTORS=1 it is first
// (re)written, once per process, from freshly computed values.
const std::string& vectors_text() {
    static const std::string text = [] {
        if (write_requested()) {
            std::ofstream out(vectors_path, std::ios::binary | std::ios::trunc);
            if (!out) throw std::runtime_error("cannot write " + vectors_path);
            out << to_json(build_vectors().entries);
            if (!out.flush()) throw std::runtime_error("cannot write " + vectors_path);
        }
        return read_file(vectors_path);
    }();
    return text;
}

std::vector<Entry> file_entries() {
    const std::string& text = vectors_text();
    if (text.empty())
        throw std::runtime_error(vectors_path + " is missing or empty; generate it with KOPILKA_WRITE_VECTORS=1");
    return JsonSubsetReader(text).read();
}

std::vector<Entry> entries_of_type(const std::vector<Entry>& all, std::string_view type) {
    std::vector<Entry> out;
    for (const auto& e : all)
        if (at(e, "type") == type) out.push_back(e);
    return out;
}

ChainId chain_from_file(const std::vector<Entry>& all) {
    const auto gen = entries_of_type(all, "genesis");
    if (gen.size() != 1) throw std::runtime_error("the vectors file must hold exactly one genesis");
    const Bytes id = hex_at(gen[0], "chain_id_hex");
    if (id.size() != hash_bytes) throw std::runtime_error("chain_id_hex is not 32 bytes");
    ChainId c;
    std::copy(id.begin(), id.end(), c.begin());
    return c;
}

// Every field `expected` names must be in `actual` with the same value.
void check_fields(const Entry& actual, const Entry& expected) {
    for (const auto& [k, v] : expected) {
        INFO("field " << k);
        const std::string* got = find(actual, k);
        REQUIRE(got != nullptr);
        CHECK(*got == v);
    }
}

KeyPair key_from_seed_hex(const Entry& e, std::string_view field) {
    const Bytes seed = hex_at(e, field);
    REQUIRE(seed.size() == seed_bytes);
    return KeyPair::from_seed(seed);
}

ChainId other_chain(const ChainId& c) {
    ChainId o = c;
    o[0] ^= 0x01;  // the smallest possible change
    return o;
}

}  // namespace

TEST_CASE("vectors: the committed file equals freshly computed values", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    const Vectors fresh = build_vectors();
    REQUIRE(file.size() == fresh.entries.size());
    for (std::size_t i = 0; i < file.size(); ++i) {
        const Entry& want = fresh.entries[i];
        INFO("vector " << i << " (" << at(want, "name") << ")");
        CHECK(at(file[i], "name") == at(want, "name"));
        CHECK(file[i].size() == want.size());  // no stale fields left behind
        check_fields(file[i], want);
    }
    // Byte-for-byte, formatting included: regenerating the file must give no diff.
    CHECK(vectors_text() == to_json(fresh.entries));
}

TEST_CASE("vectors: the file names one entry of every kind the web page needs", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    std::vector<std::string> kinds;
    for (const auto& e : entries_of_type(file, "tx")) kinds.push_back(at(e, "tx.kind"));
    for (std::uint8_t k = 1; k <= static_cast<std::uint8_t>(tx_kind_last); ++k) {
        const std::string name(kind_name(static_cast<TxKind>(k)));
        INFO("kind " << name);
        CHECK(std::count(kinds.begin(), kinds.end(), name) >= 1);
    }
    // Transfers to a key and to a phone reference are separate vectors.
    bool to_key = false, to_phone = false;
    for (const auto& e : entries_of_type(file, "tx")) {
        if (at(e, "tx.kind") != "transfer") continue;
        (at(e, "body.to.kind") == "key" ? to_key : to_phone) = true;
    }
    CHECK(to_key);
    CHECK(to_phone);
    CHECK(entries_of_type(file, "genesis").size() == 1);
    CHECK(entries_of_type(file, "voucher").size() == 1);
    CHECK(entries_of_type(file, "block").size() == 1);
    CHECK(entries_of_type(file, "address").size() == 1);
    CHECK(entries_of_type(file, "invite").size() == 1);
}

TEST_CASE("vectors: the genesis hashes to the chain id", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    const Entry gen = entries_of_type(file, "genesis").at(0);
    const Bytes bytes = hex_at(gen, "genesis_hex");
    const Genesis g = decode_genesis(bytes);
    CHECK(encode_genesis(g) == bytes);
    CHECK(to_hex(blake2b256(bytes)) == at(gen, "chain_id_hex"));
    CHECK(genesis_hash(g) == chain_from_file(file));
    check_fields(gen, describe_genesis(g));
    CHECK(key_from_seed_hex(gen, "producer_seed_hex").public_key() == g.producer);
    REQUIRE(g.attestors.size() == 1);
    CHECK(key_from_seed_hex(gen, "attestor_seed_hex").public_key() == g.attestors[0]);
}

TEST_CASE("vectors: a genesis with its own rebind delay is version 2 and strict", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    CHECK(decode_genesis(hex_at(entries_of_type(file, "genesis").at(0), "genesis_hex")).rebind_delay_s ==
          rebind_delay_s_default);
    const Entry gen = entries_of_type(file, "genesis_v2").at(0);
    Bytes bytes = hex_at(gen, "genesis_hex");
    REQUIRE(bytes.at(0) == 2);
    const Genesis g = decode_genesis(bytes);
    CHECK(g.rebind_delay_s == 3600);
    CHECK(encode_genesis(g) == bytes);
    CHECK(to_hex(blake2b256(bytes)) == at(gen, "chain_id_hex"));
    check_fields(gen, describe_genesis(g));
    // The default written as version 2 would be a second encoding: refused.
    Writer w;
    w.u64(rebind_delay_s_default);
    std::copy(w.bytes().begin(), w.bytes().end(), bytes.end() - 8);
    CHECK_THROWS_AS(decode_genesis(bytes), DecodeError);
    // Over 30 days is refused both ways.
    Writer big;
    big.u64(rebind_delay_s_max + 1);
    std::copy(big.bytes().begin(), big.bytes().end(), bytes.end() - 8);
    CHECK_THROWS_AS(decode_genesis(bytes), DecodeError);
    Genesis too_long = g;
    too_long.rebind_delay_s = rebind_delay_s_max + 1;
    CHECK_THROWS_AS(encode_genesis(too_long), std::invalid_argument);
}

TEST_CASE("vectors: every transaction decodes, re-encodes, hashes and verifies from the file's bytes", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    const ChainId chain = chain_from_file(file);
    const auto txs = entries_of_type(file, "tx");
    REQUIRE(txs.size() == 19);
    for (const Entry& e : txs) {
        INFO("vector " << at(e, "name"));
        const auto blob = from_base64url(at(e, "signed_base64url"));
        REQUIRE(blob);
        CHECK(to_hex(*blob) == at(e, "signed_hex"));

        const auto stx = decode_signed_tx(*blob);
        REQUIRE(stx);
        CHECK(encode_signed_tx(*stx) == *blob);
        // The decoded fields are the readable ones the file states.
        check_fields(e, describe_tx(stx->tx));

        const Bytes unsigned_bytes = hex_at(e, "unsigned_hex");
        CHECK(encode_tx(stx->tx) == unsigned_bytes);
        // The signed blob is the unsigned bytes followed by the signature.
        Bytes joined = unsigned_bytes;
        const Bytes sig = hex_at(e, "signature_hex");
        joined.insert(joined.end(), sig.begin(), sig.end());
        CHECK(joined == *blob);
        CHECK(to_hex(stx->signature.view()) == at(e, "signature_hex"));

        // The id rule: BLAKE2b-256 of the unsigned bytes, signature excluded.
        CHECK(to_hex(blake2b256(unsigned_bytes)) == at(e, "id_hex"));
        CHECK(to_hex(tx_id(stx->tx)) == at(e, "id_hex"));

        // The signing message rule: u8 tag length || tag || chain id || bytes.
        const Bytes msg = hex_at(e, "signing_message_hex");
        CHECK(msg == signing_message(Domain::transaction, chain, unsigned_bytes));
        const std::string_view tag = domain_tag(Domain::transaction);
        REQUIRE(msg.size() == 1 + tag.size() + hash_bytes + unsigned_bytes.size());
        CHECK(msg[0] == tag.size());
        CHECK(std::equal(tag.begin(), tag.end(), msg.begin() + 1));

        // The seed in the file is the signer's, and signing again gives the
        // same signature (Ed25519 is deterministic).
        const KeyPair signer = key_from_seed_hex(e, "signer_seed_hex");
        CHECK(signer.public_key() == stx->tx.signer);
        CHECK(sign_tx(stx->tx, signer, chain).signature == stx->signature);
        CHECK(verify_tx_signatures(*stx, chain));
    }
}

TEST_CASE("vectors: the voucher, attestation, acceptance and pay consent inside transactions match their own vectors", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    const ChainId chain = chain_from_file(file);
    for (const Entry& e : entries_of_type(file, "tx")) {
        INFO("vector " << at(e, "name"));
        const auto stx = decode_signed_tx(*from_hex(at(e, "signed_hex")));
        REQUIRE(stx);
        if (const auto* r = std::get_if<Redeem>(&stx->tx.body)) {
            const Bytes vb = hex_at(e, "voucher.unsigned_hex");
            CHECK(encode_voucher_unsigned(r->voucher) == vb);
            CHECK(to_hex(voucher_id(r->voucher)) == at(e, "voucher.id_hex"));
            CHECK(to_hex(blake2b256(vb)) == at(e, "voucher.id_hex"));
            CHECK(to_hex(signing_message(Domain::voucher, chain, vb)) == at(e, "voucher.signing_message_hex"));
            CHECK(key_from_seed_hex(e, "voucher.signer_seed_hex").public_key() == r->voucher.signer);
            CHECK(verify_voucher_signature(r->voucher, chain));
        }
        if (const auto* b = std::get_if<PhoneBind>(&stx->tx.body)) {
            const Bytes ab = hex_at(e, "attestation.unsigned_hex");
            CHECK(encode_attestation_unsigned(b->attestation) == ab);
            CHECK(to_hex(signing_message(Domain::attestation, chain, ab)) ==
                  at(e, "attestation.signing_message_hex"));
            const KeyPair attestor = key_from_seed_hex(e, "attestation.attestor_seed_hex");
            CHECK(attestor.public_key() == b->attestation.attestor);
            CHECK(verify(attestor.public_key(), Domain::attestation, chain, ab, b->attestation.signature));
        }
        if (const auto* a = std::get_if<StaffAdd>(&stx->tx.body)) {
            const Bytes ab = hex_at(e, "acceptance.unsigned_hex");
            CHECK(encode_staff_acceptance_unsigned(a->acceptance) == ab);
            CHECK(to_hex(blake2b256(ab)) == at(e, "acceptance.id_hex"));
            CHECK(to_hex(signing_message(Domain::staff_accept, chain, ab)) == at(e, "acceptance.signing_message_hex"));
            const KeyPair staff = key_from_seed_hex(e, "acceptance.signer_seed_hex");
            CHECK(staff.public_key() == a->acceptance.staff);
            CHECK(verify_staff_acceptance(a->acceptance, chain));
            // Another chain, or the transaction domain, makes it worthless.
            CHECK_FALSE(verify_staff_acceptance(a->acceptance, ChainId{}));
            CHECK_FALSE(verify(staff.public_key(), Domain::transaction, chain, ab, a->acceptance.signature));
        }
        if (const auto* pu = std::get_if<Purchase>(&stx->tx.body); pu && pu->consent) {
            const PayConsent& c = *pu->consent;
            const Bytes cb = hex_at(e, "consent.unsigned_hex");
            CHECK(encode_pay_consent_unsigned(c) == cb);
            CHECK(to_hex(blake2b256(cb)) == at(e, "consent.id_hex"));
            CHECK(to_hex(signing_message(Domain::pay_consent, chain, cb)) == at(e, "consent.signing_message_hex"));
            CHECK(key_from_seed_hex(e, "consent.signer_seed_hex").public_key() == c.signer);
            CHECK(verify_pay_consent_signature(c, chain));
            // The consent is for this receipt only, and worthless on another chain.
            CHECK(c.receipt_digest == receipt_digest(pu->receipt));
            CHECK_FALSE(verify_pay_consent_signature(c, ChainId{}));
            // A purchase whose consent signature is broken fails as a whole.
            SignedTx broken = *stx;
            broken.tx.body.emplace<Purchase>(*pu).consent->signature.bytes[0] ^= 1;
            CHECK_FALSE(verify_tx_signatures(broken, chain));
        }
        if (const auto* phone = find(e, "phone.e164")) {
            // The phone reference vector: keyed BLAKE2b-256 under the operator secret.
            const Bytes secret = hex_at(e, "phone.operator_secret_hex");
            REQUIRE(secret.size() == hash_bytes);
            Hash256 key;
            std::copy(secret.begin(), secret.end(), key.begin());
            CHECK(to_hex(phone_reference(*phone, key)) == at(e, "phone.ref_hex"));
            CHECK(at(e, "body.to") == "phone:" + at(e, "phone.ref_hex"));
        }
    }
}

TEST_CASE("vectors: the standalone voucher decodes and verifies", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    const ChainId chain = chain_from_file(file);
    const Entry e = entries_of_type(file, "voucher").at(0);
    const auto blob = from_base64url(at(e, "signed_base64url"));
    REQUIRE(blob);
    CHECK(to_hex(*blob) == at(e, "signed_hex"));
    const auto v = decode_voucher(*blob);
    REQUIRE(v);
    CHECK(encode_voucher(*v) == *blob);
    Entry fields;
    describe_voucher(fields, "voucher.", *v);
    check_fields(e, fields);
    const Bytes unsigned_bytes = hex_at(e, "unsigned_hex");
    CHECK(encode_voucher_unsigned(*v) == unsigned_bytes);
    CHECK(to_hex(blake2b256(unsigned_bytes)) == at(e, "id_hex"));
    CHECK(hex_at(e, "signing_message_hex") == signing_message(Domain::voucher, chain, unsigned_bytes));
    const KeyPair signer = key_from_seed_hex(e, "signer_seed_hex");
    CHECK(signer.public_key() == v->signer);
    CHECK(verify_voucher_signature(*v, chain));
}

TEST_CASE("vectors: the block header hashes, links, commits to its ids and verifies", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    const ChainId chain = chain_from_file(file);
    const Entry e = entries_of_type(file, "block").at(0);
    const auto blob = from_base64url(at(e, "signed_base64url"));
    REQUIRE(blob);
    CHECK(to_hex(*blob) == at(e, "signed_hex"));
    const auto b = decode_block(*blob);
    REQUIRE(b);
    CHECK(encode_block(*b) == *blob);
    check_fields(e, describe_block(*b));
    const Bytes header = hex_at(e, "unsigned_hex");
    CHECK(encode_header(b->header) == header);
    CHECK(to_hex(blake2b256(header)) == at(e, "id_hex"));
    CHECK(hex_at(e, "signing_message_hex") == signing_message(Domain::block, chain, header));
    CHECK(b->header.prev == chain);
    CHECK(merkle_root(b->tx_ids) == b->header.tx_root);
    // The block lists the first ten transaction vectors (kinds 1-9), in file order.
    const auto txs = entries_of_type(file, "tx");
    REQUIRE(b->tx_ids.size() == 10);
    REQUIRE(txs.size() >= b->tx_ids.size());
    for (std::size_t i = 0; i < b->tx_ids.size(); ++i) CHECK(std::stoi(at(txs[i], "tx.kind_code")) <= 9);
    for (std::size_t i = 0; i < b->tx_ids.size(); ++i) CHECK(to_hex(b->tx_ids[i]) == at(txs[i], "id_hex"));
    CHECK(key_from_seed_hex(e, "signer_seed_hex").public_key() == b->header.producer);
    CHECK(verify_block_signature(*b, chain));
}

TEST_CASE("vectors: the address text encodes the key and both cases decode", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    const Entry e = entries_of_type(file, "address").at(0);
    const KeyPair k = key_from_seed_hex(e, "seed_hex");
    CHECK(to_hex(k.public_key().view()) == at(e, "public_key_hex"));
    CHECK(address_from_key(k.public_key()) == at(e, "address"));
    CHECK(key_from_address(at(e, "address")) == k.public_key());
    CHECK(key_from_address(at(e, "address_upper")) == k.public_key());
}

TEST_CASE("vectors: the invite's id, its signed open and the acceptance line", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    const ChainId chain = chain_from_file(file);
    const Entry e = entries_of_type(file, "invite").at(0);
    const Bytes secret = *from_hex(at(e, "secret_hex"));
    CHECK(to_base64url(secret) == at(e, "secret_base64url"));
    const InviteId id = invite_id(secret);
    CHECK(to_hex(ByteView(id.data(), id.size())) == at(e, "id_hex"));
    const Bytes message = invite_open_bytes(at(e, "ticker"), id, std::stoull(at(e, "expiry_s")));
    CHECK(to_hex(message) == at(e, "unsigned_hex"));
    CHECK(to_hex(signing_message(Domain::invite_open, chain, message)) == at(e, "signing_message_hex"));
    const KeyPair owner = key_from_seed_hex(e, "signer_seed_hex");
    CHECK(address_from_key(owner.public_key()) == at(e, "signer"));
    CHECK(to_hex(owner.sign(Domain::invite_open, chain, message).view()) == at(e, "signature_hex"));
    const KeyPair staff = key_from_seed_hex(e, "acceptance.signer_seed_hex");
    const StaffAcceptance a = accept_staff(staff, at(e, "ticker"), std::stoull(at(e, "acceptance.expiry_s")), chain);
    CHECK(to_base64url(encode_staff_acceptance(a)) == at(e, "acceptance_base64url"));
}

TEST_CASE("vectors: a signature from the file is worthless on another chain or for another domain", "[vectors]") {
    const std::vector<Entry> file = file_entries();
    const ChainId chain = chain_from_file(file);
    const ChainId wrong = other_chain(chain);
    for (const Entry& e : entries_of_type(file, "tx")) {
        INFO("vector " << at(e, "name"));
        const auto stx = decode_signed_tx(*from_hex(at(e, "signed_hex")));
        REQUIRE(stx);
        REQUIRE(verify_tx_signatures(*stx, chain));
        CHECK_FALSE(verify_tx_signatures(*stx, wrong));
        // The same bytes and signature under another domain tag fail too.
        CHECK_FALSE(verify(stx->tx.signer, Domain::voucher, chain, encode_tx(stx->tx), stx->signature));
    }
    {
        const auto v = decode_voucher(*from_hex(at(entries_of_type(file, "voucher").at(0), "signed_hex")));
        REQUIRE(v);
        REQUIRE(verify_voucher_signature(*v, chain));
        CHECK_FALSE(verify_voucher_signature(*v, wrong));
    }
    {
        const auto b = decode_block(*from_hex(at(entries_of_type(file, "block").at(0), "signed_hex")));
        REQUIRE(b);
        REQUIRE(verify_block_signature(*b, chain));
        CHECK_FALSE(verify_block_signature(*b, wrong));
    }
}

TEST_CASE("vectors: a redeem whose voucher was signed for another chain fails as a whole", "[vectors]") {
    // The transaction's own signature is re-made for the right chain, so only
    // the embedded voucher's signature is wrong: verify_tx_signatures must
    // check both, not just the outer one.
    const std::vector<Entry> file = file_entries();
    const ChainId chain = chain_from_file(file);
    for (const Entry& e : entries_of_type(file, "tx")) {
        auto stx = decode_signed_tx(*from_hex(at(e, "signed_hex")));
        REQUIRE(stx);
        const KeyPair signer = key_from_seed_hex(e, "signer_seed_hex");
        if (auto* r = std::get_if<Redeem>(&stx->tx.body)) {
            sign_voucher(r->voucher, key_from_seed_hex(e, "voucher.signer_seed_hex"), other_chain(chain));
            CHECK_FALSE(verify_tx_signatures(sign_tx(stx->tx, signer, chain), chain));
        } else if (auto* b = std::get_if<PhoneBind>(&stx->tx.body)) {
            const KeyPair attestor = key_from_seed_hex(e, "attestation.attestor_seed_hex");
            b->attestation.signature = attestor.sign(Domain::attestation, other_chain(chain),
                                                     encode_attestation_unsigned(b->attestation));
            CHECK_FALSE(verify_tx_signatures(sign_tx(stx->tx, signer, chain), chain));
        }
    }
}

TEST_CASE("vectors: the JSON reader reads its subset and refuses everything else", "[vectors]") {
    // The reader is the only thing between the file and the checks above: if
    // it silently dropped fields, a broken file could pass.
    const auto ok = JsonSubsetReader(" [ {\"a\": \"x\\\"y\\\\\\u00e9\\ud83d\\ude00\", \"b\":\"\"}, {} ] \n").read();
    REQUIRE(ok.size() == 2);
    REQUIRE(ok[0].size() == 2);
    CHECK(ok[0][0].first == "a");
    CHECK(ok[0][0].second == "x\"y\\\xC3\xA9\xF0\x9F\x98\x80");
    CHECK(ok[0][1].second.empty());
    CHECK(ok[1].empty());

    for (std::string_view bad : {
             "",
             "{}",
             "[{\"a\": 1}]",
             "[{\"a\": {\"b\": \"c\"}}]",
             "[{\"a\": \"b\", \"a\": \"c\"}]",
             "[{\"a\": \"b\"}",
             "[{\"a\": \"b\"},]",
             "[{\"a\": \"b\"}] x",
             "[{\"a\": \"b\\q\"}]",
             "[{\"a\": \"\\ud800\"}]",
             "[{\"a\": \"\\udc00\"}]",
             "[{\"a\": \"line\nbreak\"}]",
         }) {
        INFO("input: " << bad);
        CHECK_THROWS_AS(JsonSubsetReader(bad).read(), std::runtime_error);
    }
    // What the writer writes, the reader reads back unchanged.
    const std::vector<Entry> fresh = build_vectors().entries;
    CHECK(JsonSubsetReader(to_json(fresh)).read() == fresh);
    std::vector<Entry> odd{{{"k", std::string("q\"b\\s\x01") + "\xD0\xAF"}}};
    CHECK(JsonSubsetReader(to_json(odd)).read() == odd);
}

}  // namespace kopilka::test
