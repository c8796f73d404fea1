// Encrypted keystores: a key sealed under a passphrase opens only with that
// passphrase, any edit to the file is detected, and a hostile file cannot make
// the reader do unbounded work.
#include "crypto/address.h"
#include "crypto/keystore.h"

#include <catch2/catch.hpp>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace kopilka;
namespace fs = std::filesystem;

namespace {

// The cheapest Argon2id cost libsodium allows, so the many opens below stay
// fast; one test uses the real interactive cost.
const KdfParams fast_kdf{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};

constexpr std::string_view passphrase = "correct horse battery staple";
constexpr std::string_view wrong_passphrase = "Tr0ub4dor&3";

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        REQUIRE(end != std::string_view::npos);
        lines.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines, std::string_view eol = "\n") {
    std::string out;
    for (const auto& line : lines) out.append(line).append(eol);
    return out;
}

// Replaces the value of field `key`, which must be present.
std::string with_field(std::string_view text, std::string_view key, std::string_view value) {
    auto lines = split_lines(text);
    const std::string prefix = std::string(key) + ": ";
    for (auto& line : lines) {
        if (line.starts_with(prefix)) {
            line = prefix + std::string(value);
            return join_lines(lines);
        }
    }
    FAIL("no field " << key);
    return {};
}

std::string field_value(std::string_view text, std::string_view key) {
    const std::string prefix = std::string(key) + ": ";
    for (const auto& line : split_lines(text))
        if (line.starts_with(prefix)) return line.substr(prefix.size());
    FAIL("no field " << key);
    return {};
}

KeystoreFailure open_failure(std::string_view text, std::string_view pass) {
    auto opened = keystore_open(text, pass);
    REQUIRE_FALSE(opened.has_value());
    return opened.error();
}

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
public:
    TempDir() {
        std::array<std::uint8_t, 8> tag{};
        random_bytes(tag);
        path_ = fs::temp_directory_path() / ("kopilka-keystore-test-" + to_hex(tag));
        fs::create_directory(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }
    std::size_t entries() const {
        return static_cast<std::size_t>(
            std::distance(fs::directory_iterator(path_), fs::directory_iterator()));
    }

private:
    fs::path path_;
};

// Sets the process umask for one scope (the tests are single-threaded).
class ScopedUmask {
public:
    explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
    ScopedUmask(const ScopedUmask&) = delete;
    ScopedUmask& operator=(const ScopedUmask&) = delete;
    ~ScopedUmask() { ::umask(old_); }

private:
    mode_t old_;
};

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void check_no_secrets(const KeystoreFailure& failure, const KeyPair& key) {
    CAPTURE(failure.message);
    CHECK(failure.message.find(passphrase) == std::string::npos);
    CHECK(failure.message.find(wrong_passphrase) == std::string::npos);
    const SecretBytes seed = key.seed();
    CHECK(failure.message.find(to_hex(seed.view())) == std::string::npos);
    const std::string raw_seed(reinterpret_cast<const char*>(seed.data()), seed.size());
    CHECK(failure.message.find(raw_seed) == std::string::npos);
}

}  // namespace

