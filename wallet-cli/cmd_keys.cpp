// kopilka key new|import|export|list|address
#include "crypto/address.h"
#include "wallet-cli/cli_error.h"
#include "wallet-cli/commands.h"
#include "wallet-cli/format.h"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>

namespace kopilka::wallet {

namespace {

// Bounds what `key import --file` reads: a keystore is under 1 KiB.
constexpr std::uintmax_t import_file_bytes_max = 4096;

KeyPair key_from_seed_hex(std::string hex) {
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) hex.pop_back();
    auto seed = from_hex(hex);
    if (!seed || seed->size() != seed_bytes)
        throw CliError(exit_usage, "the seed must be " + std::to_string(seed_bytes * 2) + " hex characters");
    SecretBytes secret(*seed);
    std::fill(seed->begin(), seed->end(), std::uint8_t{0});
    return KeyPair::from_seed(secret.view());
}

}  // namespace

void add_key_commands(CLI::App& app, Program& p) {
    auto* key = app.add_subcommand("key", "keys: new, import, export, list, address");
    key->require_subcommand(1);

    {
        auto name = std::make_shared<std::string>();
        auto kdf = std::make_shared<std::string>("interactive");
        auto* c = key->add_subcommand("new", "make a new key, encrypted with a passphrase");
        c->add_option("NAME", *name, "a name for the key (e.g. owner, masha)")->required();
        c->add_option("--kdf", *kdf, "Argon2id cost: interactive (64 MiB) or moderate (256 MiB, for owners)")
            ->check(CLI::IsMember({"interactive", "moderate"}))
            ->capture_default_str();
        c->callback([&p, name, kdf] {
            p.action = [name, kdf](Session& s) {
                WalletDir::check_name(*name);
                if (s.wallet().exists(*name))
                    throw CliError(exit_keystore, "a key named '" + *name + "' already exists",
                                   "choose another name; an existing key is never overwritten");
                KeyPair k = KeyPair::generate();
                Passphrase pass = PassphraseSource{s.options().passphrase_file}.get("New passphrase for '" + *name + "': ", true);
                s.wallet().create(*name, k, pass, *kdf == "moderate" ? kdf_moderate() : kdf_interactive());
                std::cout << "created key '" << *name << "' in " << s.wallet().key_path(*name).string() << "\n"
                          << "address: " << address_from_key(k.public_key()) << "\n";
                return 0;
            };
        });
    }
    {
        auto name = std::make_shared<std::string>();
        auto seed_hex = std::make_shared<std::string>();
        auto file = std::make_shared<std::string>();
        auto* c = key->add_subcommand("import", "import a key from its seed or from an exported keystore");
        c->add_option("NAME", *name, "the name to keep it under")->required();
        auto* o1 = c->add_option("--seed-hex", *seed_hex, "the 32-byte seed as 64 hex characters");
        auto* o2 = c->add_option("--file", *file, "a keystore file (kopilka key export) or a file holding the seed hex");
        o1->excludes(o2);
        c->callback([&p, name, seed_hex, file] {
            p.action = [name, seed_hex, file](Session& s) {
                WalletDir::check_name(*name);
                if (seed_hex->empty() && file->empty()) throw CliError(exit_usage, "give --seed-hex HEX or --file FILE");
                if (s.wallet().exists(*name))
                    throw CliError(exit_keystore, "a key named '" + *name + "' already exists",
                                   "choose another name; an existing key is never overwritten");
                PassphraseSource src{s.options().passphrase_file};
                std::optional<KeyPair> k;
                if (!seed_hex->empty()) {
                    k.emplace(key_from_seed_hex(*seed_hex));
                } else {
                    std::error_code ec;
                    const auto size = std::filesystem::file_size(*file, ec);
                    if (ec) throw CliError(exit_usage, "cannot read " + *file + ": " + ec.message());
                    if (size > import_file_bytes_max) throw CliError(exit_usage, *file + " is not a keystore or a seed (too large)");
                    std::ifstream in(*file, std::ios::binary);
                    std::string text((std::istreambuf_iterator<char>(in)), {});
                    if (text.starts_with("kopilka-keystore")) {
                        // Opened with the same passphrase it is sealed again with.
                        Passphrase pass = src.get("Passphrase of the keystore: ", false);
                        auto opened = keystore_open(text, pass.view());
                        if (!opened) {
                            if (opened.error().code == KeystoreError::wrong_passphrase)
                                throw CliError(exit_keystore, "wrong passphrase for the keystore in " + *file);
                            throw CliError(exit_keystore, *file + " is not a usable keystore: " + opened.error().message);
                        }
                        s.wallet().create(*name, *opened, pass);
                        std::cout << "imported '" << *name << "'\naddress: " << address_from_key(opened->public_key()) << "\n";
                        return 0;
                    }
                    k.emplace(key_from_seed_hex(text));
                }
                Passphrase pass = src.get("New passphrase for '" + *name + "': ", true);
                s.wallet().create(*name, *k, pass);
                std::cout << "imported '" << *name << "'\naddress: " << address_from_key(k->public_key()) << "\n";
                return 0;
            };
        });
    }
    {
        auto name = std::make_shared<std::string>();
        auto seed = std::make_shared<bool>(false);
        auto* c = key->add_subcommand("export", "print the encrypted keystore (a backup), or with --seed the secret seed");
        c->add_option("NAME", *name, "the key")->required();
        c->add_flag("--seed", *seed, "print the secret seed in hex (asks the passphrase); anyone with it holds the key");
        c->callback([&p, name, seed] {
            p.action = [name, seed](Session& s) {
                if (!*seed) {
                    std::cout << s.wallet().keystore_text(*name);
                    return 0;
                }
                Passphrase pass = PassphraseSource{s.options().passphrase_file}.get("Passphrase for '" + *name + "': ", false);
                KeyPair k = s.wallet().open(*name, pass);
                std::cerr << "kopilka: this is the secret seed of '" << *name << "'; whoever sees it holds the key\n";
                std::cout << to_hex(k.seed().view()) << "\n";
                return 0;
            };
        });
    }
    {
        auto json_out = std::make_shared<bool>(false);
        auto* c = key->add_subcommand("list", "the keys in the wallet dir, with their addresses and claimed phones");
        c->add_flag("--json", *json_out, "as JSON");
        c->callback([&p, json_out] {
            p.action = [json_out](Session& s) {
                auto all = s.wallet().list();
                if (*json_out) {
                    json::array a;
                    for (const auto& i : all) {
                        json::object o{{"name", i.name}, {"address", address_from_key(i.key)}};
                        o["phone"] = i.phone ? json::value(i.phone->phone) : json::value(nullptr);
                        o["phone_account"] = i.phone ? json::value(ledger::account_text(i.phone->account)) : json::value(nullptr);
                        a.push_back(std::move(o));
                    }
                    std::cout << json::serialize(a) << "\n";
                    return 0;
                }
                if (all.empty()) {
                    std::cout << "no keys in " << (s.wallet().path() / "keys").string() << "; make one with: kopilka key new NAME\n";
                    return 0;
                }
                Table t({"NAME", "ADDRESS", "PHONE"});
                for (const auto& i : all) t.add({i.name, address_from_key(i.key), i.phone ? i.phone->phone : ""});
                std::cout << t.render();
                return 0;
            };
        });
    }
    {
        auto name = std::make_shared<std::string>();
        auto* c = key->add_subcommand("address", "print a key's address (no passphrase needed)");
        c->add_option("NAME", *name, "the key (default: --as, or the only key)");
        c->callback([&p, name] {
            p.action = [name](Session& s) {
                const std::string n = s.wallet().pick(name->empty() ? s.options().as : *name);
                std::cout << address_from_key(s.wallet().identity(n).key) << "\n";
                return 0;
            };
        });
    }
}

}  // namespace kopilka::wallet
