#include "node/node.h"

#include "node/messages/channels.h"
#include "node/messages/inbound.h"
#include "node/messages/push_channel.h"
#include "node/messages/quiet_hours.h"
#include "node/messages/webhooks.h"

#include "node/call.h"

#include "crypto/address.h"
#include "crypto/keystore.h"
#include "rpc/convert.h"
#include "rpc/methods.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kopilka::node {

namespace json = boost::json;
using namespace kopilka::ledger;
using rpc::Error;


namespace {

constexpr std::size_t passphrase_bytes = 32;
constexpr std::size_t cookie_bytes = 32;

// Writes a small secret file readable by the owner only.
std::expected<void, std::string> write_private_file(const std::filesystem::path& path, std::string_view content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return std::unexpected("cannot write " + path.string() + ": " + std::strerror(errno));
    ::fchmod(fd, 0600);
    const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return std::unexpected("cannot write " + path.string());
    return {};
}

std::expected<std::string, std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::unexpected("cannot read " + path.string());
    std::string s((std::istreambuf_iterator<char>(in)), {});
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// A provider's secret: the file's first line, which must not be empty; the
// error names the file, never what it holds.
std::expected<std::string, std::string> read_secret_file(const std::filesystem::path& path) {
    auto s = read_file(path);
    if (!s) return std::unexpected(s.error() + " (--sms-secret-file)");
    if (auto nl = s->find('\n'); nl != std::string::npos) s->resize(nl);
    if (s->empty()) return std::unexpected(path.string() + " is empty (--sms-secret-file)");
    return s;
}

std::expected<std::string, std::string> keystore_passphrase(const DataDir& dir) {
    if (const char* env = std::getenv("KOPILKAD_PASSPHRASE"); env && *env) return std::string(env);
    auto p = read_file(dir.passphrase());
    if (!p) return std::unexpected(p.error() + " (or set KOPILKAD_PASSPHRASE)");
    return p;
}

std::string random_token(std::size_t bytes) {
    Bytes b(bytes);
    random_bytes(b);
    return to_hex(b);
}

}  // namespace

std::expected<void, std::string> init_data_dir(const std::filesystem::path& root, const InitOptions& options) {
    DataDir dir{root};
    std::error_code ec;
    if (options.rebind_delay_s > rebind_delay_s_max)
        return std::unexpected("--rebind-delay-s is " + std::to_string(options.rebind_delay_s) + "; at most " +
                               std::to_string(rebind_delay_s_max) + " (30 days)");
    if (std::filesystem::exists(dir.ledger(), ec))
        return std::unexpected("a ledger already exists in " + dir.ledger().string() + "; refusing to overwrite it");
    // What an earlier init (or a half-finished one) left is somebody's: keys
    // that may have signed, the phone secret every reference was made with,
    // the book of numbers. None is overwritten; the operator moves them away.
    auto holds = [&](const std::filesystem::path& p) {
        std::error_code e;
        return std::filesystem::is_directory(p, e) ? !std::filesystem::is_empty(p, e)
                                                   : std::filesystem::exists(p, e);
    };
    for (const auto& p : {dir.keys(), dir.phone_secret(), dir.root / "private"})
        if (holds(p))
            return std::unexpected(p.string() + " already exists (left by an earlier init?); refusing to overwrite it: "
                                   "move it away, or use this data dir as it is");
    std::filesystem::create_directories(dir.keys(), ec);
    if (!ec) std::filesystem::create_directories(dir.root / "private", ec);
    if (ec) return std::unexpected("cannot create " + root.string() + ": " + ec.message());
    std::filesystem::permissions(dir.keys(), std::filesystem::perms::owner_all, ec);
    std::filesystem::permissions(dir.root / "private", std::filesystem::perms::owner_all, ec);

    std::string passphrase;
    if (const char* env = std::getenv("KOPILKAD_PASSPHRASE"); env && *env) {
        passphrase = env;
    } else {
        passphrase = random_token(passphrase_bytes);
        if (auto ok = write_private_file(dir.passphrase(), passphrase + "\n"); !ok) return ok;
    }
    KeyPair producer = KeyPair::generate();
    KeyPair attestor = KeyPair::generate();
    for (auto [path, key, name] : {std::tuple{dir.producer_key(), &producer, "producer"},
                                   std::tuple{dir.attestor_key(), &attestor, "attestor"}}) {
        if (auto ok = keystore_write_file(path, *key, name, passphrase); !ok)
            return std::unexpected("cannot write the " + std::string(name) + " key: " + ok.error().message);
    }
    Hash256 phone_secret;
    random_bytes(phone_secret);
    if (auto ok = write_private_file(dir.phone_secret(), to_hex(phone_secret) + "\n"); !ok) return ok;
    if (!std::filesystem::exists(dir.config())) {
        std::ofstream conf(dir.config());
        conf << config_template();
        if (!conf) return std::unexpected("cannot write " + dir.config().string());
    }

    Genesis g;
    g.chain_name = options.chain_name;
    g.time_ms = SystemClock(options.clock_offset_ms).now_ms();
    g.producer = producer.public_key();
    g.attestors = {attestor.public_key()};
    g.rebind_delay_s = options.rebind_delay_s;
    auto chain = Chain::create(dir.ledger(), g);
    if (!chain) return std::unexpected(chain.error());
    return {};
}

Node::Node(const Config& config, Clock& clock, Log& log)
    : config_(config), clock_(clock), log_(log), dir_{config.data_dir} {}

Node::~Node() { stop(); }

std::expected<std::unique_ptr<Node>, std::string> Node::open(const Config& config, Clock& clock, Log& log,
                                                              OpenFailure* why) {
    std::unique_ptr<Node> node(new Node(config, clock, log));
    OpenFailure failure = OpenFailure::other;
    if (auto ok = node->load(&failure); !ok) {
        if (why) *why = failure;
        return std::unexpected(ok.error());
    }
    return node;
}

std::expected<void, std::string> Node::open_chain(OpenFailure* why) {
    auto refuse_damaged = [&](const ChainDamage& d) {
        *why = OpenFailure::damaged;
        const std::string where = d.in_block ? " at block " + std::to_string(d.height) : "";
        return std::unexpected("the ledger in " + dir_.ledger().string() + " is damaged" + where + ": " + d.reason +
                               ". The node will not start on it; run `kopilkad verify --datadir " +
                               dir_.root.string() + "` for a full audit, and restore the ledger from a backup");
    };
    ChainDamage damage;
    auto chain = Chain::open(dir_.ledger(), &damage, config_.block_cache_bytes);
    if (!chain) {
        if (!damage.reason.empty()) return refuse_damaged(damage);
        std::error_code ec;
        if (std::filesystem::is_directory(dir_.ledger(), ec) && !Store::check_writable(dir_.ledger(), 1))
            *why = OpenFailure::unwritable;
        return std::unexpected(chain.error());
    }
    chain_ = std::move(*chain);

    // Every header, and the newest blocks in full, before anything is served
    // (after Bitcoin Core's -checkblocks): a damaged data dir is named at
    // start, not when a client happens to read the broken block.
    const auto check_start = std::chrono::steady_clock::now();
    // Every table file whole first: RocksDB's reads check only the blocks
    // they touch, and most of the ledger is not read at start.
    if (auto ok = chain_->store().verify_files(); !ok)
        return refuse_damaged(ChainDamage{0, "a checksum does not match in " + ok.error().describe(), false});
    if (auto ok = chain_->check_blocks(config_.check_blocks); !ok) return refuse_damaged(ok.error());
    const std::uint64_t full = config_.check_blocks == 0 ? chain_->height()
                                                         : std::min(config_.check_blocks, chain_->height());
    const auto check_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - check_start).count();
    log_.info("chain.checked", {{"height", chain_->height()}, {"full_blocks", full}, {"ms", check_ms}});

    // A ledger made before the venue aggregates (or whose rebuild a crash
    // cut short) has them counted from its blocks now, after the check and
    // before anything is served or produced.
    if (!chain_->stats_ready()) {
        const auto rebuild_start = std::chrono::steady_clock::now();
        log_.info("stats.rebuild_started", {{"height", chain_->height()}});
        auto rebuilt = chain_->rebuild_stats([&](std::uint64_t height, std::uint64_t tip) {
            log_.info("stats.rebuild_progress", {{"height", height}, {"tip", tip}});
        });
        if (!rebuilt) return std::unexpected(rebuilt.error());
        const auto rebuild_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - rebuild_start)
                                    .count();
        log_.info("stats.rebuilt", {{"height", chain_->height()}, {"ms", rebuild_ms}});
    }
    return {};
}

