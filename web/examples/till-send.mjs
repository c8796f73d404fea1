// A till gives bonuses: signs a transfer with the library and submits it.
//
//     KOPILKA_PASSPHRASE=… node examples/till-send.mjs KEYSTORE NODE_URL TICKER TO AMOUNT [MEMO]
//
// KEYSTORE is a file from `kopilka key export NAME` (the staff member's key),
// NODE_URL e.g. http://127.0.0.1:8645, TO an address (kop1…) or a phone
// account (phone:<hex>, from phone.lookup), AMOUNT like 12.50. The key never
// leaves this process: only the signed transaction goes to the node.
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  accountFromText,
  fromHex,
  keyAccount,
  parseAmount,
  randomNonce,
  rpcClient,
  signTx,
  toHex,
} from '../lib/index.js';
import { openKeystore } from '../lib/keystore.js';

// Node 18 has WebCrypto only here; browsers and Node >= 19 as globalThis.crypto.
if (!globalThis.crypto) globalThis.crypto = webcrypto;

// The ledger refuses a transaction that expires more than 24 h ahead.
const expiry_ahead_s = 10 * 60;

const [keystoreFile, nodeUrl, ticker, to, amountText, memo = ''] = process.argv.slice(2);
if (!amountText) {
  console.error('usage: KOPILKA_PASSPHRASE=… node till-send.mjs KEYSTORE NODE_URL TICKER TO AMOUNT [MEMO]');
  process.exit(2);
}
const amount = parseAmount(amountText);
if (amount === null) {
  console.error(`'${amountText}' is not an amount: digits with at most two decimals, like 12.50`);
  process.exit(2);
}

try {
  const { seed, public_key } = await openKeystore(readFileSync(keystoreFile), process.env.KOPILKA_PASSPHRASE ?? '');
  const node = rpcClient(nodeUrl);
  const { chain_id } = await node.nodeInfo();

  const transfer = {
    kind: 'transfer',
    signer: public_key,
    nonce: randomNonce(),
    expiry_s: BigInt(Math.floor(Date.now() / 1000) + expiry_ahead_s),
    body: { ticker, from: keyAccount(public_key), to: accountFromText(to), amount, memo },
  };
  const { blob, id } = signTx(transfer, seed, fromHex(chain_id, 32));
  seed.fill(0);
  const result = await node.submitTx(blob, { wait: true });
  console.log(`sent ${amountText} ${ticker}: transaction ${toHex(id)}, block ${result.height}`);
} catch (e) {
  // KeystoreError (wrong passphrase, damaged file), RpcError (the ledger's
  // refusal: e.reason, e.g. insufficient_balance), RpcUnavailable (offline).
  console.error(`not sent: ${e.message}`);
  process.exit(1);
}
