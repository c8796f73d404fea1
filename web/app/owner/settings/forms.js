// The settings' forms, before anything is signed: what the owner typed
// becomes a profile, a product, staff limits or an amount, or a problem per
// field that names the field and says what to type instead. The limits are
// the ledger's (lib/encoding.js, docs/formats.md); every text is counted in
// bytes of UTF-8, as the chain counts it. Amounts are BigInt minor units,
// never floats. Pure: test/app/owner-settings-forms.test.js runs it in node.
//
// A problem is `{ key, params }` with `params.field` a message key of the
// field's label (settings.field.*): the page translates both, so the message
// names the field in the page's language.
import { parseAmount, formatAmount } from '../../../lib/amount.js';
import { textBytes, textProblem } from '../../../lib/codec.js';
import {
  coin_supply_units,
  contact_phone_bytes_max,
  product_category_bytes_max,
  lat_e7_max,
  lon_e7_max,
  opening_hours_bytes_max,
  product_name_bytes_max,
  street_address_bytes_max,
  url_bytes_max,
  venue_links_count_max,
  venue_name_bytes_max,
} from '../../../lib/encoding.js';

// Degrees × 10^7 is how the chain keeps a map point: seven decimals (about 1 cm).
export const geo_decimals_max = 7;
const e7_per_degree = 10_000_000;
// Links must be web addresses a phone can open (the cabinet shows only these as links).
const link_pattern = /^https?:\/\/[^\s/]+/i;

/** A problem naming `field` (a settings.field.* key). */
const problem = (field, kind, params = {}) => ({ key: `settings.bad.${kind}`, params: { field: `settings.field.${field}`, ...params } });

/** A text field's problem, or null: too long (in bytes), or holding control or hidden characters. */
export function textFieldProblem(field, text, maxBytes, { required = false } = {}) {
  if (required && text.trim() === '') return problem(field, 'required');
  const bytes = textBytes(text);
  if (bytes > maxBytes) return problem(field, 'too_long', { max: maxBytes, bytes });
  if (textProblem(text, maxBytes, field)) return problem(field, 'characters');
  return null;
}

/**
 * Degrees as typed ("55.7558", "-0,5", "37") → degrees × 10^7 as an integer,
 * or null when it is not such a number. Exact: no float touches the digits.
 */
export function degreesE7(text) {
  const m = /^(-)?([0-9]{1,3})(?:[.,]([0-9]{1,7}))?$/.exec(text.trim());
  if (!m) return null;
  const whole = Number(m[2]) * e7_per_degree + Number((m[3] ?? '').padEnd(geo_decimals_max, '0'));
  return m[1] && whole !== 0 ? -whole : whole;
}

/** Degrees × 10^7 as the form shows them: "55.7558000" → "55.7558", exact. */
export function degreesForm(e7) {
  const sign = e7 < 0 ? '-' : '';
  const abs = Math.abs(e7);
  const frac = String(abs % e7_per_degree).padStart(geo_decimals_max, '0').replace(/0+$/, '');
  return `${sign}${Math.floor(abs / e7_per_degree)}${frac ? `.${frac}` : ''}`;
}

/** The profile form's fields (all strings) from a venue.get profile. */
export function profileForm(p) {
  return {
    name: p.name,
    logo_url: p.logo_url,
    address: p.address,
    lat: p.geo ? degreesForm(p.geo.lat_e7) : '',
    lon: p.geo ? degreesForm(p.geo.lon_e7) : '',
    phone: p.phone,
    links: p.links.join('\n'),
    hours: p.hours,
  };
}

/**
 * The profile form → `{ profile, problems }`: `profile` is the encoder's
 * (street_address, geo as e7) when `problems` (field → problem) is empty,
 * else null. Texts are trimmed at the ends; links are one per line, blank
 * lines skipped.
 */
