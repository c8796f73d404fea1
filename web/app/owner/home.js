// The owner's own venue, or the launch wizard when this browser holds no
// owner key.
import { Notice, html, useI18n } from '../ui.js';

/** `node`: connect()'s result. */
export function OwnerHome() {
  const { t } = useI18n();
  return html`<${Notice}>${t('owner.home.none')}<//>`;
}
