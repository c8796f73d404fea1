// The two addresses of the cabinet: `/c/<ref>`, the link in the SMS (the
// phone reference of the account phone:<ref>), and `/`, the cabinet of a
// phone this browser holds a key for. Nothing secret is ever in them. Pure.

/** `{ page: 'phone', account }` for /c/<64 hex>, `{ page: 'home' }` for /, else `{ page: 'unknown' }`. */
export function parseRoute(pathname) {
  const m = /^\/c\/([0-9a-f]{64})\/?$/.exec(pathname);
  if (m) return { page: 'phone', account: `phone:${m[1]}` };
  if (pathname === '/' || pathname === '') return { page: 'home' };
  return { page: 'unknown' };
}

/** The path of a phone account's cabinet. */
export function phonePath(account) {
  return `/c/${account.slice('phone:'.length)}`;
}
