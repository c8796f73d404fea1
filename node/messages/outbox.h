// The node's outbox: every message it owes, kept in the ledger's RocksDB
// (family `outbox`), and the dispatcher that delivers each through a channel.
//
// A message a block causes (coins reached a phone, a re-bind of it) is
// written in the block's own batch (Chain::produce_block's BlockExtras): it
// exists if and only if the block does. A message no block causes (a claim
// code) is written, synced, before the call that asked for it is answered.
// Delivery is at least once: a message is marked sent only after its channel
// accepted it, so a node killed in between sends it again at its next start,
// with the same idempotency key, which the providers that honour one use to
// drop the second copy (docs/messages.md).
//
// Up to OutboxLimits::senders messages are attempted at once, each on its own
// sender thread, oldest due first; one message is never in two attempts, and
// each one's new state is written before it counts as done.
//
// A record never holds a phone number or a claim code: the ledger's dir is
// not private (it is what an auditor copies). The number is looked up in the
// private phone book, and a claim code in the private code file, when the
// message is sent (Outbox::Render).
#pragma once

#include "crypto/hash.h"
#include "ledger/store.h"
#include "ledger/types.h"
#include "node/clock.h"
#include "node/log.h"

#include <condition_variable>
#include <deque>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace kopilka::node {

enum class MessageKind : std::uint8_t {
    coins_received,    // a movement to a phone reference committed
    rebind_announced,  // a new key asked for a claimed phone's coins
    rebind_cancelled,
    rebind_completed,
    claim_code,  // the text holds "{code}" where the phone's live code goes
    // The venue's programme gave the client a gift at its due time
    // (ledger/programme.h, EventKind): the client's birthday, or coming
    // back after an absence. (Appended: a record names its kind.)
    birthday_gift,
    winback_gift,
    // Some of the client's bonuses expire within --expiry-reminder-days.
    expiry_reminder,
};
// The venue's own news to its client, which the client may stop
// (messages.consent) and which goes by web push when the client turned it
// on: bonuses received and the programme's gifts. Claim codes and re-bind
// notices are the node's, and always go by SMS.
inline bool venue_news(MessageKind k) {
    return k == MessageKind::coins_received || k == MessageKind::birthday_gift || k == MessageKind::winback_gift ||
           k == MessageKind::expiry_reminder;
}
std::string_view message_kind_name(MessageKind k);
// Where a claim_code message's text takes the code when it is sent: the
// record keeps this marker, never the code (the ledger dir is not private).
inline constexpr std::string_view claim_code_marker = "{code}";
// `text` with each claim_code_marker replaced by `code`.
std::string with_claim_code(std::string text, std::string_view code);

// pending: owed, waiting for its next attempt; sent: a channel accepted it;
// dead: given up, for the operator to see (the channel refused it for good,
// or attempts_max attempts failed, or its number is no longer known);
// expired: a claim code that was no longer live when its turn came (used,
// or past its life): sending it would only confuse; held: an SMS the venue
// has no credits for, kept until the operator adds some (then pending again);
// stopped: a message the client asked not to get (messages.consent, or a
// STOP reply), never offered to a channel.
// (Appended last: a record names its state, and older records stay readable.)
enum class MessageState : std::uint8_t { pending, sent, dead, expired, held, stopped };
std::string_view message_state_name(MessageState s);

struct OutboxMessage {
    std::uint64_t seq = 0;  // the order messages were owed in; the record's key
    MessageKind kind = MessageKind::coins_received;
    ledger::PhoneRef phone{};
    std::string text;
    std::string link;
    std::uint64_t created_ms = 0;
    // The same on every attempt: blake2b-256 of the chain id and the cause
    // (the transaction id, or the claim's sequence number), in hex.
    std::string key;
    std::optional<Hash256> tx;  // the transaction that caused it
    std::uint64_t height = 0;   // its block; 0 when no block caused it
    MessageState state = MessageState::pending;
    std::uint32_t attempts = 0;
    std::uint64_t next_ms = 0;  // pending: not before this (node clock)
    std::uint64_t done_ms = 0;  // when it left pending
    std::string channel;        // the channel that sent it, or tried last
    std::string provider_id;    // the provider's id for it, when it gave one
    std::string error;          // the last failure, in the provider's words
    std::uint32_t segments = 0; // sent: the SMS parts the venue's credits paid (0: a free channel)
    // Whose credits pay for it: the venue (ticker) whose coins it is about;
    // empty for the node's own messages (claim codes, re-bind notices),
    // which are never held and counted on the node's account.
    std::string venue;
    // sent: what the provider's delivery report said last ("" none yet;
    // "delivered"; "failed", with its words in `error`), and when it came.
    std::string delivery;
    std::uint64_t delivery_ms = 0;
};

