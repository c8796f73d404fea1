#include "node/pages.h"
#include "node/http_text.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>

namespace kopilka::node {
namespace {

constexpr std::string_view assets_prefix = "/assets/";
// A root script (pages.mjs `workers`: the service worker, /sw.js) keeps its
// name across builds and is served from the root, so its scope is the origin.
constexpr std::string_view root_script_suffix = ".js";
// A route segment standing for a phone reference (pages.mjs).
constexpr std::string_view hex64_placeholder = "<hex64>";
constexpr std::size_t hex64_chars = 64;

// What the pages may load and do. Everything comes from this origin and
// nothing runs inline, so an injected <script> or style="" does nothing;
// data: and blob: images are the QR codes the page draws itself.
// connect-src 'self' covers the page's JSON-RPC and its WebSocket to /ws on
// the same host and port (CSP Level 3: 'self' matches ws: for http: pages and
// wss: for https: pages; https.test.js checks it through Caddy). No framing,
// no <base> rewriting, forms post only here.
constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";
// The same, and WebAssembly may be compiled: only for a page that pages.mjs
// marks `wasm` (the owner's, whose keystore runs Argon2id in WebAssembly,
// about three times the speed of JavaScript on a phone: docs/performance.md).
// 'wasm-unsafe-eval' lets a script compile WebAssembly bytes and nothing
// else: eval() and new Function() stay refused.
constexpr std::string_view content_security_policy_wasm =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";
// The camera (scanning vouchers, next issue) for this origin only; nothing
// else a page could ask a phone for.
constexpr std::string_view permissions_policy =
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), bluetooth=(), serial=()";

// The same on every file, pages and assets alike: a header that means
// nothing for a script costs a few bytes and no thought about which file
// needs which.
constexpr std::pair<std::string_view, std::string_view> security_headers[] = {
    {"Content-Security-Policy", content_security_policy},
    // A page URL holds a phone reference (/c/<ref>): never tell another site.
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},  // frame-ancestors for browsers without CSP 2
    {"X-Content-Type-Options", "nosniff"},
    {"Permissions-Policy", permissions_policy},
    // No other window keeps a handle on the cabinet (window.opener).
    {"Cross-Origin-Opener-Policy", "same-origin"},
    // Another site cannot load these files into its own pages.
    {"Cross-Origin-Resource-Policy", "same-origin"},
};
// The same headers with content_security_policy_wasm, for a `wasm` page's shell.
constexpr std::pair<std::string_view, std::string_view> security_headers_wasm[] = {
    {"Content-Security-Policy", content_security_policy_wasm},
    // A page URL holds a phone reference (/c/<ref>): never tell another site.
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},  // frame-ancestors for browsers without CSP 2
    {"X-Content-Type-Options", "nosniff"},
    {"Permissions-Policy", permissions_policy},
    // No other window keeps a handle on the cabinet (window.opener).
    {"Cross-Origin-Opener-Policy", "same-origin"},
    // Another site cannot load these files into its own pages.
    {"Cross-Origin-Resource-Policy", "same-origin"},
};
static_assert(std::size(security_headers) == std::size(security_headers_wasm));

// Hashed names never change content: a year, never revalidated.
constexpr std::string_view cache_immutable = "public, max-age=31536000, immutable";
// An HTML shell keeps its name across builds, and names the build's hashed
// files: the browser must ask every time (a new build is seen at once) but
// may keep the bytes and get a 304 when its ETag still holds. no-store would
// refetch the whole shell each time for nothing: it is the same for every
// client and holds nothing personal (the phone reference is only in the URL).
constexpr std::string_view cache_revalidate = "no-cache";

