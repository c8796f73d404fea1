// A venue's card: name, logo (or a letter avatar), address with a map link,
// phone, links and hours, from venue.get's profile. Every text is the
// owner's and goes into the page as text, never as markup.
import { html, useI18n } from '../ui.js';
import { initialOf, linkLabel, mapLink, sameOriginImage, telLink, webLinks } from '../venue-info.js';

export function VenueCard({ venue }) {
  const { t } = useI18n();
  const p = venue.profile;
  const logo = sameOriginImage(p.logo_url, location.origin);
  const map = mapLink(p.geo);
  const tel = telLink(p.phone);
  const links = webLinks(p.links);
  return html`
    <section class="card venue" aria-labelledby="venue-name" data-testid="venue">
      <div class="venue-head">
        ${logo
          ? html`<img class="avatar" src=${logo} alt="" width="56" height="56" />`
          : html`<span class="avatar letter" aria-hidden="true">${initialOf(p.name)}</span>`}
        <h2 id="venue-name">${p.name}</h2>
      </div>
      <dl class="facts">
        ${(p.address || map) &&
        html`<dt>${t('venue.address')}</dt>
          <dd>
            ${p.address && html`<span class="line">${p.address}</span>`}
            ${map && html`<a class="inline" href=${map} target="_blank" rel="noopener noreferrer">${t('venue.map')}</a>`}
          </dd>`}
        ${p.hours && html`<dt>${t('venue.hours')}</dt><dd>${p.hours}</dd>`}
        ${tel && html`<dt>${t('venue.phone')}</dt><dd><a class="inline" href=${tel}>${p.phone}</a></dd>`}
        ${links.length > 0 &&
        html`<dt>${t('venue.links')}</dt>
          <dd>
            <ul class="links">
              ${links.map((l) => html`<li key=${l}><a class="inline" href=${l} target="_blank" rel="noopener noreferrer">${linkLabel(l)}</a></li>`)}
            </ul>
          </dd>`}
      </dl>
    </section>
  `;
}
