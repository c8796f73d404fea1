// The owner's dashboard: holdings now, what moved in the chosen UTC days
// (the range picker), the redemption rate, issued and spent per day as a
// chart, clients per week, top rewards and each staff member's figures.
// Every figure is the node's venue.stats or venue.series value as it is
// (`kopilka stats` prints the same call), shown through Intl; each carries
// the exact value in data-value for the tests.
import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../errors.js';
import { Alert, Notice, html, useI18n } from '../ui.js';
import { Chart } from './chart.js';
import { day_ms, loadFigures, range_choices, range_default, rangeParams, redemptionRate } from './figures.js';
import { shortAccount, utcDay } from './labels.js';
import { SmsCredits } from './sms.js';

/** A figure: its label, and the value as the person reads it (the exact one in data-value). */
function Figure({ testid, label, value, shown }) {
  return html`
    <div class="figure">
      <dt>${label}</dt>
      <dd data-testid=${testid} data-value=${value}>${shown}</dd>
    </div>
  `;
}

function RangePicker({ choice, onChoose }) {
  const { t } = useI18n();
  return html`
    <div class="range-picker" role="group" aria-label=${t('views.range')}>
      ${range_choices.map(
        (c) => html`
          <button type="button" class="choice" aria-pressed=${c === choice ? 'true' : 'false'} data-testid=${`range-${c}`} onClick=${() => onChoose(c)}>
            ${t(`views.range.${c}`)}
          </button>
        `,
      )}
    </div>
  `;
}

function RangeNote({ choice, nowMs }) {
  const { t, lang } = useI18n();
  if (choice === 'all') return html`<p class="hint" data-testid="range-note">${t('views.range.all_note')}</p>`;
  const p = rangeParams(choice, nowMs).stats;
  return html`<p class="hint" data-testid="range-note">${t('views.range.days_note', { from: utcDay(lang, p.from_ms, true), to: utcDay(lang, p.to_ms - day_ms, true) })}</p>`;
}

function Rate({ stats }) {
  const { t, lang } = useI18n();
  const rate = redemptionRate(stats.issued, stats.redeemed);
  // The rate is already rounded to a tenth of a percent; Intl only writes it.
  const shown = rate === null ? t('views.rate_none') : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
  return html`<${Figure} testid="fig-rate" label=${t('views.rate')} value=${rate ?? ''} shown=${shown} />`;
}

function Holdings({ stats }) {
  const { t, amount } = useI18n();
  // Clients whose news of coins goes by web push, free (a node before push does not say).
  const push = typeof stats.clients_push === 'number';
  return html`
    <section class="card" aria-labelledby="views-now">
      <h3 id="views-now">${t('views.now')}</h3>
      <dl class="figures">
        <${Figure} testid="fig-treasury" label=${t('views.treasury')} value=${stats.treasury} shown=${amount(stats.treasury)} />
        <${Figure} testid="fig-with_staff" label=${t('views.with_staff')} value=${stats.with_staff} shown=${amount(stats.with_staff)} />
        <${Figure} testid="fig-in_clients" label=${t('views.in_clients')} value=${stats.in_clients} shown=${amount(stats.in_clients)} />
        <${Figure} testid="fig-clients" label=${t('views.clients')} value=${stats.clients} shown=${amount(String(stats.clients))} />
        ${push &&
        html`<${Figure}
          testid="fig-clients_push"
          label=${t('views.clients_push')}
          value=${stats.clients_push}
          shown=${t('views.clients_push_of', { push: amount(String(stats.clients_push)), count: String(stats.clients) })}
        />`}
      </dl>
      ${push && html`<p class="hint">${t('views.clients_push_hint')}</p>`}
    </section>
  `;
}

function Moved({ stats }) {
  const { t, amount } = useI18n();
  return html`
    <section class="card" aria-labelledby="views-moved">
      <h3 id="views-moved">${t('views.moved')}</h3>
      <dl class="figures">
        <${Figure} testid="fig-issued" label=${t('views.issued')} value=${stats.issued} shown=${amount(stats.issued)} />
        <${Figure} testid="fig-issues" label=${t('views.issues')} value=${stats.issues} shown=${amount(String(stats.issues))} />
        <${Figure} testid="fig-redeemed" label=${t('views.redeemed')} value=${stats.redeemed} shown=${amount(stats.redeemed)} />
        <${Figure} testid="fig-redemptions" label=${t('views.redemptions')} value=${stats.redemptions} shown=${amount(String(stats.redemptions))} />
        <${Figure} testid="fig-new_clients" label=${t('views.new_clients')} value=${stats.new_clients} shown=${amount(String(stats.new_clients))} />
        <${Rate} stats=${stats} />
      </dl>
      <p class="hint">${t('views.rate_hint')}</p>
    </section>
  `;
}

