// Whether the chosen venue's SMS (news of coins; campaigns) reach this phone:
// a switch the phone's key signs (messages.consent.set). After a STOP reply
// to an SMS, every venue's are off: that is said first, with a way back.
// Claim codes and warnings of a move of the phone always come. Under it, the
// free channel: notifications in this browser (screens/push.js, a chunk
// fetched only when the node offers web push and the browser can take it).
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../errors.js';
import { Alert, Button, html, useI18n } from '../ui.js';
import { chooseMessages } from '../wallet.js';

// Web push needs a service worker, the Push API and notifications; an
// insecure page (plain http off localhost) has no service worker.
const pushSupported = () => 'serviceWorker' in navigator && typeof PushManager === 'function' && typeof Notification === 'function';

/** The push card once its chunk is here; nothing (no "loading") while it may never be. */
function PushSlot({ node, ...props }) {
  const [card, setCard] = useState(null);
  useEffect(() => {
    if (!pushSupported()) return;
    // The key first: a node without push costs one small call, never the chunk.
    node.client
      .messagesPushKey()
      .then((key) => key.enabled && import('./push.js').then((m) => setCard({ Choice: m.PushChoice, publicKey: key.public_key })))
      // An older node (no such method), an unreachable one or a lost chunk: no push part, SMS as before.
      .catch(() => {});
  }, [node]);
  return card && h(card.Choice, { node, publicKey: card.publicKey, ...props });
}

export function MessagesChoice({ node, seed, account, ticker, venueName }) {
  const { t } = useI18n();
  const [choices, setChoices] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function read() {
    try {
      setChoices(await node.client.messagesConsentGet(account));
    } catch (e) {
      setError(describeError(e));
    }
  }
  useEffect(() => {
    read();
  }, [account]);

  async function choose(tk, receive) {
    setBusy(true);
    setError(null);
    try {
      await chooseMessages(node, seed, account, tk, receive);
      await read();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  if (!choices) return html`<${Alert} error=${error} />`;
  const venueOn = choices.choices.find((c) => c.ticker === ticker)?.receive ?? true;
  return html`
    <section class="card messages" aria-labelledby="messages-title" data-testid="messages-choice">
      <h2 id="messages-title">${t('messages.title')}</h2>
      ${!choices.receive_all
        ? html`
            <p data-testid="messages-state">${t('messages.all_off')}</p>
            <${Button} type="button" kind="secondary" busy=${busy} data-testid="messages-all-on" onClick=${() => choose('', true)}>
              ${t('messages.all_on')}
            <//>
          `
        : html`
            <p data-testid="messages-state">${t(venueOn ? 'messages.venue_on' : 'messages.venue_off', { venue: venueName ?? ticker })}</p>
            <${Button}
              type="button"
              kind="secondary"
              busy=${busy}
              aria-pressed=${venueOn ? 'false' : 'true'}
              data-testid="messages-toggle"
              onClick=${() => choose(ticker, !venueOn)}
            >
              ${t(venueOn ? 'messages.turn_off' : 'messages.turn_on')}
            <//>
          `}
      <p class="hint">${t('messages.always')}</p>
      <${Alert} error=${error} testid="messages-error" />
    </section>
    <${PushSlot} node=${node} seed=${seed} account=${account} />
  `;
}
