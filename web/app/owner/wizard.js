// The launch wizard (#new): profile → ticker → rewards → the owner's key
// and its backup → the launch (venue_create and the rewards, signed here)
// → staff invites → the venue's page. What was typed is kept in this
// component's memory only; the key goes to the key ring (keyring.js) the
// moment it is made, so a closed tab loses the typing, never the key.
// #import (opening the CLI's keystore) is wizard/import.js.
import { useState } from 'preact/hooks';
import { generateSeed, publicKeyOf } from '../../lib/keys.js';
import { describeError } from '../errors.js';
import { Alert, Notice, html, useI18n } from '../ui.js';
import { saveOwnerKey } from './keyring.js';
import { RewardsStep, TickerStep } from './wizard/coin.js';
import { KeyStep, LaunchStep } from './wizard/key.js';
import { emptyProfile, emptyRewards } from './wizard/model.js';
import { ProfileStep } from './wizard/profile.js';
import { StaffStep } from './wizard/staff.js';

export { ImportKeystore } from './wizard/import.js';

/** `node`: connect()'s result. */
export function Wizard({ node }) {
  const { t } = useI18n();
  const [step, setStep] = useState('profile');
  const [draft, setDraft] = useState(() => ({ form: emptyProfile(), profile: null, ticker: '', rewardRows: emptyRewards(), products: null, key: null, backedUp: false }));
  const [keyError, setKeyError] = useState(null);
  const update = (patch, next) => {
    setDraft((d) => ({ ...d, ...patch }));
    if (next) setStep(next);
    window.scrollTo(0, 0);
  };

  // The key is made once, when the owner reaches its step, and kept at once.
  const toKey = (rewardRows, products) => {
    update({ rewardRows, products }, 'key');
    if (draft.key) return;
    const seed = generateSeed();
    saveOwnerKey(node.chainIdHex, seed).then(
      (record) => setDraft((d) => ({ ...d, key: { seed, address: record.address, publicKey: publicKeyOf(seed) } })),
      (e) => setKeyError(describeError(e)),
    );
  };

  let screen;
  switch (step) {
    case 'profile':
      screen = html`<${ProfileStep} form=${draft.form} onNext=${(form, profile) => update({ form, profile }, 'ticker')} />`;
      break;
    case 'ticker':
      screen = html`<${TickerStep} node=${node} ticker=${draft.ticker} onNext=${(ticker) => update({ ticker }, 'rewards')} onBack=${() => setStep('profile')} />`;
      break;
    case 'rewards':
      screen = html`<${RewardsStep} ticker=${draft.ticker} rows=${draft.rewardRows} onNext=${toKey} onBack=${() => setStep('ticker')} />`;
      break;
    case 'key':
      screen = keyError
        ? html`<${Alert} error=${keyError} />`
        : draft.key
          ? html`<${KeyStep} ticker=${draft.ticker} keyRecord=${draft.key} backedUp=${draft.backedUp}
              onBackedUp=${() => update({ backedUp: true })} onNext=${() => draft.backedUp && update({}, 'launch')} />`
          : html`<${Notice}>${t('owner.wizard.key.making')}<//>`;
      break;
    case 'launch':
      screen = html`<${LaunchStep} node=${node} draft=${draft} onLaunched=${() => update({}, 'staff')} onTickerTaken=${() => setStep('ticker')} />`;
      break;
    default:
      screen = html`<${StaffStep} node=${node} ticker=${draft.ticker} keyRecord=${draft.key} />`;
  }
  return html`<div class="wizard" data-testid="wizard" data-step=${step}>${screen}</div>`;
}
