// The venue's messages to its clients (docs/messages.md "Templates"): the
// language they are written in, and each kind of automatic message in
// Russian and English, as messages.templates.get gives them. While the owner
// types, the text is checked here by the node's rules (templates-form.js)
// and previewed by the node (messages.templates.preview): the SMS as a
// client would get it, how many parts and what it costs in credits. Saving
// signs the request with the owner's key (lib/templates.js) at the node's
// clock; the node keeps it off the chain and the next message uses it.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describeError } from '../../errors.js';
import { signTemplateLanguage, signTemplateText, template_languages } from '../../../lib/templates.js';
import { Alert, Button, Notice, html, useI18n } from '../../ui.js';
import { describeSettingsError } from './chain.js';
import { Choice, TextArea, useAction } from './parts.js';
import { preview_delay_ms, templateProblem, templateRefusal, textShown, textToSave, variableToken } from './templates-form.js';

/** Later than the node's clock and than the last request for the same slot: the node takes each once. */
const signedAt = (node, lastSignedMs) => Math.max(Math.floor(node.nowMs()), lastSignedMs + 1);

/**
 * A problem (`{ key, params }`) as a sentence, at render time so a switch of
 * language redoes it: a list param becomes "{venue}, {amount} or {link}".
 */
function problemSentence(i18n, problem) {
  const params = { ...(problem.params ?? {}) };
  if (Array.isArray(params.tokens)) params.tokens = new Intl.ListFormat(i18n.lang, { type: 'disjunction' }).format(params.tokens);
  return i18n.t(problem.key, params);
}

/** A save on its way (parts.js useAction), whose refusal is the templates' own when it is one of theirs. */
function useSave(slot, text) {
  const action = useAction();
  const [refusal, setRefusal] = useState(null);
  const run = (work) => {
    setRefusal(null);
    return action.run(async () => {
      try {
        return await work();
      } catch (e) {
        setRefusal(templateRefusal(e, slot, text));
        throw e;
      }
    });
  };
  return { ...action, refusal, run, clear: () => (setRefusal(null), action.clear()) };
}

export function Templates({ change }) {
  const { t } = useI18n();
  const { node, ticker } = change;
  const [state, setState] = useState({ status: 'loading' });
  const load = () =>
    node.client
      .call('messages.templates.get', { ticker })
      .then((templates) => setState({ status: 'ready', templates }))
      .catch((e) => setState({ status: 'failed', error: describeError(e) }));
  useEffect(() => {
    load();
  }, [ticker]);

  const body = () => {
    if (state.status === 'loading') return html`<${Notice}>${t('loading')}<//>`;
    if (state.status === 'failed')
      return html`<${Alert} error=${state.error} testid="templates-failed" />
        <${Button} type="button" kind="secondary" onClick=${load}>${t('retry')}<//>`;
    const { templates } = state;
    const saved = (now) => setState({ status: 'ready', templates: now });
    const kinds = [...new Set(templates.templates.map((s) => s.kind))];
    return html`
      <${Language} change=${change} templates=${templates} onSaved=${saved} />
      ${kinds.map(
        (kind) => html`
          <section key=${kind} class="template-kind" aria-labelledby=${`templates-${kind}`}>
            <h3 id=${`templates-${kind}`}>${t(`settings.templates.kind.${kind}`)}</h3>
            <${Variables} slot=${templates.templates.find((s) => s.kind === kind)} />
            <div class="template-editors">
              ${template_languages.map((language) => {
                const slot = templates.templates.find((s) => s.kind === kind && s.language === language);
                return slot && html`<${Editor} key=${`${kind}-${language}`} change=${change} slot=${slot} onSaved=${saved} />`;
              })}
            </div>
          </section>
        `,
      )}
    `;
  };
  return html`
    <section class="card settings-card" data-testid="templates" aria-labelledby="settings-templates">
      <h2 id="settings-templates">${t('settings.templates.title')}</h2>
      <p class="hint">${t('settings.templates.intro')}</p>
      ${body()}
    </section>
  `;
}

/** Which language the venue's clients get. */
function Language({ change, templates, onSaved }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { node, seed, ticker } = change;
  const [language, setLanguage] = useState(templates.language);
  const action = useSave(null, '');
  const save = (e) => {
    e.preventDefault();
    action.run(async () => {
      const params = signTemplateLanguage({ ticker, language, time_ms: signedAt(node, templates.language_signed_ms) }, seed, node.chainId);
      onSaved(await node.client.call('messages.templates.language', params));
      return { key: 'settings.templates.language_saved', params: { language } };
    });
  };
  return html`
    <form class="template-language" onSubmit=${save} noValidate data-testid="templates-language">
      <${Choice} label=${t('settings.templates.language')} value=${language} onChange=${setLanguage} testid="templates-language-choice"
        options=${template_languages.map((l) => [l, t(`settings.templates.language.${l}`)])} />
      <p class="hint">${t('settings.templates.language_hint')}</p>
      <${Outcome} action=${action} testid="templates-language" />
      <${Button} type="submit" kind="secondary" busy=${action.busy} disabled=${language === templates.language}
        data-testid="templates-language-save">${t('settings.templates.language_save')}<//>
    </form>
  `;
}

