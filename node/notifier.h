// Outgoing messages to clients' phones, behind one interface. Real SMS
// adapters come later; the default keeps an outbox (in memory, appended to a
// private file in the data dir) that an admin can list, and logs each message
// with its claim code redacted.
#pragma once

#include "crypto/hash.h"
#include "node/log.h"

#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

namespace kopilka::node {

struct Message {
    std::string phone;  // E.164
    std::string text;
    std::string link;
    std::uint64_t time_ms = 0;
};

class Notifier {
public:
    virtual ~Notifier() = default;
    // `secret` is a substring of text/link (a claim code) that must never be logged.
    virtual void send(const Message& m, std::string_view secret) = 0;
};

class OutboxNotifier final : public Notifier {
public:
    static constexpr std::size_t outbox_messages_max = 10'000;  // kept in memory; older ones stay in the file
    OutboxNotifier(std::filesystem::path file, Log& log);
    void send(const Message& m, std::string_view secret) override;
    std::vector<Message> recent(std::size_t limit) const;  // newest first

private:
    Log& log_;
    std::filesystem::path file_;
    mutable std::mutex mutex_;
    std::deque<Message> messages_;
    std::ofstream out_;
};

// The page of a phone reference, the link in every message to that phone:
// "<base>/c/<ref hex>". It never carries a claim code: a link is forwarded,
// logged by proxies and kept in browser history; the page asks for a code
// (phone.claim.request) when the person opens it to claim.
std::string phone_link(std::string_view base_url, const Hash256& ref);

// "+79000000001" -> "+7900*****01": enough for an operator to tell messages apart.
std::string mask_phone(std::string_view e164);

}  // namespace kopilka::node
