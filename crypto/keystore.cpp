// Encrypted keystore files.
//
// Layout (every line ends in '\n', fields in exactly this order):
//
//     kopilka-keystore v1
//     name: <1..64 bytes of printable UTF-8>
//     public-key: <address text, canonical lowercase>
//     kdf-ops-limit: <decimal>
//     kdf-mem-limit-bytes: <decimal>
//     salt: <16 bytes, lowercase hex>
//     nonce: <24 bytes, lowercase hex>
//     ciphertext: <48 bytes, lowercase hex>
//
// "v1" pins the algorithms: Argon2id v1.3 for the key, XChaCha20-Poly1305
// (IETF) for the 32-byte seed. Everything before the ciphertext line, byte
// for byte, is the AEAD's associated data, so editing the name, the public key
// or the KDF cost makes the file fail to open just as a wrong passphrase does.
//
// The parser accepts only the canonical text (fixed order, no leading zeros,
// lowercase hex), so each keystore has exactly one spelling and the header we
// authenticate is the header we interpreted.
//
// Exceptions (the header cannot say so; noted here for callers):
// - keystore_seal throws std::invalid_argument for a name or KdfParams outside
//   the limits below (a programming error: validate user input first, or use
//   keystore_write_file, which reports it as KeystoreError::malformed), and
//   std::runtime_error if the machine cannot provide the KDF's memory.
// - All functions may throw std::bad_alloc like any allocating code.
#include "crypto/keystore.h"

#include "crypto/address.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

