// What the launch wizard checks and builds, with no network and no page:
// the owner's typing turned into the profile venue_create carries (each
// field checked as ledger/types.cpp check_profile would, but said as what to
// do), the three rewards (product_upsert bodies, prices as BigInt units),
// the logo's upload answer, and the transactions the wizard signs. Pure, so
// owner-wizard.test.js checks every rule without a browser.
import { keyAccount } from '../../../lib/address.js';
import { parseAmount } from '../../../lib/amount.js';
import { textProblem, validTicker } from '../../../lib/codec.js';
import {
  contact_phone_bytes_max,
  lat_e7_max,
  lon_e7_max,
  opening_hours_bytes_max,
  product_name_bytes_max,
  profileProblem,
  street_address_bytes_max,
  url_bytes_max,
  venue_links_count_max,
  venue_name_bytes_max,
} from '../../../lib/encoding.js';

/** How many rewards the wizard asks for (the catalogue can grow later, in settings). */
export const wizard_rewards_count = 3;
/** How many staff invites the wizard shows at most (a venue holds 32 open invites on a node). */
export const wizard_invites_max = 5;
/** The largest logo POST /media takes (docs/node.md "Media": media_upload_bytes_max). */
export const logo_bytes_max = 262_144;
/** The types POST /media takes. */
export const logo_types = Object.freeze(['image/png', 'image/jpeg', 'image/webp']);
/** A new passphrase's least length, in characters: the keystore is the only copy of the owner's key. */
export const passphrase_chars_min = 10;
/** Decimal places of a map point as typed (1e-7 degrees: the ledger's lat_e7). */
const geo_decimals = 7;
/** Memo of the treasury's transfer to a new member, as `kopilka fund`'s default. */
export const allowance_memo = 'allowance';

const err = (key, params) => (params ? { key, params } : { key });

/** A blank profile form: every field as typed text. */
export const emptyProfile = () => ({ name: '', logo_url: '', street_address: '', lat: '', lon: '', phone: '', links: '', hours: '' });

/** Degrees as typed ("55.7558", "-0.1") → integer 1e-7 degrees, exactly (no float), or null. */
export function degreesE7(text) {
  const m = /^(-?)([0-9]{1,3})(?:[.,]([0-9]{1,7}))?$/.exec(String(text).trim());
  if (!m) return null;
  const v = Number(m[2]) * 10 ** geo_decimals + Number((m[3] ?? '').padEnd(geo_decimals, '0'));
  return m[1] === '-' ? -v : v;
}

function textField(errors, name, value, max, key) {
  if (textProblem(value, max, name)) errors[name] = err(key, { max });
}

/** The links as typed: one a line, blank lines dropped. */
export const linksOf = (text) =>
  String(text)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * `{ profile, errors }`: the profile venue_create carries, or, for each field
 * that cannot be in it, the message (`{ key, params }`) saying what to type.
 */
export function checkProfile(form) {
  const errors = {};
  const name = form.name.trim();
  if (name === '') errors.name = err('owner.wizard.error.name_empty');
  else textField(errors, 'name', name, venue_name_bytes_max, 'owner.wizard.error.too_long');
  textField(errors, 'street_address', form.street_address.trim(), street_address_bytes_max, 'owner.wizard.error.too_long');
  textField(errors, 'phone', form.phone.trim(), contact_phone_bytes_max, 'owner.wizard.error.too_long');
  textField(errors, 'hours', form.hours.trim(), opening_hours_bytes_max, 'owner.wizard.error.too_long');
  const links = linksOf(form.links);
  if (links.length > venue_links_count_max) errors.links = err('owner.wizard.error.links_many', { max: venue_links_count_max });
  else if (links.some((l) => !/^https?:\/\/[^\s/]+/.test(l) || textProblem(l, url_bytes_max, 'link')))
    errors.links = err('owner.wizard.error.link_bad', { max: url_bytes_max });
  let geo = null;
  const lat = form.lat.trim();
  const lon = form.lon.trim();
  if (lat !== '' || lon !== '') {
    const latE7 = degreesE7(lat);
    const lonE7 = degreesE7(lon);
    if (latE7 === null || Math.abs(latE7) > lat_e7_max) errors.lat = err('owner.wizard.error.lat');
    if (lonE7 === null || Math.abs(lonE7) > lon_e7_max) errors.lon = err('owner.wizard.error.lon');
    if (!errors.lat && !errors.lon) geo = { lat_e7: latE7, lon_e7: lonE7 };
  }
  if (Object.keys(errors).length) return { profile: null, errors };
  const profile = { name, logo_url: form.logo_url, street_address: form.street_address.trim(), geo, phone: form.phone.trim(), links, hours: form.hours.trim() };
  // Whatever passed the form passes the ledger's own check (encoding.js).
  const why = profileProblem(profile);
  if (why) return { profile: null, errors: { name: err('owner.wizard.error.profile', { why }) } };
  return { profile, errors };
}

