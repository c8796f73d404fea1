#include "node/follow/follower.h"

#include "ledger/codec.h"

#include <boost/json.hpp>

#include <unordered_map>

namespace kopilka::node::follow {

namespace json = boost::json;
using ledger::Block;

namespace {

// Calls failed in a row before the log says so again: the first, then one a
// minute at the default poll interval.
constexpr std::uint64_t failures_logged_every = 60;

const json::value* field(const json::value& v, std::string_view name) {
    const json::object* o = v.if_object();
    return o ? o->if_contains(name) : nullptr;
}
std::optional<std::string> text_field(const json::value& v, std::string_view name) {
    const json::value* f = field(v, name);
    if (!f || !f->is_string()) return std::nullopt;
    return std::string(f->get_string());
}
std::optional<std::uint64_t> count_field(const json::value& v, std::string_view name) {
    const json::value* f = field(v, name);
    boost::system::error_code ec;
    if (!f || !f->is_number()) return std::nullopt;
    const auto n = f->to_number<std::uint64_t>(ec);
    if (ec) return std::nullopt;
    return n;
}

std::string short_hash(const Hash256& h) { return to_hex(ByteView(h.data(), 8)); }

}  // namespace

std::string_view fault_name(Fault f) {
    switch (f) {
        case Fault::block_refused: return "block_refused";
        case Fault::other_chain: return "other_chain";
        case Fault::rollback: return "rollback";
        case Fault::equivocation: return "equivocation";
    }
    return "unknown";
}

namespace {
// The genesis in a chain.genesis answer: its bytes decode canonically and
// hash to the chain id the answer names.
std::expected<ledger::Genesis, std::string> genesis_from(const json::value& g) {
    const auto b64 = text_field(g, "genesis");
    const auto id = text_field(g, "chain_id");
    auto bytes = b64 ? from_base64url(*b64) : std::nullopt;
    if (!bytes || !id) return std::unexpected("the source's chain.genesis answer holds no genesis");
    ledger::Genesis genesis;
    try {
        genesis = ledger::decode_genesis(*bytes);
    } catch (const ledger::DecodeError& e) {
        return std::unexpected(std::string("the source's genesis does not decode: ") + e.what());
    }
    // The decoder takes only canonical bytes: the chain id is their hash.
    if (to_hex(blake2b256(*bytes)) != *id)
        return std::unexpected("the source's chain id " + *id + " is not the hash of the genesis it serves");
    return genesis;
}
}  // namespace

std::expected<ledger::Genesis, std::string> fetch_genesis(Source& source) {
    auto g = source.call("chain.genesis");
    if (!g) return std::unexpected("cannot read the source's genesis: " + g.error().message);
    return genesis_from(*g);
}

Follower::Follower(std::unique_ptr<Source> source, FollowDir dir, std::optional<Block> known, ledger::Chain& chain,
                   std::shared_mutex& chain_mutex, Log& log, Clock& clock, std::chrono::milliseconds poll, Hooks hooks)
    : source_(std::move(source)),
      dir_(std::move(dir)),
      chain_(chain),
      chain_mutex_(chain_mutex),
      log_(log),
      clock_(clock),
      poll_(poll),
      hooks_(std::move(hooks)),
      known_(std::move(known)) {}

Follower::~Follower() { stop(); }

void Follower::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { run(); });
}

void Follower::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    source_->cancel();  // a call in flight ends now, not at its timeout
    if (thread_.joinable()) thread_.join();
}

bool Follower::stopping() {
    std::lock_guard lock(mutex_);
    return stop_;
}

std::optional<Block> Follower::own_tip() const {
    std::shared_lock lock(chain_mutex_);
    if (chain_.height() == 0) return std::nullopt;
    Block head;
    head.header = chain_.tip();
    head.signature = chain_.tip_signature();
    return head;
}

