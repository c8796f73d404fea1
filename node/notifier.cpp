#include "node/notifier.h"

#include "crypto/bytes.h"

#include <boost/json.hpp>

#include <sys/stat.h>

namespace kopilka::node {

std::string mask_phone(std::string_view e164) {
    std::string s(e164);
    if (s.size() > 7)
        for (std::size_t i = 5; i + 2 < s.size(); ++i) s[i] = '*';
    return s;
}

std::string phone_link(std::string_view base_url, const Hash256& ref) {
    return std::string(base_url) + "/c/" + to_hex(ref);
}

namespace {
std::string redact(std::string text, std::string_view secret) {
    if (secret.empty()) return text;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos))
        text.replace(pos, secret.size(), "[code]");
    return text;
}
}  // namespace

OutboxNotifier::OutboxNotifier(std::filesystem::path file, Log& log) : log_(log), file_(std::move(file)) {
    // The outbox holds phone numbers and codes: readable by the node's user only.
    std::ifstream in(file_);
    std::string line;
    while (std::getline(in, line)) {
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        if (ec || !v.is_object()) continue;  // a torn last line after a crash
        const auto& o = v.as_object();
        Message m;
        if (auto* p = o.if_contains("phone"); p && p->is_string()) m.phone = p->as_string();
        if (auto* p = o.if_contains("text"); p && p->is_string()) m.text = p->as_string();
        if (auto* p = o.if_contains("link"); p && p->is_string()) m.link = p->as_string();
        if (auto* p = o.if_contains("time_ms"); p && p->is_uint64()) m.time_ms = p->as_uint64();
        if (auto* p = o.if_contains("time_ms"); p && p->is_int64()) m.time_ms = static_cast<std::uint64_t>(p->as_int64());
        messages_.push_back(std::move(m));
        if (messages_.size() > outbox_messages_max) messages_.pop_front();
    }
    in.close();
    out_.open(file_, std::ios::app);
    ::chmod(file_.c_str(), 0600);
}

void OutboxNotifier::send(const Message& m, std::string_view secret) {
    boost::json::object line{{"phone", m.phone}, {"text", m.text}, {"link", m.link}, {"time_ms", m.time_ms}};
    {
        std::lock_guard lock(mutex_);
        out_ << boost::json::serialize(line) << '\n';
        out_.flush();
        messages_.push_back(m);
        if (messages_.size() > outbox_messages_max) messages_.pop_front();
    }
    log_.info("message.outbox", {{"phone", mask_phone(m.phone)}, {"text", redact(m.text, secret)},
                                 {"link", redact(m.link, secret)}});
}

std::vector<Message> OutboxNotifier::recent(std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<Message> out;
    for (auto it = messages_.rbegin(); it != messages_.rend() && out.size() < limit; ++it) out.push_back(*it);
    return out;
}

}  // namespace kopilka::node
