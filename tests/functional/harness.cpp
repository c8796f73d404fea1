#include "harness.h"

#include <cstdio>

#include "bench/node_process.h"
#include "crypto/address.h"
#include "ledger/invite.h"
#include "ledger/phone.h"
#include "ledger/templates.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex>
#include <sys/socket.h>

#include <boost/json.hpp>

#include <chrono>
#include <csignal>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace kopilka::test {

namespace json = boost::json;

namespace {
constexpr auto node_start_timeout = std::chrono::seconds(30);

// Spawning, waiting and reading the port are bench/node_process's: the
// benchmark and these tests start a node the same way.
std::string slurp(const std::filesystem::path& p) { return bench::read_file(p); }
pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& out_file) {
    return bench::spawn_process(args, out_file);
}
int wait_exit(pid_t pid) { return bench::wait_exit(pid); }
}  // namespace

std::pair<int, std::string> run_kopilkad(const std::vector<std::string>& args) {
    TempDir tmp("kopilkad-run");
    const auto out = tmp.path() / "out";
    std::vector<std::string> full{KOPILKAD_BIN};
    full.insert(full.end(), args.begin(), args.end());
    const int rc = wait_exit(spawn(full, out));
    return {rc, slurp(out)};
}

NodeProcess::NodeProcess(std::vector<std::string> extra_args, std::vector<std::string> init_args)
    : extra_args_(std::move(extra_args)) {
    data_dir_ = dir_.path() / "data";
    log_file_ = dir_.path() / "kopilkad.log";
    std::vector<std::string> init{"init", "--datadir", data_dir_.string(), "--chain-name", "kopilka-functional"};
    init.insert(init.end(), init_args.begin(), init_args.end());
    auto [rc, out] = run_kopilkad(init);
    if (rc != 0) throw std::runtime_error("kopilkad init failed: " + out);
    start();
}

NodeProcess::~NodeProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        wait_exit(pid_);
    }
}

void NodeProcess::start() {
    if (pid_ > 0) throw std::logic_error("node already running");
    // Port 0: the node binds a free port and logs it; a fixed port would race
    // with whatever else runs on the machine.
    std::vector<std::string> args{KOPILKAD_BIN, "--datadir", data_dir_.string(), "--port", "0"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    port_ = bench::start_listening(args, log_file_, node_start_timeout, pid_);
}

int NodeProcess::stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    const int rc = wait_exit(pid_);
    pid_ = -1;
    return rc;
}

void NodeProcess::kill9() { stop(SIGKILL); }

std::string NodeProcess::admin_token() const {
    std::string t = slurp(data_dir_ / ".cookie");
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t;
}

std::string NodeProcess::log() const { return slurp(log_file_); }

rpc::Client NodeProcess::client(bool admin) const {
    return rpc::Client("127.0.0.1", port_, admin ? admin_token() : "");
}

TestWallet::TestWallet(rpc::Client& client) : client_(client) {
    auto info = client_.call("node.info");
    auto raw = from_hex(std::string(info.at("chain_id").as_string()));
    if (!raw || raw->size() != 32) throw std::runtime_error("node.info gave no chain id");
    std::copy(raw->begin(), raw->end(), chain_.begin());
}

std::uint64_t TestWallet::now_s() const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
        clock_offset_s_);
}

ledger::SignedTx TestWallet::sign(const KeyPair& key, ledger::TxBody body, std::uint64_t ttl_s) {
    ledger::Tx tx;
    tx.signer = key.public_key();
    tx.nonce = random_u64();
    tx.expiry_s = now_s() + ttl_s;
    tx.body = std::move(body);
    return ledger::sign_tx(tx, key, chain_);
}

ledger::StaffAcceptance TestWallet::accept(const KeyPair& staff, const std::string& ticker) {
    return ledger::accept_staff(staff, ticker, now_s() + 3600, chain_);
}

std::string TestWallet::blob(const ledger::SignedTx& stx) { return to_base64url(ledger::encode_signed_tx(stx)); }

json::value TestWallet::submit(const ledger::SignedTx& stx) {
    return client_.call("tx.submit", json::object{{"blob", blob(stx)}, {"wait", true}});
}

