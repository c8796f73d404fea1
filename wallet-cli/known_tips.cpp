#include "wallet-cli/known_tips.h"

#include "crypto/address.h"
#include "ledger/codec.h"
#include "wallet-cli/cli_error.h"
#include "wallet-cli/format.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kopilka::wallet {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view file_banner =
    "# kopilka known tips v1: chain_id height block_hash signed_header "
    "(base64url of header 149 bytes || producer signature 64 bytes); docs/formats.md";

struct Line {
    ChainId chain{};
    SignedHeader tip;
};

[[noreturn]] void damaged(const fs::path& p, std::size_t line_no, const std::string& why) {
    throw CliError(exit_keystore, p.string() + " line " + std::to_string(line_no) + " is damaged: " + why,
                   "restore the file from a backup; deleting the line makes the wallet trust whatever chain a node "
                   "serves next, as on first use");
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> hex_array(std::string_view text) {
    auto raw = from_hex(text);
    if (!raw || raw->size() != N) return std::nullopt;
    std::array<std::uint8_t, N> a{};
    std::copy(raw->begin(), raw->end(), a.begin());
    return a;
}

// Every line is checked as it is read back: its height and hash are the
// header's, and the producer named in the header signed it for the chain.
std::vector<Line> read_all(const fs::path& p) {
    std::vector<Line> out;
    std::error_code ec;
    if (!fs::exists(p, ec)) return out;
    const auto size = fs::file_size(p, ec);
    if (ec) throw CliError(exit_keystore, "cannot read " + p.string() + ": " + ec.message());
    if (size > known_tips_file_bytes_max)
        throw CliError(exit_keystore, p.string() + " is larger than " + std::to_string(known_tips_file_bytes_max) + " bytes");
    std::ifstream in(p, std::ios::binary);
    if (!in) throw CliError(exit_keystore, "cannot read " + p.string());
    std::string text;
    std::size_t line_no = 0;
    while (std::getline(in, text)) {
        ++line_no;
        if (!text.empty() && text.back() == '\r') text.pop_back();
        if (text.empty() || text.front() == '#') continue;
        std::istringstream fields(text);
        std::string chain_hex, height_text, hash_hex, header_b64, extra;
        if (!(fields >> chain_hex >> height_text >> hash_hex >> header_b64) || (fields >> extra))
            damaged(p, line_no, "it is not 'chain_id height block_hash signed_header'");
        Line l;
        auto chain = hex_array<hash_bytes>(chain_hex);
        if (!chain) damaged(p, line_no, "the chain id is not 64 hex digits");
        l.chain = *chain;
        std::uint64_t height = 0;
        auto [end, err] = std::from_chars(height_text.data(), height_text.data() + height_text.size(), height);
        if (err != std::errc{} || end != height_text.data() + height_text.size())
            damaged(p, line_no, "the height is not a number");
        auto hash = hex_array<hash_bytes>(hash_hex);
        if (!hash) damaged(p, line_no, "the block hash is not 64 hex digits");
        auto raw = from_base64url(header_b64);
        auto tip = raw ? decode_signed_header(*raw) : std::nullopt;
        if (!tip) damaged(p, line_no, "the signed header does not decode");
        if (tip->header.height != height) damaged(p, line_no, "the height is not the header's");
        if (tip->hash() != *hash) damaged(p, line_no, "the block hash is not the header's");
        if (!tip->signed_by(tip->header.producer, l.chain)) damaged(p, line_no, "the producer's signature does not verify");
        for (const auto& seen : out)
            if (seen.chain == l.chain) damaged(p, line_no, "a second line for the same chain");
        l.tip = std::move(*tip);
        out.push_back(std::move(l));
    }
    return out;
}

// Holds an exclusive flock on <file>.lock while the file is read and replaced,
// so two runs of kopilka cannot undo each other's newer tip.
class FileLock {
public:
    explicit FileLock(const fs::path& p) {
        fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) throw CliError(exit_keystore, "cannot open " + p.string());
        while (::flock(fd_, LOCK_EX) != 0)
            if (errno != EINTR) {
                ::close(fd_);
                throw CliError(exit_keystore, "cannot lock " + p.string());
            }
    }
    ~FileLock() { ::close(fd_); }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_ = -1;
};

void write_fully(int fd, std::string_view text, const fs::path& p) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw CliError(exit_keystore, "cannot write " + p.string());
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

