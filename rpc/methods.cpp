#include "rpc/methods.h"

#include "rpc/protocol.h"

#include <boost/json.hpp>

namespace kopilka::rpc {

namespace {

// tx.submit hands the transaction to the ledger: any refusal, and the node's
// own reasons not to take it now.
std::vector<int> submit_errors() {
    std::vector<int> codes = refusal_codes();
    codes.push_back(unavailable);
    codes.push_back(mempool_full);
    return codes;
}

std::vector<MethodInfo> build_table() {
    return {
        {"node.info",
         "Chain and node information: chain id and name, height, tip and its signed header, producer and attestor "
         "keys, mempool length.",
         {},
         "object: chain_id, chain_name, height, tip_hash, tip_time_ms, tip_header, state_digest, producer, attestors, "
         "mempool, version, time_ms, default_country",
         false, false, R"({})",
         R"({"chain_id":"ad30d1b8fd4b36caba1ac0261217bc5f7708841b5e1e6150a486bd4db262d304","chain_name":"kopilka-demo","height":12,"tip_hash":"cdb15a51ec8a858c37321719b0d37e715d3a4f43017b69084a22fe16c98570ea","tip_time_ms":1796183013139,"tip_header":"AQAAAAAAAAAMf1tsWXyTBVWuQGX9TRLakRsRaKbnQjIM9jQgJLXU0VYAAAGiNNm3E6tRFqOMlyK-YlGQYVFLfOLF9g_ulLbHknpyxWpR3Xcfny9m5OjescjjN8En3yIsdtvOaNyQY9ACw2sMvskhgVAAAAABxd94Sa_7Um15avAskqGb5q-3_KRMxzPZdbj83hSNSIvLCI0v1e6RaX2sGZD5SpsyllLkw-n2Qr01Axm1x7mVJqRYUdzrJ8V-ph3FmCUvBbSq5akI2mTeaSals6JACUoE","state_digest":"9f2f66e4e8deb1c8e337c127df222c76dbce68dc9063d002c36b0cbec9218150","producer":"kop1ch0hsjd0ldfx67t27qkf9gvmu6hm0l9yfnrn8kt4hr7du9ydfz9sy86w9s","attestors":["kop1ydys9jgh4q7uc0r96m42masw4peupmsy3cgetm5uve8zrugmwxcs5dtgkr"],"mempool":0,"version":"0.1.0","time_ms":1796183014525,"default_country":"7"})",
         R"~({"type":"object","additionalProperties":false,
         "required":["chain_id","chain_name","height","tip_hash","tip_time_ms","tip_header","state_digest","producer","attestors","mempool","version","time_ms","default_country"],
         "properties":{"chain_id":{"$ref":"#/components/schemas/hash","description":"the genesis hash"},
         "chain_name":{"type":"string"},"height":{"$ref":"#/components/schemas/count"},
         "tip_hash":{"$ref":"#/components/schemas/hash"},"tip_time_ms":{"$ref":"#/components/schemas/unix_ms"},
         "tip_header":{"oneOf":[{"$ref":"#/components/schemas/base64url"},{"type":"null"}],
         "description":"the tip's signed header (213 bytes: the header and the producer's signature, docs/formats.md \"Known tips\"); null at height 0"},
         "state_digest":{"$ref":"#/components/schemas/hash","description":"digest of the state after the tip block"},
         "producer":{"$ref":"#/components/schemas/address"},
         "attestors":{"type":"array","items":{"$ref":"#/components/schemas/address"}},
         "mempool":{"$ref":"#/components/schemas/count","description":"transactions waiting for a block"},
         "version":{"type":"string"},"time_ms":{"$ref":"#/components/schemas/unix_ms","description":"the node's clock"},
         "default_country":{"type":"string","description":"the calling code the node puts before a number typed without one (kopilkad --default-country), so a page can show the number as the node will read it"}}})~",
         {}},
        {"tx.submit",
         "Submit a signed transaction blob (base64url). Idempotent by id: the same blob again returns the first "
         "result. The node decodes the blob and checks its signatures before it answers: a malformed blob (1001) or a "
         "bad signature (1002) is an error at once. The ledger's rules (balances, limits, expiries, staff, vouchers, "
         "duplicates) are applied once, in order, when the block is built, so with wait=false (the default) the "
         "answer status \"accepted\" means queued, not valid: a rule refusal comes later, and tx.get then answers "
         "status \"refused\" with its reason. With wait=true the answer waits until the block holding it is synced: "
         "status \"committed\" with its height, index, block_hash, block_time_ms and inclusion proof, or the "
         "refusal as an error (1000 + n, data.reason). A transaction already committed answers \"committed\" at once.",
         {{"blob", "string", true, "signed transaction, base64url without padding"},
          {"wait", "boolean", false, "wait until committed (default false)"}},
         "object: id, status (accepted | committed); once committed also height, index, block_hash, block_time_ms, "
         "proof",
         false, false, R"({"blob":"${transfer_blob}","wait":true})",
         R"({"id":"55daba4254e7b4eced355d916b1ddbb797b9cf9ea2deb689af75c6f78fef6651","status":"committed","height":9,"index":0,"block_hash":"1a2103bbf809919cc16cbf88ccbf1febd798ee4e6dd94f77acdf41cff080aecf","block_time_ms":1796162157526,"proof":{"index":0,"tree_size":1,"path":[]}})",
         R"~({"type":"object","additionalProperties":false,"required":["id","status"],
         "properties":{"id":{"$ref":"#/components/schemas/hash"},"status":{"enum":["accepted","committed"]},
         "height":{"$ref":"#/components/schemas/count"},"index":{"$ref":"#/components/schemas/count"},
         "block_hash":{"$ref":"#/components/schemas/hash"},"block_time_ms":{"$ref":"#/components/schemas/unix_ms"},
         "proof":{"$ref":"#/components/schemas/proof"}}})~",
         submit_errors(), /*follower_refuses=*/true},
        {"tx.get",
         "A transaction by id and its status: \"committed\" (with its place, block_hash, block_time_ms, inclusion "
         "proof and decoded tx), \"pending\" (queued for the next block), \"refused\" (the block's rules refused it: "
         "reason and message; the node keeps its last 10,000 refusals in memory, until it restarts) or \"unknown\".",
         {{"id", "string", true, "transaction id, hex"}},
         "object: id, status (committed | pending | refused | unknown); committed: height, index, block_hash, "
         "block_time_ms, proof, tx; refused: reason, message",
         false, false, R"({"id":"${tx_id}"})",
         R"({"id":"55daba4254e7b4eced355d916b1ddbb797b9cf9ea2deb689af75c6f78fef6651","status":"committed","height":9,"index":0,"block_hash":"1a2103bbf809919cc16cbf88ccbf1febd798ee4e6dd94f77acdf41cff080aecf","block_time_ms":1796162157526,"proof":{"index":0,"tree_size":1,"path":[]},"tx":{"id":"55daba4254e7b4eced355d916b1ddbb797b9cf9ea2deb689af75c6f78fef6651","kind":"transfer","signer":"kop17map86mjnrdcunn9vlnghwf3llka6yre56pwddw43k84c2q6lsjsznr5f9","nonce":8967155925404339401,"expiry_s":1796165757,"ticker":"VOLODYA","from":"kop17map86mjnrdcunn9vlnghwf3llka6yre56pwddw43k84c2q6lsjsznr5f9","to":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d","amount":"3.00","memo":"welcome","signature":"1617861e064d3974020f8f1f294747d61a0be894387cd397a8b19c2d1fcd0c179a16a7ec02fbdcc46288657884a91840d4a4ccd035358d7c9932112a2dd1900c"}})",
         R"~({"type":"object","additionalProperties":false,"required":["id","status"],
         "properties":{"id":{"$ref":"#/components/schemas/hash"},"status":{"enum":["committed","pending","refused","unknown"]},
         "height":{"$ref":"#/components/schemas/count"},"index":{"$ref":"#/components/schemas/count"},
         "block_hash":{"$ref":"#/components/schemas/hash"},"block_time_ms":{"$ref":"#/components/schemas/unix_ms"},
         "proof":{"$ref":"#/components/schemas/proof"},"tx":{"$ref":"#/components/schemas/tx"},
         "reason":{"$ref":"#/components/schemas/refusal_reason"},"message":{"type":"string"}}})~",
         {}},
        {"tx.decode",
         "Decode any blob (a signed transaction, or a voucher) to JSON, without submitting it.",
         {{"blob", "string", true, "base64url bytes"}},
         "object: type (transaction | voucher), the decoded fields, and whether its signatures verify for this chain "
         "(signatures_valid for a transaction, signature_valid for a voucher)",
         false, false, R"({"blob":"${transfer_blob}"})",
         R"({"id":"55daba4254e7b4eced355d916b1ddbb797b9cf9ea2deb689af75c6f78fef6651","kind":"transfer","signer":"kop17map86mjnrdcunn9vlnghwf3llka6yre56pwddw43k84c2q6lsjsznr5f9","nonce":8967155925404339401,"expiry_s":1796165757,"ticker":"VOLODYA","from":"kop17map86mjnrdcunn9vlnghwf3llka6yre56pwddw43k84c2q6lsjsznr5f9","to":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d","amount":"3.00","memo":"welcome","signature":"1617861e064d3974020f8f1f294747d61a0be894387cd397a8b19c2d1fcd0c179a16a7ec02fbdcc46288657884a91840d4a4ccd035358d7c9932112a2dd1900c","type":"transaction","signatures_valid":true})",
         R"~({"oneOf":[{"$ref":"#/components/schemas/decoded_transaction"},{"$ref":"#/components/schemas/decoded_voucher"}]})~",
         {refusal_code_base + 1}},
        {"block.get",
         "A block by height or hash (give one), with its transaction ids. Height 0 is the genesis: not a block here "
         "(2001); see chain.genesis.",
         {{"height", "integer", false, "block height"}, {"hash", "string", false, "block hash, hex"}},
         "object: height, hash, prev, time_ms, tx_root, state_digest, tx_count, producer, signature, tx_ids",
         false, false, R"({"height":1})",
         R"({"height":1,"hash":"6080cbbcede48ab8c37da7aec01f1797c72b9004699585739c5c4289269a3c6a","prev":"825750ca092058b1d703102c044834a4ebd9630b1746d93e2b6c061d390d2e3b","time_ms":1796162157447,"tx_root":"84f190302d0011c868436f83b067ba2243a8de073d1abbfe3bbf2ddad44ecb50","state_digest":"ca6ea1a3ead198f18798dd72b327352f3341119fe38991160ab05b9b378a63ef","tx_count":1,"producer":"kop1jh0ztpsqnwsnhwvxdhn7uygruvjku8t2t298hhv0vyy7t0gn57ssd8gwuw","signature":"a67b650cf7682f4d63d6045a502cde54828db67d4a63edab060d89d19503eecb045d907b1ca21297e2c6bfd1d1ca8fb59f26138151306b9b8d91c6a6cc518c0e","tx_ids":["c54880735becb2a1ebee40f64062ba89e6aae8f9b742fbaf6264d16d814c0772"]})",
         R"~({"$ref":"#/components/schemas/block"})~",
         {not_found}},
        {"block.raw",
         "A stored block and its transaction records as base64url, for an auditor's replay.",
         {{"height", "integer", true, "block height"}},
         "object: height, block (base64url), txs (array of base64url transaction records, null where missing)",
         false, false, R"({"height":1})", R"({"height":1,"block":"AQAAAAAAAAABgldQygkgWLHXAxAsBEg0pOvZYwsXRtk-K2wGHTkNLjsAAAGiM5t7h4TxkDAtABHIaENvg7BnuiJDqN4HPRq7_ju_LdrUTstQym6ho-rRmPGHmN1ysyc1LzNBEZ_jiZEWCrBbmzeKY-8AAAABld4lhgCboTu5hm3n7hED4yVuHWpainvdj2EJ5b0Tp6Gme2UM92gvTWPWBFpQLN5Ugo22fUpj7asGDYnRlQPuywRdkHscohKX4sa_0dHKj7WfJhOBUTBrm42RxqbMUYwOxUiAc1vssqHr7kD2QGK6ieaq6Pm3QvuvYmTRbYFMB3I","txs":["AAAAAAAAAAEAAAAAAAAAmgEBdXnprMTcBtaMr4kOhGpY4mKWL_znVe-88JNBzidMT_aShveZM9ZxpgAAAABrD1B9B1ZPTE9EWUEACFUgVm9sb2RpAAAADHVsLiBMZW5pbmEgMQAAAAAAAG-k7kxu3q6anSZxS9SeAgYWl6kU8naSkJO3cK9wbwjjcvBeIp32uyMyppkFRjdSyUfdfMPoMe3nPzn0YPFRGww"]})",
         R"~({"type":"object","additionalProperties":false,"required":["height","block","txs"],
         "properties":{"height":{"$ref":"#/components/schemas/count"},"block":{"$ref":"#/components/schemas/base64url"},
         "txs":{"type":"array","items":{"oneOf":[{"$ref":"#/components/schemas/base64url"},{"type":"null"}]},
         "description":"each transaction record as stored; null where the store lacks one"}}})~",
         {not_found}},
        {"chain.genesis",
         "The genesis record (base64url) and chain id, the start of an auditor's replay.",
         {},
         "object: genesis (base64url), chain_id",
         false, false, R"({})", R"({"genesis":"AQASa29waWxrYS1mdW5jdGlvbmFsAAABojObeUuV3iWGAJuhO7mGbefuEQPjJW4dalqKe92PYQnlvROnoQGNJFdcLXz4eL0Y3YsYJSfmDSbchplxZR38GRcALybVXg","chain_id":"825750ca092058b1d703102c044834a4ebd9630b1746d93e2b6c061d390d2e3b"})",
         R"~({"type":"object","additionalProperties":false,"required":["genesis","chain_id"],
         "properties":{"genesis":{"$ref":"#/components/schemas/base64url"},"chain_id":{"$ref":"#/components/schemas/hash"}}})~",
         {}},
        {"account.balances",
         "Balances of an account (an address, or phone:<hex>) across coins.",
         {{"account", "string", true, "address (kop1…) or phone reference (phone:<hex>)"}},
         "object: account, balances (array of {ticker, balance, balance_units, venue}); for a phone account also "
         "claimed, key and rebind (a pending re-bind {key, effective_s}, else null)",
         false, false, R"({"account":"${client}"})",
         R"({"account":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d","balances":[{"ticker":"VOLODYA","balance":"2.00","balance_units":200,"venue":"U Volodi"}],"claimed":true,"key":"kop15c32apsjy6rh5lh4msxnr4lywal9lshk8krcve507h584aqdzrestu2yvm","rebind":null})",
         R"~({"type":"object","additionalProperties":false,"required":["account","balances"],
         "properties":{"account":{"$ref":"#/components/schemas/account"},
         "balances":{"type":"array","items":{"type":"object","additionalProperties":false,
         "required":["ticker","balance","balance_units","venue"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"balance":{"$ref":"#/components/schemas/amount"},
         "balance_units":{"$ref":"#/components/schemas/count","description":"the balance in minor units (1.00 = 100)"},
         "venue":{"type":"string","description":"the venue's name"}}}},
         "claimed":{"type":"boolean","description":"phone accounts only: whether a key has claimed it"},
         "key":{"oneOf":[{"$ref":"#/components/schemas/address"},{"type":"null"}],"description":"phone accounts only: the claiming key"},
         "rebind":{"$ref":"#/components/schemas/rebind","description":"phone accounts only: a re-bind waiting for its delay"}}})~",
         {}},
        {"account.history",
         "Transactions touching an account, newest first, paged by an opaque cursor. A committed transaction lists "
         "under its signer's key account and under every account it concerns: both sides of a coin movement (a "
         "transfer's from and to; a redeem's client and the treasury; the treasury for venue_create's mint; the "
         "treasury when staff_remove returns the member's balance), the staff member of staff_add and staff_remove, "
         "and the phone account of phone_bind. So once a phone is claimed, a transfer from it (signed by the key) "
         "lists under both the phone account and the key.",
         {{"account", "string", true, "address or phone:<hex>"},
          {"cursor", "string", false, "next_cursor from the previous page"},
          {"limit", "integer", false, "entries per page (default 50, at most 500)"}},
         "object: entries (array of {id, height, index, time_ms, tx}), next_cursor (empty on the last page)",
         false, false, R"({"account":"${client}","limit":10})",
         R"({"entries":[{"id":"56fec2a4a8fb189b3ec55ea9dab357acd1592294c11b26b14df0920e4a9520bc","height":11,"index":0,"time_ms":1796162157550,"tx":{"id":"56fec2a4a8fb189b3ec55ea9dab357acd1592294c11b26b14df0920e4a9520bc","kind":"redeem","signer":"kop1edtjx8jmxfhzf86z0x79ghyuj6r3msr3nz47wpzm5pn5g03qmp3qm4vv4g","nonce":2334926586837672757,"expiry_s":1796165757,"ticker":"VOLODYA","voucher":{"id":"90d12370619538070d5ce8f77dfd394970202697c33364460c5f2589a05febe3","ticker":"VOLODYA","product_id":1,"price":"1.00","client":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d","nonce":17783741905732776658,"expiry_s":1796162457,"signer":"kop15c32apsjy6rh5lh4msxnr4lywal9lshk8krcve507h584aqdzrestu2yvm","signature":"497c98d6af3234644dbf3edcc93ee5ae3a1770aca311f930de672c709799c3b6a3f7c3379a3e7b1d1199f3a1e8d55f0940225321cead57deb4a0b1cc6e0ff00c"},"signature":"f125f418b0319ed365991602aad77778dde7b80b0b7a426bda733141dac1d6a17bd4a4ebf42f49eb4fef70b155801d0cb6f1e0c6d91793f2d61c0749b8337f0d"}}],"next_cursor":""})",
         R"~({"$ref":"#/components/schemas/history_page"})~",
         {}},
        {"venue.list",
         "Every venue on the chain: ticker, name, owner.",
         {},
         "object: venues (array of {ticker, name, owner})",
         false, false, R"({})", R"({"venues":[{"ticker":"VOLODYA","name":"U Volodi","owner":"kop1w4u7ntxymsrddr903y8gg6jcuf3fvtluua27l08sjdquuf6vflmqlfch0k"}]})",
         R"~({"type":"object","additionalProperties":false,"required":["venues"],
         "properties":{"venues":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["ticker","name","owner"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"name":{"type":"string"},"owner":{"$ref":"#/components/schemas/address"}}}}}})~",
         {}},
        {"venue.get",
         "A venue: profile, coin, owner (treasury), catalogue and staff. Each staff member's given_today is what they "
         "gave today (the UTC day by the node's clock), as the ledger counts it against limit_per_day: the day limit "
         "remaining is limit_per_day - given_today.",
         {{"ticker", "string", true, "the venue's coin ticker"}},
         "object: ticker, owner, profile, coin, treasury_balance, products, staff",
         false, false, R"({"ticker":"${ticker}"})",
         R"({"ticker":"VOLODYA","owner":"kop1w4u7ntxymsrddr903y8gg6jcuf3fvtluua27l08sjdquuf6vflmqlfch0k","profile":{"name":"U Volodi","logo_url":"","address":"ul. Lenina 1","geo":null,"phone":"","links":[],"hours":""},"coin":{"ticker":"VOLODYA","supply":"1000000.00","decimals":2},"treasury_balance":"999001.00","products":[{"id":1,"name":"coffee","price":"1.00","category":"","image_url":"","active":true}],"staff":[{"address":"kop17map86mjnrdcunn9vlnghwf3llka6yre56pwddw43k84c2q6lsjsznr5f9","role":"barista","balance":"497.00","allowance":"497.00","limit_per_tx":null,"limit_per_day":null,"given_today":"3.00"}]})",
         R"~({"type":"object","additionalProperties":false,
         "required":["ticker","owner","profile","coin","treasury_balance","products","staff"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"owner":{"$ref":"#/components/schemas/address"},
         "profile":{"$ref":"#/components/schemas/profile"},
         "coin":{"type":"object","additionalProperties":false,"required":["ticker","supply","decimals"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"supply":{"$ref":"#/components/schemas/amount"},"decimals":{"const":2}}},
         "treasury_balance":{"$ref":"#/components/schemas/amount"},
         "products":{"type":"array","items":{"$ref":"#/components/schemas/product"}},
         "staff":{"type":"array","items":{"type":"object","additionalProperties":false,
         "required":["address","role","balance","allowance","limit_per_tx","limit_per_day","given_today"],
         "properties":{"address":{"$ref":"#/components/schemas/address"},"role":{"$ref":"#/components/schemas/role"},
         "balance":{"$ref":"#/components/schemas/amount"},
         "allowance":{"$ref":"#/components/schemas/amount","description":"what staff_remove would return to the treasury: coins the treasury sent while staff, less what has left since"},"limit_per_tx":{"$ref":"#/components/schemas/amount_or_null"},
         "limit_per_day":{"$ref":"#/components/schemas/amount_or_null"},
         "given_today":{"$ref":"#/components/schemas/amount","description":"given by the member today (UTC, the node's clock), as limit_per_day counts it; 0.00 on a day they gave nothing"}}}}}})~",
         {not_found}},
        {"venue.history",
         "Transactions of a venue (every committed transaction naming its ticker: all kinds but phone_bind), "
         "newest first, paged by an opaque cursor. Optional filters, all of which an entry must pass: staff (signed "
         "by that key), client (a transfer from or to that account, or a redemption of its voucher), kind (a tx.kind "
         "name), from_ms and to_ms (block time in [from_ms, to_ms)). A filtered call reads at most 5000 entries of "
         "the venue's history and answers the matches among them: a page may hold fewer than limit entries, or none, "
         "and still have a next_cursor; keep calling while next_cursor is non-empty (it is empty once nothing is "
         "left to read). Without filters a page holds limit entries unless it is the last.",
         {{"ticker", "string", true, "coin ticker"},
          {"cursor", "string", false, "next_cursor from the previous page (with the same filters)"},
          {"limit", "integer", false, "entries per page (default 50, at most 500)"},
          {"staff", "string", false, "only entries signed by this address"},
          {"client", "string", false, "only transfers from or to this account, and redemptions of its vouchers"},
          {"kind", "string", false, "only this kind (venue_create, ..., transfer, redeem, staff_add, ...)"},
          {"from_ms", "integer", false, "only entries in blocks at or after this time, unix ms"},
          {"to_ms", "integer", false, "only entries in blocks before this time, unix ms"}},
         "object: entries (as account.history), next_cursor",
         false, false, R"({"ticker":"${ticker}","kind":"redeem","limit":10})", R"({"entries":[{"id":"56fec2a4a8fb189b3ec55ea9dab357acd1592294c11b26b14df0920e4a9520bc","height":11,"index":0,"time_ms":1796162157550,"tx":{"id":"56fec2a4a8fb189b3ec55ea9dab357acd1592294c11b26b14df0920e4a9520bc","kind":"redeem","signer":"kop1edtjx8jmxfhzf86z0x79ghyuj6r3msr3nz47wpzm5pn5g03qmp3qm4vv4g","nonce":2334926586837672757,"expiry_s":1796165757,"ticker":"VOLODYA","voucher":{"id":"90d12370619538070d5ce8f77dfd394970202697c33364460c5f2589a05febe3","ticker":"VOLODYA","product_id":1,"price":"1.00","client":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d","nonce":17783741905732776658,"expiry_s":1796162457,"signer":"kop15c32apsjy6rh5lh4msxnr4lywal9lshk8krcve507h584aqdzrestu2yvm","signature":"497c98d6af3234644dbf3edcc93ee5ae3a1770aca311f930de672c709799c3b6a3f7c3379a3e7b1d1199f3a1e8d55f0940225321cead57deb4a0b1cc6e0ff00c"},"signature":"f125f418b0319ed365991602aad77778dde7b80b0b7a426bda733141dac1d6a17bd4a4ebf42f49eb4fef70b155801d0cb6f1e0c6d91793f2d61c0749b8337f0d"}}],"next_cursor":""})",
         R"~({"$ref":"#/components/schemas/history_page"})~",
         {}},
        {"venue.stats",
         "Owner statistics, read from the venue's aggregates: exact at any size, at a cost of the days in the range "
         "and the staff and rewards active on them, never the history. Holdings now: treasury (the owner's "
         "balance), with_staff (held by current staff), in_clients and clients (the sum held by, and the number of, "
         "accounts with a positive balance that are neither the treasury nor current staff). What moved in the UTC "
         "days [from_ms, to_ms) (default: all time), each transaction judged on who was staff when it was "
         "committed: issued and issues (transfers from the treasury or a then-staff member to a client account, "
         "their sum and number), redeemed and redemptions (the prices of redemptions and their number), "
         "new_clients (accounts first seen as a client: first received the coin, or redeemed, while neither the "
         "treasury nor staff); per staff member (staff now, or who issued or redeemed as staff in the range) "
         "clients_served, visits, given and redeemed. from_ms and to_ms must be 00:00 UTC of a day (multiples of "
         "86400000): the aggregates are kept per UTC day (a venue's own time zone comes with the rule engine). "
         "Another value, or from_ms after to_ms, is a param error (-32602).",
         {{"ticker", "string", true, "coin ticker"},
          {"from_ms", "integer", false, "start of the range, unix ms at 00:00 UTC (inclusive)"},
          {"to_ms", "integer", false, "end of the range, unix ms at 00:00 UTC (exclusive)"}},
         "object: ticker, in_clients, clients, clients_push, treasury, with_staff, issued, issues, redeemed, redemptions, "
         "new_clients, staff; from_ms and to_ms when given",
         false, false, R"({"ticker":"${ticker}"})",
         R"({"ticker":"VOLODYA","in_clients":"2.00","clients":1,"clients_push":0,"treasury":"999001.00","with_staff":"997.00","issued":"3.00","issues":1,"redeemed":"1.00","redemptions":1,"new_clients":1,"staff":[{"address":"kop17map86mjnrdcunn9vlnghwf3llka6yre56pwddw43k84c2q6lsjsznr5f9","role":"barista","clients_served":1,"visits":1,"given":"3.00","redeemed":"0.00"},{"address":"kop1edtjx8jmxfhzf86z0x79ghyuj6r3msr3nz47wpzm5pn5g03qmp3qm4vv4g","role":"barista","clients_served":1,"visits":1,"given":"0.00","redeemed":"1.00"}]})",
         R"~({"type":"object","additionalProperties":false,
         "required":["ticker","in_clients","clients","clients_push","treasury","with_staff","issued","issues","redeemed","redemptions","new_clients","staff"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},
         "in_clients":{"$ref":"#/components/schemas/amount","description":"held now by accounts that are neither the treasury nor staff"},
         "clients":{"$ref":"#/components/schemas/count","description":"accounts holding the coin now, treasury and staff left out"},
         "clients_push":{"$ref":"#/components/schemas/count","description":"of those, phones whose client gets the venue's news by web push (messages.push.set)"},
         "treasury":{"$ref":"#/components/schemas/amount"},"with_staff":{"$ref":"#/components/schemas/amount"},
         "issued":{"$ref":"#/components/schemas/amount","description":"in the range: transfers from the treasury or then-staff to clients"},
         "issues":{"$ref":"#/components/schemas/count","description":"their number"},
         "redeemed":{"$ref":"#/components/schemas/amount"},"redemptions":{"$ref":"#/components/schemas/count"},
         "new_clients":{"$ref":"#/components/schemas/count","description":"accounts first seen as a client in the range"},
         "staff":{"$ref":"#/components/schemas/staff_figures"},
         "from_ms":{"$ref":"#/components/schemas/unix_ms"},"to_ms":{"$ref":"#/components/schemas/unix_ms"}}})~",
         {not_found}},
        {"venue.series",
         "The owner's dashboard rows, read from the venue's aggregates (cost as venue.stats'). For each bucket of "
         "[from_ms, to_ms) — a UTC day, or a week from Monday 00:00 UTC — and every bucket, empty ones too: issued "
         "and issues, redeemed and redemptions, new_clients (first seen as a client in the bucket), active_clients "
         "(distinct clients issued to or redeeming in the bucket) and returning_clients (of those, the ones first "
         "seen before the bucket). Over the whole range: products (every reward redeemed, most redemptions first; "
         "name is the catalogue's now, null for a reward since removed) and staff (as venue.stats'). Transactions "
         "are judged as venue.stats judges them, so the rows add up to its figures for the same range. from_ms and "
         "to_ms must start a bucket; by default the range is the 90 buckets up to and including the one holding "
         "the node's time. At most 400 buckets a call; more, or a bound that does not start a bucket, is a param "
         "error (-32602) naming the boundaries around it.",
         {{"ticker", "string", true, "coin ticker"},
          {"bucket", "string", true, "\"day\" or \"week\""},
          {"from_ms", "integer", false, "start of the first bucket, unix ms (inclusive)"},
          {"to_ms", "integer", false, "end of the last bucket, unix ms (exclusive)"}},
         "object: ticker, bucket, from_ms, to_ms, rows (start_ms, issued, issues, redeemed, redemptions, "
         "new_clients, active_clients, returning_clients), products (id, name, redemptions, redeemed), staff",
         false, false, R"({"ticker":"${ticker}","bucket":"week","from_ms":"${week_ms}","to_ms":"${next_week_ms}"})",
         R"({"ticker":"VOLODYA","bucket":"week","from_ms":1795996800000,"to_ms":1796601600000,"rows":[{"start_ms":1795996800000,"issued":"3.00","issues":1,"redeemed":"1.00","redemptions":1,"new_clients":1,"active_clients":1,"returning_clients":0}],"products":[{"id":1,"name":"coffee","redemptions":1,"redeemed":"1.00"}],"staff":[{"address":"kop17map86mjnrdcunn9vlnghwf3llka6yre56pwddw43k84c2q6lsjsznr5f9","role":"barista","clients_served":1,"visits":1,"given":"3.00","redeemed":"0.00"},{"address":"kop1edtjx8jmxfhzf86z0x79ghyuj6r3msr3nz47wpzm5pn5g03qmp3qm4vv4g","role":"barista","clients_served":1,"visits":1,"given":"0.00","redeemed":"1.00"}]})",
         R"~({"type":"object","additionalProperties":false,
         "required":["ticker","bucket","from_ms","to_ms","rows","products","staff"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"bucket":{"enum":["day","week"]},
         "from_ms":{"$ref":"#/components/schemas/unix_ms"},"to_ms":{"$ref":"#/components/schemas/unix_ms"},
         "rows":{"type":"array","items":{"type":"object","additionalProperties":false,
         "required":["start_ms","issued","issues","redeemed","redemptions","new_clients","active_clients","returning_clients"],
         "properties":{"start_ms":{"$ref":"#/components/schemas/unix_ms","description":"the bucket's start"},
         "issued":{"$ref":"#/components/schemas/amount"},"issues":{"$ref":"#/components/schemas/count"},
         "redeemed":{"$ref":"#/components/schemas/amount"},"redemptions":{"$ref":"#/components/schemas/count"},
         "new_clients":{"$ref":"#/components/schemas/count","description":"first seen as a client in the bucket"},
         "active_clients":{"$ref":"#/components/schemas/count","description":"distinct clients issued to or redeeming in the bucket"},
         "returning_clients":{"$ref":"#/components/schemas/count","description":"active in the bucket and first seen before it"}}}},
         "products":{"type":"array","items":{"type":"object","additionalProperties":false,
         "required":["id","name","redemptions","redeemed"],
         "properties":{"id":{"$ref":"#/components/schemas/count"},"name":{"oneOf":[{"type":"string"},{"type":"null"}]},
         "redemptions":{"$ref":"#/components/schemas/count"},"redeemed":{"$ref":"#/components/schemas/amount"}}}},
         "staff":{"$ref":"#/components/schemas/staff_figures"}}})~",
         {not_found}},
        {"phone.lookup",
         "Normalise a phone number to E.164 (the node's default country applies) and return its phone reference "
         "and whether a key has claimed it. Only for a request signed by a key that is a venue's owner or staff, or "
         "that is bound to the phone given as holder, or that a re-bind of it waits for (docs/formats.md, \"Signed phone lookup\"); the cookie needs no "
         "signature. A signed request works once, within 300 s of the node's clock. Rate-limited per client address "
         "and per key. Nothing is stored on disk unless coins reach the number.",
         {{"phone", "string", true, "a phone number as a person types it (what the signature covers)"},
          {"key", "string", false, "the signer's address (kop1…); required without the cookie"},
          {"time_ms", "integer", false, "when the request was signed, unix ms; required without the cookie"},
          {"signature", "string", false, "Ed25519 signature, 128 hex, over the lookup bytes; required without the cookie"},
          {"holder", "string", false, "phone:<hex> bound to key, when the signer is a client rather than staff"}},
         "object: e164, account (phone:<hex>), claimed, key, rebind (a pending re-bind {key, effective_s}, else null)",
         false, false,
         R"({"phone":"+7 900 000-00-01","key":"${staff}","time_ms":"${now_ms}","signature":"${lookup_signature}"})",
         R"({"e164":"+79000000001","account":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d","claimed":true,"key":"kop15c32apsjy6rh5lh4msxnr4lywal9lshk8krcve507h584aqdzrestu2yvm","rebind":null})",
         R"~({"type":"object","additionalProperties":false,"required":["e164","account","claimed","key","rebind"],
         "properties":{"e164":{"type":"string","pattern":"^\\+[1-9][0-9]{6,14}$"},"account":{"$ref":"#/components/schemas/account"},
         "claimed":{"type":"boolean"},"key":{"oneOf":[{"$ref":"#/components/schemas/address"},{"type":"null"}]},
         "rebind":{"$ref":"#/components/schemas/rebind"}}})~",
         {unauthorized, rate_limited}, /*follower_refuses=*/true},
        {"phone.claim.request",
         "Send a one-time claim code to a phone (through the notifier; the code is in the message's text, never in "
         "its link). A phone has at most one live code: asking again sends the same code and restarts its life. "
         "Limited per phone (hour and day) and per client address; the answer is the same whether a code was live.",
         {{"phone", "string", true, "the phone to claim"}},
         "object: sent, expires_in_s",
         false, false, R"({"phone":"+7 900 000-00-02"})", R"({"sent":true,"expires_in_s":600})",
         R"~({"type":"object","additionalProperties":false,"required":["sent","expires_in_s"],
         "properties":{"sent":{"const":true},"expires_in_s":{"$ref":"#/components/schemas/count"}}})~",
         {rate_limited}, /*follower_refuses=*/true},
        {"phone.claim.confirm",
         "Confirm the code with a new public key; returns the node's attestation for the phone.bind transaction. "
         "A code works once. Wrong codes count against the address's budget at this phone, the address's, the "
         "phone's and the node's (2003 when one is spent) and burn no code; every wrong, expired or missing code "
         "gets the same 2006 answer.",
         {{"phone", "string", true, "the phone being claimed"},
          {"code", "string", true, "the code from the message"},
          {"key", "string", true, "the client's new address (kop1…)"}},
         "object: attestation (base64url), account, e164, key, sequence, expiry_s, attestor, signature",
         false, false, R"({"phone":"+7 900 000-00-02","code":"${code}","key":"${client_key}"})",
         R"({"account":"phone:a55bfbe43be55368cb184c50bbb1af2be7beb3ce36ac58011839387bcd6f1b2d","key":"kop1uqvn78cag7pw04smx5xkdxwkak3jlahcyn9y8tdtph59cpph7vxqd2uxls","sequence":1,"expiry_s":1796162757,"attestor":"kop135j9whpd0nu830gcmk93sff8ucxjdhyxn9ck280urytsqtex640qzfqkfc","signature":"40078449826deed29cf54b545970c8bc077785dd6da739c643ce330b9d7c86afcd3524b4f4c007e16f49c20a7afde71da2fa9f0409fa6526974ad0b6738ec707","attestation":"AaVb--Q75VNoyxhMULuxryvnvrPONqxYARg5OHvNbxst4Bk_Hx1HgufWGzUNZpnW7aMv9vgkykOtqw3oXAQ38wwAAAABAAAAAGsPRMWNJFdcLXz4eL0Y3YsYJSfmDSbchplxZR38GRcALybVXkAHhEmCbe7SnPVLVFlwyLwHd4Xdbac5xkPOMwudfIavzTUktPTAB-FvScIKev3nHaL6nwQJ-mUml0rQtnOOxwc","e164":"+79000000002"})",
         R"~({"type":"object","additionalProperties":false,
         "required":["attestation","account","key","sequence","expiry_s","attestor","signature","e164"],
         "properties":{"attestation":{"$ref":"#/components/schemas/base64url","description":"the attestation's bytes, for phone.bind"},
         "e164":{"type":"string","pattern":"^\\+[1-9][0-9]{6,14}$","description":"the claimed number in E.164"},
         "account":{"$ref":"#/components/schemas/account"},"key":{"$ref":"#/components/schemas/address"},
         "sequence":{"$ref":"#/components/schemas/count"},"expiry_s":{"$ref":"#/components/schemas/unix_s"},
         "attestor":{"$ref":"#/components/schemas/address"},"signature":{"$ref":"#/components/schemas/signature"}}})~",
         {rate_limited, code_invalid}, /*follower_refuses=*/true},
        {"voucher.check",
         "Would this voucher redeem now, for this venue? If not, why (ok false, reason, message): the checks the "
         "block applies to a redeem, except who signs it, which any staff member or the venue's owner may. A "
         "voucher's expiry may be at most 1 day after the block time (voucher_expiry_too_far, 1023); expired is "
         "voucher_expired (1019). The param is the voucher's bytes as base64url, not the KV1: text of the QR: a "
         "scanner decodes that text to bytes first (docs/qr.md).",
         {{"voucher", "string", true, "the voucher's bytes, base64url without padding (not the KV1: QR text)"},
          {"ticker", "string", false, "the venue scanning it (defaults to the voucher's own)"}},
         "object: the decoded voucher (id, ticker, product_id, price, client, nonce, expiry_s, signer, signature), "
         "ok, and as far as the checks got: product (its name), client_balance; when not ok: reason, message",
         false, false, R"({"voucher":"${voucher}"})",
         R"({"id":"4b78c2363ecc74dcac172fe167371d8cbc38c4e824c4d48744f7b8ea3b39e622","ticker":"VOLODYA","product_id":1,"price":"1.00","client":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d","nonce":5671703069895402015,"expiry_s":1796162457,"signer":"kop15c32apsjy6rh5lh4msxnr4lywal9lshk8krcve507h584aqdzrestu2yvm","signature":"b19297975ffc71cfa38da273e521a14ebbb57bbc38cdd2f8932085aa35b328aef275ebbaed3e3139271d03733fe5fe89b293b5485e7f26f7d6c83a863e3ccc0d","product":"coffee","client_balance":"2.00","ok":true})",
         R"~({"type":"object","additionalProperties":false,
         "required":["id","ticker","product_id","price","client","nonce","expiry_s","signer","signature","ok"],
         "properties":{"id":{"$ref":"#/components/schemas/hash"},"ticker":{"$ref":"#/components/schemas/ticker"},
         "product_id":{"$ref":"#/components/schemas/count"},"price":{"$ref":"#/components/schemas/amount"},
         "client":{"$ref":"#/components/schemas/account"},"nonce":{"$ref":"#/components/schemas/count"},
         "expiry_s":{"$ref":"#/components/schemas/unix_s"},"signer":{"$ref":"#/components/schemas/address"},
         "signature":{"$ref":"#/components/schemas/signature"},"ok":{"type":"boolean"},
         "reason":{"$ref":"#/components/schemas/refusal_reason","description":"when ok is false: what the block would refuse"},
         "message":{"type":"string"},"product":{"type":"string","description":"the product's name"},
         "client_balance":{"$ref":"#/components/schemas/amount"}}})~",
         {refusal_code_base + 1}},
        {"invite.open",
         "Owner. Open a staff invite on this node (a mailbox in its memory, docs/node.md \"Staff invites\"): its id is "
         "the first 16 bytes of BLAKE2b-256 of a 16-byte secret that only the invite link's fragment carries "
         "(<origin>/s#join=<base64url(secret)>.<TICKER>). Signed by the venue's owner (domain kopilka/invite-open/v1, "
         "docs/formats.md \"Invite open\"). expiry_s must be in the future and at most 86400 s past the node's clock "
         "(else -32602). Opening the same id again by the same owner and venue moves its expiry, whatever its state; "
         "another venue's id is 2002. At most 32 invites open (or accepted, not yet added) at a venue and 4096 held "
         "on the node (2009). A restart forgets every invite: open it again with the same secret.",
         {{"ticker", "string", true, "the venue's coin ticker"},
          {"id", "string", true, "32 lowercase hex: the first 16 bytes of BLAKE2b-256(secret)"},
          {"expiry_s", "integer", true, "when the invite stops taking an acceptance, unix s"},
          {"signer", "string", true, "the owner's address (kop1…)"},
          {"signature", "string", true, "Ed25519 signature, 128 hex, by the owner over the invite-open bytes"}},
         "object: id, ticker, expiry_s",
         false, false,
         R"({"ticker":"${ticker}","id":"${invite_id}","expiry_s":"${invite_expiry_s}","signer":"${owner}","signature":"${invite_signature}"})",
         R"({"id":"673c387efdb6aa8a8c8b3c7849c22d0d","ticker":"VOLODYA","expiry_s":1796169357})",
         R"~({"type":"object","additionalProperties":false,"required":["id","ticker","expiry_s"],
         "properties":{"id":{"$ref":"#/components/schemas/invite_id"},"ticker":{"$ref":"#/components/schemas/ticker"},
         "expiry_s":{"$ref":"#/components/schemas/unix_s"}}})~",
         {not_found, unauthorized, invites_full}, /*follower_refuses=*/true},
        {"invite.accept",
         "Leave a staff acceptance (as `kopilka staff accept` prints it) in the open invite whose id is the hash of "
         "secret. The node checks it as staff_add would now: its signature on this chain (1002), the invite's venue "
         "(1034), not the owner's key (1031), its expiry (1033, 1004), never used on chain (1035), room for a new "
         "member (1030), and a key not already staff (1039); a refusal answers 1000 + n with data.reason. Unknown "
         "secret, an expired invite or a restarted node: 2007. An invite takes one acceptance: another one is 2008, "
         "the same one again answers as the first time. The secret is never logged.",
         {{"secret", "string", true, "the invite's 16-byte secret, base64url (22 characters), from the link's fragment"},
          {"acceptance", "string", true, "the staff acceptance, base64url (106 + t bytes)"}},
         "object: ticker, staff (the accepting key's address)",
         false, false, R"({"secret":"${invite_secret}","acceptance":"${acceptance}"})",
         R"({"ticker":"VOLODYA","staff":"kop18d4z00xwk6jz6c4r4rgz5mcdwdjny9thrh3y8f36cpy2rz6emg5s7alupr"})",
         R"~({"type":"object","additionalProperties":false,"required":["ticker","staff"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"staff":{"$ref":"#/components/schemas/address"}}})~",
         {refusal_code_base + 1, refusal_code_base + 2, refusal_code_base + 4, refusal_code_base + 6,
          refusal_code_base + 30, refusal_code_base + 31, refusal_code_base + 33, refusal_code_base + 34,
          refusal_code_base + 35, refusal_code_base + 39, invite_unknown, invite_accepted}, /*follower_refuses=*/true},
        {"invite.get",
         "An invite by id: its venue, expiry and state: \"open\" (no acceptance yet), \"accepted\" (with the "
         "acceptance, for the owner's staff_add, and the staff key) or \"added\" (a committed staff_add carries that "
         "acceptance; kept an hour after, then forgotten). An accepted invite is kept at least until its "
         "acceptance expires. Unknown, lapsed, or forgotten by a restart: 2001.",
         {{"id", "string", true, "32 lowercase hex, as invite.open took it"}},
         "object: id, ticker, expiry_s, state (open | accepted | added); once accepted also acceptance (base64url) "
         "and staff (address)",
         false, false, R"({"id":"${invite_id}"})",
         R"({"id":"673c387efdb6aa8a8c8b3c7849c22d0d","ticker":"VOLODYA","expiry_s":1796169357,"state":"accepted","acceptance":"AQdWT0xPRFlBO2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ikAAAAAaw9ejd261M0svT8xENdVlVKLLhnhe8azxyXTeKM1VFk3kAb45aUNqgKZ8IgDhxgQgrTUfJ62ADlFHBwcw4jWOM0y-AI","staff":"kop18d4z00xwk6jz6c4r4rgz5mcdwdjny9thrh3y8f36cpy2rz6emg5s7alupr"})",
         R"~({"type":"object","additionalProperties":false,"required":["id","ticker","expiry_s","state"],
         "properties":{"id":{"$ref":"#/components/schemas/invite_id"},"ticker":{"$ref":"#/components/schemas/ticker"},
         "expiry_s":{"$ref":"#/components/schemas/unix_s"},"state":{"enum":["open","accepted","added"]},
         "acceptance":{"$ref":"#/components/schemas/base64url","description":"the staff acceptance, for staff_add"},
         "staff":{"$ref":"#/components/schemas/address","description":"the accepting key"}}})~",
         {not_found}, /*follower_refuses=*/true},
        {"programme.get",
         "A venue's bonus programme: every published version (docs/programme.md, docs/design.md \"Bonus programmes: "
         "evaluation order\") and which one is in force now by the node's clock (null before the first takes effect).",
         {{"ticker", "string", true, "the venue's coin ticker"}},
         "object: ticker, in_force (version or null), versions (array of programmes, oldest first)",
         false, false, R"({"ticker":"${ticker}"})",
         R"({"ticker":"VOLODYA","in_force":1,"versions":[{"version":1,"previous":"0000000000000000000000000000000000000000000000000000000000000000","hash":"5b2c3b0b0b7a1d2b9d6e0c6b1b0e8e3e9a8f1c2d3e4f5a6b7c8d9e0f1a2b3c4d","effective_from_s":1796162160,"zone":"Europe/Moscow","tzdb_version":"2024a","zone_rule":"MSK-3","tier_basis":"lifetime","period_months":0,"tier_recalc":"on_purchase","recalc_day":1,"tiers":[{"name":"Base","threshold":"0.00","pay_share_bp":3000}],"rules":[{"id":1,"name":"3 %","group":0,"when":{"tier_mask":0,"receipt_min":null,"receipt_max":null,"window":null,"birthday_days":null,"returning_days":null,"categories":[]},"effect":"percent","value_bp":300,"cap_per_month":null,"lifetime_days":0}],"accrual_excluded":[],"pay_excluded":[],"weekday_pay_share_bp":[10000,10000,10000,10000,10000,10000,10000],"gifts":[],"referral_bp":[],"referral_lifetime_days":0,"stamp_cards":[],"cap_per_client_day":null,"gift_budget_per_month":null}]})",
         R"~({"type":"object","additionalProperties":false,"required":["ticker","in_force","versions"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},
         "in_force":{"oneOf":[{"$ref":"#/components/schemas/count"},{"type":"null"}]},
         "versions":{"type":"array","items":{"type":"object","required":["version","previous","hash","effective_from_s","zone","zone_rule","tiers","rules"]}}}})~",
         {not_found}},
        {"loyalty.get",
         "A client's standing with a venue's programme: tier (by the version in force), totals, open lots (credits "
         "that expire, soonest first: spending takes them first, and what is left of each returns to the treasury at "
         "its expiry_s), the debt a return left (later accruals repay it first), the referrer, and whether a birthday "
         "is set. A client with no purchase yet answers zeros.",
         {{"ticker", "string", true, "the venue's coin ticker"},
          {"client", "string", true, "address, phone:<hex>, or card:<number> (a card bound with card_bind)"}},
         "object: ticker, client, balance, registered, tier, lifetime_paid, best_purchase, purchases, last_purchase_s, debt, lots, referrer, birthday_set",
         false, false, R"({"ticker":"${ticker}","client":"${client}"})",
         R"({"ticker":"VOLODYA","client":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d","balance":"2.18","registered":true,"tier":{"index":0,"name":"Base"},"lifetime_paid":"6.00","best_purchase":"6.00","purchases":1,"last_purchase_s":1796162161,"debt":"0.00","lots":[{"amount":"1.00","expiry_s":1797379200}],"referrer":null,"birthday_set":false})",
         R"~({"type":"object","additionalProperties":false,
         "required":["ticker","client","balance","registered","tier","lifetime_paid","best_purchase","purchases","last_purchase_s","debt","lots","referrer","birthday_set"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"client":{"$ref":"#/components/schemas/account"},
         "balance":{"$ref":"#/components/schemas/amount"},"registered":{"type":"boolean"},
         "tier":{"type":"object","required":["index","name"],"properties":{"index":{"$ref":"#/components/schemas/count"},"name":{"oneOf":[{"type":"string"},{"type":"null"}]}}},
         "lifetime_paid":{"$ref":"#/components/schemas/amount"},"best_purchase":{"$ref":"#/components/schemas/amount"},
         "purchases":{"$ref":"#/components/schemas/count"},"last_purchase_s":{"$ref":"#/components/schemas/unix_s"},
         "debt":{"$ref":"#/components/schemas/amount"},
         "lots":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["amount","expiry_s"],
         "properties":{"amount":{"$ref":"#/components/schemas/amount"},"expiry_s":{"$ref":"#/components/schemas/unix_s"}}}},
         "referrer":{"oneOf":[{"$ref":"#/components/schemas/account"},{"type":"null"}]},"birthday_set":{"type":"boolean"}}})~",
         {not_found}},
        {"purchase.quote",
         "What a purchase would do if `staff` signed it now: the same checks and evaluation the block makes "
         "(ledger::quote_purchase), on the state the next block starts from, dated by the node's clock. The till shows "
         "it, then signs a purchase naming programme_version; a client paying with bonuses signs a pay consent over "
         "receipt_digest (docs/formats.md). A block made later may differ only if the state or the time moved on "
         "(another purchase, a new version in force).",
         {{"ticker", "string", true, "the venue's coin ticker"},
          {"staff", "string", true, "the address that will sign (staff or the owner)"},
          {"client", "string", true, "address, phone:<hex>, or card:<number>"},
          {"lines", "array", true, "the receipt's lines: [{category, amount}], 1-64"},
          {"pay", "string", false, "bonuses the client asks to pay (default 0.00)"},
          {"receipt_id", "string", false, "the till's receipt number (part of receipt_digest)"},
          {"referrer", "string", false, "an account, on the client's first purchase only"}},
         "object: ticker, client, programme_version, time_s, total, payable_max, paid, base, debt_paid, from_staff, from_treasury, tier_before, tier_after, credits, receipt_digest",
         false, false, R"({"ticker":"${ticker}","staff":"${staff}","client":"${client}","lines":[{"category":"coffee","amount":"6.00"}]})",
         R"({"ticker":"VOLODYA","client":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d","programme_version":1,"time_s":1796162170,"total":"6.00","payable_max":"0.65","paid":"0.00","base":"6.00","debt_paid":"0.00","from_staff":"0.18","from_treasury":"0.00","tier_before":{"index":0,"name":"Base"},"tier_after":{"index":0,"name":"Base"},"credits":[{"source":"rule","id":1,"amount":"0.18","expiry_s":0,"to":"phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d"}],"receipt_digest":"8d1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"})",
         R"~({"type":"object","additionalProperties":false,
         "required":["ticker","client","programme_version","time_s","total","payable_max","paid","base","debt_paid","from_staff","from_treasury","tier_before","tier_after","credits","receipt_digest"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"client":{"$ref":"#/components/schemas/account"},
         "programme_version":{"$ref":"#/components/schemas/count"},"time_s":{"$ref":"#/components/schemas/unix_s"},
         "total":{"$ref":"#/components/schemas/amount"},"payable_max":{"$ref":"#/components/schemas/amount"},
         "paid":{"$ref":"#/components/schemas/amount"},"base":{"$ref":"#/components/schemas/amount"},
         "debt_paid":{"$ref":"#/components/schemas/amount"},"from_staff":{"$ref":"#/components/schemas/amount"},
         "from_treasury":{"$ref":"#/components/schemas/amount"},
         "tier_before":{"type":"object","required":["index","name"]},"tier_after":{"type":"object","required":["index","name"]},
         "credits":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["source","id","amount","expiry_s","to"],
         "properties":{"source":{"enum":["rule","stamp","referral","gift"]},"id":{"$ref":"#/components/schemas/count"},
         "amount":{"$ref":"#/components/schemas/amount"},"expiry_s":{"$ref":"#/components/schemas/unix_s"},"to":{"type":"string"}}}},
         "receipt_digest":{"$ref":"#/components/schemas/hash"}}})~",
         {refusal_code_base + 6, refusal_code_base + 9, refusal_code_base + 14, refusal_code_base + 42,
          refusal_code_base + 47, refusal_code_base + 48, refusal_code_base + 51, refusal_code_base + 54}},
        {"rpc.discover",
         "This API as an OpenRPC document.",
         {},
         "object: the OpenRPC document",
         false, false, R"({})", R"({"openrpc":"1.2.6","info":{"title":"kopilkad","version":"0.1.0"},"methods":[]})",
         R"~({"type":"object","required":["openrpc","info","methods"],
         "properties":{"openrpc":{"const":"1.2.6"},"info":{"type":"object"},"methods":{"type":"array","items":{"type":"object"}},
         "components":{"type":"object"}},"description":"an OpenRPC 1.2.6 document"})~",
         {}},
        {"subscribe",
         "WebSocket only. Subscribe to new blocks (topic \"blocks\"), transactions touching an account (topic "
         "\"account\" with account), or a venue's activity (topic \"venue\" with ticker). Notifications arrive as "
         "{\"method\":\"subscription\",\"params\":{\"subscription\":id,\"result\":…}}.",
         {{"topic", "string", true, "blocks | account | venue"},
          {"account", "string", false, "for topic account"},
          {"ticker", "string", false, "for topic venue"}},
         "object: subscription (id)",
         false, true, R"({"topic":"blocks"})", R"({"subscription":1})",
         R"~({"type":"object","additionalProperties":false,"required":["subscription"],
         "properties":{"subscription":{"$ref":"#/components/schemas/count"}}})~",
         {}},
        {"unsubscribe",
         "WebSocket only. Cancel a subscription.",
         {{"subscription", "integer", true, "the id subscribe returned"}},
         "object: removed",
         false, true, R"({"subscription":1})", R"({"removed":true})",
         R"~({"type":"object","additionalProperties":false,"required":["removed"],
         "properties":{"removed":{"type":"boolean"}}})~",
         {}},
        {"admin.outbox",
         "Admin. The node's outbox: every message it owes or has sent, newest first (docs/messages.md). A message is "
         "written with the block that causes it, or before phone.claim.request answers; state pending (waiting for its "
         "next attempt), sent (the channel accepted it), dead (given up: shown here and counted in /metrics) or expired "
         "(a claim code used or past its life before its turn) or held (an SMS the venue has no credits for, sent once "
         "admin.credits.add adds some) or stopped (the client opted out of it: messages.consent or a STOP reply; never "
         "offered to a channel). delivery is what the provider's delivery report said of a sent message (delivered or "
         "failed, its words then in error; null before any came), delivery_ms when. phone is the number it goes to, null when the node no "
         "longer knows it; a claim code shows in text while it is live, else as [code]. key is the idempotency key, "
         "the same on every attempt; segments is what a sent SMS cost the credits of venue (the coin it is about; empty for the node's own "
         "messages, claim codes and re-bind notices; sms.credits).",
         {{"limit", "integer", false, "at most this many (default 100, at most 10000)"},
          {"state", "string", false, "only messages in this state: pending, sent, dead, expired, held or stopped"}},
         "object: messages (array of {seq, kind, state, phone, account, text, link, time_ms, key, tx, height, "
         "attempts, next_attempt_ms, done_ms, channel, provider_id, error, segments, venue, delivery, delivery_ms}), channel, counts {pending, "
         "sent, dead, expired, held, stopped}",
         true, false, R"({"limit":5})",
         R"({"messages":[{"seq":3,"kind":"claim_code","state":"sent","phone":"+79000000002","account":"phone:a55bfbe43be55368cb184c50bbb1af2be7beb3ce36ac58011839387bcd6f1b2d","text":"Kopilka claim code: 076597. It works once, for 10 minutes. Type it on http://127.0.0.1:37307/c/a55bfbe43be55368cb184c50bbb1af2be7beb3ce36ac58011839387bcd6f1b2d ; never tell it to anyone.","link":"http://127.0.0.1:37307/c/a55bfbe43be55368cb184c50bbb1af2be7beb3ce36ac58011839387bcd6f1b2d","time_ms":1796162157574,"key":"0b6b2c1f5e8d4a3b9c7e6f5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a291","tx":null,"height":0,"attempts":1,"next_attempt_ms":null,"done_ms":1796162157575,"channel":"file","provider_id":"","error":"","segments":2,"venue":"","delivery":null,"delivery_ms":null}],"channel":"file","counts":{"pending":0,"sent":3,"dead":0,"expired":0,"held":0,"stopped":0}})",
         R"~({"type":"object","additionalProperties":false,"required":["messages","channel","counts"],
         "properties":{"messages":{"type":"array","items":{"type":"object","additionalProperties":false,
         "required":["seq","kind","state","phone","account","text","link","time_ms","key","tx","height","attempts",
                     "next_attempt_ms","done_ms","channel","provider_id","error","segments","venue","delivery",
                     "delivery_ms"],
         "properties":{"seq":{"$ref":"#/components/schemas/count"},
         "kind":{"enum":["coins_received","rebind_announced","rebind_cancelled","rebind_completed","claim_code","birthday_gift","winback_gift","expiry_reminder"]},
         "state":{"enum":["pending","sent","dead","expired","held","stopped"]},
         "phone":{"oneOf":[{"type":"string"},{"type":"null"}]},"account":{"$ref":"#/components/schemas/account"},
         "text":{"type":"string"},"link":{"type":"string"},
         "time_ms":{"$ref":"#/components/schemas/unix_ms"},"key":{"$ref":"#/components/schemas/hash"},
         "tx":{"oneOf":[{"$ref":"#/components/schemas/hash"},{"type":"null"}]},
         "height":{"$ref":"#/components/schemas/count"},"attempts":{"$ref":"#/components/schemas/count"},
         "next_attempt_ms":{"oneOf":[{"$ref":"#/components/schemas/unix_ms"},{"type":"null"}]},
         "done_ms":{"oneOf":[{"$ref":"#/components/schemas/unix_ms"},{"type":"null"}]},
         "channel":{"enum":["file","http","smsru","twilio"]},"provider_id":{"type":"string"},"error":{"type":"string"},
         "segments":{"$ref":"#/components/schemas/count"},
         "venue":{"oneOf":[{"$ref":"#/components/schemas/ticker"},{"const":""}]},
         "delivery":{"enum":["delivered","failed",null]},
         "delivery_ms":{"oneOf":[{"$ref":"#/components/schemas/unix_ms"},{"type":"null"}]}}}},
         "channel":{"enum":["file","http","smsru","twilio"]},
         "counts":{"type":"object","additionalProperties":false,"required":["pending","sent","dead","expired","held","stopped"],
         "properties":{"pending":{"$ref":"#/components/schemas/count"},"sent":{"$ref":"#/components/schemas/count"},
         "dead":{"$ref":"#/components/schemas/count"},"expired":{"$ref":"#/components/schemas/count"},
         "held":{"$ref":"#/components/schemas/count"},"stopped":{"$ref":"#/components/schemas/count"}}}}})~",
         {unauthorized}, /*follower_refuses=*/true},
        {"admin.credits.add",
         "Admin. Add a pack of SMS credits to a venue (docs/messages.md \"Credits\"): segments, written and synced "
         "before the answer. A balance below zero is paid first; then every message of the venue held for want of "
         "credits is tried again, oldest first. The answer is the venue's new totals, as sms.credits gives them.",
         {{"ticker", "string", true, "the venue's coin"},
          {"segments", "integer", true, "the pack: 1 to 1000000 SMS segments"},
          {"note", "string", false, "what it was (an invoice, a payment id), at most 200 bytes; shown by sms.credits"}},
         "object: balance, free, granted, spent, held",
         true, false, R"({"ticker":"VOLODYA","segments":1000,"note":"invoice 2026-12"})",
         R"({"balance":1098,"free":100,"granted":1000,"spent":2,"held":0})",
         R"~({"type":"object","additionalProperties":false,"required":["balance","free","granted","spent","held"],
         "properties":{"balance":{"type":"integer","description":"segments still paid for: free + granted - spent"},
         "free":{"$ref":"#/components/schemas/count"},"granted":{"$ref":"#/components/schemas/count"},
         "spent":{"$ref":"#/components/schemas/count"},"held":{"$ref":"#/components/schemas/count"}}})~",
         {unauthorized, not_found}, /*follower_refuses=*/true},
        {"sms.credits",
         "A venue's SMS credits, in segments (GSM-7: 160 characters, 153 per part; UCS-2, any Cyrillic: 70, 67 per "
         "part): the first 100 are free, then the packs the operator adds. A message about a venue's coins is paid by "
         "the venue; claim codes and re-bind notices are the node's own and never stop. balance = free + granted - "
         "spent. held counts the venue's messages waiting for credits (out of credits, its SMS stop). grants lists "
         "the packs and debits the messages that spent segments, newest first: what each was and what it cost, never "
         "to whom. metered is false for a channel that costs nothing.",
         {{"ticker", "string", true, "the venue's coin"},
          {"limit", "integer", false, "at most this many grants and debits each (default 20, at most 1000)"}},
         "object: balance, free, granted, spent, held, grants (array of {seq, segments, note, time_ms}), debits "
         "(array of {seq, kind, segments, time_ms, tx}), channel, metered",
         false, false, R"({"ticker":"VOLODYA","limit":2})",
         R"({"balance":98,"free":100,"granted":0,"spent":2,"held":0,"grants":[],"debits":[{"seq":1,"kind":"coins_received","segments":2,"time_ms":1796162157575,"tx":"5b0e4c7a1f3d2b6e8a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a"}],"channel":"file","metered":true})",
         R"~({"type":"object","additionalProperties":false,
         "required":["balance","free","granted","spent","held","grants","debits","channel","metered"],
         "properties":{"balance":{"type":"integer"},"free":{"$ref":"#/components/schemas/count"},
         "granted":{"$ref":"#/components/schemas/count"},"spent":{"$ref":"#/components/schemas/count"},
         "held":{"$ref":"#/components/schemas/count"},
         "grants":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["seq","segments","note","time_ms"],
         "properties":{"seq":{"$ref":"#/components/schemas/count"},"segments":{"$ref":"#/components/schemas/count"},
         "note":{"type":"string"},"time_ms":{"$ref":"#/components/schemas/unix_ms"}}}},
         "debits":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["seq","kind","segments","time_ms","tx"],
         "properties":{"seq":{"$ref":"#/components/schemas/count"},
         "kind":{"enum":["coins_received","rebind_announced","rebind_cancelled","rebind_completed","claim_code","birthday_gift","winback_gift","expiry_reminder"]},
         "segments":{"$ref":"#/components/schemas/count"},"time_ms":{"$ref":"#/components/schemas/unix_ms"},
         "tx":{"oneOf":[{"$ref":"#/components/schemas/hash"},{"type":"null"}]}}}},
         "channel":{"enum":["file","http","smsru","twilio"]},"metered":{"type":"boolean"}}})~",
         {not_found}, /*follower_refuses=*/true},
        {"sms.preview",
         "What a text costs as an SMS: its encoding (gsm7 when every character is in the GSM 03.38 alphabet, else "
         "ucs2), characters, units (septets, where { } [ ] ~ \\ | ^ and the euro sign take two; or UTF-16 units), "
         "segments (one part up to 160 septets or 70 units, else parts of 153 or 67, none splitting a character) and "
         "cost in credits on this node's channel.",
         {{"text", "string", true, "the message's text, at most 2000 bytes of UTF-8"}},
         "object: encoding, characters, units, segments, cost",
         false, false, R"({"text":"Кофейня: вам начислено 150 бонусов"})",
         R"({"encoding":"ucs2","characters":34,"units":34,"segments":1,"cost":1})",
         R"~({"type":"object","additionalProperties":false,"required":["encoding","characters","units","segments","cost"],
         "properties":{"encoding":{"enum":["gsm7","ucs2"]},"characters":{"$ref":"#/components/schemas/count"},
         "units":{"$ref":"#/components/schemas/count"},"segments":{"$ref":"#/components/schemas/count"},
         "cost":{"$ref":"#/components/schemas/count"}}})~",
         {}, /*follower_refuses=*/true},
        {"messages.consent.set",
         "A client chooses whether a venue's automatic messages (coins received; campaigns) reach their phone: "
         "receive false stops them, true lets them go again; ticker \"\" is every venue at once (as a STOP reply "
         "to an SMS is). Signed by the key the phone is bound to (docs/formats.md, \"Signed message consent\"), "
         "at most 300 s from the node's clock and after the phone's last choice for that ticker, so a request is "
         "taken once. Written and synced before it answers. A message it stops shows in admin.outbox as stopped; "
         "claim codes and re-bind notices always go.",
         {{"holder", "string", true, "the phone's account, phone:<hex>"},
          {"ticker", "string", true, "the venue's coin, or \"\" for every venue"},
          {"receive", "boolean", true, "true: send me its messages; false: stop them"},
          {"key", "string", true, "the address the phone is bound to (kop1…)"},
          {"time_ms", "integer", true, "when the request was signed, unix ms"},
          {"signature", "string", true, "Ed25519 signature, 128 hex, over the consent bytes"}},
         "object: ticker, receive, source (cabinet), time_ms (when the node took it)",
         false, false,
         R"({"holder":"${client}","ticker":"${ticker}","receive":false,"key":"${bound_key}","time_ms":"${now_ms}","signature":"${consent_signature}"})",
         R"({"ticker":"VOLODYA","receive":false,"source":"cabinet","time_ms":1796162157580})",
         R"~({"$ref":"#/components/schemas/consent_choice"})~",
         {not_found, unauthorized, unavailable}, /*follower_refuses=*/true},
        {"messages.consent.get",
         "A phone's choices of messages: receive_all is false after a STOP reply (or a choice for every venue), "
         "choices lists each one, the one for every venue (ticker \"\") first; a venue not listed sends.",
         {{"holder", "string", true, "the phone's account, phone:<hex>"}},
         "object: receive_all, choices (array of {ticker, receive, source (cabinet or reply), time_ms})",
         false, false, R"({"holder":"${client}"})",
         R"({"receive_all":true,"choices":[{"ticker":"VOLODYA","receive":false,"source":"cabinet","time_ms":1796162157580}]})",
         R"~({"type":"object","additionalProperties":false,"required":["receive_all","choices"],
         "properties":{"receive_all":{"type":"boolean"},
         "choices":{"type":"array","items":{"$ref":"#/components/schemas/consent_choice"}}}})~",
         {}, /*follower_refuses=*/true},
        {"messages.push.key",
         "Whether this node sends web push (docs/messages.md, \"Web push\"), and its VAPID public key: the "
         "applicationServerKey a cabinet hands pushManager.subscribe(). enabled is false on a node started without "
         "--push-contact, and on a read-only follower.",
         {},
         "object: enabled, public_key (base64url of the 65-byte P-256 key; only when enabled)",
         false, false, R"({})",
         R"({"enabled":true,"public_key":"BNlrPdtiY1iRuHqqUiKp5WM9iTnE2t8tKeWO3kVg0xR1vGpR5Hkn6cCdb-MmsGc6Zq95p2I2kVMqxsbXIjfNSW4"})",
         R"~({"type":"object","additionalProperties":false,"required":["enabled"],
         "properties":{"enabled":{"type":"boolean"},"public_key":{"type":"string","pattern":"^[A-Za-z0-9_-]{87}$"}}})~",
         {}, /*follower_refuses=*/false},
        {"messages.push.set",
         "A client turns web push on for their phone with the browser's subscription (PushSubscription.toJSON(): "
         "endpoint, keys.p256dh, keys.auth), or off with null. While it is on, news of coins to that phone (and "
         "campaigns) goes to that browser instead of by SMS, free of the venue's credits; claim codes and re-bind "
         "notices still go by SMS, and a subscription the push service says is gone is forgotten and the message "
         "goes by SMS. One browser a phone: the newest wins. Signed by the key the phone is bound to "
         "(docs/formats.md, \"Signed push subscription\"), at most 300 s from the node's clock and after the "
         "phone's last push choice. Written and synced before it answers; the subscription stays on the node "
         "(private/push.jsonl), never in a block or a log.",
         {{"holder", "string", true, "the phone's account, phone:<hex>"},
          {"key", "string", true, "the address the phone is bound to (kop1…)"},
          {"time_ms", "integer", true, "when the request was signed, unix ms"},
          {"signature", "string", true, "Ed25519 signature, 128 hex, over the push subscription bytes"},
          {"subscription", "object", true,
           "{endpoint (https, at most 2048 characters), keys: {p256dh, auth} (base64url)}; an expirationTime is "
           "ignored; null: stop push"}},
         "object: subscribed, time_ms (when the node took it)",
         false, false,
         R"({"holder":"${client}","key":"${bound_key}","time_ms":"${now_ms}","signature":"${push_signature}","subscription":{"endpoint":"http://127.0.0.1:9/wpush/example","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"}}})",
         R"({"subscribed":true,"time_ms":1796162157580})",
         R"~({"type":"object","additionalProperties":false,"required":["subscribed","time_ms"],
         "properties":{"subscribed":{"type":"boolean"},"time_ms":{"$ref":"#/components/schemas/count"}}})~",
         {not_found, unauthorized, unavailable}, /*follower_refuses=*/true},
        {"messages.push.get",
         "Whether a phone gets its messages by web push, and since when the node has its subscription.",
         {{"holder", "string", true, "the phone's account, phone:<hex>"}},
         "object: subscribed, since_ms (only when subscribed)",
         false, false, R"({"holder":"${client}"})", R"({"subscribed":true,"since_ms":1796162157580})",
         R"~({"type":"object","additionalProperties":false,"required":["subscribed"],
         "properties":{"subscribed":{"type":"boolean"},"since_ms":{"$ref":"#/components/schemas/count"}}})~",
         {}, /*follower_refuses=*/true},
        {"webhook.set",
         "A venue's owner points the venue's POS webhook at a URL (https, or http to 127.0.0.1/localhost), or stops "
         "it with url \"\". From the next block on, each committed transaction of the venue's coin (purchase, return, "
         "redemption, transfer, registration: a card bound) is posted there as a JSON event, signed with HMAC-SHA256 "
         "under the secret this answers (docs/messages.md, \"POS webhooks\"), at least once and in the venue's order. "
         "A new secret each time: give it to the POS. Signed by the owner's key (docs/formats.md, \"Signed webhook "
         "set\"), at most 300 s from the node's clock and after the venue's last set.",
         {{"ticker", "string", true, "the venue's coin"},
          {"url", "string", true, "where events go, at most 512 bytes; \"\" stops them"},
          {"key", "string", true, "the venue owner's address (kop1…)"},
          {"time_ms", "integer", true, "when the request was signed, unix ms"},
          {"signature", "string", true, "Ed25519 signature, 128 hex, over the webhook set bytes"}},
         "object: ticker, url, secret (64 hex, the HMAC key; null when stopped)",
         false, false,
         R"({"ticker":"${ticker}","url":"http://127.0.0.1:9/kopilka","key":"${owner}","time_ms":"${now_ms}","signature":"${webhook_signature}"})",
         R"({"ticker":"VOLODYA","url":"http://127.0.0.1:9/kopilka","secret":"6f1d0c3b9a8e7f6d5c4b3a2918f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5"})",
         R"~({"type":"object","additionalProperties":false,"required":["ticker","url","secret"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"url":{"type":"string"},
         "secret":{"oneOf":[{"$ref":"#/components/schemas/hash"},{"type":"null"}]}}})~",
         {not_found, unauthorized, unavailable}, /*follower_refuses=*/true},
        {"admin.webhooks",
         "Admin. The venues' POS webhook events, newest first, with their state (pending: waiting for its attempt or "
         "for the venue's earlier events; sent: the POS answered 2xx; dead: given up after the attempts, or the venue "
         "removed its webhook), attempts, the POS's last HTTP status and words; and where each venue's events go "
         "(never its secret).",
         {{"ticker", "string", false, "only this venue's"},
          {"limit", "integer", false, "at most this many events (default 100, at most 10000)"}},
         "object: events (array of {seq, venue, venue_seq, type, state, key, tx, height, time_ms, attempts, "
         "next_attempt_ms, done_ms, status, error}), targets (array of {ticker, url, time_ms}), counts {pending, sent, dead}",
         true, false, R"({"limit":5})",
         R"({"events":[],"targets":[{"ticker":"VOLODYA","url":"http://127.0.0.1:9/kopilka","time_ms":1796162157600}],"counts":{"pending":0,"sent":0,"dead":0}})",
         R"~({"type":"object","additionalProperties":false,"required":["events","targets","counts"],
         "properties":{"events":{"type":"array","items":{"type":"object","additionalProperties":false,
         "required":["seq","venue","venue_seq","type","state","key","tx","height","time_ms","attempts","next_attempt_ms","done_ms","status","error"],
         "properties":{"seq":{"$ref":"#/components/schemas/count"},"venue":{"$ref":"#/components/schemas/ticker"},
         "venue_seq":{"$ref":"#/components/schemas/count"},
         "type":{"enum":["purchase","return","redemption","transfer","registration"]},
         "state":{"enum":["pending","sent","dead"]},"key":{"$ref":"#/components/schemas/hash"},
         "tx":{"oneOf":[{"$ref":"#/components/schemas/hash"},{"type":"null"}]},
         "height":{"$ref":"#/components/schemas/count"},"time_ms":{"$ref":"#/components/schemas/unix_ms"},
         "attempts":{"$ref":"#/components/schemas/count"},
         "next_attempt_ms":{"oneOf":[{"$ref":"#/components/schemas/unix_ms"},{"type":"null"}]},
         "done_ms":{"oneOf":[{"$ref":"#/components/schemas/unix_ms"},{"type":"null"}]},
         "status":{"type":"integer"},"error":{"type":"string"}}}},
         "targets":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["ticker","url","time_ms"],
         "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"url":{"type":"string"},
         "time_ms":{"$ref":"#/components/schemas/unix_ms"}}}},
         "counts":{"type":"object","additionalProperties":false,"required":["pending","sent","dead"],
         "properties":{"pending":{"$ref":"#/components/schemas/count"},"sent":{"$ref":"#/components/schemas/count"},
         "dead":{"$ref":"#/components/schemas/count"}}}}})~",
         {unauthorized}, /*follower_refuses=*/true},
        {"messages.templates.get",
         "How a venue words its automatic messages (docs/messages.md \"Templates\"): the language its clients get "
         "(ru unless the owner chose; language_signed_ms 0 then) and, for each kind of message and each language, the "
         "venue's text (\"\" while it uses the node's default_text), the variables a template of that kind may use "
         "and those it must, and when it was set (0: never). Public: a template is what the venue sends anyone.",
         {{"ticker", "string", true, "the venue's coin"}},
         "object: ticker, language (ru or en), language_time_ms, language_signed_ms, text_bytes_max (480), templates "
         "(array of {kind, language, text, default_text, variables, required, time_ms, signed_ms})",
         false, false, R"({"ticker":"${ticker}"})",
         R"({"ticker":"VOLODYA","language":"ru","language_time_ms":0,"language_signed_ms":0,"text_bytes_max":480,"templates":[{"kind":"coins_received","language":"ru","text":"{venue}: +{amount} {ticker}, всего {balance}. Карта: {link}","default_text":"{venue}: вам начислено {amount} {ticker}. Баланс: {balance} {ticker}. Подробнее: {link}","variables":["venue","amount","ticker","balance","link"],"required":["link"],"time_ms":1796162157580,"signed_ms":1796162157577},{"kind":"coins_received","language":"en","text":"","default_text":"{venue}: you received {amount} {ticker}. Balance: {balance} {ticker}. Open {link}","variables":["venue","amount","ticker","balance","link"],"required":["link"],"time_ms":0,"signed_ms":0}]})",
         R"~({"$ref":"#/components/schemas/templates"})~",
         {not_found}, /*follower_refuses=*/true},
        {"messages.templates.set",
         "The venue's owner words one kind of automatic message in one language: text with {variables} (only those "
         "the kind offers, a { or } only around one; coins_received: {venue}, {amount}, {ticker}, {balance}, "
         "{link}; birthday_gift, winback_gift and expiry_reminder: those and {expires}; {link} required in each), at most 480 bytes of UTF-8, no control or hidden characters; \"\" goes back "
         "to the node's default. Signed by the owner's key (docs/formats.md, \"Message templates\"), at most 300 s "
         "from the node's clock and after the last set of that venue, kind and language, so a request is taken "
         "once. Written and synced before it answers; the next block's messages use it. A refused text is "
         "invalid_params with data.reason too_long, characters, unknown_variable, missing_variable or brace (and "
         "data.variable, the one it names).",
         {{"ticker", "string", true, "the venue's coin"},
          {"language", "string", true, "ru or en"},
          {"kind", "string", true, "the kind of message: coins_received, birthday_gift, winback_gift or expiry_reminder"},
          {"text", "string", true, "the template, or \"\" for the node's default"},
          {"key", "string", true, "the venue owner's address (kop1…)"},
          {"time_ms", "integer", true, "when the request was signed, unix ms"},
          {"signature", "string", true, "Ed25519 signature, 128 hex, over the template bytes"}},
         "object: as messages.templates.get, after the change",
         false, false,
         R"({"ticker":"${ticker}","language":"ru","kind":"coins_received","text":"{venue}: +{amount} {ticker}, всего {balance}. Карта: {link}","key":"${owner}","time_ms":"${now_ms}","signature":"${templates_signature}"})",
         R"({"ticker":"VOLODYA","language":"ru","language_time_ms":0,"language_signed_ms":0,"text_bytes_max":480,"templates":[{"kind":"coins_received","language":"ru","text":"{venue}: +{amount} {ticker}, всего {balance}. Карта: {link}","default_text":"{venue}: вам начислено {amount} {ticker}. Баланс: {balance} {ticker}. Подробнее: {link}","variables":["venue","amount","ticker","balance","link"],"required":["link"],"time_ms":1796162157580,"signed_ms":1796162157577},{"kind":"coins_received","language":"en","text":"","default_text":"{venue}: you received {amount} {ticker}. Balance: {balance} {ticker}. Open {link}","variables":["venue","amount","ticker","balance","link"],"required":["link"],"time_ms":0,"signed_ms":0}]})",
         R"~({"$ref":"#/components/schemas/templates"})~",
         {not_found, unauthorized, unavailable}, /*follower_refuses=*/true},
        {"messages.templates.language",
         "The venue's owner chooses the language its clients' messages are written in (ru or en; a venue that never "
         "chose writes ru). Signed by the owner's key like messages.templates.set (docs/formats.md, \"Message "
         "templates\"), after the venue's last choice; written and synced before it answers.",
         {{"ticker", "string", true, "the venue's coin"},
          {"language", "string", true, "ru or en"},
          {"key", "string", true, "the venue owner's address (kop1…)"},
          {"time_ms", "integer", true, "when the request was signed, unix ms"},
          {"signature", "string", true, "Ed25519 signature, 128 hex, over the language bytes"}},
         "object: as messages.templates.get, after the change",
         false, false,
         R"({"ticker":"${ticker}","language":"ru","key":"${owner}","time_ms":"${now_ms}","signature":"${templates_language_signature}"})",
         R"({"ticker":"VOLODYA","language":"ru","language_time_ms":1796162157581,"language_signed_ms":1796162157577,"text_bytes_max":480,"templates":[{"kind":"coins_received","language":"ru","text":"","default_text":"{venue}: вам начислено {amount} {ticker}. Баланс: {balance} {ticker}. Подробнее: {link}","variables":["venue","amount","ticker","balance","link"],"required":["link"],"time_ms":0,"signed_ms":0},{"kind":"coins_received","language":"en","text":"","default_text":"{venue}: you received {amount} {ticker}. Balance: {balance} {ticker}. Open {link}","variables":["venue","amount","ticker","balance","link"],"required":["link"],"time_ms":0,"signed_ms":0}]})",
         R"~({"$ref":"#/components/schemas/templates"})~",
         {not_found, unauthorized, unavailable}, /*follower_refuses=*/true},
        {"messages.templates.preview",
         "What a template would send and cost, as the owner's editor shows it while they type: text rendered with "
         "the venue's name and coin, amounts 150.00 and 1250.00 (\"150,00\" in ru) and a link of this node the "
         "length of a real one; template is what was rendered (\"\" previews the node's default, default true); "
         "then as sms.preview: encoding, characters, units, segments and the cost in credits on this node's "
         "channel. A text messages.templates.set would refuse is refused the same way.",
         {{"ticker", "string", true, "the venue's coin"},
          {"language", "string", true, "ru or en"},
          {"kind", "string", true, "the kind of message: coins_received, birthday_gift, winback_gift or expiry_reminder"},
          {"text", "string", false, "the template (default \"\": the node's own)"}},
         "object: text, template, default, encoding, characters, units, segments, cost",
         false, false, R"({"ticker":"${ticker}","language":"ru","kind":"coins_received","text":""})",
         R"({"text":"U Volodi: вам начислено 150,00 VOLODYA. Баланс: 1250,00 VOLODYA. Подробнее: http://127.0.0.1:37307/c/19024556b04538386a6a5ad8574f0d7d9806d505a29a4e6da07fe04dc82b189f","template":"{venue}: вам начислено {amount} {ticker}. Баланс: {balance} {ticker}. Подробнее: {link}","default":true,"encoding":"ucs2","characters":165,"units":165,"segments":3,"cost":3})",
         R"~({"type":"object","additionalProperties":false,
         "required":["text","template","default","encoding","characters","units","segments","cost"],
         "properties":{"text":{"type":"string"},"template":{"type":"string"},"default":{"type":"boolean"},
         "encoding":{"enum":["gsm7","ucs2"]},"characters":{"$ref":"#/components/schemas/count"},
         "units":{"$ref":"#/components/schemas/count"},"segments":{"$ref":"#/components/schemas/count"},
         "cost":{"$ref":"#/components/schemas/count"}}})~",
         {not_found}, /*follower_refuses=*/true},
        {"admin.backup",
         "Admin. A copy of the data dir while the node serves (docs/operations.md \"Backups\"): the ledger as a RocksDB "
         "checkpoint at the tip (no block commits meanwhile; reads go on), with a tip anchor naming that block, then "
         "keys/, phone.secret, kopilkad.conf, private/, media/ and whatever else the data dir holds but .cookie. "
         "Written under a temporary name, every file synced, then renamed: the backup <datadir>/backups/<name> exists "
         "whole or not at all. It is a data dir of its own: kopilkad verify --datadir passes on it and kopilkad serves "
         "it. Its table files are hard links to the live ledger's (same file system): copy it off the machine (tar).",
         {{"name", "string", true,
           "the backup's directory under <datadir>/backups: 1 to 64 letters, digits, '-', '_' or '.', starting with a "
           "letter or digit; refused if it exists"}},
         "object: name, dir (absolute), height and tip_hash (the block it ends at), files, bytes, ms (how long it took)",
         true, false, R"({"name":"before-upgrade"})",
         R"({"name":"before-upgrade","dir":"/var/lib/kopilka/backups/before-upgrade","height":12,"tip_hash":"6080cbbcede48ab8c37da7aec01f1797c72b9004699585739c5c4289269a3c6a","files":17,"bytes":162448,"ms":41})",
         R"~({"type":"object","additionalProperties":false,
         "required":["name","dir","height","tip_hash","files","bytes","ms"],
         "properties":{"name":{"type":"string"},"dir":{"type":"string"},"height":{"$ref":"#/components/schemas/count"},
         "tip_hash":{"$ref":"#/components/schemas/hash"},"files":{"$ref":"#/components/schemas/count"},
         "bytes":{"$ref":"#/components/schemas/count"},"ms":{"$ref":"#/components/schemas/count"}}})~",
         {unauthorized, rate_limited, unavailable}, /*follower_refuses=*/false},
        {"admin.stop",
         "Admin. Close the open block, sync and stop the node.",
         {},
         "object: stopping",
         true, false, R"({})", R"({"stopping":true})",
         R"~({"type":"object","additionalProperties":false,"required":["stopping"],
         "properties":{"stopping":{"const":true}}})~",
         {unauthorized}, /*follower_refuses=*/true},
    };
}

