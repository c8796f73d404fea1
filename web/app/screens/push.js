// Free notifications in this browser (web push) instead of SMS for news of
// coins from every venue, one choice per phone: the browser's subscription
// handed to the node, signed by this phone's key. A chunk of its own
// (messages-choice.js imports it once the node says push is on and the
// browser can do it), with its texts (push-messages.js).
//
// What the person sees: off (turn on; free, and codes stay SMS), on (since
// when; turn off), denied (the browser blocks notifications: how to allow
// them), failed (this browser could not subscribe: SMS go on).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeError } from '../errors.js';
import { makeTranslator } from '../i18n-core.js';
import { messages as cabinetMessages } from '../messages.js';
import { PushNotOn, turnOffPush, turnOnPush } from '../push.js';
import { messages as pushMessages } from '../push-messages.js';
import { Alert, Button, I18n, Notice, html, useI18n } from '../ui.js';
// Not used here. esbuild puts modules reached by the same set of entries
// into one chunk, so a lazy chunk reaching part of a first-load chunk splits
// it in two: these make this chunk reach exactly what the voucher screen's
// does, which leaves the cabinet's first load as it was (without them it
// grew by about 860 bytes gzip, of a budget with under 2 KiB left).
import '../../lib/amount.js';
import '../activity.js';
import '../i18n.js';
import '../wallet.js';

// The cabinet's texts with this part's over them, so Alert and describeError's keys work inside.
const dictionaries = Object.fromEntries(Object.keys(cabinetMessages).map((lang) => [lang, { ...cabinetMessages[lang], ...pushMessages[lang] }]));

function permission() {
  return typeof Notification === 'undefined' ? 'denied' : Notification.permission;
}

function PushCard({ node, seed, account, publicKey }) {
  const { t, dateTime } = useI18n();
  const [state, setState] = useState(null); // messages.push.get's answer
  const [outcome, setOutcome] = useState(null); // 'failed' | 'dismissed' | 'turned_off' | null
  const [allowed, setAllowed] = useState(permission);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function read() {
    try {
      setState(await node.client.messagesPushGet(account));
    } catch (e) {
      setError(describeError(e));
    }
  }
  useEffect(() => {
    read();
  }, [account]);

  // `work` resolves to what to say after it (or null); what was said before stays while it runs.
  async function act(work) {
    setBusy(true);
    setError(null);
    let next = null;
    let denied = false;
    try {
      next = await work();
    } catch (e) {
      if (e instanceof PushNotOn) {
        // A prompt answered "block" may leave Notification.permission at 'default' until a reload.
        if (e.reason === 'denied') denied = true;
        else next = e.reason;
        // The reason is kept for whoever reads the console; the page says what to do.
        if (e.cause) console.warn('web push:', e.cause);
      } else setError(describeError(e));
    } finally {
      setOutcome(next);
      setAllowed(denied ? 'denied' : permission());
      await read();
      setBusy(false);
    }
  }
  const on = () => act(() => turnOnPush(node, seed, account, publicKey).then(() => null));
  const off = () => act(() => turnOffPush(node, seed, account).then(() => 'turned_off'));

  if (!state) return html`<${Alert} error=${error} testid="push-error" />`;
  let body;
  if (allowed === 'denied')
    body = html`
      <p data-testid="push-state">${t('push.denied')}</p>
      ${state.subscribed &&
      html`
        <p class="hint">${t('push.denied_on')}</p>
        <${Button} type="button" kind="secondary" busy=${busy} data-testid="push-off" onClick=${off}>${t('push.turn_off')}<//>
      `}
    `;
  else if (state.subscribed)
    body = html`
      <p data-testid="push-state">${t('push.on', { since: dateTime(state.since_ms) })}</p>
      <${Button} type="button" kind="secondary" busy=${busy} data-testid="push-off" onClick=${off}>${t('push.turn_off')}<//>
      <p class="hint">${t('push.on_other')}</p>
    `;
  else if (outcome === 'failed')
    body = html`
      <p data-testid="push-state">${t('push.failed')}</p>
      <${Button} type="button" kind="secondary" busy=${busy} data-testid="push-on" onClick=${on}>${t('push.retry')}<//>
    `;
  else
    body = html`
      ${outcome === 'turned_off' && html`<${Notice} testid="push-turned-off">${t('push.turned_off')}<//>`}
      ${outcome === 'dismissed' && html`<p role="status" data-testid="push-dismissed">${t('push.dismissed')}</p>`}
      <p data-testid="push-state">${t('push.off')}</p>
      <${Button} type="button" kind="secondary" busy=${busy} data-testid="push-on" onClick=${on}>${t('push.turn_on')}<//>
      <p class="hint">${t('push.sms_stay')}</p>
    `;
  return html`
    <section class="card push" aria-labelledby="push-title" data-testid="push-choice">
      <h2 id="push-title">${t('push.title')}</h2>
      ${body}
      <${Alert} error=${error} testid="push-error" />
    </section>
  `;
}

/** The push card, for a node whose messages.push.key said `enabled` with `publicKey`. */
export function PushChoice(props) {
  const outer = useI18n();
  const i18n = useMemo(() => ({ ...outer, ...makeTranslator(dictionaries, outer.lang) }), [outer]);
  return html`<${I18n.Provider} value=${i18n}><${PushCard} ...${props} /><//>`;
}
