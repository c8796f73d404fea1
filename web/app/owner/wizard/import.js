// #import: a keystore file the CLI made (`kopilka key export NAME > file`,
// or a file of its wallet dir) opened with its passphrase in this page, the
// key kept in the key ring as backed up (the file is the backup), and the
// venues it owns on this node found with venue.list and remembered.
import { useState } from 'preact/hooks';
import { describeError } from '../../errors.js';
import { Alert, Button, Field, Notice, html, useI18n } from '../../ui.js';
import { saveOwnerKey, saveOwnerVenue } from '../keyring.js';
import { ownerHash } from '../route.js';
import { FilePicker, useErrorText } from './parts.js';

/** A keystore is under 400 bytes; anything past this is no keystore, and is not read whole. */
export const keystore_file_bytes_max = 4096;

/** The tickers `address` owns among venue.list's answer. */
export const venuesOwnedBy = (list, address) => list.venues.filter((v) => v.owner === address).map((v) => v.ticker);

export function ImportKeystore({ node }) {
  const { t } = useI18n();
  const text = useErrorText();
  const [file, setFile] = useState(null);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);

  const open = async (e) => {
    e.preventDefault();
    if (!file) return setError({ key: 'owner.import.error.no_file' });
    if (file.size > keystore_file_bytes_max) return setError({ key: 'owner.import.error.not_keystore' });
    setBusy(true);
    setError(null);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { openSeed, KeystoreError } = await import('./vault.js');
      let opened;
      try {
        opened = await openSeed(bytes, passphrase);
      } catch (err) {
        if (err instanceof KeystoreError) {
          setError({ key: err.code === 'wrong_passphrase' ? 'owner.import.error.wrong_passphrase' : 'owner.import.error.not_keystore' });
          return;
        }
        throw err;
      }
      const record = await saveOwnerKey(node.chainIdHex, opened.seed, { backedUp: true });
      opened.seed.fill(0);
      setPassphrase('');
      const tickers = venuesOwnedBy(await node.client.call('venue.list'), record.address);
      for (const ticker of tickers) await saveOwnerVenue(node.chainIdHex, ticker, record.address);
      setDone({ address: record.address, tickers });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  if (done)
    return html`
      <section class="wizard-step" data-testid="import-done">
        <h1>${t('owner.import.done_title')}</h1>
        <p class="address-line">${t('owner.wizard.key.address')} <code data-testid="import-address">${done.address}</code></p>
        ${done.tickers.length === 0
          ? html`<p data-testid="import-none">${t('owner.import.none')}</p>`
          : html`<p>${t('owner.import.owns')}</p>
              <ul class="venue-list">
                ${done.tickers.map((ticker) => html`<li key=${ticker}><a class="button secondary" href=${ownerHash('venue', ticker)} data-testid=${`imported-${ticker}`}>${ticker}</a></li>`)}
              </ul>`}
        <p class="actions"><a class="button link" href=${ownerHash('home')}>${t('owner.venue.all')}</a></p>
      </section>
    `;
  return html`
    <form class="wizard-step" onSubmit=${open} novalidate data-testid="import">
      <h1>${t('owner.import.title')}</h1>
      <p class="hint">${t('owner.import.intro')}</p>
      <${FilePicker} label=${t('owner.import.file')} testid="keystore-file" accept=".json,.key,.txt,text/plain,application/json" onFile=${(f) => (setFile(f), setError(null))} />
      <${Field} label=${t('owner.import.passphrase')} type="password" autocomplete="current-password" testid="import-passphrase" value=${passphrase} onInput=${setPassphrase} />
      ${busy && html`<${Notice}>${t('owner.import.opening')}<//>`}
      <${Alert} error=${error} testid="import-error" />
      <p class="actions">
        <${Button} type="submit" busy=${busy} data-testid="import-open">${t('owner.import.open')}<//>
        <a class="button link" href=${ownerHash('home')}>${t('owner.venue.all')}</a>
      </p>
    </form>
  `;
}
