// The node as a read-only follower (`kopilkad follow <url>`, node/follow/):
// its load, which needs no key, passphrase, phone secret or cookie, and what
// it does with each block the follower appends.
#include "node/node.h"

#include "node/follow/source.h"

#include <fstream>

namespace kopilka::node {

using namespace kopilka::ledger;

namespace {
std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}
}  // namespace

std::expected<void, std::string> Node::load_follower(OpenFailure* why) {
    const follow::FollowDir fdir{dir_.follow()};
    std::error_code ec;
    // A proof is evidence: a follower that found one does not go on over it
    // (nor write a second proof beside it) until its operator moves it away.
    if (std::filesystem::exists(fdir.proof(), ec)) {
        *why = OpenFailure::proof_kept;
        return std::unexpected("this follower found its source rolling back or equivocating before; the proof is "
                               "in " + fdir.proof().string() + ". Keep it; move it away to follow again.\n" +
                               read_all(fdir.proof()));
    }
    // Never on a node's own data dir: a follower holds no key, and a ledger
    // it did not fill by appending verified blocks is not a follower's copy.
    for (const auto& p : {dir_.keys(), dir_.phone_secret()})
        if (std::filesystem::exists(p, ec))
            return std::unexpected(dir_.root.string() + " holds a node's own secrets (" + p.string() +
                                   "): a follower needs none; give it a data dir of its own");
    const bool have_ledger = std::filesystem::exists(dir_.ledger(), ec);
    if (have_ledger && !std::filesystem::is_directory(fdir.root, ec))
        return std::unexpected(dir_.ledger().string() + " is a ledger this follower did not make (there is no " +
                               fdir.root.string() + "); give the follower a data dir of its own");
    auto source = follow::Source::open(config_.follow_url);
    if (!source) return std::unexpected(source.error());
    if (!have_ledger) {
        // The first start: the ledger begins with the source's genesis, whose
        // hash is the chain id every later block is checked under.
        auto genesis = follow::fetch_genesis(**source);
        if (!genesis) return std::unexpected("cannot start following " + config_.follow_url + ": " + genesis.error());
        std::filesystem::create_directories(fdir.root, ec);  // first: it marks the dir a follower's
        if (ec) return std::unexpected("cannot make " + fdir.root.string() + ": " + ec.message());
        auto made = Chain::create(dir_.ledger(), *genesis);
        if (!made) return std::unexpected(made.error());
        log_.info("follow.ledger_created", {{"source", config_.follow_url},
                                            {"chain", genesis->chain_name},
                                            {"chain_id", to_hex((*made)->id())}});
    }
    // Then as any node: the startup check of what it holds, resumed from there.
    if (auto ok = open_chain(why); !ok) return ok;
    auto known = follow::read_known_tip(fdir, chain_->id(), chain_->genesis().producer);
    if (!known) return std::unexpected(known.error());
    // GET /media answers from an empty store (the source's uploads are not
    // copied); POST /media is refused (node_media.cpp).
    auto media = MediaStore::open(dir_.media(), config_.media, clock_, log_, [this] { return referenced_media(); });
    if (!media) return std::unexpected(media.error());
    media_ = std::move(*media);

    follow::Follower::Hooks hooks;
    hooks.appended = [this](const Appended& a) { followed(a); };
    hooks.stopped = [this](const follow::Stop& s) {
        {
            std::lock_guard lock(follow_mutex_);
            follow_stop_ = s;
        }
        request_stop();
    };
    hooks.damaged = [this](const StoreDamage& d) { set_damaged(d); };
    follower_ = std::make_unique<follow::Follower>(std::move(*source), fdir, std::move(*known), *chain_, chain_mutex_,
                                                   log_, clock_, std::chrono::milliseconds(config_.follow_poll_ms),
                                                   std::move(hooks));
    // No admin token and no .cookie: a follower refuses every admin method.
    return finish_load();
}

std::optional<follow::Stop> Node::follow_stop() {
    std::lock_guard lock(follow_mutex_);
    return follow_stop_;
}

void Node::followed(const Appended& a) {
    metrics_.height = a.block.header.height;
    ++metrics_.blocks;
    metrics_.tx_committed += a.txs.size();
    publish(a.block, a.outcomes, a.txs);
}

}  // namespace kopilka::node