function Weeks({ series }) {
  const { t, lang, amount } = useI18n();
  // The year only where the weeks cross one, so a phone's column stays narrow.
  const year = (ms) => new Date(ms).getUTCFullYear();
  const withYear = series.rows.length > 0 && year(series.rows[0].start_ms) !== year(series.rows.at(-1).start_ms);
  return html`
    <section class="card" aria-labelledby="views-weeks">
      <h3 id="views-weeks">${t('views.weeks.title')}</h3>
      <table class="table" data-testid="weeks">
        <thead>
          <tr>
            <th scope="col">${t('views.weeks.week')}</th>
            <th scope="col" class="num">${t('views.weeks.active')}</th>
            <th scope="col" class="num">${t('views.weeks.new')}</th>
            <th scope="col" class="num">${t('views.weeks.returning')}</th>
          </tr>
        </thead>
        <tbody>
          ${[...series.rows].reverse().map(
            (r) => html`
              <tr data-testid="week" data-start=${r.start_ms}>
                <th scope="row">${utcDay(lang, r.start_ms, withYear)}</th>
                <td class="num" data-testid="week-active" data-value=${r.active_clients}>${amount(String(r.active_clients))}</td>
                <td class="num" data-testid="week-new" data-value=${r.new_clients}>${amount(String(r.new_clients))}</td>
                <td class="num" data-testid="week-returning" data-value=${r.returning_clients}>${amount(String(r.returning_clients))}</td>
              </tr>
            `,
          )}
        </tbody>
      </table>
      <p class="hint">${t('views.weeks.hint')}</p>
    </section>
  `;
}

function Products({ products }) {
  const { t, amount } = useI18n();
  return html`
    <section class="card" aria-labelledby="views-products">
      <h3 id="views-products">${t('views.products.title')}</h3>
      ${products.length === 0
        ? html`<p>${t('views.products.none')}</p>`
        : html`
            <table class="table" data-testid="products">
              <thead>
                <tr>
                  <th scope="col">${t('views.products.name')}</th>
                  <th scope="col" class="num">${t('views.products.redemptions')}</th>
                  <th scope="col" class="num">${t('views.products.redeemed')}</th>
                </tr>
              </thead>
              <tbody>
                ${products.map(
                  (p) => html`
                    <tr data-testid="product" data-id=${p.id}>
                      <th scope="row">${p.name ?? t('views.products.removed', { id: p.id })}</th>
                      <td class="num" data-testid="product-redemptions" data-value=${p.redemptions}>${amount(String(p.redemptions))}</td>
                      <td class="num" data-testid="product-redeemed" data-value=${p.redeemed}>${amount(p.redeemed)}</td>
                    </tr>
                  `,
                )}
              </tbody>
            </table>
          `}
    </section>
  `;
}

function Staff({ staff }) {
  const { t, amount } = useI18n();
  return html`
    <section class="card" aria-labelledby="views-staff">
      <h3 id="views-staff">${t('views.staff.title')}</h3>
      ${staff.length === 0
        ? html`<p>${t('views.staff.none')}</p>`
        : html`
            <ul class="staff-list">
              ${staff.map(
                (s) => html`
                  <li class="staff-member" data-testid="staff" data-address=${s.address}>
                    <p class="who">
                      <span class="role">${s.role ? t(`views.role.${s.role}`) : t('views.staff.removed')}</span>
                      <span class="address" title=${s.address}>${shortAccount(s.address)}</span>
                    </p>
                    <dl class="figures small">
                      <${Figure} testid="staff-clients_served" label=${t('views.staff.clients_served')} value=${s.clients_served} shown=${amount(String(s.clients_served))} />
                      <${Figure} testid="staff-visits" label=${t('views.staff.visits')} value=${s.visits} shown=${amount(String(s.visits))} />
                      <${Figure} testid="staff-given" label=${t('views.staff.given')} value=${s.given} shown=${amount(s.given)} />
                      <${Figure} testid="staff-redeemed" label=${t('views.staff.redeemed')} value=${s.redeemed} shown=${amount(s.redeemed)} />
                    </dl>
                  </li>
                `,
              )}
            </ul>
          `}
    </section>
  `;
}

/** `node`: connect()'s result; `ticker`: the venue's coin. */
export function Dashboard({ node, ticker }) {
  const [choice, setChoice] = useState(range_default);
  const [state, setState] = useState({ status: 'loading' });
  const [nowMs] = useState(() => node.nowMs());

  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, status: 'loading' }));
    loadFigures(node.client, ticker, choice, nowMs)
      .then((figures) => live && setState({ status: 'ok', figures }))
      .catch((e) => live && setState({ status: 'failed', error: describeError(e) }));
    return () => {
      live = false;
    };
  }, [choice]);

  const { t } = useI18n();
  const f = state.figures;
  return html`
    <div class="dashboard" data-testid="dashboard" data-range=${f?.choice ?? ''} aria-busy=${state.status === 'loading' ? 'true' : 'false'}>
      <${RangePicker} choice=${choice} onChoose=${setChoice} />
      <${RangeNote} choice=${choice} nowMs=${nowMs} />
      ${state.status === 'failed' && html`<${Alert} error=${state.error} />`}
      ${!f && state.status === 'loading' && html`<${Notice}>${t('views.loading')}<//>`}
      ${f &&
      html`
        <div class="dash-grid">
          <${Holdings} stats=${f.stats} />
          <${Moved} stats=${f.stats} />
          <section class="card wide" aria-label=${t(f.chart.bucket === 'week' ? 'views.chart.week' : 'views.chart.day')}><${Chart} series=${f.chart} /></section>
          <${Weeks} series=${f.weeks} />
          <${Products} products=${f.products} />
          <${Staff} staff=${f.stats.staff} />
          <${SmsCredits} client=${node.client} ticker=${ticker} />
        </div>
      `}
    </div>
  `;
}
