// Disk trouble (issue 6): "a full or read-only data dir makes the node refuse
// writes with a clear error and lose nothing; a corrupted data dir makes it
// refuse to start and name the broken block."
//
//  - Disk full mid-stream, without privileges: the test lowers the running
//    node's file-size limit to 0 (prlimit(2) on its pid; kopilkad ignores
//    SIGXFSZ), so every write fails with EFBIG as on a full disk, then raises
//    it again. Transactions told "committed" before survive; those in the
//    failing block get "outcome not confirmed, resubmitting is safe"; new ones
//    get "cannot write to its data dir (File too large)"; reads go on; after
//    the fix the node reopens its store by itself, resubmissions commit once,
//    a restart keeps everything and `kopilkad verify` passes.
//  - A really full disk (a small tmpfs: "No space left on device"), and a
//    data dir made read-only while running (the immutable flag on the ledger
//    dir and every file in it: "Operation not permitted"; a read-only remount
//    is refused by Linux, EBUSY, while the node holds its log open for
//    writing). Both need root, the second a file system whose immutable flag
//    stops writes through open descriptors (ext4 does, tmpfs does not); each
//    is skipped, saying why, where it cannot run.
//  - A read-only data dir at start (the node runs as `nobody` over a dir it
//    cannot write, or a chmod when the test is not root) and a full disk at
//    start: a clear refusal, exit code 4, and the dir is left as it was.
//  - Corruption: one flipped byte in a stored block record or transaction
//    record, inside or outside the --check-blocks window: the node refuses to
//    start (exit 3) naming the block; what the window does not cover
//    `kopilkad verify` names.
//
// The node runs from a small spawn of this file's own (rlimit and uid hooks,
// output through a pipe, which no file-size limit can stop).
#include "harness.h"

#include "crypto/address.h"
#include "ledger/chain.h"
#include "ledger/codec.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <linux/fs.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr auto generous = std::chrono::seconds(30);
constexpr int exit_damaged = 3;     // node/main.cpp
constexpr int exit_unwritable = 4;  // node/main.cpp

// --- a child kopilkad with hooks -------------------------------------------

struct Hooks {
    std::optional<rlim_t> file_size_max;  // RLIMIT_FSIZE before exec
    std::optional<uid_t> uid;             // run as this user (and gid)
    gid_t gid = 0;
};

class Child {
public:
    Child(const std::vector<std::string>& args, const Hooks& hooks) {
        std::vector<std::string> full{KOPILKAD_BIN};
        full.insert(full.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : full) argv.push_back(a.data());
        argv.push_back(nullptr);
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            // Only async-signal-safe calls between fork and exec.
            ::dup2(fds[1], 1);
            ::dup2(fds[1], 2);
            ::signal(SIGXFSZ, SIG_IGN);
            if (hooks.file_size_max) {
                rlimit r{*hooks.file_size_max, RLIM_INFINITY};
                if (::setrlimit(RLIMIT_FSIZE, &r) != 0) ::_exit(126);
            }
            if (hooks.uid) {
                if (::setgroups(0, nullptr) != 0 || ::setgid(hooks.gid) != 0 || ::setuid(*hooks.uid) != 0)
                    ::_exit(126);
            }
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        reader_ = std::thread([this, fd = fds[0]] {
            char buf[4096];
            for (;;) {
                const ssize_t n = ::read(fd, buf, sizeof buf);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                std::lock_guard lock(mutex_);
                out_.append(buf, static_cast<std::size_t>(n));
            }
            ::close(fd);
        });
    }
    ~Child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            wait(std::chrono::seconds(10));
        }
        if (reader_.joinable()) reader_.join();
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0; }
    // The exit status (128+signal when killed), or -1 still running after `timeout`.
    int wait(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            int status = 0;
            if (pid_ <= 0) return status_;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                if (reader_.joinable()) reader_.join();
                return status_;
            }
            if (std::chrono::steady_clock::now() >= deadline) return -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    int stop() {
        if (pid_ > 0) ::kill(pid_, SIGTERM);
        return wait(generous);
    }
    std::string output() const {
        std::lock_guard lock(mutex_);
        return out_;
    }

