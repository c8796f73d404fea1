// Placeholder of the client's cabinet, so the page pipeline (build.mjs,
// embed.mjs) has an entry to bundle. The real app replaces this file.
import { h, render } from 'preact';
import htm from 'htm';
import './cabinet.css';

const html = htm.bind(h);
const english = !navigator.language.toLowerCase().startsWith('ru');
document.documentElement.lang = english ? 'en' : 'ru';

render(html`<main><h1>${english ? 'Kopilka' : 'Копилка'}</h1></main>`, document.getElementById('app'));
