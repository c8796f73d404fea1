#include "node/phones.h"

#include "crypto/bytes.h"

#include <sodium.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <vector>

namespace kopilka::node {

namespace {
constexpr std::uint64_t minute_ms = 60'000;
constexpr std::uint64_t hour_ms = 60 * minute_ms;
constexpr std::uint64_t day_ms = 24 * hour_ms;

// Live claim codes and the per-phone and node-wide budgets are kept in
// private/codes, next to the phone book, so a restart (an upgrade, a reboot)
// neither kills a code sent by SMS nor gives a guesser fresh budgets:
//     code <ref hex> <code> <expiry_ms>
//     window <bucket> <key> <start_ms> <count>
// The whole file is rewritten (to a temporary, then renamed) on every
// change. Codes and guesses change at the pace of the limits above, so the
// rewrite costs nothing.
std::filesystem::path codes_file(const std::filesystem::path& book_file) {
    return book_file.parent_path() / "codes";
}

// Writes `text` to `path` through a temporary and a rename; best effort.
bool replace_private_file(const std::filesystem::path& path, const std::string& text) {
    const auto tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    std::error_code ec;  // never throw: this runs on the block producer too
    if (ok) std::filesystem::rename(tmp, path, ec);
    return ok && !ec;
}

std::optional<ledger::PhoneRef> ref_of_hex(const std::string& hex) {
    auto raw = from_hex(hex);
    if (!raw || raw->size() != hash_bytes) return std::nullopt;
    ledger::PhoneRef ref;
    std::copy(raw->begin(), raw->end(), ref.begin());
    return ref;
}

const PhoneFailure code_refused{PhoneError::code_invalid,
                                "the code is not right for this phone, or it has expired; check the newest message, "
                                "or ask for a code again"};
}  // namespace

PhoneService::PhoneService(std::filesystem::path book_file, Hash256 secret, std::string default_country,
                           PhoneLimits limits, const Clock& clock, Holds holds)
    : book_file_(std::move(book_file)),
      secret_(secret),
      default_country_(std::move(default_country)),
      limits_(limits),
      clock_(clock),
      holds_(std::move(holds)) {
    // The book: one "<ref hex> <e164>" line per number kept.
    std::ifstream in(book_file_);
    std::string hex, e164;
    while (in >> hex >> e164) {
        auto ref = ref_of_hex(hex);
        if (!ref) continue;  // a torn line after a crash
        if (ledger::phone_reference(e164, secret_) == *ref) book_[*ref] = e164;
    }
    in.close();

    std::ifstream codes_in(codes_file(book_file_));
    const std::uint64_t now = clock_.now_ms();
    std::map<std::string, Buckets*> persisted{{"codes_phone_hour", &codes_by_phone_hour_},
                                              {"codes_phone_day", &codes_by_phone_day_},
                                              {"guesses_phone", &guesses_by_phone_},
                                              {"guesses_total", &guesses_total_}};
    for (std::string line; std::getline(codes_in, line);) {
        std::istringstream fields(line);
        std::string kind;
        fields >> kind;
        if (kind == "code") {
            std::string ref_hex, text, number;
            std::uint64_t expiry_ms = 0;
            if (!(fields >> ref_hex >> text >> expiry_ms) || expiry_ms <= now) continue;
            fields >> number;  // the number the code goes to (absent in a file from before the outbox)
            auto ref = ref_of_hex(ref_hex);
            if (!ref || text.size() != claim_code_digits) continue;
            if (!number.empty() && ledger::phone_reference(number, secret_) != *ref) number.clear();
            codes_[*ref] = Code{text, expiry_ms, number};
        } else if (kind == "window") {
            std::string bucket, key;
            Window w;
            if (!(fields >> bucket >> key >> w.start_ms >> w.count)) continue;
            auto it = persisted.find(bucket);
            if (it != persisted.end() && it->second->size() < rate_buckets_max) (*it->second)[key] = w;
        }
    }
}

std::expected<PhoneService::Resolved, PhoneFailure> PhoneService::resolve(std::string_view input) const {
    auto e164 = ledger::normalize_phone(input, default_country_);
    if (!e164) return std::unexpected(PhoneFailure{PhoneError::invalid, e164.error()});
    return Resolved{*e164, ledger::phone_reference(*e164, secret_)};
}

bool PhoneService::room(Buckets& buckets, const std::string& key, std::uint32_t max, std::uint64_t window_ms) {
    const std::uint64_t now = clock_.now_ms();
    auto it = buckets.find(key);
    if (it == buckets.end()) {
        if (buckets.size() >= rate_buckets_max) {
            // Drop expired windows; if all are live, refuse rather than grow
            // (or forget a budget a guesser has spent).
            std::erase_if(buckets, [&](const auto& kv) { return now - kv.second.start_ms >= window_ms; });
            if (buckets.size() >= rate_buckets_max) return false;
        }
        return max > 0;
    }
    if (now - it->second.start_ms >= window_ms) return max > 0;
    return it->second.count < max;
}

void PhoneService::add(Buckets& buckets, const std::string& key, std::uint64_t window_ms) {
    // Called only after room() said yes, so the bucket has room for the key.
    const std::uint64_t now = clock_.now_ms();
    Window& w = buckets[key];
    if (now - w.start_ms >= window_ms) w = Window{now, 0};
    ++w.count;
}

bool PhoneService::take(Buckets& buckets, const std::string& key, std::uint32_t max, std::uint64_t window_ms) {
    if (!room(buckets, key, max, window_ms)) return false;
    add(buckets, key, window_ms);
    return true;
}

std::expected<void, PhoneFailure> PhoneService::admit_lookup(const Hash256& request_digest,
                                                             std::uint64_t request_time_ms,
                                                             std::string_view client_ip, const PublicKey& key,
                                                             LookupSigner signer) {
    const std::uint64_t now = clock_.now_ms();
    const std::uint64_t skew = request_time_ms > now ? request_time_ms - now : now - request_time_ms;
    if (skew > lookup_request_window_ms)
        return std::unexpected(PhoneFailure{
            PhoneError::unauthorized, "the lookup's time_ms is more than " +
                                          std::to_string(lookup_request_window_ms / 1000) +
                                          " s from the node's clock; sign it again with the current time"});
    std::lock_guard lock(mutex_);
    std::erase_if(seen_requests_, [&](const auto& kv) { return kv.second <= now; });
    if (seen_requests_.contains(request_digest))
        return std::unexpected(
            PhoneFailure{PhoneError::unauthorized, "this signed lookup was used already; sign a new one"});
    if (seen_requests_.size() >= lookup_requests_remembered_max)
        return std::unexpected(PhoneFailure{PhoneError::rate_limited, "too many phone lookups now; wait a minute"});
    if (!client_ip.empty() && !take(lookups_by_ip_, std::string(client_ip), limits_.lookups_per_minute, minute_ms))
        return std::unexpected(PhoneFailure{PhoneError::rate_limited,
                                            "too many phone lookups from this address; wait a minute"});
    const std::string key_hex = to_hex(key.view());
    const bool staff = signer == LookupSigner::staff;
    if (!take(lookups_by_key_, key_hex, staff ? limits_.lookups_per_staff_key_per_hour : limits_.lookups_per_client_key_per_day,
              staff ? hour_ms : day_ms))
        return std::unexpected(PhoneFailure{
            PhoneError::rate_limited, staff ? "too many phone lookups by this key; try again within the hour"
                                            : "too many phone lookups by this key today; try again tomorrow"});
    seen_requests_[request_digest] = now + 2 * lookup_request_window_ms;
    return {};
}

void PhoneService::remember_lookup(const Resolved& r) {
    std::lock_guard lock(mutex_);
    if (book_.contains(r.ref)) return;
    const std::uint64_t now = clock_.now_ms();
    if (looked_up_.size() >= lookups_remembered_max && !looked_up_.contains(r.ref)) {
        std::erase_if(looked_up_, [&](const auto& kv) { return kv.second.until_ms <= now; });
        // Still full: forget one (a cache; its transfer's message is what is lost).
        if (looked_up_.size() >= lookups_remembered_max) looked_up_.erase(looked_up_.begin());
    }
    looked_up_[r.ref] = Remembered{r.e164, now + lookup_remembered_ms};
}

std::optional<std::string> PhoneService::credited(const ledger::PhoneRef& ref) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = book_.find(ref); it != book_.end()) return it->second;
        auto it = looked_up_.find(ref);
        if (it == looked_up_.end() || it->second.until_ms <= clock_.now_ms()) return std::nullopt;
        if (book_.size() < phone_book_entries_max) {
            std::string e164 = it->second.e164;
            looked_up_.erase(it);
            store_in_book(ref, e164);
            return e164;
        }
    }
    prune();
    std::lock_guard lock(mutex_);
    auto it = looked_up_.find(ref);
    if (it == looked_up_.end()) return std::nullopt;
    std::string e164 = it->second.e164;
    if (book_.size() >= phone_book_entries_max) return std::nullopt;  // every entry holds coins
    looked_up_.erase(it);
    store_in_book(ref, e164);
    return e164;
}