private:
    pid_t pid_ = -1;
    int status_ = -1;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::string out_;
};

// A running node on a data dir; start() throws if it never answers.
struct Node {
    Node(fs::path data, std::vector<std::string> extra = {}, Hooks hooks = {}) : data_dir(std::move(data)) {
        port = free_port();
        std::vector<std::string> args{"--datadir", data_dir.string(), "--port", std::to_string(port)};
        args.insert(args.end(), extra.begin(), extra.end());
        child = std::make_unique<Child>(args, hooks);
        const bool up = wait_until(
            [&] {
                if (child->wait(std::chrono::milliseconds(0)) != -1) return true;
                try {
                    client().call("node.info");
                    return true;
                } catch (const std::exception&) {
                    return false;
                }
            },
            generous);
        if (!up || !child->running()) throw std::runtime_error("kopilkad did not start: " + child->output());
    }
    // KOPILKA_DISK_LOG=1 prints the node's log when it goes away.
    ~Node() {
        if (std::getenv("KOPILKA_DISK_LOG")) std::fprintf(stderr, "--- kopilkad log ---\n%s\n", child->output().c_str());
    }
    rpc::Client client() const {
        rpc::Client c("127.0.0.1", port);
        c.set_timeout(generous);
        return c;
    }
    json::value health() const {
        auto r = client().get("/health");
        return json::parse(r.body);
    }
    fs::path data_dir;
    std::uint16_t port = 0;
    std::unique_ptr<Child> child;
};

// Runs kopilkad to completion with hooks; (exit status, output).
std::pair<int, std::string> run_with(const std::vector<std::string>& args, const Hooks& hooks = {}) {
    Child c(args, hooks);
    const int rc = c.wait(std::chrono::seconds(60));
    return {rc, c.output()};
}

fs::path init_dir(const TempDir& tmp, const fs::path& at = {}) {
    const fs::path data = (at.empty() ? tmp.path() : at) / "data";
    auto [rc, out] = run_kopilkad({"init", "--datadir", data.string(), "--chain-name", "kopilka-disk"});
    if (rc != 0) throw std::runtime_error("kopilkad init failed: " + out);
    return data;
}

void set_file_size_max(pid_t pid, rlim_t bytes) {
    rlimit r{bytes, RLIM_INFINITY};
    if (::prlimit(pid, RLIMIT_FSIZE, &r, nullptr) != 0)
        throw std::runtime_error(std::string("prlimit failed: ") + std::strerror(errno));
}

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

// --- a stream of transfers, each to a fresh key --------------------------------

struct Sent {
    SignedTx stx;
    std::string id;
    Account to;
    enum class Outcome { committed, unknown, refused_disk } outcome = Outcome::committed;
    std::string message;
};

struct Stream {
    Volodi& v;
    std::vector<Sent> sent;

