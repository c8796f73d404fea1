// The signed messages.push.set request (docs/formats.md "Signed push
// subscription"), as node/messages/push_store.cpp push_request_bytes: the key
// a phone is bound to hands the node a browser's push subscription (the
// free channel for the phone's messages), or takes it back, in the domain
// kopilka/push/v1. Never in a block.
import { base64urlnopad } from '@scure/base';
import { accountText, addressFromKey } from './address.js';
import { concatBytes, toBase64url, toHex, utf8 } from './bytes.js';
import { publicKeyOf, sign } from './keys.js';
import { timeMs } from './lookup.js';

/** The longest endpoint the node keeps, in characters (all ASCII, so bytes too). */
export const push_endpoint_chars_max = 2048;
/** The browser's P-256 key: uncompressed, 0x04 || x || y. */
export const push_p256dh_bytes = 65;
/** RFC 8291's auth secret. */
export const push_auth_bytes = 16;

// Plain http only where no push service lives: a test's own listener.
const local_hosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

function phoneBytes(holder) {
  if (!holder || holder.kind !== 'phone' || !(holder.bytes instanceof Uint8Array) || holder.bytes.length !== 32)
    throw new TypeError('holder must be a phone account ({ kind: "phone", bytes: 32 bytes })');
  return holder.bytes;
}

// base64url as browsers write it: no padding, though a trailing '=' is
// forgiven (PushSubscription.toJSON never pads; older polyfills did).
function keyBytes(text, length, field) {
  if (typeof text !== 'string') throw new TypeError(`${field} must be a base64url string`);
  let bytes;
  try {
    bytes = base64urlnopad.decode(text.replace(/=+$/, ''));
  } catch {
    throw new RangeError(`${field} is not base64url`);
  }
  if (bytes.length !== length) throw new RangeError(`${field} must be ${length} bytes, not ${bytes.length}`);
  return bytes;
}

/**
 * The parts of a browser's subscription (`PushSubscription.toJSON()`:
 * `{ endpoint, expirationTime?, keys: { p256dh, auth } }`) the node signs
 * and keeps: `{ endpoint, p256dh, auth }`, the keys as bytes. Throws
 * TypeError for a wrong shape, RangeError for an endpoint that is not https
 * (or http to 127.0.0.1, [::1] or localhost, as the node allows), longer
 * than 2048 characters, not printable ASCII, with a fragment or user info,
 * a p256dh that is not an uncompressed P-256 point's 65 bytes, an auth that
 * is not 16 bytes.
 */
export function pushSubscriptionParts(subscription) {
  if (!subscription || typeof subscription !== 'object') throw new TypeError('subscription must be an object (PushSubscription.toJSON()) or null');
  const { endpoint, keys } = subscription;
  if (typeof endpoint !== 'string') throw new TypeError('subscription.endpoint must be a string');
  if (endpoint.length === 0 || endpoint.length > push_endpoint_chars_max)
    throw new RangeError(`subscription.endpoint must be 1 to ${push_endpoint_chars_max} characters, not ${endpoint.length}`);
  // A push service's URL is ASCII (URL serialisation escapes the rest), so
  // its length in characters is its length in signed bytes.
  if (!/^[\x21-\x7e]+$/.test(endpoint) || /["\\]/.test(endpoint))
    throw new RangeError('subscription.endpoint must be printable ASCII without quotes or backslashes, as a serialised URL is');
  let url;
  try {
    url = new URL(endpoint);
  } catch {
    throw new RangeError('subscription.endpoint is not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local_hosts.has(url.hostname)))
    throw new RangeError('subscription.endpoint must be https (or http to 127.0.0.1, [::1] or localhost)');
  // What the node refuses too (node/messages/webpush_vapid.cpp push_origin).
  if (endpoint.includes('#')) throw new RangeError('subscription.endpoint must have no fragment (#)');
  const authority = endpoint.slice(endpoint.indexOf('//') + 2).split(/[/?]/)[0];
  if (authority.includes('@')) throw new RangeError('subscription.endpoint must carry no user info (@)');
  if (!keys || typeof keys !== 'object') throw new TypeError('subscription.keys must be { p256dh, auth }');
  const p256dh = keyBytes(keys.p256dh, push_p256dh_bytes, 'subscription.keys.p256dh');
  if (p256dh[0] !== 0x04) throw new RangeError('subscription.keys.p256dh must be an uncompressed P-256 point (first byte 0x04)');
  const auth = keyBytes(keys.auth, push_auth_bytes, 'subscription.keys.auth');
  return { endpoint, p256dh, auth };
}

/**
 * The signed bytes: `u64 time_ms || phone reference (32) || u16 n ||
 * endpoint (n bytes) || p256dh (65) || auth (16)`, all big-endian; for no
 * subscription (null: stop push) `u64 time_ms || reference || u16 0`.
 */
export function pushRequestBytes(holder, subscription, time_ms) {
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(timeMs(time_ms)));
  const phone = phoneBytes(holder);
  if (subscription === null) return concatBytes(head, phone, new Uint8Array(2));
  const { endpoint, p256dh, auth } = pushSubscriptionParts(subscription);
  const text = utf8(endpoint);
  const length = new Uint8Array(2);
  new DataView(length.buffer).setUint16(0, text.length);
  return concatBytes(head, phone, length, text, p256dh, auth);
}

/**
 * The params of messages.push.set: `{ holder, key, time_ms, signature,
 * subscription }`, signed with the phone's bound key; `subscription` is the
 * browser's, its keys written again as canonical base64url (no padding;
 * `expirationTime` left out, which the node ignores), or null to stop push.
 * `time_ms` should be the node's clock (node.info's time_ms): the node takes
 * a request within 300 s of it, and only one signed after the phone's last
 * push choice.
 */
export function signPush({ holder, subscription, time_ms }, seed, chainId) {
  const message = pushRequestBytes(holder, subscription, time_ms);
  let sent = null;
  if (subscription !== null) {
    const { endpoint, p256dh, auth } = pushSubscriptionParts(subscription);
    sent = { endpoint, keys: { p256dh: toBase64url(p256dh), auth: toBase64url(auth) } };
  }
  return {
    holder: accountText(holder),
    key: addressFromKey(publicKeyOf(seed)),
    time_ms: timeMs(time_ms),
    signature: toHex(sign('push', chainId, message, seed)),
    subscription: sent,
  };
}