export function profileFromForm(form) {
  const problems = {};
  const name = form.name.trim();
  const logo_url = form.logo_url.trim();
  const street_address = form.address.trim();
  const phone = form.phone.trim();
  const hours = form.hours.trim();
  const check = (field, text, max, opts) => {
    const p = textFieldProblem(field, text, max, opts);
    if (p) problems[field] = p;
  };
  check('name', name, venue_name_bytes_max, { required: true });
  check('logo_url', logo_url, url_bytes_max);
  check('address', street_address, street_address_bytes_max);
  check('phone', phone, contact_phone_bytes_max);
  check('hours', hours, opening_hours_bytes_max);

  const links = form.links
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (links.length > venue_links_count_max)
    problems.links = problem('links', 'links_count', { max: venue_links_count_max, given: links.length });
  else
    for (const [i, l] of links.entries()) {
      const p = textFieldProblem('links', l, url_bytes_max);
      if (p || !link_pattern.test(l)) {
        problems.links = p ?? problem('links', 'link', { line: i + 1 });
        break;
      }
    }

  let geo = null;
  const lat = form.lat.trim();
  const lon = form.lon.trim();
  if (lat !== '' || lon !== '') {
    const lat_e7 = lat === '' ? null : degreesE7(lat);
    const lon_e7 = lon === '' ? null : degreesE7(lon);
    if (lat === '' || lon === '') problems[lat === '' ? 'lat' : 'lon'] = problem(lat === '' ? 'lat' : 'lon', 'geo_pair');
    if (lat !== '' && (lat_e7 === null || Math.abs(lat_e7) > lat_e7_max))
      problems.lat = problem('lat', 'degrees', { min: '-90', max: '90' });
    if (lon !== '' && (lon_e7 === null || Math.abs(lon_e7) > lon_e7_max))
      problems.lon = problem('lon', 'degrees', { min: '-180', max: '180' });
    if (lat_e7 !== null && lon_e7 !== null) geo = { lat_e7, lon_e7 };
  }
  const ok = Object.keys(problems).length === 0;
  return { profile: ok ? { name, logo_url, street_address, geo, phone, links, hours } : null, problems };
}

/** An amount as typed ("1", "1.5", "1,50") → `{ units }` or `{ problem }`; `field` names it. */
export function amountField(field, text, { min = 1n, max = null, maxKind = 'too_much', maxParams = {} } = {}) {
  const units = parseAmount(text.trim().replace(',', '.'));
  if (units === null) return { problem: problem(field, 'amount') };
  if (units < min) return { problem: problem(field, 'amount_zero') };
  if (max !== null && units > max) return { problem: problem(field, maxKind, { max_amount: formatAmount(max), ...maxParams }) };
  return { units };
}

/**
 * A reward's name, price and category (optional) as typed → `{ name, price,
 * category, problems }`: price in minor units, 0.01 up to the coin's whole
 * supply.
 */
export function productFromForm(form) {
  const problems = {};
  const name = form.name.trim();
  const category = (form.category ?? '').trim();
  const np = textFieldProblem('product_name', name, product_name_bytes_max, { required: true });
  if (np) problems.name = np;
  const price = amountField('price', form.price, { max: coin_supply_units, maxKind: 'price_max' });
  if (price.problem) problems.price = price.problem;
  const cp = textFieldProblem('category', category, product_category_bytes_max);
  if (cp) problems.category = cp;
  return { name, price: price.units ?? null, category, problems };
}

/** The next free product id: one above the highest in the catalogue (ids are u32). */
export function nextProductId(products) {
  return products.reduce((m, p) => Math.max(m, p.id), 0) + 1;
}

/**
 * A member's limits as typed (empty: no limit) → `{ limits: { per_tx,
 * per_day }, problems }`, BigInt or null each; a limit per transfer above
 * the day's could never be used whole, so it is refused too.
 */
export function limitsFromForm(form) {
  const problems = {};
  const one = (field, text) => {
    if (text.trim() === '') return null;
    const a = amountField(field, text);
    if (a.problem) problems[field] = a.problem;
    return a.units ?? null;
  };
  const per_tx = one('per_tx', form.per_tx);
  const per_day = one('per_day', form.per_day);
  if (per_tx !== null && per_day !== null && per_tx > per_day) problems.per_tx = problem('per_tx', 'limit_order');
  return { limits: { per_tx, per_day }, problems };
}

/** A top-up as typed → `{ units }` or `{ problem }`: above zero and at most what the treasury holds (units). */
export function fundFromForm(text, treasuryUnits) {
  return amountField('fund', text, { max: treasuryUnits, maxKind: 'treasury' });
}

/**
 * What removing a member moves back to the treasury (docs/formats.md,
 * staff_remove): the allowance they still hold, never more than their
 * balance — coins others gave them stay theirs. Minor units.
 */
export function returnedOnRemoval(balanceUnits, allowanceUnits) {
  return balanceUnits < allowanceUnits ? balanceUnits : allowanceUnits;
}
