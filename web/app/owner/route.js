// Where the owner's page is asked to go, from the fragment (never sent to
// the server): `#view=TICKER` shows a venue's dashboard and history read-only
// (no key needed: venue.stats and venue.history are public); anything else is
// the owner's own venue, or the launch wizard when this browser holds none.
const ticker_pattern = /^[A-Z0-9]{3,10}$/;

export function parseOwnerRoute(hash) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ''));
  const view = params.get('view');
  if (view !== null) return ticker_pattern.test(view) ? { page: 'view', ticker: view } : { page: 'unknown' };
  return { page: 'home' };
}
