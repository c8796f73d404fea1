// Steps 2 and 3: the coin's ticker, checked against the chain as it is
// typed (venue.get: "not found" means free), and the three rewards.
import { useEffect, useState } from 'preact/hooks';
import { RpcError } from '../../../lib/rpc.js';
import { describeError } from '../../errors.js';
import { Button, Field, html, useI18n } from '../../ui.js';
import { checkRewards, normalTicker, tickerProblem } from './model.js';
import { StepHead, useErrorText } from './parts.js';

/** How long the typing must rest before the node is asked (one venue.get per pause, not per key). */
export const ticker_check_debounce_ms = 350;

/** Asks the node whether `ticker` is free: 'free' | 'taken', or throws the call's error. */
async function tickerState(node, ticker) {
  try {
    await node.client.call('venue.get', { ticker });
    return 'taken';
  } catch (e) {
    if (e instanceof RpcError && e.code === 2001) return 'free';
    throw e;
  }
}

/** `onNext(ticker)` once the node said it is free. */
export function TickerStep({ node, ticker: initial, onNext, onBack }) {
  const { t } = useI18n();
  const text = useErrorText();
  const [typed, setTyped] = useState(initial);
  // { ticker, state: 'checking' | 'free' | 'taken' | 'bad' | 'failed', error }
  const [check, setCheck] = useState({ ticker: '', state: 'bad', error: null });
  const ticker = normalTicker(typed);

  useEffect(() => {
    const problem = tickerProblem(ticker);
    if (problem) {
      setCheck({ ticker, state: 'bad', error: typed.trim() === '' ? null : problem });
      return undefined;
    }
    setCheck({ ticker, state: 'checking', error: null });
    let current = true;
    const timer = setTimeout(() => {
      tickerState(node, ticker).then(
        (state) => current && setCheck({ ticker, state, error: state === 'taken' ? { key: 'owner.wizard.error.ticker_taken', params: { ticker } } : null }),
        (e) => current && setCheck({ ticker, state: 'failed', error: describeError(e) }),
      );
    }, ticker_check_debounce_ms);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [ticker]);

  const ready = check.ticker === ticker && check.state === 'free';
  const submit = (e) => {
    e.preventDefault();
    if (ready) onNext(ticker);
  };
  return html`
    <form class="wizard-step" onSubmit=${submit} novalidate>
      <${StepHead} step="ticker" />
      <p class="hint">${t('owner.wizard.ticker.intro')}</p>
      <${Field} label=${t('owner.wizard.ticker.label')} hint=${t('owner.wizard.ticker.hint')} testid="ticker" value=${typed}
        onInput=${setTyped} error=${text(check.error)} autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="10" />
      <p class="ticker-state" role="status" aria-live="polite" data-testid="ticker-state" data-state=${check.ticker === ticker ? check.state : 'checking'}>
        ${check.state === 'checking' && t('owner.wizard.ticker.checking', { ticker })}
        ${check.state === 'free' && check.ticker === ticker && t('owner.wizard.ticker.free', { ticker })}
      </p>
      <p class="actions">
        <${Button} type="submit" disabled=${!ready} data-testid="next">${t('owner.wizard.next')}<//>
        <${Button} type="button" kind="secondary" onClick=${onBack}>${t('owner.wizard.back')}<//>
      </p>
    </form>
  `;
}

/** `onNext(rows, products)` with three rewards at different prices. */
export function RewardsStep({ ticker, rows: initial, onNext, onBack }) {
  const { t } = useI18n();
  const text = useErrorText();
  const [rows, setRows] = useState(initial);
  const [errors, setErrors] = useState(initial.map(() => ({})));
  const set = (i, name) => (value) => {
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [name]: value } : r)));
    setErrors((es) => es.map((e, j) => (j === i ? { ...e, [name]: undefined } : e)));
  };
  const submit = (e) => {
    e.preventDefault();
    const checked = checkRewards(rows);
    setErrors(checked.errors);
    if (checked.products) onNext(rows, checked.products);
  };
  return html`
    <form class="wizard-step" onSubmit=${submit} novalidate>
      <${StepHead} step="rewards" />
      <p class="hint">${t('owner.wizard.rewards.intro', { ticker })}</p>
      ${rows.map(
        (r, i) => html`
          <fieldset class="reward-row" key=${i}>
            <legend>${t('owner.wizard.rewards.legend', { n: i + 1 })}</legend>
            <${Field} label=${t('owner.wizard.rewards.name')} testid=${`reward-name-${i + 1}`} value=${r.name} onInput=${set(i, 'name')} error=${text(errors[i]?.name)} />
            <${Field} label=${t('owner.wizard.rewards.price', { ticker })} testid=${`reward-price-${i + 1}`} value=${r.price} onInput=${set(i, 'price')} error=${text(errors[i]?.price)} inputmode="decimal" />
          </fieldset>
        `,
      )}
      <p class="actions">
        <${Button} type="submit" data-testid="next">${t('owner.wizard.next')}<//>
        <${Button} type="button" kind="secondary" onClick=${onBack}>${t('owner.wizard.back')}<//>
      </p>
    </form>
  `;
}
