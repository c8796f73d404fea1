// A venue's dashboard and history (read-only: what venue.stats, venue.series
// and venue.history give anyone), shown at `#view=TICKER` and inside the
// owner's own venue page. The code behind them (panels.js and what it
// imports) is fetched on first use, so the owner's other screens (the
// wizard, the settings) do not carry it; the stylesheet is small and comes
// with the page, since a stylesheet of a lazy chunk would not be loaded.
import './views.css';
import { html, lazy } from '../ui.js';

const Body = lazy(() => import('./panels.js').then((m) => m.VenuePanels));

/** `node`: connect()'s result; `ticker`: the venue's coin. */
export function VenueViews({ node, ticker }) {
  return html`<${Body} node=${node} ticker=${ticker} />`;
}
