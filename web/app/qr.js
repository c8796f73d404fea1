// A voucher's QR as an SVG image the page's CSP allows (img-src data:): the
// symbol from @paulmillr/qr at error correction M with a 4-module quiet
// zone, as the CLI draws it (docs/qr.md), drawn as one path of dark modules
// on white. No markup is built from outside text: the payload is only
// encoded into modules.
import { encodeQR } from '@paulmillr/qr';

export const qr_quiet_zone_modules = 4;

/** The QR symbol of `text` as an SVG document (text). */
export function qrSvg(text) {
  const rows = encodeQR(text, 'raw', { ecc: 'medium', border: qr_quiet_zone_modules });
  let path = '';
  rows.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue;
      let run = 1;
      while (row[x + run]) run++;
      path += `M${x} ${y}h${run}v1h-${run}z`;
      x += run - 1;
    }
  });
  const n = rows.length;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges">` +
    `<rect width="${n}" height="${n}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`
  );
}

/** The same as a data: URL for an <img>. */
export function qrDataUrl(text) {
  return `data:image/svg+xml,${encodeURIComponent(qrSvg(text))}`;
}
