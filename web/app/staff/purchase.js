// Recording a purchase at the till (issue 15): the client's phone, the
// receipt's lines (a category the programme names, or none, and the amount
// paid), the till's receipt number; purchase.quote shows what the venue's
// programme gives for it (the same evaluation the block makes) before
// anything is signed; then a `purchase` this key signs, naming the programme
// version the quote used, submitted with wait. The accrual comes from the
// staff member's own allowance, as a transfer does. Paying with bonuses needs
// the client's signed consent and is not offered here (the CLI does it).
import { useEffect, useState } from 'preact/hooks';
import { accountFromText, addressFromKey } from '../../lib/address.js';
import { formatAmount, parseAmount } from '../../lib/amount.js';
import { receipt_id_bytes_max, receipt_lines_max } from '../../lib/encoding.js';
import { publicKeyOf } from '../../lib/keys.js';
import { typedAmount } from '../gift-form.js';
import { Button, Field, Notice, html, useI18n } from '../ui.js';
import { factsOf, lookupClient, signStaffTx, submitKept } from './actions.js';
import { phonePreview } from './phone-preview.js';
import { PhoneField } from './phone-field.js';
import { staffError } from './refusals.js';
import { StaffAlert, say } from './text.js';

/** The categories a programme version names (rules, exclusions, stamp cards), sorted, without duplicates. */
export function programmeCategories(version) {
  if (!version) return [];
  const names = new Set([...(version.accrual_excluded ?? []), ...(version.pay_excluded ?? [])]);
  for (const r of version.rules ?? []) for (const c of r.when?.categories ?? []) names.add(c);
  for (const s of version.stamp_cards ?? []) names.add(s.category);
  names.delete('');
  return [...names].sort();
}

/** The receipt lines as typed: `{ lines: [{ category, amount (BigInt) }] }` or `{ problem, index }`. */
export function typedLines(rows) {
  const lines = [];
  for (const [index, row] of rows.entries()) {
    if (row.amount.trim() === '' && row.category === '' && rows.length > 1) continue;  // an unused row
    const amount = typedAmount(row.amount);
    if (amount === null) return { problem: 'amount_invalid', index };
    if (amount === 0n) return { problem: 'zero_amount', index };
    lines.push({ category: row.category, amount });
  }
  if (lines.length === 0) return { problem: 'no_lines', index: 0 };
  return { lines };
}

/** What the client gets from a quote: the credits to their account, summed (BigInt units). */
export function accruedToClient(quote) {
  let units = 0n;
  for (const c of quote.credits) if (c.to === quote.client) units += parseAmount(c.amount);
  return units;
}

/** The programme version in force at the venue, or null when it has none yet. */
async function programmeInForce(node, ticker) {
  try {
    const p = await node.client.call('programme.get', { ticker });
    return p.versions.find((v) => v.version === p.in_force) ?? null;
  } catch {
    return null;
  }
}

const emptyRow = () => ({ category: '', amount: '' });