std::string schema_type(std::string_view t) { return std::string(t); }

// A param's JSON Schema: its type, narrowed by the shared type its name
// stands for everywhere in the table (a "ticker" is always a ticker), so a
// generated client can check a value before sending it.
json::object param_schema(const MethodInfo& m, const ParamInfo& p, const json::object& components) {
    static const std::vector<std::pair<std::string_view, std::string_view>> shared = {
        {"ticker", "ticker"},   {"account", "account"}, {"blob", "base64url"}, {"voucher", "base64url"},
        {"id", "hash"},         {"hash", "hash"},       {"height", "count"},   {"limit", "count"},
        {"from_ms", "unix_ms"}, {"to_ms", "unix_ms"},   {"key", "address"},    {"subscription", "count"},
        {"staff", "address"},   {"client", "account"},  {"signer", "address"},
    };
    json::object schema{{"type", schema_type(p.type)}};
    for (auto [name, type] : shared) {
        if (p.name != name) continue;
        if (name == "id" && m.name.starts_with("invite.")) type = "invite_id";  // an invite's id is 16 bytes
        if (name == "ticker" && m.name == "messages.consent.set") break;  // "" too: every venue
        const auto& c = components.at(type).as_object();
        if (!c.contains("type") || c.at("type") != schema.at("type")) break;  // only where the types agree
        for (const char* k : {"pattern", "minimum"})
            if (c.contains(k)) schema[k] = c.at(k);
    }
    if (p.name == "limit") schema["minimum"] = 1;
    return schema;
}

