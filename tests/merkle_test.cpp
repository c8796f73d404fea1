// Merkle tree: the level-by-level implementation in ledger/merkle.cpp against
// the recursive definitions of RFC 6962 section 2.1, written again here as
// plainly as possible, and against a value computed outside C++.
#include "ledger/merkle.h"

#include "crypto/bytes.h"
#include "crypto/hash.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

using kopilka::Bytes;
using kopilka::Hash256;
using kopilka::ledger::InclusionProof;
using kopilka::ledger::merkle_prove;
using kopilka::ledger::merkle_root;
using kopilka::ledger::merkle_verify;
using kopilka::ledger::MerkleTree;
using kopilka::as_bytes;
using kopilka::blake2b256;

namespace {

// Tree sizes checked exhaustively (every index, every neighbour), plus larger
// ones around powers of two where the split and the unpaired node change.
constexpr std::size_t exhaustive_tree_size_max = 70;
const std::vector<std::size_t> large_tree_sizes = {1000, 1024, 1025};
// The size a block may plausibly reach; checked for the root and a few proofs.
constexpr std::size_t huge_tree_size = 1'000'000;

// Reference hashing with the one-shot hash over a concatenated buffer, so it
// does not share the incremental Blake2b256 code path used by merkle.cpp. The
// buffer is on the stack because a million-leaf tree hashes two million times
// and heap allocations dominate under AddressSanitizer.
Hash256 reference_leaf(const Hash256& id) {
    std::array<std::uint8_t, 1 + kopilka::hash_bytes> buf{0x00};
    std::copy(id.begin(), id.end(), buf.begin() + 1);
    return kopilka::blake2b256(buf);
}

Hash256 reference_node(const Hash256& left, const Hash256& right) {
    std::array<std::uint8_t, 1 + 2 * kopilka::hash_bytes> buf{0x01};
    std::copy(left.begin(), left.end(), buf.begin() + 1);
    std::copy(right.begin(), right.end(), buf.begin() + 1 + kopilka::hash_bytes);
    return kopilka::blake2b256(buf);
}

// Largest power of two strictly less than n (n >= 2), the RFC 6962 split point k.
std::size_t split_point(std::size_t n) {
    std::size_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
}

// RFC 6962 section 2.1 MTH(D[n]), literally.
Hash256 reference_root(std::span<const Hash256> d) {
    if (d.empty()) return kopilka::blake2b256(Bytes{});
    if (d.size() == 1) return reference_leaf(d[0]);
    const std::size_t k = split_point(d.size());
    return reference_node(reference_root(d.subspan(0, k)), reference_root(d.subspan(k)));
}

// RFC 6962 section 2.1.1 PATH(m, D[n]), literally.
std::vector<Hash256> reference_path(std::size_t m, std::span<const Hash256> d) {
    if (d.size() <= 1) return {};
    const std::size_t k = split_point(d.size());
    std::vector<Hash256> path;
    if (m < k) {
        path = reference_path(m, d.subspan(0, k));
        path.push_back(reference_root(d.subspan(k)));
    } else {
        path = reference_path(m - k, d.subspan(k));
        path.push_back(reference_root(d.subspan(0, k)));
    }
    return path;
}

// The sides on which the audit path of leaf m in a tree of n leaves joins its
// hashes, leaf to root ('L': the path hash is on the left). Two (index, size)
// pairs with the same shape hash a path identically, so a proof verifies for
// both against the same root: RFC 9162 does not bind tree_size by itself.
std::string reference_shape(std::size_t m, std::size_t n) {
    if (n <= 1) return "";
    const std::size_t k = split_point(n);
    if (m < k) return reference_shape(m, k) + 'R';
    return reference_shape(m - k, n - k) + 'L';
}

std::vector<Hash256> make_ids(std::size_t n) {
    std::vector<Hash256> ids;
    ids.reserve(n);
    for (std::size_t i = 0; i < n; ++i) ids.push_back(kopilka::blake2b256(kopilka::as_bytes(std::to_string(i))));
    return ids;
}

Hash256 hash_from_hex(std::string_view hex) {
    const auto bytes = kopilka::from_hex(hex);
    REQUIRE(bytes);
    REQUIRE(bytes->size() == kopilka::hash_bytes);
    Hash256 out;
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
}

// Every way of tampering with the proof of ids[i] that must fail.
void check_proof_of(const std::vector<Hash256>& ids, std::uint32_t i, const Hash256& root, bool exhaustive) {
    const auto n = static_cast<std::uint32_t>(ids.size());
    INFO("tree_size " << n << ", index " << i);
    const auto proof = merkle_prove(ids, i);
    REQUIRE(proof);
    CHECK(proof->index == i);
    CHECK(proof->tree_size == n);
    CHECK(proof->path == reference_path(i, ids));
    CHECK(merkle_verify(ids[i], *proof, root));

    // A different id: a neighbour, and one that is in no tree here.
    if (n > 1) CHECK_FALSE(merkle_verify(ids[(i + 1) % n], *proof, root));
    CHECK_FALSE(merkle_verify(kopilka::blake2b256(kopilka::as_bytes("not an id")), *proof, root));

    // A different root.
    Hash256 other_root = root;
    other_root[0] ^= 0x01;
    CHECK_FALSE(merkle_verify(ids[i], *proof, other_root));

    // A different index: within one tree, each leaf has its own root-to-leaf
    // shape, so no other index can verify; nor can one past the end.
    std::vector<std::uint32_t> indices;
    if (exhaustive) {
        for (std::uint32_t j = 0; j <= n; ++j) indices.push_back(j);
    } else {
        indices = {0, i ^ 1U, i + 1, n - 1, n, UINT32_MAX};
        if (i > 0) indices.push_back(i - 1);
    }
    for (std::uint32_t j : indices) {
        if (j == i) continue;
        InclusionProof moved = *proof;
        moved.index = j;
        INFO("claimed index " << j);
        CHECK_FALSE(merkle_verify(ids[i], moved, root));
    }

    // A different tree_size verifies exactly when the path has the same shape
    // in the claimed tree (see reference_shape); it must never verify at 0 or
    // at a size that does not contain the index.
    std::vector<std::uint32_t> sizes;
    if (exhaustive) {
        for (std::uint32_t t = 0; t <= 2 * n + 1; ++t) sizes.push_back(t);
    } else {
        sizes = {0, i, i + 1, n - 1, n + 1, 2 * n, UINT32_MAX};
    }
    const std::string shape = reference_shape(i, n);
    for (std::uint32_t t : sizes) {
        if (t == n) continue;
        InclusionProof resized = *proof;
        resized.tree_size = t;
        INFO("claimed tree_size " << t);
        const bool same_shape = i < t && reference_shape(i, t) == shape;
        CHECK(merkle_verify(ids[i], resized, root) == same_shape);
    }

    // A flipped bit in any byte of any path hash.
    for (std::size_t e = 0; e < proof->path.size(); ++e) {
        for (std::size_t b = 0; b < kopilka::hash_bytes; b += exhaustive ? 1 : 7) {
            InclusionProof flipped = *proof;
            flipped.path[e][b] ^= 0x80;
            INFO("path element " << e << ", byte " << b);
            CHECK_FALSE(merkle_verify(ids[i], flipped, root));
        }
    }

    // A truncated path (last or first hash dropped) and an extended one.
    if (!proof->path.empty()) {
        InclusionProof truncated = *proof;
        truncated.path.pop_back();
        CHECK_FALSE(merkle_verify(ids[i], truncated, root));
        truncated = *proof;
        truncated.path.erase(truncated.path.begin());
        CHECK_FALSE(merkle_verify(ids[i], truncated, root));
    }
    InclusionProof extended = *proof;
    extended.path.push_back(root);
    CHECK_FALSE(merkle_verify(ids[i], extended, root));
    extended = *proof;
    extended.path.insert(extended.path.begin(), ids[i]);
    CHECK_FALSE(merkle_verify(ids[i], extended, root));
}

}  // namespace