    Sent& send() {
        const KeyPair to = KeyPair::generate();
        Sent s;
        s.to = Account::of_key(to.public_key());
        s.stx = v.wallet.sign(v.owner, Transfer{v.coin, v.treasury(), s.to, 1'00, "disk"});
        s.id = to_hex(tx_id(s.stx.tx));
        try {
            auto r = v.wallet.submit(s.stx);
            CHECK(str(r, "status") == "committed");
        } catch (const rpc::Error& e) {
            CHECK(e.code == rpc::unavailable);
            s.message = e.what();
            s.outcome = e.data.is_object() && e.data.as_object().contains("outcome") ? Sent::Outcome::unknown
                                                                                    : Sent::Outcome::refused_disk;
        }
        sent.push_back(std::move(s));
        return sent.back();
    }
    std::size_t count(Sent::Outcome o) const {
        return static_cast<std::size_t>(std::count_if(sent.begin(), sent.end(), [&](const Sent& s) { return s.outcome == o; }));
    }
    // After the disk is back: the same signed bytes again, until each commits
    // (a block that reappeared answers "committed" with its first place).
    void resubmit_failed(rpc::Client& c) {
        for (auto& s : sent) {
            if (s.outcome == Sent::Outcome::committed) continue;
            auto r = c.call("tx.submit", json::object{{"blob", TestWallet::blob(s.stx)}, {"wait", true}});
            CHECK(str(r, "status") == "committed");
            s.outcome = Sent::Outcome::committed;
        }
    }
    // Every transfer is on the chain exactly once: committed by id, and each
    // fresh recipient holds exactly 1.00 (a second movement would make 2.00).
    void check_all_once(rpc::Client& c, const std::string& treasury_before, std::size_t before_count) {
        for (const auto& s : sent) {
            INFO("tx " << s.id);
            auto r = c.call("tx.get", json::object{{"id", s.id}});
            CHECK(str(r, "status") == "committed");
            CHECK(v.wallet.balance(s.to, v.coin) == "1.00");
        }
        const Amount before = *parse_amount(treasury_before);
        CHECK(v.wallet.balance(v.treasury(), v.coin) == format_amount(before - (sent.size() - before_count) * 1'00));
    }
};

void check_verify_ok(const fs::path& data) {
    auto [rc, out] = run_kopilkad({"verify", "--datadir", data.string()});
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.find("OK:") != std::string::npos);
}

// --- file-system snapshots and flags ---------------------------------------------

// Every path under `dir` with its type, size, mode and content.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        struct stat st {};
        ::lstat(e.path().c_str(), &st);
        std::string v = std::to_string(st.st_mode) + ":" + std::to_string(st.st_size) + ":" +
                        std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
        if (e.is_regular_file()) v += ":" + read_text(e.path());
        out[fs::relative(e.path(), dir).string()] = v;
    }
    return out;
}

// The immutable flag (chattr +i): no write, even through a descriptor open
// before, and no new entry in a flagged dir. Needs CAP_LINUX_IMMUTABLE and a
// file system that has the flag (ext4, xfs, btrfs).
bool set_immutable(const fs::path& p, bool on) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return false;
    int flags = 0;
    bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    if (ok) {
        flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
        ok = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    ::close(fd);
    return ok;
}
// Flags (or unflags) the dir and everything in it; false if any flag failed.
bool set_immutable_tree(const fs::path& dir, bool on) {
    bool ok = set_immutable(dir, on);
    for (const auto& e : fs::recursive_directory_iterator(dir)) ok = set_immutable(e.path(), on) && ok;
    return ok;
}

// A byte of a stored record flipped, in a stopped node's ledger.
void flip_byte(const fs::path& data, Column column, const Bytes& key, std::ptrdiff_t from_end) {
    auto store = Store::open(data / "ledger", Store::Mode::open_existing);
    REQUIRE(store);
    auto value = (*store)->get(column, key);
    REQUIRE(value);
    (*value)[value->size() - static_cast<std::size_t>(from_end)] ^= 0x01;
    Batch b;
    b.put(column, key, *value);
    REQUIRE((*store)->write(b));
}

Block read_block(const fs::path& data, std::uint64_t height) {
    auto chain = Chain::open(data / "ledger");
    REQUIRE(chain);
    auto b = (*chain)->block_at(height);
    REQUIRE(b);
    return *b;
}

std::uint64_t tip_height(const fs::path& data) {
    auto chain = Chain::open(data / "ledger");
    REQUIRE(chain);
    return (*chain)->height();
}

}  // namespace

