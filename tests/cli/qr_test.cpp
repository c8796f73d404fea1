// The voucher QR format (wallet-cli/qr_format.h, docs/qr.md): golden vectors,
// strict decoding, and pictures — a voucher written to PNG decodes with zbar
// back to the same payload.
//
// tests/vectors/qr.json is checked here; KOPILKA_WRITE_QR_VECTORS=1 rewrites
// it from the inputs below (only when the format changes on purpose).
#include "ledger/codec.h"
#include "support.h"
#include "wallet-cli/qr_format.h"
#include "wallet-cli/qr_image.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <random>

using namespace kopilka;
using namespace kopilka::wallet;
namespace json = boost::json;

namespace {

const std::filesystem::path vectors_path = std::filesystem::path(KOPILKA_SOURCE_DIR) / "tests/vectors/qr.json";

ChainId vector_chain() { return blake2b256(as_bytes("kopilka qr vectors")); }

KeyPair vector_key(std::uint8_t n) {
    std::array<std::uint8_t, 32> seed{};
    for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(n + i);
    return KeyPair::from_seed(seed);
}

struct VectorInput {
    std::string name;
    std::uint8_t seed_start;
    std::string ticker;
    std::uint32_t product_id;
    ledger::Amount price;
    bool phone_client;
    std::uint64_t nonce;
    std::uint64_t expiry_s;
};

const std::vector<VectorInput> inputs = {
    {"coffee at U Volodi, client is a key", 1, "VOLODYA", 1, 100, false, 0x0123456789abcdefULL, 1'790'000'300},
    {"cheesecake, client is a claimed phone", 1, "VOLODYA", 3, 300, true, 0xfedcba9876543210ULL, 1'790'000'300},
    {"largest realistic: 10-letter ticker, max product id, max price", 7, "ABCDEFGHIJ", 4'294'967'295u, 100'000'000,
     true, 0xffffffffffffffffULL, 1'790'086'400},
    {"smallest: 3-letter ticker, product 0, price 0.01", 9, "AB1", 0, 1, false, 0, 1'790'000'000},
};

Hash256 vector_phone_ref() { return blake2b256(as_bytes("kopilka qr vectors: phone +79000000001")); }

ledger::Voucher build(const VectorInput& in) {
    const KeyPair k = vector_key(in.seed_start);
    ledger::Voucher v;
    v.ticker = in.ticker;
    v.product_id = in.product_id;
    v.price = in.price;
    v.client = in.phone_client ? ledger::Account::of_phone(vector_phone_ref()) : ledger::Account::of_key(k.public_key());
    v.nonce = in.nonce;
    v.expiry_s = in.expiry_s;
    ledger::sign_voucher(v, k, vector_chain());
    return v;
}

std::string body_hex(const std::string& payload) {
    return to_hex(*base41_decode(std::string_view(payload).substr(voucher_qr_prefix.size())));
}

json::value make_vectors() {
    json::array vs;
    for (const auto& in : inputs) {
        const auto v = build(in);
        const std::string payload = *encode_voucher_qr(v);
        const KeyPair k = vector_key(in.seed_start);
        vs.push_back(json::object{{"name", in.name},
                                  {"chain_id", to_hex(vector_chain())},
                                  {"signer_seed", to_hex(k.seed().view())},
                                  {"ticker", in.ticker},
                                  {"product_id", in.product_id},
                                  {"price_units", in.price},
                                  {"client", ledger::account_text(v.client)},
                                  {"nonce", std::to_string(in.nonce)},
                                  {"expiry_s", in.expiry_s},
                                  {"voucher_bytes", to_hex(ledger::encode_voucher(v))},
                                  {"body", body_hex(payload)},
                                  {"payload", payload},
                                  {"payload_chars", payload.size()}});
    }
    json::object doc;
    doc["format"] = "Kopilka voucher QR payload, version 1 (docs/qr.md)";
    doc["prefix"] = std::string(voucher_qr_prefix);
    doc["alphabet"] = std::string(base41_alphabet);
    doc["note"] = "signer_seed is an Ed25519 seed (RFC 8032 private key); nonce is a decimal u64; the "
                  "signature inside voucher_bytes and body is over 0x12 'kopilka/voucher/v1' || chain_id || "
                  "the voucher's unsigned bytes. A phone client's signer is not in the payload: it is the "
                  "key bound to the phone on chain (here the signer_seed's key).";
    doc["vectors"] = std::move(vs);
    return doc;
}

std::string pretty(const json::value& v, int indent = 0) {
    // One vector per block, one field per line: diffs stay readable.
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    if (v.is_object()) {
        std::string out = "{\n";
        const auto& o = v.as_object();
        std::size_t i = 0;
        for (const auto& kv : o) {
            out += pad + "  " + json::serialize(json::value(kv.key())) + ": " + pretty(kv.value(), indent + 2);
            out += ++i < o.size() ? ",\n" : "\n";
        }
        return out + pad + "}";
    }
    if (v.is_array()) {
        std::string out = "[\n";
        const auto& a = v.as_array();
        for (std::size_t i = 0; i < a.size(); ++i)
            out += pad + "  " + pretty(a[i], indent + 2) + (i + 1 < a.size() ? ",\n" : "\n");
        return out + pad + "]";
    }
    return json::serialize(v);
}

// Body bytes -> payload, for building invalid payloads.
std::string payload_of(const Bytes& body) { return std::string(voucher_qr_prefix) + base41_encode(body); }

}  // namespace

TEST_CASE("qr vectors: tests/vectors/qr.json matches the encoder, the decoder and the signatures") {
    if (const char* w = std::getenv("KOPILKA_WRITE_QR_VECTORS"); w && std::string(w) == "1") {
        std::ofstream(vectors_path) << pretty(make_vectors()) << "\n";
        WARN("rewrote " << vectors_path);
    }
    std::ifstream in(vectors_path);
    REQUIRE(in);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    const json::value doc = json::parse(text);
    CHECK(doc.at("prefix").as_string() == voucher_qr_prefix);
    CHECK(doc.at("alphabet").as_string() == base41_alphabet);
    const auto& vs = doc.at("vectors").as_array();
    REQUIRE(vs.size() == inputs.size());
    for (const auto& jv : vs) {
        INFO(jv.at("name").as_string());
        // Rebuild from the vector's own inputs, as another implementation would.
        auto seed = from_hex(std::string(jv.at("signer_seed").as_string()));
        REQUIRE(seed);
        const KeyPair k = KeyPair::from_seed(*seed);
        ChainId chain{};
        auto chain_raw = from_hex(std::string(jv.at("chain_id").as_string()));
        std::copy(chain_raw->begin(), chain_raw->end(), chain.begin());
        ledger::Voucher v;
        v.ticker = std::string(jv.at("ticker").as_string());
        v.product_id = jv.at("product_id").to_number<std::uint32_t>();
        v.price = jv.at("price_units").to_number<std::uint64_t>();
        v.client = *ledger::account_from_text(jv.at("client").as_string());
        v.nonce = std::stoull(std::string(jv.at("nonce").as_string()));
        v.expiry_s = jv.at("expiry_s").to_number<std::uint64_t>();
        ledger::sign_voucher(v, k, chain);  // Ed25519 is deterministic
        CHECK(to_hex(ledger::encode_voucher(v)) == jv.at("voucher_bytes").as_string());
        const std::string payload = *encode_voucher_qr(v);
        CHECK(payload == jv.at("payload").as_string());
        CHECK(body_hex(payload) == jv.at("body").as_string());
        CHECK(payload.size() == jv.at("payload_chars").to_number<std::size_t>());

        auto d = decode_voucher_qr(std::string(jv.at("payload").as_string()));
        REQUIRE(d);
        ledger::Voucher got = d->voucher;
        CHECK(d->signer_known() == v.client.is_key());
        if (!d->signer_known()) got.signer = k.public_key();  // what the chain's binding supplies
        CHECK(got == v);
        CHECK(ledger::verify_voucher_signature(got, chain));
    }
}

TEST_CASE("qr size: a VOLODYA coffee voucher is 184 characters, every realistic one at most 200") {
    const auto coffee = *encode_voucher_qr(build(inputs[0]));
    const auto phone = *encode_voucher_qr(build(inputs[1]));
    CHECK(coffee.size() == 184);
    CHECK(phone.size() == 186);  // 300 units take a two-byte varint
    CHECK(encode_voucher_qr(build(inputs[2]))->size() <= 200);
    // Against the canonical bytes in base64url (what the node takes): 222 characters, and not QR alphanumeric.
    CHECK(to_base64url(ledger::encode_voucher(build(inputs[0]))).size() > coffee.size());
    // Only QR alphanumeric characters that a shell leaves alone.
    for (char c : coffee) CHECK(std::string_view("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+-./:").find(c) != std::string_view::npos);
    auto qr = make_qr(coffee);
    REQUIRE(qr);
    CHECK(qr->version <= 8);  // 49x49 modules at error correction M
}

TEST_CASE("qr base41: round trips every length, refuses what it never produces") {
    std::mt19937_64 rng(20260921);
    for (std::size_t n = 0; n < 64; ++n) {
        Bytes b(n);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        const std::string t = base41_encode(b);
        CHECK(t.size() == n / 2 * 3 + (n % 2) * 2);
        CHECK(base41_decode(t) == b);
    }
    CHECK(base41_encode(Bytes{0xff, 0xff}) == "H:.");  // 65535 = 17 + 40*41 + 38*41^2
    CHECK(base41_decode("H:.") == (Bytes{0xff, 0xff}));
    CHECK_FALSE(base41_decode("A"));             // 3k+1 characters
    CHECK_FALSE(base41_decode(":::"));           // 68920 > 65535
    CHECK_FALSE(base41_decode("::"));            // 1680 > 255
    CHECK_FALSE(base41_decode("AB "));           // space is not in the alphabet
    CHECK_FALSE(base41_decode("AB$"));
    CHECK_FALSE(base41_decode("AB*"));
    CHECK_FALSE(base41_decode("AB%"));
    auto lower = base41_decode("abc");
    REQUIRE_FALSE(lower);
    CHECK(lower.error().find("Caps Lock") != std::string::npos);
}

TEST_CASE("qr decode: strict, anything the encoder would not produce is refused with a reason") {
    const ledger::Voucher v = build(inputs[0]);
    const std::string good = *encode_voucher_qr(v);
    const Bytes body = *base41_decode(std::string_view(good).substr(4));
    REQUIRE(decode_voucher_qr(good));

    auto refused = [](const std::string& payload, std::string_view why) {
        auto d = decode_voucher_qr(payload);
        INFO(payload);
        REQUIRE_FALSE(d);
        INFO(d.error());
        CHECK(d.error().find(why) != std::string::npos);
    };
    refused("KV2:" + good.substr(4), "another format version");
    refused("XX1:" + good.substr(4), "not a Kopilka voucher");
    refused(good + "0", "3k+1");
    refused(good.substr(0, good.size() - 3), "damaged voucher");          // truncated by a whole group
    refused(payload_of([&] { Bytes b = body; b.push_back(0); return b; }()), "trailing");
    refused(payload_of([&] { Bytes b = body; b[0] = 3; return b; }()), "unknown form");
    refused(payload_of([&] { Bytes b = body; b[2] = 'v'; return b; }()), "ticker");
    refused(payload_of([&] { Bytes b = body; b[1] = 2; return b; }()), "ticker length");
    // The product id 1 as a two-byte varint (0x81 0x00) is not its shortest form.
    refused(payload_of([&] {
                Bytes b = body;
                const std::size_t at = 2 + v.ticker.size();
                REQUIRE(b[at] == 0x01);
                b[at] = 0x81;
                b.insert(b.begin() + static_cast<std::ptrdiff_t>(at) + 1, 0x00);
                return b;
            }()),
            "shortest form");
    refused(std::string(300, 'A'), "at most");
    // A key client signed by another key has no QR form (the ledger refuses it anyway).
    ledger::Voucher other = v;
    other.signer = vector_key(50).public_key();
    CHECK_FALSE(encode_voucher_qr(other));
}

TEST_CASE("qr decode: random vouchers round trip, random edits never decode to a different text") {
    const std::uint64_t seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    const KeyPair k = vector_key(3);
    for (int i = 0; i < 300; ++i) {
        ledger::Voucher v;
        const std::size_t len = 3 + rng() % 8;
        for (std::size_t j = 0; j < len; ++j) v.ticker.push_back("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[rng() % 36]);
        v.product_id = static_cast<std::uint32_t>(rng() >> (rng() % 64 | 32));
        v.price = rng() >> (rng() % 64);
        if (rng() % 2) {
            v.client = ledger::Account::of_key(k.public_key());
        } else {
            Hash256 ref{};
            for (auto& x : ref) x = static_cast<std::uint8_t>(rng());
            v.client = ledger::Account::of_phone(ref);
        }
        v.nonce = rng();
        v.expiry_s = rng() >> (rng() % 64);
        ledger::sign_voucher(v, k, vector_chain());
        const std::string t = *encode_voucher_qr(v);
        auto d = decode_voucher_qr(t);
        REQUIRE(d);
        ledger::Voucher got = d->voucher;
        got.signer = v.signer;
        CHECK(got == v);
        // Change one character: either refused, or a different voucher whose
        // text is exactly the edited text (one text per voucher).
        std::string edited = t;
        const std::size_t at = 4 + rng() % (t.size() - 4);
        edited[at] = base41_alphabet[rng() % base41_alphabet.size()];
        if (auto e = decode_voucher_qr(edited)) {
            ledger::Voucher ev = e->voucher;
            if (!e->signer_known()) ev.signer = v.signer;
            CHECK(*encode_voucher_qr(ev) == edited);
            if (edited != t) CHECK_FALSE(ledger::verify_voucher_signature(ev, vector_chain()));
        }
    }
}

TEST_CASE("qr pictures: a voucher written to PNG decodes with zbar back to the same payload, SVG and terminal") {
    test::TempDir dir("kopilka-qr");
    for (const auto& in : inputs) {
        const std::string payload = *encode_voucher_qr(build(in));
        auto qr = make_qr(payload);
        REQUIRE(qr);
        const auto png = dir.path() / "voucher.png";
        REQUIRE(write_png(*qr, png));
        auto found = scan_png(png);
        REQUIRE(found);
        REQUIRE(found->size() == 1);
        CHECK(found->front() == payload);

        const std::string svg = render_svg(*qr);
        CHECK(svg.starts_with("<?xml"));
        CHECK(svg.find("<path fill=\"#000000\"") != std::string::npos);

        // Half blocks: one text line per two module rows, quiet zone included.
        const std::string term = render_terminal(*qr, false);
        const int rows = qr->width + 2 * qr_quiet_zone_modules;
        CHECK(std::count(term.begin(), term.end(), '\n') == (rows + 1) / 2);
        CHECK(term.find("\u2580") != std::string::npos);
    }
    // Not a PNG, and a PNG with no code: clear errors.
    const auto junk = dir.path() / "junk.png";
    std::ofstream(junk) << "not a png";
    auto bad = scan_png(junk);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().find("cannot read") != std::string::npos);
    CHECK_FALSE(scan_png(dir.path() / "missing.png"));
}
