// Small pieces every screen uses: the htm binding, the language context,
// labelled fields, buttons and the error notice. Styles are classes in
// cabinet.css only: the CSP forbids style attributes.
import { createContext, h } from 'preact';
import { useContext, useEffect, useId, useState } from 'preact/hooks';
import htm from 'htm';
import { languages } from './i18n-core.js';

export const html = htm.bind(h);

/** The page's language: `{ lang, t, amount, dateTime, setLanguage }` (i18n.js). */
export const I18n = createContext(null);
export const useI18n = () => useContext(I18n);

/** A labelled input; `hint` and `error` are texts shown under it and tied to it for screen readers. */
export function Field({ label, hint, hintTestid, error, testid, value, onInput, ...input }) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      <input
        id=${id}
        data-testid=${testid}
        value=${value}
        onInput=${(e) => onInput(e.currentTarget.value)}
        aria-describedby=${described}
        aria-invalid=${error ? 'true' : undefined}
        ...${input}
      />
      ${hint && html`<p class="hint" id=${`${id}-hint`} data-testid=${hintTestid}>${hint}</p>`}
      ${error && html`<p class="field-error" id=${`${id}-error`}>${error}</p>`}
    </div>
  `;
}

/** A button; `busy` disables it and says the work is on its way. */
export function Button({ kind = 'primary', busy = false, children, ...rest }) {
  return html`<button class=${`button ${kind}`} disabled=${busy} aria-busy=${busy ? 'true' : undefined} ...${rest}>${children}</button>`;
}

/** An error (`{ key, params }` from errors.js, or null) as a message that says what to do. */
export function Alert({ error, testid = 'error' }) {
  const { t } = useI18n();
  if (!error) return null;
  return html`<p class="alert" role="alert" data-testid=${testid}>${t(error.key, error.params)}</p>`;
}

/** A calm notice: something went right, or the page is waiting for something. */
export function Notice({ children, testid }) {
  return html`<p class="notice" role="status" data-testid=${testid}>${children}</p>`;
}

/** Switches to the other language (remembered in localStorage). */
function LanguageSwitch() {
  const { lang, t, setLanguage } = useI18n();
  const other = languages.find((l) => l !== lang);
  return html`
    <button class="button link" type="button" lang=${other} data-testid="language" onClick=${() => setLanguage(other)}>
      ${t(`language.${other}`)}
    </button>
  `;
}

/** The top bar: the product's name and the language switch. */
export function Header() {
  const { t } = useI18n();
  return html`
    <header class="top">
      <span class="brand">${t('brand')}</span>
      <${LanguageSwitch} />
    </header>
  `;
}

/**
 * A component fetched on first use with import(), so the first screen does
 * not carry it (the QR encoder): `load` resolves to the component. `quiet`:
 * a card the screen does without shows nothing while it loads or if it
 * cannot (no "loading", no error).
 */
export function lazy(load, { quiet = false } = {}) {
  let loaded = null;
  return function Lazy(props) {
    const { t } = useI18n();
    const [Component, setComponent] = useState(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Component) return;
      load()
        .then((c) => setComponent(() => (loaded = c)))
        .catch(() => setFailed(true));
    }, []);
    if (Component) return h(Component, props);
    if (quiet) return null;
    return failed ? html`<${Alert} error=${{ key: 'error.offline' }} />` : html`<${Notice}>${t('loading')}<//>`;
  };
}