ledger::Voucher TestWallet::voucher(const KeyPair& client, const std::string& ticker, std::uint32_t product,
                                    ledger::Amount price, const ledger::Account& account, std::uint64_t ttl_s) {
    ledger::Voucher v;
    v.ticker = ticker;
    v.product_id = product;
    v.price = price;
    v.client = account;
    v.nonce = random_u64();
    v.expiry_s = now_s() + ttl_s;
    ledger::sign_voucher(v, client, chain_);
    return v;
}

std::string TestWallet::balance(const ledger::Account& a, const std::string& ticker) {
    auto r = client_.call("account.balances", json::object{{"account", ledger::account_text(a)}});
    for (const auto& b : r.at("balances").as_array())
        if (b.at("ticker").as_string() == ticker) return std::string(b.at("balance").as_string());
    return "0.00";
}

int error_code_of(rpc::Client& c, std::string_view method, json::value params) {
    try {
        c.call(method, std::move(params));
    } catch (const rpc::Error& e) {
        return e.code;
    }
    throw std::runtime_error(std::string(method) + " succeeded where an error was expected");
}

// ---------------------------------------------------------------------------
// Helpers shared by the functional scenarios.

int NodeProcess::wait_stopped(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
            return -1;
        }
        if (std::chrono::steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

pid_t spawn_kopilkad(const std::vector<std::string>& args, const std::filesystem::path& out_file,
                     const std::vector<std::string>& extra_env) {
    std::vector<std::string> full{KOPILKAD_BIN};
    full.insert(full.end(), args.begin(), args.end());
    return bench::spawn_process(full, out_file, extra_env);
}

int wait_child(pid_t pid) { return wait_exit(pid); }

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

int connect_from(const std::string& from, std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in local{};
    local.sin_family = AF_INET;
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::inet_pton(AF_INET, from.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot connect from " + from);
    }
    return fd;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (done()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return done();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string read_text(const std::filesystem::path& p) { return slurp(p); }

Captured run_captured(const std::string& command) {
    Captured r;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
    r.status = ::pclose(pipe);
    return r;
}

RawReply post_rpc(rpc::Client& c, std::string body) {
    auto res = c.post("/rpc", std::move(body));
    RawReply r;
    r.status = res.status;
    r.text = res.body;
    boost::system::error_code ec;
    if (!res.body.empty()) {
        r.json = json::parse(res.body, ec);
        if (ec) r.json = nullptr;
    }
    return r;
}

rpc::Error error_of(rpc::Client& c, std::string_view method, json::value params) {
    try {
        c.call(method, std::move(params));
    } catch (const rpc::Error& e) {
        return e;
    }
    throw std::runtime_error(std::string(method) + " succeeded where an error was expected");
}

RawSocket::RawSocket(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
}

RawSocket::~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
}

bool RawSocket::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool RawSocket::wait_closed(std::chrono::milliseconds timeout, std::string* received) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        // Polls at least once, so a zero timeout asks "closed by now?".
        const auto left = std::max<std::int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return true;  // EOF, or reset
        if (received) received->append(buf, static_cast<std::size_t>(n));
    }
}

Volodi::Volodi(rpc::Client& c, std::string ticker) : rpc(c), wallet(c), coin(std::move(ticker)) {}

