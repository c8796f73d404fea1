// The node: one object that owns the chain, the mempool and block producer,
// the phone service, the notifier and the metrics, and answers JSON-RPC.
// No globals (after stellar-core's Application): two nodes can run in one
// process, and time comes from the injected clock.
#pragma once

#include "ledger/chain.h"
#include "node/clock.h"
#include "node/config.h"
#include "node/follow/follower.h"
#include "node/invites.h"
#include "node/log.h"
#include "node/metrics.h"
#include "node/notifier.h"
#include "node/messages/channels.h"
#include "node/messages/consent.h"
#include "node/messages/outbox.h"
#include "node/messages/push_store.h"
#include "node/messages/webhooks.h"
#include "node/messages/quiet_hours.h"
#include "node/messages/templates.h"
#include "node/phones.h"
#include "node/server.h"
#include "rpc/protocol.h"

#include <boost/json/value.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace boost::asio {
class thread_pool;
}

namespace kopilka::node {

inline constexpr std::string_view node_version = "0.1.0";

// Files in a data dir.
struct DataDir {
    std::filesystem::path root;
    std::filesystem::path ledger() const { return root / "ledger"; }
    std::filesystem::path keys() const { return root / "keys"; }
    std::filesystem::path producer_key() const { return root / "keys" / "producer.key"; }
    std::filesystem::path attestor_key() const { return root / "keys" / "attestor.key"; }
    std::filesystem::path passphrase() const { return root / "keys" / "passphrase"; }
    std::filesystem::path phone_secret() const { return root / "phone.secret"; }
    std::filesystem::path cookie() const { return root / ".cookie"; }
    std::filesystem::path config() const { return root / "kopilkad.conf"; }
    std::filesystem::path phone_book() const { return root / "private" / "phones"; }
    std::filesystem::path outbox() const { return root / "private" / "outbox.jsonl"; }
    std::filesystem::path webhooks() const { return root / "private" / "webhooks.json"; }
    std::filesystem::path push_subscriptions() const { return root / "private" / "push.jsonl"; }
    std::filesystem::path vapid_key() const { return root / "private" / "vapid.pem"; }
    std::filesystem::path media() const { return root / "media"; }
    // A follower's known tip and proof (node/follow/evidence.h).
    std::filesystem::path follow() const { return root / "follow"; }
};

struct InitOptions {
    std::string chain_name = "kopilka";
    std::uint64_t rebind_delay_s = ledger::rebind_delay_s_default;  // written into the genesis
    std::int64_t clock_offset_ms = 0;  // the genesis is dated by the wall clock plus this (--clock-offset-s)
};

// Creates a data dir: genesis, producer and attestor keys (encrypted keystores
// whose passphrase is generated into a mode-0600 file, unless
// KOPILKAD_PASSPHRASE gives one), the phone secret and a commented config.
// Refuses to touch an existing ledger.
std::expected<void, std::string> init_data_dir(const std::filesystem::path& dir, const InitOptions& options);

class Node final : public RpcHandler {
public:
    // Why open failed, for main's exit code. proof_kept: a follower whose
    // data dir holds the proof of an earlier finding (it does not go on
    // following over evidence).
    enum class OpenFailure { other, damaged, unwritable, proof_kept };
    static std::expected<std::unique_ptr<Node>, std::string> open(const Config& config, Clock& clock, Log& log,
                                                                  OpenFailure* why = nullptr);
    ~Node() override;

    // Starts the block producer and the signature-checking pool.
    void start();
    // Commits what is pending, syncs, and stops the producer. Idempotent.
    void stop();
    // Set by admin.stop; main waits on it along with signals.
    void wait_for_stop_request(const std::function<bool()>& also_stop);
    void request_stop();