void Follower::run() {
    // What this follower saw before: its known tip, or its own ledger's tip,
    // whichever is higher. Its own blocks were verified when appended.
    const std::optional<Block> own = own_tip();
    if (own && (!known_ || own->header.height > known_->header.height)) known_ = own;
    if (known_ && own && known_->header.height <= own->header.height) {
        // Held in the ledger at that height: it must be the header remembered.
        std::optional<Block> held;
        {
            std::shared_lock lock(chain_mutex_);
            held = chain_.block_at(known_->header.height);
        }
        if (held && ledger::block_hash(held->header) != ledger::block_hash(known_->header)) {
            prove(Proof::Kind::equivocation, *known_, *held);
            return;
        }
    }
    log_.info("follow.started", {{"source", source_->url()},
                                 {"height", own ? own->header.height : 0},
                                 {"known_height", known_ ? known_->header.height : 0},
                                 {"poll_ms", poll_.count()}});
    for (;;) {
        if (stopping() || !poll()) return;
        std::unique_lock lock(mutex_);
        if (cv_.wait_for(lock, poll_, [&] { return stop_; })) return;
    }
}

void Follower::source_failed(const SourceError& e) {
    ++failures_;
    if (failures_ == 1 || failures_ % failures_logged_every == 0)
        log_.warn("follow.source_failed", {{"source", source_->url()}, {"error", e.message}, {"in_a_row", failures_}});
}

bool Follower::refuse(Fault f, std::string message) {
    log_.error("follow.stopped", {{"fault", fault_name(f)}, {"source", source_->url()}, {"reason", message}});
    if (hooks_.stopped) hooks_.stopped(Stop{f, std::move(message)});
    return false;
}

bool Follower::prove(Proof::Kind kind, const Block& remembered, const std::optional<Block>& served) {
    Proof p;
    p.kind = kind;
    p.source = source_->url();
    p.chain = chain_.id();
    p.producer = chain_.genesis().producer;
    p.remembered = remembered;
    p.served = served;
    p.found_ms = clock_.now_ms();
    std::string text = p.text();
    if (auto ok = write_proof(dir_, p); ok)
        text += "  The proof is kept in " + dir_.proof().string() + ".\n";
    else
        text += "  The proof could not be kept (" + ok.error() + "): keep these lines.\n";
    log_.error(kind == Proof::Kind::rollback ? "follow.rollback" : "follow.equivocation", p.json());
    return refuse(kind == Proof::Kind::rollback ? Fault::rollback : Fault::equivocation, std::move(text));
}

void Follower::remember(const Block& head) {
    if (known_ && head.header.height <= known_->header.height) return;
    known_ = head;
    // The ledger's own tip is evidence too (it is read at the next start),
    // so a failed write loses only headers above it.
    if (auto ok = write_known_tip(dir_, chain_.id(), head); !ok)
        log_.warn("follow.known_tip_unwritten", {{"error", ok.error()}});
}

Follower::Fetched Follower::fetch_head(std::uint64_t height, Block& out) {
    auto raw = source_->call("block.raw", json::object{{"height", height}});
    if (!raw) {
        source_failed(raw.error());
        return Fetched::retry;
    }
    const auto b64 = text_field(*raw, "block");
    auto bytes = b64 ? from_base64url(*b64) : std::nullopt;
    auto head = bytes && bytes->size() >= signed_header_bytes
                    ? decode_signed_header(ByteView(bytes->data(), signed_header_bytes))
                    : std::nullopt;
    if (!head || head->header.height != height || !producer_signed(*head, chain_.genesis().producer, chain_.id())) {
        refuse(Fault::block_refused, "block " + std::to_string(height) + " as the source " + source_->url() +
                                         " serves it is not a header the chain's producer signed");
        return Fetched::over;
    }
    out = std::move(*head);
    return Fetched::ok;
}

