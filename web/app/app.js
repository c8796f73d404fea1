// The cabinet's root: the language, the node (trusted only once its signed
// tip passed the known-tip check), and the page the address asks for.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { RpcUnavailable, rpcClient } from '../lib/rpc.js';
import { HistoryRefused } from '../lib/tips.js';
import { connect, earlyAnswer } from './connection.js';
import { describeError } from './errors.js';
import { language_storage_key, makeI18n, pickLanguage } from './i18n.js';
import { retryDelayMs } from './live.js';
import { parseRoute, phonePath } from './route.js';
import { Home } from './screens/home.js';
import { PhonePage } from './screens/phone.js';
import { NotFound, Offline, Refused } from './screens/trouble.js';
import { Alert, Button, Header, I18n, Notice, html, useI18n } from './ui.js';

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
 * connect() to the page's own node; the link's balances are asked for
 * alongside (one round trip, not two, on a slow network) and shown only once
 * the check passed.
 */
function checkNode() {
  const client = rpcClient('');
  const route = parseRoute(location.pathname);
  const early = route.page === 'phone' ? earlyAnswer(route.account, client.accountBalances(route.account)) : null;
  return connect(client).then((node) => ({ ...node, early }));
}

// The first check starts as the module loads, so its round trip overlaps the
// first render (on a slow phone, building the Intl formatters alone takes
// 100 ms); useNode takes it over. Marked handled here: useNode reports its
// failure, not the browser's console.
let firstCheck = checkNode();
firstCheck.catch(() => {});

/**
 * The node behind the page's origin: `{ status: 'checking' | 'ok' |
 * 'offline' | 'refused' | 'failed', node, … }`. An unreachable node is tried
 * again with backoff; a refused one never is. `recheck()` runs the check
 * again (after a lost socket) and only acts on a refusal.
 */
function useNode() {
  const [state, setState] = useState({ status: 'checking' });
  const attempt = useRef(0);
  const timer = useRef(null);

  const check = useCallback(async () => {
    clearTimeout(timer.current);
    try {
      const pending = firstCheck ?? checkNode();
      firstCheck = null;
      const node = await pending;
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

function Main() {
  const { t } = useI18n();
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  const node = useNode();
  // The address changes without a reload: a key found on /, or a claim made there.
  const go = useCallback((account) => {
    history.replaceState(null, '', phonePath(account));
    setRoute({ page: 'phone', account });
  }, []);

  if (route.page === 'unknown') return html`<${NotFound} />`;
  if (node.status === 'refused') return html`<${Refused} refusal=${node.refusal} />`;
  if (node.status === 'offline') return html`<${Offline} retryInS=${node.retryInS} onRetry=${node.check} />`;
  if (node.status === 'failed')
    return html`<main class="trouble"><${Alert} error=${node.error} /><${Button} type="button" onClick=${node.check}>${t('retry')}<//></main>`;
  if (node.status === 'checking') return html`<main><${Notice}>${t('loading')}<//></main>`;
  return html`
    <main>
      ${route.page === 'home'
        ? html`<${Home} node=${node.node} go=${go} />`
        : html`<${PhonePage} key=${route.account} node=${node.node} account=${route.account} go=${go} recheck=${node.recheck} />`}
    </main>
  `;
}

export function App() {
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
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = i18n.t('page.title');
  }, [i18n]);
  return html`<${I18n.Provider} value=${i18n}><${Header} /><${Main} /><//>`;
}
