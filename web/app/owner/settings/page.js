// A venue's settings (#settings=TICKER), fetched on first use (settings.js):
// venue.get, then the owner's key from this browser's key ring (keyring.js),
// then three sections that each sign their own transaction with it — the
// profile (venue_update), the rewards (product_upsert, catalogue.js) and
// the staff (staff_update, transfer, staff_remove; staff.js). After every
// change the page reads venue.get again, so what it shows is the chain's.
// A fourth, the messages (templates.js), signs node-side requests instead:
// how the venue words its SMS, kept by the node, not the chain.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeError } from '../../errors.js';
import { makeTranslator } from '../../i18n-core.js';
import { Alert, Button, Field, I18n, Notice, html, useI18n } from '../../ui.js';
import { mapLink } from '../../venue-info.js';
import { ownerKey, ownerKeys, ownerVenues, saveOwnerVenue } from '../keyring.js';
import { messages } from '../messages-settings.js';
import { ownerHash } from '../route.js';
import { Catalogue } from './catalogue.js';
import { describeSettingsError, updateProfile } from './chain.js';
import { profileForm, profileFromForm } from './forms.js';
import { ImagePicker, Outcome, TextArea, focusFirstProblem, problemText, useAction } from './parts.js';
import { Staff } from './staff.js';
import { Templates } from './templates.js';

/**
 * `node`: connect()'s result; `ticker`: the venue's coin (route.js checked
 * its shape). The settings' texts come with this chunk, not with the
 * owner's first load: its `settings.*` keys are looked up here, every
 * other key (loading, retry, error.*) in the page's own dictionary.
 */
export function SettingsPage(props) {
  const page = useI18n();
  const i18n = useMemo(() => {
    const own = makeTranslator(messages, page.lang);
    return { ...page, t: (key, params) => (key.startsWith('settings.') ? own.t(key, params) : page.t(key, params)) };
  }, [page]);
  return html`<${I18n.Provider} value=${i18n}><${Settings} ...${props} /><//>`;
}

function Settings({ node, ticker }) {
  const { t } = useI18n();
  const [state, setState] = useState({ status: 'loading' });
  const [reloading, setReloading] = useState(false);

  const load = async () => {
    try {
      const venue = await node.client.call('venue.get', { ticker });
      const key = await ownerKey(venue.owner, node.chainIdHex);
      if (!key) {
        const others = await ownerKeys(node.chainIdHex);
        return setState({ status: others.length ? 'not_owner' : 'no_key', venue });
      }
      setState({ status: 'ready', venue, seed: key.seed });
      // The home lists the venues this browser owns: a key opened elsewhere makes this one of them.
      const known = await ownerVenues(node.chainIdHex).catch(() => null);
      if (known && !known.some((v) => v.ticker === ticker)) await saveOwnerVenue(node.chainIdHex, ticker, venue.owner).catch(() => null);
    } catch (e) {
      if (e?.code === 2001) return setState({ status: 'unknown' });
      setState({ status: 'failed', error: describeError(e) });
    }
  };
  useEffect(() => {
    setState({ status: 'loading' });
    load();
  }, [ticker, node.chainIdHex]);

  /**
   * venue.get again after a change: resolves to the venue as the chain has
   * it now, or null when the node cannot say. A change is committed before
   * this runs, so a failed read must not turn its "done" into a refusal.
   */
  const refresh = async () => {
    try {
      const venue = await node.client.call('venue.get', { ticker });
      setState((s) => ({ ...s, venue }));
      return venue;
    } catch {
      return null;
    }
  };

  switch (state.status) {
    case 'loading':
      return html`<${Notice}>${t('loading')}<//>`;
    case 'unknown':
      return html`<p class="alert" role="alert" data-testid="settings-unknown">${t('settings.unknown_venue', { ticker })}</p>`;
    case 'failed':
      return html`<${Alert} error=${state.error} testid="settings-failed" />
        <${Button} type="button" onClick=${load}>${t('retry')}<//>`;
    case 'no_key':
    case 'not_owner':
      return html`
        <section class="settings" data-testid="settings-no-key">
          <h1>${t('settings.title', { name: state.venue.profile.name })}</h1>
          <p class="alert" role="alert" data-testid=${state.status === 'no_key' ? 'no-key' : 'not-owner'}>
            ${state.status === 'no_key'
              ? t('settings.no_key', { ticker })
              : t('settings.not_owner_key', { ticker, owner: state.venue.owner })}
          </p>
          <p class="actions">
            <a class="button primary" href=${ownerHash('import')} data-testid="settings-import">${t('settings.import')}</a>
            <a class="button secondary" href=${ownerHash('view', ticker)}>${t('settings.back')}</a>
          </p>
        </section>
      `;
  }
  const { venue, seed } = state;
  // What another device changed (a treasury spent elsewhere): read again; a failure leaves the page as it was.
  const reload = async () => {
    setReloading(true);
    await refresh();
    setReloading(false);
  };
  const change = { node, seed, ticker, venue, refresh };
  return html`
    <section class="settings" data-testid="settings">
      <h1>${t('settings.title', { name: venue.profile.name })}</h1>
      <p class="actions">
        <a class="button link" href=${ownerHash('venue', ticker)}>${t('settings.back')}</a>
        <${Button} type="button" kind="link" busy=${reloading} onClick=${reload} data-testid="settings-reload">${t('settings.reload')}<//>
      </p>
      <div class="settings-grid">
        <${Profile} change=${change} />
        <${Catalogue} change=${change} />
        <${Staff} change=${change} />
        <${Templates} change=${change} />
      </div>
    </section>
  `;
}

