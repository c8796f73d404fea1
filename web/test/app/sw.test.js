// The service worker's rules (app/sw.js), run in node's vm against a
// stand-in for the worker's global: what a push shows, and where a tap on a
// notification goes (only a page of the worker's own origin; an open tab of
// it is focused rather than a second one opened). The browser test
// (test/browser/cabinet-push.test.js) runs the same file in Chromium; a tap
// on a notification is what it cannot make, so it is checked here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

const source = readFileSync(new URL('../../app/sw.js', import.meta.url), 'utf8');
const origin = 'https://kopilka.example';

/** The worker loaded into a fresh context: its handlers and what it asked of the browser. */
function loadWorker({ tabs = [] } = {}) {
  const handlers = {};
  const calls = [];
  const self = {
    location: new URL(`${origin}/sw.js`),
    addEventListener: (type, f) => (handlers[type] = f),
    skipWaiting: () => calls.push(['skipWaiting']),
    registration: { showNotification: async (title, options) => calls.push(['show', title, options]) },
    clients: {
      claim: async () => calls.push(['claim']),
      matchAll: async (options) => (calls.push(['matchAll', options]), tabs),
      openWindow: async (url) => calls.push(['open', url]),
    },
  };
  vm.runInNewContext(source, { self, URL });
  // Plain objects again: the vm's have the other context's prototypes.
  const seen = () => JSON.parse(JSON.stringify(calls));
  const fire = async (type, event) => {
    const waits = [];
    handlers[type]({ ...event, waitUntil: (p) => waits.push(p) });
    await Promise.all(waits);
  };
  return { handlers, calls, seen, fire };
}

const pushEvent = (text) => ({ data: { json: () => JSON.parse(text), text: () => text } });

test('a message of the node becomes a notification with its title, text, tag and link', async () => {
  const w = loadWorker();
  assert.deepEqual(Object.keys(w.handlers).sort(), ['activate', 'install', 'notificationclick', 'push'], 'no fetch handler');
  const link = `${origin}/c/${'ab'.repeat(32)}`;
  await w.fire('push', pushEvent(JSON.stringify({ v: 1, title: 'U Volodi', body: 'U Volodi: вам начислено 3,00 VOLODYA.', url: link, tag: 'k1' })));
  assert.deepEqual(w.seen(), [['show', 'U Volodi', { body: 'U Volodi: вам начислено 3,00 VOLODYA.', data: { url: link }, tag: 'k1' }]]);
});

test('anything else still shows a plain notification, as userVisibleOnly requires', async () => {
  const plain = ['show', 'Kopilka', { body: 'Копилка: новое сообщение. Kopilka: a new message.', data: { url: '/' } }];
  for (const event of [pushEvent('not json'), pushEvent('{"v":2,"body":"x"}'), pushEvent('{"v":1,"title":"t"}'), pushEvent('null'), { data: null }]) {
    const w = loadWorker();
    await w.fire('push', event);
    assert.deepEqual(w.seen(), [plain]);
  }
  // A message without a title gets the product's; an overlong one is cut.
  const w = loadWorker();
  await w.fire('push', pushEvent(JSON.stringify({ v: 1, title: 'x'.repeat(500), body: 'y'.repeat(5000), url: 7 })));
  const [, title, options] = w.calls[0];
  assert.equal(title.length, 100);
  assert.equal(options.body.length, 1000);
  assert.equal(options.data.url, '');
  assert.equal(options.tag, undefined);
});

test("a tap opens the message's page of this origin, or focuses a tab already on it; another site's link opens /", async () => {
  const link = `${origin}/c/${'cd'.repeat(32)}`;
  const tap = (url) => ({ notification: { data: { url }, close() {} } });

  let w = loadWorker();
  await w.fire('notificationclick', tap(link));
  assert.deepEqual(w.calls.at(-1), ['open', link]);

  for (const elsewhere of ['https://evil.example/c/x', 'javascript:alert(1)', 'http://kopilka.example/c/x', '', undefined]) {
    w = loadWorker();
    await w.fire('notificationclick', tap(elsewhere));
    assert.deepEqual(w.calls.at(-1), ['open', `${origin}/`], String(elsewhere));
  }

  let focused = 0;
  const tab = { url: `${link}?from=sms`, focus: async () => focused++ };
  w = loadWorker({ tabs: [{ url: `${origin}/`, focus: async () => assert.fail('the wrong tab') }, tab] });
  await w.fire('notificationclick', tap(link));
  assert.equal(focused, 1);
  assert.ok(!w.calls.some(([c]) => c === 'open'), 'no second tab');
  assert.deepEqual(w.seen().find(([c]) => c === 'matchAll'), ['matchAll', { type: 'window', includeUncontrolled: true }]);
});