TEST_CASE("a full disk mid-stream loses nothing told committed, commits nothing twice, and the node recovers",
          "[disk]") {
    TempDir tmp("kopilka-disk");
    const fs::path data = init_dir(tmp);
    auto node = std::make_unique<Node>(data);
    rpc::Client c = node->client();
    Volodi v(c);
    v.open();
    const std::string treasury_before = v.wallet.balance(v.treasury(), v.coin);
    Stream stream{v, {}};

    for (int i = 0; i < 5; ++i) stream.send();
    REQUIRE(stream.count(Sent::Outcome::committed) == 5);

    // The disk fills: every write from now on fails with EFBIG.
    set_file_size_max(node->child->pid(), 0);
    for (int i = 0; i < 6; ++i) stream.send();
    CHECK(stream.count(Sent::Outcome::committed) == 5);
    // The block caught by the failure: its outcome is unknown, and the caller is told so.
    REQUIRE(stream.count(Sent::Outcome::unknown) >= 1);
    for (const auto& s : stream.sent) {
        if (s.outcome == Sent::Outcome::committed) continue;
        INFO(s.message);
        CHECK(s.message.find("nothing was committed") == std::string::npos);
        if (s.outcome == Sent::Outcome::unknown) {
            CHECK(s.message.find("not confirmed") != std::string::npos);
            CHECK(s.message.find("same signed transaction again is safe") != std::string::npos);
        } else {
            CHECK(s.message.find("cannot write to") != std::string::npos);
            CHECK(s.message.find("File too large") != std::string::npos);
        }
    }
    // Later submissions are refused at the door with the OS reason.
    CHECK(stream.count(Sent::Outcome::refused_disk) >= 1);

    // Degraded, and it stays so while the disk is full (the node probes it
    // every half second without reopening), but reads go on.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    auto h = node->health();
    CHECK(str(h, "status") == "degraded");
    CHECK(str(h, "error").find("File too large") != std::string::npos);
    CHECK(c.call("node.info").at("height").to_number<std::uint64_t>() > 0);
    CHECK(v.wallet.balance(stream.sent.front().to, v.coin) == "1.00");

    // The disk is fixed: the node reopens its store by itself.
    set_file_size_max(node->child->pid(), RLIM_INFINITY);
    CHECK(wait_until([&] { return str(node->health(), "status") == "ok"; }, generous));
    stream.resubmit_failed(c);
    for (int i = 0; i < 3; ++i) CHECK(stream.send().outcome == Sent::Outcome::committed);
    stream.check_all_once(c, treasury_before, 0);
    const json::value info = c.call("node.info");

    // A restart keeps all of it, and the audit agrees.
    REQUIRE(node->child->stop() == 0);
    node = std::make_unique<Node>(data);
    rpc::Client c2 = node->client();
    Volodi again(c2);  // a wallet on the restarted node, same keys
    again.owner = v.owner;
    Stream reread{again, stream.sent};
    reread.check_all_once(c2, treasury_before, 0);
    CHECK(c2.call("node.info").at("tip_hash") == info.at("tip_hash"));
    REQUIRE(node->child->stop() == 0);
    check_verify_ok(data);
}

TEST_CASE("a really full disk: No space left on device (root only: a small tmpfs)", "[disk][root]") {
    TempDir tmp("kopilka-disk");
    const fs::path mnt = tmp.path() / "mnt";
    fs::create_directories(mnt);
    // Small enough that RocksDB cannot preallocate its log ahead of the filler.
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=24m") != 0) {
        WARN("skipped: cannot mount a tmpfs here (" << std::strerror(errno) << "); needs root");
        return;
    }
    struct Unmount {
        fs::path p;
        ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{mnt};

    const fs::path data = init_dir(tmp, mnt);
    auto node = std::make_unique<Node>(data);
    rpc::Client c = node->client();
    Volodi v(c);
    v.open();
    const std::string treasury_before = v.wallet.balance(v.treasury(), v.coin);
    Stream stream{v, {}};
    for (int i = 0; i < 3; ++i) stream.send();

    const fs::path filler = mnt / "filler";
    {
        const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        REQUIRE(fd >= 0);
        std::vector<char> chunk(64 << 10, 'x');
        while (::write(fd, chunk.data(), chunk.size()) > 0) {
        }
        while (::write(fd, chunk.data(), 1) > 0) {
        }
        ::close(fd);
    }
    for (int i = 0; i < 8 && stream.count(Sent::Outcome::refused_disk) == 0; ++i) stream.send();
    REQUIRE(stream.count(Sent::Outcome::refused_disk) >= 1);
    for (const auto& s : stream.sent)
        if (s.outcome == Sent::Outcome::refused_disk) CHECK(s.message.find("No space left on device") != std::string::npos);
    CHECK(str(node->health(), "status") == "degraded");
    CHECK(v.wallet.balance(stream.sent.front().to, v.coin) == "1.00");

    fs::remove(filler);
    CHECK(wait_until([&] { return str(node->health(), "status") == "ok"; }, generous));
    stream.resubmit_failed(c);
    CHECK(stream.send().outcome == Sent::Outcome::committed);
    stream.check_all_once(c, treasury_before, 0);
    REQUIRE(node->child->stop() == 0);
    check_verify_ok(data);
}

