// The owner's dashboard figures: which UTC days a range picker means, the
// node calls that give them (venue.stats and venue.series only, never the
// history, so a big venue's dashboard costs what its days cost), the
// redemption rate as an exact rational rounded once, and the chart's
// geometry. Every amount stays the node's decimal string or a BigInt of
// minor units. Pure but for loadFigures, which calls the node.
import { parseAmount } from '../../lib/amount.js';

export const day_ms = 86_400_000;
export const week_ms = 7 * day_ms;
// 1970-01-01 was a Thursday: the first Monday 00:00 UTC is 4 days in (node/venue_stats.cpp).
const first_monday_ms = 4 * day_ms;
// The node's bound on buckets per venue.series call (series_buckets_max).
export const series_buckets_max = 400;
// "All time" reads weeks: up to series_buckets_max of them (about 7.7 years),
// the empty ones before the venue's first activity dropped, keeping at least these.
export const all_time_weeks_shown_min = 8;

/** The ranges the picker offers: days back from today (UTC), or all time. */
export const range_choices = Object.freeze(['7', '30', '90', 'all']);
export const range_default = '30';

/** 00:00 UTC of the day holding `ms`. */
export const dayStart = (ms) => Math.floor(ms / day_ms) * day_ms;
/** Monday 00:00 UTC of the week holding `ms`. */
export const weekStart = (ms) => Math.floor((ms - first_monday_ms) / week_ms) * week_ms + first_monday_ms;

/**
 * What `choice` (range_choices) means at the node's time `nowMs`:
 * `{ stats, chart, weeks }`, each the params of one call beside the ticker.
 * `stats` (venue.stats): the last N UTC days up to and including today, or
 * none for all time. `chart` (venue.series): the same days by day; for all
 * time, by week. `weeks`: the whole Monday weeks that hold those days (for
 * all time, the chart's own call, so it is made once).
 */
export function rangeParams(choice, nowMs) {
  const endOfToday = dayStart(nowMs) + day_ms;
  const thisWeekEnd = weekStart(nowMs) + week_ms;
  if (choice === 'all') {
    const from = Math.max(first_monday_ms, thisWeekEnd - series_buckets_max * week_ms);
    const weeks = { bucket: 'week', from_ms: from, to_ms: thisWeekEnd };
    return { stats: {}, chart: weeks, weeks };
  }
  if (!range_choices.includes(choice)) throw new RangeError(`not a range: ${choice}`);
  const from = endOfToday - Number(choice) * day_ms;
  return {
    stats: { from_ms: from, to_ms: endOfToday },
    chart: { bucket: 'day', from_ms: from, to_ms: endOfToday },
    weeks: { bucket: 'week', from_ms: weekStart(from), to_ms: weekStart(endOfToday - day_ms) + week_ms },
  };
}

/** For all time: the weekly rows from the venue's first activity on (at least all_time_weeks_shown_min). */
export function trimLeadingEmpty(rows, keepMin = all_time_weeks_shown_min) {
  const first = rows.findIndex((r) => r.issues > 0 || r.redemptions > 0 || r.new_clients > 0 || r.active_clients > 0);
  const start = first === -1 ? rows.length : first;
  return rows.slice(Math.max(0, Math.min(start, rows.length - keepMin)));
}

/**
 * The redemption rate, redeemed ÷ issued, as a decimal string of the
 * fraction with three decimals (0.125 is 12.5 %), rounded half up once from
 * the exact ratio of minor units; null when nothing was issued.
 */
export function redemptionRate(issued, redeemed) {
  const i = typeof issued === 'bigint' ? issued : parseAmount(issued);
  const r = typeof redeemed === 'bigint' ? redeemed : parseAmount(redeemed);
  if (i === null || r === null) throw new RangeError('the rate needs two amounts');
  if (i === 0n) return null;
  const permille = (2n * 1000n * r + i) / (2n * i); // round(1000 r / i), half up
  return `${permille / 1000n}.${String(permille % 1000n).padStart(3, '0')}`;
}

/**
 * The node's answers for one range: `{ stats, chart, weeks }` (venue.stats,
 * venue.series by day or week, venue.series by week), three calls at once.
 */
export async function loadFigures(client, ticker, choice, nowMs) {
  const p = rangeParams(choice, nowMs);
  const [stats, chart, weeks] = await Promise.all([
    client.call('venue.stats', { ticker, ...p.stats }),
    client.call('venue.series', { ticker, ...p.chart }),
    p.weeks === p.chart ? null : client.call('venue.series', { ticker, ...p.weeks }),
  ]);
  const weekly = weeks ?? chart;
  const trim = choice === 'all' ? trimLeadingEmpty : (rows) => rows;
  return {
    choice,
    stats,
    chart: { ...chart, rows: trim(chart.rows) },
    weeks: { ...weekly, rows: trim(weekly.rows) },
    // Over the chart's range: for a number of days, exactly the stats' range.
    products: chart.products,
  };
}

/**
 * The chart's bars: two per bucket (issued, redeemed), heights in 0..`height`
 * scaled by the largest amount in the rows (exact in BigInt, then a Number
 * of px); `{ buckets, bars: [{ bucket, series, start_ms, amount, x, y,
 * width, height }] }`.
 */
export function chartBars(rows, { width, height, gap = 0.25 }) {
  const amounts = rows.map((r) => [parseAmount(r.issued), parseAmount(r.redeemed)]);
  let max = 0n;
  for (const [a, b] of amounts) {
    if (a > max) max = a;
    if (b > max) max = b;
  }
  const slot = rows.length ? width / rows.length : width;
  const barWidth = (slot * (1 - gap)) / 2;
  const bars = [];
  rows.forEach((r, i) => {
    ['issued', 'redeemed'].forEach((series, j) => {
      const units = amounts[i][j];
      // Scaled in hundredths of a px, so a small but non-zero amount still shows.
      const h = max === 0n ? 0 : Number((units * BigInt(Math.round(height * 100))) / max) / 100;
      const shown = units > 0n && h < 1 ? 1 : h;
      bars.push({
        bucket: i,
        series,
        start_ms: r.start_ms,
        amount: r[series],
        x: i * slot + (slot * gap) / 2 + j * barWidth,
        y: height - shown,
        width: barWidth,
        height: shown,
      });
    });
  });
  return { buckets: rows.length, max, bars };
}
