// The cabinet of a phone this device holds the key for: the balance at the
// chosen venue (big), its rewards, the venue's card, the history, the other
// venues where the phone holds coins, sending to a friend, and a reward's
// QR. The WebSocket keeps it current; a move of the phone to another device
// shows as a warning with a cancel button.
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { tickersOf } from '../activity.js';
import { describeError } from '../errors.js';
import { watchAccount } from '../live.js';
import { Alert, Button, Notice, html, lazy, useI18n } from '../ui.js';
import { History } from './history.js';
import { MessagesChoice } from './messages-choice.js';
import { RebindWarning } from './rebind.js';
import { Rewards } from './rewards.js';
import { SendScreen } from './send.js';
import { VenueCard } from './venue.js';

// The QR screen and its encoder load when a reward is first opened.
const VoucherScreen = lazy(() => import('./voucher.js').then((m) => m.VoucherScreen));
// The venue's programme as this client stands in it: its own chunk, shown once loaded.
const LoyaltyCard = lazy(() => import('./loyalty.js').then((m) => m.LoyaltyCard), { quiet: true });

// One page of history at a time: what a phone screen can show, and a light read for the node.
export const history_page_entries = 20;
// Notifications kept for the voucher screen to find its redeem in.
const news_kept_max = 50;

function balanceOf(balances, ticker) {
  return balances.balances.find((b) => b.ticker === ticker)?.balance ?? '0.00';
}

/** Older entries kept after a re-read of the newest page. */
function mergeNewest(page, old) {
  const ids = new Set(page.map((e) => e.id));
  return [...page, ...old.filter((e) => !ids.has(e.id))];
}

