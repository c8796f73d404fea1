// Merkle tree over a block's transaction ids, as in RFC 6962 (Certificate
// Transparency): leaf = H(0x00 || id), node = H(0x01 || left || right), the
// tree split at the largest power of two below n. One transaction's inclusion
// can then be proven with log2(n) hashes, without the rest of the block.
#pragma once

#include "crypto/hash.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace kopilka::ledger {

// Root of the ids in order. The root of no ids is H("") (RFC 6962 section 2.1).
Hash256 merkle_root(std::span<const Hash256> ids);

struct InclusionProof {
    std::uint32_t index = 0;       // position of the id in the block
    std::uint32_t tree_size = 0;   // number of ids in the block
    std::vector<Hash256> path;     // audit path, leaf to root (RFC 6962 section 2.1.1)
};

// Proof that ids[index] is in the tree; nullopt if index is out of range.
std::optional<InclusionProof> merkle_prove(std::span<const Hash256> ids, std::uint32_t index);

// All levels of one tree, for when many proofs of one block are wanted (the
// node answering every waiter of a block): O(n) to build, O(log n) a proof.
class MerkleTree {
public:
    explicit MerkleTree(std::span<const Hash256> ids);
    Hash256 root() const;
    std::optional<InclusionProof> prove(std::uint32_t index) const;

private:
    std::vector<std::vector<Hash256>> levels_;  // leaf hashes first, the root last
};

// RFC 9162 section 2.1.3.2 verification. False for any inconsistency
// (index >= tree_size, a path of the wrong length, a different root).
bool merkle_verify(const Hash256& id, const InclusionProof& proof, const Hash256& root);

}  // namespace kopilka::ledger
