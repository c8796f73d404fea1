// The venue's bonus programme as this client stands in it (issue 15): the
// tier and what it lets bonuses pay, what the next tier takes, the bonuses
// that will expire with their last day (in the venue's time zone, as the
// ledger counts it), a debt left by a return, and the welcome gift before
// the first purchase. From programme.get and loyalty.get; nothing when the
// venue has no programme in force. A chunk of its own (cabinet.js imports
// it lazily), with its texts (loyalty-messages.js).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { formatAmount, parseAmount } from '../../lib/amount.js';
import { makeTranslator } from '../i18n-core.js';
import { messages as loyaltyMessages } from '../loyalty-messages.js';
import { messages as cabinetMessages } from '../messages.js';
import { I18n, html, useI18n } from '../ui.js';
// Not used here: the same set of modules the other lazy chunks reach, so
// esbuild leaves the cabinet's first-load chunk whole (screens/push.js says why).
import '../activity.js';
import '../i18n.js';
import '../wallet.js';

const dictionaries = Object.fromEntries(
  Object.keys(cabinetMessages).map((lang) => [lang, { ...cabinetMessages[lang], ...loyaltyMessages[lang] }]),
);

/** Basis points as a percentage for a person: 3000 → "30", 1250 → "12,5" (ru) or "12.5" (en). */
export function shareText(bp, lang) {
  const whole = Math.floor(bp / 100);
  const rest = bp % 100;
  if (rest === 0) return String(whole);
  return `${whole}${lang === 'ru' ? ',' : '.'}${String(rest).padStart(2, '0').replace(/0$/, '')}`;
}

/**
 * What the card says of the next tier: `{ key, tier, amount (decimal), months? }`,
 * `{ key: 'loyalty.top' }` at the highest, or null when the programme has one tier.
 */
export function nextTier(version, standing) {
  const tiers = version.tiers;
  if (tiers.length < 2) return null;
  const next = tiers[standing.tier.index + 1];
  if (!next) return { key: 'loyalty.top' };
  if (version.tier_basis === 'lifetime') {
    const left = parseAmount(next.threshold) - parseAmount(standing.lifetime_paid);
    return { key: 'loyalty.next_lifetime', tier: next.name, amount: formatAmount(left > 0n ? left : 0n) };
  }
  if (version.tier_basis === 'period')
    return { key: 'loyalty.next_period', tier: next.name, amount: next.threshold, months: version.period_months };
  return { key: 'loyalty.next_single', tier: next.name, amount: next.threshold };
}

/** The last day a lot may be spent: the date, in the venue's zone, of the second before it expires. */
export function lastDay(expiry_s, zone, lang) {
  const at = new Date((Number(expiry_s) - 1) * 1000);
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: zone }).format(at);
  } catch {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'long' }).format(at);  // a zone this browser does not know
  }
}

function Card({ node, account, ticker, balance }) {
  const { t, amount, lang } = useI18n();
  const [seen, setSeen] = useState(null);
  useEffect(() => {
    let live = true;
    Promise.all([node.client.call('programme.get', { ticker }), node.client.call('loyalty.get', { ticker, client: account })])
      .then(([programme, standing]) => {
        const version = programme.versions.find((v) => v.version === programme.in_force);
        if (live) setSeen(version ? { version, standing } : null);
      })
      .catch(() => live && setSeen(null));  // the card is extra: the rest of the cabinet says what is wrong
    return () => (live = false);
  }, [ticker, account, balance]);  // read again when the balance moves: a purchase, an expiry
  if (!seen) return null;
  const { version, standing } = seen;
  const tier = version.tiers[standing.tier.index];
  const next = nextTier(version, standing);
  const lots = standing.lots.filter((l) => l.expiry_s > 0);
  const welcome = version.gifts.find((g) => g.kind === 'welcome');
  return html`
    <section class="card loyalty" aria-labelledby="loyalty-title" data-testid="loyalty">
      <h2 id="loyalty-title">${t('loyalty.title')}</h2>
      ${version.tiers.length > 1 && html`<p class="big" data-testid="loyalty-tier">${t('loyalty.tier', { tier: standing.tier.name ?? '' })}</p>`}
      ${tier && html`<p data-testid="loyalty-share">${t('loyalty.pay_share', { share: shareText(tier.pay_share_bp, lang) })}</p>`}
      ${next &&
      html`<p data-testid="loyalty-next">
        ${t(next.key, { tier: next.tier, amount: next.amount && amount(next.amount), months: String(next.months ?? '') })}
      </p>`}
      ${standing.purchases > 0
        ? html`<p class="hint" data-testid="loyalty-purchases">${t('loyalty.purchases', { n: String(standing.purchases), amount: amount(standing.lifetime_paid) })}</p>`
        : welcome && html`<p data-testid="loyalty-welcome">${t('loyalty.welcome', { amount: amount(welcome.amount), ticker })}</p>`}
      ${lots.length > 0 &&
      html`
        <h3>${t('loyalty.lots_title')}</h3>
        <ul class="lots">
          ${lots.map(
            (l) => html`<li data-testid="loyalty-lot">${t('loyalty.lot', { amount: amount(l.amount), ticker, date: lastDay(l.expiry_s, version.zone, lang) })}</li>`,
          )}
        </ul>
        <p class="hint">${t('loyalty.lots_hint')}</p>
      `}
      ${standing.debt !== '0.00' && html`<p class="alert" data-testid="loyalty-debt">${t('loyalty.debt', { amount: amount(standing.debt), ticker })}</p>`}
    </section>
  `;
}

/** The programme card of `ticker` for the phone `account` (text). */
export function LoyaltyCard(props) {
  const outer = useI18n();
  const i18n = useMemo(() => ({ ...outer, ...makeTranslator(dictionaries, outer.lang) }), [outer]);
  return html`<${I18n.Provider} value=${i18n}><${Card} ...${props} /><//>`;
}