export function Cabinet({ node, account, seed, balances, reload, recheck }) {
  const { t, amount } = useI18n();
  const [history, setHistory] = useState({ entries: [], cursor: '', loaded: false });
  const [venues, setVenues] = useState({});
  const [chosen, setChosen] = useState(null);
  const [overlay, setOverlay] = useState(null);
  const [news, setNews] = useState([]);
  const [live, setLive] = useState('connecting');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [cancelled, setCancelled] = useState(false);

  const readHistory = useCallback(async () => {
    try {
      const page = await node.client.call('account.history', { account, limit: history_page_entries });
      setHistory((h) => ({ entries: mergeNewest(page.entries, h.entries), cursor: h.loaded ? h.cursor : page.next_cursor, loaded: true }));
    } catch (e) {
      setError(describeError(e));
    }
  }, [node, account]);

  async function readOlder() {
    setBusy(true);
    try {
      const page = await node.client.call('account.history', { account, cursor: history.cursor, limit: history_page_entries });
      setHistory((h) => ({ entries: mergeNewest(h.entries, page.entries), cursor: page.next_cursor, loaded: true }));
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    readHistory();
    return watchAccount(account, {
      onActivity: (item) => {
        setNews((n) => [item, ...n].slice(0, news_kept_max));
        reload();
        readHistory();
      },
      onState: (state, { again }) => {
        setLive(state);
        // Back after a loss: the node may have been swapped, and news missed.
        if (state === 'live' && again) {
          recheck();
          reload();
          readHistory();
        }
      },
    });
  }, [account]);

  // Every venue the phone holds coins at or has dealt with, balance first.
  const tickers = [...new Set([...balances.balances.map((b) => b.ticker), ...tickersOf(history.entries, account)])];
  const ticker = chosen && tickers.includes(chosen) ? chosen : tickers[0];
  // The venue shown stays until the person picks another: a coin arriving
  // from a new venue does not move the page under their thumb.
  useEffect(() => {
    if (ticker && ticker !== chosen) setChosen(ticker);
  }, [ticker]);

  useEffect(() => {
    for (const tk of tickers)
      if (!venues[tk])
        node.client
          .call('venue.get', { ticker: tk })
          .then((v) => setVenues((all) => ({ ...all, [tk]: v })))
          .catch((e) => setError(describeError(e)));
  }, [tickers.join(' ')]);

  useEffect(() => {
    document.body.dataset.ready = '1';
  }, []);

  const names = Object.fromEntries(balances.balances.map((b) => [b.ticker, b.venue]));
  for (const [tk, v] of Object.entries(venues)) names[tk] = v.profile.name;
  const products = Object.fromEntries(Object.entries(venues).map(([tk, v]) => [tk, v.products]));
  const venue = ticker ? venues[ticker] : null;
  const balance = ticker ? balanceOf(balances, ticker) : '0.00';
  const close = () => setOverlay(null);
  const seen = useMemo(() => [...news, ...history.entries], [news, history.entries]);

  const warning =
    balances.rebind &&
    html`<${RebindWarning}
      node=${node}
      seed=${seed}
      account=${account}
      rebind=${balances.rebind}
      onCancelled=${() => {
        setCancelled(true);
        reload();
      }}
    />`;

  if (overlay?.kind === 'voucher')
    return html`
      ${warning}
      <${VoucherScreen}
        node=${node}
        seed=${seed}
        account=${account}
        ticker=${ticker}
        product=${overlay.product}
        venueName=${names[ticker]}
        balance=${balance}
        seen=${seen}
        onClose=${close}
      />
    `;
  if (overlay?.kind === 'send')
    return html`
      ${warning}
      <${SendScreen}
        node=${node}
        seed=${seed}
        account=${account}
        ticker=${ticker}
        venueName=${names[ticker]}
        balance=${balance}
        onClose=${close}
        onSent=${() => {
          reload();
          readHistory();
        }}
      />
    `;

  return html`
    ${warning}
    ${cancelled && !balances.rebind && html`<${Notice} testid="rebind-cancelled">${t('rebind.cancelled')}<//>`}
    <${Alert} error=${error} />
    ${tickers.length === 0
      ? html`
          <section class="card balance-card">
            <p class="balance" data-testid="balance">${amount('0.00')}</p>
            <p>${t('cabinet.empty')}</p>
          </section>
        `
      : html`
          ${tickers.length > 1 &&
          html`
            <nav class="venues" aria-label=${t('cabinet.venues')}>
              ${tickers.map(
                (tk) => html`
                  <button
                    key=${tk}
                    type="button"
                    class="venue-choice"
                    aria-pressed=${tk === ticker ? 'true' : 'false'}
                    data-testid=${`venue-${tk}`}
                    onClick=${() => setChosen(tk)}
                  >
                    <span class="name">${names[tk] ?? tk}</span>
                    <span class="amount">${amount(balanceOf(balances, tk))}</span>
                  </button>
                `,
              )}
            </nav>
          `}
          <section class="card balance-card" aria-labelledby="balance-title">
            <h1 id="balance-title" class="label">${t('cabinet.balance_at', { venue: names[ticker] ?? ticker })}</h1>
            <p class="balance" data-testid="balance">${amount(balance)}</p>
            <p class="unit">${t('cabinet.unit', { count: balance, ticker })}</p>
            ${balance !== '0.00' &&
            html`<${Button} type="button" data-testid="send-open" onClick=${() => setOverlay({ kind: 'send' })}>${t('cabinet.send')}<//>`}
          </section>
          ${ticker && html`<${LoyaltyCard} node=${node} account=${account} ticker=${ticker} balance=${balance} />`}
          ${venue && html`<${Rewards} products=${venue.products} balance=${balance} onPick=${(product) => setOverlay({ kind: 'voucher', product })} />`}
          ${venue && html`<${VenueCard} venue=${venue} />`}
          ${ticker && html`<${MessagesChoice} node=${node} seed=${seed} account=${account} ticker=${ticker} venueName=${names[ticker]} />`}
        `}
    <${History}
      entries=${history.entries}
      account=${account}
      names=${names}
      products=${products}
      busy=${busy}
      onMore=${history.cursor ? readOlder : null}
    />
    <footer class="foot">
      <p>${t('cabinet.key_here')}</p>
      <p role="status" data-testid="live">${t(`live.${live}`)}</p>
    </footer>
  `;
}