    // RpcHandler
    void handle(std::string body, CallContext ctx, std::function<void(std::string)> done) override;
    void session_closed(std::uint64_t session) override;
    bool admin_token_ok(std::string_view token) override;
    std::string health() override;
    bool healthy() override { return !damaged_.load(std::memory_order_acquire); }
    std::string metrics() override;
    void connection_opened() override { ++metrics_.connections; }
    void connection_closed() override { --metrics_.connections; }
    void request_rate_limited() noexcept override { ++metrics_.rate_limited; }
    void connection_refused(bool per_address) noexcept override {
        ++(per_address ? metrics_.connections_refused_per_address : metrics_.connections_refused_total);
    }
    void connection_dropped_send_queue() noexcept override { ++metrics_.send_queue_closed; }
    // POST /media on the read pool (it writes and fsyncs), GET at once (node_media.cpp).
    void media_put(std::string body, std::string content_type, CallContext ctx,
                   std::function<void(MediaReply)> done) override;
    MediaReply media_get(std::string_view path, bool head, std::string_view if_none_match) override;
    // POST /hooks/sms on the read pool (a choice is synced; node_messages.cpp).
    void sms_hook(std::string body, std::vector<std::pair<std::string, std::string>> headers, CallContext ctx,
                  std::function<void(MediaReply)> done) override;

    const std::string& admin_token() const { return admin_token_; }
    // A read-only follower of config.follow_url (`kopilkad follow`,
    // node_follow.cpp): no keys, no producer, no outbox; it refuses every
    // method the table marks follower_refuses.
    bool following() const { return !config_.follow_url.empty(); }
    // Why following stopped for good (main's exit code), once it has.
    std::optional<follow::Stop> follow_stop();
    // Set by main once the server listens, which is after start(): the
    // producer and the handlers read it meanwhile, so it is guarded.
    void set_listen_url(std::string url) {
        std::lock_guard lock(listen_url_mutex_);
        listen_url_ = std::move(url);
    }
    std::string listen_url() const {
        std::lock_guard lock(listen_url_mutex_);
        return listen_url_;
    }

    // One method call; `reply` gets the full JSON-RPC response object.
    using Reply = std::function<void(boost::json::value response)>;
    struct Call;

private:
    Node(const Config& config, Clock& clock, Log& log);
    std::expected<void, std::string> load(OpenFailure* why);
    // Opens the ledger and runs the startup check (both modes).
    std::expected<void, std::string> open_chain(OpenFailure* why);
    // A follower's load (node_follow.cpp): the ledger made from the source's
    // genesis at the first start, no keys or secrets, the Follower.
    std::expected<void, std::string> load_follower(OpenFailure* why);
    // The served-state checks both modes end load with.
    std::expected<void, std::string> finish_load();
    std::expected<void, std::string> open_push();  // --push-contact: the VAPID key, the subscriptions, the channel
    // A block the follower appended: metrics, subscriptions.
    void followed(const ledger::Appended& a);

    void dispatch_one(const boost::json::value& request, const CallContext& ctx, Reply reply);
    struct Answers;
    // Runs the heavy calls of a request (indices into it) on the read pool,
    // in order; answers "busy" when the read queue is full.
    void run_heavy(std::shared_ptr<const boost::json::value> request, std::vector<std::size_t> heavy,
                   CallContext ctx, std::shared_ptr<Answers> answers);
    void heavy_calls(const boost::json::value& request, const std::vector<std::size_t>& heavy, const CallContext& ctx,
                     const std::shared_ptr<Answers>& answers);