// The most of a failed delivery report's words kept as the message's error.
inline constexpr std::size_t delivery_error_chars_max = 300;

// A provider's delivery report of a message it accepted (docs/messages.md,
// "Inbound"): the id it answered with, and what became of it.
struct DeliveryReport {
    std::string provider_id;
    bool delivered = false;  // false: the phone never got it
    std::string error;       // the provider's words, when it failed
};

// The record's bytes: a JSON object, versioned ("v": 1), so an operator can
// read it with any RocksDB tool; decode returns nullopt for anything else.
Bytes encode_message(const OutboxMessage& m);
std::optional<OutboxMessage> decode_message(ByteView bytes);
Bytes message_key(std::uint64_t seq);  // 'm' + seq, big-endian

// A message as its channel sends it: the number, and the text with the code.
struct Rendered {
    std::string phone;  // E.164
    std::string text;
    std::string link;
    // Sent even when its venue has no SMS credits left: a claim code (a
    // person is waiting for it) or a re-bind notice (a person's coins are
    // about to move to another key). Urgent messages ignore quiet hours and
    // the per-phone rate too.
    bool urgent = false;
    // Quiet hours (the venue's night): not before this (node clock ms; 0:
    // now). The message waits, unattempted, until then.
    std::uint64_t not_before_ms = 0;
    // The phone's browser subscription (push_store.h), when this message
    // goes by web push instead of SMS: news of coins to a phone whose
    // client turned push on, on a node with a push channel. `phone` may
    // then be empty (push needs no number).
    struct Push {
        ledger::PhoneRef ref{};
        std::string endpoint, p256dh, auth;
        std::string title;  // the venue's name
    };
    std::optional<Push> push;
};

// What one attempt to hand a message to a channel came to.
struct Attempt {
    enum class Result {
        accepted,  // the channel took it (a provider answered that it queued it)
        retry,     // not now: the network, a timeout, 429, 5xx, a provider's "try later"
        rejected,  // never: a bad number, bad credentials, a text the provider refuses
    } result = Result::retry;
    std::string provider_id;
    std::string error;                 // retry / rejected: what the provider or the network said
    std::uint64_t retry_after_ms = 0;  // retry: the pause the provider asked for (0: the outbox's backoff)
};

class Channel {
public:
    virtual ~Channel() = default;
    virtual std::string_view name() const = 0;
    // A channel that is local and quick (the outbox file) is handed a
    // message at once, before the call that caused it is answered.
    virtual bool immediate() const { return false; }
    // An SMS channel: every message it takes costs the venue credits, one
    // per segment (sms_text.h). A free channel (web push, e-mail) is not.
    virtual bool metered() const { return true; }
    // `idempotency_key` is the same on every attempt of one message. Called
    // from several sender threads at once (never twice at once for one
    // message): an implementation is thread-safe.
    virtual Attempt send(const Rendered& m, std::string_view idempotency_key) = 0;
};

// A venue's SMS credits (docs/messages.md "Credits"): the first
// OutboxLimits::credits_free segments are free (kopilkad --sms-credits-free,
// 100), then packs the operator adds (admin.credits.add).
inline constexpr std::uint64_t sms_credits_grant_max = 1'000'000;  // segments in one pack
inline constexpr std::size_t sms_credits_note_chars_max = 200;
// The newest debits kept in memory for each venue (sms.credits lists them
// without reading the outbox's records).
inline constexpr std::size_t sms_debits_kept_max = 1'000;

// The most attempts an outbox may have in flight at once (--outbox-senders):
// each is a thread and, for an HTTP channel, a connection kept open to the
// provider, so a typo cannot start thousands.
inline constexpr std::uint32_t outbox_senders_max = 256;

struct OutboxLimits {
    // Attempts in flight at once, each on its own sender thread: a provider
    // answers one request in a round trip (milliseconds over the internet),
    // so one at a time bounds delivery at a few hundred a second however
    // fast the node is. 1 to outbox_senders_max.
    std::uint32_t senders = 16;
    std::uint32_t attempts_max = 8;             // then the message is dead
    std::uint64_t retry_first_ms = 2'000;       // the pause after the first failure; doubles after each
    std::uint64_t retry_max_ms = 10 * 60'000;   // the longest pause between attempts
    std::size_t finished_kept_max = 100'000;    // sent, dead and expired records kept; the oldest go first
    std::uint64_t credits_free = 100;           // SMS segments each venue gets before it needs a pack
    // At most this many messages that are not urgent go to one phone in any
    // hour (0: no limit); more wait for the hour to move on.
    std::uint32_t per_phone_per_hour_max = 0;
};

