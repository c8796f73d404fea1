// `/`: the cabinet of the phone this browser holds a key for (the newest,
// if several), or a first screen asking for the phone number.
import { useEffect, useState } from 'preact/hooks';
import { keysOn } from '../store.js';
import { Notice, html, useI18n } from '../ui.js';
import { Claim } from './claim.js';

export function Home({ node, go }) {
  const { t } = useI18n();
  const [none, setNone] = useState(false);
  useEffect(() => {
    keysOn(node.chainIdHex)
      .then((keys) => (keys.length > 0 ? go(keys[0].account) : setNone(true)))
      .catch(() => setNone(true));
  }, [node]);
  if (!none) return html`<${Notice}>${t('loading')}<//>`;
  return html`
    <section class="card">
      <h1>${t('home.title')}</h1>
      <p>${t('home.text')}</p>
    </section>
    <${Claim} node=${node} expected=${null} taken=${false} onClaimed=${go} />
  `;
}
