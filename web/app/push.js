// Web push in this browser (docs/web.md "Notifications in the browser"): the
// service worker, the browser's subscription at its push service, and the
// choice this phone's key signs for the node (messages.push.set). Loaded
// with screens/push.js only, never with the page: wallet.js would
// carry lib/push.js into the cabinet's first load. The worker is registered
// only here, when the person turns push on, never on a plain visit.
import { fromBase64url } from '../lib/bytes.js';
import { accountFromText } from '../lib/address.js';
import { pushSubscriptionParts, push_p256dh_bytes, signPush } from '../lib/push.js';

/** The service worker's URL: the root, so its scope covers / and /c/<ref> (pages.mjs `workers`). */
export const sw_path = '/sw.js';
export const sw_scope = '/';
// How long the browser may take to start the worker and to subscribe
// before the page says it could not: a push service the browser cannot
// reach may never answer, and the button must not spin for ever.
export const push_subscribe_wait_ms = 20_000;

/** Why turning push on stopped in the browser: `reason` 'denied', 'dismissed' or 'failed' (with `cause`). */
export class PushNotOn extends Error {
  constructor(reason, cause) {
    super(`web push is not on in this browser: ${reason}`, { cause });
    this.name = 'PushNotOn';
    this.reason = reason;
  }
}

function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function sameBytes(a, b) {
  if (!a || !b) return false;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * This phone's key hands the node the browser's push subscription
 * (`PushSubscription.toJSON()`), or null to stop push, signed at the node's
 * time: `{ subscribed, time_ms }`.
 */
export async function choosePush(node, seed, account, subscription) {
  const { time_ms } = await node.client.nodeInfo();
  return node.client.messagesPushSet(signPush({ holder: accountFromText(account), subscription, time_ms }, seed, node.chainId));
}

/** This browser's subscription under the cabinet's worker, or null; registers nothing. */
export async function browserSubscription() {
  const registration = await navigator.serviceWorker.getRegistration(sw_scope);
  return registration ? registration.pushManager.getSubscription() : null;
}

/**
 * Turns push on for `account`: the browser's permission, the service worker,
 * a subscription to the node's VAPID key (`publicKey`, messages.push.key's
 * base64url), and the signed choice. Throws PushNotOn when the browser says
 * no or cannot subscribe (nothing was set on the node), an RpcError or
 * RpcUnavailable when the node does not take it (the browser's subscription
 * is then dropped again: it would wait for messages that never come).
 */
export async function turnOnPush(node, seed, account, publicKey) {
  const permission = await Notification.requestPermission();
  if (permission === 'denied') throw new PushNotOn('denied');
  if (permission !== 'granted') throw new PushNotOn('dismissed');
  let subscription;
  try {
    const key = fromBase64url(publicKey, 'messages.push.key public_key');
    if (key.length !== push_p256dh_bytes || key[0] !== 0x04) throw new RangeError('the node’s push key is not an uncompressed P-256 point');
    await navigator.serviceWorker.register(sw_path, { scope: sw_scope });
    const registration = await within(navigator.serviceWorker.ready, push_subscribe_wait_ms, 'starting the service worker');
    // A subscription to another key (the node's key changed) cannot be reused.
    const old = await registration.pushManager.getSubscription();
    if (old && !sameBytes(old.options.applicationServerKey, key)) await old.unsubscribe();
    subscription = await within(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
      push_subscribe_wait_ms,
      'subscribing at the push service',
    );
    // One the node would refuse is this browser's failure, not the node's.
    pushSubscriptionParts(subscription.toJSON());
  } catch (e) {
    await subscription?.unsubscribe().catch(() => {});
    throw new PushNotOn('failed', e);
  }
  try {
    return await choosePush(node, seed, account, subscription.toJSON());
  } catch (e) {
    await subscription.unsubscribe().catch(() => {});
    throw e;
  }
}

/**
 * Stops push for `account`: the node first (its record decides between push
 * and SMS), then this browser's subscription, if it has one. When the node
 * cannot be told, the browser keeps its subscription, so the page and the
 * node still agree.
 */
export async function turnOffPush(node, seed, account) {
  const answer = await choosePush(node, seed, account, null);
  const subscription = await browserSubscription().catch(() => null);
  await subscription?.unsubscribe().catch(() => {});
  return answer;
}
