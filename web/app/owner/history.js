// The venue's whole history, newest first, with filters (who did it, the
// client, what happened, UTC dates), read a page at a time with the
// node's cursor (history-source.js), and its CSV export (export.js).
import { useEffect, useRef, useState } from 'preact/hooks';
import { accountFromText } from '../../lib/address.js';
import { describeError } from '../errors.js';
import { Alert, Button, Field, Notice, html, useI18n } from '../ui.js';
import { Export } from './export.js';
import { collectPage } from './history-source.js';
import { accountLabel, dateInputMs, shortAccount, utcMoment } from './labels.js';
import { day_ms } from './figures.js';

// Entries shown per "show more".
export const history_entries_per_view = 50;

// The kinds venue.history holds (all but phone_bind and the re-binds, which name no coin).
export const venue_history_kinds = Object.freeze([
  'transfer', 'redeem', 'purchase', 'purchase_return', 'staff_add', 'staff_update', 'staff_remove', 'product_upsert', 'product_remove',
  'programme_set', 'card_bind', 'birthday_set', 'venue_update', 'venue_create',
]);

const empty_form = Object.freeze({ staff: '', client: '', kind: '', from: '', to: '' });

/**
 * The filters a form asks for, as venue.history's params, or `{ problems }`
 * (field → message key) saying what to fix. Dates are UTC days; "to" is
 * the last day shown, so to_ms is the midnight after it.
 */
export function filtersOfForm(form) {
  const problems = {};
  const filters = {};
  if (form.staff) filters.staff = form.staff;
  if (form.kind) filters.kind = form.kind;
  const client = form.client.trim();
  if (client) {
    try {
      accountFromText(client);
      filters.client = client;
    } catch {
      problems.client = 'views.history.client_bad';
    }
  }
  const from = form.from ? dateInputMs(form.from) : null;
  const to = form.to ? dateInputMs(form.to) : null;
  if (from !== null) filters.from_ms = from;
  if (to !== null) filters.to_ms = to + day_ms;
  if (from !== null && to !== null && from > to) problems.to = 'views.history.dates_bad';
  return Object.keys(problems).length ? { problems } : { filters };
}

