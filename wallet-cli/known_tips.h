// What this wallet has seen of each chain, after ssh's known_hosts: per chain
// id, the highest block header signed by the chain's producer that it has
// verified. A node that later serves a chain not extending it is refused
// (exit_history), and where the producer signed two headers at one height,
// both are printed: together they prove equivocation to anyone.
//
//     <wallet dir>/known_tips   text, mode 0600, one line per chain:
//         <chain id hex> <height> <block hash hex> <signed header base64url>
//
// A signed header is the block header (149 bytes) || the producer's signature
// over it (64 bytes): the first 213 bytes of a stored block (docs/formats.md,
// "Known tips", has the file and the check step by step for other wallets).
#pragma once

#include "ledger/block.h"

#include <filesystem>
#include <optional>
#include <string>

namespace kopilka::wallet {

inline constexpr std::size_t block_header_bytes = 149;
inline constexpr std::size_t signed_header_bytes = block_header_bytes + signature_bytes;
// The file holds one ~430-byte line per chain; anything larger is not ours.
inline constexpr std::uintmax_t known_tips_file_bytes_max = 1024 * 1024;

struct SignedHeader {
    ledger::BlockHeader header;
    Signature signature;
    Hash256 hash() const { return ledger::block_hash(header); }
    Bytes bytes() const;  // signed_header_bytes
    // Whether `producer` signed this header for `chain` (and the header names it).
    bool signed_by(const PublicKey& producer, const ChainId& chain) const;
};
std::optional<SignedHeader> decode_signed_header(ByteView bytes);
// "height 9, block <hex>, signed header <base64url>"
std::string describe(const SignedHeader& h);

class KnownTips {
public:
    explicit KnownTips(std::filesystem::path file) : file_(std::move(file)) {}
    const std::filesystem::path& path() const { return file_; }

    // The remembered tip of `chain`; checks the file's line (its height, hash
    // and signature) and throws CliError(exit_keystore) when it is damaged.
    std::optional<SignedHeader> get(const ChainId& chain) const;
    // Remembers `tip` unless the file already holds a higher header of the
    // chain (another run saw further). Under a lock, written to a temp file,
    // fsynced and renamed, so a crash leaves the old file or the new one.
    void remember(const ChainId& chain, const SignedHeader& tip) const;

private:
    std::filesystem::path file_;
};

// Refusals with exit_history; the message prints the signed headers.
// The node is behind a header the producer signed: rolled back (or lagging).
[[noreturn]] void refuse_rollback(const std::string& node, const ChainId& chain, const SignedHeader& known,
                                  const std::optional<SignedHeader>& node_tip);
// Two producer-signed headers at one height with different hashes.
[[noreturn]] void refuse_equivocation(const std::string& node, const ChainId& chain, const SignedHeader& known,
                                      const SignedHeader& served);

}  // namespace kopilka::wallet
