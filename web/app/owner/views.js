// A venue's dashboard and history (read-only: what venue.stats, venue.series
// and venue.history give anyone), shown at `#view=TICKER` and inside the
// owner's own venue page. The code behind them (panels.js and what it
// imports) is fetched on first use, so the owner's other screens (the
// wizard, the settings) do not carry it; the stylesheet is small and comes
// with the page, since a stylesheet of a lazy chunk would not be loaded.
import './views.css';
import { html, lazy } from '../ui.js';

const Body = lazy(() => import('./panels.js').then((m) => m.VenuePanels));

/**
 * `node`: connect()'s result; `ticker`: the venue's coin; `embedded`: inside
 * a page that names the venue already (the owner's own venue page), so no
 * heading and no read-only note.
 */
export function VenueViews({ node, ticker, embedded = false }) {
  return html`<${Body} node=${node} ticker=${ticker} embedded=${embedded} />`;
}