// Calls `f` with each trimmed element of a comma-separated header value.
template <class F>
void for_each_element(std::string_view list, F&& f) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        f(trim(list.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

bool lower_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool route_matches(std::string_view route, std::string_view path) {
    for (;;) {
        const auto at = route.find(hex64_placeholder);
        if (at == std::string_view::npos) return route == path;
        if (path.substr(0, at) != route.substr(0, at)) return false;
        path.remove_prefix(at);
        route.remove_prefix(at + hex64_placeholder.size());
        if (path.size() < hex64_chars || !lower_hex(path.substr(0, hex64_chars))) return false;
        path.remove_prefix(hex64_chars);
    }
}

// A qvalue (RFC 9110 12.4.2): "0", "0.", "0.0"... up to three decimals are
// zero; anything else that is well formed is above zero. A malformed q counts
// as zero: the element is ignored rather than guessed at.
bool q_above_zero(std::string_view q) {
    if (q.empty() || q.size() > 5) return false;
    if (q[0] == '1') return q.size() == 1 || (q[1] == '.' && std::all_of(q.begin() + 2, q.end(), [](char c) { return c == '0'; }));
    if (q[0] != '0') return false;
    if (q.size() == 1) return false;
    if (q[1] != '.') return false;
    const auto decimals = q.substr(2);
    if (!std::all_of(decimals.begin(), decimals.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    return std::any_of(decimals.begin(), decimals.end(), [](char c) { return c != '0'; });
}

}  // namespace

const assets::File* find_page_file(std::string_view path) {
    if (path.starts_with(assets_prefix)) {
        const auto files = assets::files();
        const std::string_view name = path.substr(1);
        const auto it = std::lower_bound(files.begin(), files.end(), name,
                                         [](const assets::File& f, std::string_view n) { return f.path < n; });
        // Only hashed files live under assets/; the shells are served at their routes.
        return it != files.end() && it->path == name && it->immutable ? &*it : nullptr;
    }
    // "/sw.js": a file of the build at the root, not hashed. The only other
    // files outside assets/ are the pages' shells (.html), served at their
    // routes alone; a name with a '/' in it is no root script.
    if (path.size() > 1 + root_script_suffix.size() && path.ends_with(root_script_suffix) &&
        path.find('/', 1) == std::string_view::npos) {
        const auto files = assets::files();
        const std::string_view name = path.substr(1);
        const auto it = std::lower_bound(files.begin(), files.end(), name,
                                         [](const assets::File& f, std::string_view n) { return f.path < n; });
        return it != files.end() && it->path == name && !it->immutable ? &*it : nullptr;
    }
    for (const auto& page : assets::pages())
        for (const auto route : page.routes)
            if (route_matches(route, path)) return page.html;
    return nullptr;
}

std::span<const std::pair<std::string_view, std::string_view>> page_security_headers() { return security_headers; }

bool accepts_gzip(std::string_view accept_encoding) {
    std::optional<bool> gzip;  // named explicitly
    bool any = false;          // "*" above zero
    for_each_element(accept_encoding, [&](std::string_view element) {
        const auto semi = element.find(';');
        const auto coding = trim(element.substr(0, semi));
        bool above_zero = true;
        if (semi != std::string_view::npos) {
            std::string_view params = element.substr(semi + 1);
            while (!params.empty()) {
                const auto next = params.find(';');
                const auto param = trim(params.substr(0, next));
                if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
                    above_zero = q_above_zero(trim(param.substr(2)));
                if (next == std::string_view::npos) break;
                params.remove_prefix(next + 1);
            }
        }
        if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) gzip = above_zero;
        else if (coding == "*") any = above_zero;
    });
    return gzip.value_or(any);
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    bool match = false;
    for_each_element(if_none_match, [&](std::string_view tag) {
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        match = match || tag == "*" || tag == etag;
    });
    return match;
}

PageReply page_reply(const assets::File& file, bool head, std::string_view accept_encoding,
                     std::string_view if_none_match) {
    const bool gzip = accepts_gzip(accept_encoding);
    const std::string_view etag = gzip ? file.etag_gzip : file.etag;
    PageReply r;
    // Only a `wasm` page's HTML shell widens script-src: the CSP that governs
    // a page's scripts is its document's, so its assets keep the strict one.
    if (file.wasm_eval) r.headers.assign(std::begin(security_headers_wasm), std::end(security_headers_wasm));
    else r.headers.assign(std::begin(security_headers), std::end(security_headers));
    r.headers.emplace_back("Cache-Control", file.immutable ? cache_immutable : cache_revalidate);
    r.headers.emplace_back("ETag", etag);
    // Caches must keep the gzip and the identity answers apart.
    r.headers.emplace_back("Vary", "Accept-Encoding");
    if (!if_none_match.empty() && etag_matches(if_none_match, etag)) {
        r.status = 304;
        return r;
    }
    r.headers.emplace_back("Content-Type", file.content_type);
    if (gzip) r.headers.emplace_back("Content-Encoding", "gzip");
    const std::string_view body = gzip ? file.gzip : file.identity;
    r.content_length = body.size();
    if (!head) r.body = body;
    return r;
}

}  // namespace kopilka::node