TEST_CASE("a sealed keystore opens with its passphrase", "[keystore]") {
    const KeyPair key = KeyPair::generate();
    const std::string text = keystore_seal(key, "till 3", passphrase, fast_kdf);
    CAPTURE(text);

    const auto opened = keystore_open(text, passphrase);
    REQUIRE(opened.has_value());
    CHECK(opened->public_key() == key.public_key());
    CHECK(equal_constant_time(opened->seed().view(), key.seed().view()));

    const auto lines = split_lines(text);
    REQUIRE(lines.size() == 8);
    CHECK(lines[0] == "kopilka-keystore v1");
    CHECK(lines[1] == "name: till 3");
    CHECK(lines[2] == "public-key: " + address_from_key(key.public_key()));
    CHECK(lines[3] == "kdf-ops-limit: " + std::to_string(fast_kdf.ops_limit));
    CHECK(lines[4] == "kdf-mem-limit-bytes: " + std::to_string(fast_kdf.mem_limit_bytes));
    CHECK(lines[5].starts_with("salt: "));
    CHECK(lines[6].starts_with("nonce: "));
    CHECK(lines[7].starts_with("ciphertext: "));
    CHECK(text.find(to_hex(key.seed().view())) == std::string::npos);

    SECTION("each seal draws a fresh salt and nonce") {
        const std::string again = keystore_seal(key, "till 3", passphrase, fast_kdf);
        CHECK(field_value(again, "salt") != field_value(text, "salt"));
        CHECK(field_value(again, "nonce") != field_value(text, "nonce"));
        CHECK(field_value(again, "ciphertext") != field_value(text, "ciphertext"));
    }
    SECTION("an empty passphrase still authenticates the file") {
        const std::string open_file = keystore_seal(key, "till 3", "", fast_kdf);
        REQUIRE(keystore_open(open_file, "").has_value());
        CHECK(open_failure(open_file, " ").code == KeystoreError::wrong_passphrase);
    }
}

TEST_CASE("the interactive KDF cost seals and opens", "[keystore][slow]") {
    CHECK(kdf_interactive().ops_limit == crypto_pwhash_OPSLIMIT_INTERACTIVE);
    CHECK(kdf_interactive().mem_limit_bytes == crypto_pwhash_MEMLIMIT_INTERACTIVE);
    CHECK(kdf_moderate().ops_limit == crypto_pwhash_OPSLIMIT_MODERATE);
    CHECK(kdf_moderate().mem_limit_bytes == crypto_pwhash_MEMLIMIT_MODERATE);

    const KeyPair key = KeyPair::generate();
    const std::string text = keystore_seal(key, "operator", passphrase);  // default cost
    CHECK(field_value(text, "kdf-mem-limit-bytes") == std::to_string(crypto_pwhash_MEMLIMIT_INTERACTIVE));
    const auto opened = keystore_open(text, passphrase);
    REQUIRE(opened.has_value());
    CHECK(opened->public_key() == key.public_key());
}

TEST_CASE("a wrong passphrase is refused without revealing it", "[keystore]") {
    const KeyPair key = KeyPair::generate();
    const std::string text = keystore_seal(key, "alice", passphrase, fast_kdf);
    for (std::string_view attempt : {wrong_passphrase, std::string_view(""), passphrase.substr(0, 10),
                                     std::string_view("correct horse battery staple ")}) {
        CAPTURE(attempt);
        const KeystoreFailure failure = open_failure(text, attempt);
        CHECK(failure.code == KeystoreError::wrong_passphrase);
        CHECK_FALSE(failure.message.empty());
        if (!attempt.empty()) CHECK(failure.message.find(attempt) == std::string::npos);
        check_no_secrets(failure, key);
    }
}

TEST_CASE("tampering with any header field fails authentication", "[keystore]") {
    const KeyPair key = KeyPair::generate();
    const std::string text = keystore_seal(key, "alice", passphrase, fast_kdf);

    auto flip_hex_digit = [](std::string hex) {
        hex[0] = hex[0] == '0' ? '1' : '0';
        return hex;
    };
    struct Edit {
        std::string field;
        std::string value;
    };
    const std::vector<Edit> plausible_edits = {
        {"name", "alicf"},
        // Another real key: an attacker relabelling the file.
        {"public-key", address_from_key(KeyPair::generate().public_key())},
        {"kdf-ops-limit", std::to_string(fast_kdf.ops_limit + 1)},
        // Argon2 rounds memory down to whole KiB, so this derives the same
        // key: only the associated data catches it.
        {"kdf-mem-limit-bytes", std::to_string(fast_kdf.mem_limit_bytes + 1)},
        {"salt", flip_hex_digit(field_value(text, "salt"))},
        {"nonce", flip_hex_digit(field_value(text, "nonce"))},
        {"ciphertext", flip_hex_digit(field_value(text, "ciphertext"))},
    };
    for (const Edit& edit : plausible_edits) {
        CAPTURE(edit.field, edit.value);
        const std::string tampered = with_field(text, edit.field, edit.value);
        REQUIRE(tampered != text);
        REQUIRE(keystore_info(tampered).has_value());  // still well-formed
        const KeystoreFailure failure = open_failure(tampered, passphrase);
        CHECK(failure.code == KeystoreError::wrong_passphrase);
        check_no_secrets(failure, key);
    }

    SECTION("another format version is refused") {
        std::string tampered = text;
        tampered.replace(0, std::string_view("kopilka-keystore v1").size(), "kopilka-keystore v2");
        CHECK(open_failure(tampered, passphrase).code == KeystoreError::malformed);
    }
    SECTION("every single-byte change anywhere in the file is refused") {
        for (std::size_t i = 0; i < text.size(); ++i) {
            for (int mask : {0x01, 0x20, 0x80}) {
                std::string tampered = text;
                tampered[i] = static_cast<char>(tampered[i] ^ mask);
                if (keystore_open(tampered, passphrase)) FAIL("accepted a change at byte " << i);
            }
        }
    }
}

