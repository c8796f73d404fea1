// VAPID (RFC 8292): the node's P-256 key in a file, the ES256 token that
// names a push service's origin, and the Authorization header that carries
// both; and the endpoint rules that origin comes from.
#include "node/messages/webpush.h"

#include "node/messages/webpush_p256.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace kopilka::node {

namespace {

std::unexpected<PushFailure> fail(PushError code, std::string message) {
    return std::unexpected(PushFailure{code, std::move(message)});
}

// A PEM P-256 private key is about 240 bytes; a file far larger is not one.
constexpr std::size_t vapid_key_file_bytes_max = 16 * 1024;
constexpr std::uint32_t port_max = 65535;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && lowercase(s.substr(0, prefix.size())) == prefix;
}

// Printable ASCII that needs no escaping inside a JSON string: the token's
// claims are written by hand, so nothing may break out of their quotes.
bool json_plain(std::string_view s) {
    for (const char c : s)
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
    return true;
}

bool host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

// --- endpoints -----------------------------------------------------------------

std::expected<std::string, PushFailure> push_origin(std::string_view endpoint) {
    if (endpoint.size() > push_endpoint_chars_max)
        return fail(PushError::endpoint_invalid, "the endpoint is longer than " +
                                                     std::to_string(push_endpoint_chars_max) + " characters");
    if (!json_plain(endpoint))
        return fail(PushError::endpoint_invalid, "the endpoint holds a space, a quote, a control or non-ASCII character");
    const std::size_t sep = endpoint.find("://");
    if (sep == std::string_view::npos) return fail(PushError::endpoint_invalid, "the endpoint is not a URL");
    const std::string scheme = lowercase(endpoint.substr(0, sep));
    if (scheme != "https" && scheme != "http")
        return fail(PushError::endpoint_invalid, "the endpoint's scheme is not https");
    if (endpoint.find('#') != std::string_view::npos)
        return fail(PushError::endpoint_invalid, "the endpoint has a fragment");
    const std::string_view rest = endpoint.substr(sep + 3);
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    if (authority.find('@') != std::string_view::npos)
        return fail(PushError::endpoint_invalid, "the endpoint carries user info");

    std::string host;
    std::string_view port_text;
    if (authority.starts_with('[')) {
        // An IPv6 literal, taken only for [::1] below.
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return fail(PushError::endpoint_invalid, "the endpoint's host is not closed by ]");
        host = lowercase(authority.substr(0, close + 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return fail(PushError::endpoint_invalid, "the endpoint's host is followed by junk");
            port_text = after.substr(1);
            if (port_text.empty()) return fail(PushError::endpoint_invalid, "the endpoint's port is empty");
        }
    } else {
        const std::size_t colon = authority.find(':');
        host = lowercase(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return fail(PushError::endpoint_invalid, "the endpoint's port is empty");
        }
        for (const char c : host)
            if (!host_char(c)) return fail(PushError::endpoint_invalid, "the endpoint's host is not a host name");
    }
    if (host.empty()) return fail(PushError::endpoint_invalid, "the endpoint has no host");

    std::uint32_t port = 0;
    if (!port_text.empty()) {
        const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > port_max)
            return fail(PushError::endpoint_invalid, "the endpoint's port is not 1 to 65535");
    }
    // Production push services are all https (a message's Authorization
    // and its body's metadata must not cross the network in clear). Plain
    // http is for a push service on this machine only: the tests' fake.
    if (scheme == "http" && host != "127.0.0.1" && host != "localhost" && host != "[::1]")
        return fail(PushError::endpoint_invalid,
                    "the endpoint is http: only https is taken, but for 127.0.0.1, [::1] and localhost");
    const std::uint32_t default_port = scheme == "https" ? 443 : 80;
    std::string origin = scheme + "://" + host;
    if (port != 0 && port != default_port) origin += ":" + std::to_string(port);
    return origin;
}

// --- the key -------------------------------------------------------------------

VapidKey::VapidKey(std::shared_ptr<const p256::Key> key) : key_(std::move(key)), public_(key_->public_key()) {}
VapidKey::~VapidKey() = default;
VapidKey::VapidKey(const VapidKey&) = default;
VapidKey& VapidKey::operator=(const VapidKey&) = default;
VapidKey::VapidKey(VapidKey&&) noexcept = default;
VapidKey& VapidKey::operator=(VapidKey&&) noexcept = default;

std::string VapidKey::public_key_base64url() const { return to_base64url(public_); }

std::expected<std::array<std::uint8_t, 64>, PushFailure> VapidKey::sign(ByteView message) const {
    const std::optional<p256::Signature> sig = p256::es256_sign(*key_, message);
    if (!sig) return fail(PushError::openssl, "ES256 signing failed");
    return *sig;
}

