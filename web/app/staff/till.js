// The till itself: the venue, what this staff member can still give (their
// balance, the limit per transfer, today's tally against the daily limit),
// and the four counters: give, a purchase under the programme, redeem, today. The figures are read again
// after every action, so a refusal's message quotes what the ledger counts.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { Button, Notice, html, useI18n } from '../ui.js';
import { tillState } from './actions.js';
import { saveStaffKey, staffKeys } from './store.js';
import { Purchase } from './purchase.js';
import { Redeem } from './redeem.js';
import { staffError } from './refusals.js';
import { Send } from './send.js';
import { StaffAlert, say } from './text.js';
import { Today } from './today.js';

const tabs = ['send', 'purchase', 'redeem', 'today'];

/** `refresh()` reads the venue and the balance again; resolves to the new state. */
function useTillState(node, key) {
  const [state, setState] = useState(null);
  const [error, setError] = useState(null);
  const refresh = useCallback(async () => {
    try {
      const next = await tillState(node, key);
      setState(next);
      setError(null);
      return next;
    } catch (e) {
      setError(staffError(e, 'send', { ticker: key.ticker }));
      return null;
    }
  }, []);
  useEffect(() => {
    refresh();
  }, []);
  return { state, error, refresh };
}

/** The other venues this device's keys are staff of, as buttons to their tills. */
function OtherTills({ node, staffKey, onSwitch }) {
  const { t } = useI18n();
  const [others, setOthers] = useState([]);
  useEffect(() => {
    staffKeys(node.chainIdHex)
      .then((keys) => setOthers(keys.filter((k) => k.joined && k.ticker !== staffKey.ticker)))
      .catch(() => setOthers([]));
  }, []);
  if (others.length === 0) return null;
  return html`
    <nav class="other-tills" aria-label=${t('staff.other_tills')}>
      ${others.map(
        (k) => html`
          <${Button}
            kind="secondary"
            type="button"
            data-testid=${`till-${k.ticker}`}
            onClick=${async () => {
              const used = { ...k, used_ms: Date.now() };
              await saveStaffKey(used).catch(() => {});
              onSwitch(used);
            }}
          >
            ${t('staff.switch', { ticker: k.ticker })}
          <//>
        `,
      )}
    </nav>
  `;
}

function Standing({ staffKey, state }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { venue, me, balance } = state;
  const ticker = staffKey.ticker;
  const a = (v) => i18n.amount(v);
  return html`
    <section class="card standing" aria-labelledby="till-title" data-testid="standing">
      <h1 id="till-title">${t('staff.venue', { venue: venue.profile.name })}</h1>
      ${me
        ? html`
            <p class="hint">${t(`staff.role.${me.role}`)} · ${ticker}</p>
            <p class="big" data-testid="allowance">${t('staff.balance', { balance: a(balance), ticker })}</p>
            <p data-testid="limit-tx">${me.limit_per_tx ? t('staff.limit_tx', { limit: a(me.limit_per_tx), ticker }) : t('staff.limit_tx_none')}</p>
            <p data-testid="limit-day">
              ${me.limit_per_day
                ? t('staff.limit_day', { given: a(me.given_today), limit: a(me.limit_per_day), ticker })
                : t('staff.limit_day_none', { given: a(me.given_today), ticker })}
            </p>
          `
        : html`<p class="alert" role="alert" data-testid="not-staff">${say(i18n, { key: 'staff.removed', params: { ticker } })}</p>`}
    </section>
  `;
}

export function Till({ node, staffKey, onSwitch }) {
  const { t } = useI18n();
  const [tab, setTab] = useState('send');
  const { state, error, refresh } = useTillState(node, staffKey);
  if (!state)
    return error
      ? html`<${StaffAlert} error=${error} /><${Button} type="button" onClick=${refresh}>${t('retry')}<//>`
      : html`<${Notice}>${t('loading')}<//>`;
  const props = { node, staffKey, state, refresh };
  return html`
    <${Standing} staffKey=${staffKey} state=${state} />
    <${OtherTills} node=${node} staffKey=${staffKey} onSwitch=${onSwitch} />
    <nav class="tabs" aria-label=${t('staff.tabs')}>
      ${tabs.map(
        (name) => html`
          <button
            type="button"
            class="tab"
            aria-pressed=${tab === name ? 'true' : 'false'}
            data-testid=${`tab-${name}`}
            onClick=${() => (setTab(name), refresh())}
          >
            ${t(`staff.tab.${name}`)}
          </button>
        `,
      )}
    </nav>
    ${tab === 'send' && html`<${Send} ...${props} />`}
    ${tab === 'purchase' && html`<${Purchase} ...${props} />`}
    ${tab === 'redeem' && html`<${Redeem} ...${props} />`}
    ${tab === 'today' && html`<${Today} ...${props} />`}
  `;
}