namespace {

// Builds a keystore with libsodium directly, sealing `sealed`'s seed under a
// header that names `named`: only someone with the passphrase could make
// such a file, and the reader must still refuse to treat it as `named`.
std::string forge(const KeyPair& sealed, const PublicKey& named) {
    std::array<std::uint8_t, crypto_pwhash_SALTBYTES> salt{};
    std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};
    random_bytes(salt);
    random_bytes(nonce);
    const std::string header = "kopilka-keystore v1\nname: forged\npublic-key: " + address_from_key(named) +
                               "\nkdf-ops-limit: " + std::to_string(fast_kdf.ops_limit) +
                               "\nkdf-mem-limit-bytes: " + std::to_string(fast_kdf.mem_limit_bytes) +
                               "\nsalt: " + to_hex(salt) + "\nnonce: " + to_hex(nonce) + "\n";
    SecretBytes aead_key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    REQUIRE(crypto_pwhash(aead_key.data(), aead_key.size(), passphrase.data(), passphrase.size(), salt.data(),
                          fast_kdf.ops_limit, fast_kdf.mem_limit_bytes, crypto_pwhash_ALG_ARGON2ID13) == 0);
    const SecretBytes seed = sealed.seed();
    Bytes ciphertext(seed.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext.data(), nullptr, seed.data(), seed.size(),
                                               reinterpret_cast<const unsigned char*>(header.data()),
                                               header.size(), nullptr, nonce.data(), aead_key.data());
    return header + "ciphertext: " + to_hex(ciphertext) + "\n";
}

}  // namespace

TEST_CASE("a header naming another key is refused even when it authenticates", "[keystore]") {
    const KeyPair sealed_key = KeyPair::generate();
    const KeyPair named_key = KeyPair::generate();

    // The construction is faithful: naming the right key, it opens.
    const auto honest = keystore_open(forge(sealed_key, sealed_key.public_key()), passphrase);
    REQUIRE(honest.has_value());
    CHECK(honest->public_key() == sealed_key.public_key());

    const KeystoreFailure failure = open_failure(forge(sealed_key, named_key.public_key()), passphrase);
    CHECK(failure.code == KeystoreError::malformed);
    check_no_secrets(failure, sealed_key);
}

TEST_CASE("a truncated keystore is malformed", "[keystore]") {
    const KeyPair key = KeyPair::generate();
    const std::string text = keystore_seal(key, "alice", passphrase, fast_kdf);
    for (std::size_t n = 0; n < text.size(); ++n) {
        CAPTURE(n);
        const auto failure = open_failure(text.substr(0, n), passphrase);
        CHECK(failure.code == KeystoreError::malformed);
    }
}

