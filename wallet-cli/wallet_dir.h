// The wallet dir: one encrypted keystore per identity, picked by name, and
// beside it what the wallet learnt about that identity (the phone it claimed).
//
//     <dir>/keys/<name>.key     crypto/keystore text (Argon2id + XChaCha20-Poly1305), mode 0600
//     <dir>/keys/<name>.phone   JSON: the claimed phone (E.164) and its account
#pragma once

#include "crypto/keystore.h"
#include "ledger/types.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kopilka::wallet {

// Identity names become file names, so they are short and plain.
inline constexpr std::size_t identity_name_chars_max = 32;
// A passphrase file or prompt longer than this is refused, not truncated.
inline constexpr std::size_t passphrase_bytes_max = 1024;

// A passphrase held in memory only as long as needed, wiped on destruction.
class Passphrase {
public:
    Passphrase() = default;
    explicit Passphrase(std::string text) : text_(std::move(text)) {}
    Passphrase(Passphrase&& other) noexcept;
    Passphrase& operator=(Passphrase&&) = delete;
    Passphrase(const Passphrase&) = delete;
    ~Passphrase();
    std::string_view view() const { return text_; }

private:
    std::string text_;
};

// Where the passphrase comes from, in order: --passphrase-file, the
// KOPILKA_PASSPHRASE environment variable, a prompt on the terminal (no echo).
struct PassphraseSource {
    std::string file;
    Passphrase get(const std::string& prompt, bool confirm) const;
};

struct PhoneRecord {
    std::string phone;       // E.164 as the node normalised it
    ledger::Account account; // phone:<hex>
};

struct Identity {
    std::string name;
    PublicKey key;
    std::optional<PhoneRecord> phone;
};

class WalletDir {
public:
    explicit WalletDir(std::filesystem::path dir) : dir_(std::move(dir)) {}
    // ~/.kopilka unless KOPILKA_WALLET_DIR or --wallet-dir says otherwise.
    static std::filesystem::path default_path();

    const std::filesystem::path& path() const { return dir_; }
    std::filesystem::path key_path(const std::string& name) const;
    std::filesystem::path phone_path(const std::string& name) const;

    static void check_name(const std::string& name);  // throws CliError(exit_usage)
    std::vector<Identity> list() const;
    bool exists(const std::string& name) const;
    // Reads the public part without the passphrase.
    Identity identity(const std::string& name) const;
    // Writes a new keystore; refuses to overwrite.
    void create(const std::string& name, const KeyPair& key, const Passphrase& pass,
                KdfParams params = kdf_interactive()) const;
    KeyPair open(const std::string& name, const Passphrase& pass) const;
    std::string keystore_text(const std::string& name) const;

    std::optional<PhoneRecord> phone(const std::string& name) const;
    void save_phone(const std::string& name, const PhoneRecord& rec) const;

    // The identity to act as: `as` if given, else the only one in the dir.
    std::string pick(const std::string& as) const;

private:
    std::filesystem::path dir_;
};

}  // namespace kopilka::wallet