namespace kopilka {

namespace {

constexpr std::string_view format_line = "kopilka-keystore v1";

// A name is a label for people: short enough to show in a table column.
constexpr std::size_t name_bytes_max = 64;

// KDF cost bounds, enforced on write and, before any work, on read: a hostile
// file must not be able to make us allocate or spin without limit. The upper
// bounds admit libsodium's "sensitive" preset (4 passes over 1 GiB) with room
// for a few more passes, and nothing larger.
constexpr std::uint64_t kdf_ops_limit_min = crypto_pwhash_argon2id_OPSLIMIT_MIN;
constexpr std::uint64_t kdf_ops_limit_max = 10;
constexpr std::uint64_t kdf_mem_limit_bytes_min = crypto_pwhash_argon2id_MEMLIMIT_MIN;
constexpr std::uint64_t kdf_mem_limit_bytes_max = std::uint64_t{1} << 30;  // 1 GiB
static_assert(kdf_ops_limit_max >= crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE);
static_assert(kdf_ops_limit_max <= crypto_pwhash_argon2id_OPSLIMIT_MAX);
static_assert(kdf_mem_limit_bytes_max >= crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE);
static_assert(kdf_mem_limit_bytes_max <= crypto_pwhash_argon2id_MEMLIMIT_MAX);

// A real keystore is under 400 bytes; anything much larger is not one, and
// refusing it early bounds the parser's work and allocation.
constexpr std::size_t keystore_text_bytes_max = 4096;

constexpr std::size_t salt_bytes = crypto_pwhash_argon2id_SALTBYTES;
constexpr std::size_t nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t aead_key_bytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t ciphertext_bytes = seed_bytes + crypto_aead_xchacha20poly1305_ietf_ABYTES;

// Field order in the file; the index is the field's position after the format line.
enum Field : std::size_t {
    f_name,
    f_public_key,
    f_kdf_ops,
    f_kdf_mem,
    f_salt,
    f_nonce,
    f_ciphertext,
    field_count
};
constexpr std::array<std::string_view, field_count> field_names = {
    "name", "public-key", "kdf-ops-limit", "kdf-mem-limit-bytes", "salt", "nonce", "ciphertext",
};
constexpr std::string_view field_separator = ": ";

struct Header {
    std::string name;
    PublicKey public_key;
    KdfParams kdf{};
    std::array<std::uint8_t, salt_bytes> salt{};
    std::array<std::uint8_t, nonce_bytes> nonce{};
};

struct ParsedKeystore {
    Header header;
    std::string_view associated_data;  // the clear header text, exactly as in the file
    std::array<std::uint8_t, ciphertext_bytes> ciphertext{};
};

std::unexpected<KeystoreFailure> failure(KeystoreError code, std::string message) {
    return std::unexpected(KeystoreFailure{code, std::move(message)});
}

// Appended piece by piece: GCC 12 at -O3 warns (wrongly, -Wrestrict) about
// "literal" + std::string.
std::string quoted(std::string_view field) {
    std::string out;
    out.reserve(field.size() + 2);
    out.append(1, '\'').append(field).append(1, '\'');
    return out;
}

std::string errno_message(int err) { return std::error_code(err, std::generic_category()).message(); }

// Why `name` cannot be a keystore name, or nothing if it can. A name is shown
// to people in terminals and tables, so it must be one line of visible text:
// valid UTF-8 without control characters or bidirectional overrides (which
// could make one name display as another).
std::optional<std::string> name_problem(std::string_view name) {
    if (name.empty()) return "name is empty";
    if (name.size() > name_bytes_max)
        return "name is longer than " + std::to_string(name_bytes_max) + " bytes";
    if (name.front() == ' ' || name.back() == ' ') return "name starts or ends with a space";

    constexpr std::array<char32_t, 5> min_code_point_for_length = {0, 0, 0x80, 0x800, 0x10000};
    std::size_t i = 0;
    while (i < name.size()) {
        const auto lead = static_cast<unsigned char>(name[i]);
        std::size_t length = 0;
        char32_t cp = 0;
        if (lead < 0x80) {
            length = 1;
            cp = lead;
        } else if ((lead & 0xe0) == 0xc0) {
            length = 2;
            cp = lead & 0x1fu;
        } else if ((lead & 0xf0) == 0xe0) {
            length = 3;
            cp = lead & 0x0fu;
        } else if ((lead & 0xf8) == 0xf0) {
            length = 4;
            cp = lead & 0x07u;
        } else {
            return "name is not valid UTF-8";
        }
        if (name.size() - i < length) return "name is not valid UTF-8";
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(name[i + k]);
            if ((next & 0xc0) != 0x80) return "name is not valid UTF-8";
            cp = cp << 6 | (next & 0x3fu);
        }
        // Overlong forms, surrogates and values past Unicode are not UTF-8.
        if (cp < min_code_point_for_length[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return "name is not valid UTF-8";
        const bool control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
        const bool line_break = cp == 0x2028 || cp == 0x2029;
        const bool bidi_control = (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
        if (control || line_break || bidi_control) return "name contains a control character";
        i += length;
    }
    return std::nullopt;
}

std::optional<std::string> kdf_problem(const KdfParams& params) {
    if (params.ops_limit < kdf_ops_limit_min || params.ops_limit > kdf_ops_limit_max)
        return "kdf-ops-limit must be from " + std::to_string(kdf_ops_limit_min) + " to " +
               std::to_string(kdf_ops_limit_max);
    if (params.mem_limit_bytes < kdf_mem_limit_bytes_min || params.mem_limit_bytes > kdf_mem_limit_bytes_max)
        return "kdf-mem-limit-bytes must be from " + std::to_string(kdf_mem_limit_bytes_min) + " to " +
               std::to_string(kdf_mem_limit_bytes_max);
    return std::nullopt;
}

// Canonical decimal: digits only, no sign, no leading zeros, fits in 64 bits.
std::optional<std::uint64_t> parse_decimal(std::string_view text) {
    if (text.empty() || (text.size() > 1 && text.front() == '0')) return std::nullopt;
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end) return std::nullopt;
    return value;
}

// Canonical hex of exactly N bytes: lowercase only, so the text is unique.
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> parse_hex_exact(std::string_view text) {
    if (text.size() != 2 * N) return std::nullopt;
    const std::optional<Bytes> bytes = from_hex(text);
    if (!bytes || bytes->size() != N || to_hex(*bytes) != text) return std::nullopt;
    std::array<std::uint8_t, N> out{};
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
}

void append_field(std::string& out, Field field, std::string_view value) {
    out.append(field_names[field]);
    out.append(field_separator);
    out.append(value);
    out.push_back('\n');
}

// The clear header: everything before the ciphertext line.
std::string header_text(const Header& h) {
    std::string out;
    out.append(format_line);
    out.push_back('\n');
    append_field(out, f_name, h.name);
    append_field(out, f_public_key, address_from_key(h.public_key));
    append_field(out, f_kdf_ops, std::to_string(h.kdf.ops_limit));
    append_field(out, f_kdf_mem, std::to_string(h.kdf.mem_limit_bytes));
    append_field(out, f_salt, to_hex(h.salt));
    append_field(out, f_nonce, to_hex(h.nonce));
    return out;
}

// Reads and checks everything that can be checked without the passphrase,
// including the KDF bounds, so a hostile file is refused before any work.
std::expected<ParsedKeystore, KeystoreFailure> parse(std::string_view text) {
    auto malformed = [](std::string message) {
        return failure(KeystoreError::malformed, std::move(message));
    };

    if (text.size() > keystore_text_bytes_max)
        return malformed("larger than " + std::to_string(keystore_text_bytes_max) + " bytes; not a keystore");
    if (text.empty() || text.back() != '\n') return malformed("does not end with a newline (truncated?)");

    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    if (lines.front() != format_line) return malformed("first line is not " + quoted(format_line));

    // Field names quoted in messages are ours, never the file's: a hostile
    // file must not be able to put arbitrary text into an error message.
    std::array<std::optional<std::string_view>, field_count> values;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string line_no = "line " + std::to_string(i + 1);
        const std::size_t sep = lines[i].find(field_separator);
        if (sep == std::string_view::npos) return malformed(line_no + " is not 'key: value'");
        const std::string_view key = lines[i].substr(0, sep);
        const auto it = std::find(field_names.begin(), field_names.end(), key);
        if (it == field_names.end()) return malformed(line_no + ": unknown field");
        const auto field = static_cast<std::size_t>(it - field_names.begin());
        if (values[field]) return malformed(line_no + ": duplicate field " + quoted(*it));
        if (field != i - 1) return malformed(line_no + ": field " + quoted(*it) + " is out of order");
        values[field] = lines[i].substr(sep + field_separator.size());
    }
    for (std::size_t f = 0; f < field_count; ++f)
        if (!values[f]) return malformed("missing field " + quoted(field_names[f]) + " (truncated?)");

    ParsedKeystore out;
    Header& h = out.header;

    h.name = std::string(*values[f_name]);
    if (const auto why = name_problem(h.name)) return malformed(*why);

    const std::optional<PublicKey> key = key_from_address(*values[f_public_key]);
    if (!key || address_from_key(*key) != *values[f_public_key])
        return malformed("public-key is not a Kopilka address in lowercase");
    h.public_key = *key;

    const std::optional<std::uint64_t> ops = parse_decimal(*values[f_kdf_ops]);
    const std::optional<std::uint64_t> mem = parse_decimal(*values[f_kdf_mem]);
    if (!ops) return malformed("kdf-ops-limit is not a decimal number");
    if (!mem) return malformed("kdf-mem-limit-bytes is not a decimal number");
    h.kdf = KdfParams{*ops, *mem};
    if (const auto why = kdf_problem(h.kdf)) return malformed(*why);

    const auto salt = parse_hex_exact<salt_bytes>(*values[f_salt]);
    if (!salt) return malformed("salt is not " + std::to_string(salt_bytes) + " bytes of lowercase hex");
    h.salt = *salt;
    const auto nonce = parse_hex_exact<nonce_bytes>(*values[f_nonce]);
    if (!nonce) return malformed("nonce is not " + std::to_string(nonce_bytes) + " bytes of lowercase hex");
    h.nonce = *nonce;
    const auto ciphertext = parse_hex_exact<ciphertext_bytes>(*values[f_ciphertext]);
    if (!ciphertext)
        return malformed("ciphertext is not " + std::to_string(ciphertext_bytes) + " bytes of lowercase hex");
    out.ciphertext = *ciphertext;

    // Invariant: the header we authenticate is the header we interpreted.
    // Each field above is parsed canonically, so this only fails if the
    // parser and the writer ever drift apart.
    const std::size_t header_size = text.size() - lines.back().size() - 1;
    out.associated_data = text.substr(0, header_size);
    if (header_text(h) != out.associated_data) return malformed("header is not in canonical form");
    return out;
}

// Argon2id with the header's parameters. Empty result: the system could not
// provide the memory (the parameters themselves were checked already).
std::optional<SecretBytes> derive_key(std::string_view passphrase, const Header& h) {
    SecretBytes key(aead_key_bytes);
    // libsodium wants a valid pointer even for an empty passphrase.
    const char* pass = passphrase.empty() ? "" : passphrase.data();
    if (crypto_pwhash(key.data(), key.size(), pass, passphrase.size(), h.salt.data(), h.kdf.ops_limit,
                      static_cast<std::size_t>(h.kdf.mem_limit_bytes), crypto_pwhash_ALG_ARGON2ID13) != 0)
        return std::nullopt;
    return key;
}

std::string kdf_memory_message(const KdfParams& params) {
    constexpr std::uint64_t bytes_per_mib = std::uint64_t{1} << 20;
    const std::uint64_t mib = (params.mem_limit_bytes + bytes_per_mib - 1) / bytes_per_mib;
    return "not enough memory for key derivation (needs " + std::to_string(mib) + " MiB)";
}

std::optional<std::string> seal_argument_problem(std::string_view name, const KdfParams& params) {
    if (auto why = name_problem(name)) return why;
    return kdf_problem(params);
}

// Precondition: seal_argument_problem(name, params) is empty.
std::expected<std::string, KeystoreFailure> seal_checked(const KeyPair& key, std::string_view name,
                                                         std::string_view passphrase,
                                                         const KdfParams& params) {
    ensure_sodium();
    Header h;
    h.name = std::string(name);
    h.public_key = key.public_key();
    h.kdf = params;
    // Fresh salt and nonce per file: re-sealing the same key under the same
    // passphrase never reuses an AEAD key/nonce pair.
    random_bytes(h.salt);
    random_bytes(h.nonce);

    const std::optional<SecretBytes> aead_key = derive_key(passphrase, h);
    if (!aead_key) return failure(KeystoreError::io, kdf_memory_message(params));

    const std::string header = header_text(h);
    const SecretBytes seed = key.seed();
    std::array<std::uint8_t, ciphertext_bytes> ciphertext{};
    unsigned long long ciphertext_len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext.data(), &ciphertext_len, seed.data(), seed.size(),
                                               reinterpret_cast<const unsigned char*>(header.data()),
                                               header.size(), nullptr, h.nonce.data(), aead_key->data());
    if (ciphertext_len != ciphertext.size())
        throw std::logic_error("keystore_seal: unexpected ciphertext size");