TEST_CASE("hostile KDF parameters are refused before any work", "[keystore]") {
    const KeyPair key = KeyPair::generate();
    const std::string text = keystore_seal(key, "alice", passphrase, fast_kdf);
    // Had the reader tried any of these, it would have failed for lack of
    // memory (an io failure) or taken hours; malformed means it never started.
    const std::vector<std::pair<std::string, std::string>> hostile = {
        {"kdf-mem-limit-bytes", "1099511627776"},  // 2^40 bytes: 1 TiB
        {"kdf-mem-limit-bytes", std::to_string((std::uint64_t{1} << 30) + 1024)},
        {"kdf-mem-limit-bytes", "18446744073709551615"},
        {"kdf-mem-limit-bytes", "18446744073709551616"},  // overflows 64 bits
        {"kdf-mem-limit-bytes", "0"},
        {"kdf-mem-limit-bytes", "1024"},
        {"kdf-ops-limit", "4294967296"},
        {"kdf-ops-limit", "1000"},
        {"kdf-ops-limit", "0"},
        {"kdf-ops-limit", "-1"},
        {"kdf-ops-limit", "+1"},
        {"kdf-ops-limit", "01"},
        {"kdf-ops-limit", "1 "},
        {"kdf-ops-limit", ""},
    };
    for (const auto& [field, value] : hostile) {
        CAPTURE(field, value);
        const std::string tampered = with_field(text, field, value);
        const KeystoreFailure failure = open_failure(tampered, passphrase);
        CHECK(failure.code == KeystoreError::malformed);
        CHECK(failure.message.find(field) != std::string::npos);
        CHECK_FALSE(keystore_info(tampered).has_value());
    }
}

TEST_CASE("the structure is parsed strictly", "[keystore]") {
    const KeyPair key = KeyPair::generate();
    const std::string text = keystore_seal(key, "alice", passphrase, fast_kdf);
    const auto lines = split_lines(text);

    auto check_malformed = [&](const std::string& bad, std::string_view reason = {}) {
        CAPTURE(bad);
        const KeystoreFailure failure = open_failure(bad, passphrase);
        CHECK(failure.code == KeystoreError::malformed);
        CAPTURE(failure.message);
        CHECK(failure.message.find(reason) != std::string::npos);
        const auto info = keystore_info(bad);
        REQUIRE_FALSE(info.has_value());
        CHECK(info.error().code == KeystoreError::malformed);
    };

    SECTION("unknown field") {
        auto edited = lines;
        edited.insert(edited.begin() + 2, "comment: hello");
        check_malformed(join_lines(edited), "unknown field");
    }
    SECTION("duplicate field, before or after the ciphertext") {
        auto edited = lines;
        edited.insert(edited.begin() + 2, "name: alice");
        check_malformed(join_lines(edited), "duplicate field 'name'");
        edited = lines;
        edited.push_back(lines[1]);
        check_malformed(join_lines(edited), "duplicate field 'name'");
        edited = lines;
        edited.push_back(lines[7]);
        check_malformed(join_lines(edited), "duplicate field 'ciphertext'");
    }
    SECTION("each missing field") {
        for (std::size_t i = 0; i < lines.size(); ++i) {
            auto edited = lines;
            edited.erase(edited.begin() + static_cast<std::ptrdiff_t>(i));
            check_malformed(join_lines(edited));
        }
        auto edited = lines;
        edited.pop_back();
        check_malformed(join_lines(edited), "missing field 'ciphertext'");
    }
    SECTION("fields out of order") {
        auto edited = lines;
        std::swap(edited[5], edited[6]);
        check_malformed(join_lines(edited), "out of order");
    }
    SECTION("CRLF line endings, blank lines, stray spaces") {
        check_malformed(join_lines(lines, "\r\n"));
        check_malformed(text + "\n");
        auto edited = lines;
        edited.insert(edited.begin() + 1, "");
        check_malformed(join_lines(edited));
        edited = lines;
        edited[1] = "name : alice";
        check_malformed(join_lines(edited));
        edited = lines;
        edited[1] = "name:alice";
        check_malformed(join_lines(edited));
        edited = lines;
        edited[7] += " ";
        check_malformed(join_lines(edited));
    }
    SECTION("non-canonical encodings") {
        std::string salt = field_value(text, "salt");
        for (char& c : salt) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (salt != field_value(text, "salt")) check_malformed(with_field(text, "salt", salt));
        std::string address = address_from_key(key.public_key());
        for (char& c : address) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        check_malformed(with_field(text, "public-key", address));
        check_malformed(with_field(text, "salt", field_value(text, "salt") + "00"));
        check_malformed(with_field(text, "nonce", field_value(text, "nonce").substr(2)));
        check_malformed(with_field(text, "public-key", "kop1qqqq"));
    }
    SECTION("trailing content and oversized input") {
        check_malformed(text + "x\n");
        check_malformed(text + std::string(8192, 'x') + "\n", "larger than");
    }
    SECTION("not a keystore at all") {
        check_malformed("");
        check_malformed("\n");
        check_malformed("{\"version\": 3}\n");
    }
}