void Volodi::open() {
    auto commit = [&](const ledger::SignedTx& stx) {
        auto r = wallet.submit(stx);
        if (r.at("status").as_string() != "committed") throw std::runtime_error("not committed: " + json::serialize(r));
        tx_ids.push_back(std::string(r.at("id").as_string()));
    };
    ledger::Profile profile;
    profile.name = "U Volodi";
    profile.street_address = "ul. Lenina 1";
    commit(wallet.sign(owner, ledger::VenueCreate{coin, profile}));
    const std::tuple<std::uint32_t, const char*, ledger::Amount> catalogue[] = {
        {1, "coffee", 100}, {2, "donut", 200}, {3, "cheesecake", 300}};
    for (const auto& [id, name, price] : catalogue) {
        ledger::Product p;
        p.id = id;
        p.name = name;
        p.price = price;
        commit(wallet.sign(owner, ledger::ProductUpsert{coin, p}));
    }
    for (const KeyPair* b : {&masha, &petya}) {
        commit(wallet.sign(owner, ledger::StaffAdd{coin, ledger::StaffRole::barista, {}, wallet.accept(*b, coin)}));
        commit(wallet.sign(owner, ledger::Transfer{coin, treasury(), of(*b), 500'00, "allowance"}));
    }
}

ledger::Account Volodi::phone(const std::string& typed) {
    auto r = signed_lookup(rpc, wallet.chain(), masha, typed);
    auto a = ledger::account_from_text(std::string(r.at("account").as_string()));
    if (!a) throw std::runtime_error("phone.lookup gave no account");
    return *a;
}

json::value Volodi::give(const KeyPair& from, const ledger::Account& to, ledger::Amount amount, const std::string& memo) {
    return wallet.submit(wallet.sign(from, ledger::Transfer{coin, of(from), to, amount, memo}));
}

json::object lookup_params(const ChainId& chain, const KeyPair& signer, const std::string& typed, std::uint64_t time_ms,
                           const std::optional<ledger::Account>& holder) {
    auto message = ledger::lookup_request_bytes(typed, time_ms);
    if (!message) throw std::runtime_error("phone text too long to sign");
    json::object o{{"phone", typed},
                   {"key", address_from_key(signer.public_key())},
                   {"time_ms", time_ms},
                   {"signature", to_hex(signer.sign(Domain::lookup, chain, *message).view())}};
    if (holder) o["holder"] = ledger::account_text(*holder);
    return o;
}

json::object consent_params(const ChainId& chain, const KeyPair& signer, const ledger::Account& phone,
                            const std::string& ticker, bool receive, std::uint64_t time_ms) {
    auto message = ledger::consent_request_bytes(phone.phone(), ticker, receive, time_ms);
    if (!message) throw std::runtime_error("ticker too long to sign");
    return json::object{{"holder", ledger::account_text(phone)},
                        {"ticker", ticker},
                        {"receive", receive},
                        {"key", address_from_key(signer.public_key())},
                        {"time_ms", time_ms},
                        {"signature", to_hex(signer.sign(Domain::messages, chain, *message).view())}};
}

json::object push_params(const ChainId& chain, const KeyPair& signer, const ledger::Account& phone,
                         const std::optional<PushSub>& sub, std::uint64_t time_ms) {
    Bytes message;
    for (int shift = 56; shift >= 0; shift -= 8) message.push_back(static_cast<std::uint8_t>(time_ms >> shift));
    const auto& ref = phone.phone();
    message.insert(message.end(), ref.begin(), ref.end());
    json::value subscription = nullptr;
    if (!sub) {
        message.push_back(0);
        message.push_back(0);
    } else {
        message.push_back(static_cast<std::uint8_t>(sub->endpoint.size() >> 8));
        message.push_back(static_cast<std::uint8_t>(sub->endpoint.size()));
        message.insert(message.end(), sub->endpoint.begin(), sub->endpoint.end());
        for (const std::string* k : {&sub->p256dh, &sub->auth}) {
            auto raw = from_base64url(*k);
            if (!raw) throw std::runtime_error("a push key that is not base64url");
            message.insert(message.end(), raw->begin(), raw->end());
        }
        subscription = json::object{{"endpoint", sub->endpoint},
                                    {"expirationTime", nullptr},
                                    {"keys", json::object{{"p256dh", sub->p256dh}, {"auth", sub->auth}}}};
    }
    return json::object{{"holder", ledger::account_text(phone)},
                        {"key", address_from_key(signer.public_key())},
                        {"time_ms", time_ms},
                        {"signature", to_hex(signer.sign(Domain::push, chain, message).view())},
                        {"subscription", std::move(subscription)}};
}

json::object template_text_params(const ChainId& chain, const KeyPair& signer, const std::string& ticker,
                                  const std::string& language, const std::string& kind, const std::string& text,
                                  std::uint64_t time_ms) {
    auto message = ledger::templates_text_bytes(ticker, time_ms, language, kind, text);
    if (!message) throw std::runtime_error("a template request this test cannot sign (language, kind or text)");
    return json::object{{"ticker", ticker},
                        {"language", language},
                        {"kind", kind},
                        {"text", text},
                        {"key", address_from_key(signer.public_key())},
                        {"time_ms", time_ms},
                        {"signature", to_hex(signer.sign(Domain::templates, chain, *message).view())}};
}

json::object template_language_params(const ChainId& chain, const KeyPair& signer, const std::string& ticker,
                                      const std::string& language, std::uint64_t time_ms) {
    auto message = ledger::templates_language_bytes(ticker, time_ms, language);
    if (!message) throw std::runtime_error("a language this test cannot sign");
    return json::object{{"ticker", ticker},
                        {"language", language},
                        {"key", address_from_key(signer.public_key())},
                        {"time_ms", time_ms},
                        {"signature", to_hex(signer.sign(Domain::templates, chain, *message).view())}};
}

json::object invite_open_params(const ChainId& chain, const KeyPair& signer, const std::string& ticker,
                                ByteView secret, std::uint64_t expiry_s) {
    const ledger::InviteId id = ledger::invite_id(secret);
    const Bytes message = ledger::invite_open_bytes(ticker, id, expiry_s);
    return json::object{{"ticker", ticker},
                        {"id", to_hex(ByteView(id.data(), id.size()))},
                        {"expiry_s", expiry_s},
                        {"signer", address_from_key(signer.public_key())},
                        {"signature", to_hex(signer.sign(Domain::invite_open, chain, message).view())}};
}

json::value signed_lookup(rpc::Client& c, const ChainId& chain, const KeyPair& signer, const std::string& typed,
                          const std::optional<ledger::Account>& holder) {
    const std::uint64_t now_ms = c.call("node.info").at("time_ms").to_number<std::uint64_t>();
    return c.call("phone.lookup", lookup_params(chain, signer, typed, now_ms, holder));
}

std::optional<std::string> request_claim_code(rpc::Client& c, rpc::Client& admin, const std::string& e164) {
    c.call("phone.claim.request", json::object{{"phone", e164}});
    return claim_code_from_outbox(admin, e164);
}

std::optional<std::string> claim_code_from_outbox(rpc::Client& admin, std::string_view e164,
                                                  std::chrono::milliseconds timeout) {
    static const std::regex code_re("claim code: ([0-9]+)");
    std::optional<std::string> code;
    // The node writes a transfer's message after it has answered the
    // transfer's submitter, so the message may be a moment behind.
    wait_until(
        [&] {
            auto outbox = admin.call("admin.outbox", json::object{{"limit", 1000}});
            for (const auto& m : outbox.at("messages").as_array()) {  // newest first
                if (m.at("phone") != json::value(std::string(e164))) continue;  // null: the number is no longer known
                const std::string text(m.at("text").as_string());
                std::smatch match;
                if (std::regex_search(text, match, code_re)) {
                    code = match[1].str();
                    return true;
                }
            }
            return false;
        },
        timeout);
    return code;
}

json::value claim_phone(TestWallet& w, rpc::Client& c, const std::string& phone, const std::string& code,
                        const KeyPair& key) {
    auto att = c.call("phone.claim.confirm",
                      json::object{{"phone", phone}, {"code", code}, {"key", address_from_key(key.public_key())}});
    auto bytes = from_base64url(std::string(att.at("attestation").as_string()));
    if (!bytes) throw std::runtime_error("attestation is not base64url");
    auto a = ledger::decode_attestation(*bytes);
    if (!a) throw std::runtime_error("attestation does not decode: " + a.error());
    return w.submit(w.sign(key, ledger::PhoneBind{*a}));
}

std::optional<double> metric(const std::string& text, const std::string& name, const std::string& labels) {
    const std::string head = labels.empty() ? name + " " : name + "{" + labels + "} ";
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(head, 0) != 0) continue;
        try {
            return std::stod(line.substr(head.size()));
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

}  // namespace kopilka::test
