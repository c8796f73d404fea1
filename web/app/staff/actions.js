// What the staff member's key signs, in the browser: the consent to join
// (invite.accept), signed phone lookups, transfers from their own balance and
// redemptions of a client's voucher. Only signatures and public keys leave;
// the seed stays in the page's memory and IndexedDB. `node` is
// connection.js's: its client, chain id and clock.
import { accountFromText, accountText, addressFromKey, keyAccount, keyFromAddress } from '../../lib/address.js';
import { generateSeed, publicKeyOf, randomNonce } from '../../lib/keys.js';
import { inviteId, signAcceptance } from '../../lib/invite.js';
import { signLookup } from '../../lib/lookup.js';
import { signTx } from '../../lib/transaction.js';
import { decodeVoucherQr } from '../../lib/voucher.js';

// A transaction is good for ten minutes of the node's clock: enough for a
// slow network, far inside the ledger's 24 hours (the cabinet's figure).
export const tx_life_s = 600n;
// The consent to join lives twelve hours: the owner may confirm later in the
// day; the ledger allows at most 24 (staff_acceptance_expiry_ahead_s_max).
export const acceptance_life_s = 43_200n;

/** A fresh key for `ticker`: the record store.js keeps, less the acceptance. */
export function newStaffKey(node, ticker, secret) {
  const seed = generateSeed();
  return {
    chain_id: node.chainIdHex,
    ticker,
    seed,
    address: addressFromKey(publicKeyOf(seed)),
    invite_id: inviteId(secret),
    joined: false,
    created_ms: Date.now(),
  };
}

/** The key's signed consent to join its venue, as `kopilka staff accept` prints it. */
export function consentOf(node, key) {
  return signAcceptance({ chainId: node.chainId, ticker: key.ticker, expiry_s: node.nowS() + acceptance_life_s, seed: key.seed });
}

/** invite.accept: the secret from the link's fragment and the key's consent. */
export function acceptInvite(node, secret, acceptance) {
  return node.client.inviteAccept(secret, acceptance);
}

/** The venue and this key's place in it: `{ venue, me (staff[] entry or null), balance (decimal) }`. */
export async function tillState(node, key) {
  const [venue, balances] = await Promise.all([
    node.client.call('venue.get', { ticker: key.ticker }),
    node.client.accountBalances(key.address),
  ]);
  const me = venue.staff.find((s) => s.address === key.address) ?? null;
  const balance = balances.balances.find((b) => b.ticker === key.ticker)?.balance ?? '0.00';
  return { venue, me, balance };
}

/** The client's account for a phone as typed: a phone.lookup this key signs, `{ e164, account, claimed }`. */
export async function lookupClient(node, key, phone) {
  return node.client.phoneLookup(signLookup({ phone, time_ms: node.nowMs() }, key.seed, node.chainId));
}

/** Signs a transaction of this key: `{ blob, id }`, submitted by submitSigned (again, on a retry: same bytes). */
export function signStaffTx(node, key, kind, body) {
  const tx = { kind, signer: publicKeyOf(key.seed), nonce: randomNonce(), expiry_s: node.nowS() + tx_life_s, body };
  return signTx(tx, key.seed, node.chainId);
}

/** A transfer of `amount` (BigInt units) from the key's own balance to `to` (account text). */
export function signTransfer(node, key, { to, amount, memo }) {
  return signStaffTx(node, key, 'transfer', {
    ticker: key.ticker,
    from: keyAccount(publicKeyOf(key.seed)),
    to: accountFromText(to),
    amount,
    memo,
  });
}

/** tx.submit with wait: the committed answer, or the ledger's refusal as an RpcError. */
export function submitSigned(node, signed) {
  return node.client.submitTx(signed.blob, { wait: true });
}

/**
 * Submits a signed transaction a confirmation screen holds: `keep(tx)` holds
 * it, so "Retry" after a lost answer sends the same bytes (the ledger takes
 * them at most once); a refusal is final for them (`keep(null)`). Resolves
 * to null once committed, else to `describe(error, fresh)` — the message for
 * the error, with the till's figures `refresh()` read again after it.
 */
export async function submitKept(node, tx, { keep, refresh, describe }) {
  keep(tx);
  try {
    await submitSigned(node, tx);
    refresh();
    return null;
  } catch (e) {
    const fresh = await refresh();
    if (e?.name !== 'RpcUnavailable') keep(null);
    return describe(e, fresh);
  }
}

export class UnclaimedPhone extends Error {
  constructor() {
    super("the client's phone has not been claimed by any key");
    this.name = 'UnclaimedPhone';
  }
}

/**
 * The voucher of a QR text, whole: for a phone client the key bound to the
 * phone (account.balances' `key`) is its signer, as `kopilka redeem` does.
 * Throws VoucherQrError for a damaged text, UnclaimedPhone when no key holds the phone.
 */
export async function readVoucher(node, text) {
  const { form, voucher } = decodeVoucherQr(text);
  if (form === 'phone') {
    const holder = await node.client.accountBalances(accountText(voucher.client));
    if (!holder.key) throw new UnclaimedPhone();
    voucher.signer = keyFromAddress(holder.key);
  }
  return voucher;
}

/** The voucher client's balance at its coin now (decimal), from account.balances. */
export async function clientBalance(node, voucher) {
  const answer = await node.client.accountBalances(accountText(voucher.client));
  return answer.balances.find((b) => b.ticker === voucher.ticker)?.balance ?? '0.00';
}

/** voucher.check at this key's venue: `{ ok, reason?, product?, client_balance?, price, expiry_s, … }`. */
export function checkVoucher(node, key, voucher) {
  return node.client.voucherCheck(voucher, key.ticker);
}

/** The redeem transaction carrying the client's voucher, signed by this key. */
export function signRedeem(node, key, voucher) {
  return signStaffTx(node, key, 'redeem', { ticker: key.ticker, voucher });
}

/** The figures a refusal's message quotes (refusals.js `facts`), from tillState's answer. */
export function factsOf(ticker, state) {
  return {
    ticker,
    balance: state?.balance ?? '0.00',
    limit_per_tx: state?.me?.limit_per_tx ?? null,
    limit_per_day: state?.me?.limit_per_day ?? null,
    given_today: state?.me?.given_today ?? '0.00',
  };
}
