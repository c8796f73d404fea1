// What a staff member is told when something is refused: every ledger
// refusal a till can meet (docs/rpc.md), the node's own errors, and the
// answers of voucher.check, each as a message key of staff/messages.js that
// says what to do next. The same refusal means different things at the two
// counters: `insufficient_balance` on a send is the staff member's own
// allowance, on a redeem the client's bonuses. Pure.
import { RpcError, RpcUnavailable } from '../../lib/rpc.js';
import { describeError, retryAfter } from '../errors.js';

// Ledger reasons whose message needs no figures, per action.
const send_keys = Object.freeze({
  not_staff: 'staff.error.not_staff',
  zero_amount: 'staff.error.zero_amount',
  self_transfer: 'staff.error.self_transfer',
  expired: 'staff.error.try_again',
  unknown_ticker: 'staff.error.not_staff',
});
// A purchase's accrual comes from the member's own allowance, as a send's
// transfer does: the send's messages (limits, balance) apply, and these.
const purchase_keys = Object.freeze({
  ...send_keys,
  no_programme: 'staff.purchase.no_programme',
  programme_version: 'staff.purchase.programme_changed',
  invalid_receipt: 'staff.purchase.invalid_receipt',
});
const redeem_keys = Object.freeze({
  not_staff: 'staff.error.not_staff',
  voucher_expired: 'staff.refusal.voucher_expired',
  voucher_used: 'staff.refusal.voucher_used',
  price_changed: 'staff.refusal.price_changed',
  unknown_product: 'staff.refusal.price_changed',
  product_inactive: 'staff.refusal.price_changed',
  voucher_not_client: 'staff.refusal.voucher_not_client',
  voucher_expiry_too_far: 'staff.refusal.voucher_bad',
  bad_signature: 'staff.refusal.voucher_bad',
  malformed: 'staff.refusal.voucher_bad',
  expired: 'staff.error.try_again',
});

/**
 * `{ key, params }` for a refusal `reason` (a ledger reason, from an RpcError
 * or from voucher.check's answer) met while doing `action` ('send', 'purchase' or
 * 'redeem'). `facts` gives the figures the message shows: `ticker`, the
 * member's `limit_per_tx`, `limit_per_day`, `given_today` and `balance`
 * (decimal strings, from venue.get and account.balances), a voucher's
 * `client_balance` and `voucher_ticker`. A reason it does not know is named.
 */
export function refusalMessage(reason, action, facts = {}) {
  const ticker = facts.ticker ?? '';
  if (action === 'send' || action === 'purchase') {
    if (reason === 'limit_per_tx' && facts.limit_per_tx)
      return { key: 'staff.error.limit_per_tx', params: { limit: facts.limit_per_tx, ticker } };
    if (reason === 'limit_per_day' && facts.limit_per_day)
      return { key: 'staff.error.limit_per_day', params: { limit: facts.limit_per_day, given: facts.given_today ?? '0.00', ticker } };
    if (reason === 'limit_per_tx' || reason === 'limit_per_day') return { key: `staff.error.${reason}_plain` };
    if (reason === 'insufficient_balance')
      return { key: 'staff.error.insufficient_balance', params: { balance: facts.balance ?? '0.00', ticker } };
    const keys = action === 'purchase' ? purchase_keys : send_keys;
    if (keys[reason]) return { key: keys[reason], params: { ticker } };
  } else {
    if (reason === 'insufficient_balance')
      return facts.client_balance
        ? { key: 'staff.refusal.client_not_enough', params: { balance: facts.client_balance, ticker } }
        : { key: 'staff.refusal.client_not_enough_plain' };
    if (reason === 'voucher_wrong_venue')
      return { key: 'staff.refusal.wrong_venue', params: { theirs: facts.voucher_ticker ?? '?', ticker } };
    if (redeem_keys[reason]) return { key: redeem_keys[reason], params: { ticker } };
  }
  return { key: 'staff.error.refused', params: { reason: String(reason) } };
}

/**
 * `{ key, params }` for an error thrown while doing `action` ('send', 'purchase',
 * 'lookup', 'redeem', 'join'): rpc.js's RpcError or RpcUnavailable, or
 * anything else. `sent` says a signed transaction may have reached the node
 * (its retry resubmits the same bytes, which the ledger takes at most once).
 */
export function staffError(error, action, facts = {}, { sent = false } = {}) {
  if (error instanceof RpcUnavailable) return { key: sent ? 'staff.error.offline_sent' : 'staff.error.offline' };
  if (error instanceof RpcError) {
    if (error.code === 2010) return describeError(error);  // a read-only follower: not a refusal of the ledger
    if (error.reason) {
      if (action === 'join') return joinRefusal(error.reason);
      return refusalMessage(error.reason, action === 'lookup' ? 'send' : action, facts);
    }
    // phone.lookup answers only a venue's owner or staff (2002).
    if (error.code === 2002 && action === 'lookup') return { key: 'staff.error.not_staff', params: { ticker: facts.ticker ?? '' } };
    if (error.code === -32602 && action === 'lookup') return { key: 'staff.error.phone_invalid' };
    if (error.code === 2003) {
      const wait = retryAfter(error.message);
      return wait.key === 'error.too_many_seconds' ? { key: 'staff.error.too_many_seconds', params: wait.params } : wait;
    }
    if (error.code === 2005) return { key: 'staff.error.node_busy' };
    if (action === 'join' && error.code === 2007) return { key: 'staff.join.error.unknown' };
    if (action === 'join' && error.code === 2008) return { key: 'staff.join.error.taken' };
  }
  return describeError(error);
}

function joinRefusal(reason) {
  if (reason === 'acceptance_expired' || reason === 'expired' || reason === 'expiry_too_far') return { key: 'staff.join.error.clock' };
  if (reason === 'owner_cannot_be_staff') return { key: 'staff.join.error.owner' };
  if (reason === 'staff_full') return { key: 'staff.join.error.full' };
  if (reason === 'unknown_ticker' || reason === 'acceptance_wrong_venue') return { key: 'staff.join.error.unknown' };
  return { key: 'staff.error.refused', params: { reason } };
}
