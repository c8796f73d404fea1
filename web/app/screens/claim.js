// Claiming a phone: the number, a code by SMS, then a key made here
// (never sent anywhere; only its address goes to the node), the node's
// attestation for it, and the phone_bind the key signs. For a phone already
// bound to another key the bind only starts a re-bind, which waits the
// chain's delay (rebind.js shows it).
import { useState } from 'preact/hooks';
import { RpcUnavailable } from '../../lib/rpc.js';
import { describeError } from '../errors.js';
import { unbroken } from '../phone-text.js';
import { forgetKey, saveKey } from '../store.js';
import { Alert, Button, Field, html, useI18n } from '../ui.js';
import { bindPhone, confirmCode, newKey, requestCode } from '../wallet.js';

/**
 * `expected`: the account of the link (null on `/`), so a number that is
 * not the link's is said, not bound; `taken`: the phone is bound to a key
 * that is not on this device. `onClaimed(account)` once bound or announced.
 */
export function Claim({ node, expected, taken, onClaimed }) {
  const { t } = useI18n();
  const [step, setStep] = useState('phone');
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [expiresMin, setExpiresMin] = useState(0);

  async function ask(event) {
    event.preventDefault();
    if (phone.trim() === '') return setError({ key: 'error.phone_empty' });
    setBusy(true);
    setError(null);
    try {
      const { expires_in_s } = await requestCode(node, phone.trim());
      setExpiresMin(Math.max(1, Math.round(expires_in_s / 60)));
      setStep('code');
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  async function confirm(event) {
    event.preventDefault();
    const typed = code.replace(/\s+/g, '');
    if (!/^[0-9]+$/.test(typed)) return setError({ key: 'error.code_empty' });
    setBusy(true);
    setError(null);
    const key = newKey();
    try {
      const attested = await confirmCode(node, phone.trim(), typed, key.address);
      if (expected && attested.account !== expected) {
        // The code proved another number: binding it here would not claim this link.
        setStep('phone');
        setCode('');
        return setError({ key: 'error.number_mismatch' });
      }
      // Kept before the bind is sent, so an answer lost on the way loses no key.
      await saveKey(attested.account, node.chainIdHex, key.seed);
      try {
        await bindPhone(node, key.seed, attested.attestation);
      } catch (e) {
        if (!(e instanceof RpcUnavailable)) await forgetKey(attested.account);
        throw e;
      }
      onClaimed(attested.account);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  if (step === 'phone')
    return html`
      <form key="phone" class="card" onSubmit=${ask} data-testid="claim">
        <h2>${t(expected ? 'claim.title' : 'claim.title_home')}</h2>
        <p>${t(taken ? 'claim.intro_taken' : 'claim.intro')}</p>
        <${Field}
          label=${t('claim.phone')}
          hint=${t('claim.phone_hint')}
          testid="claim-phone"
          type="tel"
          autocomplete="tel"
          inputmode="tel"
          value=${phone}
          onInput=${setPhone}
        />
        <${Alert} error=${error} />
        <${Button} type="submit" busy=${busy} data-testid="claim-request">${t('claim.send_code')}<//>
      </form>
    `;

  // Keyed apart: a field reused across the steps would keep the code's
  // `pattern`, and the browser would then refuse to submit a phone number.
  return html`
    <form key="code" class="card" onSubmit=${confirm} data-testid="claim">
      <h2>${t('claim.code_title')}</h2>
      <p>${t('claim.code_sent', { phone: unbroken(phone.trim()), count: expiresMin })}</p>
      <${Field}
        label=${t('claim.code')}
        testid="claim-code"
        type="text"
        autocomplete="one-time-code"
        inputmode="numeric"
        pattern="[0-9]*"
        value=${code}
        onInput=${setCode}
      />
      <${Alert} error=${error} />
      <${Button} type="submit" busy=${busy} data-testid="claim-confirm">${t('claim.confirm')}<//>
      <${Button}
        kind="secondary"
        type="button"
        onClick=${() => {
          setStep('phone');
          setError(null);
        }}
      >
        ${t('claim.change_phone')}
      <//>
    </form>
  `;
}