std::vector<ErrorInfo> build_errors() {
    std::vector<ErrorInfo> e = {
        {parse_error, "the body is not JSON", ""},
        {invalid_request, "not a JSON-RPC 2.0 request (or a batch too long)", ""},
        {method_not_found, "no such method", ""},
        {invalid_params, "missing or wrong params; the message names the param", ""},
        {internal_error, "internal error", ""},
    };
    for (int code : refusal_codes()) {
        const std::string name(ledger::refusal_name(static_cast<ledger::Refusal>(code - refusal_code_base)));
        e.push_back({code, name, name});
    }
    e.push_back({not_found, "not found", ""});
    e.push_back({unauthorized, "unauthorized (admin token missing or wrong; a phone.lookup not signed by a staff key or a key bound to the holder phone; an invite.open or a messages.templates change not signed by the venue's owner, or an invite for an id another venue holds)", ""});
    e.push_back({rate_limited, "rate limited; retry later", ""});
    e.push_back({unavailable, "the node cannot do this now: it cannot write (disk full, read-only; `data.reason` `disk`), its ledger is damaged (`data.reason` `damaged`: a record that cannot be read, or no new transactions), or it is stopping", ""});
    e.push_back({mempool_full, "mempool full; retry shortly", ""});
    e.push_back({code_invalid, "the phone claim code is wrong, expired or used", ""});
    e.push_back({invite_unknown, "no open invite has that secret: unknown, expired, or forgotten by a restart", ""});
    e.push_back({invite_accepted, "invite already accepted (by another acceptance)", ""});
    e.push_back({invites_full, "too many open invites (at the venue, or on the node)", ""});
    e.push_back({follower, "a read-only follower (`kopilkad follow`) takes no writes; `data.reason` `follower`, `data.source` the node it follows, which does", ""});
    return e;
}

