// The pages kopilkad serves, one line each: `name` names the page's files
// (assets/<name>-<hash>.js, <name>.html), `entry` is its ES module (it may
// import CSS), `routes` are the request paths that answer with its HTML shell.
// A route is a literal path, or one with `<hex64>` standing for one path
// segment of exactly 64 lowercase hex digits (a phone reference); node/pages.cpp
// matches them, and nothing else reaches a page. `wasm: true` serves the
// page's shell with 'wasm-unsafe-eval' in its CSP's script-src (the owner's
// keystore runs Argon2id in WebAssembly: docs/performance.md); no other page
// may compile WebAssembly.
export const pages = [
  { name: 'cabinet', entry: 'app/cabinet.js', routes: ['/', '/c/<hex64>'] },
  { name: 'owner', entry: 'app/owner.js', routes: ['/o'], wasm: true },
  { name: 'staff', entry: 'app/staff.js', routes: ['/s'] },
];

// Scripts served at the origin's root under a name of their own, never
// hashed: a service worker must keep its URL across builds (the browser
// looks there for its updates) and controls only the pages at or below its
// own folder, so /sw.js covers / and /c/<ref>. `name` is the served file
// (`sw` is /sw.js, sent with Cache-Control: no-cache); `entry` its source,
// bundled on its own as a classic script (a module worker needs a newer
// browser than the cabinet does). node/pages.cpp serves a root .js file of
// the build at /<name>.js, and no other.
export const workers = [{ name: 'sw', entry: 'app/sw.js' }];
