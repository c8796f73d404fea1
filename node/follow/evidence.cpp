#include "node/follow/evidence.h"

#include "crypto/address.h"

#include <boost/json.hpp>

#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace kopilka::node::follow {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// The known tip is one ~430-byte line; anything larger is not ours.
constexpr std::uintmax_t known_tip_file_bytes_max = 4096;

std::string height_str(const ledger::Block& h) { return std::to_string(h.header.height); }

// Writes `text` to `path` whole and syncs it; `flags` adds O_EXCL or O_TRUNC.
std::expected<void, std::string> write_synced(const fs::path& path, std::string_view text, int flags) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
    if (fd < 0) return std::unexpected("cannot write " + path.string() + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            return std::unexpected("cannot write " + path.string() + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) return std::unexpected("cannot sync " + path.string() + ": " + std::strerror(errno));
    return {};
}

void sync_dir(const fs::path& dir) {
    if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

std::expected<void, std::string> make_dir(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return std::unexpected("cannot make " + dir.string() + ": " + ec.message());
    return {};
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> hex_array(std::string_view text) {
    auto raw = from_hex(text);
    if (!raw || raw->size() != N) return std::nullopt;
    std::array<std::uint8_t, N> a{};
    std::copy(raw->begin(), raw->end(), a.begin());
    return a;
}

json::object header_json(const ledger::Block& h) {
    return json::object{{"height", h.header.height},
                        {"hash", to_hex(ledger::block_hash(h.header))},
                        {"signed_header", to_base64url(signed_header(h))}};
}

}  // namespace

Bytes signed_header(const ledger::Block& head) {
    Bytes out = ledger::encode_header(head.header);
    out.insert(out.end(), head.signature.bytes.begin(), head.signature.bytes.end());
    return out;
}

std::optional<ledger::Block> decode_signed_header(ByteView bytes) {
    if (bytes.size() != signed_header_bytes) return std::nullopt;
    auto b = ledger::decode_block_head(bytes);
    if (!b) return std::nullopt;
    return *b;
}

bool producer_signed(const ledger::Block& head, const PublicKey& producer, const ChainId& chain) {
    return head.header.producer == producer && ledger::verify_block_signature(head, chain);
}

std::string describe(const ledger::Block& head) {
    return "height " + height_str(head) + ", block " + to_hex(ledger::block_hash(head.header)) + ", signed header " +
           to_base64url(signed_header(head));
}

std::expected<std::optional<ledger::Block>, std::string> read_known_tip(const FollowDir& dir, const ChainId& chain,
                                                                        const PublicKey& producer) {
    const fs::path p = dir.known_tip();
    std::error_code ec;
    if (!fs::exists(p, ec)) return std::nullopt;
    auto damaged = [&](const std::string& why) {
        return std::unexpected(p.string() + " is damaged: " + why +
                               "; restore it from a backup (deleting it makes this follower trust the source's "
                               "chain from its own ledger's tip on)");
    };
    if (fs::file_size(p, ec) > known_tip_file_bytes_max || ec) return damaged("it is not one line");
    std::ifstream in(p, std::ios::binary);
    std::string line;
    if (!in || !std::getline(in, line)) return damaged("it cannot be read");
    std::istringstream fields(line);
    std::string chain_hex, height_text, hash_hex, header_b64, extra;
    if (!(fields >> chain_hex >> height_text >> hash_hex >> header_b64) || (fields >> extra))
        return damaged("it is not 'chain_id height block_hash signed_header'");
    auto c = hex_array<hash_bytes>(chain_hex);
    if (!c) return damaged("the chain id is not 64 hex digits");
    if (*c != chain) return damaged("it is for chain " + chain_hex + ", not this ledger's " + to_hex(chain));
    std::uint64_t height = 0;
    auto [end, err] = std::from_chars(height_text.data(), height_text.data() + height_text.size(), height);
    if (err != std::errc{} || end != height_text.data() + height_text.size())
        return damaged("the height is not a number");
    auto hash = hex_array<hash_bytes>(hash_hex);
    auto raw = from_base64url(header_b64);
    auto head = raw ? decode_signed_header(*raw) : std::nullopt;
    if (!hash || !head) return damaged("the signed header does not decode");
    if (head->header.height != height || ledger::block_hash(head->header) != *hash)
        return damaged("the height or hash is not the signed header's");
    if (!producer_signed(*head, producer, chain)) return damaged("the header is not signed by the chain's producer");
    return head;
}

std::expected<void, std::string> write_known_tip(const FollowDir& dir, const ChainId& chain,
                                                 const ledger::Block& head) {
    if (auto ok = make_dir(dir.root); !ok) return ok;
    const std::string line = to_hex(chain) + " " + height_str(head) + " " +
                             to_hex(ledger::block_hash(head.header)) + " " + to_base64url(signed_header(head)) + "\n";
    const fs::path tmp = dir.known_tip().string() + ".tmp";
    if (auto ok = write_synced(tmp, line, O_TRUNC); !ok) return ok;
    std::error_code ec;
    fs::rename(tmp, dir.known_tip(), ec);
    if (ec) return std::unexpected("cannot write " + dir.known_tip().string() + ": " + ec.message());
    sync_dir(dir.root);
    return {};
}

std::string Proof::text() const {
    const std::string k = height_str(remembered);
    std::string t;
    if (kind == Kind::rollback) {
        const std::string at = served ? height_str(*served) : "0";
        t = "the source " + source + " rolled chain " + to_hex(chain) + " back: it serves height " + at +
            ", but it served block " + k + ", signed by the chain's producer, before.\n";
    } else {
        t = "the source " + source + " serves another block " + k + " of chain " + to_hex(chain) +
            " than the one this follower holds or saw: the history was rewritten.\n";
    }
    t += "  seen before: " + describe(remembered) + "\n";
    t += "  served now:  " + (served ? describe(*served) : std::string("height 0, no blocks")) + "\n";
    if (kind == Kind::equivocation)
        t += "  Both headers are signed by the chain's producer " + address_from_key(producer) + " at height " + k +
             " with different hashes: together they prove that the producer signed two histories (equivocation).\n";
    else
        t += "  The header seen before is signed by the chain's producer " + address_from_key(producer) +
             ": the blocks after height " + (served ? height_str(*served) : std::string("0")) +
             " existed and are gone, or the source is an older copy.\n";
    t += "  Check each signed header as docs/formats.md (Known tips) says: the Ed25519 signature over its first 149 "
         "bytes under kopilka/block/v1 and the chain id, by the producer key in the genesis.\n";
    return t;
}

json::object Proof::json() const {
    json::object o{{"kind", kind == Kind::rollback ? "rollback" : "equivocation"},
                   {"source", source},
                   {"chain_id", to_hex(chain)},
                   {"producer", address_from_key(producer)},
                   {"found_ms", found_ms},
                   {"seen_before", header_json(remembered)},
                   {"served_now", served ? json::value(header_json(*served)) : json::value(nullptr)}};
    if (!served) o["served_height"] = 0;
    return o;
}

std::expected<void, std::string> write_proof(const FollowDir& dir, const Proof& proof) {
    if (auto ok = make_dir(dir.root); !ok) return ok;
    // The JSON on the first line for a program, the text after it for a person.
    const std::string body = json::serialize(proof.json()) + "\n\n" + proof.text();
    if (auto ok = write_synced(dir.proof(), body, O_EXCL); !ok) return ok;
    sync_dir(dir.root);
    return {};
}

}  // namespace kopilka::node::follow