    std::string out = header;
    append_field(out, f_ciphertext, to_hex(ciphertext));
    // Invariant checked where data is written: what we write, we can read.
    if (!parse(out)) throw std::logic_error("keystore_seal: produced a keystore the parser rejects");
    return out;
}

// Owns a file descriptor; closes it on every exit path.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    // Closes now and reports the error: on some filesystems close is where a
    // failed write surfaces.
    int close() {
        const int rc = ::close(std::exchange(fd_, -1));
        return rc == 0 ? 0 : errno;
    }

private:
    int fd_;
};

// Removes the temporary file unless it has been published under its final name.
class TemporaryFile {
public:
    explicit TemporaryFile(std::filesystem::path path) : path_(std::move(path)) {}
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
    ~TemporaryFile() {
        if (armed_) ::unlink(path_.c_str());
    }
    const std::filesystem::path& path() const { return path_; }
    void disarm() { armed_ = false; }

private:
    std::filesystem::path path_;
    bool armed_ = true;
};

// Returns 0 or an errno value.
int write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

// Gives the temporary file its final name, failing with EEXIST rather than
// replacing a file that is already there: rename() would silently overwrite
// a keystore created between our existence check and now.
int publish_without_replacing(TemporaryFile& temp, const std::filesystem::path& path) {
#if defined(__linux__)
    if (::renameat2(AT_FDCWD, temp.path().c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
        temp.disarm();
        return 0;
    }
    // EINVAL: this filesystem has no RENAME_NOREPLACE; a hard link gives the
    // same guarantee on any POSIX filesystem that has links.
    if (errno != EINVAL && errno != ENOSYS) return errno;
#endif
    if (::link(temp.path().c_str(), path.c_str()) != 0) return errno;
    // The keystore is in place; the temporary name is now just a second link.
    // If removing it fails here, `temp` tries again on the way out.
    if (::unlink(temp.path().c_str()) == 0) temp.disarm();
    return 0;
}

int sync_directory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    FileDescriptor guard(fd);
    if (::fsync(fd) != 0) return errno;
    return guard.close();
}

}  // namespace

