// The page of one phone account (the SMS link /c/<ref>): which screen it
// shows depends on the chain and on the key this browser holds for it.
//
//   the key is the phone's bound key        → the cabinet
//   a re-bind to this key is waiting        → the pending move
//   no key here, or one the phone left      → what the link holds, and the claim
import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeError } from '../errors.js';
import { keyFor } from '../store.js';
import { Alert, Button, Notice, html, useI18n } from '../ui.js';
import { addressOf } from '../wallet.js';
import { Cabinet } from './cabinet.js';
import { Claim } from './claim.js';
import { Preview } from './preview.js';
import { RebindPending } from './rebind.js';

function screenFor(balances, key) {
  const mine = key ? addressOf(key.seed) : null;
  if (mine && balances.key === mine) return 'cabinet';
  if (mine && balances.rebind?.key === mine) return 'pending';
  return 'claim';
}

export function PhonePage({ node, account, go, recheck }) {
  const { t } = useI18n();
  const [state, setState] = useState(null);
  const [error, setError] = useState(null);

  const load = useCallback(async () => {
    try {
      const asked = async () => (await node.early?.take(account)) ?? node.client.accountBalances(account);
      const [balances, key] = await Promise.all([asked(), keyFor(account, node.chainIdHex)]);
      setState({ balances, key, screen: screenFor(balances, key) });
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  }, [node, account]);

  useEffect(() => {
    load();
  }, [load]);

  if (!state)
    return error
      ? html`<${Alert} error=${error} /><${Button} type="button" onClick=${load}>${t('retry')}<//>`
      : html`<${Notice}>${t('loading')}<//>`;

  const { balances, key, screen } = state;
  const trouble = error && html`<${Alert} error=${error} />`;
  if (screen === 'cabinet')
    return html`${trouble}<${Cabinet} node=${node} account=${account} seed=${key.seed} balances=${balances} reload=${load} recheck=${recheck} />`;
  if (screen === 'pending')
    return html`
      ${trouble}
      <${RebindPending} node=${node} seed=${key.seed} account=${account} rebind=${balances.rebind} onDone=${load} />
      <${Preview} balances=${balances} />
    `;
  return html`
    ${trouble}
    ${key && html`<${Notice} testid="key-left">${t('claim.key_left')}<//>`}
    <${Preview} balances=${balances} />
    <${Claim}
      node=${node}
      expected=${account}
      taken=${balances.claimed}
      onClaimed=${(claimed) => (claimed === account ? load() : go(claimed))}
    />
  `;
}
