// A phone moving between keys (docs/formats.md phone_bind; kinds 11 and 12).
// On the new device: the move waits the chain's delay, so the page shows
// when it takes effect and, once due, completes it with the new key. On the
// old device, whose key still holds the phone: a warning with a button that
// cancels the move.
import { useEffect, useState } from 'preact/hooks';
import { RpcError } from '../../lib/rpc.js';
import { describeError } from '../errors.js';
import { Alert, Button, Notice, html, useI18n } from '../ui.js';
import { cancelRebind, completeRebind } from '../wallet.js';

// setTimeout's longest wait; a later due time is simply checked again then.
const timer_ms_max = 2 ** 31 - 1;

/** The new device: `rebind` is account.balances' `{ key, effective_s }`; `onDone` once the phone is this key's. */
export function RebindPending({ node, seed, account, rebind, onDone }) {
  const { t, dateTime } = useI18n();
  const [due, setDue] = useState(() => node.nowS() >= BigInt(rebind.effective_s));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function complete() {
    setBusy(true);
    setError(null);
    try {
      await completeRebind(node, seed, account);
      onDone();
    } catch (e) {
      // The block's clock is a little behind the page's estimate of it: wait again.
      if (e instanceof RpcError && e.reason === 'rebind_not_due') return setDue(false);
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (due) {
      complete();
      return undefined;
    }
    const waitMs = Number(BigInt(rebind.effective_s) * 1000n - BigInt(node.nowMs()));
    const timer = setTimeout(() => setDue(node.nowS() >= BigInt(rebind.effective_s)), Math.min(Math.max(waitMs, 0) + 1000, timer_ms_max));
    return () => clearTimeout(timer);
  }, [due]);

  return html`
    <section class="card" aria-labelledby="pending-title" data-testid="rebind-pending">
      <h2 id="pending-title">${t('rebind.pending_title')}</h2>
      ${due
        ? html`<${Notice}>${t('rebind.completing')}<//>`
        : html`
            <p class="big">${t('rebind.pending_when', { when: dateTime(rebind.effective_s * 1000) })}</p>
            <p>${t('rebind.pending_why')}</p>
          `}
      <${Alert} error=${error} />
      ${due && error && html`<${Button} type="button" busy=${busy} onClick=${complete}>${t('rebind.complete')}<//>`}
    </section>
  `;
}

/** The old device: someone asked to move this phone to `rebind.key`. */
export function RebindWarning({ node, seed, account, rebind, onCancelled }) {
  const { t, dateTime } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function cancel() {
    setBusy(true);
    setError(null);
    try {
      await cancelRebind(node, seed, account);
      onCancelled();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return html`
    <section class="card warning" role="alert" aria-labelledby="warning-title" data-testid="rebind-warning">
      <h2 id="warning-title">${t('rebind.warning_title')}</h2>
      <p>${t('rebind.warning_text', { when: dateTime(rebind.effective_s * 1000) })}</p>
      <p>${t('rebind.warning_what')}</p>
      <${Alert} error=${error} />
      <${Button} kind="danger" type="button" busy=${busy} data-testid="rebind-cancel" onClick=${cancel}>${t('rebind.cancel')}<//>
    </section>
  `;
}