Bytes SignedHeader::bytes() const {
    Bytes out = ledger::encode_header(header);
    out.insert(out.end(), signature.bytes.begin(), signature.bytes.end());
    return out;
}

bool SignedHeader::signed_by(const PublicKey& producer, const ChainId& chain) const {
    return header.producer == producer &&
           verify(producer, Domain::block, chain, ledger::encode_header(header), signature);
}

std::optional<SignedHeader> decode_signed_header(ByteView bytes) {
    auto b = ledger::decode_block_head(bytes);
    if (!b || b->header.height == 0) return std::nullopt;  // the genesis has no signed header
    return SignedHeader{b->header, b->signature};
}

std::string describe(const SignedHeader& h) {
    return "height " + std::to_string(h.header.height) + ", block " + to_hex(h.hash()) + ", time " +
           utc_time_ms(h.header.time_ms) + "\n    signed header " + to_base64url(h.bytes());
}

std::optional<SignedHeader> KnownTips::get(const ChainId& chain) const {
    for (auto& l : read_all(file_))
        if (l.chain == chain) return std::move(l.tip);
    return std::nullopt;
}

void KnownTips::remember(const ChainId& chain, const SignedHeader& tip) const {
    // Only a verified header is remembered; read_all checks it again on the way back.
    if (!tip.signed_by(tip.header.producer, chain))
        throw std::logic_error("KnownTips::remember: the header is not signed by its producer");
    std::error_code ec;
    const fs::path dir = file_.parent_path().empty() ? fs::path(".") : file_.parent_path();
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) throw CliError(exit_keystore, "cannot make the wallet dir " + dir.string() + ": " + ec.message());
        ::chmod(dir.c_str(), 0700);
    }
    FileLock lock(file_.string() + ".lock");
    auto lines = read_all(file_);
    bool found = false;
    for (auto& l : lines) {
        if (l.chain != chain) continue;
        found = true;
        if (l.tip.header.height >= tip.header.height) return;  // another run saw as far or further
        l.tip = tip;
    }
    if (!found) lines.push_back(Line{chain, tip});

    std::string text = std::string(file_banner) + "\n";
    for (const auto& l : lines)
        text += to_hex(l.chain) + " " + std::to_string(l.tip.header.height) + " " + to_hex(l.tip.hash()) + " " +
                to_base64url(l.tip.bytes()) + "\n";
    const fs::path tmp = file_.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw CliError(exit_keystore, "cannot write " + tmp.string());
    try {
        write_fully(fd, text, tmp);
        if (::fsync(fd) != 0) throw CliError(exit_keystore, "cannot sync " + tmp.string());
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    fs::rename(tmp, file_, ec);
    if (ec) throw CliError(exit_keystore, "cannot write " + file_.string() + ": " + ec.message());
    // The rename itself is durable only once the directory is synced.
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

void refuse_rollback(const std::string& node, const ChainId& chain, const SignedHeader& known,
                     const std::optional<SignedHeader>& node_tip) {
    const std::string k = std::to_string(known.header.height);
    const std::uint64_t node_height = node_tip ? node_tip->header.height : 0;
    const std::string at = std::to_string(node_height);
    throw CliError(exit_history,
                   "the node at " + node + " is at height " + at + ", but this wallet has verified block " + k +
                       " of chain " + to_hex(chain) + ", signed by its producer: the chain was rolled back, or "
                       "this node is behind\n  remembered: " + describe(known) + "\n  node's tip: " +
                       (node_tip ? describe(*node_tip) : std::string("none (no blocks)")),
                   "do not act on this node's balances or history; ask its operator where blocks " + std::to_string(node_height + 1) + "-" + k +
                       " went (a node still catching up passes height " + k + " by itself)");
}

void refuse_equivocation(const std::string& node, const ChainId& chain, const SignedHeader& known,
                         const SignedHeader& served) {
    const std::string k = std::to_string(known.header.height);
    throw CliError(exit_history,
                   "the node at " + node + " serves another block " + k + " of chain " + to_hex(chain) +
                       " than the one this wallet verified: the history was rewritten\n  remembered: " +
                       describe(known) + "\n  served now: " + describe(served) +
                       "\n  Both headers are signed by the chain's producer " + address_from_key(known.header.producer) +
                       " at height " + k + " with different hashes: together they prove that the producer signed "
                       "two histories (equivocation). Keep these lines as evidence.",
                   "do not act on this node's answers; anyone can check the proof as docs/formats.md (Known tips) "
                   "describes");
}

}  // namespace kopilka::wallet
