// Small pieces the settings' sections share: a change on its way (busy, its
// refusal, its result), a field's problem as text, a multi-line field and a
// choice, labelled like ui.js's Field.
import { useId, useState } from 'preact/hooks';
import { Alert, Notice, html, useI18n } from '../../ui.js';
import { MediaError, describeSettingsError, uploadImage } from './chain.js';

/**
 * A change the owner asked for: `{ busy, error, done, run(work) }`. `work`
 * resolves to the message shown once it is through (`{ key, params }`);
 * a refusal becomes `error` (what to do next) and nothing typed is lost.
 */
export function useAction() {
  const [state, setState] = useState({ busy: false, error: null, done: null });
  const run = async (work) => {
    setState({ busy: true, error: null, done: null });
    try {
      const done = await work();
      setState({ busy: false, error: null, done });
      return true;
    } catch (e) {
      setState({ busy: false, error: describeSettingsError(e), done: null });
      return false;
    }
  };
  return { ...state, run, clear: () => setState({ busy: false, error: null, done: null }) };
}

/** The result of a useAction: the refusal, or the calm message that it went through. */
export function Outcome({ action, testid }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (action.error) return html`<${Alert} error=${action.error} testid=${`${testid}-error`} />`;
  if (action.done) return html`<${Notice} testid=${`${testid}-done`}>${t(action.done.key, shownParams(i18n, action.done.params))}<//>`;
  return null;
}

/**
 * A field's problem (forms.js) as a sentence naming the field, or
 * undefined; `i18n` is the page's ({ t, amount }).
 */
export function problemText(i18n, p) {
  if (!p) return undefined;
  return i18n.t(p.key, shownParams(i18n, { ...p.params, field: i18n.t(p.params.field) }));
}

/**
 * A message's params as the page's language shows them, at render time (so
 * a switch of language redoes them): `*_amount` params are decimal strings
 * from the node or forms.js, formatted by Intl; `role` is a staff role's
 * name (encoding.js staff_roles).
 */
export function shownParams(i18n, params = {}) {
  const out = { ...params };
  for (const [name, value] of Object.entries(out)) if (name.endsWith('_amount')) out[name] = i18n.amount(value);
  if (out.role !== undefined) out.role = i18n.t(`settings.staff.role.${out.role}`);
  return out;
}

/** A labelled multi-line text field. */
export function TextArea({ label, hint, error, testid, value, onInput, rows = 3 }) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      <textarea
        id=${id}
        rows=${rows}
        data-testid=${testid}
        value=${value}
        onInput=${(e) => onInput(e.currentTarget.value)}
        aria-describedby=${described}
        aria-invalid=${error ? 'true' : undefined}
      ></textarea>
      ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
      ${error && html`<p class="field-error" id=${`${id}-error`}>${error}</p>`}
    </div>
  `;
}

/** A labelled choice of `options` ([value, text] pairs). */
export function Choice({ label, value, onChange, testid, options }) {
  const id = useId();
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      <select id=${id} data-testid=${testid} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
        ${options.map(([v, text]) => html`<option key=${v} value=${v}>${text}</option>`)}
      </select>
    </div>
  `;
}

/**
 * Once the form shows its problems, moves the focus to the first field
 * refused, so a keyboard or screen reader user lands on what to fix.
 */
export function focusFirstProblem(form) {
  requestAnimationFrame(() => form.querySelector('[aria-invalid="true"]')?.focus());
}

/**
 * A picture for the chain (a venue's logo, a reward's image): the file is
 * uploaded to the node (POST /media) at once and its URL handed to
 * `onUrl`; it reaches the chain only when the form is saved, which
 * `uploadedKey` says as long as `url` differs from `saved` (the chain's).
 */
export function ImagePicker({ label, url, saved, onUrl, testid, uploadedKey, clearKey, noneKey }) {
  const { t } = useI18n();
  const id = useId();
  const [upload, setUpload] = useState({ busy: false, error: null });
  const pick = async (e) => {
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    setUpload({ busy: true, error: null });
    try {
      onUrl(await uploadImage(file));
      setUpload({ busy: false, error: null });
    } catch (err) {
      setUpload({ busy: false, error: describeSettingsError(err instanceof MediaError ? err : new MediaError('unavailable')) });
    }
  };
  // Only the node's own pictures are shown: the CSP loads images from it alone.
  const preview = url.startsWith('/media/') ? url : null;
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      <input id=${id} type="file" accept="image/png,image/jpeg,image/webp" data-testid=${`${testid}-file`}
        onChange=${pick} aria-describedby=${`${id}-hint`} />
      <p class="hint" id=${`${id}-hint`}>
        ${t('settings.hint.image')} ${url ? t('settings.hint.image_now', { url }) : t(noneKey)}
      </p>
      ${preview && html`<img class="logo-preview" src=${preview} alt=${label} data-testid=${`${testid}-preview`} />`}
      ${url && html`<button class="button link" type="button" data-testid=${`${testid}-clear`} onClick=${() => onUrl('')}>${t(clearKey)}</button>`}
      ${upload.busy && html`<${Notice}>${t('settings.image.uploading')}<//>`}
      ${!upload.busy && url !== saved && url !== '' && html`<${Notice} testid=${`${testid}-uploaded`}>${t(uploadedKey)}<//>`}
      <${Alert} error=${upload.error} testid=${`${testid}-error`} />
    </div>
  `;
}