void PhoneService::remember_claimed(const Resolved& r) {
    {
        std::lock_guard lock(mutex_);
        looked_up_.erase(r.ref);
        if (book_.contains(r.ref)) return;
        if (book_.size() < phone_book_entries_max) return store_in_book(r.ref, r.e164);
    }
    prune();
    std::lock_guard lock(mutex_);
    if (!book_.contains(r.ref) && book_.size() < phone_book_entries_max) store_in_book(r.ref, r.e164);
}

bool PhoneService::keep_credited(const ledger::PhoneRef& ref) {
    std::lock_guard lock(mutex_);
    if (book_.contains(ref)) return true;
    auto it = looked_up_.find(ref);
    if (it == looked_up_.end() || it->second.until_ms <= clock_.now_ms() || book_.size() >= phone_book_entries_max)
        return false;
    std::string e164 = it->second.e164;
    looked_up_.erase(it);
    store_in_book(ref, e164);
    return true;
}

void PhoneService::store_in_book(const ledger::PhoneRef& ref, const std::string& e164) {
    book_.emplace(ref, e164);
    if (!book_out_.is_open()) {
        book_out_.open(book_file_, std::ios::app);
        ::chmod(book_file_.c_str(), 0600);
    }
    book_out_ << to_hex(ref) << ' ' << e164 << '\n';
    book_out_.flush();
}

