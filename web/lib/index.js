// Kopilka's JavaScript ledger library: everything a page or a till needs to
// build, sign and check the bytes the ledger accepts, and to talk to a node.
// One module per concern; see web/README.md for an example.
export * from './bytes.js';
export * from './codec.js';
export * from './encoding.js';
export * from './hash.js';
export * from './keys.js';
export * from './address.js';
export * from './amount.js';
export * from './chain.js';
export * from './transaction.js';
export * from './voucher.js';
export * from './lookup.js';
export * from './consent.js';
export * from './push.js';
export * from './templates.js';
export * from './invite.js';
export * from './rpc.js';
export * from './tips.js';
// keystore.js (Argon2id, 14.7 KiB) is not re-exported here, so a page that
// never imports a keystore never loads it: import('…/lib/keystore.js').
