#include "node/phones.h"

#include "crypto/bytes.h"

#include <sodium.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

namespace kopilka::node {

namespace {
constexpr std::uint64_t minute_ms = 60'000;
constexpr std::uint64_t hour_ms = 60 * minute_ms;

// Live claim codes are kept in private/codes, next to the phone book, so a
// link sent by SMS keeps working across a restart (an upgrade, a reboot):
// one "<ref hex> <code> <expiry_ms> <attempts>" line per live code, the
// whole file rewritten (to a temporary, then renamed) on every change. Codes
// change at the pace of people typing them, so the rewrite costs nothing.
std::filesystem::path codes_file(const std::filesystem::path& book_file) {
    return book_file.parent_path() / "codes";
}

template <class Codes>
void save_codes(const std::filesystem::path& book_file, const Codes& codes, std::uint64_t now_ms) {
    const auto path = codes_file(book_file);
    const auto tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;  // best effort: the codes still work until a restart
    std::string text;
    for (const auto& [ref, code] : codes)
        if (code.expiry_ms > now_ms)
            text += to_hex(ref) + ' ' + code.text + ' ' + std::to_string(code.expiry_ms) + ' ' +
                    std::to_string(code.attempts) + '\n';
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    std::error_code ec;  // never throw: this runs on the block producer too
    if (ok) std::filesystem::rename(tmp, path, ec);
}
}  // namespace

PhoneService::PhoneService(std::filesystem::path book_file, Hash256 secret, std::string default_country,
                           PhoneLimits limits, const Clock& clock)
    : book_file_(std::move(book_file)),
      secret_(secret),
      default_country_(std::move(default_country)),
      limits_(limits),
      clock_(clock) {
    // The book: one "<ref hex> <e164>" line per number ever resolved here.
    std::ifstream in(book_file_);
    std::string hex, e164;
    while (in >> hex >> e164) {
        auto raw = from_hex(hex);
        if (!raw || raw->size() != hash_bytes) continue;  // a torn line after a crash
        ledger::PhoneRef ref;
        std::copy(raw->begin(), raw->end(), ref.begin());
        if (ledger::phone_reference(e164, secret_) == ref) book_[ref] = e164;
    }
    in.close();
    book_out_.open(book_file_, std::ios::app);
    ::chmod(book_file_.c_str(), 0600);

    std::ifstream codes_in(codes_file(book_file_));
    const std::uint64_t now = clock_.now_ms();
    for (std::string line; std::getline(codes_in, line);) {
        std::istringstream fields(line);
        std::string ref_hex, text;
        std::uint64_t expiry_ms = 0;
        std::uint32_t attempts = 0;
        if (!(fields >> ref_hex >> text >> expiry_ms >> attempts) || expiry_ms <= now) continue;
        auto raw = from_hex(ref_hex);
        if (!raw || raw->size() != hash_bytes || text.size() != claim_code_digits) continue;
        ledger::PhoneRef ref;
        std::copy(raw->begin(), raw->end(), ref.begin());
        codes_[ref] = Code{text, expiry_ms, attempts};
    }
}

bool PhoneService::take(std::unordered_map<std::string, Window>& buckets, const std::string& key, std::uint32_t max,
                        std::uint64_t window_ms) {
    const std::uint64_t now = clock_.now_ms();
    if (buckets.size() >= rate_buckets_max && !buckets.contains(key)) {
        // Drop expired windows; if all are live, refuse rather than grow.
        std::erase_if(buckets, [&](const auto& kv) { return now - kv.second.start_ms >= window_ms; });
        if (buckets.size() >= rate_buckets_max) return false;
    }
    Window& w = buckets[key];
    if (now - w.start_ms >= window_ms) w = Window{now, 0};
    if (w.count >= max) return false;
    ++w.count;
    return true;
}

std::expected<PhoneService::Resolved, PhoneFailure> PhoneService::resolve(std::string_view input,
                                                                          std::string_view client_ip) {
    auto e164 = ledger::normalize_phone(input, default_country_);
    if (!e164) return std::unexpected(PhoneFailure{PhoneError::invalid, e164.error()});
    std::lock_guard lock(mutex_);
    if (!client_ip.empty() && !take(lookups_by_ip_, std::string(client_ip), limits_.lookups_per_minute, minute_ms))
        return std::unexpected(PhoneFailure{PhoneError::rate_limited,
                                            "too many phone lookups from this address; wait a minute"});
    Resolved r{*e164, ledger::phone_reference(*e164, secret_)};
    if (book_.emplace(r.ref, r.e164).second) {
        book_out_ << to_hex(r.ref) << ' ' << r.e164 << '\n';
        book_out_.flush();
    }
    return r;
}

std::optional<std::string> PhoneService::number_of(const ledger::PhoneRef& ref) const {
    std::lock_guard lock(mutex_);
    auto it = book_.find(ref);
    if (it == book_.end()) return std::nullopt;
    return it->second;
}

std::string PhoneService::new_code(const ledger::PhoneRef& ref) {
    std::string text;
    for (std::size_t i = 0; i < claim_code_digits; ++i) {
        ensure_sodium();
        text += static_cast<char>('0' + randombytes_uniform(10));
    }
    codes_[ref] = Code{text, clock_.now_ms() + std::uint64_t{limits_.code_ttl_s} * 1000, 0};
    save_codes(book_file_, codes_, clock_.now_ms());
    return text;
}

std::expected<std::string, PhoneFailure> PhoneService::request_code(const ledger::PhoneRef& ref,
                                                                    std::string_view client_ip) {
    std::lock_guard lock(mutex_);
    if (!take(codes_by_ip_, std::string(client_ip), limits_.codes_per_ip_per_hour, hour_ms))
        return std::unexpected(
            PhoneFailure{PhoneError::rate_limited, "too many codes asked from this address; try again in an hour"});
    if (!take(codes_by_phone_, to_hex(ref), limits_.codes_per_phone_per_hour, hour_ms))
        return std::unexpected(
            PhoneFailure{PhoneError::rate_limited, "too many codes sent to this phone; try again in an hour"});
    return new_code(ref);
}

std::string PhoneService::link_code(const ledger::PhoneRef& ref) {
    std::lock_guard lock(mutex_);
    auto it = codes_.find(ref);
    if (it != codes_.end() && it->second.expiry_ms > clock_.now_ms()) return it->second.text;
    return new_code(ref);
}

std::expected<void, PhoneFailure> PhoneService::consume_code(const ledger::PhoneRef& ref, std::string_view code) {
    std::lock_guard lock(mutex_);
    auto it = codes_.find(ref);
    if (it == codes_.end())
        return std::unexpected(PhoneFailure{PhoneError::code_invalid, "no code is waiting for this phone; ask for one"});
    Code& c = it->second;
    if (c.expiry_ms <= clock_.now_ms()) {
        codes_.erase(it);
        save_codes(book_file_, codes_, clock_.now_ms());
        return std::unexpected(PhoneFailure{PhoneError::code_invalid, "the code has expired; ask for a new one"});
    }
    if (!equal_constant_time(as_bytes(code), as_bytes(c.text))) {
        // Saved before answering, so a restart cannot reset the count of wrong tries.
        if (++c.attempts >= limits_.code_attempts_max) {
            codes_.erase(it);
            save_codes(book_file_, codes_, clock_.now_ms());
            return std::unexpected(
                PhoneFailure{PhoneError::code_invalid, "the code is wrong and has now been cancelled; ask for a new one"});
        }
        save_codes(book_file_, codes_, clock_.now_ms());
        return std::unexpected(PhoneFailure{PhoneError::code_invalid, "the code is wrong"});
    }
    codes_.erase(it);  // single use
    save_codes(book_file_, codes_, clock_.now_ms());
    return {};
}

}  // namespace kopilka::node
