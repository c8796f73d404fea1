// How the dashboard and the history name accounts and days: the treasury,
// staff by role, anyone else by a short form of the address; days in UTC
// (the node keeps its figures per UTC day). Pure.

/** "kop1abcdef…wxyz", "phone:0a1b2c3d…": long enough to tell apart, short enough for a phone. */
export function shortAccount(text) {
  const a = String(text);
  if (a.startsWith('phone:')) return a.length > 14 ? `${a.slice(0, 14)}…` : a;
  return a.length > 16 ? `${a.slice(0, 10)}…${a.slice(-4)}` : a;
}

/**
 * A person's name for `account` at `venue` (venue.get's answer): the
 * treasury, a staff member's role with the short address, else the short
 * address.
 */
export function accountLabel(t, account, venue) {
  if (!account) return t('views.account.mint');
  if (venue && account === venue.owner) return t('views.account.treasury');
  const member = venue?.staff?.find((s) => s.address === account);
  if (member) return `${t(`views.role.${member.role}`)} ${shortAccount(account)}`;
  return shortAccount(account);
}

const day_formats = new Map();
/** "2 дек." / "Dec 2": a UTC day (unix ms of its start) in `lang`. */
export function utcDay(lang, ms, withYear = false) {
  const key = `${lang}|${withYear}`;
  if (!day_formats.has(key))
    day_formats.set(key, new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', ...(withYear ? { year: 'numeric' } : {}), timeZone: 'UTC' }));
  return day_formats.get(key).format(new Date(Number(ms)));
}

const moment_formats = new Map();
/** A moment (unix ms) in UTC, to the minute, with "UTC" said. */
export function utcMoment(lang, ms) {
  if (!moment_formats.has(lang))
    moment_formats.set(lang, new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }));
  return `${moment_formats.get(lang).format(new Date(Number(ms)))} UTC`;
}

/** "2026-12-02" of a UTC day start, as an <input type=date> holds it. */
export function dateInputValue(ms) {
  return new Date(Number(ms)).toISOString().slice(0, 10);
}

/** 00:00 UTC of a "YYYY-MM-DD" (an <input type=date>'s value), or null. */
export function dateInputMs(value) {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(String(value));
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(ms) || dateInputValue(ms) !== value ? null : ms;
}