TEST_CASE("a data dir made read-only while running (root only: the immutable flag)", "[disk][root]") {
    TempDir tmp("kopilka-disk");
    // The flag must stop a write through a descriptor opened before it was
    // set, as it does on ext4; tmpfs, for one, takes the flag but not that.
    {
        const fs::path probe = tmp.path() / "probe";
        const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        const bool flagged = set_immutable(probe, true);
        const bool stops = flagged && ::write(fd, "x", 1) < 0;
        set_immutable(probe, false);
        ::close(fd);
        if (!stops) {
            WARN("skipped: the immutable flag does not stop writes here (needs root and e.g. ext4 under "
                 << tmp.path() << ")");
            return;
        }
    }
    const fs::path data = init_dir(tmp);
    const fs::path ledger = data / "ledger";
    struct Unflag {
        fs::path p;
        ~Unflag() { set_immutable_tree(p, false); }
    } unflag{ledger};
    auto node = std::make_unique<Node>(data);
    rpc::Client c = node->client();
    Volodi v(c);
    v.open();
    const std::string treasury_before = v.wallet.balance(v.treasury(), v.coin);
    Stream stream{v, {}};
    for (int i = 0; i < 3; ++i) stream.send();

    REQUIRE(set_immutable_tree(ledger, true));
    for (int i = 0; i < 8 && stream.count(Sent::Outcome::refused_disk) == 0; ++i) stream.send();
    REQUIRE(stream.count(Sent::Outcome::refused_disk) >= 1);
    for (const auto& s : stream.sent)
        if (s.outcome == Sent::Outcome::refused_disk) CHECK(s.message.find("Operation not permitted") != std::string::npos);
    CHECK(str(node->health(), "status") == "degraded");
    CHECK(v.wallet.balance(stream.sent.front().to, v.coin) == "1.00");  // reads go on

    REQUIRE(set_immutable_tree(ledger, false));
    CHECK(wait_until([&] { return str(node->health(), "status") == "ok"; }, generous));
    stream.resubmit_failed(c);
    CHECK(stream.send().outcome == Sent::Outcome::committed);
    stream.check_all_once(c, treasury_before, 0);
    REQUIRE(node->child->stop() == 0);
    check_verify_ok(data);
}