TEST_CASE("keystore_info reads the clear header without the passphrase", "[keystore]") {
    const KeyPair key = KeyPair::generate();
    const std::string name = "Копилка касса №2";  // UTF-8 names are allowed
    const std::string text = keystore_seal(key, name, passphrase, fast_kdf);
    const auto info = keystore_info(text);
    REQUIRE(info.has_value());
    CHECK(info->name == name);
    CHECK(info->public_key == key.public_key());
}

TEST_CASE("keystore names are one short line of printable text", "[keystore]") {
    const KeyPair key = KeyPair::generate();
    CHECK_NOTHROW(keystore_seal(key, std::string(64, 'n'), passphrase, fast_kdf));
    CHECK_NOTHROW(keystore_seal(key, "a: b", passphrase, fast_kdf));  // the separator may appear in a value

    const std::vector<std::string> bad_names = {
        "",
        std::string(65, 'n'),
        "two\nlines",
        "carriage\rreturn",
        "tab\there",
        std::string("nul\0byte", 8),
        "del\x7f",
        " leading space",
        "trailing space ",
        "\xc3",           // truncated UTF-8
        "\xc0\xaf",       // overlong '/'
        "\xed\xa0\x80",   // UTF-16 surrogate
        "\xc2\x85",       // U+0085 next line (C1 control)
        "a\u2028b",       // line separator
        "evil\u202etxt",  // right-to-left override
    };
    for (const std::string& name : bad_names) {
        CAPTURE(name);
        CHECK_THROWS_AS(keystore_seal(key, name, passphrase, fast_kdf), std::invalid_argument);
    }
}

TEST_CASE("KDF parameters outside the limits are refused when sealing", "[keystore]") {
    const KeyPair key = KeyPair::generate();
    const KdfParams bad[] = {
        {0, fast_kdf.mem_limit_bytes},
        {11, fast_kdf.mem_limit_bytes},
        {fast_kdf.ops_limit, crypto_pwhash_MEMLIMIT_MIN - 1},
        {fast_kdf.ops_limit, std::uint64_t{1} << 40},
    };
    for (const KdfParams& params : bad) {
        CAPTURE(params.ops_limit, params.mem_limit_bytes);
        CHECK_THROWS_AS(keystore_seal(key, "alice", passphrase, params), std::invalid_argument);
    }
}