std::expected<void, std::string> Node::load(OpenFailure* why) {
    if (following()) return load_follower(why);
    if (auto ok = open_chain(why); !ok) return ok;
    auto passphrase = keystore_passphrase(dir_);
    if (!passphrase) return std::unexpected(passphrase.error());
    auto producer = keystore_read_file(dir_.producer_key(), *passphrase);
    if (!producer) return std::unexpected("cannot open the producer key: " + producer.error().message);
    auto attestor = keystore_read_file(dir_.attestor_key(), *passphrase);
    if (!attestor) return std::unexpected("cannot open the attestor key: " + attestor.error().message);
    if (producer->public_key() != chain_->genesis().producer)
        return std::unexpected("the producer key in " + dir_.producer_key().string() +
                               " is not this chain's block producer");
    producer_ = std::make_unique<KeyPair>(std::move(*producer));
    attestor_ = std::make_unique<KeyPair>(std::move(*attestor));

    auto secret_hex = read_file(dir_.phone_secret());
    if (!secret_hex) return std::unexpected(secret_hex.error());
    auto secret = from_hex(*secret_hex);
    if (!secret || secret->size() != hash_bytes)
        return std::unexpected(dir_.phone_secret().string() + " must hold 64 hex characters");
    Hash256 phone_secret;
    std::copy(secret->begin(), secret->end(), phone_secret.begin());
    std::error_code ec;
    std::filesystem::create_directories(dir_.root / "private", ec);
    PhoneLimits limits;
    limits.lookups_per_minute = config_.phone_lookups_per_minute;
    limits.lookups_per_staff_key_per_hour = config_.phone_lookups_per_staff_key_per_hour;
    limits.lookups_per_client_key_per_day = config_.phone_lookups_per_client_key_per_day;
    limits.codes_per_phone_per_hour = config_.claim_codes_per_phone_per_hour;
    limits.codes_per_phone_per_day = config_.claim_codes_per_phone_per_day;
    limits.codes_per_ip_per_hour = config_.claim_codes_per_ip_per_hour;
    limits.code_ttl_s = config_.claim_code_ttl_s;
    limits.guesses_per_phone_per_ip_per_hour = config_.claim_guesses_per_phone_per_ip_per_hour;
    limits.guesses_per_ip_per_hour = config_.claim_guesses_per_ip_per_hour;
    limits.guesses_per_phone_per_hour = config_.claim_guesses_per_phone_per_hour;
    limits.guesses_per_hour_max = config_.claim_guesses_per_hour_max;
    // The book keeps a number only while its reference holds coins or is bound.
    auto holds = [this](const PhoneRef& ref) {
        std::shared_lock lock(chain_mutex_);
        const State& s = chain_->state();
        return s.binding(ref) != nullptr || !s.balances_of(Account::of_phone(ref)).empty();
    };
    phones_ = std::make_unique<PhoneService>(dir_.phone_book(), phone_secret, config_.default_country, limits, clock_,
                                             holds);
    phones_->prune();  // numbers kept by an older node, or whose coins have gone since
    {
        ChannelConfig cc;
        auto provider = sms_provider_of(config_.sms_provider);
        if (!provider)
            return std::unexpected("--sms-provider must be file, http, smsru or twilio, not '" + config_.sms_provider + "'");
        cc.provider = *provider;
        cc.outbox_file = dir_.outbox();
        cc.url = config_.sms_url;
        cc.account = config_.sms_account;
        cc.from = config_.sms_from;
        if (!config_.sms_secret_file.empty()) {
            auto sms_secret = read_secret_file(config_.sms_secret_file);
            if (!sms_secret) return std::unexpected(sms_secret.error());
            cc.secret = std::move(*sms_secret);
        }
        auto channel = make_channel(cc);
        if (!channel) return std::unexpected(channel.error());
        sms_provider_ = cc.provider;
        if (!config_.sms_inbound_secret_file.empty()) {
            if (cc.provider != SmsProvider::http && cc.provider != SmsProvider::twilio)
                return std::unexpected("--sms-inbound-secret-file is for --sms-provider http or twilio, whose "
                                       "delivery reports and replies the node reads (docs/messages.md, Inbound)");
            auto inbound = read_secret_file(config_.sms_inbound_secret_file);
            if (!inbound) return std::unexpected(inbound.error());
            if (inbound->size() < inbound_secret_bytes_min)
                return std::unexpected("the inbound secret in " + config_.sms_inbound_secret_file.string() +
                                       " is shorter than " + std::to_string(inbound_secret_bytes_min) +
                                       " bytes; put a long random one there (openssl rand -hex 32)");
            inbound_secret_ = std::move(*inbound);
        }
        consent_ = std::make_unique<Consent>(chain_->store(), log_);
        WebhookLimits wl;
        wl.attempts_max = std::max<std::uint32_t>(1, config_.webhook_attempts_max);
        wl.retry_first_ms = config_.outbox_retry_first_ms;
        wl.retry_max_ms = std::max(config_.outbox_retry_first_ms, config_.outbox_retry_max_ms);
        try {
            webhooks_ = std::make_unique<Webhooks>(chain_->store(), dir_.webhooks(), chain_->id(), clock_, log_, wl);
        } catch (const std::runtime_error& e) {
            return std::unexpected(e.what());
        }
        templates_ = std::make_unique<Templates>(chain_->store(), log_);
        OutboxLimits ol;
        ol.senders = std::clamp<std::uint32_t>(config_.outbox_senders, 1, outbox_senders_max);
        ol.attempts_max = std::max<std::uint32_t>(1, config_.outbox_attempts_max);
        ol.credits_free = config_.sms_credits_free;
        ol.per_phone_per_hour_max = config_.messages_per_phone_per_hour_max;
        if (config_.expiry_reminder_days > expiry_reminder_days_max)
            return std::unexpected("--expiry-reminder-days must be 0 to " + std::to_string(expiry_reminder_days_max) +
                                   ", not " + std::to_string(config_.expiry_reminder_days));
        auto quiet = parse_quiet_hours(config_.quiet_hours);
        if (!quiet) return std::unexpected(quiet.error());
        quiet_hours_ = *quiet;
        auto zone = system_zone_rule(config_.quiet_hours_zone);
        if (!zone) return std::unexpected(zone.error());
        quiet_zone_ = *zone;
        ol.retry_first_ms = config_.outbox_retry_first_ms;
        ol.retry_max_ms = std::max(config_.outbox_retry_first_ms, config_.outbox_retry_max_ms);
        outbox_ = std::make_unique<Outbox>(chain_->store(), chain_->id(), std::move(*channel), ol, clock_, log_,
                                           [this](const OutboxMessage& m) { return render_message(m, /*sending=*/true); });
        const Outbox::Counts c = outbox_->counts();
        log_.info("outbox.open", {{"channel", outbox_->channel().name()}, {"pending", c.pending}, {"dead", c.dead}});
        if (auto ok = open_push(); !ok) return ok;
    }
    invites_ = std::make_unique<InviteBox>(clock_);
    // After the chain: collecting at open needs the names the state references.
    auto media = MediaStore::open(dir_.media(), config_.media, clock_, log_, [this] { return referenced_media(); });
    if (!media) return std::unexpected(media.error());
    media_ = std::move(*media);

    // A fresh admin token each start, as bitcoind's cookie.
    admin_token_ = random_token(cookie_bytes);
    if (auto ok = write_private_file(dir_.cookie(), admin_token_ + "\n"); !ok) return ok;
    return finish_load();
}

