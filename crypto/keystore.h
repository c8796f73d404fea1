// Encrypted keystore: one Ed25519 seed per file, sealed with a passphrase.
//
// Key derivation is Argon2id (crypto_pwhash); encryption is
// XChaCha20-Poly1305 (IETF AEAD) with the file's header as associated data, so
// the name, public key and KDF parameters cannot be swapped without the
// passphrase check failing. The file is text, one "key: value" per line, so an
// operator can see which identity a file holds without opening it.
#pragma once

#include "crypto/keys.h"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace kopilka {

struct KdfParams {
    std::uint64_t ops_limit;
    std::uint64_t mem_limit_bytes;
};
// libsodium's "interactive" Argon2id cost: ~64 MiB, well under a second.
KdfParams kdf_interactive();
// libsodium's "moderate" cost: ~256 MiB; for long-lived operator keys.
KdfParams kdf_moderate();

enum class KeystoreError {
    wrong_passphrase,   // authentication failed: wrong passphrase (or tampered file)
    malformed,          // not a keystore file, or a field is missing or out of range
    io,                 // could not read or write the file
    exists,             // refusing to overwrite an existing file
};

struct KeystoreFailure {
    KeystoreError code;
    std::string message;  // never contains the passphrase or key material
};

struct KeystoreInfo {
    std::string name;
    PublicKey public_key;
};

// Serialises an encrypted keystore for `key`. The passphrase may be empty only
// if the caller accepts an unprotected file; the text still authenticates.
std::string keystore_seal(const KeyPair& key, std::string_view name, std::string_view passphrase,
                          KdfParams params = kdf_interactive());
std::expected<KeyPair, KeystoreFailure> keystore_open(std::string_view text, std::string_view passphrase);
// Reads the clear header (name and public key) without the passphrase.
std::expected<KeystoreInfo, KeystoreFailure> keystore_info(std::string_view text);

// File helpers: write with mode 0600 atomically (temp file, fsync, rename);
// refuse to overwrite.
std::expected<void, KeystoreFailure> keystore_write_file(const std::filesystem::path& path, const KeyPair& key,
                                                         std::string_view name, std::string_view passphrase,
                                                         KdfParams params = kdf_interactive());
std::expected<KeyPair, KeystoreFailure> keystore_read_file(const std::filesystem::path& path,
                                                           std::string_view passphrase);

}  // namespace kopilka
