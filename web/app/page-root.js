// What every page's root shares: the person's language (remembered in this
// browser), and the node behind the page's origin, trusted only once its
// signed tip passed the known-tip check (connection.js), with the screens for
// a node that is unreachable, refused or failing.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { RpcUnavailable } from '../lib/rpc.js';
import { HistoryRefused } from '../lib/tips.js';
import { connect } from './connection.js';
import { describeError } from './errors.js';
import { language_storage_key, pickLanguage } from './i18n-core.js';
import { retryDelayMs } from './live.js';
import { NotFound, Offline, Refused } from './screens/trouble.js';
import { Alert, Button, Notice, html, useI18n } from './ui.js';

function storedLanguage() {
  try {
    return localStorage.getItem(language_storage_key);
  } catch {
    return null; // storage switched off: the browser's languages decide
  }
}

function storeLanguage(lang) {
  try {
    localStorage.setItem(language_storage_key, lang);
  } catch {
    // Not remembered; the page still switches.
  }
}

/**
 * The I18n context's value for a page whose texts `makeI18n(lang)` gives:
 * `{ lang, t, amount, dateTime, …, setLanguage }`; keeps <html lang> and the
 * title (`titleKey`) in step.
 */
export function useLanguage(makeI18n, titleKey = 'page.title') {
  const [lang, setLang] = useState(() => pickLanguage(storedLanguage(), navigator.languages ?? [navigator.language]));
  const i18n = useMemo(
    () => ({
      ...makeI18n(lang),
      setLanguage: (next) => {
        storeLanguage(next);
        setLang(next);
      },
    }),
    [lang],
  );
  // Before the browser paints the new texts, so that a screen reader, the
  // page's title and the words on it never disagree about the language.
  useLayoutEffect(() => {
    document.documentElement.lang = lang;
    document.title = i18n.t(titleKey);
  }, [i18n]);
  return i18n;
}

/**
 * The node behind the page's origin: `{ status: 'checking' | 'ok' |
 * 'offline' | 'refused' | 'failed', node, … }`. `first()` gives the check
 * (a page may start it as its module loads, so the round trip overlaps the
 * first render) and is called again for every retry. An unreachable node is
 * tried again with backoff; a refused one never is. `recheck()` runs the
 * check again (after a lost socket) and only acts on a refusal.
 */
export function useNode(first) {
  const [state, setState] = useState({ status: 'checking' });
  const attempt = useRef(0);
  const timer = useRef(null);

  const check = useCallback(async () => {
    clearTimeout(timer.current);
    try {
      const node = await first();
      attempt.current = 0;
      setState({ status: 'ok', node });
    } catch (e) {
      if (e instanceof HistoryRefused) return setState({ status: 'refused', refusal: e });
      if (!(e instanceof RpcUnavailable)) return setState({ status: 'failed', error: describeError(e) });
      const waitMs = retryDelayMs(attempt.current++);
      setState({ status: 'offline', retryInS: Math.ceil(waitMs / 1000) });
      timer.current = setTimeout(check, waitMs);
    }
  }, []);

  const recheck = useCallback(async () => {
    try {
      await connect();
    } catch (e) {
      if (e instanceof HistoryRefused) setState({ status: 'refused', refusal: e });
    }
  }, []);

  useEffect(() => {
    check();
    return () => clearTimeout(timer.current);
  }, []);
  return { ...state, check, recheck };
}

/**
 * What a page shows instead of its content while the node is not usable
 * (`nodeState` from useNode), or null once it is; `notFound` for an address
 * the page does not know. Needs the cabinet's trouble texts (offline.*,
 * refused.*, not_found.*, error.*, retry, loading) in the page's dictionary.
 */
export function nodeTrouble(nodeState, { notFound = false } = {}) {
  if (notFound) return html`<${NotFound} />`;
  if (nodeState.status === 'refused') return html`<${Refused} refusal=${nodeState.refusal} />`;
  if (nodeState.status === 'offline')
    return html`<${Offline} retryInS=${nodeState.retryInS} onRetry=${nodeState.check} />`;
  if (nodeState.status === 'failed') return html`<${Failed} error=${nodeState.error} onRetry=${nodeState.check} />`;
  if (nodeState.status === 'checking') return html`<${Checking} />`;
  return null;
}

function Failed({ error, onRetry }) {
  const { t } = useI18n();
  return html`<main class="trouble"><${Alert} error=${error} /><${Button} type="button" onClick=${onRetry}>${t('retry')}<//></main>`;
}

function Checking() {
  const { t } = useI18n();
  return html`<main><${Notice}>${t('loading')}<//></main>`;
}
