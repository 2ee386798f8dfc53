// Orders: the buyer's quick order form (catalogue search with the total cost of
// ownership beside the price), the order list with each side's actions, and an
// order's details with its history and comments.
import { api, listAll, ifMatch, newKey } from '../api.js';
import { h, replace, badge, empty, flash, byData, humanize } from '../dom.js';
import { money, date, today, number, dateTime } from '../fmt.js';
import { field, input, select, textarea, formErrorBox, onSubmit, toast, showErrors, clearErrors } from '../forms.js';
import { userName } from '../state.js';
import { commentThread } from './comments.js';
import { contractPrices } from './prices.js';

const NEXT = { acknowledged: ['in_production', 'Start production'], in_production: ['shipped', 'Mark shipped'], shipped: ['delivered', 'Mark delivered'] };
const CANCELLABLE = new Set(['submitted', 'acknowledged', 'in_production']);

/** ordersTab builds the Orders tab. */
export async function ordersTab(ctx) {
  const listHost = h('div', { id: 'orders-list' });
  const open = new Set();
  const STATUSES = ['submitted', 'acknowledged', 'in_production', 'shipped', 'delivered', 'cancelled', 'rejected'];
  const filter = h('form', { class: 'inline-form order-filter', novalidate: true },
    field('Status', select('status', [['', 'All'], ...STATUSES.map((x) => [x, humanize(x)])])),
    field('From', input('from', { type: 'date' })),
    field('To', input('to', { type: 'date' })));
  const loadList = async (highlight) => {
    try {
      const q = new URLSearchParams({ limit: '100' });
      for (const k of ['status', 'from', 'to']) if (filter[k].value) q.set(k, filter[k].value);
      clearErrors(filter);
      const res = await api(`${ctx.base}/orders?${q}`);
      replace(listHost, orderList(ctx, res.items || [], open, loadList));
      if (highlight) flash(byData(listHost, highlight));
    } catch (e) {
      if (e.status === 422) { showErrors(filter, e); return; }
      replace(listHost, empty(e.status === 404 ? 'Orders are not available on this server yet.' : e.message));
    }
  };
  filter.addEventListener('change', () => loadList());
  filter.addEventListener('submit', (e) => { e.preventDefault(); loadList(); });
  await loadList();
  const node = h('div', { class: 'orders' },
    ctx.side === 'buyer' ? quickOrder(ctx, (o) => loadList(o.id)) : null,
    h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', { text: 'Orders' }), filter), listHost),
    ctx.side === 'supplier' ? contractPrices(ctx) : null);
  return {
    node,
    onEvent: (ev) => loadList((ev.data && ev.data.order_id) || ev.subject_id),
  };
}

function orderList(ctx, orders, open, reload) {
  if (!orders.length) return empty(ctx.side === 'buyer' ? 'No orders yet. Use the quick order above.' : 'No orders yet.');
  const rows = [];
  for (const o of orders) {
    const detailId = `order-detail-${o.id}`;
    const toggle = h('button', { type: 'button', class: 'link', 'aria-expanded': open.has(o.id) ? 'true' : 'false', 'aria-controls': detailId, text: o.number || 'Order' });
    const tr = h('tr', { dataset: { id: o.id, status: o.status }, class: 'order-row' },
      h('td', { 'data-label': 'Order' }, toggle),
      h('td', { 'data-label': 'Status' }, badge(o.status)),
      h('td', { 'data-label': 'PO' , text: o.po_number || '—' }),
      h('td', { 'data-label': 'Requested', text: date(o.requested_date) }),
      h('td', { 'data-label': 'Promised', text: date(o.promised_date) }),
      h('td', { 'data-label': 'Total', class: 'num', text: money(o.total, o.currency) }),
      h('td', { 'data-label': 'Actions', class: 'actions' }, actions(ctx, o, reload)));
    const detail = h('tr', { class: 'detail', id: detailId, hidden: !open.has(o.id) }, h('td', { colspan: 7 }));
    if (open.has(o.id)) fillDetail(ctx, o, detail.firstChild);
    toggle.addEventListener('click', () => {
      const show = detail.hidden;
      detail.hidden = !show;
      toggle.setAttribute('aria-expanded', String(show));
      if (show) { open.add(o.id); fillDetail(ctx, o, detail.firstChild); } else open.delete(o.id);
    });
    rows.push(tr, detail);
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data orders-table' },
    h('thead', {}, h('tr', {}, ['Order', 'Status', 'PO', 'Requested', 'Promised', 'Total', 'Actions'].map((l) => h('th', { scope: 'col', text: l, class: l === 'Total' ? 'num' : null })))),
    h('tbody', {}, rows)));
}