    // Handlers (handlers.cpp). Each returns the result or throws rpc::Error;
    // an asynchronous one returns nullopt and answers through call.done.
    using Handler = std::optional<boost::json::value> (Node::*)(Call& call);
    static const std::unordered_map<std::string_view, Handler>& handlers();
    std::optional<boost::json::value> node_info(Call&);
    std::optional<boost::json::value> tx_submit(Call&);
    std::optional<boost::json::value> tx_get(Call&);
    std::optional<boost::json::value> tx_decode(Call&);
    std::optional<boost::json::value> block_get(Call&);
    std::optional<boost::json::value> block_raw(Call&);
    std::optional<boost::json::value> chain_genesis(Call&);
    std::optional<boost::json::value> account_balances(Call&);
    std::optional<boost::json::value> account_history(Call&);
    std::optional<boost::json::value> venue_list(Call&);
    std::optional<boost::json::value> venue_get(Call&);
    std::optional<boost::json::value> programme_get(Call&);  // programme_handlers.cpp
    std::optional<boost::json::value> loyalty_get(Call&);
    std::optional<boost::json::value> purchase_quote(Call&);
    std::optional<boost::json::value> venue_history(Call&);  // venue_history.cpp
    // venue.stats and venue.series (venue_stats.cpp).
    std::optional<boost::json::value> venue_stats(Call&);
    std::optional<boost::json::value> venue_series(Call&);
    std::optional<boost::json::value> phone_lookup(Call&);
    std::optional<boost::json::value> phone_claim_request(Call&);
    std::optional<boost::json::value> phone_claim_confirm(Call&);
    std::optional<boost::json::value> voucher_check(Call&);
    // invite.open, invite.accept and invite.get (invite_handlers.cpp).
    std::optional<boost::json::value> invite_open(Call&);
    std::optional<boost::json::value> invite_accept(Call&);
    std::optional<boost::json::value> invite_get(Call&);
    std::optional<boost::json::value> rpc_discover(Call&);
    std::optional<boost::json::value> subscribe(Call&);
    std::optional<boost::json::value> unsubscribe(Call&);
    std::optional<boost::json::value> admin_outbox(Call&);
    std::optional<boost::json::value> admin_credits_add(Call&);
    std::optional<boost::json::value> sms_credits(Call&);
    std::optional<boost::json::value> sms_preview(Call&);
    std::optional<boost::json::value> messages_consent_set(Call&);  // node_messages.cpp
    std::optional<boost::json::value> messages_consent_get(Call&);
    std::optional<boost::json::value> messages_push_key(Call&);
    std::optional<boost::json::value> messages_push_set(Call&);
    std::optional<boost::json::value> messages_push_get(Call&);
    std::optional<boost::json::value> webhook_set(Call&);  // node_webhooks.cpp
    std::optional<boost::json::value> admin_webhooks(Call&);
    // messages.templates.get, .set, .language and .preview (node_templates.cpp).
    std::optional<boost::json::value> messages_templates_get(Call&);
    std::optional<boost::json::value> messages_templates_set(Call&);
    std::optional<boost::json::value> messages_templates_language(Call&);
    std::optional<boost::json::value> messages_templates_preview(Call&);
    // Its "ticker": a venue of this chain (its name into `name` when given).
    std::string templates_venue(Call& call, std::string* name = nullptr);
    // Throws unless `message` is signed (kopilka/templates/v1) by the owner of
    // `ticker` with the call's key and signature, at a time_ms near the clock.
    void check_owner_signed(const std::string& ticker, Call& call, const Bytes& message, std::uint64_t time_ms);
    // Runs `work` on the read pool (it writes and syncs), under its gate and
    // queue bound; answers 503 when the node is stopping or busy.
    void offload(std::function<MediaReply()> work, std::function<void(MediaReply)> done);
    // What one provider's callback does: reports to the outbox, STOP and
    // START to the client's choices.
    MediaReply read_sms_hook(const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers);
    std::string credits_venue(Call& call);  // its "ticker": a venue of this chain
    std::optional<boost::json::value> admin_stop(Call&);
    std::optional<boost::json::value> admin_backup(Call&);  // node_backup.cpp

    boost::json::value history_page(const ledger::HistoryPage& page);
    // The answer for a committed transaction. `known` saves reading the block
    // back when the producer already has it (hash, time, proof).
    struct BlockFacts {
        Hash256 hash{};
        std::uint64_t time_ms = 0;
        std::optional<ledger::InclusionProof> proof;
    };
    boost::json::value committed_result(const Hash256& id, ledger::TxLocation at,
                                        const BlockFacts* known = nullptr);