TEST_CASE("a read-only data dir or a full disk at start: a clear refusal and the dir left as it was", "[disk]") {
    TempDir tmp("kopilka-disk");
    const fs::path data = init_dir(tmp);
    {
        Node node(data);
        rpc::Client c = node.client();
        Volodi v(c);
        v.open();
        REQUIRE(node.child->stop() == 0);
    }

    SECTION("read-only") {
        // Root writes anywhere, so the node runs as `nobody` over a dir that
        // user owns but may not write; a non-root test needs only the chmod.
        Hooks hooks;
        if (::geteuid() == 0) {
            const passwd* nobody = ::getpwnam("nobody");
            REQUIRE(nobody);
            hooks.uid = nobody->pw_uid;
            hooks.gid = nobody->pw_gid;
            for (const auto& p : {tmp.path(), data}) REQUIRE(::chown(p.c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
            for (const auto& e : fs::recursive_directory_iterator(data))
                REQUIRE(::lchown(e.path().c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
        }
        auto read_only = [&](bool on) {
            const auto w = fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write;
            auto apply = [&](const fs::path& p) {
                fs::permissions(p, w, on ? fs::perm_options::remove : fs::perm_options::add);
            };
            apply(data);
            for (const auto& e : fs::recursive_directory_iterator(data)) apply(e.path());
        };
        read_only(true);
        const auto before = snapshot(data);
        auto [rc, out] = run_with({"--datadir", data.string(), "--port", std::to_string(free_port())}, hooks);
        INFO(out);
        CHECK(rc == exit_unwritable);
        CHECK(out.find("cannot write to the data dir") != std::string::npos);
        CHECK(out.find("Permission denied") != std::string::npos);
        CHECK(snapshot(data) == before);
        read_only(false);
        if (::geteuid() == 0) {
            for (const auto& p : {tmp.path(), data}) ::chown(p.c_str(), 0, 0);
            for (const auto& e : fs::recursive_directory_iterator(data)) ::lchown(e.path().c_str(), 0, 0);
        }
    }
    SECTION("full") {
        auto [rc, out] = run_with({"--datadir", data.string(), "--port", std::to_string(free_port())},
                                  Hooks{.file_size_max = 0, .uid = std::nullopt, .gid = 0});
        INFO(out);
        CHECK(rc == exit_unwritable);
        CHECK(out.find("cannot write to the data dir") != std::string::npos);
        CHECK(out.find("File too large") != std::string::npos);
    }
    // Nothing was lost: the node starts on the dir once it can write again.
    Node node(data);
    CHECK(node.client().call("node.info").at("height").to_number<std::uint64_t>() == 8);
    REQUIRE(node.child->stop() == 0);
    check_verify_ok(data);
}

TEST_CASE("a corrupted data dir: the node refuses to start and names the broken block", "[disk]") {
    TempDir tmp("kopilka-disk");
    const fs::path pristine = init_dir(tmp);
    {
        Node node(pristine);
        rpc::Client c = node.client();
        Volodi v(c);
        v.open();  // 8 blocks, one transaction each
        for (int i = 0; i < 4; ++i) v.give(v.owner, Volodi::of(KeyPair::generate()), 1'00);
        REQUIRE(node.child->stop() == 0);
    }
    const std::uint64_t tip = tip_height(pristine);
    REQUIRE(tip == 12);
    constexpr std::uint64_t window = 4;  // --check-blocks: blocks 9..12 in full
    const std::uint64_t outside = 3, inside = tip - 1;
    const std::vector<std::string> check_args{"--check-blocks", std::to_string(window)};
    int variant = 0;
    auto copy = [&] {
        const fs::path d = tmp.path() / ("copy" + std::to_string(++variant));
        fs::copy(pristine, d, fs::copy_options::recursive);
        return d;
    };
    auto refuses = [&](const fs::path& data, std::uint64_t height, std::string_view what) {
        std::vector<std::string> args{"--datadir", data.string(), "--port", std::to_string(free_port())};
        args.insert(args.end(), check_args.begin(), check_args.end());
        auto [rc, out] = run_with(args);
        INFO(out);
        CHECK(rc == exit_damaged);
        CHECK(out.find("damaged at block " + std::to_string(height) + ":") != std::string::npos);
        CHECK(out.find(what) != std::string::npos);
        CHECK(out.find("kopilkad verify") != std::string::npos);
    };
    auto verify_names = [&](const fs::path& data, std::uint64_t height) {
        auto [rc, out] = run_kopilkad({"verify", "--datadir", data.string()});
        INFO(out);
        CHECK(rc == 1);
        CHECK(out.find("FAILED at block " + std::to_string(height)) != std::string::npos);
    };
    // A stored block: header (1 + 8 + 32 + 8 + ...) || signature || ids.
    constexpr std::ptrdiff_t header_time_low_byte = 1 + 8 + 32 + 7;

    SECTION("a block header outside the window: every header is checked") {
        const fs::path d = copy();
        const Bytes raw = [&] {
            auto s = Store::open(d / "ledger", Store::Mode::open_existing);
            return *(*s)->get(Column::blocks, keys::block(outside));
        }();
        flip_byte(d, Column::blocks, keys::block(outside), static_cast<std::ptrdiff_t>(raw.size()) - header_time_low_byte);
        refuses(d, outside, "signature does not verify");
        verify_names(d, outside);
    }
    SECTION("a block's transaction ids inside the window") {
        const fs::path d = copy();
        flip_byte(d, Column::blocks, keys::block(inside), 1);
        refuses(d, inside, "tx root");
        verify_names(d, inside);
    }
    SECTION("a transaction record inside the window") {
        const fs::path d = copy();
        const Hash256 id = read_block(d, inside).tx_ids.at(0);
        flip_byte(d, Column::txs, Bytes(id.begin(), id.end()), 1);  // a byte of its signature
        refuses(d, inside, "signature does not verify");
        verify_names(d, inside);
    }
    SECTION("a transaction record outside the window: the node starts, verify names it") {
        const fs::path d = copy();
        const Hash256 id = read_block(d, outside).tx_ids.at(0);
        flip_byte(d, Column::txs, Bytes(id.begin(), id.end()), 1);
        std::vector<std::string> extra = check_args;
        {
            Node node(d, extra);
            CHECK(node.client().call("node.info").at("height").to_number<std::uint64_t>() == tip);
            REQUIRE(node.child->stop() == 0);
        }
        verify_names(d, outside);
        // --check-blocks 0 checks every block in full and finds it at start.
        auto [rc, out] =
            run_with({"--datadir", d.string(), "--port", std::to_string(free_port()), "--check-blocks", "0"});
        INFO(out);
        CHECK(rc == exit_damaged);
        CHECK(out.find("damaged at block " + std::to_string(outside) + ":") != std::string::npos);
    }
}

// A one-off timing, not a test: `test_node_disk "[.timing]"` builds a chain of
// KOPILKA_TIMING_BLOCKS (default 100000) one-transaction blocks in
// $TMPDIR (use a tmpfs: each block is a synced write) and times the startup
// check. docs/node.md quotes its output.
TEST_CASE("timing: the startup check on a long chain", "[.timing]") {
    const char* env = std::getenv("KOPILKA_TIMING_BLOCKS");
    const std::uint64_t blocks = env ? std::stoull(env) : 100'000;
    TestChain t;
    const KeyPair owner = test_key(10);
    t.commit1(t.tx->venue_create(owner, "TIMING"));
    const auto build_start = std::chrono::steady_clock::now();
    for (std::uint64_t h = 2; h <= blocks; ++h) {
        // Each transfer to a new key, so every block applies one movement.
        t.commit1(t.tx->transfer(owner, "TIMING", Account::of_key(test_key(static_cast<std::uint32_t>(1000 + h)).public_key()), 1));
        t.advance_ms(1000);
    }
    const auto built = std::chrono::steady_clock::now();
    const fs::path dir = t.dir.path() / "data";
    t.chain.reset();
    auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    auto open_start = std::chrono::steady_clock::now();
    auto chain = Chain::open(dir);
    REQUIRE(chain);
    const auto opened = std::chrono::steady_clock::now();
    for (std::uint64_t full : {std::uint64_t{288}, std::uint64_t{0}}) {
        const auto s = std::chrono::steady_clock::now();
        REQUIRE((*chain)->check_blocks(full));
        std::printf("check_blocks(full=%llu) on %llu blocks: %lld ms\n", static_cast<unsigned long long>(full),
                    static_cast<unsigned long long>(blocks),
                    static_cast<long long>(ms(std::chrono::steady_clock::now() - s)));
    }
    std::printf("built in %lld ms; Chain::open %lld ms\n", static_cast<long long>(ms(built - build_start)),
                static_cast<long long>(ms(opened - open_start)));
}