// The shared schemas, as JSON text. Object schemas list every field the node
// sends and forbid others (additionalProperties: false), so the tests that
// check real answers against them catch an undocumented field.
struct Component {
    std::string_view name;
    std::string_view schema;
};

constexpr std::string_view tx_properties = R"~({
  "id":{"$ref":"#/components/schemas/hash"},
  "kind":{"enum":["venue_create","venue_update","product_upsert","product_remove","staff_update","staff_remove","transfer","phone_bind","redeem","staff_add","phone_rebind_cancel","phone_rebind_complete","programme_set","purchase","purchase_return","card_bind","birthday_set"]},
  "signer":{"$ref":"#/components/schemas/address"},"nonce":{"$ref":"#/components/schemas/count"},
  "expiry_s":{"$ref":"#/components/schemas/unix_s"},"signature":{"$ref":"#/components/schemas/signature"},
  "ticker":{"$ref":"#/components/schemas/ticker"},"profile":{"$ref":"#/components/schemas/profile"},
  "product":{"$ref":"#/components/schemas/product"},"product_id":{"$ref":"#/components/schemas/count"},
  "staff":{"$ref":"#/components/schemas/address"},"role":{"$ref":"#/components/schemas/role"},
  "limit_per_tx":{"$ref":"#/components/schemas/amount_or_null"},"limit_per_day":{"$ref":"#/components/schemas/amount_or_null"},
  "from":{"$ref":"#/components/schemas/account"},"to":{"$ref":"#/components/schemas/account"},
  "amount":{"$ref":"#/components/schemas/amount"},"memo":{"type":"string","maxLength":140},
  "attestation":{"$ref":"#/components/schemas/attestation"},"voucher":{"$ref":"#/components/schemas/voucher"},
  "acceptance":{"$ref":"#/components/schemas/staff_acceptance"},
  "account":{"$ref":"#/components/schemas/account","description":"phone_rebind_cancel and phone_rebind_complete: the phone"},
  "programme":{"type":"object","description":"programme_set: the programme, as programme.get shows a version"},
  "client":{"type":"string","description":"purchase: an account or card:<number>; card_bind and birthday_set: the account"},
  "receipt":{"type":"object","description":"purchase: id, lines (category, amount) and total"},
  "programme_version":{"$ref":"#/components/schemas/count"},"pay":{"$ref":"#/components/schemas/amount"},
  "consent":{"oneOf":[{"type":"object"},{"type":"null"}],"description":"purchase: the client's pay consent, when it pays with bonuses"},
  "referrer":{"oneOf":[{"$ref":"#/components/schemas/account"},{"type":"null"}]},
  "purchase":{"$ref":"#/components/schemas/hash","description":"purchase_return: the purchase's transaction id"},
  "card":{"type":"string","pattern":"^[0-9A-Z]{4,32}$"},
  "birthday_set":{"const":true,"description":"birthday_set: the date is in the transaction's bytes, not in this view"}})~";