    // --- mempool and block production (node.cpp) ---
    using Waiter = std::function<void(const ledger::TxOutcome&, const BlockFacts* block,
                                      const std::optional<std::string>& write_error)>;
    struct Pending {
        ledger::SignedTx stx;
        Hash256 id{};
        std::chrono::steady_clock::time_point submitted;
        std::vector<Waiter> waiters;
    };
    enum class Enqueued { added, joined, full, stopping };
    // Adds a verified transaction (or a waiter to one already pending).
    Enqueued enqueue(ledger::SignedTx stx, const Hash256& id, Waiter waiter);
    bool is_pending(const Hash256& id);
    std::optional<ledger::Refused> recent_refusal(const Hash256& id);
    void producer_loop();
    // A block for the programmes' due time events alone (no transaction).
    void produce_events_only(std::chrono::milliseconds retry);
    void produce(std::vector<Pending> batch);
    // After a failed block write: answer the waiters (outcome unknown), queue
    // the transactions again, and hold the producer until recover_disk works.
    void on_write_failure(std::vector<Pending> batch, const std::string& error);
    // Probes the data dir, then reopens the chain from disk (chain lock held).
    std::expected<void, std::string> recover_disk();
    // Answers (and drops) the waiters of every queued transaction with `message`.
    void answer_queued_waiters(const std::string& message);
    // Answers every waiter of `batch` (on the answer pool).
    static void answer(const std::vector<Pending>& batch, const std::vector<ledger::TxOutcome>& outcomes,
                       const ledger::Block* block);
    void after_commit(const ledger::Block& block, const std::vector<ledger::TxOutcome>& outcomes,
                      const std::vector<Pending>& batch, std::span<const ledger::SignedTx> txs);
    // The messages a block causes, added to its batch (ledger::BlockExtras)
    // so they exist if and only if the block does; `out` gets them for the
    // outbox once the block is written. Runs under the chain lock: it reads
    // `state`, never the phone book (numbers are looked up when sent).
    void block_messages(const ledger::Block& block, std::span<const ledger::SignedTx> candidates,
                        std::span<const ledger::TxOutcome> outcomes, std::span<const ledger::Movement> event_movements,
                        const ledger::State& state, ledger::Batch& batch, std::vector<OutboxMessage>& out);
    // The venues' POS webhook events a block causes (node_webhooks.cpp), added
    // to its batch like its messages; `out` gets them once it is written.
    void block_events(const ledger::Block& block, std::span<const ledger::SignedTx> candidates,
                      std::span<const ledger::TxOutcome> outcomes, const ledger::Effects& time_events,
                      const ledger::State& state, ledger::Batch& batch, std::vector<WebhookEvent>& out);
    // Coins reached a phone: what it got and its balance after the block.
    // News of `amount` of `ticker` credited to phone `ref` (a transfer, a
    // purchase's accrual, a gift): the venue's template of `kind`, rendered
    // now; `expires` is a gift's lot expiry (unix s, 0: none).
    OutboxMessage coins_message(const std::string& ticker, const ledger::PhoneRef& ref, ledger::Amount amount,
                                const ledger::State& state, MessageKind kind = MessageKind::coins_received,
                                std::uint64_t expires_s = 0) const;
    // A re-bind of the phone was announced, cancelled or completed; nullopt
    // for a phone_bind that took effect at once (an unclaimed phone: no news).
    std::optional<OutboxMessage> rebind_message(const ledger::PhoneRef& ref, ledger::TxKind kind,
                                                const ledger::State& state) const;
    // A message as it leaves the node: its number from the phone book (or,
    // for a claim code, from the code's own record) and the live code.
    // Only `sending` moves a looked-up number into the book (admin.outbox
    // reads without changing anything).
    std::expected<Rendered, Outbox::Unsendable> render_message(const OutboxMessage& m, bool sending);
    // Tells the WebSocket subscribers about a committed block: `txs` are the
    // candidates `outcomes` answer (a produced block's batch, or every
    // transaction of a followed one).
    void publish(const ledger::Block& block, std::span<const ledger::TxOutcome> outcomes,
                 std::span<const ledger::SignedTx> txs);