std::expected<void, std::string> Node::open_push() {
    // A follower sends nothing: its cabinet is told push is off.
    if (config_.push_contact.empty() || !config_.follow_url.empty()) return {};
    auto fail = [](const PushFailure& f) { return std::unexpected("web push: " + f.message); };
    if (auto ok = check_vapid_subject(config_.push_contact); !ok)
        return std::unexpected("--push-contact must be mailto:you@example.com or an https: page, not '" +
                               config_.push_contact + "'");
    auto key = load_or_create_vapid_key(dir_.vapid_key());
    if (!key) return fail(key.error());
    push_public_key_ = key->public_key_base64url();
    // Push services check a token's expiry against real time, whatever a
    // test network's clock says.
    auto sender = PushSender::create(std::move(*key), config_.push_contact, wall_clock_);
    if (!sender) return fail(sender.error());
    try {
        push_subs_ = std::make_unique<PushSubscriptions>(dir_.push_subscriptions());
    } catch (const std::runtime_error& e) {
        return std::unexpected(std::string("web push: ") + e.what());
    }
    outbox_->set_push_channel(std::make_unique<PushChannel>(
        std::move(*sender), [this](const PhoneRef& phone, std::string_view endpoint) {
            push_subs_->forget(phone, endpoint, clock_.now_ms());
            log_.info("push.forgotten", {{"account", account_text(Account::of_phone(phone))}});
        }));
    log_.info("push.open", {{"subscriptions", push_subs_->size()}});
    return {};
}

std::expected<void, std::string> Node::finish_load() {
    // The dispatcher and the documented table must name the same methods.
    for (const auto& m : rpc::method_table())
        if (!handlers().contains(m.name))
            return std::unexpected("internal: method " + std::string(m.name) + " has no handler");
    for (const auto& [name, _] : handlers())
        if (!rpc::find_method(name)) return std::unexpected("internal: handler " + std::string(name) + " is undocumented");
    metrics_.height = chain_->height();
    set_listen_url(config_.effective_public_url());
    log_.info("node.open", {{"data_dir", dir_.root.string()},
                            {"chain", chain_->genesis().chain_name},
                            {"chain_id", to_hex(chain_->id())},
                            {"height", chain_->height()}});
    return {};
}

void Node::start() {
    const unsigned threads = config_.verify_threads ? config_.verify_threads
                                                    : std::max(1u, std::thread::hardware_concurrency());
    verify_pool_ = std::make_unique<boost::asio::thread_pool>(threads);
    answer_pool_ = std::make_unique<boost::asio::thread_pool>(1);
    {
        std::lock_guard gate(read_gate_);
        read_pool_ = std::make_unique<boost::asio::thread_pool>(std::max(1u, config_.read_threads));
        reads_open_ = true;
    }
    if (following()) {
        // A follower makes no blocks and owes no messages: its one writer
        // appends what the source serves.
        follower_->start();
        return;
    }
    producer_thread_ = std::thread([this] { producer_loop(); });
    outbox_->start();
    webhooks_->start();
    start_reminders();
}

void Node::stop() {
    if (follower_) follower_->stop();  // the block being appended is finished first
    {
        // Reads in flight finish and answer; later ones are told "stopping".
        std::lock_guard gate(read_gate_);
        reads_open_ = false;
    }
    if (read_pool_) read_pool_->join();
    {
        std::unique_lock gate(submit_gate_);
        accepting_ = false;
    }
    // Let verifications in flight finish and enqueue, so nothing a caller
    // handed in before the stop is dropped; then drain the mempool.
    if (verify_pool_) verify_pool_->join();
    {
        std::lock_guard lock(mempool_mutex_);
        if (stopping_ && !producer_thread_.joinable()) return;
        stopping_ = true;
    }
    mempool_cv_.notify_all();
    if (producer_thread_.joinable()) producer_thread_.join();
    stop_reminders();
    if (answer_pool_) answer_pool_->join();  // every committed block's waiters are answered
    if (outbox_) outbox_->stop();  // what is still owed stays pending, for the next start
    if (webhooks_) webhooks_->stop();
    if (chain_) log_.info("node.stopped", {{"height", chain_->height()}});
}

void Node::request_stop() {
    {
        std::lock_guard lock(stop_mutex_);
        stop_requested_ = true;
    }
    stop_cv_.notify_all();
}

void Node::wait_for_stop_request(const std::function<bool()>& also_stop) {
    std::unique_lock lock(stop_mutex_);
    while (!stop_requested_ && !also_stop()) stop_cv_.wait_for(lock, std::chrono::milliseconds(100));
}

bool Node::admin_token_ok(std::string_view token) {
    return !token.empty() && equal_constant_time(as_bytes(token), as_bytes(admin_token_));
}

std::string Node::health() {
    json::object o;
    const auto damage = damage_message();
    std::shared_lock lock(chain_mutex_);
    o["status"] = damage ? "damaged" : write_error_ ? "degraded" : "ok";
    o["height"] = chain_->height();
    o["chain_id"] = to_hex(chain_->id());
    if (follower_) {
        // A follower's lag is what its operator watches: the source's height
        // at the last poll against its own.
        o["source"] = follower_->source_url();
        o["source_height"] = follower_->source_height();
    }
    if (damage)
        o["error"] = *damage;
    else if (write_error_)
        o["error"] = *write_error_;
    return json::serialize(o);
}

void Node::set_damaged(const StoreDamage& d) {
    {
        std::lock_guard lock(damage_mutex_);
        if (damage_) return;
        damage_ = "the ledger is damaged (" + d.describe() +
                  "); the node takes no transactions and answers the reads it still can. Stop it and run "
                  "`kopilkad verify`; restore the ledger from a backup";
    }
    damaged_.store(true, std::memory_order_release);
    log_.error("store.damaged", {{"damage", d.describe()}});
}

std::optional<std::string> Node::damage_message() {
    if (!damaged_.load(std::memory_order_acquire)) return std::nullopt;
    std::lock_guard lock(damage_mutex_);
    return damage_;
}