/** What a kind's templates may hold, each variable with what the node puts there. */
function Variables({ slot }) {
  const { t } = useI18n();
  return html`
    <dl class="template-variables">
      ${slot.variables.map(
        (name) => html`<div key=${name}>
          <dt><code>${variableToken(name)}</code></dt>
          <dd>${t(`settings.templates.var.${name}`)}${slot.required.includes(name) ? html` ${t('settings.templates.required')}` : ''}</dd>
        </div>`,
      )}
    </dl>
  `;
}

/** A save's outcome: the templates' own refusal, else the shared one, else what was done. */
function Outcome({ action, testid }) {
  const i18n = useI18n();
  if (action.refusal) return html`<p class="alert" role="alert" data-testid=${`${testid}-error`}>${problemSentence(i18n, action.refusal)}</p>`;
  if (action.error) return html`<${Alert} error=${action.error} testid=${`${testid}-error`} />`;
  if (action.done) {
    const params = { ...action.done.params };
    if (params.language) params.language = i18n.t(`settings.templates.in.${params.language}`);
    return html`<${Notice} testid=${`${testid}-done`}>${i18n.t(action.done.key, params)}<//>`;
  }
  return null;
}

/** One kind of message in one language: the text, its problem or its preview, save and back to the default. */
function Editor({ change, slot, onSaved }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { node, seed, ticker } = change;
  const [text, setText] = useState(() => textShown(slot));
  const problem = useMemo(() => templateProblem(slot, text), [slot, text]);
  const preview = usePreview(node, ticker, slot, problem ? null : text);
  const action = useSave(slot, text);
  const label = t('settings.templates.text_label', {
    kind: t(`settings.templates.kind.${slot.kind}`),
    language: t(`settings.templates.in.${slot.language}`),
  });
  const send = (value, doneKey) =>
    action.run(async () => {
      const params = signTemplateText(
        { ticker, language: slot.language, kind: slot.kind, text: value, time_ms: signedAt(node, slot.signed_ms) },
        seed,
        node.chainId,
      );
      onSaved(await node.client.call('messages.templates.set', params));
      // Back to the node's words: the editor shows them, as it does for a venue that never wrote its own.
      if (value === '') setText(slot.default_text);
      return { key: doneKey, params: {} };
    });
  const save = (e) => {
    e.preventDefault();
    if (problem) return action.clear();
    send(textToSave(slot, text), 'settings.templates.saved');
  };
  const testid = `template-${slot.kind}-${slot.language}`;
  return html`
    <form class="template" onSubmit=${save} noValidate data-testid=${testid}>
      <${TextArea} label=${label} value=${text} onInput=${setText} rows=${4} testid=${`${testid}-text`}
        hint=${slot.text === '' ? t('settings.templates.uses_default') : undefined}
        error=${problem ? problemSentence(i18n, problem) : undefined} />
      <${Preview} preview=${preview} testid=${testid} />
      <${Outcome} action=${action} testid=${testid} />
      <div class="actions">
        <${Button} type="submit" busy=${action.busy} data-testid=${`${testid}-save`}>${t('settings.templates.save')}<//>
        ${slot.text !== '' &&
        html`<${Button} type="button" kind="link" onClick=${() => send('', 'settings.templates.reset_done')} data-testid=${`${testid}-reset`}>
          ${t('settings.templates.reset')}
        <//>`}
      </div>
    </form>
  `;
}

/**
 * The node's preview of `text` (null: nothing to preview), asked for once
 * the owner pauses; an answer to an older text is dropped.
 */
function usePreview(node, ticker, slot, text) {
  const [preview, setPreview] = useState({ status: 'waiting' });
  const asked = useRef(0);
  useEffect(() => {
    const n = ++asked.current;
    if (text === null) return setPreview({ status: 'none' });
    // The last answer stays on screen, marked busy, until the new one comes.
    setPreview((p) => ({ ...p, status: 'waiting' }));
    const timer = setTimeout(async () => {
      try {
        const answer = await node.client.call('messages.templates.preview', { ticker, language: slot.language, kind: slot.kind, text });
        if (n === asked.current) setPreview({ status: 'ready', answer });
      } catch (e) {
        if (n === asked.current) setPreview({ status: 'failed', refusal: templateRefusal(e, slot, text) ?? describeSettingsError(e) });
      }
    }, preview_delay_ms);
    return () => clearTimeout(timer);
  }, [text, slot.kind, slot.language, ticker]);
  return preview;
}

function Preview({ preview, testid }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (preview.status === 'none') return null;
  if (preview.status === 'failed')
    return html`<p class="alert" role="alert" data-testid=${`${testid}-preview-error`}>${problemSentence(i18n, preview.refusal)}</p>`;
  const a = preview.answer;
  return html`
    <div class="template-preview" data-testid=${`${testid}-preview`} aria-live="polite" aria-busy=${preview.status === 'waiting' ? 'true' : 'false'}>
      <p class="hint">${t('settings.templates.preview_title')}</p>
      ${a &&
      html`
        <p class="sms-bubble" data-testid=${`${testid}-preview-text`}>${a.text}</p>
        <p data-testid=${`${testid}-preview-cost`} data-segments=${a.segments} data-cost=${a.cost}>
          ${t('settings.templates.cost', {
            parts: t('settings.templates.parts', { count: String(a.segments) }),
            credits: t('settings.templates.credits', { count: String(a.cost) }),
          })}
        </p>
        <p class="hint">${t(`settings.templates.encoding.${a.encoding}`, { length: t('settings.templates.length', { count: String(a.characters) }) })}</p>
      `}
    </div>
  `;
}
