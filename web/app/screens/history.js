// The client's history: what came in, what was spent on which reward, what
// was sent, at which venue and when. A page of entries at a time.
import { describeEntry } from '../activity.js';
import { Button, html, useI18n } from '../ui.js';

/**
 * `entries`: account.history entries of `account`, newest first; `names`:
 * ticker → venue name; `products`: ticker → venue.get products; `onMore`
 * when there are older pages.
 */
export function History({ entries, account, names, products, onMore, busy }) {
  const { t, dateTime } = useI18n();
  const rows = entries.map((e) => describeEntry(e, account)).filter(Boolean);
  const productName = (row) => products[row.ticker]?.find((p) => p.id === row.product_id)?.name;
  return html`
    <section class="card" aria-labelledby="history-title" data-testid="history">
      <h2 id="history-title">${t('history.title')}</h2>
      ${rows.length === 0 && html`<p>${t('history.empty')}</p>`}
      <ul class="history">
        ${rows.map((row) => {
          const venue = names[row.ticker] ?? row.ticker;
          const product = row.kind === 'spent' ? productName(row) : null;
          return html`
            <li key=${row.id} class=${`entry ${row.kind}`} data-testid="history-entry">
              <span class="what">
                ${product
                  ? t('history.spent_on', { count: row.amount, product })
                  : t(`history.${row.kind}`, { count: row.amount })}
              </span>
              <span class="where">${t('history.where', { venue, time: dateTime(row.time_ms) })}</span>
              ${row.memo && html`<span class="memo">${row.memo}</span>`}
            </li>
          `;
        })}
      </ul>
      ${onMore && html`<${Button} kind="secondary" type="button" busy=${busy} onClick=${onMore}>${t('history.more')}<//>`}
    </section>
  `;
}
