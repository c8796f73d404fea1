// Giving bonuses to a client's phone: the number as the person says it (its
// E.164 reading shown while typing), the amount, a note counted in bytes; a
// phone.lookup this key signs gives the client's account; a confirmation says
// exactly what goes where; then a transfer from the staff member's own
// balance, submitted with wait. A refusal quotes the figures the ledger
// counted (read again after it); a lost connection keeps the signed bytes, so
// "retry" sends the same transaction, which the ledger takes at most once.
import { useState } from 'preact/hooks';
import { formatAmount } from '../../lib/amount.js';
import { memoState, typedAmount } from '../gift-form.js';
import { Button, Field, html, useI18n } from '../ui.js';
import { factsOf, lookupClient, signTransfer, submitKept } from './actions.js';
import { phonePreview } from './phone-preview.js';
import { PhoneField } from './phone-field.js';
import { staffError } from './refusals.js';
import { StaffAlert, say } from './text.js';

export function Send({ node, staffKey, state, refresh }) {
  const i18n = useI18n();
  const { t } = i18n;
  const ticker = staffKey.ticker;
  const [step, setStep] = useState('form');
  const [phone, setPhone] = useState('');
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [client, setClient] = useState(null);
  const [signed, setSigned] = useState(null);
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const preview = phonePreview(phone, node.defaultCountry);
  const memoNow = memoState(memo);
  const units = typedAmount(amount);

  async function next(event) {
    event.preventDefault();
    setError(null);
    if (preview.problem) return setError({ key: `staff.phone.problem_${preview.problem}` });
    if (units === null) return setError({ key: 'staff.error.amount_invalid' });
    if (units === 0n) return setError({ key: 'staff.error.zero_amount' });
    if (memoNow.problem) return setError({ key: `staff.send.memo_${memoNow.problem}` });
    setBusy(true);
    try {
      setClient(await lookupClient(node, staffKey, phone.trim()));
      setSigned(null);
      setStep('confirm');
    } catch (e) {
      setError(staffError(e, 'lookup', factsOf(ticker, state)));
    } finally {
      setBusy(false);
    }
  }

  async function give() {
    setBusy(true);
    setError(null);
    // Signed once per confirmation: a retry after a lost answer sends these same bytes.
    const tx = signed ?? signTransfer(node, staffKey, { to: client.account, amount: units, memo });
    const failed = await submitKept(node, tx, {
      keep: setSigned,
      refresh,
      describe: (e, fresh) => staffError(e, 'send', factsOf(ticker, fresh ?? state), { sent: true }),
    });
    setBusy(false);
    if (failed) return setError(failed);
    setDone({ amount: formatAmount(units), e164: client.e164 });
    setStep('done');
  }

  function again() {
    setStep('form');
    setPhone('');
    setAmount('');
    setMemo('');
    setClient(null);
    setSigned(null);
    setError(null);
  }

  if (step === 'done')
    return html`
      <section class="card verdict-inline ok" aria-labelledby="send-title" data-testid="send-result">
        <h2 id="send-title">${t('staff.send.done_title')}</h2>
        <p class="big" role="status">${say(i18n, { key: 'staff.send.done', params: { amount: done.amount, ticker, e164: done.e164 } })}</p>
        <${Button} type="button" data-testid="send-another" onClick=${again}>${t('staff.send.another')}<//>
      </section>
    `;

  if (step === 'confirm')
    return html`
      <section class="card" aria-labelledby="send-title" data-testid="send-confirm">
        <h2 id="send-title">${t('staff.send.confirm_title')}</h2>
        <p class="big">${say(i18n, { key: 'staff.send.confirm_text', params: { e164: client.e164, amount: formatAmount(units), ticker } })}</p>
        ${memo && html`<p>${t('staff.send.confirm_memo', { memo })}</p>`}
        <p class="hint">${t(client.claimed ? 'staff.send.known_client' : 'staff.send.new_client')}</p>
        <${StaffAlert} error=${error} />
        <${Button} type="button" busy=${busy} data-testid="send-confirm-button" onClick=${give}>
          ${signed && error ? t('staff.error.retry') : t('staff.send.confirm')}
        <//>
        <${Button} kind="secondary" type="button" onClick=${() => (setStep('form'), setError(null))}>${t('staff.send.change')}<//>
      </section>
    `;

  return html`
    <form class="card" onSubmit=${next} aria-labelledby="send-title" data-testid="send" novalidate>
      <h2 id="send-title">${t('staff.send.title')}</h2>
      <${PhoneField} node=${node} value=${phone} onInput=${setPhone} testid="send-phone" hintTestid="send-phone-preview" />
      <${Field}
        label=${t('staff.send.amount')}
        hint=${t('staff.send.amount_hint')}
        testid="send-amount"
        type="text"
        inputmode="decimal"
        autocomplete="off"
        value=${amount}
        onInput=${setAmount}
      />
      <${Field}
        label=${t('staff.send.memo')}
        hint=${t('staff.send.memo_bytes', { used: memoNow.bytes, max: memoNow.max })}
        error=${memoNow.problem && t(`staff.send.memo_${memoNow.problem}`)}
        testid="send-memo"
        type="text"
        autocomplete="off"
        value=${memo}
        onInput=${setMemo}
      />
      <${StaffAlert} error=${error} />
      <${Button} type="submit" busy=${busy} data-testid="send-next">${t('staff.send.next')}<//>
    </form>
  `;
}