constexpr std::string_view tx_required = R"(["id","kind","signer","nonce","expiry_s","signature"])";

constexpr std::string_view voucher_properties = R"~({
  "id":{"$ref":"#/components/schemas/hash"},"ticker":{"$ref":"#/components/schemas/ticker"},
  "product_id":{"$ref":"#/components/schemas/count"},"price":{"$ref":"#/components/schemas/amount"},
  "client":{"$ref":"#/components/schemas/account"},"nonce":{"$ref":"#/components/schemas/count"},
  "expiry_s":{"$ref":"#/components/schemas/unix_s"},"signer":{"$ref":"#/components/schemas/address"},
  "signature":{"$ref":"#/components/schemas/signature"}})~";
constexpr std::string_view voucher_required =
    R"(["id","ticker","product_id","price","client","nonce","expiry_s","signer","signature"])";

const std::vector<Component>& component_texts() {
    static const std::vector<Component> c = {
        {"amount", R"~({"type":"string","pattern":"^(0|[1-9][0-9]*)\\.[0-9]{2}$",
            "description":"a decimal amount with exactly two decimals, \"12.50\""})~"},
        {"amount_or_null", R"~({"oneOf":[{"$ref":"#/components/schemas/amount"},{"type":"null"}]})~"},
        {"count", R"~({"type":"integer","minimum":0})~"},
        {"unix_ms", R"~({"type":"integer","minimum":0,"description":"unix time in milliseconds"})~"},
        {"consent_choice", R"~({"type":"object","additionalProperties":false,"required":["ticker","receive","source","time_ms"],
            "properties":{"ticker":{"oneOf":[{"$ref":"#/components/schemas/ticker"},{"const":""}]},
            "receive":{"type":"boolean"},"source":{"enum":["cabinet","reply"]},
            "time_ms":{"$ref":"#/components/schemas/unix_ms"}}})~"},
        {"templates", R"~({"type":"object","additionalProperties":false,
            "required":["ticker","language","language_time_ms","language_signed_ms","text_bytes_max","templates"],
            "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"language":{"enum":["ru","en"]},
            "language_time_ms":{"$ref":"#/components/schemas/unix_ms"},"language_signed_ms":{"$ref":"#/components/schemas/unix_ms"},
            "text_bytes_max":{"$ref":"#/components/schemas/count"},
            "templates":{"type":"array","items":{"type":"object","additionalProperties":false,
             "required":["kind","language","text","default_text","variables","required","time_ms","signed_ms"],
             "properties":{"kind":{"enum":["coins_received","birthday_gift","winback_gift","expiry_reminder"]},"language":{"enum":["ru","en"]},
             "text":{"type":"string","description":"the venue's template; empty while it uses default_text"},
             "default_text":{"type":"string"},
             "variables":{"type":"array","items":{"type":"string"}},"required":{"type":"array","items":{"type":"string"}},
             "time_ms":{"$ref":"#/components/schemas/unix_ms"},"signed_ms":{"$ref":"#/components/schemas/unix_ms"}}}}},
            "description":"messages.templates.*: how a venue words its automatic messages"})~"},
        {"unix_s", R"~({"type":"integer","minimum":0,"description":"unix time in seconds"})~"},
        {"hash", R"~({"type":"string","pattern":"^[0-9a-f]{64}$","description":"32 bytes, lowercase hex"})~"},
        {"invite_id", R"~({"type":"string","pattern":"^[0-9a-f]{32}$",
            "description":"a staff invite's id: the first 16 bytes of BLAKE2b-256 of its secret, lowercase hex"})~"},
        {"signature", R"~({"type":"string","pattern":"^[0-9a-f]{128}$","description":"an Ed25519 signature, lowercase hex"})~"},
        {"base64url", R"~({"type":"string","pattern":"^[A-Za-z0-9_-]*$","description":"bytes as base64url without padding"})~"},
        {"address", R"~({"type":"string","pattern":"^kop1[02-9ac-hj-np-z]{58}$",
            "description":"a public key as Bech32m text (docs/formats.md)"})~"},
        {"account", R"~({"type":"string","pattern":"^(kop1[02-9ac-hj-np-z]{58}|phone:[0-9a-f]{64})$",
            "description":"an address, or a phone reference phone:<64 hex>"})~"},
        {"ticker", R"~({"type":"string","pattern":"^[A-Z0-9]{3,10}$"})~"},
        {"role", R"~({"enum":["cashier","waiter","barista","manager"]})~"},
        {"staff_figures", R"~({"type":"array","items":{"type":"object","additionalProperties":false,
            "required":["address","role","clients_served","visits","given","redeemed"],
            "properties":{"address":{"$ref":"#/components/schemas/address"},
             "role":{"oneOf":[{"$ref":"#/components/schemas/role"},{"type":"null"}],"description":"the role now; null for a member since removed"},
             "clients_served":{"$ref":"#/components/schemas/count","description":"clients the member served (issued to, or redeemed for) for the first time in the range: over all time, every distinct client"},
             "visits":{"$ref":"#/components/schemas/count","description":"for each day of the range, the distinct clients the member served that day, summed"},
             "given":{"$ref":"#/components/schemas/amount","description":"issued by the member while staff"},
             "redeemed":{"$ref":"#/components/schemas/amount","description":"prices of the redemptions the member submitted while staff"}}},
            "description":"venue.stats and venue.series: everyone staff now, and everyone who issued or redeemed as staff in the range, by address"})~"},
        {"proof", R"~({"type":"object","additionalProperties":false,"required":["index","tree_size","path"],
            "properties":{"index":{"$ref":"#/components/schemas/count"},"tree_size":{"$ref":"#/components/schemas/count"},
             "path":{"type":"array","items":{"$ref":"#/components/schemas/hash"}}},
            "description":"a Merkle inclusion proof of the transaction id in the block's tx_root (docs/formats.md)"})~"},
        {"profile", R"~({"type":"object","additionalProperties":false,
            "required":["name","logo_url","address","geo","phone","links","hours"],
            "properties":{"name":{"type":"string","minLength":1},"logo_url":{"type":"string"},"address":{"type":"string"},
             "geo":{"oneOf":[{"type":"null"},{"type":"object","additionalProperties":false,"required":["lat_e7","lon_e7"],
              "properties":{"lat_e7":{"type":"integer","minimum":-900000000,"maximum":900000000},
               "lon_e7":{"type":"integer","minimum":-1800000000,"maximum":1800000000}}}]},
             "phone":{"type":"string"},"links":{"type":"array","maxItems":8,"items":{"type":"string"}},
             "hours":{"type":"string"}}})~"},
        {"product", R"~({"type":"object","additionalProperties":false,
            "required":["id","name","price","category","image_url","active"],
            "properties":{"id":{"$ref":"#/components/schemas/count"},"name":{"type":"string","minLength":1},
             "price":{"$ref":"#/components/schemas/amount"},"category":{"type":"string"},"image_url":{"type":"string"},
             "active":{"type":"boolean"}}})~"},
        {"staff_acceptance", R"~({"type":"object","additionalProperties":false,
            "required":["ticker","staff","expiry_s","signature"],
            "properties":{"ticker":{"$ref":"#/components/schemas/ticker"},"staff":{"$ref":"#/components/schemas/address"},
             "expiry_s":{"$ref":"#/components/schemas/unix_s"},"signature":{"$ref":"#/components/schemas/signature"}},
            "description":"the staff member's signed consent to join the venue (docs/formats.md)"})~"},
        {"rebind", R"~({"oneOf":[{"type":"null"},{"type":"object","additionalProperties":false,"required":["key","effective_s"],
            "properties":{"key":{"$ref":"#/components/schemas/address"},"effective_s":{"$ref":"#/components/schemas/unix_s"}}}],
            "description":"a re-bind of the phone to another key, waiting for the genesis delay (it can be completed from effective_s), or null"})~"},
        {"attestation", R"~({"type":"object","additionalProperties":false,
            "required":["account","key","sequence","expiry_s","attestor","signature"],
            "properties":{"account":{"$ref":"#/components/schemas/account"},"key":{"$ref":"#/components/schemas/address"},
             "sequence":{"$ref":"#/components/schemas/count"},"expiry_s":{"$ref":"#/components/schemas/unix_s"},
             "attestor":{"$ref":"#/components/schemas/address"},"signature":{"$ref":"#/components/schemas/signature"}}})~"},
        {"block", R"~({"type":"object","additionalProperties":false,
            "required":["height","hash","prev","time_ms","tx_root","state_digest","tx_count","producer","signature","tx_ids"],
            "properties":{"height":{"$ref":"#/components/schemas/count"},"hash":{"$ref":"#/components/schemas/hash"},
             "prev":{"$ref":"#/components/schemas/hash"},"time_ms":{"$ref":"#/components/schemas/unix_ms"},
             "tx_root":{"$ref":"#/components/schemas/hash"},"state_digest":{"$ref":"#/components/schemas/hash"},
             "tx_count":{"$ref":"#/components/schemas/count"},"producer":{"$ref":"#/components/schemas/address"},
             "signature":{"$ref":"#/components/schemas/signature"},
             "tx_ids":{"type":"array","items":{"$ref":"#/components/schemas/hash"}}}})~"},
        {"history_page", R"~({"type":"object","additionalProperties":false,"required":["entries","next_cursor"],
            "properties":{"entries":{"type":"array","items":{"type":"object","additionalProperties":false,
              "required":["id","height","index"],
              "properties":{"id":{"$ref":"#/components/schemas/hash"},"height":{"$ref":"#/components/schemas/count"},
               "index":{"$ref":"#/components/schemas/count"},"time_ms":{"$ref":"#/components/schemas/unix_ms"},
               "tx":{"$ref":"#/components/schemas/tx"}}}},
             "next_cursor":{"type":"string","description":"empty on the last page"}}})~"},
    };
    return c;
}

