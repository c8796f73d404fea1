// Acknowledged blocks never vanish (issue 13): "a store that finds corruption
// must refuse to open, never recover to an earlier point in silence".
//
// The damage is done to raw bytes of RocksDB's files, never through records:
//  - the write-ahead log (start, middle and tail of the live log), and the log
//    cut short by its last bytes: the node refuses to start (exit 3) naming
//    the log file, or, for the cut (which RocksDB takes for a crash's torn
//    tail), naming the tip anchor and both heights; `kopilkad verify` fails.
//    The same cut with the anchor one block back (the block was in flight,
//    never acknowledged) opens at the block before;
//  - a table (.sst) file of every column family, compacted first so each
//    exists: exit 3 naming the file, and `verify` naming the file and family;
//  - table files damaged under a running node with a cold block cache: no
//    abort, reads answered where the records can be read, the others get
//    2004 {"reason": "damaged"}, /health answers 503 "damaged", tx.submit is
//    refused, and the next start exits 3 naming the file;
//  - the newest blocks deleted from RocksDB, and the tip anchor moved: a tip
//    below the anchor is refused, one block above it (the block in flight at
//    a crash) is taken and anchored, two above are refused.
#include "harness.h"

#include "ledger/anchor.h"
#include "ledger/chain.h"
#include "ledger/codec.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

using namespace kopilka;
using namespace kopilka::ledger;
using namespace kopilka::test;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr int exit_damaged = 3;  // node/main.cpp
// A node that does not refuse keeps running; past this it is killed and the
// test fails.
constexpr auto refusal_wait = std::chrono::seconds(20);

// A chain of `blocks` blocks (one transaction each) made by the real node,
// which is then stopped cleanly.
struct Made {
    std::unique_ptr<NodeProcess> node = std::make_unique<NodeProcess>();
    std::vector<std::string> tx_ids;
    std::vector<Account> accounts;
    std::string coin;
    fs::path data() const { return node->data_dir(); }
};

std::unique_ptr<Made> make_chain(std::size_t blocks) {
    auto m = std::make_unique<Made>();
    rpc::Client c = m->node->client();
    Volodi v(c);
    v.open();
    m->tx_ids = v.tx_ids;
    m->coin = v.coin;
    m->accounts = {v.treasury(), Volodi::of(v.masha), Volodi::of(v.petya)};
    // Coins to a phone: its message gives the outbox family a record too.
    const Account phone = v.phone("+7 900 000-00-41");
    m->tx_ids.push_back(std::string(v.give(v.masha, phone, 1).at("id").as_string()));
    m->accounts.push_back(phone);
    while (m->tx_ids.size() < blocks) {
        const Account to = Volodi::of(KeyPair::generate());
        auto r = v.give(v.owner, to, 1);
        m->tx_ids.push_back(std::string(r.at("id").as_string()));
        m->accounts.push_back(to);
    }
    REQUIRE(c.call("node.info").at("height").to_number<std::uint64_t>() == blocks);
    REQUIRE(m->node->stop() == 0);
    return m;
}

// Runs the node on `data` until it exits by itself; -1 if it was still
// running after refusal_wait (it then is killed).
std::pair<int, std::string> start_to_exit(const fs::path& data, const fs::path& out) {
    const pid_t pid = spawn_kopilkad({"--datadir", data.string(), "--port", "0"}, out);
    const auto deadline = std::chrono::steady_clock::now() + refusal_wait;
    for (;;) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_text(out)};
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return {-1, read_text(out)};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

fs::path copy_of(const fs::path& data, const fs::path& to) {
    fs::copy(data, to, fs::copy_options::recursive);
    return to;
}

void flip(const fs::path& file, std::uint64_t offset) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    std::uint8_t b = 0;
    REQUIRE(::pread(fd, &b, 1, static_cast<off_t>(offset)) == 1);
    b ^= 0x10;
    REQUIRE(::pwrite(fd, &b, 1, static_cast<off_t>(offset)) == 1);
    REQUIRE(::fsync(fd) == 0);
    ::close(fd);
}