async function fillDetail(ctx, o, cell) {
  replace(cell, h('p', { class: 'loading', text: 'Loading…' }));
  try {
    const full = await api(`${ctx.base}/orders/${encodeURIComponent(o.id)}`);
    const lines = h('table', { class: 'data compact' },
      h('thead', {}, h('tr', {}, ['SKU', 'Product', 'Qty', 'Unit price', 'Line total'].map((l) => h('th', { scope: 'col', text: l })))),
      h('tbody', {}, (full.lines || []).map((l) => h('tr', {}, h('td', { text: l.sku }), h('td', { text: l.name }), h('td', { class: 'num', text: number(l.quantity) }),
        h('td', { class: 'num', text: money(l.unit_price, full.currency) }), h('td', { class: 'num', text: money(l.line_total, full.currency) })))));
    const history = h('ol', { class: 'history' }, (full.history || []).map((e) => h('li', {},
      h('time', { datetime: e.at, text: dateTime(e.at) }), ' ', humanize(e.to || e.status || ''), e.actor_id ? ` · ${userName(e.actor_id)}` : '', e.reason || e.note ? ` — ${e.reason || e.note}` : '')));
    replace(cell, h('div', { class: 'order-detail' },
      h('div', {}, h('h4', { text: 'Lines' }), lines, full.note ? h('p', { class: 'note', text: full.note }) : null, h('h4', { text: 'History' }), history),
      commentThread(ctx, 'order', o.id)));
  } catch (e) { replace(cell, empty(e.message)); }
}

function actions(ctx, o, reload) {
  const path = `${ctx.base}/orders/${encodeURIComponent(o.id)}`;
  const run = async (suffix, body, form) => {
    try {
      await api(`${path}/${suffix}`, { body, headers: ifMatch(o) });
      await reload(o.id);
    } catch (e) {
      if (form) showErrors(form, e); else toast(e.message, 'error');
      if (e.status === 412 || e.status === 409) { toast('The order changed meanwhile; showing the latest.', 'error'); reload(o.id); }
    }
  };
  const out = [];
  if (ctx.side === 'supplier') {
    if (o.status === 'submitted') {
      const ack = h('form', { class: 'inline-form ack-form', novalidate: true },
        field('Promised date', input('promised_date', { type: 'date', value: o.requested_date || today(14), min: today(), required: true })),
        h('button', { type: 'submit', class: 'primary', text: 'Acknowledge' }));
      ack.addEventListener('submit', (e) => { e.preventDefault(); run('acknowledge', { promised_date: ack.promised_date.value }, ack); });
      const rej = h('form', { class: 'inline-form reject-form', novalidate: true },
        field('Reason', input('reason', { required: true, maxlength: 500, placeholder: 'Why not?' })),
        h('button', { type: 'submit', class: 'danger', text: 'Reject' }));
      rej.addEventListener('submit', (e) => { e.preventDefault(); run('reject', { reason: rej.reason.value }, rej); });
      out.push(ack, rej);
    } else if (NEXT[o.status]) {
      const [to, label] = NEXT[o.status];
      out.push(h('button', { type: 'button', class: 'primary advance', text: label, onclick: () => run('status', { status: to }) }));
    }
  } else {
    if (CANCELLABLE.has(o.status)) {
      const cancel = h('form', { class: 'inline-form cancel-form', novalidate: true, hidden: true },
        field('Reason for cancelling', input('reason', { maxlength: 500 })),
        h('button', { type: 'submit', class: 'danger', text: 'Cancel order' }));
      cancel.addEventListener('submit', (e) => { e.preventDefault(); run('cancel', { reason: cancel.reason.value || 'Cancelled by the buyer' }, cancel); });
      out.push(h('button', { type: 'button', class: 'cancel', text: 'Cancel…', 'aria-expanded': 'false', onclick: (e) => {
        cancel.hidden = !cancel.hidden;
        e.currentTarget.setAttribute('aria-expanded', String(!cancel.hidden));
        if (!cancel.hidden) cancel.reason.focus();
      } }), cancel);
    }
    out.push(h('button', { type: 'button', class: 'reorder', text: 'Reorder', onclick: async () => {
      try {
        const n = await api(`${path}/reorder`, { method: 'POST', headers: { 'Idempotency-Key': newKey() } });
        toast(`Order ${n.number || ''} placed again.`);
        await reload(n.id);
      } catch (e) { toast(e.message, 'error'); }
    } }));
  }
  return out;
}

