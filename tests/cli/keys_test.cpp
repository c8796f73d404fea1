// kopilka's keys and its errors a person can act on: several identities,
// export and import, wrong or missing passphrases, damaged keystores, an
// unreachable node, and the documented exit codes.
#include "cli_runner.h"
#include "harness.h"

#include <catch2/catch.hpp>

#include <fstream>

using namespace kopilka::test;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("kopilka keys: new, list, address, export, import, several identities picked by name") {
    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:1");

    auto r = cli({"key", "new", "owner"});
    REQUIRE(r.code == 0);
    const auto addr = field(r.out, "address");
    REQUIRE(addr);
    CHECK(addr->starts_with("kop1"));
    CHECK(address_of(cli, "owner") == *addr);
    // With one key, it is the identity by default.
    CHECK(address_of(cli, "") == *addr);

    // The keystore is private to its owner.
    const auto ks = dir.path() / "wallet" / "keys" / "owner.key";
    REQUIRE(std::filesystem::exists(ks));
    CHECK((std::filesystem::status(ks).permissions() & std::filesystem::perms::group_all) == std::filesystem::perms::none);
    CHECK((std::filesystem::status(ks).permissions() & std::filesystem::perms::others_all) == std::filesystem::perms::none);

    REQUIRE(cli({"key", "new", "masha"}).code == 0);
    r = cli({"key", "list"});
    REQUIRE(r.code == 0);
    CHECK(has(r.out, "owner"));
    CHECK(has(r.out, "masha"));
    CHECK(has(r.out, *addr));

    // Two keys: a command that signs must be told which.
    r = cli({"key", "address"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "--as NAME"));
    CHECK(address_of(cli, "masha") != *addr);

    // Never overwritten.
    r = cli({"key", "new", "owner"});
    CHECK(r.code == 4);
    CHECK(has(r.err, "already exists"));

    // Export: the encrypted keystore by default; the seed only when asked.
    r = cli({"key", "export", "owner"});
    REQUIRE(r.code == 0);
    CHECK(r.out.starts_with("kopilka-keystore v1"));
    const auto backup = dir.path() / "owner-backup.key";
    std::ofstream(backup) << r.out;
    r = cli({"key", "export", "owner", "--seed"});
    REQUIRE(r.code == 0);
    std::string seed = r.out.substr(0, r.out.find('\n'));
    CHECK(seed.size() == 64);
    CHECK(has(r.err, "secret seed"));

    // Import from the seed and from the exported keystore: the same address.
    r = cli({"key", "import", "owner2", "--seed-hex", seed});
    REQUIRE(r.code == 0);
    CHECK(address_of(cli, "owner2") == *addr);
    r = cli({"key", "import", "owner3", "--file", backup.string()});
    REQUIRE(r.code == 0);
    CHECK(address_of(cli, "owner3") == *addr);
    // A keystore sealed under another passphrase: said so.
    r = cli({"key", "import", "owner4", "--file", backup.string()}, "", {{"KOPILKA_PASSPHRASE", "another"}});
    CHECK(r.code == 4);
    CHECK(has(r.err, "wrong passphrase"));
    r = cli({"key", "import", "bad", "--seed-hex", "abcd"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "64 hex"));

    // Names become file names: only plain ones.
    r = cli({"key", "new", "../evil"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "cannot be a key name"));
}

TEST_CASE("kopilka passphrases: wrong, missing, from a file, damaged keystores are named") {
    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:1");
    REQUIRE(cli({"key", "new", "client"}).code == 0);

    // Wrong passphrase: exit 4 and a message saying exactly that.
    auto r = cli({"key", "export", "client", "--seed"}, "", {{"KOPILKA_PASSPHRASE", "wrong one"}});
    CHECK(r.code == 4);
    CHECK(has(r.err, "wrong passphrase for key 'client'"));
    CHECK(has(r.err, "hint:"));
    CHECK(r.out.empty());

    // No passphrase and no terminal to ask on.
    r = cli({"key", "export", "client", "--seed"}, "", {{"KOPILKA_PASSPHRASE", ""}});
    CHECK(r.code == 4);
    CHECK(has(r.err, "no passphrase"));
    CHECK(has(r.err, "KOPILKA_PASSPHRASE"));

    // From a file (first line), which beats the environment.
    const auto pf = dir.path() / "pass";
    std::ofstream(pf) << "correct horse battery staple\n";
    r = cli({"key", "export", "client", "--seed", "--passphrase-file", pf.string()}, "", {{"KOPILKA_PASSPHRASE", "wrong"}});
    CHECK(r.code == 0);
    r = cli({"key", "export", "client", "--seed", "--passphrase-file", (dir.path() / "nope").string()});
    CHECK(r.code == 4);
    CHECK(has(r.err, "cannot read"));

    // An unknown name lists the known ones.
    r = cli({"--as", "nobody", "balance"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "no key named 'nobody'"));
    CHECK(has(r.err, "client"));

    // A damaged keystore: exit 4, the file named.
    const auto ks = dir.path() / "wallet" / "keys" / "client.key";
    std::string text;
    {
        std::ifstream in(ks);
        text.assign((std::istreambuf_iterator<char>(in)), {});
    }
    auto flipped = text;
    const auto pos = flipped.find("ciphertext: ") + 14;
    flipped[pos] = flipped[pos] == '0' ? '1' : '0';
    std::ofstream(ks, std::ios::trunc) << flipped;
    r = cli({"key", "export", "client", "--seed"});
    CHECK(r.code == 4);
    CHECK(has(r.err, "wrong passphrase"));  // AEAD: a changed ciphertext fails like a wrong passphrase
    std::ofstream(ks, std::ios::trunc) << text.substr(0, text.size() / 2);
    r = cli({"key", "export", "client", "--seed"});
    CHECK(r.code == 4);
    CHECK(has(r.err, "is damaged"));
    CHECK(has(r.err, "client.key"));
}

TEST_CASE("kopilka errors: node unreachable is exit 3 with the address, usage is exit 2, --help documents the codes") {
    TempDir dir("kopilka-wallet");
    Cli cli(dir.path() / "wallet", "127.0.0.1:1");
    REQUIRE(cli({"key", "new", "a"}).code == 0);

    auto r = cli({"venue", "list"});
    CHECK(r.code == 3);
    CHECK(has(r.err, "cannot reach kopilkad at 127.0.0.1:1"));
    CHECK(has(r.err, "--node"));

    r = cli({"--node", "nonsense:99999", "venue", "list"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "port"));

    r = cli({"send", "VOLODYA"});
    CHECK(r.code == 2);
    r = cli({"send", "volodya", "+79000000001", "3"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "not a ticker"));
    r = cli({"send", "VOLODYA", "+79000000001", "3.001"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "not an amount"));
    r = cli({"send", "VOLODYA", "kop1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "3"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "checksum"));

    r = cli({"--help"});
    CHECK(r.code == 0);
    for (const char* line : {"0  ok", "1  refused by the ledger", "2  bad usage", "3  the node could not be reached",
                             "4  keystore or passphrase", "5  the node answered", "6  the audit found a fault"})
        CHECK(has(r.out, line));
}
