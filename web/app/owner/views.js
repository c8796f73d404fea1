// A venue's dashboard and history (read-only: what venue.stats, venue.series
// and venue.history give anyone), shown at `#view=TICKER` and inside the
// owner's own venue page.
import { Notice, html, useI18n } from '../ui.js';

/** `node`: connect()'s result; `ticker`: the venue's coin. */
export function VenueViews({ ticker }) {
  const { t } = useI18n();
  return html`<section data-testid="venue-views" data-ticker=${ticker}><${Notice}>${t('views.loading')}<//></section>`;
}
