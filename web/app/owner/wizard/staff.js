// Step 6: staff invites. For each member the owner opens an invite on the
// node (invite.open, signed by the owner's key) and shows its link
// `/s#join=<secret>.<TICKER>` and the QR of it; the secret is only in the
// link's fragment, which no server sees, and in this page's memory. The
// page asks invite.get until the member's acceptance arrives, then submits
// staff_add with that consent and funds the allowance from the treasury.
import { useEffect, useRef, useState } from 'preact/hooks';
import { parseAmount } from '../../../lib/amount.js';
import { staff_roles } from '../../../lib/encoding.js';
import { inviteLink, newInvite, readAcceptance, signInviteOpen } from '../../../lib/invite.js';
import { RpcError } from '../../../lib/rpc.js';
import { describeError } from '../../errors.js';
import { Alert, Button, Field, Notice, html, useI18n } from '../../ui.js';
import { ownerHash } from '../route.js';
import { submitSigned } from './chain.js';
import { joinBodies, wizard_invites_max } from './model.js';
import { StepHead, useErrorText } from './parts.js';

/** How often the page asks whether a member accepted (a person scans and taps: seconds, not less). */
export const invite_poll_ms = 2_000;
/** An invite stays open 12 hours of the node's clock (the node allows at most 24). */
export const invite_life_s = 43_200n;
/** The allowance offered by default, in coin (the worked example's baristas get 500). */
const allowance_default = '500';

function QrImage({ link }) {
  const { t } = useI18n();
  const [src, setSrc] = useState(null);
  useEffect(() => {
    let current = true;
    // The QR encoder is its own chunk, loaded with the first invite.
    import('../../qr.js').then(({ qrDataUrl }) => current && setSrc(qrDataUrl(link)));
    return () => {
      current = false;
    };
  }, [link]);
  return src ? html`<img class="qr invite-qr" src=${src} alt=${t('owner.wizard.staff.qr_alt')} data-testid="invite-qr" />` : null;
}