std::string Node::metrics() {
    std::string text = metrics_.prometheus();
    if (media_) {
        text += "# HELP kopilka_media_files Uploaded images stored.\n# TYPE kopilka_media_files gauge\n";
        text += "kopilka_media_files " + std::to_string(media_->files()) + "\n";
        text += "# HELP kopilka_media_bytes Bytes of uploaded images stored.\n# TYPE kopilka_media_bytes gauge\n";
        text += "kopilka_media_bytes " + std::to_string(media_->bytes()) + "\n";
        text += "# HELP kopilka_media_collected_total Unreferenced images deleted to make room.\n"
                "# TYPE kopilka_media_collected_total counter\n";
        text += "kopilka_media_collected_total " + std::to_string(media_->collected()) + "\n";
    }
    if (outbox_) {
        // Dead messages are the operator's to look at (admin.outbox with
        // state "dead"); pending ones that grow say the channel is failing.
        const Outbox::Counts c = outbox_->counts();
        text += "# HELP kopilka_outbox_messages Messages in the outbox, by state (dead: given up; held: no SMS credits; stopped: the client opted out; see admin.outbox).\n"
                "# TYPE kopilka_outbox_messages gauge\n";
        for (auto [state, n] : {std::pair{"pending", c.pending}, {"sent", c.sent}, {"dead", c.dead}, {"expired", c.expired},
                                {"held", c.held}, {"stopped", c.stopped}})
            text += "kopilka_outbox_messages{state=\"" + std::string(state) + "\"} " + std::to_string(n) + "\n";
        const Consent::Counts cc = consent_->counts();
        text += "# HELP kopilka_consent_stopped Clients' choices that stop automatic messages: a STOP (or a cabinet choice) for every venue, or for one venue.\n"
                "# TYPE kopilka_consent_stopped gauge\n"
                "kopilka_consent_stopped{scope=\"all\"} " + std::to_string(cc.stopped_all) + "\n"
                "kopilka_consent_stopped{scope=\"venue\"} " + std::to_string(cc.stopped_venue) + "\n";
        const Webhooks::Counts w = webhooks_->counts();
        text += "# HELP kopilka_webhook_events The venues' POS webhook events kept, by state (dead: given up; see admin.webhooks).\n"
                "# TYPE kopilka_webhook_events gauge\n";
        for (auto [state, n] : {std::pair{"pending", w.pending}, {"sent", w.sent}, {"dead", w.dead}})
            text += "kopilka_webhook_events{state=\"" + std::string(state) + "\"} " + std::to_string(n) + "\n";
        // Below zero only by claim codes sent without credits; 0 with held
        // messages means the venue's SMS have stopped.
        text += "# HELP kopilka_sms_credits Segments a venue's SMS credits still pay for (sms.credits), for each venue that sent or was granted any.\n"
                "# TYPE kopilka_sms_credits gauge\n";
        for (const auto& [venue, account] : outbox_->all_credits())
            if (!venue.empty())
                text += "kopilka_sms_credits{venue=\"" + venue + "\"} " + std::to_string(account.balance) + "\n";
        text += "# HELP kopilka_sms_node_segments_total Segments the node's own messages (claim codes, re-bind notices) cost.\n"
                "# TYPE kopilka_sms_node_segments_total counter\n";
        text += "kopilka_sms_node_segments_total " + std::to_string(outbox_->credits("").spent) + "\n";
    }
    return text;
}

// --- JSON-RPC dispatch ---

namespace {

// Calls whose cost grows with what they read: they run on the read pool, not
// on the I/O threads, and their rows (Call::rows) are charged to the caller.
bool heavy_method(std::string_view m) {
    return m == "account.history" || m == "venue.history" || m == "venue.stats" || m == "venue.series" ||
           m == "block.raw" || m == "admin.backup";
}

bool is_heavy(const json::value& request) {
    const auto* o = request.if_object();
    const auto* m = o ? o->if_contains("method") : nullptr;
    return m && m->is_string() && heavy_method(m->get_string());
}

// The answer that refuses `request` without running it; null for a notification.
json::value refusal(const json::value& request, int code, std::string_view message) {
    if (rpc::is_notification(request)) return nullptr;
    const auto* o = request.if_object();
    const json::value* id = o ? o->if_contains("id") : nullptr;
    return rpc::make_error(id && rpc::is_valid_id(*id) ? *id : json::value(nullptr), code, message);
}

}  // namespace

// The answers of one request (a call or a batch), from whichever threads give
// them; the last one sends the whole. Each is serialized when it comes, so a
// batch's answers are held as text and counted: one that would take a batch's
// answers past bytes_max is replaced by a short error, and the batch's heavy
// calls not yet run are not run. Without this a batch of history pages that
// a client never reads could hold hundreds of megabytes.
struct Node::Answers {
    std::mutex mutex;
    std::vector<std::string> parts;  // "" for a notification (no answer)
    std::size_t remaining = 0;
    std::size_t bytes = 0;
    std::size_t bytes_max = 0;
    bool batch = false;
    bool full = false;
    std::function<void(std::string)> done;

    // For a heavy call skipped once the batch is full.
    std::string skipped_message() const {
        return "not run: this batch's answers passed " + std::to_string(bytes_max) +
               " bytes; send fewer calls or ask for smaller pages";
    }
    // For an answer that did not fit: its call ran.
    std::string dropped_message() const {
        return "answer not sent: this batch's answers passed " + std::to_string(bytes_max) +
               " bytes; the call ran (resend it alone to learn its result)";
    }
    bool is_full() {
        std::lock_guard lock(mutex);
        return full;
    }
    // `budgeted`: false for a short refusal, which is always kept.
    void put(std::size_t i, const json::value& r, bool budgeted = true) {
        std::string text = r.is_null() ? std::string() : json::serialize(r);
        std::unique_lock lock(mutex);
        if (batch && budgeted && !text.empty() && bytes + text.size() > bytes_max) {
            full = true;
            text = json::serialize(rpc::make_error(r.as_object().at("id"), rpc::invalid_request, dropped_message()));
        } else {
            bytes += text.size();
        }
        parts[i] = std::move(text);
        if (--remaining != 0) return;
        std::string out;
        if (!batch) {
            out = std::move(parts[0]);
        } else {
            for (auto& p : parts) {
                if (p.empty()) continue;
                out += out.empty() ? "[" : ",";
                out += p;
            }
            if (!out.empty()) out += "]";
        }
        parts.clear();
        lock.unlock();
        done(std::move(out));
    }
};

void Node::handle(std::string body, CallContext ctx, std::function<void(std::string)> done) {
    auto parsed = std::make_shared<json::value>();
    {
        boost::system::error_code ec;
        json::parse_options opts;
        opts.max_depth = 32;  // hostile nesting costs nothing
        *parsed = json::parse(body, ec, {}, opts);
        if (ec) {
            done(json::serialize(rpc::make_error(nullptr, rpc::parse_error, "the request is not valid JSON")));
            return;
        }
    }
    const bool batch = parsed->is_array();
    if (batch && parsed->as_array().empty()) {
        done(json::serialize(rpc::make_error(nullptr, rpc::invalid_request, "an empty batch")));
        return;
    }
    if (batch && parsed->as_array().size() > config_.batch_requests_max) {
        done(json::serialize(rpc::make_error(nullptr, rpc::invalid_request,
                                             "a batch of " + std::to_string(parsed->as_array().size()) +
                                                 " requests; at most " + std::to_string(config_.batch_requests_max) +
                                                 " allowed")));
        return;
    }
    if (!batch && !is_heavy(*parsed)) {  // the common case (every tx.submit): answered here, as it comes
        dispatch_one(*parsed, ctx, [done = std::move(done)](json::value r) {
            done(r.is_null() ? std::string() : json::serialize(r));
        });
        return;
    }
    const std::size_t n = batch ? parsed->as_array().size() : 1;
    auto answers = std::make_shared<Answers>();
    answers->parts.resize(n);
    answers->remaining = n;
    answers->batch = batch;
    answers->done = std::move(done);
    // The whole answer must fit in what a connection may queue: room is kept
    // for a short error per call, each echoing its id (the ids together are
    // no longer than the body).
    const std::size_t reserve = body.size() + n * answer_error_bytes_max;
    const std::size_t queue_max = config_.server.send_queue_bytes_max;
    answers->bytes_max = queue_max > reserve ? queue_max - reserve : 0;

    // Light calls now, on this (I/O) thread; heavy ones go to the read pool.
    std::vector<std::size_t> heavy;
    for (std::size_t i = 0; i < n; ++i) {
        const json::value& request = batch ? parsed->as_array()[i] : *parsed;
        if (is_heavy(request)) {
            heavy.push_back(i);
            continue;
        }
        dispatch_one(request, ctx, [answers, i](json::value r) { answers->put(i, r); });
    }
    if (!heavy.empty()) run_heavy(std::move(parsed), std::move(heavy), std::move(ctx), std::move(answers));
}

