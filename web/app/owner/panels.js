// The dashboard and the history of a venue behind two tabs, after venue.get
// (views.js loads this module when the views are first shown).
import { useEffect, useState } from 'preact/hooks';
import { RpcError } from '../../lib/rpc.js';
import { describeError } from '../errors.js';
import { Alert, Button, Notice, html, useI18n } from '../ui.js';
import { Dashboard } from './dashboard.js';
import { History } from './history.js';

const tabs = Object.freeze(['dashboard', 'history']);

/** `node`: connect()'s result; `ticker`: the venue's coin. */
export function VenuePanels({ node, ticker, embedded }) {
  const { t } = useI18n();
  const [tab, setTab] = useState('dashboard');
  // A tab is made when first opened and kept (hidden) after, so its range,
  // filters and pages survive a look at the other.
  const [opened, setOpened] = useState(['dashboard']);
  const open = (name) => {
    setTab(name);
    setOpened((o) => (o.includes(name) ? o : [...o, name]));
  };
  const [venue, setVenue] = useState({ status: 'loading' });

  const loadVenue = () => {
    setVenue({ status: 'loading' });
    node.client
      .call('venue.get', { ticker })
      .then((v) => setVenue({ status: 'ok', venue: v }))
      .catch((e) =>
        e instanceof RpcError && e.code === 2001
          ? setVenue({ status: 'unknown', error: { key: 'views.unknown_venue', params: { ticker } } })
          : setVenue({ status: 'failed', error: describeError(e) }),
      );
  };
  useEffect(loadVenue, [ticker]);

  if (venue.status !== 'ok')
    return html`
      <section class="views" data-testid="venue-views" data-ticker=${ticker}>
        ${venue.status === 'loading' && html`<${Notice}>${t('views.loading')}<//>`}
        ${venue.status === 'unknown' && html`<${Alert} error=${venue.error} testid="unknown-venue" />`}
        ${venue.status === 'failed' && html`<${Alert} error=${venue.error} /><${Button} type="button" onClick=${loadVenue}>${t('retry')}<//>`}
      </section>
    `;
  const v = venue.venue;
  return html`
    <section class="views" data-testid="venue-views" data-ticker=${ticker}>
      ${!embedded && html`<h1>${t('views.title', { name: v.profile.name, ticker })}</h1><p class="hint">${t('views.read_only')}</p>`}
      <nav class="tabs" aria-label=${t('views.tabs')}>
        ${tabs.map(
          (name) => html`
            <button type="button" class="choice" aria-pressed=${tab === name ? 'true' : 'false'} data-testid=${`tab-${name}`} onClick=${() => open(name)}>
              ${t(`views.tab.${name}`)}
            </button>
          `,
        )}
      </nav>
      ${opened.includes('dashboard') && html`<div hidden=${tab !== 'dashboard'}><${Dashboard} node=${node} ticker=${ticker} /></div>`}
      ${opened.includes('history') && html`<div hidden=${tab !== 'history'}><${History} node=${node} venue=${v} /></div>`}
    </section>
  `;
}
