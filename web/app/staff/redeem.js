// Redeeming a client's reward: the QR's text from a USB scanner (it types
// into the field and presses Enter), a paste, or the camera; the voucher is
// read whole (a phone client's bound key as its signer) and voucher.check
// says what it is and whether it would redeem; the staff member confirms and
// the page signs the redeem transaction (`kopilka redeem`'s) and submits it
// with wait. The answer fills the screen, green or red, with a beep and a
// buzz; every refusal says what to do next.
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatAmount } from '../../lib/amount.js';
import { VoucherQrError } from '../../lib/voucher.js';
import { countdownText } from '../i18n-core.js';
import { Button, Notice, html, useI18n } from '../ui.js';
import { UnclaimedPhone, checkVoucher, clientBalance, factsOf, readVoucher, signRedeem, submitSigned } from './actions.js';
import { Camera } from './camera.js';
import { refusalMessage, staffError } from './refusals.js';
import { scannedVoucher } from './scan-text.js';
import { signalVerdict, unlockAudio } from './signal.js';
import { StaffAlert, say } from './text.js';

/** The full-screen answer: `verdict` is `{ ok, message, details? }`. */
function Verdict({ verdict, onNext, onRetry }) {
  const i18n = useI18n();
  const { t } = i18n;
  const next = useRef(null);
  useEffect(() => {
    signalVerdict(verdict.ok);
    next.current?.focus();
  }, []);
  return html`
    <div class=${verdict.ok ? 'verdict ok' : 'verdict no'} role="alert" data-testid="verdict" data-verdict=${verdict.ok ? 'ok' : 'refused'}>
      <p class="verdict-mark" aria-hidden="true">${verdict.ok ? '✓' : '✕'}</p>
      <h2 class="verdict-title">${t(verdict.ok ? 'staff.verdict.ok' : 'staff.verdict.no')}</h2>
      <p class="verdict-text" data-testid="verdict-text">${say(i18n, verdict.message)}</p>
      ${verdict.details && html`<p class="verdict-details" data-testid="verdict-details">${say(i18n, verdict.details)}</p>`}
      ${onRetry && html`<button type="button" class="button verdict-button" onClick=${onRetry}>${t('staff.error.retry')}</button>`}
      <button type="button" class="button verdict-button" ref=${next} data-testid="verdict-next" onClick=${onNext}>${t('staff.verdict.next')}</button>
    </div>
  `;
}

