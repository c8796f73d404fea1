// Small pieces the wizard's steps share: a labelled multi-line field, a file
// picker, and the step's heading with its place in the journey.
import { useId } from 'preact/hooks';
import { html, useI18n } from '../../ui.js';

/** A labelled <textarea>; `hint` and `error` tied to it as ui.js Field does. */
export function TextArea({ label, hint, error, testid, value, onInput, ...rest }) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      <textarea id=${id} data-testid=${testid} value=${value} onInput=${(e) => onInput(e.currentTarget.value)}
        aria-describedby=${described} aria-invalid=${error ? 'true' : undefined} ...${rest}></textarea>
      ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
      ${error && html`<p class="field-error" id=${`${id}-error`} data-testid=${testid && `${testid}-error`}>${error}</p>`}
    </div>
  `;
}

/** A labelled file picker: `onFile(file)` with the chosen file. */
export function FilePicker({ label, hint, error, testid, accept, onFile }) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return html`
    <div class="field file-field">
      <label for=${id}>${label}</label>
      <input id=${id} type="file" accept=${accept} data-testid=${testid} aria-describedby=${described}
        aria-invalid=${error ? 'true' : undefined}
        onChange=${(e) => e.currentTarget.files?.[0] && onFile(e.currentTarget.files[0])} />
      ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
      ${error && html`<p class="field-error" id=${`${id}-error`} role="alert" data-testid=${testid && `${testid}-error`}>${error}</p>`}
    </div>
  `;
}

/** The wizard's steps, in order (their headings come from owner.wizard.step.<name>). */
export const wizard_steps = Object.freeze(['profile', 'ticker', 'rewards', 'key', 'launch', 'staff']);

/** The step's heading and "step n of m". */
export function StepHead({ step }) {
  const { t } = useI18n();
  const n = wizard_steps.indexOf(step) + 1;
  return html`
    <p class="step-count" data-testid="step-count">${t('owner.wizard.step_of', { n, total: wizard_steps.length })}</p>
    <h1 data-testid=${`step-${step}`}>${t(`owner.wizard.step.${step}`)}</h1>
  `;
}

/** `{ key, params }` → text, or undefined for none (the Field's `error` prop). */
export function useErrorText() {
  const { t } = useI18n();
  return (e) => (e ? t(e.key, e.params) : undefined);
}
