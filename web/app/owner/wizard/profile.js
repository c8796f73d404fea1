// Step 1: the venue's profile, exactly the fields venue_create carries
// (docs/formats.md "Profile"): name, logo (uploaded to the node with
// POST /media), street address, map point, phone, links, opening hours.
import { useState } from 'preact/hooks';
import { Button, Field, html, useI18n } from '../../ui.js';
import { UploadError, uploadLogo } from './chain.js';
import { checkProfile, logoProblem, logo_bytes_max, logo_types } from './model.js';
import { FilePicker, StepHead, TextArea, useErrorText } from './parts.js';

/** `form`: the profile as typed; `onNext(form, profile)` once it is whole. */
export function ProfileStep({ form: initial, onNext }) {
  const { t } = useI18n();
  const text = useErrorText();
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState({});
  const [logo, setLogo] = useState({ busy: false, error: null });
  // Typing in a field takes back what was said about it.
  const set = (name) => (value) => {
    setForm((f) => ({ ...f, [name]: value }));
    setErrors(({ [name]: _, ...rest }) => rest);
  };

  const pick = async (file) => {
    const problem = logoProblem(file);
    if (problem) return setLogo({ busy: false, error: problem });
    setLogo({ busy: true, error: null });
    try {
      const url = await uploadLogo(file);
      setForm((f) => ({ ...f, logo_url: url }));
      setLogo({ busy: false, error: null });
    } catch (e) {
      setLogo({ busy: false, error: e instanceof UploadError ? e.error : { key: 'owner.wizard.error.logo_failed' } });
    }
  };

  const next = (e) => {
    e.preventDefault();
    const checked = checkProfile(form);
    setErrors(checked.errors);
    if (checked.profile) onNext(form, checked.profile);
  };

  return html`
    <form class="wizard-step" onSubmit=${next} novalidate>
      <${StepHead} step="profile" />
      <p class="hint">${t('owner.wizard.profile.intro')}</p>
      <${Field} label=${t('owner.wizard.profile.name')} testid="venue-name" value=${form.name} onInput=${set('name')} error=${text(errors.name)} autocomplete="organization" required />
      <${FilePicker} label=${t('owner.wizard.profile.logo')} hint=${t('owner.wizard.profile.logo_hint', { max_kib: logo_bytes_max / 1024 })}
        testid="logo" accept=${logo_types.join(',')} onFile=${pick} error=${text(logo.error)} />
      ${logo.busy && html`<p class="notice" role="status">${t('owner.wizard.profile.logo_busy')}</p>`}
      ${form.logo_url && html`<p class="logo-preview"><img src=${form.logo_url} alt=${t('owner.wizard.profile.logo_alt')} data-testid="logo-preview" width="96" height="96" /></p>`}
      <${Field} label=${t('owner.wizard.profile.address')} testid="venue-address" value=${form.street_address} onInput=${set('street_address')} error=${text(errors.street_address)} autocomplete="street-address" />
      <fieldset class="geo">
        <legend>${t('owner.wizard.profile.geo')}</legend>
        <p class="hint">${t('owner.wizard.profile.geo_hint')}</p>
        <${Field} label=${t('owner.wizard.profile.lat')} testid="venue-lat" value=${form.lat} onInput=${set('lat')} error=${text(errors.lat)} inputmode="decimal" />
        <${Field} label=${t('owner.wizard.profile.lon')} testid="venue-lon" value=${form.lon} onInput=${set('lon')} error=${text(errors.lon)} inputmode="decimal" />
      </fieldset>
      <${Field} label=${t('owner.wizard.profile.phone')} testid="venue-phone" value=${form.phone} onInput=${set('phone')} error=${text(errors.phone)} type="tel" autocomplete="tel" />
      <${TextArea} label=${t('owner.wizard.profile.links')} hint=${t('owner.wizard.profile.links_hint')} testid="venue-links" value=${form.links} onInput=${set('links')} error=${text(errors.links)} rows="3" />
      <${Field} label=${t('owner.wizard.profile.hours')} hint=${t('owner.wizard.profile.hours_hint')} testid="venue-hours" value=${form.hours} onInput=${set('hours')} error=${text(errors.hours)} />
      <p class="actions"><${Button} type="submit" busy=${logo.busy} data-testid="next">${t('owner.wizard.next')}<//></p>
    </form>
  `;
}