KdfParams kdf_interactive() {
    return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

KdfParams kdf_moderate() {
    return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
}

std::string keystore_seal(const KeyPair& key, std::string_view name, std::string_view passphrase,
                          KdfParams params) {
    if (const auto why = seal_argument_problem(name, params))
        throw std::invalid_argument("keystore_seal: " + *why);
    auto sealed = seal_checked(key, name, passphrase, params);
    if (!sealed) throw std::runtime_error("keystore_seal: " + sealed.error().message);
    return std::move(*sealed);
}

std::expected<KeyPair, KeystoreFailure> keystore_open(std::string_view text, std::string_view passphrase) {
    ensure_sodium();
    const auto parsed = parse(text);
    if (!parsed) return std::unexpected(parsed.error());
    const Header& h = parsed->header;

    const std::optional<SecretBytes> aead_key = derive_key(passphrase, h);
    if (!aead_key) return failure(KeystoreError::io, kdf_memory_message(h.kdf));

    SecretBytes seed(seed_bytes);
    unsigned long long seed_len = 0;
    const auto& ad = parsed->associated_data;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(seed.data(), &seed_len, nullptr, parsed->ciphertext.data(),
                                                   parsed->ciphertext.size(),
                                                   reinterpret_cast<const unsigned char*>(ad.data()),
                                                   ad.size(), h.nonce.data(), aead_key->data()) != 0)
        return failure(KeystoreError::wrong_passphrase,
                       "wrong passphrase, or the keystore file has been altered");
    if (seed_len != seed_bytes) return failure(KeystoreError::malformed, "sealed seed has the wrong size");

    // The header authenticated, but it was written by whoever knew the
    // passphrase; a file whose label names another key must not be trusted.
    KeyPair key = KeyPair::from_seed(seed.view());
    if (key.public_key() != h.public_key)
        return failure(KeystoreError::malformed, "the sealed key does not match the header's public-key");
    return key;
}

