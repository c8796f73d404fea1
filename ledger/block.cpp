#include "ledger/block.h"

#include "ledger/codec.h"
#include "ledger/tx.h"

namespace kopilka::ledger {

namespace {
void write_header(Writer& w, const BlockHeader& h) {
    w.u8(block_version).u64(h.height).hash(h.prev).u64(h.time_ms).hash(h.tx_root).hash(h.state_digest);
    w.u32(h.tx_count).key(h.producer);
}
}  // namespace

Bytes encode_header(const BlockHeader& h) {
    Writer w;
    write_header(w, h);
    return std::move(w).take();
}

Hash256 block_hash(const BlockHeader& h) { return blake2b256(encode_header(h)); }

Bytes encode_block(const Block& b) {
    Writer w;
    write_header(w, b.header);
    w.signature(b.signature);
    for (const auto& id : b.tx_ids) w.hash(id);
    return std::move(w).take();
}

namespace {

// The version, header and producer signature that open every stored block.
Block read_block_head(Reader& r) {
    if (const auto v = r.u8(); v != block_version) throw DecodeError("unknown block version " + std::to_string(v));
    Block b;
    b.header.height = r.u64();
    b.header.prev = r.hash();
    b.header.time_ms = r.u64();
    b.header.tx_root = r.hash();
    b.header.state_digest = r.hash();
    b.header.tx_count = r.u32();
    b.header.producer = r.key();
    b.signature = r.signature();
    if (b.header.tx_count > block_txs_max)
        throw DecodeError("block claims " + std::to_string(b.header.tx_count) + " transactions; at most " +
                          std::to_string(block_txs_max) + " allowed");
    return b;
}

}  // namespace

std::expected<Block, std::string> decode_block(ByteView bytes) {
    try {
        Reader r(bytes);
        Block b = read_block_head(r);
        if (r.remaining() != std::size_t{b.header.tx_count} * hash_bytes)
            throw DecodeError("block lists " + std::to_string(r.remaining() / hash_bytes) +
                              " transaction ids, header says " + std::to_string(b.header.tx_count));
        b.tx_ids.reserve(b.header.tx_count);
        for (std::uint32_t i = 0; i < b.header.tx_count; ++i) b.tx_ids.push_back(r.hash());
        r.finish();
        return b;
    } catch (const DecodeError& e) {
        return std::unexpected(std::string("malformed block: ") + e.what());
    }
}

std::expected<Block, std::string> decode_block_head(ByteView bytes) {
    try {
        Reader r(bytes);
        Block b = read_block_head(r);
        r.finish();
        return b;
    } catch (const DecodeError& e) {
        return std::unexpected(std::string("malformed block head: ") + e.what());
    }
}

void sign_block(Block& b, const KeyPair& producer, const ChainId& chain) {
    b.header.producer = producer.public_key();
    b.signature = producer.sign(Domain::block, chain, encode_header(b.header));
}

bool verify_block_signature(const Block& b, const ChainId& chain) {
    return verify(b.header.producer, Domain::block, chain, encode_header(b.header), b.signature);
}

Bytes encode_tx_record(const TxRecord& r) {
    Writer w;
    w.u64(r.height).u32(r.index).blob(r.blob);
    return std::move(w).take();
}

std::expected<TxRecord, std::string> decode_tx_record(ByteView bytes) {
    try {
        Reader r(bytes);
        TxRecord rec;
        rec.height = r.u64();
        rec.index = r.u32();
        rec.blob = r.blob(tx_bytes_max, "transaction");
        r.finish();
        return rec;
    } catch (const DecodeError& e) {
        return std::unexpected(std::string("malformed transaction record: ") + e.what());
    }
}

}  // namespace kopilka::ledger
