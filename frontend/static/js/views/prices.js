// Contract prices: on the supplier's Orders tab, this customer's price per
// product beside the list price, set or removed per product. The buyer then
// orders at the contract price (the server applies it, never the page).
import { api, listAll } from '../api.js';
import { h, replace, badge, empty, flash, byData, table } from '../dom.js';
import { money } from '../fmt.js';
import { field, input, onSubmit, toast, showErrors } from '../forms.js';
import { partner } from '../state.js';

/** contractPrices is the supplier's "Prices for <customer>" panel; folded by
 * default so the order list stays the first thing on the tab. */
export function contractPrices(ctx) {
  const host = h('div', { id: 'contract-prices' });
  const load = async (highlight) => {
    try {
      const items = await listAll(`${ctx.base}/products`, 500);
      replace(host, items.length ? priceTable(ctx, items, load) : empty('Your catalogue has no active products yet.'));
      if (highlight) flash(byData(host, highlight));
    } catch (e) { replace(host, empty(e.status === 404 ? 'Prices are not available on this server yet.' : e.message)); }
  };
  const box = h('details', { class: 'panel fold', id: 'prices-section' },
    h('summary', {}, h('h2', { text: `Prices for ${partner(ctx.rel).name}` })),
    h('p', { class: 'muted', text: 'A contract price replaces the list price for this customer only; orders placed after the change use it.' }),
    host);
  let loaded = false;
  box.addEventListener('toggle', () => { if (box.open && !loaded) { loaded = true; load(); } });
  box.reload = (id) => { if (loaded) load(id); };
  return box;
}

function priceTable(ctx, items, reload) {
  return table([
    { label: 'SKU', cell: (p) => p.sku },
    { label: 'Name', cell: (p) => p.name },
    { label: 'List price', class: 'num', cell: (p) => money(p.list_price ?? p.unit_price, p.currency) },
    { label: 'This customer pays', class: 'num', cell: (p) => h('span', { class: 'customer-price' }, money(p.unit_price, p.currency), ' ',
      badge(p.price_source === 'contract' ? 'contract' : 'list', p.price_source === 'contract' ? 'Contract' : 'List')) },
    { label: 'Contract price', cell: (p) => contractForm(ctx, p, reload) },
  ], items, { rowId: (p) => p.id, rowClass: (p) => (p.price_source === 'contract' ? 'has-contract' : null) });
}

function contractForm(ctx, p, reload) {
  const path = `${ctx.base}/products/${encodeURIComponent(p.id)}/contract-price`;
  const isContract = p.price_source === 'contract';
  const form = h('form', { class: 'inline-form contract-form', novalidate: true, dataset: { sku: p.sku } },
    field('Contract price', input('unit_price', {
      value: isContract ? p.unit_price : '', inputmode: 'decimal', placeholder: p.list_price ?? p.unit_price, autocomplete: 'off',
      'aria-label': `Contract price of ${p.name} (${p.currency})`,
    })),
    h('button', { type: 'submit', class: 'small', text: isContract ? 'Change' : 'Set' }),
    isContract ? h('button', { type: 'button', class: 'small remove-contract', text: 'Remove', 'aria-label': `Remove the contract price of ${p.name}`, onclick: async (e) => {
      e.currentTarget.disabled = true;
      try {
        await api(path, { method: 'DELETE' });
        toast(`${p.sku}: back to the list price.`);
        await reload(p.id);
      } catch (err) { showErrors(form, err); e.currentTarget.disabled = false; }
    } }) : null);
  onSubmit(form, async (v) => {
    const price = v.unit_price.trim();
    if (!price) { showErrors(form, { message: 'Enter a price.', errors: [{ field: 'unit_price', message: 'Enter a price, or use Remove to go back to the list price.' }] }); return; }
    await api(path, { method: 'PUT', body: { unit_price: price } });
    toast(`${p.sku}: contract price saved.`);
    await reload(p.id);
  });
  return form;
}
