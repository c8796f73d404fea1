// Whole-page states where the cabinet shows no balances: a node that
// rolled back or rewrote its chain (refused for good), a node that cannot be
// reached (retried), a page that does not exist.
import { Button, html, useI18n } from '../ui.js';

/** The node serves a chain that does not extend the one this browser verified (lib/tips.js HistoryRefused). */
export function Refused({ refusal }) {
  const { t } = useI18n();
  const known = refusal.known?.header.height;
  const shown = refusal.shown?.header.height;
  return html`
    <main class="trouble" data-testid="refused">
      <section class="card warning" role="alert" aria-labelledby="refused-title">
        <h1 id="refused-title">${t('refused.title')}</h1>
        <p class="big">${t(`refused.${refusal.kind}`)}</p>
        ${known !== undefined && shown !== undefined && html`<p>${t('refused.heights', { known: String(known), shown: String(shown) })}</p>`}
        <p>${t('refused.meaning')}</p>
        <p><strong>${t('refused.what_to_do')}</strong></p>
      </section>
    </main>
  `;
}

/** The node did not answer; `retryInS` until the next try, `onRetry` to try now. */
export function Offline({ retryInS, onRetry }) {
  const { t } = useI18n();
  return html`
    <main class="trouble" data-testid="offline">
      <h1>${t('offline.title')}</h1>
      <p class="big" role="alert">${t('error.offline')}</p>
      <p>${t('offline.next', { count: retryInS })}</p>
      <${Button} type="button" onClick=${onRetry}>${t('offline.retry')}<//>
    </main>
  `;
}

/** Any path but / and /c/<ref>. */
export function NotFound() {
  const { t } = useI18n();
  return html`
    <main class="trouble" data-testid="not-found">
      <h1>${t('not_found.title')}</h1>
      <p>${t('not_found.text')}</p>
      <a class="button primary" href="/">${t('not_found.home')}</a>
    </main>
  `;
}
