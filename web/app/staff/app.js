// The staff till's root: the language, the node (trusted only once its
// signed tip passed the known-tip check), the invite link's fragment (read
// once and cleared from the address bar at once), and the screen this
// device's key calls for: none yet, waiting for the owner, or the till.
import { useEffect, useState } from 'preact/hooks';
import { parseInviteFragment, invite_fragment_key } from '../../lib/invite.js';
import { connect } from '../connection.js';
import { makeTranslator } from '../i18n-core.js';
import { messages as cabinetMessages } from '../messages.js';
import { nodeTrouble, useLanguage, useNode } from '../page-root.js';
import { Header, I18n, Notice, html, useI18n } from '../ui.js';
import { Join, NoInvite, Waiting } from './join.js';
import { messages as staffMessages } from './messages.js';
import { staffKey, staffKeys } from './store.js';
import { Till } from './till.js';

// The cabinet's texts that the shared pieces use (ui.js, page-root.js,
// errors.js, screens/trouble.js), under the page's own.
const shared_prefixes = ['brand', 'loading', 'retry', 'language', 'error.', 'offline.', 'refused.', 'not_found.'];
export const dictionaries = Object.fromEntries(
  Object.keys(staffMessages).map((lang) => [
    lang,
    {
      ...Object.fromEntries(
        Object.entries(cabinetMessages[lang]).filter(([key]) => shared_prefixes.some((p) => key.startsWith(p))),
      ),
      ...staffMessages[lang],
    },
  ]),
);
const makeStaffI18n = (lang) => makeTranslator(dictionaries, lang);

/**
 * The invite in the fragment (`#join=<secret>.<TICKER>`), taken once as the
 * module loads: `{ secret, ticker }`, `{ damaged: true }`, or null. The
 * fragment is cleared from the address bar and the history entry before
 * anything else runs, so the secret is not left in the tab's history, a
 * bookmark or a screenshot of the address bar; browsers never send it.
 */
function takeInvite() {
  if (!location.hash.startsWith(`#${invite_fragment_key}=`)) return null;
  let invite;
  try {
    invite = parseInviteFragment(location.hash);
  } catch {
    invite = { damaged: true };
  }
  history.replaceState(null, '', location.pathname);
  return invite;
}
let pendingInvite = takeInvite();

function Screen({ node }) {
  const { t } = useI18n();
  const [state, setState] = useState({ phase: 'loading' });
  useEffect(() => {
    (async () => {
      const invite = pendingInvite;
      pendingInvite = null; // a later render (a retried node check) does not accept twice
      if (invite?.damaged) return setState({ phase: 'damaged' });
      if (invite) {
        // Even a key that joined before takes the invite: it may have been
        // removed since; one that is staff now is told so (already_staff) and
        // goes straight to its till.
        const existing = await staffKey(node.chainIdHex, invite.ticker);
        return setState({ phase: 'join', invite, existing });
      }
      const [newest] = await staffKeys(node.chainIdHex);
      if (!newest) return setState({ phase: 'none' });
      setState({ phase: newest.joined ? 'till' : 'waiting', key: newest });
    })().catch(() => setState({ phase: 'none' }));
  }, []);

  switch (state.phase) {
    case 'loading':
      return html`<${Notice}>${t('loading')}<//>`;
    case 'damaged':
      return html`<${NoInvite} damaged=${true} />`;
    case 'none':
      return html`<${NoInvite} />`;
    case 'join':
      return html`<${Join}
        node=${node}
        invite=${state.invite}
        existing=${state.existing}
        onAccepted=${(key) => setState({ phase: 'waiting', key })}
        onJoined=${(key) => setState({ phase: 'till', key })}
      />`;
    case 'waiting':
      return html`<${Waiting} node=${node} staffKey=${state.key} onJoined=${(key) => setState({ phase: 'till', key })} />`;
    default:
      return html`<${Till} key=${state.key.ticker} node=${node} staffKey=${state.key} onSwitch=${(key) => setState({ phase: 'till', key })} />`;
  }
}

function Main() {
  const node = useNode(() => connect());
  const trouble = nodeTrouble(node);
  if (trouble) return trouble;
  return html`<main class="staff"><${Screen} node=${node.node} /></main>`;
}

export function App() {
  const i18n = useLanguage(makeStaffI18n);
  return html`<${I18n.Provider} value=${i18n}><${Header} /><${Main} /><//>`;
}