void Node::run_heavy(std::shared_ptr<const json::value> request, std::vector<std::size_t> heavy, CallContext ctx,
                     std::shared_ptr<Answers> answers) {
    auto refuse_all = [&](int code, const std::string& message) {
        for (std::size_t i : heavy)
            answers->put(i, refusal(request->is_array() ? request->as_array()[i] : *request, code, message), false);
    };
    std::unique_lock gate(read_gate_);
    if (!read_pool_) {  // not started (a test driving handle() alone): run here
        gate.unlock();
        heavy_calls(*request, heavy, ctx, answers);
        return;
    }
    if (!reads_open_) {
        gate.unlock();
        return refuse_all(rpc::unavailable, "the node is stopping");
    }
    if (reads_queued_ >= config_.read_queue_max) {
        const std::size_t waiting = reads_queued_;
        gate.unlock();
        ++metrics_.reads_busy;
        return refuse_all(rpc::rate_limited, "the node is busy with other reads (" + std::to_string(waiting) +
                                                 " requests waiting); retry in a moment");
    }
    metrics_.reads_queued = static_cast<std::int64_t>(++reads_queued_);
    boost::asio::post(*read_pool_, [this, request = std::move(request), heavy = std::move(heavy),
                                    ctx = std::move(ctx), answers = std::move(answers)] {
        {
            std::lock_guard lock(read_gate_);
            metrics_.reads_queued = static_cast<std::int64_t>(--reads_queued_);
        }
        heavy_calls(*request, heavy, ctx, answers);
    });
}

void Node::heavy_calls(const json::value& request, const std::vector<std::size_t>& heavy, const CallContext& ctx,
                       const std::shared_ptr<Answers>& answers) {
    for (std::size_t i : heavy) {
        const json::value& one = request.is_array() ? request.as_array()[i] : request;
        if (answers->is_full()) {
            answers->put(i, refusal(one, rpc::invalid_request, answers->skipped_message()), false);
            continue;
        }
        // The rows of the calls before may have put the address in debt:
        // the rest of the batch waits for it like any later request.
        if (const std::uint64_t wait_ms = ctx.charge ? ctx.charge(0) : 0; wait_ms != 0) {
            request_rate_limited();
            answers->put(i,
                         refusal(one, rpc::rate_limited,
                                 "this address has read more rows than its request rate pays for (every " +
                                     std::to_string(request_cost_rows) + " rows cost one request); retry in " +
                                     std::to_string(wait_ms) + " ms"),
                         false);
            continue;
        }
        dispatch_one(one, ctx, [answers, i](json::value r) { answers->put(i, r); });
    }
}

void Node::dispatch_one(const json::value& request, const CallContext& ctx, Reply reply) {
    ++metrics_.rpc_requests;
    if (!request.is_object()) {
        reply(rpc::make_error(nullptr, rpc::invalid_request, "a request must be a JSON object"));
        return;
    }
    const auto& o = request.as_object();
    json::value id = nullptr;
    // Not a request at all ({"foo":"boo"}) is answered, with id null.
    const bool notification = rpc::is_notification(request);
    if (auto* v = o.if_contains("id")) {
        if (!rpc::is_valid_id(*v)) {
            reply(rpc::make_error(nullptr, rpc::invalid_request, "id must be a string, a finite number or null"));
            return;
        }
        id = *v;
    }
    auto respond = [reply, notification](json::value response) { reply(notification ? json::value() : response); };
    const auto* version = o.if_contains("jsonrpc");
    if (!version || !version->is_string() || version->as_string() != "2.0") {
        respond(rpc::make_error(id, rpc::invalid_request, "jsonrpc must be \"2.0\""));
        return;
    }
    const auto* method = o.if_contains("method");
    if (!method || !method->is_string()) {
        respond(rpc::make_error(id, rpc::invalid_request, "method must be a string"));
        return;
    }
    const std::string_view name = method->as_string();
    const rpc::MethodInfo* info = rpc::find_method(name);
    auto handler = handlers().find(name);
    if (!info || handler == handlers().end()) {
        std::string shown(name.substr(0, 64));
        respond(rpc::make_error(id, rpc::method_not_found, "no method '" + shown + "'; rpc.discover lists them"));
        return;
    }
    if (info->follower_refuses && following()) {
        respond(rpc::make_error(id, rpc::follower,
                                "this node is a read-only follower of " + config_.follow_url +
                                    " (kopilkad follow): it takes no writes; send " + std::string(name) +
                                    " to the node it follows",
                                json::object{{"reason", "follower"}, {"source", config_.follow_url}}));
        return;
    }
    if (info->admin && !ctx.admin) {
        respond(rpc::make_error(id, rpc::unauthorized,
                                "admin method: send Authorization: Bearer <the .cookie file's token>"));
        return;
    }
    if (info->websocket_only && ctx.session == 0) {
        respond(rpc::make_error(id, rpc::method_not_found, std::string(name) + " works over WebSocket (/ws) only"));
        return;
    }
    static const json::value no_params = nullptr;
    const json::value* params = o.if_contains("params");
    try {
        Call call{ctx, rpc::Params(params ? *params : no_params), id, respond};
        std::optional<json::value> result = (this->*(handler->second))(call);
        // Charged before the answer goes out, so the client's next request
        // already sees the cost.
        if (call.rows != 0 && ctx.charge) ctx.charge(call.rows / request_cost_rows);
        if (result) respond(rpc::make_result(id, std::move(*result)));
    } catch (const Error& e) {
        respond(rpc::make_error(id, e.code, e.what(), e.data));
    } catch (const StoreError& e) {
        // The record asked for cannot be read: say so, and stop taking writes.
        set_damaged(e.damage());
        respond(rpc::make_error(id, rpc::unavailable,
                                "this cannot be read: " + e.damage().describe() +
                                    ". The node's ledger is damaged; other reads may still work",
                                json::object{{"reason", "damaged"}}));
    } catch (const std::exception& e) {
        log_.error("rpc.internal", {{"method", name}, {"what", e.what()}});
        respond(rpc::make_error(id, rpc::internal_error, "internal error; the node's log has details"));
    }
}

// --- mempool ---

Node::Enqueued Node::enqueue(SignedTx stx, const Hash256& id, Waiter waiter) {
    {
        std::lock_guard lock(mempool_mutex_);
        if (stopping_) return Enqueued::stopping;
        if (auto it = pending_.find(id); it != pending_.end()) {
            if (waiter) it->second.waiters.push_back(std::move(waiter));
            return Enqueued::joined;
        }
        if (pending_.size() >= config_.mempool_txs_max) return Enqueued::full;
        Pending p{std::move(stx), id, std::chrono::steady_clock::now(), {}};
        if (waiter) p.waiters.push_back(std::move(waiter));
        pending_.emplace(id, std::move(p));
        queue_.push_back(id);
        metrics_.mempool = pending_.size();
    }
    ++metrics_.tx_accepted;
    mempool_cv_.notify_one();
    return Enqueued::added;
}

bool Node::is_pending(const Hash256& id) {
    std::lock_guard lock(mempool_mutex_);
    return pending_.contains(id);
}

std::optional<Refused> Node::recent_refusal(const Hash256& id) {
    std::lock_guard lock(mempool_mutex_);
    auto it = refusals_.find(id);
    if (it == refusals_.end()) return std::nullopt;
    return it->second;
}

