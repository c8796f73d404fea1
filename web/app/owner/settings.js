// A venue's settings (#settings=TICKER): being built.
import { Notice, html, useI18n } from '../ui.js';

export function Settings() {
  const { t } = useI18n();
  return html`<${Notice}>${t('loading')}<//>`;
}