std::expected<KeystoreInfo, KeystoreFailure> keystore_info(std::string_view text) {
    auto parsed = parse(text);
    if (!parsed) return std::unexpected(parsed.error());
    // Not authenticated until keystore_open succeeds: fine for display, not
    // for trusting which key the file really holds.
    return KeystoreInfo{std::move(parsed->header.name), parsed->header.public_key};
}

std::expected<void, KeystoreFailure> keystore_write_file(const std::filesystem::path& path,
                                                         const KeyPair& key, std::string_view name,
                                                         std::string_view passphrase, KdfParams params) {
    const std::string where = path.string();
    if (const auto why = seal_argument_problem(name, params)) return failure(KeystoreError::malformed, *why);
    if (!path.has_filename()) return failure(KeystoreError::io, where + ": not a file path");

    // Checked before the (deliberately slow) KDF so the common mistake fails
    // fast; publish_without_replacing makes the real, race-free decision.
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
        return failure(KeystoreError::exists, where + " already exists; refusing to overwrite it");

    const auto text = seal_checked(key, name, passphrase, params);
    if (!text) return std::unexpected(text.error());

    // The temporary file lives in the target's directory so the final step is
    // a same-filesystem rename, which is atomic: a crash leaves either no
    // keystore or a complete one, never a torn one.
    const std::filesystem::path dir =
        path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    std::array<std::uint8_t, 8> tag{};
    random_bytes(tag);
    std::string temp_name(".");
    temp_name.append(path.filename().string()).append(".tmp-").append(to_hex(tag));
    TemporaryFile temp(dir / temp_name);

    constexpr mode_t owner_read_write = S_IRUSR | S_IWUSR;  // 0600
    const int fd =
        ::open(temp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, owner_read_write);
    if (fd < 0) {
        const int err = errno;
        temp.disarm();  // O_EXCL failed or nothing was created: not ours to remove
        return failure(KeystoreError::io,
                       "could not create a file in " + dir.string() + ": " + errno_message(err));
    }
    FileDescriptor file(fd);
    // The umask can only clear bits from open's mode; fchmod makes 0600 exact
    // whatever the umask.
    if (::fchmod(fd, owner_read_write) != 0) {
        const int err = errno;
        return failure(KeystoreError::io,
                       "could not set the mode of a file in " + dir.string() + ": " + errno_message(err));
    }
    if (const int err = write_all(fd, *text))
        return failure(KeystoreError::io, "could not write " + where + ": " + errno_message(err));
    if (::fsync(fd) != 0) {
        const int err = errno;
        return failure(KeystoreError::io, "could not sync " + where + ": " + errno_message(err));
    }
    if (const int err = file.close())
        return failure(KeystoreError::io, "could not write " + where + ": " + errno_message(err));

    if (const int err = publish_without_replacing(temp, path)) {
        if (err == EEXIST)
            return failure(KeystoreError::exists, where + " already exists; refusing to overwrite it");
        return failure(KeystoreError::io, "could not create " + where + ": " + errno_message(err));
    }
    if (const int err = sync_directory(dir))
        return failure(KeystoreError::io,
                       "wrote " + where + " but could not sync its directory: " + errno_message(err));
    return {};
}

std::expected<KeyPair, KeystoreFailure> keystore_read_file(const std::filesystem::path& path,
                                                           std::string_view passphrase) {
    const std::string where = path.string();
    auto io_failure = [&](int err) {
        return failure(KeystoreError::io, "could not read " + where + ": " + errno_message(err));
    };

    // O_NONBLOCK so a FIFO planted at the path cannot hang us in open(); it is
    // then refused as not a regular file.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return io_failure(errno);
    FileDescriptor file(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return io_failure(errno);
    if (!S_ISREG(st.st_mode))
        return failure(KeystoreError::io, "could not read " + where + ": not a regular file");

    // Read one byte past the limit so an oversized file is recognised as such
    // without reading all of it.
    std::string text(keystore_text_bytes_max + 1, '\0');
    std::size_t used = 0;
    while (used < text.size()) {
        const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_failure(errno);
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    text.resize(used);

    auto key = keystore_open(text, passphrase);
    if (!key) return failure(key.error().code, where + ": " + key.error().message);
    return key;
}

}  // namespace kopilka