class Outbox {
public:
    // What the channel sends for `m`, or why it cannot be sent (dead: the
    // number is unknown; expired: the claim code is not live).
    struct Unsendable {
        MessageState state;
        std::string why;
    };
    // Called from the sender threads at once, and from committed()'s caller:
    // thread-safe.
    using Render = std::function<std::expected<Rendered, Unsendable>(const OutboxMessage& m)>;

    // Reads the records (counts, the pending ones, the next sequence number).
    Outbox(ledger::Store& store, const Hash256& chain_id, std::unique_ptr<Channel> channel, OutboxLimits limits,
           const Clock& clock, Log& log, Render render);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // A second, free channel (web push) for the messages whose Rendered
    // names a push subscription; every other message keeps the first. Set
    // before start(). A push attempt is never made in committed()'s caller,
    // even when the first channel is immediate: it waits for a sender.
    void set_push_channel(std::unique_ptr<Channel> push);

    void start();  // the sender threads (limits.senders of them)
    void stop();   // waits for every attempt in flight

    // Adds `m`'s record to `batch` (a block's), caused by transaction `tx`
    // in block `height`; returns it with its sequence number and key. Once
    // the batch is written, pass them to committed(); if it is not, drop
    // them (their numbers are skipped).
    // `per_phone`: the transaction may cause messages to several phones (a
    // purchase credits the client and referrers), so each one's key names
    // its phone too.
    OutboxMessage add(OutboxMessage m, const Hash256& tx, std::uint64_t height, ledger::Batch& batch,
                      bool per_phone = false);
    // The same for a message no transaction causes: a programme's time event
    // in block `height` (a gift), `cause` naming it (venue, account, kind,
    // due time), so its key is the same however often the block is made.
    OutboxMessage add_event(OutboxMessage m, ByteView cause, std::uint64_t height, ledger::Batch& batch);
    // Messages no block and no request causes (a reminder of bonuses about
    // to expire), each named by its cause (the venue, the phone, the lot's
    // expiry) for its key: written with `extra` (the reminders' watermark)
    // in one synced batch, and owed, before this returns.
    std::expected<void, std::string> enqueue_caused(std::vector<std::pair<OutboxMessage, Bytes>> messages,
                                                    ledger::Batch extra);
    // The batch that held these is durable: they are owed. An immediate
    // channel is handed them in the caller's thread.
    void committed(std::vector<OutboxMessage> messages);
    // A message no block causes: written (synced) and owed before this
    // returns; an immediate channel has it by then.
    std::expected<std::uint64_t, std::string> enqueue(OutboxMessage m);
    // The store was reopened after a failed write (a block may have come
    // back with its messages): reads the pending records again.
    void reload();

    // Newest first; `state` filters when set.
    std::vector<OutboxMessage> recent(std::size_t limit, std::optional<MessageState> state = {}) const;
    // The records kept, by state (finished ones beyond finished_kept_max are pruned, oldest first).
    struct Counts {
        std::uint64_t pending = 0, sent = 0, dead = 0, expired = 0, held = 0, stopped = 0;
    };
    Counts counts() const;

    // A delivery report for a message this node's channel sent: the record
    // says delivered or failed from now on (written before this returns).
    // nullopt error: applied; else why not (no sent message has that id, or
    // the write failed), for the caller's log.
    enum class ReportRefused { unknown, not_written };
    std::expected<std::uint64_t, ReportRefused> report(const DeliveryReport& r);

