// Sending bonuses to a friend by phone: the number, the amount and a note
// (counted in bytes, as the ledger limits it); the friend's account from a
// phone.lookup this phone's key signs; a confirmation saying exactly what
// the friend receives; then the transfer from the phone account.
import { useState } from 'preact/hooks';
import { formatAmount, parseAmount } from '../../lib/amount.js';
import { describeError } from '../errors.js';
import { memoState, typedAmount } from '../gift-form.js';
import { maskPhone } from '../phone-text.js';
import { Alert, Button, Field, html, useI18n } from '../ui.js';
import { lookupPhone, sendGift } from '../wallet.js';

export function SendScreen({ node, seed, account, ticker, venueName, balance, onClose, onSent }) {
  const { t } = useI18n();
  const [step, setStep] = useState('form');
  const [phone, setPhone] = useState('');
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [friend, setFriend] = useState(null);
  const [sent, setSent] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const memoNow = memoState(memo);
  const units = typedAmount(amount);

  async function check(event) {
    event.preventDefault();
    setError(null);
    if (phone.trim() === '') return setError({ key: 'error.friend_phone_empty' });
    if (units === null) return setError({ key: 'error.amount_invalid' });
    if (units === 0n) return setError({ key: 'error.zero_amount' });
    if (units > (parseAmount(balance) ?? 0n)) return setError({ key: 'error.not_enough_have', params: { count: balance } });
    if (memoNow.problem) return setError({ key: `error.memo_${memoNow.problem}` });
    setBusy(true);
    try {
      const found = await lookupPhone(node, seed, account, phone.trim());
      if (found.account === account) return setError({ key: 'error.own_number' });
      setFriend(found);
      setStep('confirm');
    } catch (e) {
      const d = describeError(e);
      setError(d.key === 'error.phone_invalid' ? { key: 'error.friend_phone_invalid' } : d);
    } finally {
      setBusy(false);
    }
  }

  async function send() {
    setBusy(true);
    setError(null);
    try {
      await sendGift(node, seed, { ticker, from: account, to: friend.account, amount: units, memo });
      setSent({ amount: formatAmount(units), phone: maskPhone(friend.e164) });
      setStep('done');
      onSent();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  if (step === 'done')
    return html`
      <section class="card" aria-labelledby="send-title" data-testid="send-result">
        <h2 id="send-title">${t('send.done_title')}</h2>
        <p class="big" role="status">${t('send.done', { count: sent.amount, phone: sent.phone })}</p>
        <p>${t('send.balance_now', { count: balance, venue: venueName })}</p>
        <${Button} type="button" onClick=${onClose}>${t('send.back')}<//>
      </section>
    `;

  if (step === 'confirm')
    return html`
      <section class="card" aria-labelledby="send-title" data-testid="send-confirm">
        <h2 id="send-title">${t('send.confirm_title')}</h2>
        <p class="big">${t('send.confirm_text', { count: formatAmount(units), phone: maskPhone(friend.e164), venue: venueName, ticker })}</p>
        ${memo && html`<p>${t('send.confirm_memo', { memo })}</p>`}
        <p class="hint">${t(friend.claimed ? 'send.friend_claimed' : 'send.friend_sms')}</p>
        <${Alert} error=${error} />
        <${Button} type="button" busy=${busy} data-testid="send-confirm-button" onClick=${send}>${t('send.confirm')}<//>
        <${Button} kind="secondary" type="button" onClick=${() => setStep('form')}>${t('send.change')}<//>
      </section>
    `;

  return html`
    <form class="card" onSubmit=${check} aria-labelledby="send-title" data-testid="send">
      <h2 id="send-title">${t('send.title')}</h2>
      <p>${t('send.you_have', { count: balance, venue: venueName })}</p>
      <${Field} label=${t('send.phone')} testid="send-phone" type="tel" autocomplete="off" inputmode="tel" value=${phone} onInput=${setPhone} />
      <${Field}
        label=${t('send.amount')}
        hint=${t('send.amount_hint')}
        testid="send-amount"
        type="text"
        inputmode="decimal"
        autocomplete="off"
        value=${amount}
        onInput=${setAmount}
      />
      <${Field}
        label=${t('send.memo')}
        hint=${t('send.memo_bytes', { used: memoNow.bytes, max: memoNow.max })}
        hintTestid="memo-bytes"
        error=${memoNow.problem && t(`error.memo_${memoNow.problem}`)}
        testid="send-memo"
        type="text"
        autocomplete="off"
        value=${memo}
        onInput=${setMemo}
      />
      <${Alert} error=${error} />
      <${Button} type="submit" busy=${busy} data-testid="send-submit">${t('send.next')}<//>
      <${Button} kind="secondary" type="button" onClick=${onClose}>${t('send.cancel')}<//>
    </form>
  `;
}
