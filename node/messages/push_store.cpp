#include "node/messages/push_store.h"

#include "node/messages/json_record.h"
#include "node/messages/webpush.h"

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace kopilka::node {

namespace json = boost::json;

namespace {

constexpr std::int64_t push_record_version = 1;

std::string line_of(const ledger::PhoneRef& phone, const PushSubscriptions::Entry* e, std::uint64_t time_ms,
                    std::uint64_t signed_ms) {
    json::object o{{"v", push_record_version}, {"phone", to_hex(phone)}, {"time_ms", time_ms}, {"signed_ms", signed_ms}};
    if (e) {
        o["endpoint"] = e->endpoint;
        o["p256dh"] = e->p256dh;
        o["auth"] = e->auth;
    }
    return json::serialize(o) + '\n';
}

struct Line {
    ledger::PhoneRef phone{};
    std::optional<PushSubscriptions::Entry> entry;
    std::uint64_t signed_ms = 0;
};

std::optional<Line> decode_line(std::string_view text) {
    boost::system::error_code ec;
    const json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::object& o = v.as_object();
    const auto ver = u64_of(o, "v");
    const auto phone = str_of(o, "phone");
    const auto time = u64_of(o, "time_ms");
    const auto signed_ms = u64_of(o, "signed_ms");
    if (!ver || *ver != push_record_version || !phone || !time || !signed_ms) return std::nullopt;
    auto raw = from_hex(*phone);
    Line l;
    if (!raw || raw->size() != l.phone.size()) return std::nullopt;
    std::copy(raw->begin(), raw->end(), l.phone.begin());
    l.signed_ms = *signed_ms;
    if (o.contains("endpoint")) {
        auto endpoint = str_of(o, "endpoint"), p256dh = str_of(o, "p256dh"), auth = str_of(o, "auth");
        if (!endpoint || !p256dh || !auth) return std::nullopt;
        l.entry = PushSubscriptions::Entry{std::move(*endpoint), std::move(*p256dh), std::move(*auth), *time, *signed_ms};
    }
    return l;
}

void put_u64(Bytes& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

}  // namespace

std::optional<Bytes> push_request_bytes(const ledger::PhoneRef& phone, const std::optional<PushKeys>& subscription,
                                        std::uint64_t time_ms) {
    static_assert(push_endpoint_chars_max <= 0xffff, "the length is two bytes");
    Bytes out;
    put_u64(out, time_ms);
    out.insert(out.end(), phone.begin(), phone.end());
    if (!subscription) {
        out.push_back(0);
        out.push_back(0);
        return out;
    }
    const PushKeys& s = *subscription;
    if (s.endpoint.empty() || s.endpoint.size() > push_endpoint_chars_max || s.p256dh.size() != push_public_key_bytes ||
        s.auth.size() != push_auth_secret_bytes)
        return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(s.endpoint.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(s.endpoint.size()));
    out.insert(out.end(), s.endpoint.begin(), s.endpoint.end());
    out.insert(out.end(), s.p256dh.begin(), s.p256dh.end());
    out.insert(out.end(), s.auth.begin(), s.auth.end());
    return out;
}

PushSubscriptions::PushSubscriptions(std::filesystem::path file) : file_(std::move(file)) {
    std::size_t lines = 0, undecodable = 0;
    {
        std::ifstream in(file_);
        std::string text;
        while (std::getline(in, text)) {
            ++lines;
            auto l = decode_line(text);
            if (!l) {
                ++undecodable;  // a line torn by a crash mid-append, or damage
                continue;
            }
            last_signed_[l->phone] = std::max(last_signed_[l->phone], l->signed_ms);
            if (l->entry)
                entries_.insert_or_assign(l->phone, std::move(*l->entry));
            else
                entries_.erase(l->phone);
        }
    }
    std::filesystem::create_directories(file_.parent_path());
    // Rewritten whole when it grew well past what it says, or holds a torn
    // line (an append after it would join it): through a temporary and a
    // rename, so a crash leaves the old journal or the new, never half.
    if (undecodable > 0 || lines > push_journal_growth_max * last_signed_.size() + push_journal_slack_lines) {
        std::string text;
        for (const auto& [phone, signed_ms] : last_signed_) {
            auto it = entries_.find(phone);
            text += it != entries_.end() ? line_of(phone, &it->second, it->second.time_ms, it->second.signed_ms)
                                         : line_of(phone, nullptr, signed_ms, signed_ms);
        }
        const std::string tmp = file_.string() + ".tmp";
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                        ::fsync(fd) == 0;
        if (fd >= 0) ::close(fd);
        std::error_code ec;
        if (ok) std::filesystem::rename(tmp, file_, ec);
        if (!ok || ec) throw std::runtime_error("cannot rewrite " + file_.string());
    }
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error("cannot open " + file_.string() + " to append");
    ::fchmod(fd_, 0600);
}

PushSubscriptions::~PushSubscriptions() {
    if (fd_ >= 0) ::close(fd_);
}

bool PushSubscriptions::append(const std::string& line) {
    return ::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fdatasync(fd_) == 0;
}

std::optional<PushSubscriptions::Entry> PushSubscriptions::of(const ledger::PhoneRef& phone) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(phone);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
}

std::expected<void, PushSubscriptions::Refused> PushSubscriptions::set(const ledger::PhoneRef& phone,
                                                                       std::optional<Entry> entry,
                                                                       std::uint64_t signed_ms, std::uint64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto last = last_signed_.find(phone);
    if (last != last_signed_.end() && signed_ms <= last->second)
        return std::unexpected(Refused{Refusal::stale,
                                       "this request was signed at or before the phone's last push choice; sign it "
                                       "again with the current time"});
    if (entry && !entries_.contains(phone) && entries_.size() >= push_subscriptions_max)
        return std::unexpected(Refused{Refusal::full, "this node keeps no more push subscriptions; messages come by SMS"});
    if (entry) {
        entry->time_ms = now_ms;
        entry->signed_ms = signed_ms;
    }
    if (!append(line_of(phone, entry ? &*entry : nullptr, now_ms, signed_ms)))
        return std::unexpected(Refused{Refusal::not_written, "the choice could not be written; try again"});
    last_signed_[phone] = signed_ms;
    if (entry)
        entries_.insert_or_assign(phone, std::move(*entry));
    else
        entries_.erase(phone);
    return {};
}

void PushSubscriptions::forget(const ledger::PhoneRef& phone, std::string_view endpoint, std::uint64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(phone);
    if (it == entries_.end() || it->second.endpoint != endpoint) return;
    // Best effort: if the line is lost, the next message finds it gone again.
    const std::uint64_t signed_ms = last_signed_[phone];
    append(line_of(phone, nullptr, now_ms, signed_ms));
    entries_.erase(it);
}

std::size_t PushSubscriptions::count_if(const std::function<bool(const ledger::PhoneRef&)>& pred) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [phone, _] : entries_) n += pred(phone) ? 1 : 0;
    return n;
}

std::size_t PushSubscriptions::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace kopilka::node