function Profile({ change }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { node, seed, ticker, venue, refresh } = change;
  const [form, setForm] = useState(() => profileForm(venue.profile));
  const [problems, setProblems] = useState({});
  const action = useAction();
  const set = (name) => (value) => setForm((f) => ({ ...f, [name]: value }));
  const field = (name, extra = {}) => ({
    label: t(`settings.field.${name}`),
    value: form[name],
    onInput: set(name),
    error: problemText(i18n, problems[name]),
    testid: `profile-${name}`,
    ...extra,
  });

  const submit = async (e) => {
    e.preventDefault();
    const el = e.currentTarget;
    const { profile, problems: found } = profileFromForm(form);
    setProblems(found);
    if (!profile) return (focusFirstProblem(el), action.clear());
    await action.run(async () => {
      const answer = await updateProfile(node, seed, ticker, profile);
      const now = await refresh();
      if (now) setForm(profileForm(now.profile));
      return { key: 'settings.profile.saved', params: { height: answer.height } };
    });
  };

  const map = mapLink(venue.profile.geo);
  return html`
    <form class="card settings-card" data-testid="profile" onSubmit=${submit} noValidate>
      <h2>${t('settings.profile.title')}</h2>
      <${Field} ...${field('name')} autocomplete="organization" />
      <${ImagePicker} label=${t('settings.field.logo_file')} url=${form.logo_url} saved=${venue.profile.logo_url}
        onUrl=${set('logo_url')} testid="profile-logo" uploadedKey="settings.logo.uploaded" clearKey="settings.logo.clear"
        noneKey="settings.hint.logo_none" />
      <${Field} ...${field('address')} autocomplete="street-address" />
      <div class="pair">
        <${Field} ...${field('lat')} inputmode="decimal" hint=${t('settings.hint.geo')} />
        <${Field} ...${field('lon')} inputmode="decimal" />
      </div>
      ${map && html`<a class="button link" href=${map} rel="noopener noreferrer" target="_blank">${t('settings.profile.map')}</a>`}
      <${Field} ...${field('phone')} type="tel" autocomplete="tel" />
      <${TextArea} ...${field('links')} hint=${t('settings.hint.links')} rows=${3} />
      <${Field} ...${field('hours')} />
      <${Outcome} action=${action} testid="profile" />
      <${Button} type="submit" busy=${action.busy} data-testid="profile-save">${t('settings.profile.save')}<//>
    </form>
  `;
}
