// The node's side of media (media.h): which files the state references, and
// POST /media run off the I/O threads.
#include "node/node.h"

#include <boost/json/serialize.hpp>

namespace kopilka::node {

std::unordered_set<std::string> Node::referenced_media() const {
    std::unordered_set<std::string> names;
    std::shared_lock lock(chain_mutex_);
    const ledger::State& s = chain_->state();
    auto add = [&](std::string_view url) {
        if (auto name = media_name_in_url(url); !name.empty()) names.insert(std::move(name));
    };
    for (const auto& ticker : s.tickers()) {
        add(s.venue(ticker)->profile.logo_url);
        for (const auto& p : s.products(ticker)) add(p.image_url);
    }
    return names;
}

void Node::media_put(std::string body, std::string content_type, CallContext ctx,
                     std::function<void(MediaReply)> done) {
    if (following()) {
        // A follower holds no one's uploads: a logo belongs with the venue's
        // own node, where the transaction naming it is submitted too.
        MediaReply r;
        r.status = 403;
        r.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
        r.body = boost::json::serialize(boost::json::object{
            {"error", boost::json::object{{"code", "follower"},
                                          {"message", "this node is a read-only follower of " + config_.follow_url +
                                                          " (kopilkad follow): upload images to the node it follows"},
                                          {"source", config_.follow_url}}}});
        return done(std::move(r));
    }
    // An upload writes and fsyncs: on the read pool, under its gate and its
    // queue bound like a heavy read, never on an I/O thread.
    offload(
        [this, body = std::move(body), content_type = std::move(content_type), ip = std::move(ctx.client_ip)] {
            try {
                return media_->put(body, content_type, ip);
            } catch (const std::exception& e) {
                log_.error("media.put_failed", {{"error", e.what()}});
                return MediaReply{500, {{"Content-Type", "application/json"}},
                                  R"({"error":{"code":"store_failed","message":"internal error"}})"};
            }
        },
        std::move(done));
}

MediaReply Node::media_get(std::string_view path, bool head, std::string_view if_none_match) {
    return media_->get(path, head, if_none_match);
}

}  // namespace kopilka::node
