#include "rpc/methods.h"

#include "rpc/protocol.h"

#include <boost/json.hpp>

namespace kopilka::rpc {

namespace {

std::vector<MethodInfo> build_table() {
    return {
        {"node.info",
         "Chain and node information: chain id and name, height, tip, producer and attestor keys, mempool length.",
         {},
         "object: chain_id, chain_name, height, tip_hash, tip_time_ms, producer, attestors, mempool, version",
         false, false, R"({})",
         R"({"chain_id":"5f0c…","chain_name":"kopilka","height":12,"tip_hash":"9a1e…","tip_time_ms":1790000000000,"producer":"kop1…","attestors":["kop1…"],"mempool":0,"version":"0.1.0","state_digest":"…"})"},
        {"tx.submit",
         "Submit a signed transaction blob (base64url). Idempotent by id: the same blob again returns the first "
         "result. Answers at once with status \"accepted\", or with wait=true only after the block holding it is "
         "synced, with its height and inclusion proof. A refusal is an error with the ledger's reason.",
         {{"blob", "string", true, "signed transaction, base64url without padding"},
          {"wait", "boolean", false, "wait until committed (default false)"}},
         "object: id, status (accepted | committed), height, index, block_hash, proof",
         false, false, R"({"blob":"${transfer_blob}","wait":true})",
         R"({"id":"3c9d…","status":"committed","height":7,"index":0,"block_hash":"…","proof":{"index":0,"tree_size":1,"path":[]}})"},
        {"tx.get",
         "A transaction by id: its status (committed, pending or unknown), place, inclusion proof and decoded form.",
         {{"id", "string", true, "transaction id, hex"}},
         "object: id, status, height, index, block_hash, proof, tx",
         false, false, R"({"id":"${tx_id}"})",
         R"({"id":"3c9d…","status":"committed","height":7,"index":0,"block_hash":"…","proof":{"index":0,"tree_size":1,"path":[]},"tx":{"kind":"transfer"}})"},
        {"tx.decode",
         "Decode any blob (a signed transaction, or a voucher) to JSON, without submitting it.",
         {{"blob", "string", true, "base64url bytes"}},
         "object: type (transaction | voucher), id, and the decoded fields",
         false, false, R"({"blob":"${transfer_blob}"})",
         R"({"type":"transaction","id":"3c9d…","kind":"transfer","signer":"kop1…","ticker":"VOLODYA","amount":"3.00"})"},
        {"block.get",
         "A block by height or hash, with its transaction ids.",
         {{"height", "integer", false, "block height"}, {"hash", "string", false, "block hash, hex"}},
         "object: height, hash, prev, time_ms, tx_root, state_digest, producer, signature, tx_ids",
         false, false, R"({"height":1})",
         R"({"height":1,"hash":"…","prev":"…","time_ms":1790000000000,"tx_root":"…","state_digest":"…","producer":"kop1…","signature":"…","tx_ids":["…"]})"},
        {"block.raw",
         "A stored block and its transaction records as base64url, for an auditor's replay.",
         {{"height", "integer", true, "block height"}},
         "object: height, block (base64url), txs (array of base64url transaction records)",
         false, false, R"({"height":1})", R"({"height":1,"block":"AQAAAA…","txs":["AAAA…"]})"},
        {"chain.genesis",
         "The genesis record (base64url) and chain id, the start of an auditor's replay.",
         {},
         "object: genesis (base64url), chain_id",
         false, false, R"({})", R"({"genesis":"AQ5r…","chain_id":"…"})"},
        {"account.balances",
         "Balances of an account (an address, or phone:<hex>) across coins.",
         {{"account", "string", true, "address (kop1…) or phone reference (phone:<hex>)"}},
         "object: account, balances (array of {ticker, balance, venue}); for a phone also claimed, key and rebind "
         "(a pending re-bind {key, effective_s}, else null)",
         false, false, R"({"account":"${client}"})",
         R"({"account":"phone:…","balances":[{"ticker":"VOLODYA","balance":"2.00","venue":"U Volodi"}]})"},
        {"account.history",
         "Transactions touching an account, newest first, paged by an opaque cursor.",
         {{"account", "string", true, "address or phone:<hex>"},
          {"cursor", "string", false, "next_cursor from the previous page"},
          {"limit", "integer", false, "entries per page (default 50, at most 500)"}},
         "object: entries (array of {id, height, index, time_ms, tx}), next_cursor",
         false, false, R"({"account":"${client}","limit":10})",
         R"({"entries":[{"id":"…","height":7,"index":0,"time_ms":1790000000000,"tx":{"kind":"redeem"}}],"next_cursor":""})"},
        {"venue.list",
         "Every venue on the chain: ticker, name, owner.",
         {},
         "object: venues (array of {ticker, name, owner})",
         false, false, R"({})", R"({"venues":[{"ticker":"VOLODYA","name":"U Volodi","owner":"kop1…"}]})"},
        {"venue.get",
         "A venue: profile, coin, owner (treasury), catalogue and staff.",
         {{"ticker", "string", true, "the venue's coin ticker"}},
         "object: ticker, owner, profile, coin, treasury_balance, products, staff",
         false, false, R"({"ticker":"${ticker}"})",
         R"({"ticker":"VOLODYA","owner":"kop1…","profile":{"name":"U Volodi"},"coin":{"ticker":"VOLODYA","supply":"1000000.00","decimals":2},"treasury_balance":"999000.00","products":[{"id":1,"name":"coffee","price":"1.00","active":true}],"staff":[{"address":"kop1…","role":"barista","balance":"497.00","allowance":"497.00"}]})"},
        {"venue.history",
         "Transactions of a venue, newest first, paged by an opaque cursor.",
         {{"ticker", "string", true, "coin ticker"},
          {"cursor", "string", false, "next_cursor from the previous page"},
          {"limit", "integer", false, "entries per page (default 50, at most 500)"}},
         "object: entries, next_cursor",
         false, false, R"({"ticker":"${ticker}","limit":10})", R"({"entries":[],"next_cursor":""})"},
        {"venue.stats",
         "Owner statistics: coins in clients' hands, number of clients, per staff member the clients served and "
         "coins given, issued versus redeemed; optionally within a time range.",
         {{"ticker", "string", true, "coin ticker"},
          {"from_ms", "integer", false, "start of the range, unix ms (inclusive)"},
          {"to_ms", "integer", false, "end of the range, unix ms (exclusive)"}},
         "object: ticker, in_clients, clients, treasury, with_staff, issued, redeemed, redemptions, staff",
         false, false, R"({"ticker":"${ticker}"})",
         R"({"ticker":"VOLODYA","in_clients":"2.00","clients":1,"treasury":"999001.00","with_staff":"997.00","issued":"3.00","redeemed":"1.00","redemptions":1,"staff":[{"address":"kop1…","role":"barista","clients_served":1,"given":"3.00","redeemed":"0.00"}]})"},
        {"phone.lookup",
         "Normalise a phone number to E.164 (the node's default country applies) and return its phone reference "
         "and whether a key has claimed it. Rate-limited.",
         {{"phone", "string", true, "a phone number as a person types it"}},
         "object: e164, account (phone:<hex>), claimed, key, rebind (a pending re-bind {key, effective_s}, else null)",
         false, false, R"({"phone":"+7 900 000-00-01"})",
         R"({"e164":"+79000000001","account":"phone:8828…","claimed":true,"key":"kop1…","rebind":null})"},
        {"phone.claim.request",
         "Send a one-time claim code to a phone (through the notifier, with a link). Codes expire and are "
         "rate-limited per phone and per client address.",
         {{"phone", "string", true, "the phone to claim"}},
         "object: sent, expires_in_s",
         false, false, R"({"phone":"+7 900 000-00-02"})", R"({"sent":true,"expires_in_s":600})"},
        {"phone.claim.confirm",
         "Confirm the code with a new public key; returns the node's attestation for the phone.bind transaction. "
         "A code works once; a few wrong tries burn it.",
         {{"phone", "string", true, "the phone being claimed"},
          {"code", "string", true, "the code from the message"},
          {"key", "string", true, "the client's new address (kop1…)"}},
         "object: attestation (base64url), account, sequence, expiry_s, attestor",
         false, false, R"({"phone":"+7 900 000-00-02","code":"${code}","key":"${client_key}"})",
         R"({"attestation":"AQ…","account":"phone:…","sequence":1,"expiry_s":1790000600,"attestor":"kop1…"})"},
        {"voucher.check",
         "Would this QR voucher redeem now, for this venue? If not, why.",
         {{"voucher", "string", true, "the voucher (QR payload, base64url)"},
          {"ticker", "string", false, "the venue scanning it (defaults to the voucher's own)"}},
         "object: ok, reason, message, product, price, client, client_balance, expiry_s",
         false, false, R"({"voucher":"${voucher}"})",
         R"({"ok":true,"product":"coffee","price":"1.00","client":"phone:…","client_balance":"3.00","expiry_s":1790000300})"},
        {"rpc.discover",
         "This API as an OpenRPC document.",
         {},
         "object: the OpenRPC document",
         false, false, R"({})", R"({"openrpc":"1.2.6","info":{"title":"kopilkad"},"methods":[]})"},
        {"subscribe",
         "WebSocket only. Subscribe to new blocks (topic \"blocks\"), transactions touching an account (topic "
         "\"account\" with account), or a venue's activity (topic \"venue\" with ticker). Notifications arrive as "
         "{\"method\":\"subscription\",\"params\":{\"subscription\":id,\"result\":…}}.",
         {{"topic", "string", true, "blocks | account | venue"},
          {"account", "string", false, "for topic account"},
          {"ticker", "string", false, "for topic venue"}},
         "object: subscription (id)",
         false, true, R"({"topic":"blocks"})", R"({"subscription":1})"},
        {"unsubscribe",
         "WebSocket only. Cancel a subscription.",
         {{"subscription", "integer", true, "the id subscribe returned"}},
         "object: removed",
         false, true, R"({"subscription":1})", R"({"removed":true})"},
        {"admin.outbox",
         "Admin. The notifier's outbox: messages the node would send (phone, text, link, time), newest first.",
         {{"limit", "integer", false, "at most this many (default 100)"}},
         "object: messages (array of {phone, text, link, time_ms})",
         true, false, R"({"limit":5})",
         R"({"messages":[{"phone":"+79000000001","text":"…","link":"http://127.0.0.1:8645/c/…","time_ms":1790000000000}]})"},
        {"admin.stop",
         "Admin. Close the open block, sync and stop the node.",
         {},
         "object: stopping",
         true, false, R"({})", R"({"stopping":true})"},
    };
}

std::string schema_type(std::string_view t) { return std::string(t); }

}  // namespace

const std::vector<MethodInfo>& method_table() {
    static const std::vector<MethodInfo> table = build_table();
    return table;
}

const MethodInfo* find_method(std::string_view name) {
    for (const auto& m : method_table())
        if (m.name == name) return &m;
    return nullptr;
}

json::value openrpc_document(std::string_view version) {
    json::array methods;
    for (const auto& m : method_table()) {
        json::object o;
        o["name"] = m.name;
        o["summary"] = m.summary;
        json::array params;
        for (const auto& p : m.params) {
            json::object po;
            po["name"] = p.name;
            po["required"] = p.required;
            po["description"] = p.description;
            po["schema"] = json::object{{"type", schema_type(p.type)}};
            params.push_back(std::move(po));
        }
        o["params"] = std::move(params);
        o["paramStructure"] = "by-name";
        o["result"] = json::object{{"name", "result"}, {"description", m.result}, {"schema", json::object{}}};
        json::object ext;
        ext["admin"] = m.admin;
        ext["websocket_only"] = m.websocket_only;
        o["x-kopilka"] = std::move(ext);
        if (!m.example_params.empty()) {
            json::object ex;
            ex["name"] = std::string(m.name) + " example";
            json::array ex_params;
            // Keep the parsed value alive: a range-for over a temporary's
            // member would dangle (C++20 does not extend its lifetime).
            const json::value example = json::parse(m.example_params);
            for (const auto& kv : example.as_object()) {
                json::object param;
                param["name"] = kv.key();
                param["value"] = kv.value();
                ex_params.push_back(std::move(param));
            }
            ex["params"] = std::move(ex_params);
            json::object result;
            result["name"] = "result";
            result["value"] = json::parse(m.example_result);
            ex["result"] = std::move(result);
            o["examples"] = json::array{std::move(ex)};
        }
        methods.push_back(std::move(o));
    }
    json::object doc;
    doc["openrpc"] = "1.2.6";
    doc["info"] = json::object{{"title", "kopilkad"}, {"version", version},
                               {"description", "Kopilka node JSON-RPC 2.0 API (POST /rpc, WebSocket /ws)"}};
    doc["methods"] = std::move(methods);
    return doc;
}

std::string rpc_markdown() {
    std::string md;
    md += "# kopilkad JSON-RPC reference\n\n";
    md += "<!-- Generated from rpc/methods.cpp by `kopilkad rpc-doc`; tests keep this file equal to it. -->\n\n";
    md += "JSON-RPC 2.0 over HTTP (`POST /rpc`, batches allowed) and WebSocket (`/ws`, the same methods plus "
          "subscriptions). Parameters are always by name. Amounts are decimal strings with two decimals "
          "(\"12.50\"); hashes and ids are lowercase hex; signed blobs and vouchers are base64url without "
          "padding; accounts are addresses (`kop1…`) or phone references (`phone:<hex>`).\n\n";
    md += "Admin methods need `Authorization: Bearer <token>`, the token being the content of the `.cookie` file "
          "in the node's data dir.\n\n";
    md += "## Errors\n\n| code | meaning |\n|---|---|\n";
    md += "| -32700 | the body is not JSON |\n| -32600 | not a JSON-RPC 2.0 request (or a batch too long) |\n";
    md += "| -32601 | no such method |\n| -32602 | missing or wrong params; the message names the param |\n";
    md += "| -32603 | internal error |\n";
    md += "| 1000 + n | the ledger refused the transaction; `data.reason` names it (see below) |\n";
    md += "| 2001 | not found |\n| 2002 | unauthorized (admin token missing or wrong) |\n";
    md += "| 2003 | rate limited; retry later |\n| 2004 | the node cannot write now (disk full, read-only, stopping) |\n";
    md += "| 2005 | mempool full; retry shortly |\n| 2006 | the phone claim code is wrong, expired or used |\n\n";
    md += "Ledger refusal reasons (code = 1000 + n):\n\n| n | reason |\n|---|---|\n";
    for (std::uint16_t n = 1; n <= 64; ++n) {
        auto name = ledger::refusal_name(static_cast<ledger::Refusal>(n));
        if (name == "unknown") break;
        md += "| " + std::to_string(n) + " | `" + std::string(name) + "` |\n";
    }
    md += "\n## Methods\n";
    for (const auto& m : method_table()) {
        md += "\n### `" + std::string(m.name) + "`\n\n" + std::string(m.summary) + "\n\n";
        if (m.admin) md += "Admin only.\n\n";
        if (m.websocket_only) md += "WebSocket only.\n\n";
        if (m.params.empty()) {
            md += "Params: none.\n\n";
        } else {
            md += "| param | type | required | description |\n|---|---|---|---|\n";
            for (const auto& p : m.params)
                md += "| `" + std::string(p.name) + "` | " + std::string(p.type) + " | " +
                      (p.required ? "yes" : "no") + " | " + std::string(p.description) + " |\n";
            md += "\n";
        }
        md += "Result: " + std::string(m.result) + "\n\n";
        md += "Example request:\n\n```json\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + std::string(m.name) +
              "\",\"params\":" + std::string(m.example_params.empty() ? "{}" : m.example_params) + "}\n```\n\n";
        md += "Example result:\n\n```json\n" + std::string(m.example_result) + "\n```\n";
    }
    return md;
}

}  // namespace kopilka::rpc