void Node::producer_loop() {
    const auto interval = std::chrono::milliseconds(config_.block_interval_ms);
    const std::size_t cap = std::min<std::size_t>(config_.block_txs_max, block_txs_max);
    for (;;) {
        std::vector<Pending> batch;
        // A programme's time event (a lot expiring, a monthly tier
        // recalculation, a birthday gift) closes a block at its due time
        // even when no transaction comes.
        std::optional<std::uint64_t> event_due_s;
        {
            std::lock_guard chain_lock(chain_mutex_);
            event_due_s = next_event_due_s(chain_->state());
        }
        {
            std::unique_lock lock(mempool_mutex_);
            auto has_work = [&] { return stopping_ || !queue_.empty(); };
            if (event_due_s) {
                const std::int64_t wait_ms = static_cast<std::int64_t>(*event_due_s * 1000) -
                                             static_cast<std::int64_t>(clock_.now_ms());
                if (wait_ms > 0 &&
                    !mempool_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms) + interval, has_work)) {
                    lock.unlock();
                    produce_events_only(interval);
                    continue;
                }
                if (wait_ms <= 0 && queue_.empty() && !stopping_) {
                    lock.unlock();
                    produce_events_only(interval);
                    continue;
                }
            }
            mempool_cv_.wait(lock, has_work);
            if (queue_.empty()) return;  // stopping, nothing left
            // Let a block fill for one interval after its first transaction,
            // unless it is already full or the node is stopping.
            if (!stopping_ && queue_.size() < cap) {
                const auto deadline = pending_.at(queue_.front()).submitted + interval;
                mempool_cv_.wait_until(lock, deadline, [&] { return stopping_ || queue_.size() >= cap; });
            }
            while (!queue_.empty() && batch.size() < cap) {
                auto node = pending_.extract(queue_.front());
                queue_.pop_front();
                batch.push_back(std::move(node.mapped()));
            }
            metrics_.mempool = pending_.size();
        }
        produce(std::move(batch));
    }
}

void Node::produce_events_only(std::chrono::milliseconds retry) {
    const std::uint64_t height = metrics_.height;
    produce({});
    // Nothing was made (the ledger is damaged, the disk refuses, or the
    // event is not due by the block clock yet): wait before trying again.
    if (metrics_.height == height) {
        std::unique_lock lock(mempool_mutex_);
        mempool_cv_.wait_for(lock, retry, [&] { return stopping_; });
    }
}

void Node::produce(std::vector<Pending> batch) {
    // A damaged ledger takes nothing: what was queued before the damage was
    // found is answered, never written.
    if (auto damage = damage_message()) {
        for (auto& p : batch)
            for (auto& w : p.waiters) w(TxOutcome{}, nullptr, *damage);
        return;
    }
    std::vector<SignedTx> txs;
    txs.reserve(batch.size());
    for (auto& p : batch) txs.push_back(p.stx);
    std::expected<Produced, std::string> produced;
    std::vector<OutboxMessage> messages;  // the block's, written in its batch
    std::vector<WebhookEvent> events;     // the same, for the venues' POS webhooks
    {
        std::unique_lock lock(chain_mutex_);
        produced = chain_->produce_block(
            txs, clock_.now_ms(), *producer_, /*signatures_verified=*/true,
            [&](const Block& block, std::span<const SignedTx> candidates, std::span<const TxOutcome> outcomes,
                const Effects& time_events, const State& state, Batch& b) {
                messages.clear();  // a block retried after a failed write starts afresh
                events.clear();
                block_messages(block, candidates, outcomes, time_events.movements, state, b, messages);
                block_events(block, candidates, outcomes, time_events, state, b, events);
            });
        if (!produced && !chain_->store().damage())
            set_write_error("the node cannot write to its data dir: " + produced.error());
    }
    if (!produced && chain_->store().damage()) {
        set_damaged(*chain_->store().damage());
        log_.error("block.not_written", {{"error", produced.error()}, {"txs", batch.size()}});
        for (auto& p : batch)
            for (auto& w : p.waiters) w(TxOutcome{}, nullptr, *damage_message());
        return;
    }
    if (!produced) {
        on_write_failure(std::move(batch), produced.error());
        return;
    }
    if (produced->block) {
        const BlockHeader& h = produced->block->header;
        metrics_.height = h.height;
        ++metrics_.blocks;
        log_.debug("block.committed", {{"height", h.height}, {"txs", produced->block->tx_ids.size()}});
    }
    const auto now = std::chrono::steady_clock::now();
    // Messages and subscriptions before the answers: a caller told that its
    // transfer to a phone is committed finds the phone's message already in
    // the outbox (the issue: "that phone is told at once"); with the file
    // channel it is in the file too.
    if (produced->block) {
        outbox_->committed(std::move(messages));
        webhooks_->committed(std::move(events));
        after_commit(*produced->block, produced->outcomes, batch, txs);
    }
    bool waiting = false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const TxOutcome& o = produced->outcomes[i];
        waiting = waiting || !batch[i].waiters.empty();
        if (o.status == TxOutcome::Status::refused) {
            metrics_.refused(refusal_name(o.refusal->code));
            std::lock_guard lock(mempool_mutex_);
            if (refusals_.emplace(o.id, *o.refusal).second) {
                refusal_order_.push_back(o.id);
                if (refusal_order_.size() > refusals_remembered_max) {
                    refusals_.erase(refusal_order_.front());
                    refusal_order_.pop_front();
                }
            }
        } else if (o.status == TxOutcome::Status::committed) {
            ++metrics_.tx_committed;
            metrics_.commit_latency(
                std::chrono::duration<double, std::milli>(now - batch[i].submitted).count());
        }
    }
    if (!waiting) return;
    // The proofs and JSON of the answers are built on the answer pool, so the
    // producer starts the next block at once; the block is already durable.
    auto work = std::make_shared<std::pair<std::vector<Pending>, Produced>>(std::move(batch), std::move(*produced));
    boost::asio::post(*answer_pool_, [work] {
        const auto& [done, result] = *work;
        answer(done, result.outcomes, result.block ? &*result.block : nullptr);
    });
}

void Node::answer(const std::vector<Pending>& batch, const std::vector<TxOutcome>& outcomes, const Block* block) {
    // One Merkle tree serves every waiter of the block: O(log n) a proof.
    std::optional<MerkleTree> tree;
    Hash256 this_block_hash{};
    if (block) {
        this_block_hash = block_hash(block->header);
        tree.emplace(block->tx_ids);
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].waiters.empty()) continue;
        const TxOutcome& o = outcomes[i];
        if (o.status == TxOutcome::Status::committed && block) {
            const BlockFacts facts{this_block_hash, block->header.time_ms, tree->prove(o.location.index)};
            for (auto& w : batch[i].waiters) w(o, &facts, std::nullopt);
        } else {
            // Refused, or committed in an earlier block: the handler reads what it needs.
            for (auto& w : batch[i].waiters) w(o, nullptr, std::nullopt);
        }
    }
}

