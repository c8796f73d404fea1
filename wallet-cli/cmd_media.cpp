// kopilka media put FILE: uploads a logo or a product picture to the node
// (POST /media, docs/node.md "Media") and prints the URL to give to
// `venue update --logo-url` or `product set --image`. No key is needed.
#include "wallet-cli/cli_error.h"
#include "wallet-cli/commands.h"

#include <boost/json.hpp>

#include <iostream>

namespace kopilka::wallet {
namespace {

// The node's limit (media_upload_bytes_max in node/media.h, which the wallet
// does not link): a larger file is refused here rather than sent in vain.
constexpr std::size_t media_upload_bytes_max = 262'144;

// The type the file's first bytes name, as the node will check them; empty for none.
std::string type_of_magic(std::string_view b) {
    if (b.starts_with("\x89PNG\r\n\x1a\n")) return "image/png";
    if (b.starts_with("\xff\xd8\xff")) return "image/jpeg";
    if (b.size() >= 12 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") return "image/webp";
    return {};
}

int media_put(Session& s, const std::string& file, const std::string& given_type) {
    std::string bytes = read_input_file(file, media_upload_bytes_max);
    if (bytes.size() > media_upload_bytes_max)
        throw CliError(exit_usage, file + " is over " + std::to_string(media_upload_bytes_max) + " bytes (256 KiB)",
                       "make it smaller: a logo of 512 x 512 pixels is plenty");
    const std::string type = given_type.empty() ? type_of_magic(bytes) : given_type;
    if (type.empty())
        throw CliError(exit_usage, file + " is not a PNG, JPEG or WebP image", "save it as one of those and upload that");
    const auto r = s.upload_media(std::move(bytes), type);
    if (r.status == 200 || r.status == 201) {
        std::cout << str(boost::json::parse(r.body), "url") << "\n";
        return exit_ok;
    }
    std::string code, message = "the node answered HTTP " + std::to_string(r.status);
    try {
        const auto e = boost::json::parse(r.body).at("error");
        code = str(e, "code");
        message = "refused (" + code + "): " + str(e, "message");
    } catch (const std::exception&) {
        // Not the node's JSON error (a proxy's page): the status says enough.
    }
    // What is wrong with the file is bad input; a full store or a budget is the node's.
    const bool input = code == "wrong_type" || code == "unreadable" || code == "too_big_dimensions" || code == "too_large";
    throw CliError(input ? exit_usage : exit_node_error, message,
                   code == "store_full" || code == "rate_limited" ? "retry later, or ask the node's operator" : "");
}

}  // namespace

void add_media_commands(CLI::App& app, Program& p) {
    auto* media = app.add_subcommand("media", "logos and product pictures stored on the node");
    media->require_subcommand(1);
    auto file = std::make_shared<std::string>();
    auto type = std::make_shared<std::string>();
    auto* c = media->add_subcommand(
        "put", "upload a PNG, JPEG or WebP (at most 256 KiB, 4096 px a side); prints its URL on the node");
    c->add_option("FILE", *file, "the image file")->required();
    c->add_option("--type", *type, "its Content-Type (default: from its first bytes)");
    c->callback([&p, file, type] { p.action = [file, type](Session& s) { return media_put(s, *file, *type); }; });
}

}  // namespace kopilka::wallet