function Select({ label, value, onChange, testid, children }) {
  const id = `views-${testid}`;
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      <select id=${id} data-testid=${testid} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>${children}</select>
    </div>
  `;
}

function Filters({ venue, formerStaff, onApply }) {
  const { t } = useI18n();
  const [form, setForm] = useState(empty_form);
  const [problems, setProblems] = useState({});
  const set = (name) => (value) => setForm((f) => ({ ...f, [name]: value }));
  const submit = (e) => {
    e.preventDefault();
    const r = filtersOfForm(form);
    setProblems(r.problems ?? {});
    if (r.filters) onApply(r.filters);
  };
  const reset = () => {
    setForm(empty_form);
    setProblems({});
    onApply({});
  };
  return html`
    <form class="filters card" onSubmit=${submit} aria-labelledby="views-filters" noValidate>
      <h3 id="views-filters">${t('views.history.filters')}</h3>
      <div class="filter-grid">
        <${Select} label=${t('views.history.staff')} value=${form.staff} onChange=${set('staff')} testid="filter-staff">
          <option value="">${t('views.history.anyone')}</option>
          <option value=${venue.owner}>${t('views.history.owner')}</option>
          ${venue.staff.map((s) => html`<option value=${s.address}>${t(`views.role.${s.role}`)} ${shortAccount(s.address)}</option>`)}
          ${formerStaff.map((a) => html`<option value=${a}>${t('views.staff.removed')} ${shortAccount(a)}</option>`)}
        <//>
        <${Select} label=${t('views.history.kind')} value=${form.kind} onChange=${set('kind')} testid="filter-kind">
          <option value="">${t('views.history.any_kind')}</option>
          ${venue_history_kinds.map((k) => html`<option value=${k}>${t(`views.kind.${k}`)}</option>`)}
        <//>
        <${Field}
          label=${t('views.history.client')}
          hint=${t('views.history.client_hint')}
          error=${problems.client && t(problems.client)}
          testid="filter-client"
          value=${form.client}
          onInput=${set('client')}
          autocomplete="off"
          spellcheck="false"
        />
        <${Field} label=${t('views.history.from')} type="date" testid="filter-from" value=${form.from} onInput=${set('from')} />
        <${Field} label=${t('views.history.to')} type="date" testid="filter-to" value=${form.to} onInput=${set('to')} error=${problems.to && t(problems.to)} />
      </div>
      <div class="actions">
        <${Button} type="submit" data-testid="filter-apply">${t('views.history.apply')}<//>
        <${Button} type="button" kind="secondary" data-testid="filter-reset" onClick=${reset}>${t('views.history.reset')}<//>
      </div>
    </form>
  `;
}

/** What an entry did, as a person reads it: a movement line and notes. */
function EntryBody({ tx, venue }) {
  const { t, amount } = useI18n();
  const who = (a) => accountLabel(t, a, venue);
  if (tx.kind === 'transfer')
    return html`
      <span class="move">${who(tx.from)} → ${who(tx.to)}: <span class="amount">${amount(tx.amount)}</span></span>
      ${tx.memo && html`<span class="memo">${t('views.history.memo', { memo: tx.memo })}</span>`}
    `;
  if (tx.kind === 'redeem') {
    const v = tx.voucher;
    const product = venue.products.find((p) => p.id === v.product_id);
    return html`
      <span class="move">${who(v.client)} → ${who(venue.owner)}: <span class="amount">${amount(v.price)}</span></span>
      <span class="memo">${t('views.history.product', { name: product ? product.name : t('views.history.product_id', { id: v.product_id }) })}</span>
    `;
  }
  if (tx.kind === 'purchase')
    return html`
      <span class="move">${who(tx.client)}: ${t('views.history.receipt', { total: amount(tx.receipt.total) })}</span>
      ${tx.pay !== '0.00' && html`<span class="memo">${t('views.history.paid', { amount: amount(tx.pay) })}</span>`}
    `;
  if (tx.kind === 'purchase_return')
    return html`<span class="move">${t('views.history.returned', { amount: amount(tx.amount), purchase: tx.purchase.slice(0, 8) })}</span>`;
  if (tx.kind === 'programme_set') return html`<span class="move">${t('views.history.programme', { version: tx.programme.version })}</span>`;
  if (tx.kind === 'card_bind') return html`<span class="move">${tx.card} → ${who(tx.client)}</span>`;
  if (tx.kind === 'birthday_set') return html`<span class="move">${who(tx.client)}</span>`;
  if (tx.kind === 'product_upsert') return html`<span class="move">${tx.product.name}: ${amount(tx.product.price)}</span>`;
  if (tx.kind === 'staff_add' || tx.kind === 'staff_update' || tx.kind === 'staff_remove')
    return html`<span class="move">${tx.role ? `${t(`views.role.${tx.role}`)} ` : ''}${shortAccount(tx.staff)}</span>`;
  if (tx.kind === 'venue_create' || tx.kind === 'venue_update') return html`<span class="move">${tx.profile?.name ?? ''}</span>`;
  return null;
}

function Entry({ entry, venue }) {
  const { t, lang } = useI18n();
  const tx = entry.tx;
  return html`
    <li class="entry" data-testid="history-entry" data-id=${entry.id} data-kind=${tx.kind} data-signer=${tx.signer} data-time=${entry.time_ms}>
      <span class="what">${t(`views.kind.${tx.kind}`)}</span>
      <${EntryBody} tx=${tx} venue=${venue} />
      <span class="where">${utcMoment(lang, entry.time_ms)} · ${t('views.history.block', { height: entry.height })} · ${accountLabel(t, tx.signer, venue)}</span>
    </li>
  `;
}

/** `node`: connect()'s result; `venue`: venue.get's answer. */
export function History({ node, venue }) {
  const { t } = useI18n();
  const [filters, setFilters] = useState({});
  const [list, setList] = useState({ entries: [], next_cursor: '', status: 'loading' });
  const generation = useRef(0);

  const load = async (cursor, base, which) => {
    const mine = ++generation.current;
    setList({ ...base, status: 'loading' });
    try {
      const page = await collectPage(node.client, venue.ticker, { cursor, want: history_entries_per_view, filters: which });
      if (mine !== generation.current) return;
      setList({ entries: [...base.entries, ...page.entries], next_cursor: page.next_cursor, status: 'ok' });
    } catch (e) {
      if (mine !== generation.current) return;
      setList({ ...base, status: 'failed', error: describeError(e) });
    }
  };

  useEffect(() => {
    load('', { entries: [], next_cursor: '' }, filters);
  }, [filters]);

  const filtered = Object.keys(filters).length > 0;
  // Members since removed are in no venue.get; the history read so far names them.
  const [formerStaff, setFormerStaff] = useState([]);
  useEffect(() => {
    const now = new Set(venue.staff.map((s) => s.address));
    const seen = new Set(formerStaff);
    for (const e of list.entries) if (e.tx.kind === 'staff_add' && !now.has(e.tx.staff)) seen.add(e.tx.staff);
    if (seen.size !== formerStaff.length) setFormerStaff([...seen]);
  }, [list.entries]);
  return html`
    <div class="history-view" data-testid="history" aria-busy=${list.status === 'loading' ? 'true' : 'false'}>
      <${Filters} venue=${venue} formerStaff=${formerStaff} onApply=${setFilters} />
      <section class="card" aria-labelledby="views-history">
        <h3 id="views-history">${t('views.history.title')}</h3>
        ${list.status !== 'loading' && html`<p class="hint" data-testid="history-count">${t('views.history.shown', { count: list.entries.length })}</p>`}
        ${list.entries.length === 0 && list.status === 'ok' && !list.next_cursor &&
        html`<p data-testid="history-empty">${t(filtered ? 'views.history.empty_filtered' : 'views.history.empty')}</p>`}
        <ul class="history">
          ${list.entries.map((e) => html`<${Entry} key=${e.id} entry=${e} venue=${venue} />`)}
        </ul>
        ${list.status === 'failed' &&
        html`<${Alert} error=${list.error} /><${Button} type="button" kind="secondary" data-testid="history-retry" onClick=${() => load(list.next_cursor, list, filters)}>${t('retry')}<//>`}
        ${list.status === 'loading' && html`<${Notice}>${t('views.loading')}<//>`}
        ${list.next_cursor && list.status === 'ok' &&
        html`<${Button} type="button" kind="secondary" data-testid="history-more" onClick=${() => load(list.next_cursor, list, filters)}>${t('views.history.more')}<//>`}
      </section>
      <${Export} node=${node} ticker=${venue.ticker} />
    </div>
  `;
}