json::object object_schema(std::string_view properties, std::string_view required, json::object extra = {}) {
    json::object props = json::parse(properties).as_object();
    for (auto& kv : extra) props[kv.key()] = kv.value();
    return json::object{{"type", "object"},
                        {"additionalProperties", false},
                        {"required", json::parse(required)},
                        {"properties", std::move(props)}};
}

}  // namespace

std::vector<int> refusal_codes() {
    std::vector<int> codes;
    for (std::uint16_t n = 1; n <= 64; ++n) {
        if (ledger::refusal_name(static_cast<ledger::Refusal>(n)) == "unknown") break;
        codes.push_back(refusal_code_base + n);
    }
    return codes;
}

const std::vector<ErrorInfo>& error_table() {
    static const std::vector<ErrorInfo> table = build_errors();
    return table;
}

const ErrorInfo* find_error(int code) {
    for (const auto& e : error_table())
        if (e.code == code) return &e;
    return nullptr;
}

json::object schema_components() {
    json::object out;
    for (const auto& c : component_texts()) out[c.name] = json::parse(c.schema);
    json::array names;
    for (int code : refusal_codes()) names.push_back(json::value(find_error(code)->reason));
    out["refusal_reason"] = json::object{{"enum", std::move(names)}};
    out["tx"] = object_schema(tx_properties, tx_required);
    out["voucher"] = object_schema(voucher_properties, voucher_required);
    // tx.decode's two answers: the decoded object, what it is, and whether
    // its signatures verify for this chain.
    json::array req = json::parse(tx_required).as_array();
    req.push_back("type");
    req.push_back("signatures_valid");
    out["decoded_transaction"] =
        object_schema(tx_properties, json::serialize(req),
                      json::object{{"type", json::object{{"const", "transaction"}}},
                                   {"signatures_valid", json::object{{"type", "boolean"}}}});
    req = json::parse(voucher_required).as_array();
    req.push_back("type");
    req.push_back("signature_valid");
    out["decoded_voucher"] = object_schema(voucher_properties, json::serialize(req),
                                           json::object{{"type", json::object{{"const", "voucher"}}},
                                                        {"signature_valid", json::object{{"type", "boolean"}}}});
    return out;
}