void PhoneService::rewrite_book() {
    std::string text;
    for (const auto& [ref, e164] : book_) text += to_hex(ref) + ' ' + e164 + '\n';
    book_out_.close();
    replace_private_file(book_file_, text);
}

void PhoneService::prune() {
    std::vector<ledger::PhoneRef> refs;
    {
        std::lock_guard lock(mutex_);
        refs.reserve(book_.size());
        for (const auto& [ref, _] : book_) refs.push_back(ref);
    }
    // The chain is asked without this service's lock, so no thread ever
    // waits for the chain's lock while holding this one.
    std::vector<ledger::PhoneRef> empty;
    for (const auto& ref : refs)
        if (!holds_ || !holds_(ref)) empty.push_back(ref);
    std::lock_guard lock(mutex_);
    bool changed = false;
    for (const auto& ref : empty) changed = book_.erase(ref) > 0 || changed;
    // A book file with lines for numbers no longer kept is rewritten too
    // (lines of dropped numbers, or torn ones), so it never holds them.
    if (changed || !std::filesystem::exists(book_file_)) rewrite_book();
}

std::optional<std::string> PhoneService::number_of(const ledger::PhoneRef& ref) const {
    std::lock_guard lock(mutex_);
    auto it = book_.find(ref);
    if (it == book_.end()) return std::nullopt;
    return it->second;
}

std::optional<PhoneService::LiveCode> PhoneService::live_code(const ledger::PhoneRef& ref) const {
    std::lock_guard lock(mutex_);
    auto it = codes_.find(ref);
    if (it == codes_.end() || it->second.expiry_ms <= clock_.now_ms() || it->second.e164.empty()) return std::nullopt;
    return LiveCode{it->second.e164, it->second.text};
}

std::size_t PhoneService::book_size() const {
    std::lock_guard lock(mutex_);
    return book_.size();
}

void PhoneService::save_codes() const {
    const std::uint64_t now = clock_.now_ms();
    std::string text;
    for (const auto& [ref, code] : codes_)
        if (code.expiry_ms > now)
            text += "code " + to_hex(ref) + ' ' + code.text + ' ' + std::to_string(code.expiry_ms) + ' ' + code.e164 + '\n';
    const std::pair<const char*, const Buckets*> persisted[] = {{"codes_phone_hour", &codes_by_phone_hour_},
                                                                {"codes_phone_day", &codes_by_phone_day_},
                                                                {"guesses_phone", &guesses_by_phone_},
                                                                {"guesses_total", &guesses_total_}};
    for (const auto& [name, buckets] : persisted)
        for (const auto& [key, w] : *buckets)
            if (now - w.start_ms < day_ms)
                text += std::string("window ") + name + ' ' + key + ' ' + std::to_string(w.start_ms) + ' ' +
                        std::to_string(w.count) + '\n';
    replace_private_file(codes_file(book_file_), text);  // best effort: the codes still work until a restart
}