void Node::on_write_failure(std::vector<Pending> batch, const std::string& error) {
    // The chain has rolled its memory back, but the block's write-ahead-log
    // record may have reached the disk before the error: the block may come
    // back when the store is reopened. So its transactions are neither
    // committed nor refused: the waiters are told the outcome is unknown and
    // that sending the same signed bytes again is safe (a committed id answers
    // with its first result, never a second movement).
    ++metrics_.write_failures;
    log_.error("block.write_failed", {{"error", error}, {"txs", batch.size()}});
    for (auto& p : batch) {
        for (auto& w : p.waiters) w(TxOutcome{}, nullptr, error);
        p.waiters.clear();
    }
    {
        // Queued again, so the block is retried once the disk is back: what
        // reappeared resolves as already committed, the rest commits then.
        std::lock_guard lock(mempool_mutex_);
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
            queue_.push_front(it->id);
            pending_.emplace(it->id, std::move(*it));
        }
        metrics_.mempool = pending_.size();
    }
    // RocksDB refuses every write after this until the store is reopened, so
    // the producer waits here, probing the disk, instead of retrying blocks.
    for (std::uint64_t attempt = 1;; ++attempt) {
        bool stopping = false;
        {
            std::unique_lock lock(mempool_mutex_);
            mempool_cv_.wait_for(lock, std::chrono::milliseconds(disk_retry_ms), [&] { return stopping_; });
            stopping = stopping_;
        }
        auto ok = recover_disk();
        if (ok) {
            log_.info("disk.recovered", {{"attempts", attempt}, {"height", chain_->height()}});
            return;
        }
        // Damage is not fixed by waiting: stop retrying; produce() answers
        // what is queued.
        if (damaged_.load(std::memory_order_acquire)) {
            answer_queued_waiters(*damage_message());
            return;
        }
        if (attempt == 1 || attempt % 20 == 0)
            log_.warn("disk.still_failing", {{"error", ok.error()}, {"attempts", attempt}});
        // Callers that queued after the failure get the same answer rather
        // than wait for a disk that may take hours to fix.
        answer_queued_waiters(error);
        if (stopping) {
            // Stopping on a broken disk: what is queued cannot be written.
            // Its submitters were answered "unknown; resubmit"; nothing a
            // client was told is committed is affected.
            std::lock_guard lock(mempool_mutex_);
            log_.error("node.stop_unwritten", {{"txs", pending_.size()}, {"error", ok.error()}});
            pending_.clear();
            queue_.clear();
            metrics_.mempool = 0;
            return;
        }
    }
}

void Node::set_write_error(std::optional<std::string> error) {
    write_failed_.store(error.has_value(), std::memory_order_release);
    write_error_ = std::move(error);
}

std::expected<void, std::string> Node::recover_disk() {
    // Probe first: reopening a database on a disk that is still full only
    // trades a read-write handle for a read-only one and back.
    if (auto ok = Store::check_writable(dir_.ledger(), disk_probe_bytes); !ok) {
        std::unique_lock lock(chain_mutex_);
        set_write_error("the node " + ok.error());  // "the node cannot write to the data dir ... (<OS reason>)"
        return ok;
    }
    std::unique_lock lock(chain_mutex_);
    const std::uint64_t before = chain_->height();
    if (auto ok = chain_->reopen(); !ok) {
        set_write_error("the node cannot write to its data dir: " + ok.error());
        if (auto d = chain_->store().damage()) {
            lock.unlock();
            set_damaged(*d);
        }
        return ok;
    }
    // The memory now equals the disk. A block whose write was reported as
    // failed may be there after all; its transactions, still queued, resolve
    // as already committed in the next block.
    if (chain_->height() != before)
        log_.warn("disk.block_reappeared", {{"height", chain_->height()}, {"was", before}});
    metrics_.height = chain_->height();
    set_write_error(std::nullopt);
    // A block whose write was reported failed may be back with its messages.
    outbox_->reload();
    webhooks_->reload();
    return {};
}

void Node::answer_queued_waiters(const std::string& message) {
    std::vector<Waiter> waiters;
    {
        std::lock_guard lock(mempool_mutex_);
        for (auto& [id, p] : pending_) {
            for (auto& w : p.waiters) waiters.push_back(std::move(w));
            p.waiters.clear();
        }
    }
    for (auto& w : waiters) w(TxOutcome{}, nullptr, message);
}

void Node::after_commit(const Block& block, const std::vector<TxOutcome>& outcomes,
                        const std::vector<Pending>& batch, std::span<const SignedTx> txs) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (outcomes[i].status != TxOutcome::Status::committed) continue;
        const TxBody& body = batch[i].stx.tx.body;
        if (const auto* a = std::get_if<StaffAdd>(&body)) invites_->added(staff_acceptance_id(a->acceptance));
    }
    publish(block, outcomes, txs);
}

void Node::block_messages(const Block& block, std::span<const SignedTx> candidates,
                          std::span<const TxOutcome> outcomes, std::span<const Movement> event_movements,
                          const State& state, Batch& batch, std::vector<OutboxMessage>& out) {
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const TxOutcome& o = outcomes[i];
        if (o.status != TxOutcome::Status::committed) continue;
        const TxBody& body = candidates[i].tx.body;
        std::optional<OutboxMessage> m;
        if (const auto* t = std::get_if<Transfer>(&body)) {
            if (!t->to.is_key()) m = coins_message(t->ticker, t->to.phone(), t->amount, state);
        } else if (const auto* b = std::get_if<PhoneBind>(&body)) {
            m = rebind_message(b->attestation.phone, TxKind::phone_bind, state);
        } else if (const auto* c = std::get_if<PhoneRebindCancel>(&body)) {
            m = rebind_message(c->phone, TxKind::phone_rebind_cancel, state);
        } else if (const auto* done = std::get_if<PhoneRebindComplete>(&body)) {
            m = rebind_message(done->phone, TxKind::phone_rebind_complete, state);
        } else {
            // Anything else that credits phones (a purchase: its accrual, a
            // welcome gift, referrers' rewards; a return giving back the
            // bonuses paid): one message to each phone, for what it got in all.
            std::map<std::pair<std::string, PhoneRef>, Amount> credited;
            for (const Movement& mv : o.movements)
                if (!mv.to.is_key() && mv.from != mv.to && mv.amount > 0) credited[{mv.ticker, mv.to.phone()}] += mv.amount;
            for (const auto& [to, amount] : credited)
                out.push_back(outbox_->add(coins_message(to.first, to.second, amount, state), o.id, block.header.height,
                                           batch, /*per_phone=*/true));
        }
        if (m) out.push_back(outbox_->add(std::move(*m), o.id, block.header.height, batch));
    }
    // The programmes' gifts this block gave at their due times.
    for (const Movement& mv : event_movements) {
        if (!mv.event || mv.to.is_key() || mv.amount <= 0) continue;
        const bool birthday = *mv.event == loyalty::EventKind::birthday_gift;
        if (!birthday && *mv.event != loyalty::EventKind::winback_gift) continue;  // an expiry takes, never gives
        std::uint64_t expires_s = 0;
        if (const loyalty::Programme* p = state.programme_in_force(mv.ticker, mv.due_s))
            for (const loyalty::Gift& g : p->gifts)
                if (g.kind == (birthday ? loyalty::GiftKind::birthday : loyalty::GiftKind::winback) && g.lifetime_days > 0)
                    expires_s = loyalty::lot_expiry(*p, mv.due_s, g.lifetime_days);
        OutboxMessage m = coins_message(mv.ticker, mv.to.phone(), mv.amount, state,
                                        birthday ? MessageKind::birthday_gift : MessageKind::winback_gift, expires_s);
        // The event's own name: the venue, the phone, the kind and the due time.
        Bytes cause(mv.ticker.begin(), mv.ticker.end());
        cause.push_back(0);
        const PhoneRef ref = mv.to.phone();
        cause.insert(cause.end(), ref.begin(), ref.end());
        cause.push_back(static_cast<std::uint8_t>(*mv.event));
        for (int shift = 56; shift >= 0; shift -= 8) cause.push_back(static_cast<std::uint8_t>(mv.due_s >> shift));
        out.push_back(outbox_->add_event(std::move(m), cause, block.header.height, batch));
    }
}