namespace {

std::expected<p256::Key, PushFailure> read_key_file(const std::filesystem::path& path, int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(PushError::key_file, "cannot stat " + path.string() + ": " + errno_text());
    if (!S_ISREG(st.st_mode)) return fail(PushError::key_file, path.string() + " is not a regular file");
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return fail(PushError::key_file, path.string() + " is open to other users (mode " + mode +
                                             "): it holds the VAPID private key; chmod 600 it");
    }
    if (static_cast<std::uint64_t>(st.st_size) > vapid_key_file_bytes_max)
        return fail(PushError::key_file, path.string() + " is too large to be a PEM key");
    // Read into memory that wipes itself: the text is the private key.
    SecretBytes text(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
        const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(PushError::key_file, "cannot read " + path.string() + ": " + errno_text());
        got += static_cast<std::size_t>(n);
    }
    std::optional<p256::Key> key =
        p256::Key::from_pem(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
    if (!key) return fail(PushError::key_file, path.string() + " holds no unencrypted P-256 private key (PEM)");
    return std::move(*key);
}

// Writes a new key to `path`, never over a file that is there: written
// whole to a temporary file (0600, from mkstemp) beside it, fsynced, then
// linked into place (link fails if `path` appeared meanwhile) and the
// directory fsynced. `exists` is set, and nothing written, when another
// process made the file first.
std::expected<void, PushFailure> write_new_key(const std::filesystem::path& path, const std::string& pem,
                                               bool& exists) {
    exists = false;
    // mkstemp's template: it replaces the six X's with a unique name.
    std::string tmp = path.string() + ".tmp-XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) return fail(PushError::key_file, "cannot create a file beside " + path.string() + ": " + errno_text());
    auto abandon = [&](std::string why) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return fail(PushError::key_file, std::move(why));
    };
    // mkstemp makes it 0600 already; said again for umasks and platforms that differ.
    if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) return abandon("cannot chmod " + tmp + ": " + errno_text());
    std::size_t put = 0;
    while (put < pem.size()) {
        const ssize_t n = ::write(fd, pem.data() + put, pem.size() - put);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return abandon("cannot write " + tmp + ": " + errno_text());
        put += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) return abandon("cannot fsync " + tmp + ": " + errno_text());
    ::close(fd);
    const int linked = ::link(tmp.c_str(), path.c_str());
    const int link_errno = errno;
    ::unlink(tmp.c_str());
    if (linked != 0) {
        if (link_errno == EEXIST) {
            exists = true;
            return {};
        }
        return fail(PushError::key_file, "cannot create " + path.string() + ": " + std::strerror(link_errno));
    }
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

}  // namespace

std::expected<VapidKey, PushFailure> load_or_create_vapid_key(const std::filesystem::path& path) {
    // Twice at most: a key another process wrote between our open and our
    // link is read on the second pass.
    for (int pass = 0; pass < 2; ++pass) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            auto key = read_key_file(path, fd);
            ::close(fd);
            if (!key) return std::unexpected(key.error());
            return VapidKey(std::make_shared<const p256::Key>(std::move(*key)));
        }
        if (errno != ENOENT) return fail(PushError::key_file, "cannot open " + path.string() + ": " + errno_text());
        std::optional<p256::Key> key = p256::Key::generate();
        if (!key) return fail(PushError::openssl, "cannot make a P-256 key");
        std::optional<std::string> pem = key->private_pem();
        if (!pem) return fail(PushError::openssl, "cannot write the key as PEM");
        bool exists = false;
        auto written = write_new_key(path, *pem, exists);
        std::fill(pem->begin(), pem->end(), '\0');
        if (!written) return std::unexpected(written.error());
        if (!exists) return VapidKey(std::make_shared<const p256::Key>(std::move(*key)));
    }
    return fail(PushError::key_file, path.string() + " keeps changing under us");
}

// --- the token -----------------------------------------------------------------

std::expected<void, PushFailure> check_vapid_subject(std::string_view subject) {
    if (subject.size() > vapid_subject_chars_max)
        return fail(PushError::subject_invalid, "the VAPID subject is longer than " +
                                                    std::to_string(vapid_subject_chars_max) + " characters");
    const bool mailto = starts_with_nocase(subject, "mailto:");
    const bool https = starts_with_nocase(subject, "https:");
    if ((!mailto && !https) || subject.size() <= (mailto ? 7u : 6u))
        return fail(PushError::subject_invalid,
                    "the VAPID subject is not a contact: mailto:you@example.com or an https: URL");
    if (!json_plain(subject))
        return fail(PushError::subject_invalid,
                    "the VAPID subject holds a space, a quote, a backslash, a control or non-ASCII character");
    return {};
}

std::expected<std::string, PushFailure> vapid_jwt(const VapidKey& key, std::string_view audience,
                                                  std::string_view subject, std::uint64_t exp_s) {
    if (auto ok = check_vapid_subject(subject); !ok) return std::unexpected(ok.error());
    if (audience.empty() || !json_plain(audience))
        return fail(PushError::endpoint_invalid, "the token's audience is not an origin");
    // Written by hand in a fixed order; every value was checked to need no
    // escaping. RFC 8292 section 2 needs no more claims than these.
    constexpr std::string_view header = R"({"typ":"JWT","alg":"ES256"})";
    std::string claims = R"({"aud":")";
    claims += audience;
    claims += R"(","exp":)";
    claims += std::to_string(exp_s);
    claims += R"(,"sub":")";
    claims += subject;
    claims += R"("})";
    std::string token = to_base64url(as_bytes(header)) + "." + to_base64url(as_bytes(claims));
    auto sig = key.sign(as_bytes(token));
    if (!sig) return std::unexpected(sig.error());
    token += ".";
    token += to_base64url(*sig);
    return token;
}

std::expected<std::string, PushFailure> vapid_authorization(const VapidKey& key, std::string_view endpoint,
                                                            std::string_view subject, std::uint64_t now_s) {
    auto audience = push_origin(endpoint);
    if (!audience) return std::unexpected(audience.error());
    auto token = vapid_jwt(key, *audience, subject, now_s + vapid_token_life_s);
    if (!token) return std::unexpected(token.error());
    // RFC 8292 section 3: the token and the public key it verifies under.
    return "vapid t=" + *token + ", k=" + key.public_key_base64url();
}

}  // namespace kopilka::node
