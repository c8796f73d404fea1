// Joining a venue from the owner's invite link: a key made here, its signed
// consent left with invite.accept, then waiting (venue.get every few
// seconds) until the owner's staff_add has committed. Without a key or an
// invite the page says to ask the owner for one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { inviteId } from '../../lib/invite.js';
import { RpcUnavailable } from '../../lib/rpc.js';
import { Button, Notice, html, useI18n } from '../ui.js';
import { acceptInvite, consentOf, newStaffKey, tillState } from './actions.js';
import { staffError } from './refusals.js';
import { saveStaffKey } from './store.js';
import { StaffAlert } from './text.js';

// How often the waiting page asks whether the owner added this key: a
// person waits for it, and it is one venue.get and one account.balances.
export const join_poll_interval_ms = 3_000;

export function NoInvite({ damaged = false }) {
  const { t } = useI18n();
  return html`
    <section class="card" aria-labelledby="none-title" data-testid="no-invite">
      <h1 id="none-title">${t('staff.none.title')}</h1>
      ${damaged ? html`<p class="alert" role="alert">${t('staff.join.damaged')}</p>` : html`<p class="big">${t('staff.none.text')}</p>`}
    </section>
  `;
}

/** Makes (or reuses) this venue's key, signs the consent and leaves it in the invite. */
export function Join({ node, invite, existing, onAccepted, onJoined }) {
  const { t } = useI18n();
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(true);
  const keyRef = useRef(null);

  async function accept() {
    setBusy(true);
    setError(null);
    try {
      let key = keyRef.current;
      if (!key) {
        // The same invite opened again reuses its consent (invite.accept answers
        // as the first time); a new invite gets a new one for the same key.
        const id = inviteId(invite.secret);
        const base = existing ?? newStaffKey(node, invite.ticker, invite.secret);
        key = base.acceptance && base.invite_id === id ? base : { ...base, invite_id: id, acceptance: null };
        key = { ...key, joined: false, used_ms: Date.now() };
        if (!key.acceptance) key = { ...key, acceptance: consentOf(node, key) };
        // Kept before it is used, so a reload finds the key that consented.
        await saveStaffKey(key);
        keyRef.current = key;
      }
      try {
        await acceptInvite(node, invite.secret, key.acceptance);
      } catch (e) {
        if (e?.reason !== 'already_staff') throw e;
        const joined = { ...key, joined: true };
        await saveStaffKey(joined);
        return onJoined(joined);
      }
      onAccepted(key);
    } catch (e) {
      setError(staffError(e, 'join', { ticker: invite.ticker }));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    accept();
  }, []);

  return html`
    <section class="card" aria-labelledby="join-title" data-testid="join">
      <h1 id="join-title">${t('staff.join.title', { venue: invite.ticker })}</h1>
      ${busy && html`<${Notice}>${t('staff.join.working')}<//>`}
      <${StaffAlert} error=${error} />
      ${error && html`<${Button} type="button" onClick=${accept}>${t('staff.join.retry')}<//>`}
    </section>
  `;
}

/** The consent is with the owner: asks every few seconds until this key is staff. */
export function Waiting({ node, staffKey, onJoined }) {
  const { t } = useI18n();
  const [error, setError] = useState(null);
  const [venueName, setVenueName] = useState(null);
  useEffect(() => {
    let timer;
    let stopped = false;
    async function poll() {
      try {
        const { me, venue } = await tillState(node, staffKey);
        setVenueName(venue.profile.name);
        if (me) {
          const joined = { ...staffKey, joined: true };
          await saveStaffKey(joined);
          if (!stopped) onJoined(joined);
          return;
        }
        // The owner may still add the consent by hand (kopilka staff add), so
        // a lapsed invite is said, and the page keeps watching the staff list.
        const lapsed = await node.client.inviteGet(staffKey.invite_id).then(() => false, (e) => e?.code === 2001);
        setError(lapsed ? { key: 'staff.join.error.lapsed' } : null);
      } catch (e) {
        // Nothing is being sent here: an unreachable node is only asked again.
        setError(e instanceof RpcUnavailable ? { key: 'error.offline' } : staffError(e, 'join', { ticker: staffKey.ticker }));
      }
      if (!stopped) timer = setTimeout(poll, join_poll_interval_ms);
    }
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return html`
    <section class="card" aria-labelledby="wait-title" data-testid="join-waiting">
      <h1 id="wait-title">${t('staff.join.title', { venue: venueName ?? staffKey.ticker })}</h1>
      <p class="big" role="status">${t('staff.join.waiting')}</p>
      <p>${t('staff.join.key_here')}</p>
      <p class="hint" data-testid="staff-address">${t('staff.join.address', { address: staffKey.address })}</p>
      <${StaffAlert} error=${error} />
    </section>
  `;
}