bool Follower::poll() {
    const ChainId& chain = chain_.id();
    const PublicKey& producer = chain_.genesis().producer;
    auto info = source_->call("node.info");
    if (!info) {
        source_failed(info.error());
        return true;
    }
    const auto chain_hex = text_field(*info, "chain_id");
    const auto height = count_field(*info, "height");
    const auto tip_hash = text_field(*info, "tip_hash");
    if (!chain_hex || !height || !tip_hash) {
        // Not a node's answer (a proxy's page, a half-started node): ask again.
        source_failed(
            SourceError{SourceError::Kind::answer, 0, "node.info at " + source_->url() + " names no chain and tip"});
        return true;
    }
    if (*chain_hex != to_hex(chain))
        return refuse(Fault::other_chain, "the source " + source_->url() + " serves chain " + *chain_hex + " (" +
                                              text_field(*info, "chain_name").value_or("?") + "), not chain " +
                                              to_hex(chain) + " (" + chain_.genesis().chain_name +
                                              ") that this follower holds");
    if (!genesis_checked_) {
        // Once a run: the genesis it serves is byte for byte this ledger's.
        auto answer = source_->call("chain.genesis");
        if (!answer) {
            source_failed(answer.error());
            return true;
        }
        auto g = genesis_from(*answer);
        if (!g) return refuse(Fault::other_chain, g.error());
        if (ledger::encode_genesis(*g) != ledger::encode_genesis(chain_.genesis()))
            return refuse(Fault::other_chain, "the source " + source_->url() + " serves another genesis");
        genesis_checked_ = true;
    }
    if (failures_ != 0) log_.info("follow.source_back", {{"source", source_->url()}, {"failed", failures_}});
    failures_ = 0;

    // The source's tip, as its producer signed it.
    std::optional<Block> tip;
    if (*height > 0) {
        const auto b64 = text_field(*info, "tip_header");
        auto raw = b64 ? from_base64url(*b64) : std::nullopt;
        tip = raw ? decode_signed_header(*raw) : std::nullopt;
        if (!tip || tip->header.height != *height || to_hex(ledger::block_hash(tip->header)) != *tip_hash ||
            !producer_signed(*tip, producer, chain))
            return refuse(Fault::block_refused, "the source " + source_->url() + " names a tip at height " +
                                                    std::to_string(*height) +
                                                    " whose header the chain's producer did not sign");
    }
    // Never below, and never beside, what the source served before.
    if (known_) {
        const std::uint64_t k = known_->header.height;
        if (*height < k) return prove(Proof::Kind::rollback, *known_, tip);
        if (*height == k && ledger::block_hash(tip->header) != ledger::block_hash(known_->header))
            return prove(Proof::Kind::equivocation, *known_, tip);
    }
    if (tip) remember(*tip);
    source_height_ = *height;
    return sync(*height);
}

bool Follower::sync(std::uint64_t height) {
    bool appended_any = false;
    for (;;) {
        std::uint64_t next = 0;
        Hash256 our_tip{};
        {
            std::shared_lock lock(chain_mutex_);
            next = chain_.height() + 1;
            our_tip = chain_.tip_hash();
        }
        if (next > height) break;
        if (stopping()) return true;
        auto raw = source_->call("block.raw", json::object{{"height", next}});
        if (!raw) {
            // Gone since node.info (2001) or unreachable: the next poll says which.
            source_failed(raw.error());
            return true;
        }
        const auto b64 = text_field(*raw, "block");
        auto bytes = b64 ? from_base64url(*b64) : std::nullopt;
        if (!bytes)
            return refuse(Fault::block_refused, "block " + std::to_string(next) + " as the source " + source_->url() +
                                                    " serves it is not base64url");
        // The records it names, paired with the block's ids (the verifier
        // checks each against its id and place).
        auto block = ledger::decode_block(*bytes);
        std::unordered_map<Hash256, Bytes, ledger::Hash256Hasher> records;
        if (const json::value* txs = field(*raw, "txs"); block && txs && txs->is_array())
            for (std::size_t i = 0; i < txs->as_array().size() && i < block->tx_ids.size(); ++i)
                if (const json::value& t = txs->as_array()[i]; t.is_string())
                    if (auto rec = from_base64url(t.get_string())) records.emplace(block->tx_ids[i], std::move(*rec));
        const ledger::FetchTx fetch = [&](std::span<const Hash256> ids) {
            std::vector<std::optional<Bytes>> found;
            found.reserve(ids.size());
            for (const Hash256& id : ids) {
                auto it = records.find(id);
                found.push_back(it == records.end() ? std::nullopt : std::optional<Bytes>(it->second));
            }
            return found;
        };
        // An unsigned or undecodable block is the verifier's to name.
        if (block && producer_signed(*block, chain_.genesis().producer, chain_.id()))
            switch (check_history(*block, our_tip)) {
                case Fetched::ok: break;
                case Fetched::retry: return true;
                case Fetched::over: return false;
            }
        switch (append(next, *bytes, fetch)) {
            case Appended::ok: appended_any = true; continue;
            case Appended::retry: return true;
            case Appended::over: return false;
        }
    }
    if (appended_any) {
        std::shared_lock lock(chain_mutex_);
        log_.info("follow.synced", {{"height", chain_.height()}, {"tip", short_hash(chain_.tip_hash())}});
    }
    return true;
}

