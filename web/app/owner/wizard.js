// The launch wizard (#new) and the keystore import (#import): being built.
import { Notice, html, useI18n } from '../ui.js';

export function Wizard() {
  const { t } = useI18n();
  return html`<${Notice}>${t('loading')}<//>`;
}

export function ImportKeystore() {
  const { t } = useI18n();
  return html`<${Notice}>${t('loading')}<//>`;
}