/** One member's invite, from opening to "joined". */
function Invite({ node, ticker, keyRecord, invite, onState }) {
  const { t, amount } = useI18n();
  const { state, link, error, staff } = invite;

  // The invite's own work (opening, adding) goes on across its state
  // changes; only leaving the page stops it.
  const mounted = useRef(true);
  useEffect(() => () => (mounted.current = false), []);

  // Opens the invite once; then asks invite.get until it is accepted.
  useEffect(() => {
    let current = true;
    let timer = null;
    const update = (patch) => mounted.current && onState(invite.n, patch);
    // staff_add, then the allowance; `done` counts those committed, so a
    // retry after a failure sends only what is missing.
    const join = async (acceptanceText, staffAddress, from) => {
      update({ state: 'adding', staff: staffAddress, acceptanceText, error: null });
      const bodies = joinBodies(ticker, keyRecord.publicKey, readAcceptance(acceptanceText), invite.role, invite.allowance);
      let i = from;
      try {
        for (; i < bodies.length; i++) {
          await submitSigned(node, keyRecord.seed, bodies[i]);
          update({ done: i + 1 });
        }
        update({ state: 'joined' });
      } catch (e) {
        update({ state: 'stuck', done: i, error: describeError(e) });
      }
    };
    const poll = async () => {
      try {
        if (!current) return;
        const answer = await node.client.inviteGet(invite.id);
        if (!current) return;
        if (answer.state === 'accepted') return await join(answer.acceptance, answer.staff, 0);
        if (answer.state === 'added') return update({ state: 'joined', staff: answer.staff });
      } catch (e) {
        // A restarted node forgot the invite: open it again, same secret, same link.
        if (e instanceof RpcError && e.code === 2001) return update({ state: 'opening' });
        if (!(e instanceof RpcError)) {
          timer = setTimeout(poll, invite_poll_ms);
          return update({ error: describeError(e) });
        }
        return update({ state: 'failed', error: describeError(e) });
      }
      timer = setTimeout(poll, invite_poll_ms);
    };
    const open = async () => {
      try {
        const params = signInviteOpen({ chainId: node.chainId, ticker, id: invite.id, expiry_s: node.nowS() + invite_life_s, seed: keyRecord.seed });
        await node.client.inviteOpen(params);
        update({ state: 'open', error: null, link: inviteLink(location.origin, invite.secret, ticker) });
      } catch (e) {
        // 2009: the venue holds as many open invites as a node keeps.
        const full = e instanceof RpcError && e.code === 2009;
        update({ state: 'failed', error: full ? { key: 'owner.wizard.error.invites_full' } : describeError(e) });
      }
    };
    if (state === 'opening') open();
    else if (state === 'open') poll();
    else if (state === 'resume') join(invite.acceptanceText, invite.staff, invite.done ?? 0);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [state]);

  return html`
    <li class="card invite" data-testid="invite" data-state=${state}>
      <p class="invite-head">${t('owner.wizard.staff.member', { n: invite.n })} · ${t(`owner.wizard.role.${invite.role}`)} · ${t('owner.wizard.staff.allowance_of', { amount: amount(invite.allowanceText), ticker })}</p>
      ${state === 'opening' && html`<${Notice}>${t('owner.wizard.staff.opening')}<//>`}
      ${state === 'open' && link && html`
        <p>${t('owner.wizard.staff.send')}</p>
        <p class="invite-link"><a href=${link} data-testid="invite-link" rel="noreferrer" target="_blank">${link}</a></p>
        <${QrImage} link=${link} />
        <${Notice} testid="invite-waiting">${t('owner.wizard.staff.waiting')}<//>
      `}
      ${state === 'adding' && html`<${Notice}>${t('owner.wizard.staff.adding')}<//>`}
      ${state === 'joined' && html`<${Notice} testid="invite-joined">${t('owner.wizard.staff.joined', { address: staff ?? '' })}<//>`}
      <${Alert} error=${error} testid="invite-error" />
      ${state === 'stuck' && html`<${Button} type="button" kind="secondary" data-testid="invite-retry" onClick=${() => onState(invite.n, { state: 'resume' })}>${t('retry')}<//>`}
    </li>
  `;
}

/**
 * The invites and the form that opens one, for the wizard's last step and
 * the venue's settings. `keyRecord`: `{ seed, publicKey }` of the owner's
 * key; `onChange(invites)` hears every change of the list (each with its
 * `state`: opening, open, adding, joined, stuck, failed).
 */
export function StaffInvites({ node, ticker, keyRecord, onChange }) {
  const { t } = useI18n();
  const text = useErrorText();
  const [invites, setInvites] = useState([]);
  const [role, setRole] = useState('barista');
  const [allowance, setAllowance] = useState(allowance_default);
  const [problem, setProblem] = useState(null);
  useEffect(() => onChange?.(invites), [invites]);

  const onState = (n, patch) => setInvites((list) => list.map((i) => (i.n === n ? { ...i, ...patch } : i)));
  const add = (e) => {
    e.preventDefault();
    const units = parseAmount(allowance.trim().replace(',', '.'));
    if (units === null || units === 0n) return setProblem({ key: 'owner.wizard.error.allowance' });
    setProblem(null);
    const { secret, id } = newInvite();
    setInvites((list) => [...list, { n: list.length + 1, secret, id, role, allowance: units, allowanceText: allowance.trim().replace(',', '.'), state: 'opening', error: null }]);
  };

  return html`
    ${invites.length > 0 && html`<ul class="invites">${invites.map((i) => html`<${Invite} key=${i.n} node=${node} ticker=${ticker} keyRecord=${keyRecord} invite=${i} onState=${onState} />`)}</ul>`}
    ${invites.length < wizard_invites_max && html`
      <form class="card invite-form" onSubmit=${add} novalidate>
        <div class="field">
          <label for="invite-role">${t('owner.wizard.staff.role')}</label>
          <select id="invite-role" data-testid="invite-role" value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>
            ${staff_roles.map((r) => html`<option value=${r} key=${r}>${t(`owner.wizard.role.${r}`)}</option>`)}
          </select>
        </div>
        <${Field} label=${t('owner.wizard.staff.allowance', { ticker })} hint=${t('owner.wizard.staff.allowance_hint')} testid="invite-allowance"
          value=${allowance} onInput=${setAllowance} error=${text(problem)} inputmode="decimal" />
        <${Button} type="submit" kind="secondary" data-testid="invite-add">${t('owner.wizard.staff.add')}<//>
      </form>
    `}
  `;
}

export function StaffStep({ node, ticker, keyRecord }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const watch = (invites) => setBusy(invites.some((i) => i.state === 'adding' || i.state === 'resume'));

  return html`
    <section class="wizard-step">
      <${StepHead} step="staff" />
      <p class="notice" role="status" data-testid="launched">${t('owner.wizard.staff.launched', { ticker })}</p>
      <p class="hint">${t('owner.wizard.staff.intro')}</p>
      <${StaffInvites} node=${node} ticker=${ticker} keyRecord=${keyRecord} onChange=${watch} />
      <p class="actions">
        <a class=${`button primary${busy ? ' disabled' : ''}`} href=${ownerHash('venue', ticker)} data-testid="finish">${t('owner.wizard.finish')}</a>
      </p>
    </section>
  `;
}