/** The ticker as typed, made what the ledger takes: capitals, no spaces. */
export const normalTicker = (text) => String(text).trim().toUpperCase();

/** null when `ticker` may be a coin's name, else the message saying what to type. */
export function tickerProblem(ticker) {
  return validTicker(ticker) ? null : err('owner.wizard.error.ticker_form');
}

/** Blank reward rows. */
export const emptyRewards = () => Array.from({ length: wizard_rewards_count }, () => ({ name: '', price: '' }));

/**
 * `{ products, errors }`: the catalogue (ids 1..3, prices in BigInt units)
 * or, per row, `{ name?, price? }` messages. Prices must differ, so the
 * client sees a ladder of rewards rather than three of one price.
 */
export function checkRewards(rows) {
  const errors = rows.map(() => ({}));
  const prices = rows.map((r) => parseAmount(r.price.trim().replace(',', '.')));
  rows.forEach((r, i) => {
    const name = r.name.trim();
    if (name === '') errors[i].name = err('owner.wizard.error.reward_name');
    else if (textProblem(name, product_name_bytes_max, 'product name')) errors[i].name = err('owner.wizard.error.too_long', { max: product_name_bytes_max });
    if (prices[i] === null || prices[i] === 0n) errors[i].price = err('owner.wizard.error.price');
    else if (prices.findIndex((p) => p === prices[i]) !== i) errors[i].price = err('owner.wizard.error.price_same');
  });
  if (errors.some((e) => Object.keys(e).length)) return { products: null, errors };
  const products = rows.map((r, i) => ({ id: i + 1, name: r.name.trim(), price: prices[i], category: '', image_url: '', active: true }));
  return { products, errors };
}

/** null when the two typings may seal the backup, else what to do. */
export function passphraseProblem(first, second) {
  if (first.length < passphrase_chars_min) return err('owner.wizard.error.passphrase_short', { min: passphrase_chars_min });
  if (first !== second) return err('owner.wizard.error.passphrase_differ');
  return null;
}

/** The backup's file name: the venue's coin and whose key it is. */
export const backupFileName = (ticker) => `kopilka-${ticker}-owner.json`;

/** A logo file the page will not send, said before the upload: `{ key, params }` or null. */
export function logoProblem(file) {
  if (!logo_types.includes(file.type)) return err('owner.wizard.error.logo_type');
  if (file.size > logo_bytes_max) return err('owner.wizard.error.logo_big', { max_kib: logo_bytes_max / 1024 });
  return null;
}

// POST /media's refusal codes (docs/node.md "Media") → what the owner does.
const media_error_keys = Object.freeze({
  wrong_type: 'owner.wizard.error.logo_type',
  too_large: 'owner.wizard.error.logo_big',
  unreadable: 'owner.wizard.error.logo_unreadable',
  too_big_dimensions: 'owner.wizard.error.logo_sides',
  rate_limited: 'owner.wizard.error.logo_later',
  busy: 'owner.wizard.error.logo_later',
  unavailable: 'owner.wizard.error.logo_later',
  store_full: 'owner.wizard.error.logo_full',
});

/** The message for POST /media's answer: `(status, body JSON or null)` → `{ key, params }`. */
export function mediaError(status, body) {
  const code = body?.error?.code;
  const key = media_error_keys[code] ?? (status === 413 ? media_error_keys.too_large : 'owner.wizard.error.logo_failed');
  return key === 'owner.wizard.error.logo_big' ? err(key, { max_kib: logo_bytes_max / 1024 }) : err(key);
}

/** The bodies the owner signs to launch, in order: the venue, then each reward. */
export function launchBodies(ticker, profile, products) {
  return [
    { kind: 'venue_create', body: { ticker, profile } },
    ...products.map((product) => ({ kind: 'product_upsert', body: { ticker, product } })),
  ];
}

/** staff_add of an acceptance (readAcceptance's), then the treasury's transfer of `allowance` units. */
export function joinBodies(ticker, ownerKey, acceptance, role, allowance) {
  return [
    { kind: 'staff_add', body: { ticker, role, limits: { per_tx: null, per_day: null }, acceptance } },
    { kind: 'transfer', body: { ticker, from: keyAccount(ownerKey), to: keyAccount(acceptance.staff), amount: allowance, memo: allowance_memo } },
  ];
}
