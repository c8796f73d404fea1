// A venue's settings (#settings=TICKER): the profile, the rewards and the
// staff, changed with the owner's key this browser holds (settings/page.js
// and what it imports). The code is fetched on first use, so the owner's
// other screens do not carry it; its stylesheet is small and comes with the
// page (owner.css), since a lazy chunk's stylesheet would not be loaded.
import { html, lazy } from '../ui.js';

const Body = lazy(() => import('./settings/page.js').then((m) => m.SettingsPage));

/** `node`: connect()'s result; `ticker`: the venue's coin. */
export function Settings({ node, ticker }) {
  return html`<${Body} node=${node} ticker=${ticker} />`;
}