export function Purchase({ node, staffKey, state, refresh }) {
  const i18n = useI18n();
  const { t } = i18n;
  const ticker = staffKey.ticker;
  const [programme, setProgramme] = useState(undefined);
  const [step, setStep] = useState('form');
  const [phone, setPhone] = useState('');
  const [receiptId, setReceiptId] = useState('');
  const [rows, setRows] = useState([emptyRow()]);
  const [quote, setQuote] = useState(null);
  const [client, setClient] = useState(null);
  const [lines, setLines] = useState(null);
  const [signed, setSigned] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const preview = phonePreview(phone, node.defaultCountry);

  useEffect(() => {
    programmeInForce(node, ticker).then(setProgramme);
  }, []);

  if (programme === undefined) return html`<${Notice}>${t('loading')}<//>`;
  if (programme === null)
    return html`
      <section class="card" aria-labelledby="purchase-title" data-testid="purchase-none">
        <h2 id="purchase-title">${t('staff.purchase.title')}</h2>
        <p>${t('staff.purchase.no_programme')}</p>
      </section>
    `;
  const categories = programmeCategories(programme);
  const setRow = (i, field) => (value) => setRows(rows.map((r, k) => (k === i ? { ...r, [field]: value } : r)));

  async function next(event) {
    event.preventDefault();
    setError(null);
    if (preview.problem) return setError({ key: `staff.phone.problem_${preview.problem}` });
    const typed = typedLines(rows);
    if (typed.problem) return setError({ key: `staff.purchase.${typed.problem}`, params: { line: typed.index + 1 } });
    setBusy(true);
    let found;
    try {
      found = await lookupClient(node, staffKey, phone.trim());
    } catch (e) {
      setBusy(false);
      return setError(staffError(e, 'lookup', factsOf(ticker, state)));
    }
    try {
      const params = {
        ticker,
        staff: addressFromKey(publicKeyOf(staffKey.seed)),
        client: found.account,
        lines: typed.lines.map((l) => ({ category: l.category, amount: formatAmount(l.amount) })),
      };
      if (receiptId.trim() !== '') params.receipt_id = receiptId.trim();
      setQuote(await node.client.call('purchase.quote', params));
      setClient(found);
      setLines(typed.lines);
      setSigned(null);
      setStep('confirm');
    } catch (e) {
      setError(staffError(e, 'purchase', factsOf(ticker, state)));
    } finally {
      setBusy(false);
    }
  }

  async function record() {
    setBusy(true);
    setError(null);
    // Signed once per confirmation: a retry after a lost answer sends these same bytes.
    const tx =
      signed ??
      signStaffTx(node, staffKey, 'purchase', {
        ticker,
        client: { account: accountFromText(client.account) },
        receipt: { id: receiptId.trim(), lines },
        programme_version: quote.programme_version,
        pay: 0n,
        consent: null,
        referrer: null,
      });
    const failed = await submitKept(node, tx, {
      keep: setSigned,
      refresh,
      describe: (e, fresh) => staffError(e, 'purchase', factsOf(ticker, fresh ?? state), { sent: true }),
    });
    setBusy(false);
    if (failed) return setError(failed);
    setStep('done');
  }

  function again() {
    setStep('form');
    setPhone('');
    setReceiptId('');
    setRows([emptyRow()]);
    setQuote(null);
    setClient(null);
    setSigned(null);
    setError(null);
  }

  const a = (v) => i18n.amount(v);
  const accrued = quote && a(formatAmount(accruedToClient(quote)));
  const tierChange =
    quote && quote.tier_after.index !== quote.tier_before.index
      ? t('staff.purchase.tier_change', { before: quote.tier_before.name, after: quote.tier_after.name })
      : null;

  if (step === 'done')
    return html`
      <section class="card verdict-inline ok" aria-labelledby="purchase-title" data-testid="purchase-result">
        <h2 id="purchase-title">${t('staff.purchase.done_title')}</h2>
        <p class="big" role="status">
          ${say(i18n, { key: 'staff.purchase.done', params: { total: a(quote.total), amount: accrued, ticker, e164: client.e164 } })}
        </p>
        ${tierChange && html`<p>${tierChange}</p>`}
        <${Button} type="button" data-testid="purchase-another" onClick=${again}>${t('staff.purchase.another')}<//>
      </section>
    `;

  if (step === 'confirm')
    return html`
      <section class="card" aria-labelledby="purchase-title" data-testid="purchase-confirm">
        <h2 id="purchase-title">${t('staff.purchase.confirm_title')}</h2>
        <p>${t('staff.purchase.confirm_client', { e164: client.e164 })}</p>
        <p data-testid="purchase-total">${t('staff.purchase.confirm_total', { total: a(quote.total), lines: lines.length })}</p>
        <p class="big" data-testid="purchase-accrued">${t('staff.purchase.confirm_accrued', { amount: accrued, ticker })}</p>
        ${tierChange && html`<p data-testid="purchase-tier">${tierChange}</p>`}
        ${parseAmount(quote.from_treasury) > 0n &&
        html`<p data-testid="purchase-gift">${t('staff.purchase.confirm_gift', { amount: a(quote.from_treasury), ticker })}</p>`}
        <p class="hint">${t('staff.purchase.confirm_from', { amount: a(quote.from_staff), ticker, version: quote.programme_version })}</p>
        <${StaffAlert} error=${error} />
        <${Button} type="button" busy=${busy} data-testid="purchase-confirm-button" onClick=${record}>
          ${signed && error ? t('staff.error.retry') : t('staff.purchase.confirm')}
        <//>
        <${Button} kind="secondary" type="button" onClick=${() => (setStep('form'), setError(null))}>${t('staff.send.change')}<//>
      </section>
    `;

  return html`
    <form class="card" onSubmit=${next} aria-labelledby="purchase-title" data-testid="purchase" novalidate>
      <h2 id="purchase-title">${t('staff.purchase.title')}</h2>
      <${PhoneField} node=${node} value=${phone} onInput=${setPhone} testid="purchase-phone" />
      <fieldset class="receipt-lines">
        <legend>${t('staff.purchase.lines')}</legend>
        ${rows.map(
          (row, i) => html`
            <div class="receipt-line" data-testid=${`purchase-line-${i}`}>
              <div class="field">
                <label for=${`purchase-category-${i}`}>${t('staff.purchase.category', { line: i + 1 })}</label>
                <select
                  id=${`purchase-category-${i}`}
                  data-testid=${`purchase-category-${i}`}
                  value=${row.category}
                  onChange=${(e) => setRow(i, 'category')(e.currentTarget.value)}
                >
                  <option value="">${t('staff.purchase.category_none')}</option>
                  ${categories.map((c) => html`<option value=${c}>${c}</option>`)}
                </select>
              </div>
              <${Field}
                label=${t('staff.purchase.amount', { line: i + 1 })}
                testid=${`purchase-amount-${i}`}
                type="text"
                inputmode="decimal"
                autocomplete="off"
                value=${row.amount}
                onInput=${setRow(i, 'amount')}
              />
            </div>
          `,
        )}
        ${rows.length < receipt_lines_max &&
        html`<${Button} kind="secondary" type="button" data-testid="purchase-add-line" onClick=${() => setRows([...rows, emptyRow()])}>
          ${t('staff.purchase.add_line')}
        <//>`}
      </fieldset>
      <${Field}
        label=${t('staff.purchase.receipt_id')}
        hint=${t('staff.purchase.receipt_id_hint')}
        testid="purchase-receipt-id"
        type="text"
        autocomplete="off"
        maxlength=${receipt_id_bytes_max}
        value=${receiptId}
        onInput=${setReceiptId}
      />
      <${StaffAlert} error=${error} />
      <${Button} type="submit" busy=${busy} data-testid="purchase-next">${t('staff.purchase.next')}<//>
    </form>
  `;
}