OutboxMessage Node::coins_message(const std::string& ticker, const PhoneRef& ref, Amount amount, const State& state,
                                  MessageKind kind, std::uint64_t expires_s) const {
    // A number looked up for this transfer is only in memory: into the book
    // now, so a node killed before the message leaves still has it.
    phones_->keep_credited(ref);
    std::string venue_name = ticker;
    if (const VenueRecord* v = state.venue(ticker)) venue_name = v->profile.name;
    const Amount balance = state.balance(ticker, Account::of_phone(ref));
    // The link carries no code: a message about coins issues none (anyone
    // can send a phone coins), and the page asks for a code only when the
    // person opens it and wants to claim (phone.claim.request).
    OutboxMessage m;
    m.kind = kind;
    m.venue = ticker;  // the venue pays for its own news
    m.phone = ref;
    m.link = phone_link(listen_url(), ref);
    m.created_ms = clock_.now_ms();
    // In the venue's words and language (docs/messages.md, "Templates"),
    // rendered now: the record keeps the text that goes, so a template
    // changed later does not reword a message already owed.
    const Templates::Choice words = templates_->for_message(ticker, m.kind);
    TemplateValues values{{template_variable_venue, venue_name},
                          {template_variable_amount, amount_in(words.language, amount)},
                          {template_variable_ticker, ticker},
                          {template_variable_balance, amount_in(words.language, balance)},
                          {template_variable_link, m.link}};
    if (kind != MessageKind::coins_received) {
        // The gift's last day in the venue's own zone: its lot expires at
        // the start of the day after.
        std::optional<std::array<std::int32_t, 3>> last_day;
        if (expires_s > 0)
            if (const loyalty::Programme* p = state.programme_latest(ticker))
                if (auto zone = ledger::tz::parse(p->zone_rule)) {
                    const ledger::tz::LocalTime t = ledger::tz::to_local(*zone, static_cast<std::int64_t>(expires_s) - 1);
                    last_day = std::array<std::int32_t, 3>{t.year, t.month, t.day};
                }
        values.emplace_back(template_variable_expires, expiry_in(words.language, last_day));
    }
    m.text = render_template(words.text, values);
    return m;
}

std::optional<OutboxMessage> Node::rebind_message(const PhoneRef& ref, TxKind kind, const State& state) const {
    const PendingRebind* pending = state.pending_rebind(ref);
    if (kind == TxKind::phone_bind && !pending) return std::nullopt;
    OutboxMessage m;
    m.phone = ref;
    m.link = phone_link(listen_url(), ref);
    m.created_ms = clock_.now_ms();
    if (kind == TxKind::phone_bind) {
        const std::time_t t = static_cast<std::time_t>(pending->effective_s);
        std::tm tm{};
        gmtime_r(&t, &tm);
        char when[32];
        std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
        m.kind = MessageKind::rebind_announced;
        m.text = "Kopilka: a new key asked for this phone's coins. It takes them on " + std::string(when) +
                 " unless you cancel. Not you? Open " + m.link + " and cancel the re-bind.";
    } else if (kind == TxKind::phone_rebind_cancel) {
        m.kind = MessageKind::rebind_cancelled;
        m.text = "Kopilka: the re-bind of this phone was cancelled; your key keeps its coins. " + m.link;
    } else {
        m.kind = MessageKind::rebind_completed;
        m.text = "Kopilka: this phone's coins now belong to a new key. " + m.link;
    }
    return m;
}

std::expected<Rendered, Outbox::Unsendable> Node::render_message(const OutboxMessage& m, bool sending) {
    Rendered r;
    r.text = m.text;
    r.link = m.link;
    if (m.kind == MessageKind::claim_code) {
        auto live = phones_->live_code(m.phone);
        if (!live)
            return std::unexpected(Outbox::Unsendable{MessageState::expired, "the claim code was used or has expired"});
        r.phone = live->e164;
        r.text = with_claim_code(std::move(r.text), live->code);
        r.urgent = true;  // sent without credits too: the person is waiting for it
        return r;
    }
    // A venue's own news respects the client's choice (docs/messages.md,
    // "Opting out"); what the person asked for or must know does not.
    if (venue_news(m.kind)) {
        if (auto stop = consent_->stopping(m.phone, m.venue))
            return std::unexpected(Outbox::Unsendable{
                MessageState::stopped,
                std::string(stop->source == Consent::Source::reply ? "the client replied STOP"
                                                                   : "the client turned these off in the cabinet") +
                    (stop->venue.empty() ? " for every venue" : " for " + stop->venue)});
        // The client's browser, when they turned push on: free, and no
        // number needed. A re-bind notice always goes by SMS (whoever holds
        // the phone must hear of it, not whoever holds the browser).
        if (push_subs_ && m.attempts < push_attempts_max)
            if (auto sub = push_subs_->of(m.phone)) {
                Rendered::Push p{m.phone, std::move(sub->endpoint), std::move(sub->p256dh), std::move(sub->auth), {}};
                std::shared_lock lock(chain_mutex_);
                if (const VenueRecord* v = chain_->state().venue(m.venue)) p.title = v->profile.name;
                r.push = std::move(p);
            }
    }
    // Coins: the book, or a recent lookup, which then enters the book. A
    // re-bind notice goes to a claimed phone, whose number the book keeps.
    auto number = sending && venue_news(m.kind) ? phones_->credited(m.phone) : phones_->number_of(m.phone);
    if (!number && !r.push)
        return std::unexpected(Outbox::Unsendable{
            MessageState::dead, "this node does not know the number of phone:" + to_hex(m.phone) +
                                    " (it was never looked up here, or the book dropped it)"});
    if (number) r.phone = *number;
    // A re-bind notice is sent without credits: the person's coins are about
    // to move to another key, and this may be their only warning.
    r.urgent = !venue_news(m.kind);
    if (!r.urgent && quiet_hours_ && sending) {
        // The venue's night: its programme's zone, else the node's.
        ledger::tz::Rule zone = quiet_zone_;
        {
            std::shared_lock lock(chain_mutex_);
            if (const auto* p = chain_->state().programme_latest(m.venue))
                if (auto rule = ledger::tz::parse(p->zone_rule)) zone = *rule;
        }
        r.not_before_ms = quiet_hours_end(*quiet_hours_, zone, clock_.now_ms());
    }
    return r;
}

void Node::publish(const Block& block, std::span<const TxOutcome> outcomes, std::span<const SignedTx> txs) {
    std::lock_guard lock(subs_mutex_);
    if (sessions_.empty()) return;
    auto note = [](std::uint64_t sub, json::value result) {
        json::object params{{"subscription", sub}, {"result", std::move(result)}};
        return json::serialize(json::object{{"jsonrpc", "2.0"}, {"method", "subscription"}, {"params", params}});
    };
    const json::object header = rpc::header_json(block.header);
    for (auto& [session, s] : sessions_) {
        for (const auto& sub : s.subs) {
            if (sub.topic == Subscription::Topic::blocks) {
                s.push(note(sub.id, header));
                continue;
            }
            for (std::size_t i = 0; i < txs.size(); ++i) {
                const TxOutcome& o = outcomes[i];
                if (o.status != TxOutcome::Status::committed) continue;
                const bool match =
                    sub.topic == Subscription::Topic::account
                        ? std::find(o.touched.begin(), o.touched.end(), sub.account) != o.touched.end()
                        : tx_ticker(txs[i].tx) == sub.ticker;
                if (!match) continue;
                json::object r{{"id", to_hex(o.id)},
                               {"height", o.location.height},
                               {"index", o.location.index},
                               {"tx", rpc::tx_json(txs[i])}};
                s.push(note(sub.id, std::move(r)));
            }
        }
    }
}

void Node::session_closed(std::uint64_t session) {
    std::lock_guard lock(subs_mutex_);
    sessions_.erase(session);
}

}  // namespace kopilka::node
