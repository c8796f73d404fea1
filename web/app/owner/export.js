// The CSV export on the page: every venue.history page read (oldest block
// last, so the progress counts down the chain), kept only as the fields the
// export needs (a big venue's signatures and profiles would only take
// memory), turned into `kopilka export`'s CSV (csv.js) and offered as a Blob
// download named `<ticker>-export.csv`. Nothing is saved unless the whole
// history was read and replayed without a contradiction.
import { useRef, useState } from 'preact/hooks';
import { describeError } from '../errors.js';
import { Alert, Button, Notice, html, useI18n } from '../ui.js';
import { csvOfRows, exportFileName } from './csv.js';
import { wholeHistory } from './history-source.js';
import { ProgrammeMovementsError, movementRows } from './movements.js';

/**
 * A function that keeps of an entry only what movements.js reads, with
 * each account's text held once however often it recurs (a venue's
 * history is mostly the same staff and clients again), so a big venue's
 * export holds little more than an id and a few numbers per entry.
 */
export function entryCompactor() {
  const texts = new Map();
  const once = (s) => {
    if (s === undefined) return undefined;
    const seen = texts.get(s);
    if (seen !== undefined) return seen;
    texts.set(s, s);
    return s;
  };
  return (e) => {
    const tx = e.tx;
    const c = { kind: once(tx.kind), ticker: once(tx.ticker) };
    if (tx.kind === 'venue_create') c.signer = tx.signer; // the treasury
    for (const k of ['staff', 'from', 'to', 'amount']) if (tx[k] !== undefined) c[k] = once(tx[k]);
    if (tx.memo) c.memo = tx.memo;
    if (tx.voucher) c.voucher = { client: once(tx.voucher.client), price: once(tx.voucher.price), product_id: tx.voucher.product_id };
    return { id: e.id, height: e.height, index: e.index, time_ms: e.time_ms, tx: c };
  };
}

/**
 * The venue's export as `kopilka export TICKER --csv -` writes it:
 * `{ csv, rows }` (the text and the number of movement lines).
 */
export async function exportVenueCsv(client, ticker, { onProgress, signal, pageEntries } = {}) {
  const entries = await wholeHistory(client, ticker, { onProgress, signal, pageEntries, map: entryCompactor() });
  const rows = movementRows(entries, ticker);
  return { csv: csvOfRows(rows), rows: rows.length };
}

/** Hands `text` to the browser as a file download. */
function download(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference by now; a moment's grace for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** `node`: connect()'s result; `ticker`: the venue's coin. */
export function Export({ node, ticker }) {
  const { t } = useI18n();
  const [state, setState] = useState({ status: 'idle' });
  const controller = useRef(null);

  const start = async () => {
    const abort = new AbortController();
    controller.current = abort;
    setState({ status: 'reading', progress: null });
    try {
      const { csv, rows } = await exportVenueCsv(node.client, ticker, {
        signal: abort.signal,
        onProgress: (progress) => setState({ status: 'reading', progress }),
      });
      download(csv, exportFileName(ticker));
      setState({ status: 'done', rows });
    } catch (e) {
      if (abort.signal.aborted) setState({ status: 'stopped' });
      else if (e instanceof ProgrammeMovementsError) setState({ status: 'programme' });
      else if (e instanceof RangeError) setState({ status: 'inconsistent' });
      else setState({ status: 'failed', error: describeError(e) });
    }
  };

  const p = state.progress;
  return html`
    <section class="card" aria-labelledby="views-export" data-testid="export" data-status=${state.status}>
      <h3 id="views-export">${t('views.export.title')}</h3>
      <p>${t('views.export.text')}</p>
      ${state.status === 'reading'
        ? html`
            <div role="status" data-testid="export-progress">
              ${p
                ? html`<progress class="progress" max=${p.top} value=${p.top - p.height + 1} aria-label=${t('views.export.title')}></progress>
                    <p>${t('views.export.progress', { count: p.entries, height: p.height, top: p.top })}</p>`
                : html`<p>${t('views.export.starting')}</p>`}
            </div>
            <${Button} type="button" kind="secondary" data-testid="export-cancel" onClick=${() => controller.current?.abort()}>${t('views.export.cancel')}<//>
          `
        : html`<${Button} type="button" data-testid="export-start" onClick=${start}>${t('views.export.button')}<//>`}
      ${state.status === 'done' && html`<${Notice} testid="export-done">${t('views.export.done', { count: state.rows, file: exportFileName(ticker) })}<//>`}
      ${state.status === 'stopped' && html`<${Notice}>${t('views.export.stopped')}<//>`}
      ${state.status === 'inconsistent' && html`<p class="alert" role="alert">${t('views.export.inconsistent')}</p>`}
      ${state.status === 'programme' && html`<p class="alert" role="alert" data-testid="export-programme">${t('views.export.programme', { ticker })}</p>`}
      ${state.status === 'failed' && html`<${Alert} error=${state.error} />`}
    </section>
  `;
}
