// The web pages built into kopilkad: a table of static files, defined by a
// source that web/embed.mjs generates at build time from web/build.mjs's
// output (node/CMakeLists.txt runs both). Nothing here is read from disk at
// run time; pages.h serves the table.
#pragma once

#include <span>
#include <string_view>

namespace kopilka::node::assets {

// One built file. Every view points at static storage.
struct File {
    std::string_view path;          // as served below "/": "assets/cabinet-WLC2TII3.js", "cabinet.html"
    std::string_view content_type;  // "text/javascript; charset=utf-8"
    std::string_view etag;          // quoted, of the identity body
    std::string_view etag_gzip;     // quoted, of the gzip body (another representation, another tag)
    std::string_view identity;      // the file's bytes
    std::string_view gzip;          // the same, gzip -9 at build time
    bool immutable;                 // a content-hashed name: its bytes never change
    bool wasm_eval = false;         // the HTML shell of a page that may compile WebAssembly (pages.mjs `wasm`)
};

// A page: its HTML shell answers at each of its routes. A route is a literal
// path, or holds "<hex64>" for one segment of 64 lowercase hex digits.
struct Page {
    std::string_view name;  // "cabinet"
    std::span<const std::string_view> routes;
    const File* html;
};

std::span<const File> files();  // sorted by path
std::span<const Page> pages();

}  // namespace kopilka::node::assets
