// The rewards: each one's name, price, category and picture changed, retired (active false:
// clients no longer see it and the ledger refuses vouchers for it) or
// brought back, and a new one added — all product_upsert, as `kopilka
// product set`. Retiring rather than removing keeps the reward's name for
// the history and lets it return at the same id; product_remove stays the
// CLI's (`kopilka product remove`), for a catalogue at its 256.
import { useState } from 'preact/hooks';
import { Button, Field, html, useI18n } from '../../ui.js';
import { parseAmount } from '../../../lib/amount.js';
import { upsertProduct } from './chain.js';
import { nextProductId, productFromForm } from './forms.js';
import { ImagePicker, Outcome, focusFirstProblem, problemText, useAction } from './parts.js';

// The ledger's bound on a catalogue (ledger/types.h catalogue_products_max), retired rewards included.
export const catalogue_products_max = 256;

export function Catalogue({ change }) {
  const { t } = useI18n();
  const products = [...change.venue.products].sort((a, b) => a.id - b.id);
  return html`
    <section class="card settings-card" data-testid="catalogue" aria-labelledby="settings-catalogue">
      <h2 id="settings-catalogue">${t('settings.catalogue.title')}</h2>
      ${products.length === 0 && html`<p>${t('settings.catalogue.empty')}</p>`}
      <ul class="settings-list">
        ${products.map(
          (p) => html`<li key=${p.id}><${ProductRow} change=${change} product=${p} /></li>`,
        )}
      </ul>
      <${AddProduct} change=${change} products=${products} />
    </section>
  `;
}

/** One reward: its name and price as typed, saved, retired or brought back. */
function ProductRow({ change, product }) {
  const i18n = useI18n();
  const { t, amount } = i18n;
  const [form, setForm] = useState({ name: product.name, price: product.price, category: product.category, image_url: product.image_url });
  const [problems, setProblems] = useState({});
  const action = useAction();
  const { node, seed, ticker, refresh } = change;

  const save = async (e) => {
    e.preventDefault();
    const el = e.currentTarget;
    const { name, price, category, problems: found } = productFromForm(form);
    setProblems(found);
    if (Object.keys(found).length) return (focusFirstProblem(el), action.clear());
    await action.run(async () => {
      await upsertProduct(node, seed, ticker, { ...chainProduct(product), name, price, category, image_url: form.image_url });
      await refresh();
      return { key: 'settings.catalogue.saved', params: { name } };
    });
  };
  // Retiring or bringing back keeps the saved name and price, whatever is typed.
  const toggle = () =>
    action.run(async () => {
      await upsertProduct(node, seed, ticker, { ...chainProduct(product), active: !product.active });
      await refresh();
      return { key: product.active ? 'settings.catalogue.retired' : 'settings.catalogue.restored', params: { name: product.name } };
    });

  return html`
    <form class=${`product-row${product.active ? '' : ' retired'}`} data-testid="product" data-id=${product.id}
      data-active=${String(product.active)} onSubmit=${save} noValidate>
      <fieldset>
        <legend>${product.name} · ${amount(product.price)}</legend>
        ${!product.active && html`<p class="hint" data-testid="product-retired">${t('settings.catalogue.retired_note')}</p>`}
        <${Field} label=${t('settings.field.product_name')} value=${form.name} testid="product-name"
          onInput=${(v) => setForm((f) => ({ ...f, name: v }))} error=${problemText(i18n, problems.name)} />
        <${Field} label=${t('settings.field.price')} value=${form.price} testid="product-price" inputmode="decimal"
          onInput=${(v) => setForm((f) => ({ ...f, price: v }))} error=${problemText(i18n, problems.price)} />
        <${Field} label=${t('settings.field.category')} value=${form.category} testid="product-category"
          onInput=${(v) => setForm((f) => ({ ...f, category: v }))} error=${problemText(i18n, problems.category)} />
        <${ImagePicker} label=${t('settings.field.image')} url=${form.image_url} saved=${product.image_url}
          onUrl=${(v) => setForm((f) => ({ ...f, image_url: v }))} testid="product-image" uploadedKey="settings.image.uploaded"
          clearKey="settings.image.clear" noneKey="settings.hint.image_none" />
        <${Outcome} action=${action} testid="product" />
        <div class="actions">
          <${Button} type="submit" busy=${action.busy} data-testid="product-save">${t('settings.catalogue.save')}<//>
          <${Button} type="button" kind="secondary" busy=${action.busy} onClick=${toggle} data-testid="product-toggle">
            ${product.active ? t('settings.catalogue.retire') : t('settings.catalogue.restore')}
          <//>
        </div>
      </fieldset>
    </form>
  `;
}

function AddProduct({ change, products }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [form, setForm] = useState({ name: '', price: '', category: '' });
  const [problems, setProblems] = useState({});
  const action = useAction();
  const { node, seed, ticker, refresh } = change;

  const add = async (e) => {
    e.preventDefault();
    const el = e.currentTarget;
    const { name, price, category, problems: found } = productFromForm(form);
    setProblems(found);
    if (Object.keys(found).length) return (focusFirstProblem(el), action.clear());
    if (products.length >= catalogue_products_max) {
      return action.run(async () => {
        throw Object.assign(new Error('catalogue full'), { reason: 'catalogue_full' });
      });
    }
    const ok = await action.run(async () => {
      const product = { id: nextProductId(products), name, price, category, image_url: '', active: true };
      await upsertProduct(node, seed, ticker, product);
      await refresh();
      return { key: 'settings.catalogue.added', params: { name } };
    });
    if (ok) setForm({ name: '', price: '', category: '' });
  };

  return html`
    <form class="product-add" data-testid="product-add" onSubmit=${add} noValidate>
      <h3>${t('settings.catalogue.add_title')}</h3>
      <${Field} label=${t('settings.field.product_name')} value=${form.name} testid="new-product-name"
        onInput=${(v) => setForm((f) => ({ ...f, name: v }))} error=${problemText(i18n, problems.name)} />
      <${Field} label=${t('settings.field.price')} value=${form.price} testid="new-product-price" inputmode="decimal"
        onInput=${(v) => setForm((f) => ({ ...f, price: v }))} error=${problemText(i18n, problems.price)} />
      <${Field} label=${t('settings.field.category')} value=${form.category} testid="new-product-category"
        onInput=${(v) => setForm((f) => ({ ...f, category: v }))} error=${problemText(i18n, problems.category)} />
      <${Outcome} action=${action} testid="product-add" />
      <${Button} type="submit" busy=${action.busy} data-testid="product-add-save">${t('settings.catalogue.add')}<//>
    </form>
  `;
}

/** A venue.get product as the encoder takes it: the price in minor units. */
function chainProduct(p) {
  return { id: p.id, name: p.name, price: parseAmount(p.price), category: p.category, image_url: p.image_url, active: p.active };
}
