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
