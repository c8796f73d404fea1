// A venue's profile made safe to show: the page's CSP lets images come only
// from its own origin, so a logo elsewhere becomes a letter avatar; only
// http(s) links become links; a map link is built from the integer
// coordinates without a float. Pure.

/** Degrees ×10^7 (the ledger's i32) as exact decimal text: 557558000 → "55.7558000". */
export function degreesText(e7) {
  if (!Number.isInteger(e7)) throw new TypeError('a coordinate is an integer of degrees ×10^7');
  const sign = e7 < 0 ? '-' : '';
  const digits = String(Math.abs(e7)).padStart(8, '0');
  return `${sign}${digits.slice(0, -7)}.${digits.slice(-7)}`;
}

/** An OpenStreetMap link with a marker at the venue, or null without coordinates. */
export function mapLink(geo) {
  if (!geo) return null;
  const lat = degreesText(geo.lat_e7);
  const lon = degreesText(geo.lon_e7);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
}

/** The logo's URL when it is on `origin` (relative, or same origin), else null. */
export function sameOriginImage(url, origin) {
  if (typeof url !== 'string' || url === '') return null;
  try {
    const u = new URL(url, origin);
    return u.origin === origin && (u.protocol === 'https:' || u.protocol === 'http:') ? u.href : null;
  } catch {
    return null;
  }
}

/** The venue's links that are http(s) URLs: nothing else (javascript:, data:) becomes a link. */
export function webLinks(links) {
  return (links ?? []).filter((l) => {
    try {
      const u = new URL(l);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  });
}

/** A tel: link for a phone shown as typed ("+7 495 000-00-00" → "tel:+74950000000"), or null. */
export function telLink(phone) {
  const dial = String(phone ?? '').replace(/[^+0-9]/g, '');
  return /[0-9]{3,}/.test(dial) ? `tel:${dial}` : null;
}

/** The letter of a letter avatar: the name's first character, in capitals. */
export function initialOf(name) {
  const first = Array.from(String(name ?? '').trim())[0];
  return first ? first.toLocaleUpperCase() : '?';
}

/** A link's text without its scheme, for showing: "https://u-volodi.example/" → "u-volodi.example". */
export function linkLabel(url) {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '');
}
