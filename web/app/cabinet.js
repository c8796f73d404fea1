// The client's cabinet (`/` and `/c/<ref>`): the entry the build bundles
// (web/build.mjs --pages), served by kopilkad into the shell's #app.
import './cabinet.css';
import { render } from 'preact';
import { App } from './app.js';
import { html } from './ui.js';

render(html`<${App} />`, document.getElementById('app'));
