// The venue's movements as CSV, byte for byte what `kopilka export TICKER
// --csv` writes (wallet-cli/cmd_audit.cpp, format.cpp csv_line): the same
// columns, one line per movement (movements.js), RFC 4180 quoting, CRLF line
// ends, text shown as the CLI shows it (display_text), and a leading `'` on
// any cell that starts with = + - @ so no memo runs as a spreadsheet
// formula. Pure.
import { formatAmount } from '../../lib/amount.js';
import { hiddenFormatChar } from '../../lib/codec.js';
import { movementRows } from './movements.js';

export const export_columns = Object.freeze([
  'time_utc', 'time_ms', 'height', 'index', 'tx_id', 'tx_kind', 'movement', 'ticker', 'from', 'to', 'amount', 'memo',
]);

const hex = (n, digits) => n.toString(16).toUpperCase().padStart(digits, '0');

/**
 * Text as the CLI prints it (wallet-cli/format.cpp display_text): a control
 * character, DEL, a C1 control, or a hidden format character (bidi, zero
 * width) becomes `\u{XXXX}` (4 hex digits, 5 above U+FFFF). A lone
 * surrogate cannot come from a node (ledger text is checked UTF-8); it is
 * escaped the same way rather than dropped.
 */
export function displayText(text) {
  let out = '';
  for (const ch of String(text)) {
    const cp = ch.codePointAt(0);
    if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0) || hiddenFormatChar(cp)) out += `\\u{${hex(cp, cp > 0xffff ? 5 : 4)}}`;
    else out += ch;
  }
  return out;
}

/** One CSV line with its CRLF, each cell as format.cpp csv_line writes it. */
export function csvLine(cells) {
  return `${cells
    .map((cell) => {
      let c = displayText(cell);
      if (/^[=+\-@]/.test(c)) c = `'${c}`;
      return /[,"\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c;
    })
    .join(',')}\r\n`;
}

/** "2026-12-02 09:53:43 UTC": the second a unix ms falls in (format.cpp utc_time_ms). */
export function utcTimeText(ms) {
  const d = new Date(Math.floor(Number(ms) / 1000) * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}

/** The export's text for movement rows (movements.js movementRows). */
export function csvOfRows(rows) {
  let out = csvLine(export_columns);
  for (const r of rows)
    out += csvLine([utcTimeText(r.time_ms), String(r.time_ms), String(r.height), String(r.index), r.tx_id, r.tx_kind,
      r.movement, r.ticker, r.from, r.to, formatAmount(r.units), r.memo]);
  return out;
}

/** The export of `ticker` from its venue.history entries (any order). */
export function exportCsv(entries, ticker) {
  return csvOfRows(movementRows(entries, ticker));
}

/** The file name the page offers: `<ticker>-export.csv`. */
export const exportFileName = (ticker) => `${ticker}-export.csv`;
