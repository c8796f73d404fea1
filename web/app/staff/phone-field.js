// The client's phone as the cashier types it, with its E.164 reading by the
// node's rules under the field (phone-preview.js), or what is wrong with it.
import { Field, html, useI18n } from '../ui.js';
import { phonePreview } from './phone-preview.js';

export function PhoneField({ node, value, onInput, testid, hintTestid }) {
  const { t } = useI18n();
  const preview = phonePreview(value, node.defaultCountry);
  const hint =
    value.trim() === ''
      ? t('staff.phone.problem_empty')
      : preview.e164
        ? t('staff.send.phone_will_be', { e164: preview.e164 })
        : t(`staff.phone.problem_${preview.problem}`);
  return html`
    <${Field}
      label=${t('staff.send.phone')}
      hint=${hint}
      hintTestid=${hintTestid}
      testid=${testid}
      type="tel"
      inputmode="tel"
      autocomplete="off"
      value=${value}
      onInput=${onInput}
    />
  `;
}