    // A venue's SMS credits, in segments (`venue` empty: the node's own
    // account, which has no free ones and is never short). balance =
    // free + granted - spent; below zero only by urgent
    // messages, and a pack pays that first. A debit is written with the
    // message's sent record.
    struct Credits {
        std::int64_t balance = 0;
        std::uint64_t free = 0;     // limits.credits_free (0 for the node's own)
        std::uint64_t granted = 0;  // every pack the operator added
        std::uint64_t spent = 0;    // every segment a channel took
        std::uint64_t held = 0;     // messages waiting for credits
    };
    Credits credits(const std::string& venue) const;
    // Every account with a grant or a debit, by venue ("" the node's).
    std::map<std::string, Credits> all_credits() const;
    struct Grant {
        std::uint64_t seq = 0;
        std::string venue;
        std::uint64_t segments = 0;
        std::string note;
        std::uint64_t time_ms = 0;
    };
    // Adds a pack to `venue` (written, synced, before this returns) and
    // sends what it held for want of credits. `segments` 1..sms_credits_grant_max.
    struct GrantRefused {
        bool invalid = false;  // the pack itself (else the write failed: try again)
        std::string why;
    };
    std::expected<Credits, GrantRefused> grant(const std::string& venue, std::uint64_t segments, std::string note);
    std::vector<Grant> grants(const std::string& venue, std::size_t limit) const;  // newest first
    // A sent message that spent a venue's segments.
    struct Debit {
        std::uint64_t seq = 0;
        MessageKind kind = MessageKind::coins_received;
        std::uint32_t segments = 0;
        std::uint64_t time_ms = 0;
        std::optional<Hash256> tx;
    };
    std::vector<Debit> debits(const std::string& venue, std::size_t limit) const;  // newest first
    const Channel& channel() const { return *channel_; }

private:
    void load();                                  // mutex_ held
    void run();                                   // one sender thread
    // Without mutex_. `caller`: in committed()'s caller for an immediate
    // channel, which hands a message bound for the push channel to a sender.
    void attempt(OutboxMessage m, bool caller = false);
    void finish(OutboxMessage& m);                // records m's new state; mutex_ held
    bool persist(const OutboxMessage& m);         // without mutex_
    void deliver_now(std::vector<OutboxMessage> messages);  // immediate channels
    std::uint64_t backoff_ms(std::uint32_t attempts) const;
    std::uint64_t& count_of(MessageState s);  // mutex_ held
    void owe(OutboxMessage m);                 // into owed_; mutex_ held
    // Credits: set aside `segments` of `venue`'s for an attempt (false: not
    // enough, and not urgent); then spent with the sent record, or given back.
    bool reserve(const std::string& venue, std::uint32_t segments, bool urgent);
    void release(const std::string& venue, std::uint32_t segments);
    bool persist_sent(const OutboxMessage& m);  // the record and the debit in one batch
    // The per-phone rate: takes a slot for `phone` at `now`, or says when
    // the next one frees (the oldest of the hour's sends plus an hour).
    std::optional<std::uint64_t> take_phone_slot(const ledger::PhoneRef& phone, std::uint64_t now);
    void return_phone_slot(const ledger::PhoneRef& phone, std::uint64_t at);

    ledger::Store& store_;
    Hash256 chain_id_;
    std::unique_ptr<Channel> channel_;
    std::unique_ptr<Channel> push_channel_;  // may be null
    OutboxLimits limits_;
    const Clock& clock_;
    Log& log_;
    Render render_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::uint64_t next_seq_ = 1;
    // Pending and not in flight, by (next_ms, seq): the first is due first.
    std::map<std::pair<std::uint64_t, std::uint64_t>, OutboxMessage> owed_;
    // Being attempted now (without mutex_), by a sender or by the caller of
    // committed() for an immediate channel; never in owed_ at the same time.
    std::set<std::uint64_t> in_flight_;
    // Sent/dead/expired records kept, by seq (pruning takes the oldest
    // first; senders finish out of order).
    std::map<std::uint64_t, MessageState> finished_;
    Counts counts_;  // in_flight_ counts as pending until finish()
    std::map<std::uint64_t, OutboxMessage> held_;  // waiting for credits, by seq
    // Each phone's sends of the last hour (not urgent ones), oldest first;
    // in memory only, so a restart forgets them (docs/messages.md).
    std::map<ledger::PhoneRef, std::deque<std::uint64_t>> phone_sends_;
    std::vector<std::thread> senders_;
    // Sent records by the id their provider gave (its delivery reports name
    // it); an id whose record was pruned is forgotten when one comes.
    std::unordered_map<std::string, std::uint64_t> by_provider_id_;

    // Guards the credits and orders their writes (the last total written is
    // the newest). load() takes it under mutex_; nothing takes mutex_ under it.
    mutable std::mutex credits_mutex_;
    struct Account {
        std::uint64_t granted = 0, spent = 0, reserved = 0;
        bool exhausted_said = false;  // the log said so once since the last pack
        std::deque<Debit> debits;     // the newest sms_debits_kept_max, oldest first
    };
    void note_debit(Account& a, const OutboxMessage& m);  // credits_mutex_ held
    std::map<std::string, Account> accounts_;  // by venue
    std::uint64_t next_grant_seq_ = 1;
    std::int64_t balance_of(const std::string& venue, const Account& a) const;
};

}  // namespace kopilka::node
