#include "bench/report.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <unistd.h>

namespace kopilka::bench {

namespace json = boost::json;

namespace {

constexpr auto tick = std::chrono::milliseconds(250);
constexpr auto plain_every = std::chrono::seconds(5);

// report["a"]["b"] as a number, or NaN when absent.
double num(const json::object& o, std::initializer_list<std::string_view> path) {
    const json::value* v = nullptr;
    const json::object* at = &o;
    for (auto key : path) {
        if (!at) return NAN;
        v = at->if_contains(key);
        if (!v) return NAN;
        at = v->if_object();
    }
    if (!v) return NAN;
    if (v->is_double()) return v->as_double();
    if (v->is_int64()) return static_cast<double>(v->as_int64());
    if (v->is_uint64()) return static_cast<double>(v->as_uint64());
    return NAN;
}

std::string str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string cell(double v, int decimals) { return std::isnan(v) ? "-" : fixed(v, decimals); }
std::string cell_group(double v) { return std::isnan(v) ? "-" : group(v); }

std::string pad(std::string s, std::size_t width, bool right = true) {
    if (s.size() >= width) return s;
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string group(double v) {
    if (std::isnan(v)) return "-";
    const bool negative = v < 0;
    auto n = static_cast<unsigned long long>(std::llround(std::fabs(v)));
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return negative ? "-" + out : out;
}

std::string fixed(double v, int decimals) {
    if (std::isnan(v)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string mib(double bytes) {
    if (std::isnan(bytes)) return "-";
    return fixed(bytes / (1024.0 * 1024.0), 1) + " MiB";
}

Progress::Progress(bool enabled) : enabled_(enabled), tty_(::isatty(STDERR_FILENO) == 1) {
    if (enabled_) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Progress::phase(std::string name, std::function<std::string()> status) {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    name_ = std::move(name);
    status_ = std::move(status);
    phase_start_ = last_plain_ = std::chrono::steady_clock::now();
    print_locked(false);
}

void Progress::done(const std::string& summary) {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    if (name_.empty()) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_start_).count();
    std::string line = name_ + ": " + (summary.empty() ? "done" : summary) + " (" + fixed(s, 1) + " s)";
    if (tty_) line = pad(std::move(line), last_width_, false);
    std::fprintf(stderr, "%s%s\n", tty_ ? "\r" : "", line.c_str());
    std::fflush(stderr);
    last_width_ = 0;
    name_.clear();
    status_ = {};
}

void Progress::print_locked(bool final_line) {
    if (name_.empty()) return;
    std::string line = name_ + (status_ ? ": " + status_() : std::string(" ..."));
    if (tty_) {
        const std::size_t width = line.size();
        std::fprintf(stderr, "\r%s", pad(line, last_width_, false).c_str());
        last_width_ = width;
        if (final_line) std::fputc('\n', stderr);
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

void Progress::loop() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        cv_.wait_for(lock, tick);
        if (stop_ || name_.empty()) continue;
        const auto now = std::chrono::steady_clock::now();
        if (tty_) {
            print_locked(false);
        } else if (now - last_plain_ >= plain_every) {
            last_plain_ = now;
            print_locked(false);
        } else if (status_) {
            status_();  // keeps the samples it takes regular
        }
    }
}

void print_table(const json::object& r, std::FILE* out) {
    auto line = [&](const std::string& s) { std::fprintf(out, "%s\n", s.c_str()); };
    const double bound_tx = num(r, {"bound", "tx_per_s"});
    line("kopilka-bench: " + cell(num(r, {"machine", "cores"}), 0) + " cores, load average " +
         cell(num(r, {"machine", "load_1m_start"}), 2) + " at start, " + cell(num(r, {"machine", "load_1m_end"}), 2) +
         " at end");
    const double load = std::max(num(r, {"machine", "load_1m_start"}), num(r, {"machine", "load_1m_end"}));
    if (load > 0.75 * num(r, {"machine", "cores"}))
        line("warning: the machine was not idle (load average " + fixed(load, 1) + " on " +
             cell(num(r, {"machine", "cores"}), 0) +
             " cores): throughputs and latencies may be lower than this node can do; CPU per transaction still holds");
    line("Ed25519 bound: " + group(num(r, {"bound", "verify_per_s"})) + " verifications/s on " +
         cell(num(r, {"machine", "verify_threads"}), 0) + " threads = " + group(bound_tx) + " tx/s at " +
         cell(num(r, {"bound", "signatures_per_tx"}), 2) + " signatures/tx (mix " +
         str(r.at("config").as_object(), "mix") + "); " + cell(num(r, {"bound", "verify_cpu_us"}), 1) +
         " µs CPU a verification = " + group(num(r, {"bound", "cpu_tx_per_s"})) + " tx/s on idle cores");
    line("");
    line(pad("phase", 34, false) + pad("txs", 10) + pad("tx/s", 10) + pad("% bound", 9) + pad("p50 ms", 9) +
         pad("p95 ms", 9) + pad("p99 ms", 9) + pad("max ms", 9) + pad("node CPU", 10) + pad("µs/tx", 8));
    const auto* phases = r.if_contains("phases");
    for (std::string_view name : {"setup", "peak", "purchases", "half_load"}) {
        if (!phases || !phases->as_object().contains(name)) continue;
        const auto& p = phases->as_object().at(name).as_object();
        line(pad(str(p, "label"), 34, false) + pad(cell_group(num(p, {"committed"})), 10) +
             pad(cell_group(num(p, {"tx_per_s"})), 10) + pad(cell(num(p, {"pct_of_bound"}), 1), 9) +
             pad(cell(num(p, {"latency_ms", "p50"}), 1), 9) + pad(cell(num(p, {"latency_ms", "p95"}), 1), 9) +
             pad(cell(num(p, {"latency_ms", "p99"}), 1), 9) + pad(cell(num(p, {"latency_ms", "max"}), 1), 9) +
             pad(std::isnan(num(p, {"node_cpu_s"})) ? "-" : cell(num(p, {"node_cpu_s"}), 2) + " s", 10) + pad(cell(num(p, {"node_cpu_us_per_tx"}), 0), 8));
    }
    if (const auto* a = r.if_contains("audit"); a && a->is_object()) {
        const auto& ao = a->as_object();
        line(pad("audit replay (offline)", 34, false) + pad(cell_group(num(ao, {"txs"})), 10) +
             pad(cell_group(num(ao, {"tx_per_s"})), 10) + pad(cell(num(ao, {"pct_of_bound"}), 1), 9));
    }
    line("");
    if (const auto* a = r.if_contains("audit"); a && a->is_object())
        line("audit: % of the bound measured again just before and after it, " +
             group(num(a->as_object(), {"bound_tx_per_s"})) + " tx/s (" +
             group(num(a->as_object(), {"bound_before_verify_per_s"})) + " and " +
             group(num(a->as_object(), {"bound_after_verify_per_s"})) + " verifications/s; the audit is " +
             cell(num(a->as_object(), {"pct_of_first_bound"}), 1) + "% of the first); " +
             cell(num(a->as_object(), {"cpu_us_per_tx"}), 0) + " µs CPU/tx, of which the signature checks are " +
             cell(100 * num(a->as_object(), {"signature_share_of_cpu"}), 0) + "%");
    if (phases)
        if (const auto* p = phases->as_object().if_contains("peak")) {
            const auto& po = p->as_object();
            std::string busy;
            if (const auto* t = po.if_contains("node_threads_busy"))
                for (const auto& x : t->as_array()) {
                    if (!busy.empty()) busy += ' ';
                    busy += fixed(100 * x.to_number<double>(), 0);
                    busy += '%';
                }
            line("peak: node CPU " + cell(num(po, {"node_cpu_cores"}), 2) + " cores of " + cell(num(r, {"machine", "cores"}), 0) +
                 "; its threads busy " + busy + " of the time; signature checks are " +
                 cell(100 * num(po, {"verify_share_of_node_cpu"}), 0) + "% of its CPU; this program " +
                 cell(num(po, {"bench_cpu_us_per_tx"}), 0) + " µs CPU/tx");
        }
    if (const auto* n = r.if_contains("node"); n && n->is_object()) {
        const auto& no = n->as_object();
        line("node memory: RSS at most " + mib(num(no, {"rss_max_serving_bytes"})) + " while serving (after setup " +
             mib(num(no, {"rss_after_setup_bytes"})) + ", at the end " + mib(num(no, {"rss_end_bytes"})) +
             "; VmHWM " + mib(num(no, {"rss_peak_bytes"})) + " includes the key decryption at start) with " +
             group(num(no, {"accounts"})) + " accounts and " + group(num(no, {"chain_txs"})) + " transactions; height " +
             group(num(no, {"height"})));
    }
    if (const auto* d = r.if_contains("disk"); d && d->is_object()) {
        const auto& d_o = d->as_object();
        line("disk: " + mib(num(d_o, {"total_bytes"})) + " (" + mib(num(d_o, {"sst_bytes"})) + " tables, " +
             mib(num(d_o, {"wal_bytes"})) + " write-ahead log) = " + group(num(d_o, {"bytes_per_tx"})) +
             " bytes per transaction" + (str(d_o, "note").empty() ? "" : " (" + str(d_o, "note") + ")"));
    }
    if (const auto* c = r.if_contains("checks"); c && c->is_object()) {
        const auto& co = c->as_object();
        const bool ok = co.at("all_committed").as_bool();
        line(std::string("checks: ") + (ok ? "every transaction committed exactly once" : "FAILED") + " (" +
             str(co, "summary") + ")");
        if (const auto* problems = co.if_contains("problems"))
            for (const auto& p : problems->as_array()) line("  problem: " + std::string(p.as_string()));
    }
    if (const auto* t = r.if_contains("targets"); t && t->is_array()) {
        line("");
        line("targets (issue 5; reported, not asserted):");
        for (const auto& x : t->as_array()) {
            const auto& to = x.as_object();
            const auto* met = to.if_contains("met");
            const std::string verdict = !met || met->is_null() ? "n/a" : met->as_bool() ? "met" : "NOT MET";
            line("  " + pad(str(to, "name"), 52, false) + pad(str(to, "value"), 22) + "  " + pad(verdict, 8, false) +
                 (str(to, "note").empty() ? "" : "  " + str(to, "note")));
        }
    }
    std::fflush(out);
}

}  // namespace kopilka::bench
