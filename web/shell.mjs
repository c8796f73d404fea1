// The HTML shell of a page: the app renders into <div id="app">. It holds no
// inline script or style (the server's Content-Security-Policy allows only
// files of its own origin) and names nothing on another origin. The app sets
// <html lang> and the title once it knows the reader's language; until then
// the document is Russian, with the English line marked as such.
const escapeAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

// Every link is absolute from the root: a page answers at nested paths (/c/<ref>).
const url = (path) => escapeAttr(`/${path}`);

/** The shell's text, given the served paths of the entry script, its static imports, its stylesheets and the icon. */
export function htmlShell({ entry, preload = [], styles = [], icon }) {
  return [
    '<!doctype html>',
    '<html lang="ru">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Light only until the app's CSS styles a dark scheme: the browser then
    // darkens nothing the app did not colour itself.
    '<meta name="color-scheme" content="light">',
    '<title>Копилка · Kopilka</title>',
    `<link rel="icon" href="${url(icon)}" type="image/svg+xml">`,
    ...styles.map((s) => `<link rel="stylesheet" href="${url(s)}">`),
    // The entry's static imports, fetched at once instead of after the entry
    // arrives: one round trip less on a slow network.
    ...preload.map((p) => `<link rel="modulepreload" href="${url(p)}">`),
    `<script type="module" src="${url(entry)}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    '<noscript><p>Чтобы открыть страницу, включите JavaScript. <span lang="en">Turn on JavaScript to open this page.</span></p></noscript>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