TEST_CASE("keystore files are private, atomic and never overwritten", "[keystore][file]") {
    const TempDir dir;
    const fs::path path = dir.path() / "alice.keystore";
    const KeyPair key = KeyPair::generate();

    {
        // A permissive umask must not widen the file's mode.
        const ScopedUmask umask(0);
        REQUIRE(keystore_write_file(path, key, "alice", passphrase, fast_kdf).has_value());
    }
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(dir.entries() == 1);  // no temporary file left behind

    const auto opened = keystore_read_file(path, passphrase);
    REQUIRE(opened.has_value());
    CHECK(opened->public_key() == key.public_key());

    SECTION("the mode is 0600 even under a umask that would remove owner bits") {
        const fs::path strict = dir.path() / "strict.keystore";
        {
            const ScopedUmask umask(0277);
            REQUIRE(keystore_write_file(strict, key, "alice", passphrase, fast_kdf).has_value());
        }
        struct stat strict_st {};
        REQUIRE(::stat(strict.c_str(), &strict_st) == 0);
        CHECK((strict_st.st_mode & 07777) == 0600);
    }
    SECTION("refuses to overwrite, leaving the file as it was") {
        const std::string before = read_all(path);
        const auto again = keystore_write_file(path, KeyPair::generate(), "mallory", passphrase, fast_kdf);
        REQUIRE_FALSE(again.has_value());
        CHECK(again.error().code == KeystoreError::exists);
        CHECK(again.error().message.find(path.string()) != std::string::npos);
        CHECK(read_all(path) == before);
        CHECK(dir.entries() == 1);
    }
    SECTION("refuses to write through a symlink, even a dangling one") {
        const fs::path link = dir.path() / "link.keystore";
        fs::create_symlink(dir.path() / "nowhere", link);
        const auto written = keystore_write_file(link, key, "alice", passphrase, fast_kdf);
        REQUIRE_FALSE(written.has_value());
        CHECK(written.error().code == KeystoreError::exists);
        CHECK_FALSE(fs::exists(dir.path() / "nowhere"));
    }
    SECTION("a wrong passphrase names the file but not the passphrase") {
        const auto failed = keystore_read_file(path, wrong_passphrase);
        REQUIRE_FALSE(failed.has_value());
        CHECK(failed.error().code == KeystoreError::wrong_passphrase);
        CHECK(failed.error().message.find(path.string()) != std::string::npos);
        check_no_secrets(failed.error(), key);
    }
    SECTION("a bad name is reported, and nothing is written") {
        const fs::path other = dir.path() / "bad.keystore";
        const auto written = keystore_write_file(other, key, "two\nlines", passphrase, fast_kdf);
        REQUIRE_FALSE(written.has_value());
        CHECK(written.error().code == KeystoreError::malformed);
        CHECK_FALSE(fs::exists(other));
        CHECK(dir.entries() == 1);
    }
}

TEST_CASE("keystore file read and write errors", "[keystore][file]") {
    const TempDir dir;
    const KeyPair key = KeyPair::generate();

    SECTION("reading a missing file is an io failure naming the path") {
        const fs::path missing = dir.path() / "missing.keystore";
        const auto read = keystore_read_file(missing, passphrase);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().code == KeystoreError::io);
        CHECK(read.error().message.find(missing.string()) != std::string::npos);
    }
    SECTION("reading a directory is an io failure") {
        const auto read = keystore_read_file(dir.path(), passphrase);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().code == KeystoreError::io);
    }
    SECTION("an oversized file is malformed") {
        const fs::path big = dir.path() / "big.keystore";
        std::ofstream(big) << std::string(1 << 20, 'x');
        const auto read = keystore_read_file(big, passphrase);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().code == KeystoreError::malformed);
        CHECK(read.error().message.find("larger than") != std::string::npos);
    }
    SECTION("a FIFO at the path is refused instead of blocking the reader") {
        const fs::path fifo = dir.path() / "fifo.keystore";
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        const auto read = keystore_read_file(fifo, passphrase);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().code == KeystoreError::io);
        CHECK(read.error().message.find("not a regular file") != std::string::npos);
    }
    SECTION("writing into a missing directory is an io failure") {
        const fs::path nowhere = dir.path() / "no-such-dir" / "alice.keystore";
        const auto written = keystore_write_file(nowhere, key, "alice", passphrase, fast_kdf);
        REQUIRE_FALSE(written.has_value());
        CHECK(written.error().code == KeystoreError::io);
        CHECK(written.error().message.find((dir.path() / "no-such-dir").string()) != std::string::npos);
    }
    SECTION("a keystore written by hand opens from disk") {
        const fs::path path = dir.path() / "hand.keystore";
        std::ofstream(path) << keystore_seal(key, "hand", passphrase, fast_kdf);
        const auto read = keystore_read_file(path, passphrase);
        REQUIRE(read.has_value());
        CHECK(read->public_key() == key.public_key());
    }
}
