// The strict decoders: every object has exactly one encoding.
//
// Signatures and ids are over canonical bytes, so a decoder that accepted a
// second spelling of the same object (a trailing byte, a boolean 2, an
// overlong UTF-8 sequence) would let two different byte strings, with two
// different ids, mean the same transaction: a replay that the id index cannot
// see. These tests build valid bytes, then break them at offsets computed with
// ledger::Writer (so a layout change moves the offsets with it), and check the
// refusal names the problem. A randomized mutation test from a printed seed
// (replay with KOPILKA_SEED=<seed>) checks the general rule: whatever a
// decoder accepts re-encodes to exactly the bytes it was given.
#include "support.h"

#include "crypto/address.h"
#include "ledger/block.h"
#include "ledger/codec.h"
#include "ledger/programme_codec.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <limits>
#include <random>
#include <set>

namespace kopilka::test {
namespace {

using Catch::Matchers::Contains;
// A list of byte values to try, without int-to-u8 conversion warnings.
using U8s = std::initializer_list<std::uint8_t>;

const ChainId codec_chain = blake2b256(as_bytes("kopilka codec tests"));
constexpr std::uint64_t fixed_nonce = 0x0102'0304'0506'0708;
constexpr std::uint64_t fixed_expiry_s = test_epoch_ms / 1000 + 3600;

std::string repeat(std::size_t n, char c = 'a') { return std::string(n, c); }

// The Cyrillic letter "Б": 2 bytes in UTF-8.
std::string cyrillic_bytes(std::size_t bytes) {
    std::string s;
    while (s.size() + 2 <= bytes) s += "\xD0\x91";
    return s;
}

Profile full_profile() {
    Profile p;
    p.name = "U Volodi";
    p.logo_url = "https://example.org/logo.png";
    p.street_address = "Lenina 1, Moscow";
    p.geo = Geo{557'558'000, 376'173'000};
    p.phone = "+7 900 000-00-00";
    p.links = {"https://example.org/u-volodi", "https://t.me/u_volodi"};
    p.hours = "Mo-Su 08:00-22:00";
    return p;
}

// Every field at its limit: the largest profile a transaction can carry.
Profile max_profile() {
    Profile p;
    p.name = repeat(venue_name_bytes_max, 'N');
    p.logo_url = repeat(url_bytes_max, 'l');
    p.street_address = repeat(street_address_bytes_max, 's');
    p.geo = Geo{lat_e7_max, -lon_e7_max};
    p.phone = repeat(contact_phone_bytes_max, '9');
    for (std::size_t i = 0; i < venue_links_count_max; ++i) p.links.push_back(repeat(url_bytes_max, 'k'));
    p.hours = repeat(opening_hours_bytes_max, 'h');
    return p;
}

Profile min_profile() {
    Profile p;
    p.name = "X";
    return p;
}

Product product(std::uint32_t id, std::string name, Amount price, bool active, std::string category = "",
                std::string image = "") {
    Product p;
    p.id = id;
    p.name = std::move(name);
    p.price = price;
    p.active = active;
    p.category = std::move(category);
    p.image_url = std::move(image);
    return p;
}

struct Sample {
    std::string name;
    SignedTx stx;
    Bytes blob;
};

// One or more valid transactions of every kind, covering both states of
// every presence flag and boolean and both account kinds.
// A programme with every optional field present.
loyalty::Programme full_programme() {
    loyalty::Programme p;
    p.version = 2;
    p.previous = blake2b256(as_bytes("version 1"));
    p.effective_from_s = 1'700'000'000;
    p.zone = "Europe/Berlin";
    p.tzdb_version = "2024a";
    p.zone_rule = "CET-1CEST,M3.5.0,M10.5.0/3";
    p.tier_basis = loyalty::TierBasis::period;
    p.period_months = 3;
    p.tier_recalc = loyalty::TierRecalc::monthly;
    p.recalc_day = 1;
    p.tiers = {{"Base", 0, 3000}, {"Gold", 3'000'000, 10000}};
    loyalty::Rule r{5, "Счастливый час", 0, {}, loyalty::Effect::percent, 1500, 20'000, 30};
    r.when.tier_mask = 0b11;
    r.when.receipt_min = 100;
    r.when.receipt_max = 1'000'000;
    r.when.window = loyalty::Window{0b1110000, 22 * 60, 2 * 60};
    r.when.birthday_days = 3;
    r.when.returning_days = 7;
    r.when.categories = {"coffee", "food"};
    p.rules = {r, loyalty::Rule{9, "fixed", 2, {}, loyalty::Effect::fixed, 500, std::nullopt, 0}};
    p.accrual_excluded = {"alcohol"};
    p.pay_excluded = {"tobacco"};
    p.weekday_pay_share_bp = {10000, 10000, 10000, 10000, 5000, 0, 0};
    p.gifts = {{loyalty::GiftKind::welcome, 10'000, 14, 0}, {loyalty::GiftKind::winback, 20'000, 7, 30}};
    p.referral_bp = {500, 200, 100};
    p.referral_lifetime_days = 90;
    p.stamp_cards = {{1, "coffee", 6, 15'000, 30}};
    p.cap_per_client_day = 100'000;
    p.gift_budget_per_month = 1'000'000;
    return p;
}

loyalty::Programme min_programme() {
    loyalty::Programme p;
    p.zone = "UTC";
    p.zone_rule = "UTC0";
    p.tiers = {{"All", 0, 0}};
    return p;
}

const std::vector<Sample>& tx_samples() {
    static const std::vector<Sample> samples = [] {
        TxBuilder b(codec_chain);
        const KeyPair owner = test_key(3);
        const KeyPair staff = test_key(4);
        const KeyPair client = test_key(6);
        const KeyPair attestor = test_key(2);
        const PhoneRef ref = phone_ref("+79000000001");
        const Account client_phone = Account::of_phone(ref);
        const Account client_key = Account::of_key(client.public_key());

        std::vector<std::pair<std::string, SignedTx>> list = {
            {"venue_create", b.sign(owner, VenueCreate{"VOLODYA", full_profile()})},
            {"venue_create at every limit", b.sign(owner, VenueCreate{"ABCDEFGHIJ", max_profile()})},
            {"venue_create minimal", b.sign(owner, VenueCreate{"ABC", min_profile()})},
            {"venue_update Cyrillic",
             b.sign(owner, VenueUpdate{"VOLODYA", Profile{"Кафе «У Володи»", "", "", Geo{-1, -2}, "", {}, "Пн-Вс"}})},
            {"product_upsert active", b.sign(owner, ProductUpsert{"VOLODYA", product(1, "Coffee", 100, true, "drinks",
                                                                                      "https://example.org/c.png")})},
            {"product_upsert inactive", b.sign(owner, ProductUpsert{"VOLODYA", product(7, "Cheesecake", 300, false)})},
            {"product_remove", b.product_remove(owner, "VOLODYA", 3)},
            {"staff_update no limits", b.staff_update(owner, "VOLODYA", staff.public_key())},
            {"staff_update both limits", b.staff_update(owner, "VOLODYA", staff.public_key(), StaffLimits{500, 5000},
                                                        StaffRole::manager)},
            {"staff_update per_day only", b.staff_update(owner, "VOLODYA", staff.public_key(),
                                                         StaffLimits{std::nullopt, 5000}, StaffRole::cashier)},
            {"staff_add no limits", b.staff_add(owner, "VOLODYA", staff)},
            {"staff_add both limits", b.staff_add(owner, "VOLODYA", staff, StaffLimits{500, 5000}, StaffRole::manager)},
            {"phone_rebind_cancel", b.rebind_cancel(client, ref)},
            {"phone_rebind_complete", b.rebind_complete(staff, ref)},
            {"staff_remove", b.staff_remove(owner, "VOLODYA", staff.public_key())},
            {"transfer key to key", b.transfer(staff, "VOLODYA", client_key, 300, "for the donut")},
            {"transfer to phone, memo at its limit",
             b.transfer(staff, "VOLODYA", client_phone, 300, cyrillic_bytes(memo_bytes_max))},
            {"transfer from phone", b.transfer_from(client, "VOLODYA", client_phone, client_key, 100)},
            {"phone_bind", b.phone_bind(client, b.attest(attestor, ref, client.public_key(), 1))},
            {"redeem key client", b.redeem(staff, "VOLODYA", b.voucher(client, "VOLODYA", 1, 100, client_key))},
            {"redeem phone client", b.redeem(staff, "VOLODYA", b.voucher(client, "VOLODYA", 1, 100, client_phone))},
            {"programme_set every field", b.sign(owner, ProgrammeSet{"VOLODYA", full_programme()})},
            {"programme_set minimal", b.sign(owner, ProgrammeSet{"VOLODYA", min_programme()})},
            {"purchase with consent and referrer", [&] {
                 loyalty::Receipt receipt{"A-1", {{"coffee", 25'000}, {"", 100}}};
                 PayConsent c{"VOLODYA", client_phone, 500, receipt_digest(receipt), 7, 1'700'000'300, {}, {}};
                 sign_pay_consent(c, client, codec_chain);
                 return b.sign(staff, Purchase{"VOLODYA", ClientRef{ClientRef::Kind::account, client_phone, {}}, receipt,
                                               3, 500, c, client_key});
             }()},
            {"purchase by card", b.sign(staff, Purchase{"VOLODYA", ClientRef{ClientRef::Kind::card, {}, "CARD0042"},
                                                        loyalty::Receipt{"", {{"food", 1}}}, 1, 0, std::nullopt,
                                                        std::nullopt})},
            {"purchase_return", b.sign(staff, PurchaseReturn{"VOLODYA", blake2b256(as_bytes("purchase")), 100})},
            {"card_bind", b.sign(staff, CardBind{"VOLODYA", "CARD0042", client_key})},
            {"birthday_set 29 February", b.sign(client, BirthdaySet{"VOLODYA", client_phone, 2, 29})},
        };
        std::vector<Sample> out;
        for (auto& [name, stx] : list) out.push_back(Sample{name, stx, encode_signed_tx(stx)});
        return out;
    }();
    return samples;
}

std::vector<Bytes> sample_blobs() {
    std::vector<Bytes> out;
    for (const auto& s : tx_samples()) out.push_back(s.blob);
    return out;
}

// --- offsets, computed with the same Writer the encoder uses ---

// version, kind, signer, nonce, expiry: what every transaction starts with.
std::size_t envelope_bytes() {
    Writer w;
    w.u8(tx_version).u8(static_cast<std::uint8_t>(TxKind::transfer)).key(PublicKey{}).u64(0).u64(0);
    return w.bytes().size();
}

std::size_t ticker_bytes(std::string_view ticker) {
    Writer w;
    write_ticker(w, ticker);
    return w.bytes().size();
}

std::size_t account_bytes() {
    Writer w;
    write_account(w, Account{});
    return w.bytes().size();
}

struct Position {
    std::string what;
    std::size_t offset;
};

// Where each boolean or presence flag of a transaction sits.
std::vector<Position> boolean_positions(const Tx& tx) {
    const std::size_t env = envelope_bytes();
    std::vector<Position> out;
    auto profile_flag = [&](const std::string& ticker, const Profile& p) {
        Writer w;
        w.text(p.name).text(p.logo_url).text(p.street_address);
        out.push_back({"profile geo flag", env + ticker_bytes(ticker) + w.bytes().size()});
    };
    if (const auto* b = std::get_if<VenueCreate>(&tx.body)) profile_flag(b->ticker, b->profile);
    if (const auto* b = std::get_if<VenueUpdate>(&tx.body)) profile_flag(b->ticker, b->profile);
    if (const auto* b = std::get_if<ProductUpsert>(&tx.body)) {
        const Product& p = b->product;
        Writer w;
        w.u32(p.id).text(p.name).u64(p.price).text(p.category).text(p.image_url);
        out.push_back({"product active", env + ticker_bytes(b->ticker) + w.bytes().size()});
    }
    if (const auto* b = std::get_if<StaffUpdate>(&tx.body)) {
        Writer w;
        w.key(b->staff).u8(static_cast<std::uint8_t>(b->role));
        const std::size_t per_tx = env + ticker_bytes(b->ticker) + w.bytes().size();
        out.push_back({"limits per_tx flag", per_tx});
        out.push_back({"limits per_day flag", per_tx + 1 + (b->limits.per_tx ? sizeof(std::uint64_t) : 0)});
    }
    if (const auto* b = std::get_if<StaffAdd>(&tx.body)) {
        Writer w;
        w.u8(static_cast<std::uint8_t>(b->role));
        const std::size_t per_tx = env + ticker_bytes(b->ticker) + w.bytes().size();
        out.push_back({"limits per_tx flag", per_tx});
        out.push_back({"limits per_day flag", per_tx + 1 + (b->limits.per_tx ? sizeof(std::uint64_t) : 0)});
    }
    return out;
}

// Where each account kind byte of a transaction sits.
std::vector<Position> account_kind_positions(const Tx& tx) {
    const std::size_t env = envelope_bytes();
    std::vector<Position> out;
    if (const auto* b = std::get_if<Transfer>(&tx.body)) {
        const std::size_t from = env + ticker_bytes(b->ticker);
        out.push_back({"transfer from", from});
        out.push_back({"transfer to", from + account_bytes()});
    }
    if (const auto* b = std::get_if<Redeem>(&tx.body)) {
        Writer w;
        w.u8(voucher_version);
        write_ticker(w, b->voucher.ticker);
        w.u32(b->voucher.product_id).u64(b->voucher.price);
        out.push_back({"voucher client", env + ticker_bytes(b->ticker) + w.bytes().size()});
    }
    return out;
}

// --- unchecked writers: the bytes a hostile client could send ---

// Exactly what write_profile writes, minus its checks. The test "unchecked
// writers match the encoder" proves the mirror, so a refusal below is the
// decoder's doing and not a typo here.
void write_profile_unchecked(Writer& w, const Profile& p) {
    w.text(p.name).text(p.logo_url).text(p.street_address);
    w.boolean(p.geo.has_value());
    if (p.geo) w.i32(p.geo->lat_e7).i32(p.geo->lon_e7);
    w.text(p.phone);
    w.u8(static_cast<std::uint8_t>(p.links.size()));
    for (const auto& l : p.links) w.text(l);
    w.text(p.hours);
}

const Signature fixed_signature = [] {
    Signature s;
    for (std::size_t i = 0; i < s.bytes.size(); ++i) s.bytes[i] = static_cast<std::uint8_t>(0x80 + i);
    return s;
}();

Writer envelope(TxKind kind) {
    Writer w;
    w.u8(tx_version).u8(static_cast<std::uint8_t>(kind)).key(test_key(3).public_key()).u64(fixed_nonce);
    w.u64(fixed_expiry_s);
    return w;
}

void write_ticker_unchecked(Writer& w, std::string_view ticker) {
    w.u8(static_cast<std::uint8_t>(ticker.size())).raw(as_bytes(ticker));
}

Bytes venue_create_unchecked(std::string_view ticker, const Profile& p) {
    Writer w = envelope(TxKind::venue_create);
    write_ticker_unchecked(w, ticker);
    write_profile_unchecked(w, p);
    w.signature(fixed_signature);
    return std::move(w).take();
}

Bytes product_upsert_unchecked(const Product& p) {
    Writer w = envelope(TxKind::product_upsert);
    write_ticker_unchecked(w, "VOLODYA");
    w.u32(p.id).text(p.name).u64(p.price).text(p.category).text(p.image_url).boolean(p.active);
    w.signature(fixed_signature);
    return std::move(w).take();
}

Bytes transfer_unchecked(std::string_view memo) {
    Writer w = envelope(TxKind::transfer);
    write_ticker_unchecked(w, "VOLODYA");
    write_account(w, Account::of_key(test_key(3).public_key()));
    write_account(w, Account::of_key(test_key(6).public_key()));
    w.u64(300).text(memo);
    w.signature(fixed_signature);
    return std::move(w).take();
}

SignedTx fixed_tx(TxBody body) {
    Tx tx;
    tx.signer = test_key(3).public_key();
    tx.nonce = fixed_nonce;
    tx.expiry_s = fixed_expiry_s;
    tx.body = std::move(body);
    return SignedTx{tx, fixed_signature};
}

// --- assertions ---

void require_refused(ByteView bytes, std::string_view why) {
    const auto d = decode_signed_tx(bytes);
    REQUIRE_FALSE(d.has_value());
    CHECK_THAT(d.error(), Contains(std::string(why)));
}

void require_round_trip(ByteView bytes) {
    const auto d = decode_signed_tx(bytes);
    if (!d) FAIL("refused: " << d.error());
    CHECK(encode_signed_tx(*d) == Bytes(bytes.begin(), bytes.end()));
}

Bytes patched(const Bytes& b, std::size_t offset, std::uint8_t value) {
    Bytes out = b;
    out.at(offset) = value;
    return out;
}

// --- the randomized mutation test ---

// The run's seed: KOPILKA_SEED if given (to replay a failure), else random.
std::uint64_t run_seed() {
    static const std::uint64_t seed = [] {
        if (const char* s = std::getenv("KOPILKA_SEED"); s != nullptr && *s != '\0') {
            char* end = nullptr;
            errno = 0;
            const unsigned long long v = std::strtoull(s, &end, 0);
            if (errno != 0 || *end != '\0') throw std::invalid_argument("KOPILKA_SEED must be an unsigned integer");
            return static_cast<std::uint64_t>(v);
        }
        std::random_device rd;
        return std::uint64_t{rd()} << 32 | rd();
    }();
    return seed;
}

constexpr int mutation_rounds = 20'000;

// Decodes and re-encodes; nullopt when the decoder refuses. Anything thrown is
// a failure: decoders report errors, they do not throw or crash.
using Recode = std::function<std::optional<Bytes>(ByteView)>;

template <class T>
std::optional<Bytes> recode_expected(const std::expected<T, std::string>& d, Bytes (*encode)(const T&)) {
    if (!d) {
        if (d.error().empty()) throw std::logic_error("refused with an empty message");
        return std::nullopt;
    }
    return encode(*d);
}

void mutation_test(std::string_view what, const std::vector<Bytes>& valid, const Recode& recode) {
    const std::uint64_t seed = run_seed();
    WARN(what << " mutation seed " << seed << " (replay: KOPILKA_SEED=" << seed << ")");
    // Each decoder gets its own stream from the one printed seed. The mixing
    // and the modulo below are spelled out, not std::uniform_int_distribution,
    // whose output differs between standard libraries: a seed must replay
    // the same mutations anywhere.
    std::uint64_t salt = 1469598103934665603ull;  // FNV-1a over the name
    for (char c : what) salt = (salt ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    std::mt19937_64 rng(seed ^ salt);
    auto below = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };

    std::size_t accepted = 0, refused = 0, failures = 0;
    std::string first_failure;
    for (int round = 0; round < mutation_rounds; ++round) {
        const Bytes& original = valid[below(valid.size())];
        Bytes m = original;
        std::string op;
        switch (below(4)) {
            case 0: {  // change one byte to a different value
                const std::size_t at = below(m.size());
                m[at] = static_cast<std::uint8_t>(m[at] ^ (1 + below(255)));
                op = "set byte " + std::to_string(at) + " to " + std::to_string(m[at]);
                break;
            }
            case 1: {  // truncate
                m.resize(below(m.size()));
                op = "truncate to " + std::to_string(m.size());
                break;
            }
            case 2: {  // insert one byte
                const std::size_t at = below(m.size() + 1);
                const auto v = static_cast<std::uint8_t>(rng());
                m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), v);
                op = "insert " + std::to_string(v) + " at " + std::to_string(at);
                break;
            }
            default: {  // delete one byte
                const std::size_t at = below(m.size());
                m.erase(m.begin() + static_cast<std::ptrdiff_t>(at));
                op = "delete byte " + std::to_string(at);
                break;
            }
        }
        std::string problem;
        try {
            const auto re = recode(m);
            if (!re)
                ++refused;
            else if (*re == m)
                ++accepted;
            else
                problem = "accepted but re-encodes differently: " + to_hex(*re);
        } catch (const std::exception& e) {
            problem = std::string("threw: ") + e.what();
        }
        if (!problem.empty() && failures++ == 0)
            first_failure = "round " + std::to_string(round) + ": " + op + " of " + to_hex(original) + ": " + problem;
    }
    INFO("first failure: " << first_failure);
    CHECK(failures == 0);
    // Both outcomes must occur, or the test is not testing what it says.
    CHECK(refused > 0);
    CHECK(accepted > 0);
}

Genesis sample_genesis(std::size_t attestors) {
    Genesis g;
    g.chain_name = "kopilka-codec";
    g.time_ms = test_epoch_ms;
    g.producer = test_key(1).public_key();
    for (std::size_t i = 0; i < attestors; ++i)
        g.attestors.push_back(test_key(static_cast<std::uint32_t>(10 + i)).public_key());
    return g;
}

Block sample_block(std::size_t ids) {
    Block b;
    b.header.height = 42;
    b.header.prev = blake2b256(as_bytes("prev"));
    b.header.time_ms = test_epoch_ms + 42'000;
    b.header.state_digest = blake2b256(as_bytes("state"));
    for (std::size_t i = 0; i < ids; ++i) b.tx_ids.push_back(blake2b256(as_bytes(std::to_string(i))));
    b.header.tx_root = merkle_root(b.tx_ids);
    b.header.tx_count = static_cast<std::uint32_t>(ids);
    sign_block(b, test_key(1), codec_chain);
    return b;
}

std::vector<Voucher> sample_vouchers() {
    TxBuilder b(codec_chain);
    const KeyPair client = test_key(6);
    return {b.voucher(client, "VOLODYA", 1, 100, Account::of_key(client.public_key())),
            b.voucher(client, "ABC", 0xFFFF'FFFF, coin_supply_units, Account::of_phone(phone_ref("+79000000001")))};
}

std::optional<Bytes> recode_genesis(ByteView b) {
    try {
        return encode_genesis(decode_genesis(b));
    } catch (const DecodeError&) {
        return std::nullopt;
    }
}

}  // namespace

// --- round trips ---

TEST_CASE("codec: every transaction kind encodes, decodes and encodes to the same bytes", "[codec]") {
    std::set<TxKind> kinds;
    for (const auto& s : tx_samples()) {
        INFO(s.name);
        const auto d = decode_signed_tx(s.blob);
        REQUIRE(d);
        CHECK(*d == s.stx);
        CHECK(encode_signed_tx(*d) == s.blob);
        CHECK(tx_id(d->tx) == tx_id(s.stx.tx));
        CHECK(verify_tx_signatures(*d, codec_chain));
        // The stored bytes stand in for encoding again (the audit's shortcut).
        const ByteView unsigned_bytes = unsigned_tx_bytes(s.blob);
        CHECK(Bytes(unsigned_bytes.begin(), unsigned_bytes.end()) == encode_tx(d->tx));
        CHECK(tx_id_of_encoded(unsigned_bytes) == tx_id(s.stx.tx));
        CHECK(verify_tx_signatures(*d, unsigned_bytes, codec_chain));
        CHECK_FALSE(verify_tx_signatures(*d, ByteView(s.blob).first(s.blob.size() - 65), codec_chain));
        kinds.insert(d->tx.kind());
    }
    CHECK(kinds.size() == static_cast<std::size_t>(tx_kind_last));
}

TEST_CASE("codec: the unchecked writers used below match the encoder byte for byte", "[codec]") {
    CHECK(venue_create_unchecked("VOLODYA", full_profile()) ==
          encode_signed_tx(fixed_tx(VenueCreate{"VOLODYA", full_profile()})));
    CHECK(venue_create_unchecked("ABCDEFGHIJ", max_profile()) ==
          encode_signed_tx(fixed_tx(VenueCreate{"ABCDEFGHIJ", max_profile()})));
    const Product p = product(9, "Donut", 200, false, "food", "https://example.org/d.png");
    CHECK(product_upsert_unchecked(p) == encode_signed_tx(fixed_tx(ProductUpsert{"VOLODYA", p})));
    CHECK(transfer_unchecked("hi") ==
          encode_signed_tx(fixed_tx(Transfer{"VOLODYA", Account::of_key(test_key(3).public_key()),
                                             Account::of_key(test_key(6).public_key()), 300, "hi"})));
}

TEST_CASE("codec: the largest possible transaction fits in tx_bytes_max", "[codec]") {
    // tx.h promises a venue profile at every limit fits; if a limit grows past
    // it, owners could sign venues no node accepts.
    const Bytes big = encode_signed_tx(fixed_tx(VenueCreate{"ABCDEFGHIJ", max_profile()}));
    INFO("largest transaction: " << big.size() << " bytes");
    CHECK(big.size() <= tx_bytes_max);
    require_round_trip(big);
}

TEST_CASE("codec: a programme_set at programme_bytes_max fits in tx_bytes_max, and one byte more is refused", "[codec]") {
    // Fill rule names until the programme's bytes reach the limit exactly.
    loyalty::Programme p = full_programme();
    while (p.rules.size() < loyalty::programme_rules_max) {
        loyalty::Rule r{static_cast<std::uint16_t>(100 + p.rules.size()), std::string(loyalty::rule_name_bytes_max, 'r'),
                        0, {}, loyalty::Effect::fixed, 1, std::nullopt, 0};
        r.when.categories.assign(loyalty::category_list_max, "");
        for (std::size_t i = 0; i < r.when.categories.size(); ++i)
            r.when.categories[i] = std::string(product_category_bytes_max - 2, 'c') + std::to_string(10 + i);
        p.rules.push_back(r);
        Bytes bytes;
        try {
            bytes = loyalty::encode_programme(p);
        } catch (const std::invalid_argument&) {
            p.rules.pop_back();
            break;
        }
    }
    const std::size_t size = loyalty::encode_programme(p).size();
    INFO("programme of " << p.rules.size() << " rules: " << size << " bytes");
    REQUIRE(size <= loyalty::programme_bytes_max);
    const Bytes big = encode_signed_tx(fixed_tx(ProgrammeSet{"ABCDEFGHIJ", p}));
    CHECK(big.size() <= tx_bytes_max);
    require_round_trip(big);
    // One more such rule passes the limit: the encoder refuses the programme.
    REQUIRE(p.rules.size() < loyalty::programme_rules_max);
    loyalty::Programme over = p;
    over.rules.push_back(p.rules.back());
    over.rules.back().id = static_cast<std::uint16_t>(p.rules.back().id + 1);
    CHECK_THROWS_WITH(loyalty::encode_programme(over), Catch::Contains("bytes, at most"));
}

// --- truncation and trailing bytes ---

TEST_CASE("codec: every strict prefix of a valid transaction is refused", "[codec]") {
    for (const auto& s : tx_samples()) {
        INFO(s.name);
        for (std::size_t n = 0; n < s.blob.size(); ++n) {
            INFO("prefix of " << n << " bytes");
            const auto d = decode_signed_tx(ByteView(s.blob).first(n));
            REQUIRE_FALSE(d);
            CHECK_FALSE(d.error().empty());
        }
    }
}

TEST_CASE("codec: a byte appended to a valid transaction is refused", "[codec]") {
    for (const auto& s : tx_samples()) {
        INFO(s.name);
        for (std::uint8_t extra : U8s{0x00, 0x01, 0xFF}) {
            Bytes b = s.blob;
            b.push_back(extra);
            require_refused(b, "1 trailing bytes");
        }
    }
}

TEST_CASE("codec: a transaction longer than tx_bytes_max is refused before it is parsed", "[codec]") {
    Bytes b = encode_signed_tx(fixed_tx(VenueCreate{"ABCDEFGHIJ", max_profile()}));
    REQUIRE(b.size() < tx_bytes_max);
    // Exactly at the limit the size check passes and the padding is refused
    // as trailing bytes; one byte more and the size check refuses it.
    b.resize(tx_bytes_max, 0);
    require_refused(b, "trailing bytes");
    b.push_back(0);
    require_refused(b, "transaction is " + std::to_string(tx_bytes_max + 1) + " bytes; at most " +
                           std::to_string(tx_bytes_max) + " allowed");
}

// --- versions, kinds, enums ---

TEST_CASE("codec: unknown transaction, voucher and attestation versions are refused", "[codec]") {
    const Bytes& b = tx_samples().front().blob;
    for (std::uint8_t v : U8s{0, 2, 255}) require_refused(patched(b, 0, v), "unknown transaction version");

    for (const auto& s : tx_samples()) {
        if (const auto* r = std::get_if<Redeem>(&s.stx.tx.body)) {
            const std::size_t at = envelope_bytes() + ticker_bytes(r->ticker);
            REQUIRE(s.blob.at(at) == voucher_version);
            for (std::uint8_t v : U8s{0, 2, 255}) require_refused(patched(s.blob, at, v), "unknown voucher version");
        }
        if (const auto* a = std::get_if<StaffAdd>(&s.stx.tx.body)) {
            // ticker, role, the two limit flags and their values, then the acceptance
            const std::size_t at = envelope_bytes() + ticker_bytes(a->ticker) + 1 + 1 +
                                   (a->limits.per_tx ? 8 : 0) + 1 + (a->limits.per_day ? 8 : 0);
            REQUIRE(s.blob.at(at) == staff_acceptance_version);
            for (std::uint8_t v : U8s{0, 2, 255})
                require_refused(patched(s.blob, at, v), "unknown staff acceptance version");
        }
        if (std::holds_alternative<PhoneBind>(s.stx.tx.body)) {
            const std::size_t at = envelope_bytes();
            REQUIRE(s.blob.at(at) == attestation_version);
            for (std::uint8_t v : U8s{0, 2, 255})
                require_refused(patched(s.blob, at, v), "unknown attestation version");
        }
    }
}

TEST_CASE("codec: unknown transaction kinds 0, 18 and 255 are refused", "[codec]") {
    for (const auto& s : tx_samples()) {
        INFO(s.name);
        REQUIRE(s.blob.at(1) == static_cast<std::uint8_t>(s.stx.tx.kind()));
        for (std::uint8_t k : U8s{0, 18, 255}) require_refused(patched(s.blob, 1, k), "unknown transaction kind");
    }
}

TEST_CASE("codec: unknown account kinds are refused wherever an account is read", "[codec]") {
    std::set<std::string> seen;
    for (const auto& s : tx_samples()) {
        for (const auto& pos : account_kind_positions(s.stx.tx)) {
            INFO(s.name << ", " << pos.what << " at offset " << pos.offset);
            const std::uint8_t k = s.blob.at(pos.offset);
            REQUIRE((k == static_cast<std::uint8_t>(Account::Kind::key) ||
                     k == static_cast<std::uint8_t>(Account::Kind::phone)));
            for (std::uint8_t bad : U8s{0, 3, 255})
                require_refused(patched(s.blob, pos.offset, bad), "unknown account kind");
            seen.insert(pos.what);
        }
    }
    CHECK(seen == std::set<std::string>{"transfer from", "transfer to", "voucher client"});
}

TEST_CASE("codec: unknown staff roles are refused", "[codec]") {
    const auto& s = tx_samples();
    const auto it = std::find_if(s.begin(), s.end(), [](const Sample& x) { return x.name == "staff_update no limits"; });
    REQUIRE(it != s.end());
    const auto& body = std::get<StaffUpdate>(it->stx.tx.body);
    const std::size_t at = envelope_bytes() + ticker_bytes(body.ticker) + public_key_bytes;
    REQUIRE(it->blob.at(at) == static_cast<std::uint8_t>(StaffRole::barista));
    for (std::uint8_t r : U8s{0, 5, 255}) require_refused(patched(it->blob, at, r), "unknown staff role");
    for (std::uint8_t r = 1; r <= 4; ++r) require_round_trip(patched(it->blob, at, r));
}

TEST_CASE("codec: a boolean other than 0 or 1 is refused in every boolean position", "[codec]") {
    std::set<std::string> seen;
    for (const auto& s : tx_samples()) {
        for (const auto& pos : boolean_positions(s.stx.tx)) {
            INFO(s.name << ", " << pos.what << " at offset " << pos.offset);
            REQUIRE(s.blob.at(pos.offset) <= 1);  // the offset really is a boolean
            for (std::uint8_t bad : U8s{2, 0x80, 0xFF})
                require_refused(patched(s.blob, pos.offset, bad),
                                "non-canonical boolean " + std::to_string(bad) + " at offset " +
                                    std::to_string(pos.offset));
            seen.insert(pos.what);
        }
    }
    CHECK(seen ==
          std::set<std::string>{"profile geo flag", "product active", "limits per_tx flag", "limits per_day flag"});
}

// --- text fields ---

TEST_CASE("codec: text fields at their limit are accepted and one byte over is refused", "[codec]") {
    struct Field {
        const char* what;  // as the decoder names it
        std::string Profile::*member;
        std::size_t max;
    };
    for (const Field& f : {Field{"venue name", &Profile::name, venue_name_bytes_max},
                           Field{"logo URL", &Profile::logo_url, url_bytes_max},
                           Field{"address", &Profile::street_address, street_address_bytes_max},
                           Field{"venue phone", &Profile::phone, contact_phone_bytes_max},
                           Field{"opening hours", &Profile::hours, opening_hours_bytes_max}}) {
        INFO(f.what);
        Profile p = full_profile();
        p.*f.member = repeat(f.max);
        require_round_trip(venue_create_unchecked("VOLODYA", p));
        p.*f.member = repeat(f.max + 1);
        require_refused(venue_create_unchecked("VOLODYA", p),
                        std::string(f.what) + " is " + std::to_string(f.max + 1) + " bytes; at most " +
                            std::to_string(f.max) + " allowed");
    }
    {
        Profile p = full_profile();
        p.links = {repeat(url_bytes_max)};
        require_round_trip(venue_create_unchecked("VOLODYA", p));
        p.links = {repeat(url_bytes_max + 1)};
        require_refused(venue_create_unchecked("VOLODYA", p), "link is 257 bytes");
    }
    // Multi-byte text is limited in bytes, not characters.
    require_round_trip(transfer_unchecked(cyrillic_bytes(memo_bytes_max)));
    require_refused(transfer_unchecked(cyrillic_bytes(memo_bytes_max) + "a"), "memo is 141 bytes; at most 140");
    require_round_trip(transfer_unchecked(repeat(memo_bytes_max)));
    require_refused(transfer_unchecked(repeat(memo_bytes_max + 1)), "memo is 141 bytes");

    require_round_trip(product_upsert_unchecked(product(1, repeat(product_name_bytes_max), 100, true)));
    require_refused(product_upsert_unchecked(product(1, repeat(product_name_bytes_max + 1), 100, true)),
                    "product name is 65 bytes");
    require_refused(product_upsert_unchecked(product(1, "Coffee", 100, true, repeat(product_category_bytes_max + 1))),
                    "product category is 33 bytes");
    require_refused(product_upsert_unchecked(product(1, "Coffee", 100, true, "", repeat(url_bytes_max + 1))),
                    "product image URL is 257 bytes");
}

TEST_CASE("codec: a text length beyond the bytes that follow is refused, not read past the end", "[codec]") {
    Writer w = envelope(TxKind::transfer);
    write_ticker_unchecked(w, "VOLODYA");
    write_account(w, Account::of_key(test_key(3).public_key()));
    write_account(w, Account::of_key(test_key(6).public_key()));
    w.u64(300).u16(100).raw(as_bytes("short"));
    require_refused(w.bytes(), "truncated");
}

TEST_CASE("codec: invalid UTF-8 and control characters are refused in text fields", "[codec]") {
    struct Bad {
        const char* what;
        std::string bytes;
    };
    const std::vector<Bad> bad = {
        {"overlong '/'", "\xC0\xAF"},
        {"overlong 3-byte", "\xE0\x80\xAF"},
        {"overlong 4-byte", "\xF0\x80\x80\xAF"},
        {"surrogate U+D800", "\xED\xA0\x80"},
        {"surrogate U+DFFF", "\xED\xBF\xBF"},
        {"control U+0001", "\x01"},
        {"NUL", std::string(1, '\0')},
        {"newline", "\n"},
        {"DEL", "\x7F"},
        {"C1 U+0080", "\xC2\x80"},
        {"C1 U+009F", "\xC2\x9F"},
        {"above U+10FFFF", "\xF4\x90\x80\x80"},
        {"lead byte F8", "\xF8\x88\x80\x80\x80"},
        {"lone continuation", "\x80"},
        {"truncated sequence", "\xD0"},
        {"0xFF", "\xFF"},
    };
    for (const auto& b : bad) {
        INFO(b.what);
        const std::string text = "ab" + b.bytes + "cd";
        CHECK_FALSE(valid_display_text(text));
        Profile p = full_profile();
        p.name = text;
        require_refused(venue_create_unchecked("VOLODYA", p), "venue name is not valid UTF-8 text");
        p = full_profile();
        p.links = {text};
        require_refused(venue_create_unchecked("VOLODYA", p), "link is not valid UTF-8 text");
        require_refused(transfer_unchecked(text), "memo is not valid UTF-8 text");
        require_refused(product_upsert_unchecked(product(1, text, 100, true)), "product name is not valid UTF-8");
        // The end of a field is no excuse: a sequence cut by the length is refused too.
        require_refused(transfer_unchecked("ab" + b.bytes), "memo is not valid UTF-8 text");
    }
    // The nearest valid neighbours are accepted, so the refusals above are
    // about the bytes and not about non-ASCII text in general.
    for (const std::string good : {"\xC2\xA0", "\xD0\x91", "\xE2\x98\x95", "\xEF\xBF\xBD", "\xF0\x9F\x98\x80",
                                   "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF", "\xEE\x80\x80", "~"}) {
        INFO("valid: " << to_hex(as_bytes(good)));
        CHECK(valid_display_text(good));
        require_round_trip(transfer_unchecked("ab" + good + "cd"));
    }
}

// The hidden-format rule (codec.h): a name, a memo or a link with an invisible
// direction or zero-width character could read as another venue's name or
// another amount, so decoders refuse it and encoders will not write it.
TEST_CASE("codec: bidi controls and zero-width characters are refused in text fields", "[codec]") {
    struct Hidden {
        std::uint32_t cp;
        std::string utf8;
        const char* name;  // as the message spells it
    };
    const std::vector<Hidden> hidden = {
        {0x202A, "\xE2\x80\xAA", "U+202A"}, {0x202B, "\xE2\x80\xAB", "U+202B"}, {0x202C, "\xE2\x80\xAC", "U+202C"},
        {0x202D, "\xE2\x80\xAD", "U+202D"}, {0x202E, "\xE2\x80\xAE", "U+202E"}, {0x2066, "\xE2\x81\xA6", "U+2066"},
        {0x2067, "\xE2\x81\xA7", "U+2067"}, {0x2068, "\xE2\x81\xA8", "U+2068"}, {0x2069, "\xE2\x81\xA9", "U+2069"},
        {0x200E, "\xE2\x80\x8E", "U+200E"}, {0x200F, "\xE2\x80\x8F", "U+200F"}, {0x061C, "\xD8\x9C", "U+061C"},
        {0x200B, "\xE2\x80\x8B", "U+200B"}, {0x200C, "\xE2\x80\x8C", "U+200C"}, {0x200D, "\xE2\x80\x8D", "U+200D"},
        {0x2060, "\xE2\x81\xA0", "U+2060"}, {0xFEFF, "\xEF\xBB\xBF", "U+FEFF"},
    };
    for (const auto& h : hidden) {
        INFO(h.name);
        CHECK(hidden_format_char(h.cp));
        const std::string text = "U Vol" + h.utf8 + "odi";
        CHECK_FALSE(valid_display_text(text));
        const std::string why = std::string(" holds ") + h.name;
        // Decoders refuse it in every kind of text field...
        Profile p = full_profile();
        p.name = text;
        require_refused(venue_create_unchecked("VOLODYA", p), "venue name" + why);
        p = full_profile();
        p.links = {"https://volodi.example/" + h.utf8};
        require_refused(venue_create_unchecked("VOLODYA", p), "link" + why);
        require_refused(transfer_unchecked(text), "memo" + why);
        require_refused(transfer_unchecked(h.utf8), "memo" + why);  // alone, and at the field's end
        require_refused(product_upsert_unchecked(product(1, text, 100, true)), "product name" + why);
        // ...and the encoders' checks name the field and the character.
        p = full_profile();
        p.name = text;
        CHECK_THAT(check_profile(p), Contains("venue name" + why));
        CHECK_THAT(check_product(product(1, text, 100, true)), Contains("product name" + why));
        CHECK_THROWS_WITH(encode_signed_tx(fixed_tx(Transfer{"VOLODYA", Account::of_key(test_key(3).public_key()),
                                                             Account::of_key(test_key(6).public_key()), 300, text})),
                          Contains("memo" + why));
    }
    // Their neighbours, and visible text in right-to-left scripts, are fine:
    // the rule is about invisible format characters, not about scripts.
    for (std::uint32_t cp : {0x2029u, 0x202Fu, 0x2065u, 0x206Au, 0x200Au, 0x2010u, 0x061Bu, 0x061Du, 0xFEFEu, 0xFF01u})
        CHECK_FALSE(hidden_format_char(cp));
    for (const std::string good : {"\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D", "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
                                   "\xE2\x80\xAF", "\xE2\x80\x90", "\xEF\xBB\xBE"}) {
        INFO("valid: " << to_hex(as_bytes(good)));
        CHECK(valid_display_text(good));
        require_round_trip(transfer_unchecked("ab" + good + "cd"));
    }
}

TEST_CASE("codec: malformed tickers are refused", "[codec]") {
    for (const std::string t : {"volodya", "VOLODYa", "AB", "ABCDEFGHIJK", "VOL-DYA", "VOL DYA", "", "A",
                                "ABC\xC3\x84"}) {
        INFO("ticker \"" << t << "\"");
        require_refused(venue_create_unchecked(t, full_profile()), "ticker");
    }
    for (const std::string t : {"ABC", "ABCDEFGHIJ", "A1B2C3", "123"}) {
        INFO("ticker \"" << t << "\"");
        require_round_trip(venue_create_unchecked(t, full_profile()));
    }
}

TEST_CASE("codec: profile and product rules are enforced on decode", "[codec]") {
    Profile p = full_profile();
    p.links.assign(venue_links_count_max, "https://example.org");
    require_round_trip(venue_create_unchecked("VOLODYA", p));
    p.links.push_back("https://example.org");
    require_refused(venue_create_unchecked("VOLODYA", p), "too many links: 9");

    p = full_profile();
    p.name.clear();
    require_refused(venue_create_unchecked("VOLODYA", p), "venue name is empty");
    p = full_profile();
    p.links = {""};
    require_refused(venue_create_unchecked("VOLODYA", p), "link is empty");

    for (const Geo g : {Geo{lat_e7_max + 1, 0}, Geo{-lat_e7_max - 1, 0}, Geo{0, lon_e7_max + 1},
                        Geo{0, -lon_e7_max - 1}, Geo{std::numeric_limits<std::int32_t>::min(), 0}}) {
        INFO("geo " << g.lat_e7 << "," << g.lon_e7);
        p = full_profile();
        p.geo = g;
        require_refused(venue_create_unchecked("VOLODYA", p), "outside");
    }
    p = full_profile();
    p.geo = Geo{-lat_e7_max, lon_e7_max};
    require_round_trip(venue_create_unchecked("VOLODYA", p));

    require_refused(product_upsert_unchecked(product(1, "Coffee", 0, true)), "above zero");
    require_refused(product_upsert_unchecked(product(1, "Coffee", coin_supply_units + 1, true)), "whole supply");
    require_round_trip(product_upsert_unchecked(product(1, "Coffee", coin_supply_units, true)));
    require_refused(product_upsert_unchecked(product(1, "", 100, true)), "product name is empty");
}

// --- the other decoders ---

TEST_CASE("codec: genesis round-trips and refuses truncation, trailing bytes and bad fields", "[codec]") {
    for (std::size_t n : {0u, 1u, 16u}) {
        const Bytes b = encode_genesis(sample_genesis(n));
        CHECK(decode_genesis(b) == sample_genesis(n));
        for (std::size_t len = 0; len < b.size(); ++len)
            CHECK_THROWS_AS(decode_genesis(ByteView(b).first(len)), DecodeError);
        Bytes extra = b;
        extra.push_back(0);
        CHECK_THROWS_AS(decode_genesis(extra), DecodeError);
    }
    const Bytes b = encode_genesis(sample_genesis(1));
    CHECK_THROWS_AS(decode_genesis(patched(b, 0, 2)), DecodeError);

    // Name, then the attestor count: built with the Writer, not by hand.
    auto genesis_bytes = [](std::string_view name, std::size_t attestors) {
        Writer w;
        w.u8(1).text(name).u64(test_epoch_ms).key(test_key(1).public_key()).u8(static_cast<std::uint8_t>(attestors));
        for (std::size_t i = 0; i < attestors; ++i) w.key(test_key(static_cast<std::uint32_t>(10 + i)).public_key());
        return std::move(w).take();
    };
    CHECK(genesis_bytes("kopilka-codec", 1) == b);  // the hand-built form is the real one
    CHECK_NOTHROW(decode_genesis(genesis_bytes(repeat(chain_name_bytes_max), 0)));
    CHECK_THROWS_AS(decode_genesis(genesis_bytes(repeat(chain_name_bytes_max + 1), 0)), DecodeError);
    CHECK_THROWS_AS(decode_genesis(genesis_bytes("", 0)), DecodeError);
    CHECK_THROWS_AS(decode_genesis(genesis_bytes("a\xC0\xAF", 0)), DecodeError);
    CHECK_NOTHROW(decode_genesis(genesis_bytes("ok", genesis_attestors_max)));
    CHECK_THROWS_AS(decode_genesis(genesis_bytes("ok", genesis_attestors_max + 1)), DecodeError);
}

TEST_CASE("codec: blocks round-trip and refuse truncation, trailing bytes and a wrong id count", "[codec]") {
    for (std::size_t n : {0u, 1u, 3u}) {
        const Block blk = sample_block(n);
        const Bytes b = encode_block(blk);
        const auto d = decode_block(b);
        REQUIRE(d);
        CHECK(*d == blk);
        CHECK(encode_block(*d) == b);
        for (std::size_t len = 0; len < b.size(); ++len) CHECK_FALSE(decode_block(ByteView(b).first(len)));
        Bytes extra = b;
        extra.push_back(0);
        CHECK_FALSE(decode_block(extra));
    }
    const Bytes b = encode_block(sample_block(3));
    CHECK_FALSE(decode_block(patched(b, 0, 2)));

    // tx_count sits right after version, height, prev, time, root and digest.
    Writer head;
    head.u8(block_version).u64(0).hash(Hash256{}).u64(0).hash(Hash256{}).hash(Hash256{});
    const std::size_t count_at = head.bytes().size();
    REQUIRE(b.at(count_at + 3) == 3);
    const auto two = decode_block(patched(b, count_at + 3, 2));
    REQUIRE_FALSE(two);
    CHECK_THAT(two.error(), Contains("header says 2"));

    // A claimed count over the limit is refused before the ids are read.
    Bytes huge = b;
    const std::uint32_t over = block_txs_max + 1;
    for (int i = 0; i < 4; ++i)
        huge.at(count_at + static_cast<std::size_t>(i)) = static_cast<std::uint8_t>(over >> (24 - 8 * i));
    const auto d = decode_block(huge);
    REQUIRE_FALSE(d);
    CHECK_THAT(d.error(), Contains("at most 10000"));
}

TEST_CASE("codec: vouchers round-trip and refuse truncation, trailing bytes and bad fields", "[codec]") {
    for (const Voucher& v : sample_vouchers()) {
        const Bytes b = encode_voucher(v);
        const auto d = decode_voucher(b);
        REQUIRE(d);
        CHECK(*d == v);
        CHECK(verify_voucher_signature(*d, codec_chain));
        for (std::size_t len = 0; len < b.size(); ++len) CHECK_FALSE(decode_voucher(ByteView(b).first(len)));
        Bytes extra = b;
        extra.push_back(0);
        CHECK_FALSE(decode_voucher(extra));
        CHECK_FALSE(decode_voucher(patched(b, 0, 2)));
        const std::size_t kind_at = 1 + ticker_bytes(v.ticker) + 4 + 8;
        REQUIRE(b.at(kind_at) == static_cast<std::uint8_t>(v.client.kind));
        CHECK_FALSE(decode_voucher(patched(b, kind_at, 0)));
        CHECK_FALSE(decode_voucher(patched(b, 1, 2)));  // ticker length 2
    }
}

TEST_CASE("codec: transaction records round-trip and refuse bad lengths", "[codec]") {
    const TxRecord rec{7, 3, tx_samples().front().blob};
    const Bytes b = encode_tx_record(rec);
    const auto d = decode_tx_record(b);
    REQUIRE(d);
    CHECK(*d == rec);
    for (std::size_t len = 0; len < b.size(); ++len) CHECK_FALSE(decode_tx_record(ByteView(b).first(len)));
    Bytes extra = b;
    extra.push_back(0);
    CHECK_FALSE(decode_tx_record(extra));

    const auto at_max = decode_tx_record(encode_tx_record(TxRecord{1, 0, Bytes(tx_bytes_max, 0xAB)}));
    CHECK(at_max);
    const auto over = decode_tx_record(encode_tx_record(TxRecord{1, 0, Bytes(tx_bytes_max + 1, 0xAB)}));
    REQUIRE_FALSE(over);
    CHECK_THAT(over.error(), Contains("at most " + std::to_string(tx_bytes_max)));
}

// --- randomized mutations ---

TEST_CASE("codec: random mutations of transactions are refused or canonical", "[codec][random]") {
    mutation_test("decode_signed_tx", sample_blobs(),
                  [](ByteView b) { return recode_expected(decode_signed_tx(b), &encode_signed_tx); });
}

TEST_CASE("codec: random mutations of blocks are refused or canonical", "[codec][random]") {
    std::vector<Bytes> valid;
    for (std::size_t n : {0u, 1u, 3u}) valid.push_back(encode_block(sample_block(n)));
    mutation_test("decode_block", valid, [](ByteView b) { return recode_expected(decode_block(b), &encode_block); });
}

TEST_CASE("codec: random mutations of vouchers are refused or canonical", "[codec][random]") {
    std::vector<Bytes> valid;
    for (const auto& v : sample_vouchers()) valid.push_back(encode_voucher(v));
    mutation_test("decode_voucher", valid,
                  [](ByteView b) { return recode_expected(decode_voucher(b), &encode_voucher); });
}

TEST_CASE("codec: random mutations of transaction records are refused or canonical", "[codec][random]") {
    std::vector<Bytes> valid;
    valid.push_back(encode_tx_record(TxRecord{1, 0, tx_samples().front().blob}));
    valid.push_back(encode_tx_record(TxRecord{~std::uint64_t{0}, 9'999, {}}));
    mutation_test("decode_tx_record", valid,
                  [](ByteView b) { return recode_expected(decode_tx_record(b), &encode_tx_record); });
}

TEST_CASE("codec: random mutations of genesis blocks are refused or canonical", "[codec][random]") {
    std::vector<Bytes> valid;
    for (std::size_t n : {0u, 2u}) valid.push_back(encode_genesis(sample_genesis(n)));
    mutation_test("decode_genesis", valid, &recode_genesis);
}

// --- amounts, tickers, account text ---

TEST_CASE("codec: parse_amount accepts exact decimals and refuses everything else", "[codec][amount]") {
    CHECK(parse_amount("0") == Amount{0});
    CHECK(parse_amount("0.5") == Amount{50});
    CHECK(parse_amount("0.05") == Amount{5});
    CHECK(parse_amount("1.05") == Amount{105});
    CHECK(parse_amount("1") == Amount{100});
    CHECK(parse_amount("1000000") == coin_supply_units);
    CHECK(parse_amount("999999999999999.99") == Amount{99'999'999'999'999'999});

    // The u64 boundary: 18446744073709551615 units is the largest amount.
    constexpr Amount max = std::numeric_limits<Amount>::max();
    CHECK(parse_amount("184467440737095516.15") == max);
    CHECK(parse_amount("184467440737095516.1") == max - 5);  // 16.10
    CHECK(parse_amount("184467440737095516") == max - 15);
    CHECK_FALSE(parse_amount("184467440737095516.16"));
    CHECK_FALSE(parse_amount("184467440737095516.2"));
    CHECK_FALSE(parse_amount("184467440737095517"));
    CHECK_FALSE(parse_amount("1844674407370955161.5"));
    CHECK_FALSE(parse_amount("99999999999999999999"));

    for (const char* bad : {"", "-1", "+1", "1e3", " 1", "1 ", "1.", ".5", "1.234", "1,5", "1..5", "1.2.3", "0x10",
                            "abc", "1.-5", "١", "\xEF\xBC\x91"}) {
        INFO("\"" << bad << "\"");
        CHECK_FALSE(parse_amount(bad));
    }
}

TEST_CASE("codec: format_amount always shows two decimals and parse_amount reads it back", "[codec][amount]") {
    CHECK(format_amount(0) == "0.00");
    CHECK(format_amount(5) == "0.05");
    CHECK(format_amount(50) == "0.50");
    CHECK(format_amount(105) == "1.05");
    CHECK(format_amount(coin_supply_units) == "1000000.00");
    CHECK(format_amount(std::numeric_limits<Amount>::max()) == "184467440737095516.15");
    for (Amount a : {Amount{0}, Amount{1}, Amount{99}, Amount{100}, Amount{12345}, coin_supply_units,
                     std::numeric_limits<Amount>::max()}) {
        INFO(a);
        CHECK(parse_amount(format_amount(a)) == a);
    }
}

TEST_CASE("codec: valid_ticker accepts 3-10 of A-Z and 0-9 only", "[codec]") {
    for (const char* t : {"ABC", "VOLODYA", "A1B2C3D4E5", "123", "ZZZZZZZZZZ"}) {
        INFO(t);
        CHECK(valid_ticker(t));
    }
    for (const char* t : {"", "AB", "ABCDEFGHIJK", "abc", "Abc", "AB-C", "AB C", "AB_C", "AB.C", "\xC3\x84" "BC",
                          "ABC\n"}) {
        INFO(t);
        CHECK_FALSE(valid_ticker(t));
    }
    CHECK_FALSE(valid_ticker(std::string_view("AB\0C", 4)));
}

TEST_CASE("codec: account text round-trips for key and phone accounts and refuses garbage", "[codec]") {
    const Account key = Account::of_key(test_key(3).public_key());
    const std::string key_text = account_text(key);
    CHECK(key_text.starts_with("kop1"));
    CHECK(account_from_text(key_text) == key);

    const Account phone = Account::of_phone(phone_ref("+79000000001"));
    const std::string phone_text = account_text(phone);
    CHECK(phone_text == "phone:" + to_hex(phone.bytes));
    CHECK(account_from_text(phone_text) == phone);

    // One changed character of an address is caught by its checksum.
    std::string typo = key_text;
    typo[10] = typo[10] == 'q' ? 'p' : 'q';

    const std::string hex64 = to_hex(phone.bytes);
    for (const std::string& bad : {std::string(), std::string("kop1"), typo, "kip" + key_text.substr(3),
                                  " " + key_text, key_text + " ", key_text.substr(0, key_text.size() - 1),
                                  std::string("phone:"), "phone:" + hex64.substr(0, 62), "phone:" + hex64 + "00",
                                  "phone:" + hex64.substr(0, 63), "phone:" + std::string(64, 'z'),
                                  "phone: " + hex64.substr(0, 62), "phone" + hex64, "tel:" + hex64, hex64}) {
        INFO("\"" << bad << "\"");
        CHECK_FALSE(account_from_text(bad));
    }
}

}  // namespace kopilka::test