// The biggest write-ahead-log file of a ledger: the live one after a run.
fs::path live_log(const fs::path& ledger) {
    fs::path best;
    for (const auto& e : fs::directory_iterator(ledger))
        if (e.path().extension() == ".log" && (best.empty() || fs::file_size(e.path()) > fs::file_size(best)))
            best = e.path();
    REQUIRE(!best.empty());
    return best;
}

// Compacts a stopped node's ledger, so every family has a table file.
void compact(const fs::path& data) {
    auto store = Store::open(data / "ledger", Store::Mode::open_existing);
    REQUIRE(store);
    REQUIRE((*store)->compact());
}

std::map<Column, fs::path> table_files(const fs::path& data) {
    auto store = Store::open(data / "ledger", Store::Mode::read_only);
    REQUIRE(store);
    std::map<Column, fs::path> out;
    for (const auto& [c, p] : (*store)->table_files()) {
        INFO(column_name(c) << " has two table files");
        CHECK(!out.contains(c));
        out[c] = p;
    }
    REQUIRE(out.size() == column_count);
    return out;
}

void check_refused(const fs::path& data, const fs::path& out, const std::string& names) {
    auto [rc, text] = start_to_exit(data, out);
    INFO(text);
    CHECK(rc == exit_damaged);
    CHECK(text.find("is damaged") != std::string::npos);
    CHECK(text.find(names) != std::string::npos);
    CHECK(text.find("kopilkad verify") != std::string::npos);
}

std::string verify_output(const fs::path& data) {
    auto [rc, out] = run_kopilkad({"verify", "--datadir", data.string()});
    CHECK(rc == 1);
    CHECK(out.find("FAILED") != std::string::npos);
    CHECK(out.find("OK:") == std::string::npos);
    return out;
}

int error_code(const rpc::Error& e) { return e.code; }
std::string reason_of(const rpc::Error& e) {
    if (!e.data.is_object() || !e.data.as_object().contains("reason")) return {};
    return std::string(e.data.at("reason").as_string());
}

// Calls `method` and tells how it went: answered, or refused as damaged
// (anything else fails the test).
bool answered(rpc::Client& c, std::string_view method, json::value params) {
    try {
        c.call(method, std::move(params));
        return true;
    } catch (const rpc::Error& e) {
        INFO(method << ": " << e.what());
        CHECK(error_code(e) == rpc::unavailable);
        CHECK(reason_of(e) == "damaged");
        CHECK(std::string(e.what()).find("cannot be read") != std::string::npos);
        return false;
    }
}

}  // namespace

