// The signed messages.consent.set request (docs/formats.md "Signed message
// consent"), as ledger/phone.cpp consent_request_bytes and the functional
// tests' consent_params: the key a phone is bound to chooses whether a
// venue's automatic messages reach it, in the domain kopilka/messages/v1.
// Never in a block.
import { accountText, addressFromKey } from './address.js';
import { concatBytes, toHex } from './bytes.js';
import { publicKeyOf, sign } from './keys.js';
import { timeMs } from './lookup.js';

/** The longest ticker, in bytes (ledger/types.h ticker_chars_max); "" is every venue. */
export const consent_ticker_bytes_max = 10;

function phoneBytes(holder) {
  if (!holder || holder.kind !== 'phone' || !(holder.bytes instanceof Uint8Array) || holder.bytes.length !== 32)
    throw new TypeError('holder must be a phone account ({ kind: "phone", bytes: 32 bytes })');
  return holder.bytes;
}

/**
 * The signed bytes: `u64 time_ms || phone reference (32) || u8 t || ticker
 * || u8 receive`. Throws for a ticker that is not 0 to 10 ASCII letters and
 * digits, which the node could not take either.
 */
export function consentRequestBytes(holder, ticker, receive, time_ms) {
  if (typeof ticker !== 'string' || !/^[A-Z0-9]{0,10}$/.test(ticker))
    throw new RangeError(`ticker must be "" or 1 to ${consent_ticker_bytes_max} capital letters and digits`);
  if (typeof receive !== 'boolean') throw new TypeError('receive must be true or false');
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(timeMs(time_ms)));
  const name = new TextEncoder().encode(ticker);
  return concatBytes(head, phoneBytes(holder), Uint8Array.of(name.length), name, Uint8Array.of(receive ? 1 : 0));
}

/**
 * The params of messages.consent.set: `{ holder, ticker, receive, key,
 * time_ms, signature }`, signed with the phone's bound key. `time_ms` should
 * be the node's clock (node.info's time_ms): the node takes a request within
 * 300 s of it, and only one signed after the phone's last choice.
 */
export function signConsent({ holder, ticker, receive, time_ms }, seed, chainId) {
  const message = consentRequestBytes(holder, ticker, receive, time_ms);
  return {
    holder: accountText(holder),
    ticker,
    receive,
    key: addressFromKey(publicKeyOf(seed)),
    time_ms: timeMs(time_ms),
    signature: toHex(sign('messages', chainId, message, seed)),
  };
}