TEST_CASE("merkle root of no ids is the hash of the empty string", "[merkle]") {
    // python3 -c 'import hashlib; print(hashlib.blake2b(b"", digest_size=32).hexdigest())'
    CHECK(merkle_root({}) == hash_from_hex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"));
    CHECK_FALSE(merkle_prove({}, 0));
    // tree_size 0 holds nothing, whatever the path.
    CHECK_FALSE(merkle_verify(Hash256{}, InclusionProof{}, merkle_root({})));
}

TEST_CASE("merkle root of three ids matches an independent computation", "[merkle]") {
    // Computed with Python's hashlib, not with this code:
    //   H = lambda b: hashlib.blake2b(b, digest_size=32).digest()
    //   ids = [H(s.encode()) for s in ("0", "1", "2")]
    //   leaf = [H(b"\x00" + i) for i in ids]
    //   H(b"\x01" + H(b"\x01" + leaf[0] + leaf[1]) + leaf[2]).hex()
    const auto ids = make_ids(3);
    CHECK(merkle_root(ids) == hash_from_hex("62a32eb48133ea6d8ad04ae424dedab0b4791cfafdcad1ad67bde7b735cd9dad"));
}

TEST_CASE("merkle root matches RFC 6962 MTH for every size up to 70 and some larger", "[merkle]") {
    std::vector<std::size_t> sizes;
    for (std::size_t n = 0; n <= exhaustive_tree_size_max; ++n) sizes.push_back(n);
    sizes.insert(sizes.end(), large_tree_sizes.begin(), large_tree_sizes.end());
    for (std::size_t n : sizes) {
        INFO("tree_size " << n);
        const auto ids = make_ids(n);
        CHECK(merkle_root(ids) == reference_root(ids));
    }
}

TEST_CASE("merkle root depends on every id and on their order", "[merkle]") {
    auto ids = make_ids(5);
    const Hash256 root = merkle_root(ids);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto changed = ids;
        changed[i][31] ^= 0x01;
        CHECK(merkle_root(changed) != root);
    }
    std::swap(ids[1], ids[2]);
    CHECK(merkle_root(ids) != root);
    // Duplicating the last id (Bitcoin's CVE-2012-2459 shape) gives another root.
    auto padded = make_ids(5);
    padded.push_back(padded.back());
    CHECK(merkle_root(padded) != root);
}

