// "Today": this staff member's own actions since the start of the UTC day on
// the node's clock, newest first, with totals for closing the till. Reads
// account.history of their key page by page until it passes the day's start,
// at most today_pages_max pages (a till past that is told the owner has the
// full report: venue.stats and kopilka export count everything).
import { useEffect, useState } from 'preact/hooks';
import { Button, Notice, html, useI18n } from '../ui.js';
import { summariseDay, shortAccount, utcDayStart } from './day.js';
import { staffError } from './refusals.js';
import { StaffAlert, say } from './text.js';

export const today_page_entries = 100;
export const today_pages_max = 10;

async function readToday(node, address, fromMs) {
  const entries = [];
  let cursor = '';
  for (let page = 0; page < today_pages_max; page++) {
    const answer = await node.client.call('account.history', { account: address, limit: today_page_entries, ...(cursor ? { cursor } : {}) });
    entries.push(...answer.entries);
    cursor = answer.next_cursor;
    const last = answer.entries.at(-1);
    if (!cursor || !last || last.time_ms < fromMs) return { entries, complete: true };
  }
  return { entries, complete: false };
}

export function Today({ node, staffKey, state }) {
  const i18n = useI18n();
  const { t } = i18n;
  const ticker = staffKey.ticker;
  const [day, setDay] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function load() {
    setBusy(true);
    setError(null);
    try {
      const fromMs = utcDayStart(node.nowMs());
      const { entries, complete } = await readToday(node, staffKey.address, fromMs);
      const productNames = new Map(state.venue.products.map((p) => [p.id, p.name]));
      setDay({ ...summariseDay(entries, { address: staffKey.address, ticker, fromMs, productNames }), complete, fromMs });
    } catch (e) {
      setError(staffError(e, 'today', { ticker }));
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    load();
  }, []);

  if (!day) return html`<section class="card">${error ? html`<${StaffAlert} error=${error} />` : html`<${Notice}>${t('loading')}<//>`}</section>`;
  const date = new Intl.DateTimeFormat(i18n.lang, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(day.fromMs));
  const time = new Intl.DateTimeFormat(i18n.lang, { timeStyle: 'short', timeZone: 'UTC' });
  return html`
    <section class="card" aria-labelledby="today-title" data-testid="today">
      <h2 id="today-title">${t('staff.today.title', { date })}</h2>
      <p class="big" data-testid="today-given">${say(i18n, { key: 'staff.today.given', params: { amount: day.given, ticker } })}</p>
      <p class="big" data-testid="today-redeemed">${say(i18n, { key: 'staff.today.redeemed', params: { amount: day.redeemed, ticker } })}</p>
      <p data-testid="today-counts">${t('staff.today.counts', { given: String(day.givenCount), redeemed: String(day.redeemedCount) })}</p>
      ${day.purchaseCount > 0 &&
      html`<p data-testid="today-purchases">${t('staff.today.purchases', { count: String(day.purchaseCount), total: i18n.amount(day.sales) })}</p>`}
      <p data-testid="today-received">${say(i18n, { key: 'staff.today.received', params: { amount: day.received, ticker } })}</p>
      ${day.rows.length === 0
        ? html`<p>${t('staff.today.empty')}</p>`
        : html`
            <ul class="history">
              ${day.rows.map(
                (row) => html`
                  <li class="entry" data-testid="today-entry">
                    <span class="what">
                      ${row.kind === 'given'
                        ? say(i18n, { key: 'staff.today.row_given', params: { amount: row.amount, ticker, to: shortAccount(row.to) } })
                        : row.kind === 'redeemed'
                          ? say(i18n, { key: 'staff.today.row_redeemed', params: { amount: row.amount, ticker, product: row.product } })
                          : row.kind === 'purchase'
                            ? t('staff.today.row_purchase', { total: i18n.amount(row.amount), to: shortAccount(row.to) })
                            : say(i18n, { key: 'staff.today.row_received', params: { amount: row.amount, ticker } })}
                    </span>
                    <span class="hint"> · ${time.format(new Date(row.time_ms))}</span>
                    ${row.memo && html`<span class="memo">${row.memo}</span>`}
                  </li>
                `,
              )}
            </ul>
          `}
      ${!day.complete && html`<p class="hint">${t('staff.today.more')}</p>`}
      <${StaffAlert} error=${error} />
      <${Button} kind="secondary" type="button" busy=${busy} onClick=${load}>${t('staff.today.refresh')}<//>
    </section>
  `;
}
