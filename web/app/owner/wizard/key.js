// Steps 4 and 5: the owner's key, made in this browser and kept in its key
// ring (keyring.js), and not used until the owner has downloaded its
// encrypted backup in the CLI's keystore format (passphrase typed twice);
// then the launch: venue_create and the rewards, each submitted with wait.
import { useState } from 'preact/hooks';
import { RpcError } from '../../../lib/rpc.js';
import { describeError } from '../../errors.js';
import { Alert, Button, Field, Notice, html, useI18n } from '../../ui.js';
import { markBackedUp, saveOwnerVenue } from '../keyring.js';
import { submitSigned } from './chain.js';
import { backupFileName, launchBodies, passphraseProblem } from './model.js';
import { StepHead, useErrorText } from './parts.js';

// The object URL of the download is revoked after this grace (the
// download holds its own reference by then; slow browsers need a moment).
const download_url_grace_ms = 60_000;

function download(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), download_url_grace_ms);
}

/** `key`: `{ seed, address }` (already in the key ring); `onNext()` once the backup was downloaded. */
export function KeyStep({ ticker, keyRecord, backedUp, onBackedUp, onNext }) {
  const { t } = useI18n();
  const text = useErrorText();
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(null);
  // Which Argon2id sealed it ('wasm' or 'js'), on the form for the tests.
  const [engine, setEngine] = useState(null);

  const seal = async (e) => {
    e.preventDefault();
    const why = passphraseProblem(first, second);
    setProblem(why);
    if (why) return;
    setBusy(true);
    setFailed(null);
    try {
      // The keystore chunk (Argon2id, XChaCha20) loads only now.
      const { kdfEngine, sealSeed } = await import('./vault.js');
      const keystore = await sealSeed(keyRecord.seed, `${ticker} owner`, first);
      setEngine(kdfEngine());
      download(keystore, backupFileName(ticker));
      await markBackedUp(keyRecord.address);
      setFirst('');
      setSecond('');
      onBackedUp();
    } catch {
      setFailed({ key: 'owner.wizard.error.backup_failed' });
    } finally {
      setBusy(false);
    }
  };

  return html`
    <form class="wizard-step" onSubmit=${seal} novalidate data-kdf=${engine ?? undefined}>
      <${StepHead} step="key" />
      <p>${t('owner.wizard.key.intro')}</p>
      <p class="address-line">${t('owner.wizard.key.address')} <code data-testid="owner-address">${keyRecord.address}</code></p>
      <p class="hint">${t('owner.wizard.key.passphrase_intro')}</p>
      <${Field} label=${t('owner.wizard.key.passphrase')} type="password" autocomplete="new-password" testid="passphrase" value=${first} onInput=${setFirst} />
      <${Field} label=${t('owner.wizard.key.passphrase_again')} type="password" autocomplete="new-password" testid="passphrase-again" value=${second} onInput=${setSecond}
        error=${text(problem)} />
      ${busy && html`<${Notice}>${t('owner.wizard.key.sealing')}<//>`}
      <${Alert} error=${failed} />
      ${backedUp && html`<${Notice} testid="backed-up">${t('owner.wizard.key.backed_up', { file: backupFileName(ticker) })}<//>`}
      <p class="actions">
        <${Button} type=${backedUp ? 'button' : 'submit'} kind=${backedUp ? 'secondary' : 'primary'} busy=${busy} data-testid="download-backup"
          onClick=${backedUp ? seal : undefined}>${t(backedUp ? 'owner.wizard.key.download_again' : 'owner.wizard.key.download')}<//>
        ${backedUp && html`<${Button} type="button" data-testid="next" onClick=${onNext}>${t('owner.wizard.next')}<//>`}
      </p>
      ${!backedUp && html`<p class="hint" data-testid="backup-needed">${t('owner.wizard.key.needed')}</p>`}
    </form>
  `;
}

/** Steps the launch signs, each once: `done` counts those committed, so a retry goes on from there. */
export function LaunchStep({ node, draft, onLaunched, onTickerTaken }) {
  const { t } = useI18n();
  const [done, setDone] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const bodies = launchBodies(draft.ticker, draft.profile, draft.products);

  const launch = async () => {
    setBusy(true);
    setError(null);
    let i = done;
    try {
      for (; i < bodies.length; i++) {
        await submitSigned(node, draft.key.seed, bodies[i]);
        setDone(i + 1);
      }
      await saveOwnerVenue(node.chainIdHex, draft.ticker, draft.key.address);
      onLaunched();
    } catch (e) {
      if (i === 0 && e instanceof RpcError && e.reason === 'ticker_taken') setError({ key: 'owner.wizard.error.ticker_taken_now', params: { ticker: draft.ticker } });
      else setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const tickerTaken = error?.key === 'owner.wizard.error.ticker_taken_now';
  return html`
    <section class="wizard-step">
      <${StepHead} step="launch" />
      <dl class="facts" data-testid="launch-summary">
        <dt>${t('owner.wizard.profile.name')}</dt><dd>${draft.profile.name}</dd>
        <dt>${t('owner.wizard.ticker.label')}</dt><dd>${draft.ticker}</dd>
        <dt>${t('owner.wizard.launch.supply')}</dt><dd>${t('owner.wizard.launch.supply_value', { ticker: draft.ticker })}</dd>
        ${draft.rewardRows.map((r, i) => html`<dt key=${`n${i}`}>${r.name.trim()}</dt><dd key=${`p${i}`}>${t('owner.wizard.launch.price', { price: r.price.trim(), ticker: draft.ticker })}</dd>`)}
      </dl>
      ${busy && html`<${Notice}>${t('owner.wizard.launch.busy', { done, total: bodies.length })}<//>`}
      <${Alert} error=${error} />
      <p class="actions">
        ${tickerTaken
          ? html`<${Button} type="button" onClick=${onTickerTaken} data-testid="choose-ticker">${t('owner.wizard.launch.choose_ticker')}<//>`
          : html`<${Button} type="button" busy=${busy} onClick=${launch} data-testid="launch">${t(done > 0 ? 'owner.wizard.launch.go_on' : 'owner.wizard.launch.go')}<//>`}
      </p>
    </section>
  `;
}

