// Where the owner's page is asked to go, from the fragment (never sent to
// the server):
//   #view=TICKER      a venue's dashboard and history, read-only (no key
//                     needed: venue.stats and venue.history are public);
//   #venue=TICKER     the owner's own venue: the same views, with its settings;
//   #settings=TICKER  the venue's settings (profile, catalogue, staff);
//   #new              the launch wizard;
//   #import           opening a keystore file the CLI made;
//   anything else     the venues this browser owns, or the way to launch one.
const ticker_pattern = /^[A-Z0-9]{3,10}$/;

const with_ticker = ['view', 'venue', 'settings'];
const bare = ['new', 'import'];

export function parseOwnerRoute(hash) {
  const text = String(hash).replace(/^#/, '');
  if (text === '') return { page: 'home' };
  if (bare.includes(text)) return { page: text };
  const params = new URLSearchParams(text);
  for (const page of with_ticker) {
    const ticker = params.get(page);
    if (ticker !== null) return ticker_pattern.test(ticker) ? { page, ticker } : { page: 'unknown' };
  }
  return { page: 'unknown' };
}

/** The fragment that leads to `page` (and `ticker`). */
export function ownerHash(page, ticker) {
  if (page === 'home') return '#';
  return ticker === undefined ? `#${page}` : `#${page}=${ticker}`;
}