Follower::Fetched Follower::check_history(const Block& block, const Hash256& our_tip) {
    const std::uint64_t next = block.header.height;
    // A signed block that does not extend this ledger: the source holds
    // another block at a height held here (the proof), or this one is invalid
    // (the verifier's refusal, after this).
    if (block.header.prev != our_tip && next > 1) {
        Block theirs;
        if (const Fetched f = fetch_head(next - 1, theirs); f != Fetched::ok) return f;
        if (ledger::block_hash(theirs.header) != our_tip) {
            std::optional<Block> ours;
            {
                std::shared_lock lock(chain_mutex_);
                ours = chain_.block_at(next - 1);
            }
            if (ours) {
                prove(Proof::Kind::equivocation, *ours, theirs);
                return Fetched::over;
            }
        }
    }
    // Another block at the height of the header remembered.
    if (known_ && next == known_->header.height &&
        ledger::block_hash(block.header) != ledger::block_hash(known_->header)) {
        prove(Proof::Kind::equivocation, *known_, block);
        return Fetched::over;
    }
    return Fetched::ok;
}

Follower::Appended Follower::append(std::uint64_t height, const Bytes& block_bytes, const ledger::FetchTx& fetch) {
    std::expected<ledger::Appended, ledger::AppendFailure> a;
    {
        std::unique_lock lock(chain_mutex_);
        a = chain_.append_block(block_bytes, fetch);
        if (!a && !a.error().refusal && !chain_.store().damage()) {
            // The store refused the write (a full or read-only disk): memory
            // follows what the disk holds, and the next poll tries again.
            log_.error("follow.write_failed", {{"height", height}, {"error", a.error().message}});
            if (auto ok = chain_.reopen(); !ok) log_.warn("follow.reopen_failed", {{"error", ok.error()}});
            return Appended::retry;
        }
    }
    if (!a && a.error().refusal) {
        const ledger::BlockRefusal& r = *a.error().refusal;
        log_.error("follow.block_refused",
                   {{"height", r.height}, {"fault", ledger::block_fault_name(r.fault)}, {"reason", r.reason}});
        refuse(Fault::block_refused, "the source " + source_->url() + " served a block that fails verification: " +
                                         r.reason);
        return Appended::over;
    }
    if (!a) {
        log_.error("follow.stopped", {{"reason", "the ledger is damaged: " + a.error().message}});
        if (hooks_.damaged) hooks_.damaged(*chain_.store().damage());
        return Appended::over;
    }
    log_.debug("follow.block", {{"height", height}, {"txs", a->block.tx_ids.size()}, {"hash", short_hash(a->hash)}});
    if (hooks_.appended) hooks_.appended(*a);
    return Appended::ok;
}

}  // namespace kopilka::node::follow
