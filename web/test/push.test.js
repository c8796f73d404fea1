// The signed messages.push.set request (lib/push.js) against the C++ side's
// golden vectors (tests/vectors/push_request.json, written by the node's
// own push_request_bytes and signer), and the strict checks that keep the
// page from signing a subscription the node would refuse.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  accountFromText,
  addressFromKey,
  fromHex,
  publicKeyOf,
  pushRequestBytes,
  pushSubscriptionParts,
  push_endpoint_chars_max,
  signPush,
  toBase64url,
  toHex,
  verify,
} from '../lib/index.js';
import './webcrypto.js';

const vector_file = new URL('../../tests/vectors/push_request.json', import.meta.url);

test('every vector: the same bytes and the same signature as the node', () => {
  const vectors = JSON.parse(readFileSync(vector_file, 'utf8'));
  assert.ok(vectors.cases.length > 0, 'the vector file has cases');
  assert.ok(vectors.cases.some((c) => c.subscription === null), 'a stop is among them');
  assert.ok(vectors.cases.some((c) => c.subscription !== null), 'a subscription is among them');
  for (const c of vectors.cases) {
    const label = `${c.holder} at ${c.time_ms}${c.subscription ? ` to ${c.subscription.endpoint.slice(0, 40)}` : ' (stop)'}`;
    const holder = accountFromText(c.holder);
    const chainId = fromHex(c.chain_id, 32);
    const seed = fromHex(c.seed, 32);
    assert.equal(toHex(pushRequestBytes(holder, c.subscription, c.time_ms)), c.bytes, label);
    const params = signPush({ holder, subscription: c.subscription, time_ms: c.time_ms }, seed, chainId);
    assert.equal(params.signature, c.signature, label);
    assert.equal(params.holder, c.holder);
    if (c.key) assert.equal(toHex(publicKeyOf(seed)), c.key, 'the seed key');
    assert.equal(params.key, addressFromKey(publicKeyOf(seed)));
    assert.equal(params.time_ms, Number(c.time_ms));
    assert.ok(verify('push', chainId, fromHex(c.bytes), fromHex(c.signature, 64), publicKeyOf(seed)), label);
    assert.equal(verify('messages', chainId, fromHex(c.bytes), fromHex(c.signature, 64), publicKeyOf(seed)), false, 'domains are separate');
    if (c.subscription === null) assert.equal(params.subscription, null);
    else {
      assert.equal(params.subscription.endpoint, c.subscription.endpoint);
      assert.deepEqual(Object.keys(params.subscription.keys), ['p256dh', 'auth']);
    }
  }
});

const holder = accountFromText(`phone:${'ab'.repeat(32)}`);
const p256dh = new Uint8Array(65).fill(7);
p256dh[0] = 4;
const auth = new Uint8Array(16).fill(9);
const subscription = (endpoint, keys = {}) => ({
  endpoint,
  expirationTime: null,
  keys: { p256dh: toBase64url(p256dh), auth: toBase64url(auth), ...keys },
});

test('the layout: u64 time, the reference, u16 length, the endpoint, then the two keys raw; a stop ends at a zero length', () => {
  const endpoint = 'https://push.example/send/abc';
  const bytes = pushRequestBytes(holder, subscription(endpoint), 1790000000000);
  assert.equal(bytes.length, 8 + 32 + 2 + endpoint.length + 65 + 16);
  assert.equal(toHex(bytes.subarray(0, 8)), '000001a0c4506c00');
  assert.deepEqual(bytes.subarray(8, 40), holder.bytes);
  assert.equal(toHex(bytes.subarray(40, 42)), endpoint.length.toString(16).padStart(4, '0'));
  assert.equal(new TextDecoder().decode(bytes.subarray(42, 42 + endpoint.length)), endpoint);
  assert.deepEqual(bytes.subarray(42 + endpoint.length, 42 + endpoint.length + 65), p256dh);
  assert.deepEqual(bytes.subarray(-16), auth);
  assert.equal(toHex(pushRequestBytes(holder, null, 1790000000000n)), '000001a0c4506c00' + 'ab'.repeat(32) + '0000');
});

test('the params carry the keys as canonical base64url, padding and expirationTime dropped', () => {
  const seed = new Uint8Array(32).fill(1);
  const padded = subscription('https://push.example/x', { p256dh: `${toBase64url(p256dh)}=`, auth: `${toBase64url(auth)}==` });
  const params = signPush({ holder, subscription: padded, time_ms: 5n }, seed, new Uint8Array(32));
  assert.deepEqual(Object.keys(params), ['holder', 'key', 'time_ms', 'signature', 'subscription']);
  assert.deepEqual(params.subscription, { endpoint: 'https://push.example/x', keys: { p256dh: toBase64url(p256dh), auth: toBase64url(auth) } });
  assert.equal(params.time_ms, 5);
  assert.deepEqual(pushRequestBytes(holder, padded, 5), pushRequestBytes(holder, subscription('https://push.example/x'), 5));
});

test('a subscription the node would refuse is never signed', () => {
  const ok = 'https://push.example/';
  for (const endpoint of ['http://127.0.0.1:8080/push', 'http://localhost/p', 'http://[::1]:9/p', `https://p.example/${'a'.repeat(push_endpoint_chars_max - 18)}`])
    assert.doesNotThrow(() => pushSubscriptionParts(subscription(endpoint)), endpoint);
  const refused = [
    [subscription('http://push.example/'), RangeError, /https/],
    [subscription('http://10.0.0.1/'), RangeError, /https/],
    [subscription('ftp://push.example/'), RangeError, /https/],
    [subscription(`https://p.example/${'a'.repeat(push_endpoint_chars_max - 17)}`), RangeError, /2048/],
    [subscription(''), RangeError, /1 to 2048/],
    [subscription('https://push.example/ä'), RangeError, /ASCII/],
    [subscription('https://push.example/a b'), RangeError, /ASCII/],
    [subscription('not a url'), RangeError, /ASCII|URL/],
    [subscription('https://push.example/"x"'), RangeError, /quotes/],
    [subscription('https://push.example/a#b'), RangeError, /fragment/],
    [subscription('https://user:pw@push.example/a'), RangeError, /user info/],
    [subscription('https:'), RangeError, /URL/],
    [subscription(ok, { p256dh: toBase64url(p256dh.subarray(0, 64)) }), RangeError, /65 bytes/],
    [subscription(ok, { p256dh: toBase64url(Uint8Array.of(2, ...p256dh.subarray(1))) }), RangeError, /0x04/],
    [subscription(ok, { p256dh: 'a+b/' }), RangeError, /base64url/],
    [subscription(ok, { auth: toBase64url(new Uint8Array(15)) }), RangeError, /16 bytes/],
    [subscription(ok, { auth: 16 }), TypeError, /auth/],
    [{ endpoint: ok }, TypeError, /keys/],
    [{ endpoint: 7, keys: {} }, TypeError, /endpoint/],
    [undefined, TypeError, /null/],
  ];
  for (const [s, type, words] of refused) {
    assert.throws(() => pushRequestBytes(holder, s, 0), (e) => e instanceof type && words.test(e.message), JSON.stringify(s)?.slice(0, 80));
    assert.throws(() => signPush({ holder, subscription: s, time_ms: 0 }, new Uint8Array(32), new Uint8Array(32)), type);
  }
  assert.throws(() => pushRequestBytes({ kind: 'key', bytes: new Uint8Array(32) }, null, 0), TypeError);
  assert.throws(() => pushRequestBytes(holder, null, -1), RangeError);
});