function quickOrder(ctx, placed) {
  const cart = new Map(); // product id → {product, quantity}
  let key = newKey();
  const results = h('ul', { class: 'catalogue', id: 'catalogue', 'aria-live': 'polite' });
  const cartHost = h('div', { class: 'cart', id: 'cart' });
  const search = input('q', { type: 'search', placeholder: 'SKU or name', autocomplete: 'off', id: 'catalogue-search' });
  const form = h('form', { class: 'order-form', id: 'order-form', novalidate: true },
    formErrorBox(),
    h('div', { class: 'grid-2' },
      field('PO number', input('po_number', { maxlength: 64, autocomplete: 'off' })),
      field('Requested delivery date', input('requested_date', { type: 'date', min: today(), value: today(21) }))),
    field('Note to the supplier', textarea('note', { rows: 2, maxlength: 2000 }), { wide: true }),
    h('div', { class: 'field', dataset: { field: 'lines' } }, h('span', { class: 'label', text: 'Lines' }), cartHost, h('p', { class: 'field-error', role: 'alert' })),
    h('button', { type: 'submit', class: 'primary', text: 'Place order' }));
  const renderCart = () => {
    if (!cart.size) { replace(cartHost, empty('Add products from the catalogue.')); return; }
    const currency = [...cart.values()][0].product.currency;
    let total = 0;
    const rows = [...cart.values()].map(({ product, quantity }, i) => {
      total += Number(product.unit_price) * quantity;
      const qty = input(`qty-${product.id}`, { type: 'number', min: 1, step: 1, value: String(quantity), class: 'qty', 'aria-label': `Quantity of ${product.name}` });
      qty.addEventListener('change', () => { cart.get(product.id).quantity = Math.max(1, parseInt(qty.value, 10) || 1); renderCart(); });
      return h('tr', { dataset: { id: product.id, field: `lines[${i}]` } }, h('td', { text: product.sku }), h('td', { text: product.name }), h('td', {}, qty),
        h('td', { class: 'num', text: money(product.unit_price, product.currency) }),
        h('td', {}, h('button', { type: 'button', class: 'link', text: 'Remove', 'aria-label': `Remove ${product.name}`, onclick: () => { cart.delete(product.id); renderCart(); } })));
    });
    replace(cartHost, h('table', { class: 'data compact' }, h('thead', {}, h('tr', {}, ['SKU', 'Product', 'Qty', 'Unit price', ''].map((l) => h('th', { scope: 'col', text: l })))), h('tbody', {}, rows)),
      h('p', { class: 'cart-total' }, 'Estimated total ', h('strong', { text: money(total.toFixed(2), currency) }), h('small', { class: 'muted', text: ' (the supplier’s price list applies)' })));
  };
  const doSearch = debounce(async () => {
    try {
      const items = await listAll(`${ctx.base}/products?q=${encodeURIComponent(search.value.trim())}`, 50);
      replace(results, items.length ? items.map((p) => productRow(ctx, p, (qty) => {
        const cur = cart.get(p.id);
        cart.set(p.id, { product: p, quantity: (cur ? cur.quantity : 0) + qty });
        renderCart();
      })) : h('li', {}, empty('No product matches.')));
    } catch (e) { replace(results, h('li', {}, empty(e.status === 404 ? 'The catalogue is not available on this server yet.' : e.message))); }
  }, 200);
  search.addEventListener('input', doSearch);
  onSubmit(form, async (v) => {
    const lines = [...cart.values()].map((l) => ({ product_id: l.product.id, quantity: l.quantity }));
    const body = { po_number: v.po_number, requested_date: v.requested_date, note: v.note, lines };
    const o = await api(`${ctx.base}/orders`, { body, headers: { 'Idempotency-Key': key } });
    key = newKey();
    cart.clear();
    form.reset();
    form.requested_date.value = today(21);
    renderCart();
    toast(`Order ${o.number || ''} placed.`);
    placed(o);
  });
  // The same key is kept while the order is unchanged, so a retry is safe.
  form.addEventListener('input', () => { key = newKey(); });
  renderCart();
  doSearch();
  return h('section', { class: 'panel quick-order' }, h('div', { class: 'panel-head' }, h('h2', { text: 'Quick order' })),
    h('div', { class: 'quick-grid' },
      h('div', {}, field('Search the catalogue', search), results),
      form));
}

function productRow(ctx, p, add) {
  const tco = h('span', { class: 'tco', text: '' });
  const qty = input('add-qty', { type: 'number', min: 1, step: 1, value: '1', class: 'qty', 'aria-label': `Quantity of ${p.name} to add` });
  const years = (p.service_plan && p.service_plan.expected_life_years) || 5;
  api(`${ctx.base}/products/${encodeURIComponent(p.id)}/tco?quantity=1&years=${years}`)
    .then((t) => { tco.textContent = `TCO ${money(t.total, t.currency)} over ${t.years} y · ${money(t.cost_per_year, t.currency)}/y`; })
    .catch(() => { tco.textContent = ''; });
  return h('li', { class: 'product', dataset: { id: p.id, sku: p.sku } },
    h('div', { class: 'product-main' }, h('strong', { text: p.name }), h('small', { class: 'muted', text: ` ${p.sku} · lead time ${number(p.lead_time_days)} d` })),
    h('div', { class: 'product-price' }, h('span', { class: 'price', text: money(p.unit_price, p.currency) }), contractNote(p), tco),
    h('div', { class: 'product-add' }, qty, h('button', { type: 'button', class: 'add', text: 'Add', 'aria-label': `Add ${p.name}`, onclick: () => add(Math.max(1, parseInt(qty.value, 10) || 1)) })));
}

// contractNote tells the buyer that the price shown is their contract price,
// with the list price it replaces.
function contractNote(p) {
  if (p.price_source !== 'contract') return null;
  return h('small', { class: 'contract-note' }, 'Your contract price',
    p.list_price && p.list_price !== p.unit_price ? [' · list ', h('s', { text: money(p.list_price, p.currency) })] : null);
}

function debounce(fn, ms) {
  let t = 0;
  return () => { clearTimeout(t); t = setTimeout(fn, ms); };
}