    Config config_;
    Clock& clock_;
    Log& log_;
    DataDir dir_;
    Metrics metrics_;
    std::unique_ptr<ledger::Chain> chain_;
    mutable std::shared_mutex chain_mutex_;  // exclusive while a block is produced
    std::unique_ptr<KeyPair> producer_;
    std::unique_ptr<KeyPair> attestor_;
    std::unique_ptr<PhoneService> phones_;
    std::unique_ptr<Outbox> outbox_;
    std::unique_ptr<Consent> consent_;  // clients' choices of messages; thread-safe on its own
    SystemClock wall_clock_;  // VAPID tokens' expiry: push services check it against real time
    std::unique_ptr<PushSubscriptions> push_subs_;  // clients' browsers for web push; thread-safe; null: push is off
    std::string push_public_key_;  // the VAPID key, base64url (the cabinet's applicationServerKey)
    std::unique_ptr<Webhooks> webhooks_;  // the venues' POS webhooks; thread-safe on its own
    std::unique_ptr<Templates> templates_;  // venues' wording of their messages; thread-safe on its own
    SmsProvider sms_provider_ = SmsProvider::file;
    std::string inbound_secret_;  // --sms-inbound-secret-file; empty: /hooks/sms reads nothing
    std::unique_ptr<InviteBox> invites_;  // thread-safe on its own; never under the chain lock
    std::unique_ptr<MediaStore> media_;
    // The media names the current state's venue logos and product images point at.
    std::unordered_set<std::string> referenced_media() const;
    std::string admin_token_;
    std::optional<QuietHours> quiet_hours_;  // --quiet-hours; none: messages go at any hour
    ledger::tz::Rule quiet_zone_;            // --quiet-hours-zone, for a venue without a programme
    mutable std::mutex listen_url_mutex_;
    std::string listen_url_;  // the cabinet links' base; listen_url_mutex_
    std::unique_ptr<boost::asio::thread_pool> verify_pool_;
    // Builds the answers (inclusion proofs, JSON) of a committed block while
    // the producer goes on to the next one; one thread keeps blocks in order.
    std::unique_ptr<boost::asio::thread_pool> answer_pool_;
    // Heavy reads (see heavy_method in node.cpp), off the I/O threads. Jobs
    // are posted under read_gate_ while reads_open_; stop() closes the gate
    // before it joins the pool, so no job is posted to a joined pool.
    std::unique_ptr<boost::asio::thread_pool> read_pool_;
    std::mutex read_gate_;
    bool reads_open_ = false;  // under read_gate_
    std::size_t reads_queued_ = 0;  // jobs posted and not yet started, under read_gate_

