#include "ledger/merkle.h"

#include <cassert>
#include <limits>

namespace kopilka::ledger {

namespace {

// RFC 6962 section 2.1 domain separation: a leaf hash can never be read as an
// interior node (second-preimage attack on the tree), because the first byte differs.
constexpr std::uint8_t leaf_prefix = 0x00;
constexpr std::uint8_t node_prefix = 0x01;

// InclusionProof counts leaves in a uint32, so a tree has at most 32 levels
// above its leaves and no honest audit path is longer than this.
constexpr std::size_t audit_path_hashes_max = std::numeric_limits<std::uint32_t>::digits;

Hash256 leaf_hash(const Hash256& id) {
    return Blake2b256().update(leaf_prefix).update(id).finish();
}

Hash256 node_hash(const Hash256& left, const Hash256& right) {
    return Blake2b256().update(node_prefix).update(left).update(right).finish();
}

// Leaf hashes of the ids, the bottom level that fold_level() works on.
std::vector<Hash256> leaf_level(std::span<const Hash256> ids) {
    std::vector<Hash256> level;
    level.reserve(ids.size());
    for (const Hash256& id : ids) level.push_back(leaf_hash(id));
    return level;
}

// Replaces level[0, size) in place by the level above it and returns its size.
// Adjacent nodes are paired; an unpaired last node moves up unchanged. This
// builds the same tree as RFC 6962's recursive split at the largest power of
// two k below n: the left k leaves form a perfect subtree that is only ever
// paired within itself, and an unpaired node is always the rightmost one of
// the remainder, which RFC 6962 also hashes last. The level-by-level form does
// each hash once (O(n) for the root) with no recursion. tests/merkle_test.cpp
// checks it against the recursive definition.
std::size_t fold_level(std::vector<Hash256>& level, std::size_t size) {
    assert(size >= 2 && size <= level.size());
    const std::size_t pairs = size / 2;
    for (std::size_t i = 0; i < pairs; ++i) level[i] = node_hash(level[2 * i], level[2 * i + 1]);
    if (size % 2 != 0) level[pairs] = level[size - 1];
    return pairs + size % 2;
}

// Number of hashes in the audit path of leaf `index` in a tree of `size`
// leaves: one for every level at which the node on the way to the root has a
// sibling. Walked with the same fn/sn pair as RFC 9162 section 2.1.3.2, where
// sn is the index of the last node of the level.
std::size_t audit_path_hashes(std::uint32_t index, std::uint32_t size) {
    assert(index < size);
    std::size_t count = 0;
    for (std::uint32_t fn = index, sn = size - 1; sn != 0; fn >>= 1, sn >>= 1) {
        // A left sibling exists when fn is odd, a right one when fn is not the last node.
        if ((fn & 1U) != 0 || fn < sn) ++count;
    }
    assert(count <= audit_path_hashes_max);
    return count;
}

}  // namespace

Hash256 merkle_root(std::span<const Hash256> ids) {
    if (ids.empty()) return blake2b256(ByteView{});  // RFC 6962: MTH({}) = HASH()
    std::vector<Hash256> level = leaf_level(ids);
    std::size_t size = level.size();
    while (size > 1) size = fold_level(level, size);
    return level[0];
}

std::optional<InclusionProof> merkle_prove(std::span<const Hash256> ids, std::uint32_t index) {
    // A tree larger than a uint32 cannot be described by InclusionProof; such a
    // block (over 128 GiB of ids) is far beyond any block limit, so no proof.
    if (ids.size() > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
    if (index >= ids.size()) return std::nullopt;

    InclusionProof proof;
    proof.index = index;
    proof.tree_size = static_cast<std::uint32_t>(ids.size());

    // RFC 6962 section 2.1.1 PATH(m, D[n]), built bottom-up: at each level take
    // the sibling of the node on the way to the root, if it has one, then fold
    // the level. The order is therefore leaf to root, as RFC 9162 verifies it.
    std::vector<Hash256> level = leaf_level(ids);
    std::size_t size = level.size();
    std::size_t position = index;
    while (size > 1) {
        const std::size_t sibling = position ^ 1U;
        if (sibling < size) proof.path.push_back(level[sibling]);
        size = fold_level(level, size);
        position >>= 1;
    }
    // The verifier rejects any other length, so check it where the path is made.
    assert(proof.path.size() == audit_path_hashes(proof.index, proof.tree_size));
    return proof;
}

MerkleTree::MerkleTree(std::span<const Hash256> ids) {
    if (ids.empty() || ids.size() > std::numeric_limits<std::uint32_t>::max()) return;
    levels_.push_back(leaf_level(ids));
    while (levels_.back().size() > 1) {
        std::vector<Hash256> next = levels_.back();
        next.resize(fold_level(next, next.size()));
        levels_.push_back(std::move(next));
    }
}

Hash256 MerkleTree::root() const {
    if (levels_.empty()) return blake2b256(ByteView{});
    return levels_.back()[0];
}

std::optional<InclusionProof> MerkleTree::prove(std::uint32_t index) const {
    if (levels_.empty() || index >= levels_[0].size()) return std::nullopt;
    InclusionProof proof;
    proof.index = index;
    proof.tree_size = static_cast<std::uint32_t>(levels_[0].size());
    // The same walk as merkle_prove, over the kept levels.
    std::size_t position = index;
    for (std::size_t l = 0; l + 1 < levels_.size(); ++l) {
        const std::size_t sibling = position ^ 1U;
        if (sibling < levels_[l].size()) proof.path.push_back(levels_[l][sibling]);
        position >>= 1;
    }
    assert(proof.path.size() == audit_path_hashes(proof.index, proof.tree_size));
    return proof;
}

bool merkle_verify(const Hash256& id, const InclusionProof& proof, const Hash256& root) {
    // Step 1; also covers tree_size 0, which has no leaves to prove.
    if (proof.index >= proof.tree_size) return false;
    // The loop below would reject a path of the wrong length too (sn reaching 0
    // early or late), but only after hashing; checking first means a hostile
    // proof with a huge path costs nothing.
    if (proof.path.size() != audit_path_hashes(proof.index, proof.tree_size)) return false;

    // RFC 9162 section 2.1.3.2, steps 2 to 5.
    std::uint32_t fn = proof.index;
    std::uint32_t sn = proof.tree_size - 1;
    Hash256 r = leaf_hash(id);
    for (const Hash256& p : proof.path) {
        if (sn == 0) return false;
        if ((fn & 1U) != 0 || fn == sn) {
            // p is a left sibling. When fn is the last node of its level and
            // even, it had no sibling on the levels below p's: skip them.
            r = node_hash(p, r);
            if ((fn & 1U) == 0) {
                while ((fn & 1U) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && r == root;
}

}  // namespace kopilka::ledger
