// A message template as the owner types it, before anything is signed: the
// node's own rules (node/messages/templates.cpp template_problem, in the same
// order), so the editor says what is wrong at once and in the owner's
// language, and asks the node for a preview only of a text it would take.
// `slot` is one of messages.templates.get's templates: its `variables` (what
// the kind offers) and `required` (what it must hold). Pure:
// test/app/owner-settings-templates.test.js runs it in node.
//
// A problem is `{ key, params }` (settings.templates.bad.*); `params.token`
// is a variable as the owner writes it ("{link}") and `params.tokens` the
// list of what may be used, which the page writes with Intl.ListFormat.
import { textBytes, textProblem } from '../../../lib/codec.js';
import { template_text_bytes_max } from '../../../lib/templates.js';

// A {name} is at most this long between its braces (as the node counts it).
export const template_variable_bytes_max = 32;
// How long the editor waits after a keystroke before it asks for a preview.
export const preview_delay_ms = 250;

/** A variable as a template spells it: "link" → "{link}". */
export const variableToken = (name) => `{${name}}`;

const bad = (kind, params = {}) => ({ key: `settings.templates.bad.${kind}`, params });

/**
 * The problem with `text` as a template of `slot`'s kind, or null. The empty
 * text is no problem: it means the node's own words (default_text).
 */
export function templateProblem(slot, text) {
  if (text === '') return null;
  const bytes = textBytes(text);
  if (bytes > template_text_bytes_max) return bad('too_long', { max: template_text_bytes_max, bytes });
  if (textProblem(text, template_text_bytes_max, 'text')) return bad('characters');
  const used = new Set();
  const example = variableToken(slot.required[0] ?? slot.variables[0]);
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '}') return bad('brace', { example });
    if (text[i] !== '{') continue;
    const close = text.slice(i + 1).search(/[{}]/);
    const end = close < 0 ? -1 : i + 1 + close;
    if (end < 0 || text[end] !== '}' || end === i + 1 || textBytes(text.slice(i + 1, end)) > template_variable_bytes_max)
      return bad('brace', { example });
    const name = text.slice(i + 1, end);
    if (!slot.variables.includes(name))
      return bad('unknown_variable', { token: variableToken(name), tokens: slot.variables.map(variableToken) });
    used.add(name);
    i = end;
  }
  for (const name of slot.required) if (!used.has(name)) return bad('missing_variable', { token: variableToken(name) });
  return null;
}

/**
 * What to send for the text in the editor: the node's own words are sent as
 * "" (so the venue keeps following the node's default), anything else as typed.
 */
export const textToSave = (slot, text) => (text === slot.default_text ? '' : text);

/** What the editor starts with: the venue's text, or the node's words it uses now. */
export const textShown = (slot) => (slot.text === '' ? slot.default_text : slot.text);

/**
 * A refusal of messages.templates.* as `{ key, params }`, or null when it is
 * none of theirs (the settings' shared errors apply): a `text` the node
 * would not take (invalid_params with data.reason), or a signature it did not.
 */
export function templateRefusal(error, slot, text = '') {
  const reason = error?.data?.reason;
  if (error?.code === -32602 && slot) {
    const variable = typeof error.data?.variable === 'string' ? variableToken(error.data.variable) : undefined;
    switch (reason) {
      case 'too_long':
        return bad('too_long', { max: template_text_bytes_max, bytes: textBytes(text) });
      case 'characters':
        return bad('characters');
      case 'brace':
        return bad('brace', { example: variableToken(slot.required[0] ?? slot.variables[0]) });
      case 'unknown_variable':
        return bad('unknown_variable', { token: variable, tokens: slot.variables.map(variableToken) });
      case 'missing_variable':
        return bad('missing_variable', { token: variable });
    }
  }
  if (error?.code === 2002) {
    if (reason === 'not_owner' || reason === 'signature') return { key: 'settings.error.not_owner', params: {} };
    if (reason === 'stale' || reason === 'clock') return { key: 'settings.error.clock', params: {} };
  }
  return null;
}
