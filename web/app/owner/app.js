// The owner page's root: the language, the node (trusted only once its signed
// tip passed the known-tip check), and the screen the fragment asks for.
import { useEffect, useState } from 'preact/hooks';
import { connect } from '../connection.js';
import { makeTranslator } from '../i18n-core.js';
import { messages as cabinetMessages } from '../messages.js';
import { nodeTrouble, useLanguage, useNode } from '../page-root.js';
import { Header, I18n, html } from '../ui.js';
import { OwnerHome, OwnerVenue } from './home.js';
import { messages as ownerMessages } from './messages.js';
import { messages as viewMessages } from './messages-views.js';
import { parseOwnerRoute } from './route.js';
import { VenueViews } from './views.js';
import { Settings } from './settings.js';
import { ImportKeystore, Wizard } from './wizard.js';

// The cabinet's texts that the shared pieces use (ui.js, page-root.js,
// errors.js, screens/trouble.js), under the page's own.
const shared_prefixes = ['brand', 'loading', 'retry', 'language', 'error.', 'offline.', 'refused.', 'not_found.'];
const dictionaries = Object.fromEntries(
  Object.keys(ownerMessages).map((lang) => [
    lang,
    {
      ...Object.fromEntries(
        Object.entries(cabinetMessages[lang]).filter(([key]) => shared_prefixes.some((p) => key.startsWith(p))),
      ),
      ...viewMessages[lang],
      ...ownerMessages[lang],
    },
  ]),
);

const makeOwnerI18n = (lang) => makeTranslator(dictionaries, lang);

/** The route of the page's fragment, followed as it changes. */
function useRoute() {
  const [route, setRoute] = useState(() => parseOwnerRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseOwnerRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}

function Screen({ route, node }) {
  switch (route.page) {
    case 'view':
      return html`<${VenueViews} node=${node} ticker=${route.ticker} />`;
    case 'venue':
      return html`<${OwnerVenue} node=${node} ticker=${route.ticker} />`;
    case 'settings':
      return html`<${Settings} node=${node} ticker=${route.ticker} />`;
    case 'new':
      return html`<${Wizard} node=${node} />`;
    case 'import':
      return html`<${ImportKeystore} node=${node} />`;
    default:
      return html`<${OwnerHome} node=${node} />`;
  }
}

function Main() {
  const route = useRoute();
  const node = useNode(() => connect());
  const trouble = nodeTrouble(node, { notFound: route.page === 'unknown' });
  if (trouble) return trouble;
  return html`<main class="owner"><${Screen} route=${route} node=${node.node} /></main>`;
}

export function App() {
  const i18n = useLanguage(makeOwnerI18n);
  return html`<${I18n.Provider} value=${i18n}><${Header} /><${Main} /><//>`;
}