const std::vector<MethodInfo>& method_table() {
    static const std::vector<MethodInfo> table = [] {
        std::vector<MethodInfo> t = build_table();
        // A method a follower refuses may answer `follower`: listed from the
        // flag, so the two cannot drift apart.
        for (MethodInfo& m : t)
            if (m.follower_refuses) m.errors.push_back(follower);
        return t;
    }();
    return table;
}

const MethodInfo* find_method(std::string_view name) {
    for (const auto& m : method_table())
        if (m.name == name) return &m;
    return nullptr;
}

json::value openrpc_document(std::string_view version) {
    const json::object components = schema_components();
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
            po["schema"] = param_schema(m, p, components);
            params.push_back(std::move(po));
        }
        o["params"] = std::move(params);
        o["paramStructure"] = "by-name";
        o["result"] = json::object{{"name", "result"},
                                   {"description", m.result},
                                   {"schema", m.result_schema.empty() ? json::value(json::object{})
                                                                      : json::parse(m.result_schema)}};
        json::array errors;
        for (int code : m.errors) {
            const ErrorInfo* e = find_error(code);
            json::object eo{{"code", code}, {"message", e ? e->message : "error"}};
            if (e && !e->reason.empty()) eo["data"] = json::object{{"reason", e->reason}};
            errors.push_back(std::move(eo));
        }
        o["errors"] = std::move(errors);
        json::object ext;
        ext["admin"] = m.admin;
        ext["websocket_only"] = m.websocket_only;
        ext["follower_refuses"] = m.follower_refuses;
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
    doc["components"] = json::object{{"schemas", components}};
    return doc;
}

