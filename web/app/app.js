// The cabinet's root: the language, the node (trusted only once its signed
// tip passed the known-tip check), and the page the address asks for.
import { useCallback, useState } from 'preact/hooks';
import { rpcClient } from '../lib/rpc.js';
import { connect, earlyAnswer } from './connection.js';
import { makeI18n } from './i18n.js';
import { nodeTrouble, useLanguage, useNode } from './page-root.js';
import { parseRoute, phonePath } from './route.js';
import { Home } from './screens/home.js';
import { PhonePage } from './screens/phone.js';
import { Header, I18n, html } from './ui.js';

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

function Main() {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  const node = useNode(() => {
    // The first check was started as the module loaded; retries start anew.
    const pending = firstCheck ?? checkNode();
    firstCheck = null;
    return pending;
  });
  // The address changes without a reload: a key found on /, or a claim made there.
  const go = useCallback((account) => {
    history.replaceState(null, '', phonePath(account));
    setRoute({ page: 'phone', account });
  }, []);

  const trouble = nodeTrouble(node, { notFound: route.page === 'unknown' });
  if (trouble) return trouble;
  return html`
    <main>
      ${route.page === 'home'
        ? html`<${Home} node=${node.node} go=${go} />`
        : html`<${PhonePage} key=${route.account} node=${node.node} account=${route.account} go=${go} recheck=${node.recheck} />`}
    </main>
  `;
}

export function App() {
  const i18n = useLanguage(makeI18n);
  return html`<${I18n.Provider} value=${i18n}><${Header} /><${Main} /><//>`;
}