TEST_CASE("a flipped byte in the write-ahead log, at its start, middle or tail, or its tail cut off: exit 3, never an earlier tip",
          "[corruption][wal]") {
    constexpr std::size_t blocks = 300;
    // Made once: Catch runs the case again for each section.
    static const auto made = make_chain(blocks);
    TempDir tmp("kopilka-corrupt-wal");
    const fs::path log = live_log(made->data() / "ledger");
    const std::uint64_t size = fs::file_size(log);
    INFO("log " << log.filename().string() << " of " << size << " bytes");
    REQUIRE(size > 100'000);  // the blocks are in the log, not yet in table files

    int n = 0;
    for (const std::uint64_t offset : {std::uint64_t{100}, size / 2, size - 10}) {
        SECTION("a byte at offset " + std::to_string(offset)) {
            const fs::path d = copy_of(made->data(), tmp.path() / ("copy" + std::to_string(++n)));
            flip(d / "ledger" / log.filename(), offset);
            check_refused(d, tmp.path() / "out", log.filename().string());
            const std::string v = verify_output(d);
            INFO(v);
            CHECK(v.find(log.filename().string()) != std::string::npos);
        }
    }
    SECTION("the log's last bytes cut off: RocksDB sees a crash's torn tail, the tip anchor sees a lost block") {
        const fs::path d = copy_of(made->data(), tmp.path() / "cut");
        fs::resize_file(d / "ledger" / log.filename(), size - 10);
        check_refused(d, tmp.path() / "out", "but block " + std::to_string(blocks) + " was acknowledged");
        const std::string v = verify_output(d);
        INFO(v);
        CHECK(v.find("tip anchor") != std::string::npos);
    }
    SECTION("the same cut when that block was never acknowledged (a crash before its anchor): the node starts") {
        const fs::path d = copy_of(made->data(), tmp.path() / "torn");
        Hash256 before{};
        {
            auto s = Store::open(d / "ledger", Store::Mode::read_only);
            REQUIRE(s);
            auto b = decode_block(*(*s)->get(Column::blocks, keys::block(blocks - 1)));
            REQUIRE(b);
            before = block_hash(b->header);
        }
        REQUIRE(TipAnchor::create(d / "ledger", TipMark{blocks - 1, before}));
        fs::resize_file(d / "ledger" / log.filename(), size - 10);
        auto chain = Chain::open(d / "ledger");
        INFO((chain ? "" : chain.error()));
        REQUIRE(chain);
        CHECK((*chain)->height() == blocks - 1);
    }
}

TEST_CASE("a flipped byte in a table file of every column family: exit 3 naming the file, verify naming the family",
          "[corruption][sst]") {
    static const auto made = [] {
        auto m = make_chain(200);
        compact(m->data());
        return m;
    }();
    TempDir tmp("kopilka-corrupt-sst");
    const auto files = table_files(made->data());
    int n = 0;
    auto damaged_copy = [&](Column c, std::uint64_t offset) {
        const fs::path d = copy_of(made->data(), tmp.path() / ("copy" + std::to_string(++n)));
        flip(d / "ledger" / files.at(c).filename(), offset);
        return d;
    };
    for (std::size_t i = 0; i < column_count; ++i) {
        const Column c = static_cast<Column>(i);
        SECTION(std::string("its first data block, family ") + std::string(column_name(c))) {
            const fs::path d = damaged_copy(c, 10);
            check_refused(d, tmp.path() / "out", files.at(c).filename().string());
            const std::string v = verify_output(d);
            INFO(v);
            CHECK(v.find(files.at(c).filename().string()) != std::string::npos);
            CHECK(v.find("column family " + std::string(column_name(c))) != std::string::npos);
            // Blocks and transaction records belong to a block, which is
            // named; the other families' records to none.
            if (c != Column::blocks && c != Column::txs) CHECK(v.find("FAILED at block") == std::string::npos);
        }
    }
    const std::uint64_t txs_size = fs::file_size(files.at(Column::txs));
    for (const std::uint64_t offset : {txs_size / 2, txs_size - 4}) {
        SECTION("the txs table at offset " + std::to_string(offset) + " of " + std::to_string(txs_size)) {
            const fs::path d = damaged_copy(Column::txs, offset);
            check_refused(d, tmp.path() / "out", files.at(Column::txs).filename().string());
            verify_output(d);
        }
    }
}

TEST_CASE("table files damaged under a running node: no abort, reads answered where they can be, /health 503, "
          "tx.submit refused, the next start exits 3",
          "[corruption][serving]") {
    auto made = make_chain(200);
    TempDir tmp("kopilka-corrupt-serving");
    compact(made->data());
    const auto files = table_files(made->data());
    // A block cache too small to keep anything: every read goes to the files.
    made->node->set_extra_args({"--block-cache-bytes", "1"});
    made->node->start();
    rpc::Client c = made->node->client();
    REQUIRE(c.get("/health").status == 200);
    for (Column col : {Column::blocks, Column::txs, Column::index}) flip(files.at(col), 10);

    std::size_t txs_ok = 0, txs_damaged = 0;
    for (const auto& id : made->tx_ids) (answered(c, "tx.get", json::object{{"id", id}}) ? txs_ok : txs_damaged)++;
    CHECK(txs_damaged > 0);
    CHECK(txs_ok > 0);
    std::size_t blocks_ok = 0, blocks_damaged = 0;
    for (std::uint64_t h = 1; h <= made->tx_ids.size(); ++h)
        (answered(c, "block.get", json::object{{"height", h}}) ? blocks_ok : blocks_damaged)++;
    CHECK(blocks_damaged > 0);
    CHECK(blocks_ok > 0);
    std::size_t history_ok = 0, history_damaged = 0;
    for (const Account& a : made->accounts)
        (answered(c, "account.history", json::object{{"account", account_text(a)}}) ? history_ok : history_damaged)++;
    CHECK(history_damaged > 0);
    CHECK(history_ok > 0);
    CHECK(made->node->running());

    auto health = c.get("/health");
    CHECK(health.status == 503);
    const json::value h = json::parse(health.body);
    CHECK(h.at("status") == "damaged");
    CHECK(std::string(h.at("error").as_string()).find(".sst") != std::string::npos);

    TestWallet w(c);
    const KeyPair k = KeyPair::generate();
    ledger::Profile p;
    p.name = "After";
    const rpc::Error refused = error_of(c, "tx.submit",
                                        json::object{{"blob", TestWallet::blob(w.sign(k, VenueCreate{"AFTER", p}))},
                                                     {"wait", true}});
    CHECK(refused.code == rpc::unavailable);
    CHECK(reason_of(refused) == "damaged");
    CHECK(std::string(refused.what()).find("takes no transactions") != std::string::npos);
    CHECK(c.call("node.info").at("height").to_number<std::uint64_t>() == made->tx_ids.size());

    const int rc = made->node->stop();
    CHECK(rc == 0);
    const std::string log = made->node->log();
    CHECK(log.find("store.damaged") != std::string::npos);
    check_refused(made->data(), tmp.path() / "out", ".sst");
}

TEST_CASE("the tip anchor: a tip below it is refused, the block in flight above it is taken, two above are refused",
          "[corruption][anchor]") {
    constexpr std::uint64_t blocks = 20;
    static const auto made = make_chain(blocks);
    TempDir tmp("kopilka-corrupt-anchor");
    const fs::path ledger_dir = made->data() / "ledger";
    auto anchored = TipAnchor::read(ledger_dir);
    REQUIRE(anchored);
    REQUIRE(*anchored);
    CHECK((*anchored)->height == blocks);
    CHECK(fs::file_size(TipAnchor::path_in(ledger_dir)) == anchor_file_bytes);
    auto hash_at = [&](const fs::path& ledger, std::uint64_t height) {
        auto s = Store::open(ledger, Store::Mode::read_only);
        REQUIRE(s);
        auto b = decode_block(*(*s)->get(Column::blocks, keys::block(height)));
        REQUIRE(b);
        return block_hash(b->header);
    };
    CHECK((*anchored)->hash == hash_at(ledger_dir, blocks));

    SECTION("the three newest blocks deleted, the tip record moved back consistently") {
        const fs::path d = copy_of(made->data(), tmp.path() / "deleted");
        const std::uint64_t kept = blocks - 3;
        const Hash256 kept_hash = hash_at(d / "ledger", kept);
        {
            auto s = Store::open(d / "ledger", Store::Mode::open_existing);
            REQUIRE(s);
            Batch b;
            for (std::uint64_t h = kept + 1; h <= blocks; ++h) b.erase(Column::blocks, keys::block(h));
            b.put(Column::meta, keys::meta_tip(), keys::tip_value(kept, kept_hash));
            REQUIRE((*s)->write(b));
        }
        check_refused(d, tmp.path() / "out",
                      "the ledger's tip is block " + std::to_string(kept) + ", but block " + std::to_string(blocks) +
                          " was acknowledged");
        const std::string v = verify_output(d);
        INFO(v);
    }
    SECTION("the anchor one block behind (a crash between the two syncs): the node starts and anchors its tip") {
        const fs::path d = copy_of(made->data(), tmp.path() / "behind1");
        REQUIRE(TipAnchor::create(d / "ledger", TipMark{blocks - 1, hash_at(d / "ledger", blocks - 1)}));
        {
            auto chain = Chain::open(d / "ledger");
            INFO((chain ? "" : chain.error()));
            REQUIRE(chain);
            CHECK((*chain)->height() == blocks);
        }
        auto now = TipAnchor::read(d / "ledger");
        REQUIRE(now);
        REQUIRE(*now);
        CHECK((*now)->height == blocks);
    }
    SECTION("the anchor two blocks behind: refused") {
        const fs::path d = copy_of(made->data(), tmp.path() / "behind2");
        REQUIRE(TipAnchor::create(d / "ledger", TipMark{blocks - 2, hash_at(d / "ledger", blocks - 2)}));
        check_refused(d, tmp.path() / "out", "more than the one block");
    }
    SECTION("the anchor naming another block at the tip's height: refused") {
        const fs::path d = copy_of(made->data(), tmp.path() / "other");
        REQUIRE(TipAnchor::create(d / "ledger", TipMark{blocks, hash_at(d / "ledger", 1)}));
        check_refused(d, tmp.path() / "out", "not the ledger whose tip was acknowledged");
    }
    SECTION("both slots of the anchor damaged: refused") {
        const fs::path d = copy_of(made->data(), tmp.path() / "slots");
        flip(TipAnchor::path_in(d / "ledger"), 5);
        flip(TipAnchor::path_in(d / "ledger"), anchor_slot_bytes + 5);
        check_refused(d, tmp.path() / "out", "neither slot holds a valid record");
    }
}


// A one-off timing, not a test: `test_node_corruption "[.timing]"` times, in
// $TMPDIR, KOPILKA_TIMING_WRITES (default 500) synced RocksDB batches of about
// a one-transaction block's size against as many tip anchor advances (one
// pwrite and one fdatasync each). docs/performance.md quotes its output.
TEST_CASE("timing: the tip anchor's sync against a block's synced write", "[.timing]") {
    const char* env = std::getenv("KOPILKA_TIMING_WRITES");
    const std::uint64_t writes = env ? std::stoull(env) : 500;
    TempDir tmp("kopilka-anchor-timing");
    auto store = Store::open(tmp.path() / "ledger", Store::Mode::create_new);
    REQUIRE(store);
    auto anchor = TipAnchor::create(tmp.path() / "ledger", TipMark{});
    REQUIRE(anchor);
    using clock = std::chrono::steady_clock;
    auto us = [](clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); };
    clock::duration batches{}, anchors{};
    for (std::uint64_t h = 1; h <= writes; ++h) {
        Batch b;
        b.put(Column::blocks, keys::block(h), Bytes(400, static_cast<std::uint8_t>(h)));
        b.put(Column::txs, keys::block(h), Bytes(300, static_cast<std::uint8_t>(h)));
        b.put(Column::meta, keys::meta_tip(), keys::tip_value(h, Hash256{}));
        const auto s = clock::now();
        REQUIRE((*store)->write(b));
        const auto m = clock::now();
        REQUIRE((*anchor)->advance(TipMark{h, Hash256{}}));
        const auto e = clock::now();
        batches += m - s;
        anchors += e - m;
    }
    std::printf("%llu blocks: synced RocksDB batch %.0f us, tip anchor advance %.0f us (mean)\n",
                static_cast<unsigned long long>(writes), us(batches) / static_cast<double>(writes),
                us(anchors) / static_cast<double>(writes));
    // Reading every table file whole, as each start does: incompressible
    // records, compacted into table files.
    const char* mb_env = std::getenv("KOPILKA_TIMING_MB");
    const std::uint64_t mb = mb_env ? std::stoull(mb_env) : 64;
    constexpr std::size_t record_bytes = 4096;
    for (std::uint64_t i = 0; i < mb * 256; ++i) {
        Batch b;
        Bytes v(record_bytes);
        random_bytes(v);
        b.put(Column::state, keys::block(i), std::move(v));
        REQUIRE((*store)->write(b, /*sync=*/false));
    }
    REQUIRE((*store)->compact());
    const auto s = clock::now();
    REQUIRE((*store)->verify_files());
    const double ms = std::chrono::duration<double, std::milli>(clock::now() - s).count();
    std::printf("verify_files over %llu MiB of table files: %.0f ms\n", static_cast<unsigned long long>(mb), ms);
}