TEST_CASE("merkle proofs verify and reject tampering, every index up to 70 ids", "[merkle]") {
    for (std::size_t n = 1; n <= exhaustive_tree_size_max; ++n) {
        const auto ids = make_ids(n);
        const Hash256 root = merkle_root(ids);
        for (std::uint32_t i = 0; i < n; ++i) check_proof_of(ids, i, root, true);
        const auto past_end = static_cast<std::uint32_t>(n);
        CHECK_FALSE(merkle_prove(ids, past_end));
        CHECK_FALSE(merkle_prove(ids, UINT32_MAX));
    }
}

TEST_CASE("merkle proofs verify and reject tampering, every index of larger trees", "[merkle]") {
    for (std::size_t n : large_tree_sizes) {
        const auto ids = make_ids(n);
        const Hash256 root = merkle_root(ids);
        for (std::uint32_t i = 0; i < n; ++i) check_proof_of(ids, i, root, false);
    }
}

TEST_CASE("merkle proof rejects a path far longer than any tree allows", "[merkle]") {
    const auto ids = make_ids(9);
    const Hash256 root = merkle_root(ids);
    auto proof = merkle_prove(ids, 4);
    REQUIRE(proof);
    proof->path.resize(100'000, root);
    CHECK_FALSE(merkle_verify(ids[4], *proof, root));
}

TEST_CASE("merkle root and proofs for a million ids", "[merkle]") {
    const auto ids = make_ids(huge_tree_size);
    const Hash256 root = merkle_root(ids);
    CHECK(root == reference_root(ids));
    const auto n = static_cast<std::uint32_t>(huge_tree_size);
    for (std::uint32_t i : {0U, 524'287U, 524'288U, n - 1}) {
        INFO("index " << i);
        const auto proof = merkle_prove(ids, i);
        REQUIRE(proof);
        CHECK(proof->path.size() == reference_shape(i, n).size());
        CHECK(merkle_verify(ids[i], *proof, root));
        CHECK_FALSE(merkle_verify(ids[(i + 1) % n], *proof, root));
    }
}

TEST_CASE("MerkleTree gives the same root and proofs as merkle_root and merkle_prove", "[merkle]") {
    // The node answers every waiter of a block from one MerkleTree; it must be
    // indistinguishable from the one-shot functions.
    for (std::uint32_t n : {0u, 1u, 2u, 3u, 5u, 8u, 13u, 64u, 65u, 100u}) {
        std::vector<Hash256> ids;
        for (std::uint32_t i = 0; i < n; ++i) ids.push_back(blake2b256(as_bytes(std::to_string(i * 7 + n))));
        const MerkleTree tree(ids);
        INFO("n = " << n);
        CHECK(tree.root() == merkle_root(ids));
        for (std::uint32_t i = 0; i < n; ++i) {
            auto a = tree.prove(i);
            auto b = merkle_prove(ids, i);
            REQUIRE(a);
            REQUIRE(b);
            CHECK(a->path == b->path);
            CHECK(a->tree_size == b->tree_size);
            CHECK(merkle_verify(ids[i], *a, tree.root()));
        }
        CHECK_FALSE(tree.prove(n));
    }
}
