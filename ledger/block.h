// Blocks: the unit of commitment.
//
// Header bytes: u8 version (1) || height u64 || prev hash || time_ms u64 ||
// tx root || state digest || tx_count u32 || producer key. The block hash is
// BLAKE2b-256 of the header bytes; the producer signs them (domain
// "kopilka/block/v1"). Block 1's prev hash is the chain id (the genesis hash).
// A stored block is header || signature || the transaction ids in order; the
// signed transaction blobs are stored beside it, one record per id.
#pragma once

#include "crypto/keys.h"
#include "ledger/merkle.h"

#include <expected>
#include <string>
#include <vector>

namespace kopilka::ledger {

inline constexpr std::uint8_t block_version = 1;
// At most this many transactions in one block: bounds the block record and
// the time one block's sync holds up the producer.
inline constexpr std::uint32_t block_txs_max = 10'000;

struct BlockHeader {
    std::uint64_t height = 0;
    Hash256 prev{};
    std::uint64_t time_ms = 0;
    Hash256 tx_root{};
    Hash256 state_digest{};
    std::uint32_t tx_count = 0;
    PublicKey producer;
    bool operator==(const BlockHeader&) const = default;
};

struct Block {
    BlockHeader header;
    Signature signature;
    std::vector<Hash256> tx_ids;
    bool operator==(const Block&) const = default;
};

Bytes encode_header(const BlockHeader& h);
Hash256 block_hash(const BlockHeader& h);
Bytes encode_block(const Block& b);
std::expected<Block, std::string> decode_block(ByteView bytes);
// The head of a stored block alone: version, header and producer signature,
// nothing after them (what a wallet keeps as a known tip); tx_ids stay empty.
std::expected<Block, std::string> decode_block_head(ByteView bytes);

void sign_block(Block& b, const KeyPair& producer, const ChainId& chain);
bool verify_block_signature(const Block& b, const ChainId& chain);

// Where a committed transaction is, and its signed bytes.
struct TxRecord {
    std::uint64_t height = 0;
    std::uint32_t index = 0;
    Bytes blob;
    bool operator==(const TxRecord&) const = default;
};
Bytes encode_tx_record(const TxRecord& r);
std::expected<TxRecord, std::string> decode_tx_record(ByteView bytes);

}  // namespace kopilka::ledger
