// JSON-lines logging: one object per line on stderr, so an operator can grep
// it and a collector can parse it. Fields are values, never secrets: callers
// pass only what is safe to keep (no keys, passphrases, codes or tokens).
#pragma once

#include <boost/json/object.hpp>

#include <mutex>
#include <string_view>

namespace kopilka::node {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

class Log {
public:
    explicit Log(LogLevel min = LogLevel::info) : min_(min) {}
    void set_level(LogLevel l) { min_ = l; }
    void write(LogLevel level, std::string_view event, boost::json::object fields = {});
    void debug(std::string_view e, boost::json::object f = {}) { write(LogLevel::debug, e, std::move(f)); }
    void info(std::string_view e, boost::json::object f = {}) { write(LogLevel::info, e, std::move(f)); }
    void warn(std::string_view e, boost::json::object f = {}) { write(LogLevel::warn, e, std::move(f)); }
    void error(std::string_view e, boost::json::object f = {}) { write(LogLevel::error, e, std::move(f)); }

private:
    LogLevel min_;
    std::mutex mutex_;
};

}  // namespace kopilka::node
