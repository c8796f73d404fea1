// admin.backup: a copy of the data dir made while the node serves.
//
// The ledger is a RocksDB checkpoint taken while no block can commit (the
// chain lock held shared, as a reader holds it), so the copy's tip is the
// chain's tip at that moment and its tip anchor (ledger/anchor.h) says
// exactly that block. Everything else the data dir keeps (keys, the phone
// secret, the config, private/, media/, a follower's follow/) is copied
// after it: the phone book only grows, so every phone a message in the copy
// is owed to is in the copied book. The copy is made under a temporary name
// and renamed whole when every file is synced, so a backup either exists
// complete or not at all.
#include "ledger/anchor.h"
#include "node/call.h"
#include "node/node.h"

#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace kopilka::node {

namespace json = boost::json;
using rpc::Error;

namespace {

namespace fs = std::filesystem;

// What the data dir holds that a backup does not: the ledger (checkpointed,
// not copied), the backups themselves, and the admin cookie, made new at
// every start.
bool left_out(const fs::path& name) { return name == "ledger" || name == "backups" || name == ".cookie"; }

bool valid_backup_name(std::string_view name) {
    if (name.empty() || name.size() > backup_name_bytes_max) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    if (!alnum(name.front())) return false;
    for (char c : name)
        if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

// fsync of a file or a directory; the error names the path and the OS reason.
std::expected<void, std::string> sync_path(const fs::path& p, bool dir) {
    const int fd = ::open(p.c_str(), (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return std::unexpected("cannot open " + p.string() + ": " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return std::unexpected("cannot sync " + p.string() + ": " + std::strerror(err));
    return {};
}

struct Copied {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
};

// Copies `from` (a file, or a directory recursively) to `to`, keeping each
// file's permission bits, and syncs every file and directory it makes.
std::expected<void, std::string> copy_synced(const fs::path& from, const fs::path& to, Copied& n) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(from, ec);
    if (ec) return std::unexpected("cannot read " + from.string() + ": " + ec.message());
    if (fs::is_directory(st)) {
        fs::create_directory(to, ec);
        if (!ec) fs::permissions(to, st.permissions(), ec);
        if (ec) return std::unexpected("cannot make " + to.string() + ": " + ec.message());
        for (const auto& e : fs::directory_iterator(from, ec)) {
            if (auto ok = copy_synced(e.path(), to / e.path().filename(), n); !ok) return ok;
        }
        if (ec) return std::unexpected("cannot list " + from.string() + ": " + ec.message());
        return sync_path(to, true);
    }
    if (!fs::is_regular_file(st)) return {};  // sockets, links: nothing the node makes
    fs::copy_file(from, to, ec);
    if (ec) return std::unexpected("cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
    ++n.files;
    n.bytes += fs::file_size(to, ec);
    return sync_path(to, false);
}

// Sizes of the checkpoint's files (hard links share the live ledger's
// blocks until compaction replaces them there).
Copied measure(const fs::path& dir) {
    Copied n;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
        if (!e.is_regular_file(ec)) continue;
        ++n.files;
        n.bytes += e.file_size(ec);
    }
    return n;
}

}  // namespace

std::optional<json::value> Node::admin_backup(Call& call) {
    call.params.only({"name"});
    const std::string name = call.params.str("name");
    if (!valid_backup_name(name))
        throw Error(rpc::invalid_params, "param 'name' must be 1 to " + std::to_string(backup_name_bytes_max) +
                                             " letters, digits, '-', '_' or '.', starting with a letter or digit, "
                                             "e.g. 2026-12-05");
    std::unique_lock only_one(backup_mutex_, std::try_to_lock);
    if (!only_one.owns_lock()) throw Error(rpc::rate_limited, "a backup is being made now; retry when it is done");

    const auto started = std::chrono::steady_clock::now();
    std::error_code ec;
    const fs::path backups = fs::absolute(dir_.root / "backups", ec);
    const fs::path target = backups / name;
    const fs::path partial = backups / ("." + name + ".partial");
    if (fs::exists(target, ec))
        throw Error(rpc::invalid_params, "a backup named " + name + " exists in " + backups.string() +
                                             "; choose another name or remove it first");
    auto failed = [&](const std::string& why) {
        std::error_code ignored;
        fs::remove_all(partial, ignored);
        log_.error("backup.failed", {{"name", name}, {"error", why}});
        return Error(rpc::unavailable, "the backup was not made (nothing is left of it): " + why);
    };
    fs::create_directories(backups, ec);
    if (!ec) fs::permissions(backups, fs::perms::owner_all, ec);
    if (ec) throw failed("cannot make " + backups.string() + ": " + ec.message());
    fs::remove_all(partial, ec);  // what a crash during an earlier try left
    fs::create_directory(partial, ec);
    if (!ec) fs::permissions(partial, fs::perms::owner_all, ec);
    if (ec) throw failed("cannot make " + partial.string() + ": " + ec.message());

    ledger::TipMark mark;
    {
        // Shared: reads go on; a block (which takes the lock exclusively)
        // waits for the checkpoint, so the copy ends at this tip.
        std::shared_lock lock(chain_mutex_);
        mark = {chain_->height(), chain_->tip_hash()};
        if (auto ok = chain_->store().checkpoint(partial / "ledger"); !ok) throw failed(ok.error());
    }
    if (auto anchor = ledger::TipAnchor::create(partial / "ledger", mark); !anchor) throw failed(anchor.error());
    Copied copied = measure(partial / "ledger");
    for (const auto& e : fs::directory_iterator(dir_.root, ec)) {
        if (left_out(e.path().filename())) continue;
        if (auto ok = copy_synced(e.path(), partial / e.path().filename(), copied); !ok) throw failed(ok.error());
    }
    if (ec) throw failed("cannot list " + dir_.root.string() + ": " + ec.message());
    if (auto ok = sync_path(partial, true); !ok) throw failed(ok.error());
    fs::rename(partial, target, ec);
    if (ec) throw failed("cannot rename " + partial.string() + " to " + target.string() + ": " + ec.message());
    if (auto ok = sync_path(backups, true); !ok) throw failed(ok.error());

    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    log_.info("backup.made", {{"name", name}, {"height", mark.height}, {"files", copied.files}, {"bytes", copied.bytes}});
    return json::object{{"name", name},
                        {"dir", target.string()},
                        {"height", mark.height},
                        {"tip_hash", to_hex(mark.hash)},
                        {"files", copied.files},
                        {"bytes", copied.bytes},
                        {"ms", static_cast<std::uint64_t>(ms.count())}};
}

}  // namespace kopilka::node
