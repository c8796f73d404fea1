// Issued and spent per bucket as a bar chart in plain SVG, made of Preact
// elements: classes and SVG attributes only (the CSP forbids style
// attributes), two bars per bucket, each with its exact amount as a title
// for a pointer or a screen reader, the dates under it in HTML.
import { formatAmount } from '../../lib/amount.js';
import { html, useI18n } from '../ui.js';
import { chartBars } from './figures.js';
import { utcDay } from './labels.js';

// The drawing's own units (the SVG scales to the card's width).
const chart_width_units = 320;
const chart_height_units = 160;

/** `series`: a venue.series answer (rows of one range, by day or by week). */
export function Chart({ series }) {
  const { t, lang, amount } = useI18n();
  const rows = series.rows;
  const { bars, max } = chartBars(rows, { width: chart_width_units, height: chart_height_units });
  const titleKey = series.bucket === 'week' ? 'views.chart.week' : 'views.chart.day';
  const empty = max === 0n;
  const withYear = series.bucket === 'week';
  return html`
    <figure class="chart" data-testid="chart" data-bucket=${series.bucket} data-buckets=${rows.length}>
      <figcaption><h3 class="chart-title">${t(titleKey)}</h3></figcaption>
      <p class="legend">
        <span class="key"><span class="swatch series-issued" aria-hidden="true"></span>${t('views.chart.issued')}</span>
        <span class="key"><span class="swatch series-redeemed" aria-hidden="true"></span>${t('views.chart.redeemed')}</span>
      </p>
      <svg
        class="chart-svg"
        viewBox=${`0 0 ${chart_width_units} ${chart_height_units}`}
        preserveAspectRatio="none"
        role="img"
        aria-label=${t(titleKey)}
      >
        <line class="axis" x1="0" y1=${chart_height_units} x2=${chart_width_units} y2=${chart_height_units} />
        ${bars.map(
          (b) => html`
            <rect
              class=${`bar series-${b.series}`}
              data-testid="bar"
              data-series=${b.series}
              data-start=${b.start_ms}
              data-amount=${b.amount}
              x=${b.x}
              y=${b.y}
              width=${b.width}
              height=${b.height}
            >
              <title>${t(b.series === 'issued' ? 'views.chart.bar_issued' : 'views.chart.bar_redeemed', { date: utcDay(lang, b.start_ms, withYear), amount: amount(b.amount) })}</title>
            </rect>
          `,
        )}
      </svg>
      ${rows.length > 0 &&
      html`<p class="chart-dates"><span>${utcDay(lang, rows[0].start_ms, withYear)}</span><span>${utcDay(lang, rows.at(-1).start_ms, withYear)}</span></p>`}
      <p class="hint">${empty ? t('views.chart.empty') : t('views.chart.max', { amount: amount(formatAmount(max)) })}</p>
      <details class="chart-table">
        <summary>${t('views.chart.as_table')}</summary>
        <table class="table" data-testid="chart-table">
          <thead>
            <tr>
              <th scope="col">${t(series.bucket === 'week' ? 'views.weeks.week' : 'views.chart.day_column')}</th>
              <th scope="col" class="num">${t('views.chart.issued')}</th>
              <th scope="col" class="num">${t('views.chart.redeemed')}</th>
            </tr>
          </thead>
          <tbody>
            ${[...rows].reverse().map(
              (r) => html`
                <tr>
                  <th scope="row">${utcDay(lang, r.start_ms, withYear)}</th>
                  <td class="num">${amount(r.issued)}</td>
                  <td class="num">${amount(r.redeemed)}</td>
                </tr>
              `,
            )}
          </tbody>
        </table>
      </details>
    </figure>
  `;
}

