// Staff invites (docs/formats.md "Invite open", docs/rpc.md invite.*), as
// ledger/invite.cpp and node/invite_handlers.cpp: the owner's page makes a
// random secret, opens the invite on the node by its id (the hash of the
// secret, signed by the owner in the domain kopilka/invite-open/v1) and shows
// a link whose fragment carries the secret, so no server ever sees it in a
// URL. The staff member's page reads the fragment, makes its key and leaves
// its signed acceptance with invite.accept; the owner's page reads it with
// invite.get and completes staff_add. Pure: no network, no storage.
import { randomBytes } from '@noble/hashes/utils.js';
import { addressFromKey } from './address.js';
import { checkBytes, fromBase64url, toBase64url, toHex } from './bytes.js';
import { Writer, validTicker } from './codec.js';
import { decodeStaffAcceptance, encodeStaffAcceptance } from './encoding.js';
import { blake2b256 } from './hash.js';
import { publicKeyOf, sign } from './keys.js';
import { signStaffAcceptance } from './transaction.js';

export const invite_open_version = 1;
/** The secret's length in bytes (ledger/invite.h invite_secret_bytes). */
export const invite_secret_bytes = 16;
/** The id's length in bytes: the first 16 of BLAKE2b-256(secret). */
export const invite_id_bytes = 16;
/** How far past the node's clock an invite's expiry may be (node/invites.h). */
export const invite_expiry_ahead_s_max = 86_400;
/** The fragment's key: `#join=<base64url(secret)>.<TICKER>`. */
export const invite_fragment_key = 'join';

/** The invite's id for `secret` (16 bytes): 32 lowercase hex. */
export function inviteId(secret) {
  return toHex(blake2b256(checkBytes(secret, invite_secret_bytes, 'invite secret')).subarray(0, invite_id_bytes));
}

/** A new invite: `{ secret, id }`, the secret from the platform's CSPRNG. */
export function newInvite() {
  const secret = randomBytes(invite_secret_bytes);
  return { secret, id: inviteId(secret) };
}

/** The link the owner shows: `<origin>/s#join=<base64url(secret)>.<TICKER>`. */
export function inviteLink(origin, secret, ticker) {
  if (typeof origin !== 'string' || !/^https?:\/\/[^/#?]+$/.test(origin))
    throw new RangeError('origin must be like https://host:port, with no path');
  if (!validTicker(ticker)) throw new RangeError('ticker must be 3-10 characters of A-Z and 0-9');
  const text = toBase64url(checkBytes(secret, invite_secret_bytes, 'invite secret'));
  return `${origin}/s#${invite_fragment_key}=${text}.${ticker}`;
}

/**
 * `{ secret, ticker }` from a page's location.hash (`#join=…` or `join=…`).
 * Throws a RangeError a page can show when the link is cut short or mistyped.
 */
export function parseInviteFragment(hash) {
  const text = String(hash ?? '').replace(/^#/, '');
  const prefix = `${invite_fragment_key}=`;
  if (!text.startsWith(prefix)) throw new RangeError('this is not an invite link: it has no #join= part');
  const [secretText, ticker, ...rest] = text.slice(prefix.length).split('.');
  if (ticker === undefined || rest.length > 0 || !validTicker(ticker))
    throw new RangeError('the invite link is damaged: it does not end with .TICKER; open the whole link again');
  let secret;
  try {
    secret = fromBase64url(secretText, 'invite secret');
  } catch {
    throw new RangeError('the invite link is damaged: its secret is not base64url; open the whole link again');
  }
  if (secret.length !== invite_secret_bytes)
    throw new RangeError('the invite link is damaged: its secret is cut short; open the whole link again');
  return { secret, ticker };
}

// invite.open's expiry_s is a JSON integer: at most 2^53 - 1.
function expiryOf(value) {
  const v = typeof value === 'bigint' ? value : BigInt(value);
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('expiry_s is outside 0..2^53-1');
  return v;
}

/** The bytes the owner signs: `u8 version || ticker (1+t) || id (16) || u64 expiry_s`. */
export function inviteOpenBytes(ticker, id, expiry_s) {
  const idBytes = typeof id === 'string' ? idFromHex(id) : checkBytes(id, invite_id_bytes, 'invite id');
  return new Writer().u8(invite_open_version).ticker(ticker).raw(idBytes, invite_id_bytes, 'invite id')
    .u64(expiry_s, 'expiry_s').bytes();
}

function idFromHex(id) {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new RangeError('invite id must be 32 lowercase hex characters');
  const out = new Uint8Array(invite_id_bytes);
  for (let i = 0; i < invite_id_bytes; i++) out[i] = parseInt(id.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** invite.open's params, signed by the owner's `seed` for `chainId`. */
export function signInviteOpen({ chainId, ticker, id, expiry_s, seed }) {
  const expiry = expiryOf(expiry_s);
  const signature = sign('invite_open', chainId, inviteOpenBytes(ticker, id, expiry), seed);
  return { ticker, id, expiry_s: Number(expiry), signer: addressFromKey(publicKeyOf(seed)), signature: toHex(signature) };
}

/** An acceptance object (signStaffAcceptance's) as the base64url line `kopilka staff accept` prints. */
export function acceptanceText(acceptance) {
  return toBase64url(encodeStaffAcceptance(acceptance));
}

/** The acceptance object of such a line (strict: throws on anything else). */
export function readAcceptance(text) {
  return decodeStaffAcceptance(fromBase64url(text, 'acceptance'));
}

/**
 * `seed`'s consent to join `ticker` until `expiry_s`, for invite.accept: the
 * base64url line, byte for byte what `kopilka staff accept` prints.
 */
export function signAcceptance({ chainId, ticker, expiry_s, seed }) {
  return acceptanceText(signStaffAcceptance({ ticker, expiry_s: expiryOf(expiry_s) }, seed, chainId));
}
