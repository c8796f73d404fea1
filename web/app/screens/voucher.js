// A reward's QR: a voucher this device signs, valid a few minutes by the
// node's clock, counted down and renewed before it lapses. A page that slept
// past the expiry says so and shows a new one. When the till's redeem of any
// voucher shown here commits (the WebSocket's news, or the history read
// after a reconnect), the page says so at once and the balance drops.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { parseAmount } from '../../lib/amount.js';
import { redeemedVoucher } from '../activity.js';
import { countdownText } from '../i18n.js';
import { qrDataUrl } from '../qr.js';
import { Alert, Button, html, useI18n } from '../ui.js';
import { makeVoucher } from '../wallet.js';

// A new voucher this long before the shown one lapses, so the till never
// scans one in its last seconds.
export const voucher_renew_before_s = 30n;
const tick_ms = 1000;

/**
 * `seen`: transactions of the account known so far (notifications and
 * history entries), where a redeem of one of these vouchers shows up.
 */
export function VoucherScreen({ node, seed, account, ticker, product, venueName, balance, seen, onClose }) {
  const { t } = useI18n();
  const make = () => makeVoucher(node, seed, { ticker, product, client: account });
  const [voucher, setVoucher] = useState(make);
  const [now, setNow] = useState(() => node.nowS());
  const [lapsed, setLapsed] = useState(false);
  const [redeemed, setRedeemed] = useState(false);
  // Every voucher this screen showed: the till may have scanned one just
  // before it was renewed, and its redeem's news may come after.
  const shown = useRef([voucher.id]);
  const current = useRef(voucher);

  useEffect(() => {
    if (redeemedVoucher(seen, shown.current)) setRedeemed(true);
  }, [seen]);

  useEffect(() => {
    if (redeemed) return undefined;
    const tick = () => {
      const n = node.nowS();
      setNow(n);
      if (current.current.expiry_s - n > voucher_renew_before_s) return;
      // Past its expiry already: the timers slept with the page.
      if (n >= current.current.expiry_s) setLapsed(true);
      current.current = make();
      shown.current.push(current.current.id);
      setVoucher(current.current);
    };
    const timer = setInterval(tick, tick_ms);
    document.addEventListener('visibilitychange', tick);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [redeemed]);

  // Drawing the symbol is the costly part; the countdown re-renders each second.
  const image = useMemo(() => qrDataUrl(voucher.text), [voucher.text]);
  const short = !redeemed && (parseAmount(balance) ?? 0n) < product.priceUnits;
  const left = voucher.expiry_s > now ? voucher.expiry_s - now : 0n;

  return html`
    <section class="card voucher" aria-labelledby="voucher-title" data-testid="voucher">
      <h2 id="voucher-title">${t('voucher.title', { product: product.name })}</h2>
      <p>${t('voucher.price', { count: product.price, venue: venueName })}</p>
      ${redeemed
        ? html`
            <div class="redeemed" role="status" data-testid="voucher-redeemed">
              <p class="big">${t('voucher.redeemed', { product: product.name })}</p>
              <p>${t('voucher.balance_now', { count: balance })}</p>
            </div>
          `
        : short
          ? html`<${Alert} error=${{ key: 'error.not_enough_for', params: { product: product.name } }} />`
          : html`
              ${lapsed && html`<p class="alert" role="alert" data-testid="voucher-lapsed">${t('voucher.lapsed')}</p>`}
              <img class="qr" data-testid="voucher-qr" src=${image} alt=${t('voucher.qr_alt', { product: product.name })} />
              <p class="countdown" data-testid="voucher-status" aria-live="off">
                ${t('voucher.valid_for', { time: countdownText(Number(left)) })}
              </p>
              <p class="hint">${t('voucher.show')}</p>
            `}
      <${Button} kind=${redeemed ? 'primary' : 'secondary'} type="button" data-testid="voucher-close" onClick=${onClose}>
        ${t(redeemed ? 'voucher.done' : 'voucher.close')}
      <//>
    </section>
  `;
}
