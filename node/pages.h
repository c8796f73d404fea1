// Serving the embedded web pages (assets.h): which request paths are pages
// or their files, and the headers and body each answer carries. No Beast:
// server.cpp's route() asks find_page_file for every path it does not own
// and writes what page_reply returns.
//
// Routes: each page's routes (pages.mjs: "/" and "/c/<64 lowercase hex>" for
// the cabinet) answer with its HTML shell; "/assets/<name>" with that built
// file; "/<name>.js" with a root script of the build (pages.mjs `workers`:
// the service worker "/sw.js", revalidated each time). Nothing else is a
// page, so "/assets/../x", "/assets/%2e%2e/x" or "/c/NOT-HEX" find nothing
// and keep the server's 404. No path is ever mapped to a file system: only
// names in the built table match.
#pragma once

#include "node/assets.h"

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace kopilka::node {

// The file a GET or HEAD of `path` (the request target without its query)
// serves, or nullptr when `path` is no page and no asset.
const assets::File* find_page_file(std::string_view path);

struct PageReply {
    int status = 200;  // 200, or 304 when the client's If-None-Match names this representation
    // Every header but Server and Connection; every view points at static storage.
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    std::string_view body;            // static; empty for HEAD and 304
    std::size_t content_length = 0;   // the body a GET sends (so HEAD tells it too); unused for 304
};

// The answer to a GET (head = false) or HEAD of `file`, given the request's
// Accept-Encoding and If-None-Match headers (empty when absent).
PageReply page_reply(const assets::File& file, bool head, std::string_view accept_encoding,
                     std::string_view if_none_match);

// The strict headers every page and file carries (docs/node.md, "Serving
// the pages"), Content-Security-Policy first; media.cpp sends the same with
// its own, stricter policy.
std::span<const std::pair<std::string_view, std::string_view>> page_security_headers();

// Whether an Accept-Encoding value allows gzip (RFC 9110 12.5.3): "gzip" or
// "x-gzip" with a q above 0, or "*" above 0 when gzip is not named; q=0
// refuses. An absent header (empty) allows only identity.
bool accepts_gzip(std::string_view accept_encoding);

// Whether an If-None-Match value names `etag` (weak comparison, or "*").
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace kopilka::node
