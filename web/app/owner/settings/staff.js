// The staff: each member's role, what they hold, what the treasury gave
// them (their allowance), their limits and what they gave today (venue.get
// staff[]); their role and limits changed (staff_update, kind 5), a top-up
// from the treasury (a transfer, as `kopilka fund`), and their removal
// (staff_remove), which first shows what returns to the treasury — the
// allowance they still hold, never more than their balance — and asks to
// confirm; afterwards the treasury's new balance, read from the chain.
import { useMemo, useRef, useState } from 'preact/hooks';
import { formatAmount, parseAmount } from '../../../lib/amount.js';
import { staff_roles } from '../../../lib/encoding.js';
import { publicKeyOf } from '../../../lib/keys.js';
import { Button, Field, Notice, html, useI18n } from '../../ui.js';
import { StaffInvites } from '../wizard/staff.js';
import { fundStaff, removeStaff, updateStaff } from './chain.js';
import { fundFromForm, limitsFromForm, returnedOnRemoval } from './forms.js';
import { Choice, Outcome, focusFirstProblem, problemText, shownParams, useAction } from './parts.js';

/** New members by invite, as the wizard's last step adds them; the list is read again as each joins. */
function Invites({ change }) {
  const { t } = useI18n();
  const { node, seed, ticker, refresh } = change;
  const keyRecord = useMemo(() => ({ seed, publicKey: publicKeyOf(seed) }), [seed]);
  const joined = useRef(0);
  const watch = (invites) => {
    const now = invites.filter((i) => i.state === 'joined').length;
    if (now > joined.current) refresh();
    joined.current = now;
  };
  return html`
    <h3>${t('settings.staff.invite_title')}</h3>
    <p class="hint">${t('settings.staff.invite_intro')}</p>
    <${StaffInvites} node=${node} ticker=${ticker} keyRecord=${keyRecord} onChange=${watch} />
  `;
}

/** kop1abcdefgh…uvwxyz: enough of an address to tell members apart in a sentence. */
export const shortAddress = (address) => `${address.slice(0, 10)}…${address.slice(-6)}`;