std::expected<std::string, PhoneFailure> PhoneService::request_code(const Resolved& r, std::string_view client_ip) {
    std::lock_guard lock(mutex_);
    const ledger::PhoneRef& ref = r.ref;
    const std::string phone = to_hex(ref);
    // Every limit is looked at before any is counted, so a refusal costs nothing.
    if (!room(codes_by_ip_, std::string(client_ip), limits_.codes_per_ip_per_hour, hour_ms))
        return std::unexpected(
            PhoneFailure{PhoneError::rate_limited, "too many codes asked from this address; try again in an hour"});
    if (!room(codes_by_phone_hour_, phone, limits_.codes_per_phone_per_hour, hour_ms))
        return std::unexpected(
            PhoneFailure{PhoneError::rate_limited, "too many codes sent to this phone; try again in an hour"});
    if (!room(codes_by_phone_day_, phone, limits_.codes_per_phone_per_day, day_ms))
        return std::unexpected(
            PhoneFailure{PhoneError::rate_limited, "too many codes sent to this phone today; try again tomorrow"});
    add(codes_by_ip_, std::string(client_ip), hour_ms);
    add(codes_by_phone_hour_, phone, hour_ms);
    add(codes_by_phone_day_, phone, day_ms);
    const std::uint64_t now = clock_.now_ms();
    const std::uint64_t expiry = now + std::uint64_t{limits_.code_ttl_s} * 1000;
    auto it = codes_.find(ref);
    if (it != codes_.end() && it->second.expiry_ms > now) {
        // One live code per phone: the same code again, so a message asked
        // by anyone never invalidates the one the holder is typing.
        it->second.expiry_ms = expiry;
        it->second.e164 = r.e164;
    } else {
        std::string text;
        ensure_sodium();
        for (std::size_t i = 0; i < claim_code_digits; ++i) text += static_cast<char>('0' + randombytes_uniform(10));
        it = codes_.insert_or_assign(ref, Code{text, expiry, r.e164}).first;
    }
    std::erase_if(codes_, [&](const auto& kv) { return kv.second.expiry_ms <= now; });
    save_codes();
    return it->second.text;
}

std::expected<void, PhoneFailure> PhoneService::consume_code(const ledger::PhoneRef& ref, std::string_view code,
                                                             std::string_view client_ip) {
    std::lock_guard lock(mutex_);
    const std::string phone = to_hex(ref);
    const std::string ip(client_ip);
    const std::string phone_ip = phone + '/' + ip;
    // The budgets are looked at first and are the same whether or not a
    // code is live, so neither a refusal nor its text tells a guesser that.
    if (!room(guesses_by_phone_ip_, phone_ip, limits_.guesses_per_phone_per_ip_per_hour, hour_ms))
        return std::unexpected(PhoneFailure{PhoneError::rate_limited,
                                            "too many wrong codes for this phone from this address; try again in an hour"});
    if (!room(guesses_by_ip_, ip, limits_.guesses_per_ip_per_hour, hour_ms))
        return std::unexpected(
            PhoneFailure{PhoneError::rate_limited, "too many wrong codes from this address; try again in an hour"});
    if (!room(guesses_by_phone_, phone, limits_.guesses_per_phone_per_hour, hour_ms))
        return std::unexpected(
            PhoneFailure{PhoneError::rate_limited, "too many wrong codes for this phone; try again in an hour"});
    if (!room(guesses_total_, "*", limits_.guesses_per_hour_max, hour_ms))
        return std::unexpected(
            PhoneFailure{PhoneError::rate_limited, "too many wrong codes at this node; try again in an hour"});
    const std::uint64_t now = clock_.now_ms();
    auto it = codes_.find(ref);
    const bool live = it != codes_.end() && it->second.expiry_ms > now;
    // Compared in constant time against a code of the right length even when
    // none is live, so the time taken does not tell either.
    const std::string expected = live ? it->second.text : std::string(claim_code_digits, '\xff');
    const bool right = code.size() == expected.size() && equal_constant_time(as_bytes(code), as_bytes(expected));
    if (live && right) {
        codes_.erase(it);  // single use
        save_codes();
        return {};
    }
    // Saved before answering, so a restart cannot reset the counts.
    add(guesses_by_phone_ip_, phone_ip, hour_ms);
    add(guesses_by_ip_, ip, hour_ms);
    add(guesses_by_phone_, phone, hour_ms);
    add(guesses_total_, "*", hour_ms);
    save_codes();
    return std::unexpected(code_refused);
}

}  // namespace kopilka::node
