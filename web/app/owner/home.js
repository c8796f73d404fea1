// The venues this browser owns (their keys are kept here, keyring.js), each
// leading to its own page; with none, the way to launch one or to bring the
// CLI's key in.
import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../errors.js';
import { Alert, Notice, html, useI18n } from '../ui.js';
import { ownerVenues } from './keyring.js';
import { ownerHash } from './route.js';
import { VenueViews } from './views.js';

/** `node`: connect()'s result. */
export function OwnerHome({ node }) {
  const { t } = useI18n();
  const [venues, setVenues] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    ownerVenues(node.chainIdHex).then(setVenues, (e) => setError(describeError(e)));
  }, [node.chainIdHex]);
  if (error) return html`<${Alert} error=${error} />`;
  if (venues === null) return html`<${Notice}>${t('loading')}<//>`;
  return html`
    <section class="owner-home" data-testid="owner-home">
      <h1>${t('owner.home.title')}</h1>
      ${venues.length === 0
        ? html`<p>${t('owner.home.none')}</p>`
        : html`<ul class="venue-list">
            ${venues.map(
              (v) => html`<li key=${v.ticker}>
                <a class="button secondary" href=${ownerHash('venue', v.ticker)} data-testid=${`venue-${v.ticker}`}>${v.ticker}</a>
              </li>`,
            )}
          </ul>`}
      <p class="actions">
        <a class="button primary" href=${ownerHash('new')} data-testid="launch">${t('owner.home.launch')}</a>
        <a class="button secondary" href=${ownerHash('import')} data-testid="import">${t('owner.home.import')}</a>
      </p>
    </section>
  `;
}

/** The owner's own venue: its name, its dashboard and history, and the way to its settings. */
export function OwnerVenue({ node, ticker }) {
  const { t } = useI18n();
  const [name, setName] = useState(null);
  useEffect(() => {
    // The heading names the venue once the node says; the ticker stands in meanwhile (and if it cannot).
    node.client.call('venue.get', { ticker }).then((v) => setName(v.profile?.name ?? null), () => setName(null));
  }, [ticker]);
  return html`
    <section class="owner-venue" data-testid="owner-venue">
      <h1>${name ? t('owner.venue.title', { name, ticker }) : ticker}</h1>
      <p class="venue-actions">
        <a class="button secondary" href=${ownerHash('settings', ticker)} data-testid="settings">${t('owner.venue.settings')}</a>
        <a class="button link" href=${ownerHash('home')}>${t('owner.venue.all')}</a>
      </p>
      <${VenueViews} node=${node} ticker=${ticker} embedded=${true} />
    </section>
  `;
}
