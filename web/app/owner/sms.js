// The dashboard's SMS card: the venue's SMS credits as the node keeps them
// (sms.credits, docs/messages.md "Credits"): the balance in segments, the
// messages held for want of credits (then SMS have stopped, claim codes
// excepted, and the owner is told so here), the packs added and the latest
// debits: what kind of message each was and what it cost, never to whom.
import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../errors.js';
import { Alert, html, useI18n } from '../ui.js';
import { utcMoment } from './labels.js';

// The latest packs and debits the card lists.
export const sms_rows_shown_max = 5;

/** `client`: the node's JSON-RPC client; `ticker`: the venue's coin. */
export function SmsCredits({ client, ticker }) {
  const { t, lang, amount } = useI18n();
  const [state, setState] = useState({ status: 'loading' });
  useEffect(() => {
    let live = true;
    client
      .call('sms.credits', { ticker, limit: sms_rows_shown_max })
      .then((credits) => live && setState({ status: 'ok', credits }))
      .catch((e) => live && setState({ status: 'failed', error: describeError(e) }));
    return () => {
      live = false;
    };
  }, [client, ticker]);

  const c = state.credits;
  // The balance is an integer count of segments (below zero only by claim codes).
  const count = (n) => (n < 0 ? `−${amount(String(-n))}` : amount(String(n)));
  return html`
    <section class="card" aria-labelledby="views-sms" data-testid="sms">
      <h3 id="views-sms">${t('views.sms.title')}</h3>
      ${state.status === 'failed' && html`<${Alert} error=${state.error} />`}
      ${c &&
      html`
        ${c.held > 0 && html`<p class="alert" role="alert" data-testid="sms-stopped">${t('views.sms.stopped', { count: String(c.held) })}</p>`}
        ${c.held === 0 && c.metered && c.balance <= 0 && html`<p class="alert" role="alert" data-testid="sms-empty">${t('views.sms.empty')}</p>`}
        <dl class="figures">
          <div class="figure">
            <dt>${t('views.sms.balance')}</dt>
            <dd data-testid="sms-balance" data-value=${c.balance}>${count(c.balance)}</dd>
          </div>
          <div class="figure">
            <dt>${t('views.sms.spent')}</dt>
            <dd data-testid="sms-spent" data-value=${c.spent}>${count(c.spent)}</dd>
          </div>
          <div class="figure">
            <dt>${t('views.sms.held')}</dt>
            <dd data-testid="sms-held" data-value=${c.held}>${count(c.held)}</dd>
          </div>
        </dl>
        <p class="hint">${t('views.sms.hint', { free: String(c.free), granted: String(c.granted) })}</p>
        ${c.debits.length > 0 &&
        html`
          <table class="table" data-testid="sms-debits">
            <thead>
              <tr>
                <th scope="col">${t('views.sms.when')}</th>
                <th scope="col">${t('views.sms.kind')}</th>
                <th scope="col" class="num">${t('views.sms.segments')}</th>
              </tr>
            </thead>
            <tbody>
              ${c.debits.map(
                (d) => html`
                  <tr data-testid="sms-debit" data-seq=${d.seq}>
                    <th scope="row">${utcMoment(lang, d.time_ms)}</th>
                    <td>${t(`views.sms.kind.${d.kind}`)}</td>
                    <td class="num" data-testid="sms-debit-segments" data-value=${d.segments}>${count(d.segments)}</td>
                  </tr>
                `,
              )}
            </tbody>
          </table>
        `}
      `}
    </section>
  `;
}
