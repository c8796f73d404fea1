// The signed messages.templates.set and messages.templates.language requests
// (docs/formats.md "Message templates"), as ledger/templates.cpp and the
// functional tests' templates params: a venue's owner words one kind of the
// venue's automatic messages in one language, or chooses the language its
// clients get, in the domain kopilka/templates/v1. Never in a block.
import { addressFromKey } from './address.js';
import { toHex, utf8 } from './bytes.js';
import { Writer } from './codec.js';
import { publicKeyOf, sign } from './keys.js';

export const templates_request_version = 1;
/** The byte after time_ms: what a request sets. */
export const templates_fields = Object.freeze({ text: 1, language: 2 });
/** The languages a venue words its messages in (node/messages/templates.h). */
export const template_languages = Object.freeze(['ru', 'en']);
/** A template's text, at most this many bytes of UTF-8 (ledger/templates.h template_text_bytes_max). */
export const template_text_bytes_max = 480;
/** A kind's name, at most this many bytes (ledger/templates.h templates_kind_bytes_max). */
export const templates_kind_bytes_max = 32;

function timeMs(value) {
  if (typeof value === 'bigint') {
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('time_ms is outside 0..2^53-1');
    return Number(value);
  }
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('time_ms must be a non-negative safe integer or a BigInt');
  return value;
}

function head(ticker, time_ms, field, language) {
  if (!template_languages.includes(language)) throw new RangeError(`language must be one of ${template_languages.join(', ')}`);
  return new Writer()
    .u8(templates_request_version)
    .ticker(ticker)
    .u64(timeMs(time_ms), 'time_ms')
    .u8(templates_fields[field])
    .raw(utf8(language));
}

/**
 * The bytes that set a template: `u8 version || ticker || u64 time_ms || u8 1
 * || language (2) || u8 k || kind || u16 n || text`. Throws for a text the
 * node could not take as bytes (over 480 bytes, control characters); whether
 * its {variables} are right is the node's to say (and the page's form).
 */
export function templatesTextBytes({ ticker, time_ms, language, kind, text }) {
  if (typeof kind !== 'string' || !/^[a-z_]+$/.test(kind) || kind.length > templates_kind_bytes_max)
    throw new RangeError(`kind must be 1 to ${templates_kind_bytes_max} letters a-z and _`);
  return head(ticker, time_ms, 'text', language).u8(kind.length).raw(utf8(kind))
    .text(text, template_text_bytes_max, 'text').bytes();
}

/** The bytes that choose the language: `u8 version || ticker || u64 time_ms || u8 2 || language (2)`. */
export function templatesLanguageBytes({ ticker, time_ms, language }) {
  return head(ticker, time_ms, 'language', language).bytes();
}

/**
 * The params of messages.templates.set: `{ ticker, language, kind, text, key,
 * time_ms, signature }`, signed with the owner's `seed`. `time_ms` should be
 * the node's clock (node.info's time_ms): the node takes a request within
 * 300 s of it, and only one signed after the last for that venue, kind and
 * language.
 */
export function signTemplateText({ ticker, time_ms, language, kind, text }, seed, chainId) {
  const message = templatesTextBytes({ ticker, time_ms, language, kind, text });
  return {
    ticker,
    language,
    kind,
    text,
    key: addressFromKey(publicKeyOf(seed)),
    time_ms: timeMs(time_ms),
    signature: toHex(sign('templates', chainId, message, seed)),
  };
}

/** The params of messages.templates.language: `{ ticker, language, key, time_ms, signature }`. */
export function signTemplateLanguage({ ticker, time_ms, language }, seed, chainId) {
  const message = templatesLanguageBytes({ ticker, time_ms, language });
  return {
    ticker,
    language,
    key: addressFromKey(publicKeyOf(seed)),
    time_ms: timeMs(time_ms),
    signature: toHex(sign('templates', chainId, message, seed)),
  };
}