namespace {

// A '|' would end a Markdown table cell, in a code span or not (GFM).
std::string table_cell(std::string text) {
    for (std::size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2)) text.insert(at, "\\");
    return text;
}

std::string ref_name(const json::value& schema) {
    const std::string ref(schema.at("$ref").as_string());
    return ref.substr(ref.rfind('/') + 1);
}

// A property's type as one short phrase for a Markdown table cell.
std::string type_text(const json::value& schema) {
    const auto& o = schema.as_object();
    if (o.contains("$ref")) return "[`" + ref_name(schema) + "`](#shared-types)";
    if (o.contains("const")) return "`" + json::serialize(o.at("const")) + "`";
    if (o.contains("enum")) {
        std::string t;
        for (const auto& v : o.at("enum").as_array()) t += (t.empty() ? "" : ", ") + ("`" + json::serialize(v) + "`");
        return "one of " + t;
    }
    if (o.contains("oneOf")) {
        std::string t;
        for (const auto& v : o.at("oneOf").as_array()) t += (t.empty() ? "" : " or ") + type_text(v);
        return t;
    }
    const std::string type(o.at("type").as_string());
    if (type == "array") return "array of " + type_text(o.at("items"));
    if (type == "object" && o.contains("properties")) {
        std::string t;
        for (const auto& kv : o.at("properties").as_object()) t += (t.empty() ? "" : ", ") + std::string(kv.key());
        return "object {" + t + "}";
    }
    return type;
}

std::string description_of(const json::value& schema) {
    const auto* d = schema.as_object().if_contains("description");
    return d ? std::string(d->as_string()) : "";
}

bool is_required(const json::object& schema, std::string_view field) {
    if (const auto* r = schema.if_contains("required"))
        for (const auto& f : r->as_array())
            if (f.as_string() == field) return true;
    return false;
}

// | field | type | always | description | rows of an object schema, nested
// objects and arrays of objects flattened as parent.child.
void field_rows(std::string& md, const json::object& schema, const std::string& prefix) {
    for (const auto& kv : schema.at("properties").as_object()) {
        const std::string name = prefix + std::string(kv.key());
        const auto& prop = kv.value().as_object();
        md += "| `" + name + "` | " + type_text(kv.value()) + " | " + (is_required(schema, kv.key()) ? "yes" : "no") +
              " | " + table_cell(description_of(kv.value())) + " |\n";
        const json::object* nested = nullptr;
        if (prop.contains("properties")) nested = &prop;
        if (prop.contains("items") && prop.at("items").as_object().contains("properties"))
            nested = &prop.at("items").as_object();
        if (nested) field_rows(md, *nested, name + (nested == &prop ? "." : "[]."));
    }
}

void result_section(std::string& md, const MethodInfo& m) {
    md += "Result: " + std::string(m.result) + "\n\n";
    if (m.result_schema.empty()) return;
    const json::value schema = json::parse(m.result_schema);
    const auto& o = schema.as_object();
    if (o.contains("properties") && !o.contains("$ref")) {
        md += "| field | type | always | description |\n|---|---|---|---|\n";
        field_rows(md, o, "");
        md += "\n";
    } else {
        md += "Result schema: " + type_text(schema) + ".\n\n";
    }
}

void errors_section(std::string& md, const MethodInfo& m) {
    if (m.errors.empty()) return;
    std::string list;
    std::vector<int> refusals;
    for (int code : m.errors) {
        const ErrorInfo* e = find_error(code);
        if (e && !e->reason.empty()) {
            refusals.push_back(code);
            continue;
        }
        list += (list.empty() ? "" : ", ") + std::to_string(code) + " (" + (e ? e->message : "error") + ")";
    }
    std::string refused;
    if (refusals.size() == refusal_codes().size()) {
        refused = "any ledger refusal (1000 + n)";
    } else {
        for (int code : refusals)
            refused += (refused.empty() ? "" : ", ") + std::to_string(code) + " (`" + find_error(code)->reason + "`)";
    }
    if (!refused.empty()) list = refused + (list.empty() ? "" : ", ") + list;
    md += "Errors besides the protocol's: " + list + ".\n\n";
}

void shared_types_section(std::string& md) {
    md += "\n## Shared types\n\n";
    md += "The result schemas in `rpc.discover` (`components.schemas`) name these; objects list every field the "
          "node sends and no other.\n\n| type | schema |\n|---|---|\n";
    for (const auto& kv : schema_components()) {
        const auto& o = kv.value().as_object();
        std::string what;
        if (o.contains("properties")) {
            std::string always, optional;
            for (const auto& p : o.at("properties").as_object()) {
                std::string& list = is_required(o, p.key()) ? always : optional;
                list += (list.empty() ? "`" : ", `") + std::string(p.key()) + "`: " + type_text(p.value());
            }
            what = "object: " + always + (optional.empty() ? "" : "; when they apply: " + optional);
        } else {
            what = type_text(kv.value());
            if (const auto* pat = o.if_contains("pattern")) what += " matching `" + std::string(pat->as_string()) + "`";
        }
        if (auto d = description_of(kv.value()); !d.empty()) what += " — " + d;
        md += "| `" + std::string(kv.key()) + "` | " + table_cell(what) + " |\n";
    }
}

}  // namespace

std::string rpc_markdown() {
    std::string md;
    md += "# kopilkad JSON-RPC reference\n\n";
    md += "<!-- Generated from rpc/methods.cpp by `kopilkad rpc-doc`; tests keep this file equal to it. -->\n\n";
    md += "JSON-RPC 2.0 over HTTP (`POST /rpc`, batches allowed) and WebSocket (`/ws`, the same methods plus "
          "subscriptions). Parameters are always by name. Amounts are decimal strings with two decimals "
          "(\"12.50\"); hashes and ids are lowercase hex; signed blobs and vouchers are base64url without "
          "padding; accounts are addresses (`kop1…`) or phone references (`phone:<hex>`).\n\n";
    md += "`POST /rpc` needs the header `Content-Type: application/json` (parameters such as `; charset=utf-8` may "
          "follow; case does not matter). Without it, or with another media type, the node answers HTTP 415 "
          "Unsupported Media Type with a JSON-RPC error -32600 in the body, and runs nothing. Answers, errors "
          "included, come with HTTP 200 (204 for a request of notifications only); other statuses are about the "
          "HTTP exchange itself: 400 for a malformed HTTP request, 405 for another verb, 413 for a body over `body-bytes-max`, 431 for headers over "
          "`header-bytes-max`, 429 with `Retry-After` when rate limited (each call in the body then answers 2003), "
          "503 when the node has too many connections.\n\n";
    md += "Admin methods need `Authorization: Bearer <token>`. The token is in the `.cookie` file of the node's data "
          "dir: `kopilkad run` writes it at every start (new each time, 64 hex characters and a newline, mode 0600); "
          "the token is the file's content less that trailing newline (`$(cat .cookie)` in a shell).\n\n";
    md += "Expiries are checked against the block time when the block is built: a transaction's `expiry_s` may be "
          "at most 24 hours ahead (else `expiry_too_far`, 1004), a voucher's at most 1 day ahead (else "
          "`voucher_expiry_too_far`, 1023), and a phone attestation's at most 1 hour ahead (else `expiry_too_far`, "
          "1004: attestations have no code of their own for it; this node issues them for 10 minutes). A past "
          "expiry is `expired` (1003), `voucher_expired` (1019) or `attestation_expired` (1026).\n\n";
    md += "## Batches\n\nA batch is answered with an array holding one answer per call that has an id, in "
          "request order. A member without an id is a notification and gets no answer, but only if it is a "
          "well-formed request (`\"jsonrpc\": \"2.0\"` and a string `method`): anything else (`{\"foo\":\"boo\"}`, "
          "`1`) gets error -32600 with `\"id\": null`. A batch whose answers would pass the node's "
          "`send-queue-bytes-max` is cut short, every call still answered with its id: an answer that would pass it "
          "is replaced by -32600 \"answer not sent: this batch's answers passed N bytes; the call ran ...\", and "
          "heavy reads not yet run get -32600 \"not run: ...\" instead of running.\n\n";
    md += "## Rate and cost\n\nEach client address has a budget of requests (docs/node.md, Limits): a request "
          "costs one, a batch its length. Heavy reads (`account.history`, `venue.history`, `venue.stats`, `venue.series`, "
          "`block.raw`) cost one more for every 10 rows they read, charged after they ran, which may put the "
          "address in debt. Over its budget a call gets 2003 with \"retry in N ms\" (HTTP 429 with "
          "`Retry-After` when the whole request was refused). Heavy reads run on the node's read threads; "
          "when their queue is full they get 2003 \"the node is busy with other reads (N requests waiting); retry in a "
          "moment\".\n\n";
    md += "## Errors\n\n| code | meaning |\n|---|---|\n";
    bool refusal_row = false;
    for (const auto& e : error_table()) {
        if (!e.reason.empty()) {
            if (!refusal_row)
                md += "| 1000 + n | the ledger refused the transaction; `data.reason` names it (see below) |\n";
            refusal_row = true;
            continue;
        }
        md += "| " + std::to_string(e.code) + " | " + e.message + " |\n";
    }
    md += "\nLedger refusal reasons (code = 1000 + n):\n\n| n | reason |\n|---|---|\n";
    for (int code : refusal_codes())
        md += "| " + std::to_string(code - refusal_code_base) + " | `" + find_error(code)->reason + "` |\n";
    md += "\nEvery method may answer -32700 to -32603 and 2003; each method below lists the others it may "
          "answer, as `rpc.discover` does in its `errors`.\n";
    md += "\n## Methods\n";
    for (const auto& m : method_table()) {
        md += "\n### `" + std::string(m.name) + "`\n\n" + std::string(m.summary) + "\n\n";
        if (m.admin) md += "Admin only.\n\n";
        if (m.websocket_only) md += "WebSocket only.\n\n";
        if (m.follower_refuses) md += "A follower (`kopilkad follow`) refuses it: 2010 `follower`.\n\n";
        if (m.params.empty()) {
            md += "Params: none.\n\n";
        } else {
            md += "| param | type | required | description |\n|---|---|---|---|\n";
            for (const auto& p : m.params)
                md += "| `" + std::string(p.name) + "` | " + std::string(p.type) + " | " +
                      (p.required ? "yes" : "no") + " | " + table_cell(std::string(p.description)) + " |\n";
            md += "\n";
        }
        result_section(md, m);
        errors_section(md, m);
        md += "Example request:\n\n```json\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + std::string(m.name) +
              "\",\"params\":" + std::string(m.example_params.empty() ? "{}" : m.example_params) + "}\n```\n\n";
        md += "Example result:\n\n```json\n" + std::string(m.example_result) + "\n```\n";
    }
    shared_types_section(md);
    return md;
}

}  // namespace kopilka::rpc