export function Staff({ change }) {
  const i18n = useI18n();
  const { t, amount } = i18n;
  const { venue } = change;
  // A removal's message outlives the member's row.
  const [removed, setRemoved] = useState(null);
  return html`
    <section class="card settings-card" data-testid="staff-settings" aria-labelledby="settings-staff">
      <h2 id="settings-staff">${t('settings.staff.title')}</h2>
      <p class="treasury" data-testid="treasury" data-value=${venue.treasury_balance}>
        ${t('settings.treasury', { amount: amount(venue.treasury_balance) })}
      </p>
      ${removed && html`<${Notice} testid="staff-removed">${t('settings.staff.removed', shownParams(i18n, removed))}<//>`}
      ${venue.staff.length === 0 && html`<p>${t('settings.staff.empty')}</p>`}
      <ul class="settings-list">
        ${venue.staff.map(
          (m) => html`<li key=${m.address}>
            <${Member} change=${change} member=${m} onRemoved=${setRemoved} />
          </li>`,
        )}
      </ul>
      <${Invites} change=${change} />
    </section>
  `;
}

const limitText = (decimal) => (decimal === null ? '' : decimal);

function Member({ change, member, onRemoved }) {
  const i18n = useI18n();
  const { t, amount } = i18n;
  const { node, seed, ticker, refresh } = change;
  const [form, setForm] = useState({ role: member.role, per_tx: limitText(member.limit_per_tx), per_day: limitText(member.limit_per_day) });
  const [problems, setProblems] = useState({});
  const [fund, setFund] = useState('');
  const [fundProblem, setFundProblem] = useState(null);
  const [confirming, setConfirming] = useState(false);
  const limits = useAction();
  const topUp = useAction();
  const removal = useAction();
  const back = returnedOnRemoval(parseAmount(member.balance), parseAmount(member.allowance));
  const who = t('settings.staff.who', { role: t(`settings.staff.role.${member.role}`), address: shortAddress(member.address) });
  const shown = (decimal) => (decimal === null ? t('settings.staff.no_limit') : amount(decimal));

  const saveLimits = async (e) => {
    e.preventDefault();
    const el = e.currentTarget;
    const parsed = limitsFromForm(form);
    setProblems(parsed.problems);
    if (Object.keys(parsed.problems).length) return (focusFirstProblem(el), limits.clear());
    await limits.run(async () => {
      await updateStaff(node, seed, ticker, member.address, form.role, parsed.limits);
      await refresh();
      return { key: 'settings.staff.saved' };
    });
  };

  const sendFund = async (e) => {
    e.preventDefault();
    const el = e.currentTarget;
    // Checked against the treasury as last read; the ledger checks it again.
    const parsed = fundFromForm(fund, parseAmount(change.venue.treasury_balance));
    setFundProblem(parsed.problem ?? null);
    if (parsed.problem) return (focusFirstProblem(el), topUp.clear());
    const ok = await topUp.run(async () => {
      await fundStaff(node, seed, ticker, member.address, parsed.units);
      const before = parseAmount(change.venue.treasury_balance);
      // What the ledger just did, should the node not answer the read after it.
      const now = (await refresh())?.treasury_balance ?? formatAmount(before - parsed.units);
      return { key: 'settings.staff.funded', params: { sent_amount: formatAmount(parsed.units), treasury_amount: now } };
    });
    if (ok) setFund('');
  };

  // The amount the confirmation shows is read afresh: the member may have given since the page loaded.
  const askRemoval = () => {
    setConfirming(true);
    refresh();
  };

  const remove = () =>
    removal.run(async () => {
      await removeStaff(node, seed, ticker, member.address);
      const before = parseAmount(change.venue.treasury_balance);
      const now = (await refresh())?.treasury_balance ?? formatAmount(before + back);
      onRemoved({ role: member.role, address: shortAddress(member.address), back_amount: formatAmount(back), treasury_amount: now });
      return null;
    });

  return html`
    <article class="member" data-testid="member" data-address=${member.address} aria-label=${who}>
      <h3>${t(`settings.staff.role.${member.role}`)}</h3>
      <p class="address">${member.address}</p>
      <dl class="facts member-facts">
        <div><dt>${t('settings.staff.balance')}</dt><dd data-testid="member-balance" data-value=${member.balance}>${amount(member.balance)}</dd></div>
        <div><dt>${t('settings.staff.allowance')}</dt><dd data-testid="member-allowance" data-value=${member.allowance}>${amount(member.allowance)}</dd></div>
        <div><dt>${t('settings.staff.given_today')}</dt><dd data-testid="member-given" data-value=${member.given_today}>${amount(member.given_today)}</dd></div>
        <div><dt>${t('settings.staff.limits_now')}</dt><dd data-testid="member-limits">
          ${t('settings.staff.limits_text', { per_tx: shown(member.limit_per_tx), per_day: shown(member.limit_per_day) })}
        </dd></div>
      </dl>

      <form onSubmit=${saveLimits} noValidate data-testid="member-limits-form">
        <${Choice} label=${t('settings.field.role')} value=${form.role} testid="member-role"
          onChange=${(v) => setForm((f) => ({ ...f, role: v }))}
          options=${staff_roles.map((r) => [r, t(`settings.staff.role.${r}`)])} />
        <div class="pair">
          <${Field} label=${t('settings.field.per_tx')} value=${form.per_tx} testid="member-per-tx" inputmode="decimal"
            hint=${t('settings.hint.limit')} onInput=${(v) => setForm((f) => ({ ...f, per_tx: v }))} error=${problemText(i18n, problems.per_tx)} />
          <${Field} label=${t('settings.field.per_day')} value=${form.per_day} testid="member-per-day" inputmode="decimal"
            hint=${t('settings.hint.limit')} onInput=${(v) => setForm((f) => ({ ...f, per_day: v }))} error=${problemText(i18n, problems.per_day)} />
        </div>
        <${Outcome} action=${limits} testid="member-limits" />
        <${Button} type="submit" busy=${limits.busy} data-testid="member-save">${t('settings.staff.save')}<//>
      </form>

      <form onSubmit=${sendFund} noValidate data-testid="member-fund-form">
        <${Field} label=${t('settings.field.fund')} value=${fund} testid="member-fund" inputmode="decimal"
          hint=${t('settings.hint.fund')} onInput=${setFund} error=${problemText(i18n, fundProblem)} />
        <${Outcome} action=${topUp} testid="member-fund" />
        <${Button} type="submit" kind="secondary" busy=${topUp.busy} data-testid="member-fund-send">${t('settings.staff.fund')}<//>
      </form>

      ${confirming
        ? html`<div class="confirm" role="group" aria-label=${t('settings.staff.remove')} data-testid="member-remove-confirm">
            <p data-testid="member-remove-amount" data-value=${formatAmount(back)}>
              ${t('settings.staff.remove_confirm', { who, amount: amount(formatAmount(back)) })}
            </p>
            <${Outcome} action=${removal} testid="member-remove" />
            <div class="actions">
              <${Button} type="button" kind="danger" busy=${removal.busy} onClick=${remove} data-testid="member-remove-yes">
                ${t('settings.staff.remove_yes')}
              <//>
              <${Button} type="button" kind="secondary" onClick=${() => (setConfirming(false), removal.clear())} data-testid="member-remove-no">
                ${t('settings.staff.remove_no')}
              <//>
            </div>
          </div>`
        : html`<${Button} type="button" kind="danger" onClick=${askRemoval} data-testid="member-remove">
            ${t('settings.staff.remove')}
          <//>`}
    </article>
  `;
}
