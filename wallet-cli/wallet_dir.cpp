#include "wallet-cli/wallet_dir.h"

#include "crypto/address.h"
#include "wallet-cli/cli_error.h"

#include <boost/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace kopilka::wallet {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view key_suffix = ".key";
constexpr std::string_view phone_suffix = ".phone";
// A .phone file is a few hundred bytes; anything larger is not ours.
constexpr std::uintmax_t phone_file_bytes_max = 4096;

std::string slurp(const fs::path& p, std::uintmax_t max_bytes) {
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec) throw CliError(exit_keystore, "cannot read " + p.string() + ": " + ec.message());
    if (size > max_bytes) throw CliError(exit_keystore, p.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    std::ifstream in(p, std::ios::binary);
    if (!in) throw CliError(exit_keystore, "cannot read " + p.string());
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string strip_newline(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

// Reads one line from the terminal on stdin with echo off.
std::string read_hidden(const std::string& prompt) {
    std::cerr << prompt << std::flush;
    termios old{};
    const bool have_tty = tcgetattr(STDIN_FILENO, &old) == 0;
    if (have_tty) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (have_tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
    return strip_newline(std::move(line));
}

[[noreturn]] void keystore_failure(const std::string& name, const fs::path& path, const KeystoreFailure& f) {
    switch (f.code) {
        case KeystoreError::wrong_passphrase:
            throw CliError(exit_keystore, "wrong passphrase for key '" + name + "'",
                           "check KOPILKA_PASSPHRASE or --passphrase-file; a passphrase cannot be recovered");
        case KeystoreError::malformed:
            throw CliError(exit_keystore, "the keystore of '" + name + "' (" + path.string() + ") is damaged: " + f.message,
                           "restore it from a backup (kopilka key export) or import the key again");
        case KeystoreError::io:
            throw CliError(exit_keystore, "cannot use the keystore of '" + name + "': " + f.message);
        case KeystoreError::exists:
            throw CliError(exit_keystore, "a key named '" + name + "' already exists (" + path.string() + ")",
                           "choose another name; an existing key is never overwritten");
    }
    throw CliError(exit_keystore, f.message);
}

}  // namespace

Passphrase::Passphrase(Passphrase&& other) noexcept : text_(std::move(other.text_)) {
    sodium_memzero(other.text_.data(), other.text_.size());
    other.text_.clear();
}

Passphrase::~Passphrase() { sodium_memzero(text_.data(), text_.size()); }

Passphrase PassphraseSource::get(const std::string& prompt, bool confirm) const {
    if (!file.empty()) {
        Passphrase p(strip_newline(slurp(file, passphrase_bytes_max)));
        if (p.view().empty()) throw CliError(exit_keystore, "the passphrase file " + file + " is empty");
        return p;
    }
    if (const char* env = std::getenv("KOPILKA_PASSPHRASE")) {
        if (!*env) throw CliError(exit_keystore, "KOPILKA_PASSPHRASE is set but empty");
        return Passphrase(env);
    }
    if (!::isatty(STDIN_FILENO))
        throw CliError(exit_keystore, "no passphrase: not on a terminal to ask for one",
                       "set KOPILKA_PASSPHRASE or give --passphrase-file FILE");
    Passphrase p(read_hidden(prompt));
    if (p.view().empty()) throw CliError(exit_keystore, "the passphrase is empty");
    if (p.view().size() > passphrase_bytes_max) throw CliError(exit_keystore, "the passphrase is too long");
    if (confirm) {
        Passphrase again(read_hidden("Repeat the passphrase: "));
        if (again.view() != p.view()) throw CliError(exit_keystore, "the two passphrases differ; nothing was written");
    }
    return p;
}

fs::path WalletDir::default_path() {
    if (const char* env = std::getenv("KOPILKA_WALLET_DIR"); env && *env) return env;
    if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".kopilka";
    return ".kopilka";
}

fs::path WalletDir::key_path(const std::string& name) const { return dir_ / "keys" / (name + std::string(key_suffix)); }
fs::path WalletDir::phone_path(const std::string& name) const {
    return dir_ / "keys" / (name + std::string(phone_suffix));
}

void WalletDir::check_name(const std::string& name) {
    const bool ok = !name.empty() && name.size() <= identity_name_chars_max && name.front() != '.' &&
                    name.front() != '-' && std::all_of(name.begin(), name.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                               c == '_' || c == '-' || c == '.';
                    });
    if (!ok)
        throw CliError(exit_usage, "'" + name + "' cannot be a key name",
                       "use 1-32 of A-Z, a-z, 0-9, '_', '-', '.', not starting with '.' or '-'");
}

bool WalletDir::exists(const std::string& name) const { return fs::exists(key_path(name)); }

std::vector<Identity> WalletDir::list() const {
    std::vector<Identity> out;
    std::error_code ec;
    if (!fs::is_directory(dir_ / "keys", ec)) return out;
    for (const auto& e : fs::directory_iterator(dir_ / "keys", ec)) {
        const std::string file = e.path().filename().string();
        if (!file.ends_with(key_suffix)) continue;
        const std::string name = file.substr(0, file.size() - key_suffix.size());
        try {
            check_name(name);
            out.push_back(identity(name));
        } catch (const CliError&) {
            // Not one of ours (or damaged): `key list` shows what it can.
        }
    }
    std::sort(out.begin(), out.end(), [](const Identity& a, const Identity& b) { return a.name < b.name; });
    return out;
}

std::string WalletDir::keystore_text(const std::string& name) const {
    check_name(name);
    const fs::path p = key_path(name);
    if (!fs::exists(p)) {
        std::string known;
        for (const auto& i : list()) known += (known.empty() ? "" : ", ") + i.name;
        throw CliError(exit_usage, "no key named '" + name + "' in " + (dir_ / "keys").string(),
                       known.empty() ? "create one with: kopilka key new NAME" : "keys here: " + known);
    }
    return slurp(p, 64 * 1024);
}

Identity WalletDir::identity(const std::string& name) const {
    const std::string text = keystore_text(name);
    auto info = keystore_info(text);
    if (!info) keystore_failure(name, key_path(name), info.error());
    Identity id;
    id.name = name;
    id.key = info->public_key;
    id.phone = phone(name);
    return id;
}

void WalletDir::create(const std::string& name, const KeyPair& key, const Passphrase& pass,
                       KdfParams params) const {
    check_name(name);
    std::error_code ec;
    fs::create_directories(dir_ / "keys", ec);
    if (ec) throw CliError(exit_keystore, "cannot make the wallet dir " + (dir_ / "keys").string() + ": " + ec.message());
    // Only the owner may list the keys.
    ::chmod(dir_.c_str(), 0700);
    ::chmod((dir_ / "keys").c_str(), 0700);
    auto ok = keystore_write_file(key_path(name), key, name, pass.view(), params);
    if (!ok) keystore_failure(name, key_path(name), ok.error());
}

KeyPair WalletDir::open(const std::string& name, const Passphrase& pass) const {
    const std::string text = keystore_text(name);
    auto key = keystore_open(text, pass.view());
    if (!key) keystore_failure(name, key_path(name), key.error());
    return std::move(*key);
}

std::optional<PhoneRecord> WalletDir::phone(const std::string& name) const {
    const fs::path p = phone_path(name);
    if (!fs::exists(p)) return std::nullopt;
    boost::system::error_code ec;
    auto v = json::parse(slurp(p, phone_file_bytes_max), ec);
    const json::object* o = ec ? nullptr : v.if_object();
    const json::value* phone = o ? o->if_contains("phone") : nullptr;
    const json::value* account = o ? o->if_contains("account") : nullptr;
    std::optional<ledger::Account> a;
    if (account && account->is_string()) a = ledger::account_from_text(account->get_string());
    if (!phone || !phone->is_string() || !a || a->is_key())
        throw CliError(exit_keystore, p.string() + " is damaged", "claim the phone again: kopilka claim PHONE --code CODE");
    return PhoneRecord{std::string(phone->get_string()), *a};
}

void WalletDir::save_phone(const std::string& name, const PhoneRecord& rec) const {
    json::object o{{"phone", rec.phone}, {"account", ledger::account_text(rec.account)}};
    const fs::path p = phone_path(name);
    const fs::path tmp = p.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << json::serialize(o) << "\n";
        if (!out) throw CliError(exit_keystore, "cannot write " + tmp.string());
    }
    std::error_code ec;
    fs::rename(tmp, p, ec);
    if (ec) throw CliError(exit_keystore, "cannot write " + p.string() + ": " + ec.message());
}

std::string WalletDir::pick(const std::string& as) const {
    if (!as.empty()) {
        check_name(as);
        if (!exists(as)) keystore_text(as);  // throws with the list of keys
        return as;
    }
    auto all = list();
    if (all.size() == 1) return all.front().name;
    if (all.empty())
        throw CliError(exit_usage, "no keys in " + (dir_ / "keys").string(), "create one with: kopilka key new NAME");
    std::string names;
    for (const auto& i : all) names += (names.empty() ? "" : ", ") + i.name;
    throw CliError(exit_usage, "several keys here (" + names + "); say which with --as NAME");
}

}  // namespace kopilka::wallet