    std::mutex mempool_mutex_;
    std::condition_variable mempool_cv_;
    std::deque<Hash256> queue_;
    std::unordered_map<Hash256, Pending, ledger::Hash256Hasher> pending_;
    std::unordered_map<Hash256, ledger::Refused, ledger::Hash256Hasher> refusals_;
    std::deque<Hash256> refusal_order_;
    bool stopping_ = false;
    // Closed by stop() before the verify pool is joined: a submission either
    // gets through the gate and its verification runs to the mempool, or is
    // refused at the gate ("stopping"); none is posted to a joined pool.
    std::shared_mutex submit_gate_;
    bool accepting_ = true;
    // Set (under the chain lock) when the store refuses a block, cleared when
    // recover_disk has reopened the chain: meanwhile tx.submit refuses new
    // transactions and /health says "degraded". write_failed_ mirrors it
    // (set_write_error keeps the two together), so that tx.submit looks
    // without the chain lock, which the producer holds while it writes.
    std::optional<std::string> write_error_;
    std::atomic<bool> write_failed_{false};
    void set_write_error(std::optional<std::string> error);  // the chain lock held exclusively
    // Set when a read or write met damage in the ledger (Store::damage()):
    // from then on tx.submit refuses, the producer commits nothing, /health
    // answers 503 "damaged", and reads go on where the records can be read.
    // Cleared only by a restart, whose startup check then refuses the ledger
    // (exit 3) naming the damage.
    std::mutex damage_mutex_;
    std::optional<std::string> damage_;
    std::atomic<bool> damaged_{false};
    void set_damaged(const ledger::StoreDamage& d);
    std::optional<std::string> damage_message();
    std::thread producer_thread_;
    // Reminders of expiring bonuses (node_reminders.cpp): their thread, and
    // the latest expiry they were owed up to (that thread's alone).
    void start_reminders();
    void stop_reminders();
    void remind_expiring();
    std::thread reminder_thread_;
    std::mutex reminder_mutex_;
    std::condition_variable reminder_cv_;
    bool reminders_stopping_ = false;
    std::uint64_t reminded_until_s_ = 0;
    std::unique_ptr<follow::Follower> follower_;  // a follower's, instead of the producer
    std::mutex follow_mutex_;
    std::optional<follow::Stop> follow_stop_;  // under follow_mutex_

    std::mutex backup_mutex_;  // one admin.backup at a time
    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stop_requested_ = false;

    struct Subscription {
        std::uint64_t id = 0;
        enum class Topic { blocks, account, venue } topic = Topic::blocks;
        ledger::Account account;
        std::string ticker;
    };
    struct Session {
        std::function<void(std::string)> push;
        std::vector<Subscription> subs;
    };
    std::mutex subs_mutex_;
    std::unordered_map<std::uint64_t, Session> sessions_;
    std::uint64_t next_subscription_ = 1;
};

// Limits of the node's own bookkeeping.
inline constexpr std::size_t refusals_remembered_max = 10'000;
inline constexpr std::size_t history_page_default = 50;
// Index entries a filtered venue.history reads per call (each one a record
// read): the matches among them come back, with a cursor to go on.
inline constexpr std::size_t venue_history_scan_entries_max = 5000;
// venue.series: buckets one call may ask for (a year and a month of days),
// and how many it gives when the range is left out.
inline constexpr std::uint64_t series_buckets_max = 400;
inline constexpr std::uint64_t series_buckets_default = 90;
inline constexpr std::uint64_t attestation_ttl_s = 600;
inline constexpr std::size_t outbox_page_default = 100;
inline constexpr std::size_t outbox_page_max = 10'000;
// sms.credits: the packs and the debits it lists.
inline constexpr std::size_t credits_page_default = 20;
inline constexpr std::size_t credits_page_max = sms_debits_kept_max;
// sms.preview: a template's text, at most this long (bytes of UTF-8).
inline constexpr std::size_t sms_preview_bytes_max = 2'000;
// admin.backup's name: the directory under <datadir>/backups it makes.
inline constexpr std::size_t backup_name_bytes_max = 64;
// Rows a heavy read may read for the cost of one request: a call costs one
// request when it arrives and one more for every this many rows it read,
// charged to its address after it ran (the address may go into debt).
inline constexpr std::uint64_t request_cost_rows = 10;
// Room left in a batch's answer for each call's short error (besides its echoed
// id), so a batch cut short by send-queue-bytes-max still fits in it.
inline constexpr std::size_t answer_error_bytes_max = 192;
// Between attempts to reopen a data dir that refused a write.
inline constexpr std::uint32_t disk_retry_ms = 500;
// What the probe writes before a reopen: room for a new write-ahead log,
// manifest and the flush of what the log held.
inline constexpr std::size_t disk_probe_bytes = 1 << 20;

}  // namespace kopilka::node
