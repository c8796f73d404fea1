// The cabinet's service worker, served at /sw.js (its scope is the whole
// origin: / and /c/<ref>). It does one thing: show the node's web push
// messages (docs/messages.md "Web push") and open the cabinet when one is
// tapped. No fetch handler: every page and call goes to the network as
// before, so a stale worker can never serve a stale page. No imports: it is
// registered only when the person turns push on, and stays tiny.
//
// A message is JSON `{"v":1,"title","body","url","tag"}`, decrypted by the
// browser (RFC 8291). A subscription made with userVisibleOnly must show a
// notification for every push, so anything else still shows a plain one.

// Bounds on what a notification shows: a title is a venue's name, a body an
// SMS's text; a longer one is a broken or hostile message, cut.
const title_chars_max = 100;
const body_chars_max = 1000;
const tag_chars_max = 128;
const fallback_title = 'Kopilka';
const fallback_body = 'Копилка: новое сообщение. Kopilka: a new message.';

const text = (value, max) => (typeof value === 'string' ? value.slice(0, max) : '');

function readMessage(data) {
  let m = null;
  try {
    m = data ? data.json() : null;
  } catch {
    m = null;
  }
  if (!m || m.v !== 1 || !text(m.body, body_chars_max)) return { title: fallback_title, body: fallback_body, url: '/', tag: '' };
  return { title: text(m.title, title_chars_max) || fallback_title, body: text(m.body, body_chars_max), url: text(m.url, 2048), tag: text(m.tag, tag_chars_max) };
}

// Only a page of this origin opens from a notification: a message naming
// another site opens the start page instead.
function ownUrl(url) {
  if (typeof url !== 'string') url = '/';
  try {
    const u = new URL(url, self.location.origin);
    if (u.origin === self.location.origin) return u.href;
  } catch {
    // not a URL: the start page
  }
  return new URL('/', self.location.origin).href;
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  const m = readMessage(event.data);
  const options = { body: m.body, data: { url: m.url } };
  // One notification per message: a message sent again (at least once) replaces its first.
  if (m.tag) options.tag = m.tag;
  event.waitUntil(self.registration.showNotification(m.title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = ownUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((tabs) => {
      const path = new URL(target).pathname;
      const open = tabs.find((c) => new URL(c.url).pathname === path);
      return open ? open.focus() : self.clients.openWindow(target);
    }),
  );
});
