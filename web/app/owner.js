// The owner's page (`/o`): the launch wizard, the venue's settings, and the
// dashboard and history (owner/views.js). The entry the build bundles.
import './owner.css';
import { render } from 'preact';
import { App } from './owner/app.js';
import { html } from './ui.js';

render(html`<${App} />`, document.getElementById('app'));
