// What an SMS link holds before this device claims the phone: the balances
// waiting at each venue (account.balances needs no key), from a node whose
// signed tip has been checked.
import { useEffect } from 'preact/hooks';
import { html, useI18n } from '../ui.js';

export function Preview({ balances }) {
  const { t, amount } = useI18n();
  useEffect(() => {
    document.body.dataset.ready = '1';
  }, []);
  const rows = balances.balances;
  return html`
    <section class="card balance-card" aria-labelledby="preview-title" data-testid="preview">
      <h1 id="preview-title" class="label">${t('preview.title')}</h1>
      ${rows.length === 0
        ? html`
            <p class="balance" data-testid="balance">${amount('0.00')}</p>
            <p>${t('preview.empty')}</p>
          `
        : rows.map(
            (b, i) => html`
              <div key=${b.ticker} class=${i === 0 ? 'preview-first' : 'preview-row'}>
                <p class="venue-name">${b.venue}</p>
                <p class=${i === 0 ? 'balance' : 'amount'} data-testid=${i === 0 ? 'balance' : `balance-${b.ticker}`}>${amount(b.balance)}</p>
                <p class="unit">${t('cabinet.unit', { count: b.balance, ticker: b.ticker })}</p>
              </div>
            `,
          )}
    </section>
  `;
}
