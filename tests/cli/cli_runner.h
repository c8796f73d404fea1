// Runs the real `kopilka` binary as a person would (posix_spawn), with its
// own wallet dir and environment, capturing stdout, stderr and the exit code.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kopilka::test {

struct CliRun {
    int code = -1;
    std::string out;
    std::string err;
    std::string all() const { return out + err; }
};

class Cli {
public:
    // Every run gets KOPILKA_WALLET_DIR=wallet_dir and KOPILKA_NODE=node
    // (unless `node` is empty), and KOPILKA_PASSPHRASE=passphrase unless the
    // run's own env says otherwise (an empty value unsets it).
    Cli(std::filesystem::path wallet_dir, std::string node, std::string passphrase = "correct horse battery staple");
    CliRun operator()(const std::vector<std::string>& args, const std::string& stdin_text = "",
                      const std::map<std::string, std::string>& env = {}) const;
    const std::filesystem::path& wallet_dir() const { return wallet_dir_; }

private:
    std::filesystem::path wallet_dir_;
    std::string node_;
    std::string passphrase_;
};

// "kop1..." from `kopilka key address NAME`.
std::string address_of(const Cli& cli, const std::string& name);
// The value after "label: " on the first line that has it.
std::optional<std::string> field(const std::string& text, const std::string& label);

}  // namespace kopilka::test
