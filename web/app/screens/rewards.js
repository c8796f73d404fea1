// A venue's rewards: the ones the balance buys now open a QR; the others
// say how many bonuses are still missing.
import { splitRewards } from '../rewards.js';
import { html, useI18n } from '../ui.js';

export function Rewards({ products, balance, onPick }) {
  const { t } = useI18n();
  const { affordable, notYet } = splitRewards(products, balance);
  if (affordable.length === 0 && notYet.length === 0) return null;
  return html`
    <section class="card" aria-labelledby="rewards-title" data-testid="rewards">
      <h2 id="rewards-title">${t('rewards.title')}</h2>
      <h3>${t('rewards.can_take')}</h3>
      ${affordable.length === 0
        ? html`<p>${t('rewards.none_yet')}</p>`
        : html`
            <ul class="rewards">
              ${affordable.map(
                (p) => html`
                  <li key=${p.id}>
                    <button class="reward" type="button" data-testid=${`reward-${p.id}`} onClick=${() => onPick(p)}>
                      <span class="name">${p.name}</span>
                      <span class="price">${t('rewards.price', { count: p.price })}</span>
                      <span class="action">${t('rewards.show_qr')}</span>
                    </button>
                  </li>
                `,
              )}
            </ul>
          `}
      ${notYet.length > 0 &&
      html`
        <h3>${t('rewards.not_yet')}</h3>
        <ul class="rewards">
          ${notYet.map(
            (p) => html`
              <li key=${p.id} class="reward later" data-testid=${`reward-${p.id}`}>
                <span class="name">${p.name}</span>
                <span class="price">${t('rewards.price', { count: p.price })}</span>
                <span class="missing">${t('rewards.missing', { count: p.missing })}</span>
              </li>
            `,
          )}
        </ul>
      `}
    </section>
  `;
}
