#include "node/log.h"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>

namespace kopilka::node {

void Log::write(LogLevel level, std::string_view event, boost::json::object fields) {
    if (level < min_) return;
    static constexpr std::string_view names[] = {"debug", "info", "warn", "error"};
    boost::json::object line;
    line["ts_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    line["level"] = names[static_cast<int>(level)];
    line["event"] = event;
    for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
    std::string text = boost::json::serialize(line);
    text += '\n';
    std::lock_guard lock(mutex_);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace kopilka::node
