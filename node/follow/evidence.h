// What a follower keeps beside its ledger, in DIR/follow/ (docs/operations.md,
// "An auditor"): the highest block header the chain's producer signed that it
// has seen its source serve (`known_tip`), and, once the source was caught
// rolling back or equivocating, the proof (`proof`): two headers the producer
// signed that cannot both belong to one history.
//
// A signed header is the block header (149 bytes) || the producer's signature
// over it (64 bytes): node.info's tip_header, the first 213 bytes of a stored
// block, and what a wallet keeps in its known tips (docs/formats.md, "Known
// tips"), so anyone can check a proof with the same steps.
#pragma once

#include "ledger/block.h"

#include <boost/json/object.hpp>

#include <expected>
#include <filesystem>
#include <optional>
#include <string>

namespace kopilka::node::follow {

inline constexpr std::size_t signed_header_bytes = 149 + signature_bytes;

// header || signature; `head` is a block whose tx_ids are not used.
Bytes signed_header(const ledger::Block& head);
// A signed header, decoded; nullopt when the bytes are not one.
std::optional<ledger::Block> decode_signed_header(ByteView bytes);
// Whether the chain's producer signed `head` for `chain` (and the header names it).
bool producer_signed(const ledger::Block& head, const PublicKey& producer, const ChainId& chain);
// "height 9, block <hex>, signed header <base64url>"
std::string describe(const ledger::Block& head);

struct FollowDir {
    std::filesystem::path root;  // DIR/follow
    std::filesystem::path known_tip() const { return root / "known_tip"; }
    std::filesystem::path proof() const { return root / "proof"; }
};

// The known tip: one line, "<chain id hex> <height> <block hash hex> <signed
// header base64url>", checked on read (the chain, the height and hash against
// the header, the producer's signature): nullopt when there is none yet, an
// error for a person when the file is damaged.
std::expected<std::optional<ledger::Block>, std::string> read_known_tip(const FollowDir& dir, const ChainId& chain,
                                                                        const PublicKey& producer);
// Written to a temporary file, synced, renamed and the dir synced, so a crash
// leaves the old line or the new one.
std::expected<void, std::string> write_known_tip(const FollowDir& dir, const ChainId& chain,
                                                 const ledger::Block& head);

// Two headers the producer signed that one history cannot hold together.
struct Proof {
    enum class Kind {
        rollback,      // the source serves a tip below a header it served before
        equivocation,  // two different headers at one height
    } kind = Kind::equivocation;
    std::string source;                   // the source's URL
    ChainId chain{};
    PublicKey producer;
    ledger::Block remembered;             // seen before (the known tip, or this follower's own block)
    std::optional<ledger::Block> served;  // what the source serves now; none: it is at height 0
    std::uint64_t found_ms = 0;           // by the follower's clock

    // For a person: what happened, both headers, and how to check them.
    std::string text() const;
    boost::json::object json() const;
};

// Writes the proof (its JSON, then its text) to `dir.proof()`, synced; never
// over an earlier proof, which is evidence too.
std::expected<void, std::string> write_proof(const FollowDir& dir, const Proof& proof);

}  // namespace kopilka::node::follow