export function Redeem({ node, staffKey, state, refresh }) {
  const i18n = useI18n();
  const { t } = i18n;
  const ticker = staffKey.ticker;
  const [text, setText] = useState('');
  const [camera, setCamera] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [found, setFound] = useState(null); // { voucher, check }
  const [verdict, setVerdict] = useState(null);
  const [signed, setSigned] = useState(null);
  const [, setTick] = useState(0);
  const input = useRef(null);

  // The confirm card's countdown runs on the node's clock.
  useEffect(() => {
    if (!found) return;
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [found]);

  const details = (voucher, check) =>
    check.product ? { key: 'staff.redeem.what', params: { product: check.product, price: check.price, ticker: voucher.ticker } } : null;

  async function examine(raw) {
    setError(null);
    const scanned = scannedVoucher(raw);
    if (scanned.problem) return setError({ key: `staff.scan.problem_${scanned.problem}` });
    setBusy(true);
    try {
      const voucher = await readVoucher(node, scanned.text);
      const check = await checkVoucher(node, staffKey, voucher);
      if (!check.ok) {
        const facts = { ...factsOf(ticker, state), client_balance: check.client_balance, voucher_ticker: voucher.ticker };
        return setVerdict({ ok: false, message: refusalMessage(check.reason, 'redeem', facts), details: details(voucher, check) });
      }
      setFound({ voucher, check });
      setSigned(null);
    } catch (e) {
      if (e instanceof VoucherQrError) setError({ key: 'staff.scan.damaged' });
      else if (e instanceof UnclaimedPhone) setVerdict({ ok: false, message: { key: 'staff.refusal.unclaimed' } });
      else setError(staffError(e, 'redeem', factsOf(ticker, state)));
    } finally {
      setBusy(false);
    }
  }

  async function redeem() {
    unlockAudio();
    // voucher.check does not know who scans: say "not staff" before signing anything, as kopilka redeem does.
    if (!state.me) return setVerdict({ ok: false, message: { key: 'staff.error.not_staff', params: { ticker } } });
    const { voucher, check } = found;
    const tx = signed ?? signRedeem(node, staffKey, voucher);
    setSigned(tx);
    setBusy(true);
    try {
      await submitSigned(node, tx);
      // What the client has left, as the ledger has it now (not computed here), to tell them.
      const left = await clientBalance(node, voucher).catch(() => null);
      setVerdict({
        ok: true,
        message: { key: 'staff.verdict.ok_text', params: { product: check.product ?? String(voucher.product_id), price: formatAmount(voucher.price), ticker } },
        details: left === null ? null : { key: 'staff.verdict.client_left', params: { balance: left, ticker } },
      });
      setSigned(null);
    } catch (e) {
      const lost = e?.name === 'RpcUnavailable';
      if (!lost) setSigned(null);
      const facts = { ...factsOf(ticker, state), client_balance: check.client_balance, voucher_ticker: voucher.ticker };
      setVerdict({ ok: false, lost, message: staffError(e, 'redeem', facts, { sent: true }), details: details(voucher, check) });
    } finally {
      setBusy(false);
      refresh();
    }
  }

  function nextClient() {
    setVerdict(null);
    setSigned(null);
    setFound(null);
    setText('');
    setTimeout(() => input.current?.focus(), 0);
  }

  if (verdict)
    return html`<${Verdict}
      verdict=${verdict}
      onNext=${nextClient}
      onRetry=${verdict.lost ? () => (setVerdict(null), redeem()) : null}
    />`;

  if (found) {
    const { voucher, check } = found;
    const left = Number(voucher.expiry_s - node.nowS());
    return html`
      <section class="card" aria-labelledby="redeem-title" data-testid="redeem-confirm">
        <h2 id="redeem-title">${say(i18n, { key: 'staff.redeem.what', params: { product: check.product ?? String(voucher.product_id), price: check.price, ticker: voucher.ticker } })}</h2>
        ${check.client_balance && html`<p class="big" data-testid="client-balance">${say(i18n, { key: 'staff.redeem.client_balance', params: { balance: check.client_balance, ticker } })}</p>`}
        <p data-testid="time-left">${t('staff.redeem.time_left', { time: countdownText(Math.max(0, left)) })}</p>
        <${Button} type="button" busy=${busy} data-testid="redeem-confirm-button" onClick=${redeem}>${t('staff.redeem.confirm')}<//>
        <${Button} kind="secondary" type="button" onClick=${() => (setFound(null), setText(''))}>${t('staff.redeem.cancel')}<//>
      </section>
    `;
  }

  return html`
    <form
      class="card"
      aria-labelledby="redeem-title"
      data-testid="redeem"
      novalidate
      onSubmit=${(e) => {
        e.preventDefault();
        unlockAudio();
        examine(text);
      }}
    >
      <h2 id="redeem-title">${t('staff.redeem.title')}</h2>
      <div class="field">
        <label for="scan-input">${t('staff.redeem.scan')}</label>
        <input
          id="scan-input"
          data-testid="scan-input"
          type="text"
          autocomplete="off"
          autocapitalize="characters"
          spellcheck="false"
          aria-describedby="scan-hint"
          ref=${input}
          value=${text}
          onInput=${(e) => setText(e.currentTarget.value)}
          onPaste=${(e) => {
            // A paste is a whole code: check it at once, as a scanner's Enter would.
            const pasted = e.clipboardData?.getData('text') ?? '';
            if (scannedVoucher(pasted).text) {
              e.preventDefault();
              setText(pasted.trim());
              unlockAudio();
              examine(pasted);
            }
          }}
        />
        <p class="hint" id="scan-hint">${t('staff.redeem.scan_hint')}</p>
      </div>
      ${busy && html`<${Notice}>${t('staff.redeem.checking')}<//>`}
      <${StaffAlert} error=${error} />
      <${Button} type="submit" busy=${busy} data-testid="scan-submit">${t('staff.redeem.check')}<//>
      ${camera
        ? html`<${Camera}
            onText=${(read) => {
              setCamera(false);
              setText(read);
              examine(read);
            }}
            onClose=${() => setCamera(false)}
          />`
        : html`<${Button} kind="secondary" type="button" data-testid="camera-open" onClick=${() => (unlockAudio(), setCamera(true))}>
            ${t('staff.redeem.camera')}
          <//>`}
    </form>
  `;
}
