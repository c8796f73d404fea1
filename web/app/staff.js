// The staff till (`/s`): joining by the owner's invite link, giving bonuses to
// a phone, redeeming a client's QR (scanner, paste or camera), and today's
// own actions. The entry the build bundles.
import './staff.css';
import { render } from 'preact';
import { App } from './staff/app.js';
import { html } from './ui.js';

render(html`<${App} />`, document.getElementById('app'));
