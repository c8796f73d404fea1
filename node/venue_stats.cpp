// The owner's figures: venue.stats (holdings now, and what moved over a
// range of UTC days) and venue.series (the dashboard's rows per day or per
// week). Both read the aggregates the block producer keeps (ledger/stats/),
// so a call costs the days in its range times the staff and products active
// on them, never the venue's history.
#include "node/node.h"

#include "node/call.h"

#include "crypto/address.h"
#include "ledger/stats/query.h"
#include "rpc/convert.h"

#include <boost/json.hpp>

#include <algorithm>
#include <limits>

namespace kopilka::node {

namespace json = boost::json;
using namespace kopilka::ledger;
using rpc::Error;

namespace {

constexpr std::uint64_t ms_per_week = 7 * ms_per_day;
// The last day whose start a range may name: the aggregates count days in 32 bits.
constexpr std::uint64_t range_ms_max = std::uint64_t{std::numeric_limits<stats::Day>::max()} * ms_per_day;

// A range bound in unix ms, which must start a bucket (a UTC day; for
// weeks, a Monday), as its day. The error offers the boundaries around it.
stats::Day bucket_boundary(std::string_view param, std::uint64_t ms, stats::Bucket bucket) {
    if (ms > range_ms_max)
        throw Error(rpc::invalid_params, "param '" + std::string(param) + "' (" + std::to_string(ms) +
                                             ") is past the last day the aggregates can name; leave it out for no end");
    const std::uint64_t width = bucket == stats::Bucket::day ? ms_per_day : ms_per_week;
    // Mondays are 4 days after the epoch (a Thursday) modulo 7.
    const std::uint64_t offset = bucket == stats::Bucket::day ? 0 : 4 * ms_per_day;
    if (ms < offset || (ms - offset) % width != 0) {
        auto named = [](std::uint64_t b) { return std::to_string(b) + " (" + stats::day_text(stats::day_of_ms(b)) + ")"; };
        std::string use = named(offset);  // before the first Monday
        if (ms >= offset) {
            const std::uint64_t before = ms - (ms - offset) % width;
            use = named(before) + " or " + named(before + width);
        }
        const std::string what = bucket == stats::Bucket::day ? "00:00 UTC of a day" : "a Monday 00:00 UTC";
        throw Error(rpc::invalid_params, "param '" + std::string(param) + "' (" + std::to_string(ms) + ") is not " +
                                             what + ": the aggregates are kept per UTC day" +
                                             (bucket == stats::Bucket::week ? ", and weeks start on Mondays" : "") +
                                             ". Use " + use);
    }
    return stats::day_of_ms(ms);
}

void check_order(std::uint64_t from_ms, std::uint64_t to_ms) {
    // A reversed range is a mistake (swapped arguments), not an empty answer
    // that would read as "no activity".
    if (from_ms > to_ms)
        throw Error(rpc::invalid_params, "param 'from_ms' (" + std::to_string(from_ms) + ") is after 'to_ms' (" +
                                             std::to_string(to_ms) + "); give the range's start first");
}

// Every member who is staff now or issued or redeemed as staff in the range,
// by key; the role is the current one, null for a member since removed.
json::array staff_json(const std::map<PublicKey, StaffRole>& current,
                       const std::map<PublicKey, stats::StaffDay>& figures) {
    std::map<PublicKey, stats::StaffDay> all = figures;
    for (const auto& [key, _] : current) all.try_emplace(key);
    json::array out;
    for (const auto& [key, f] : all) {
        auto role = current.find(key);
        out.push_back(json::object{{"address", address_from_key(key)},
                                   {"role", role == current.end() ? json::value(nullptr)
                                                                  : json::value(role_name(role->second))},
                                   {"clients_served", f.clients_new},
                                   {"visits", f.visits},
                                   {"given", format_amount(f.given)},
                                   {"redeemed", format_amount(f.redeemed)}});
    }
    return out;
}

std::map<PublicKey, StaffRole> staff_roles(const State& s, std::string_view ticker) {
    std::map<PublicKey, StaffRole> roles;
    for (const auto& [key, rec] : s.staff_list(ticker)) roles[key] = rec.role;
    return roles;
}

}  // namespace

std::optional<json::value> Node::venue_stats(Call& call) {
    call.params.only({"ticker", "from_ms", "to_ms"});
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    const std::optional<std::uint64_t> from_ms = call.params.opt_u64("from_ms");
    const std::optional<std::uint64_t> to_ms = call.params.opt_u64("to_ms");
    check_order(from_ms.value_or(0), to_ms.value_or(std::numeric_limits<std::uint64_t>::max()));
    const stats::Day from = from_ms ? bucket_boundary("from_ms", *from_ms, stats::Bucket::day) : 0;
    const stats::Day to = to_ms ? bucket_boundary("to_ms", *to_ms, stats::Bucket::day)
                                : std::numeric_limits<stats::Day>::max();

    // Holdings now, from the state: O(staff), with the coin's sum and holder
    // count that the state keeps.
    std::map<PublicKey, StaffRole> roles;
    Amount treasury = 0, with_staff = 0, in_clients = 0;
    std::size_t clients = 0, clients_push = 0, subscriptions = 0;
    {
        std::shared_lock lock(chain_mutex_);
        const State& s = chain_->state();
        const VenueRecord* v = s.venue(ticker);
        if (!v) throw Error(rpc::not_found, "no venue has the coin " + ticker);
        roles = staff_roles(s, ticker);
        treasury = s.balance(ticker, Account::of_key(v->owner));
        std::size_t holders_not_clients = treasury > 0 ? 1 : 0;
        for (const auto& [key, _] : roles) {
            const Amount b = s.balance(ticker, Account::of_key(key));
            with_staff += b;  // within the supply: no wrap
            if (b > 0) ++holders_not_clients;
        }
        const Amount total = s.coin_total(ticker);
        const std::size_t holders = s.holder_count(ticker);
        if (total < treasury + with_staff || holders < holders_not_clients)
            throw Error(rpc::internal_error, "the state's sums of " + ticker + " disagree with its balances");
        in_clients = total - treasury - with_staff;
        clients = holders - holders_not_clients;
        // Phones whose client turned web push on (the owner sees how many
        // of the venue's clients get its news free): O(subscriptions).
        if (push_subs_) {
            subscriptions = push_subs_->size();
            clients_push = push_subs_->count_if(
                [&](const PhoneRef& p) { return s.balance(ticker, Account::of_phone(p)) > 0; });
        }
    }
    call.rows += 1 + roles.size() + subscriptions;

    const stats::Summary sum = stats::summarize(chain_->store(), ticker, from, to, std::nullopt);
    call.rows += sum.records_read;
    json::object o{{"ticker", ticker},
                   {"in_clients", format_amount(in_clients)},
                   {"clients", clients},
                   {"clients_push", clients_push},
                   {"treasury", format_amount(treasury)},
                   {"with_staff", format_amount(with_staff)},
                   {"issued", format_amount(sum.totals.issued)},
                   {"issues", sum.totals.issues},
                   {"redeemed", format_amount(sum.totals.redeemed)},
                   {"redemptions", sum.totals.redemptions},
                   {"new_clients", sum.totals.new_clients},
                   {"staff", staff_json(roles, sum.staff)}};
    if (from_ms) o["from_ms"] = *from_ms;
    if (to_ms) o["to_ms"] = *to_ms;
    return o;
}

std::optional<json::value> Node::venue_series(Call& call) {
    call.params.only({"ticker", "bucket", "from_ms", "to_ms"});
    const std::string ticker = rpc::parse_ticker(call.params.str("ticker"), "ticker");
    const std::string bucket_name = call.params.str("bucket");
    if (bucket_name != "day" && bucket_name != "week")
        throw Error(rpc::invalid_params, "param 'bucket' must be \"day\" or \"week\"");
    const stats::Bucket bucket = bucket_name == "day" ? stats::Bucket::day : stats::Bucket::week;
    const std::uint64_t width_ms = bucket == stats::Bucket::day ? ms_per_day : ms_per_week;

    std::map<PublicKey, StaffRole> roles;
    std::map<std::uint32_t, std::string> names;
    std::uint64_t now_ms = 0;
    {
        std::shared_lock lock(chain_mutex_);
        const State& s = chain_->state();
        if (!s.venue(ticker)) throw Error(rpc::not_found, "no venue has the coin " + ticker);
        roles = staff_roles(s, ticker);
        for (const auto& p : s.products(ticker)) names[p.id] = p.name;
        now_ms = std::max(clock_.now_ms(), chain_->tip().time_ms);
    }

    // By default the series_buckets_default buckets up to and including the
    // one holding now.
    const std::optional<std::uint64_t> from_param = call.params.opt_u64("from_ms");
    const std::optional<std::uint64_t> to_param = call.params.opt_u64("to_ms");
    const stats::Day now_day = stats::day_of_ms(now_ms);
    const stats::Day current = bucket == stats::Bucket::day ? now_day : stats::week_start(now_day);
    const std::uint64_t to_ms = to_param.value_or(stats::ms_of_day(current) + width_ms);
    const std::uint64_t span_ms = series_buckets_default * width_ms;
    const std::uint64_t first_ms = bucket == stats::Bucket::day ? 0 : 4 * ms_per_day;  // the first Monday
    const std::uint64_t from_ms =
        from_param.value_or(to_ms >= first_ms + span_ms ? to_ms - span_ms : first_ms);
    check_order(from_ms, to_ms);
    const stats::Day from = bucket_boundary("from_ms", from_ms, bucket);
    const stats::Day to = bucket_boundary("to_ms", to_ms, bucket);
    const std::uint64_t buckets = (to - from) / stats::bucket_days(bucket);
    if (buckets > series_buckets_max)
        throw Error(rpc::invalid_params, "the range holds " + std::to_string(buckets) + " " + bucket_name +
                                             "s; at most " + std::to_string(series_buckets_max) +
                                             " buckets per call: ask for a shorter range, or for bucket \"week\"");

    const stats::Summary sum = stats::summarize(chain_->store(), ticker, from, to, bucket);
    call.rows += sum.records_read + sum.rows.size();

    json::array rows;
    for (const stats::Row& r : sum.rows)
        rows.push_back(json::object{{"start_ms", stats::ms_of_day(r.start)},
                                    {"issued", format_amount(r.issued)},
                                    {"issues", r.issues},
                                    {"redeemed", format_amount(r.redeemed)},
                                    {"redemptions", r.redemptions},
                                    {"new_clients", r.new_clients},
                                    {"active_clients", r.active_clients},
                                    {"returning_clients", r.returning_clients}});
    // Most redeemed first: the dashboard's top rewards are the head.
    std::vector<std::pair<std::uint32_t, stats::ProductDay>> ranked(sum.products.begin(), sum.products.end());
    std::ranges::sort(ranked, [](const auto& a, const auto& b) {
        if (a.second.redemptions != b.second.redemptions) return a.second.redemptions > b.second.redemptions;
        if (a.second.redeemed != b.second.redeemed) return a.second.redeemed > b.second.redeemed;
        return a.first < b.first;
    });
    json::array products;
    for (const auto& [id, p] : ranked) {
        auto name = names.find(id);
        products.push_back(json::object{{"id", id},
                                        {"name", name == names.end() ? json::value(nullptr) : json::value(name->second)},
                                        {"redemptions", p.redemptions},
                                        {"redeemed", format_amount(p.redeemed)}});
    }
    return json::object{{"ticker", ticker},
                        {"bucket", bucket_name},
                        {"from_ms", from_ms},
                        {"to_ms", to_ms},
                        {"rows", std::move(rows)},
                        {"products", std::move(products)},
                        {"staff", staff_json(roles, sum.staff)}};
}

}  // namespace kopilka::node
