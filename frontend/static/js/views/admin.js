// Administration on the home page: invite a customer (supplier admins), the
// team and adding a colleague (admins), and adding catalogue products (supplier).
import { api, listAll, ifMatch } from '../api.js';
import { h, replace, table, humanize, empty, badge, flash, byData } from '../dom.js';
import { money, number, date } from '../fmt.js';
import { partner, rel } from '../state.js';
import { field, input, select, textarea, formErrorBox, onSubmit, toast } from '../forms.js';
import { state } from '../state.js';
import { section } from './common.js';
import { settingsSections } from './settings.js';

const DEPARTMENTS = ['sales', 'engineering', 'production', 'service', 'purchasing', 'finance', 'management', 'other'];

/** adminSections returns the sections the signed-in person may use: small
 * ones side by side (grid) and wide ones below (wide). */
export function adminSections() {
  const grid = [];
  const wide = [];
  const supplier = state.rels.some((r) => r.my_side === 'supplier') || state.rels.length === 0;
  const admin = state.me.role === 'admin';
  if (supplier) grid.push(myPromises());
  if (supplier && admin) grid.push(inviteForm());
  if (supplier) wide.push(catalogue());
  if (supplier && admin) wide.push(...settingsSections());
  if (admin) wide.push(team());
  return { grid, wide };
}

function inviteForm() {
  const result = h('div', { id: 'invite-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'panel stack', id: 'invite-form', novalidate: true },
    h('h2', { text: 'Invite a customer' }),
    h('p', { class: 'muted', text: 'The buyer gets a link to set a password; their organisation and your relationship are created when they accept.' }),
    formErrorBox(),
    field('Customer organisation', input('buyer_org_name', { required: true, maxlength: 200 })),
    h('div', { class: 'grid-2' },
      field('Contact name', input('name', { required: true, maxlength: 200, autocomplete: 'off' })),
      field('Contact email', input('email', { type: 'email', required: true, autocomplete: 'off' }))),
    h('button', { type: 'submit', class: 'primary', text: 'Create invitation' }), result);
  onSubmit(form, async (v) => {
    const inv = await api('/invitations', { body: { buyer_org_name: v.buyer_org_name, email: v.email, name: v.name } });
    const link = `${location.origin}/#/invite/${encodeURIComponent(inv.token)}`;
    replace(result, h('p', { class: 'ok' }, 'Send this link to the buyer: ', h('a', { href: link, id: 'invite-link', text: link })));
    form.querySelectorAll('input').forEach((i) => { i.value = ''; });
  });
  return form;
}

function myPromises() {
  return section('Your open promises', async () => {
    const items = await listAll('/promises?owner=me&status=open', 200);
    if (!items.length) return empty('You have no open promises.');
    items.sort((a, b) => String(a.due_date).localeCompare(String(b.due_date)));
    return table([
      { label: 'Promise', cell: (p) => p.description },
      { label: 'Customer', cell: (p) => { const r = rel(p.relationship_id); return r ? h('a', { href: `#/rel/${encodeURIComponent(r.id)}/promises`, text: partner(r).name }) : '—'; } },
      { label: 'Due', cell: (p) => h('span', { class: p.overdue ? 'overdue' : '', text: `${date(p.due_date)}${p.overdue ? ' · overdue' : ''}` }) },
    ], items, { rowId: (p) => p.id });
  }, { id: 'my-promises' });
}

function catalogue() {
  const host = h('div', { id: 'own-catalogue' });
  const load = async (highlight) => {
    try {
      const items = await listAll('/products', 500);
      replace(host, items.length ? table([
        { label: 'SKU', cell: (p) => p.sku },
        { label: 'Name', cell: (p) => p.name },
        { label: 'Price', class: 'num', cell: (p) => money(p.unit_price, p.currency) },
        { label: 'Lead time', class: 'num', cell: (p) => `${number(p.lead_time_days)} d` },
        { label: 'Status', cell: (p) => badge(p.active ? 'active' : 'inactive', p.active ? 'Active' : 'Inactive') },
        { label: '', cell: (p) => priceForm(p, load) },
      ], items, { rowId: (p) => p.id }) : empty('No products yet.'));
      if (highlight) flash(byData(host, highlight));
    } catch (e) { replace(host, empty(e.status === 404 ? 'The catalogue is not available on this server yet.' : e.message)); }
  };
  const add = h('details', { class: 'add-product' }, h('summary', { text: 'Add a product' }), productForm((p) => load(p.id)));
  // Folded by default: the home page is about customers; the catalogue loads when opened.
  const box = h('details', { class: 'panel fold', id: 'catalogue-section' }, h('summary', {}, h('h2', { text: 'Your catalogue' })), host, add);
  let loaded = false;
  box.addEventListener('toggle', () => { if (box.open && !loaded) { loaded = true; load(); } });
  return box;
}

function priceForm(p, reload) {
  const form = h('form', { class: 'inline-form price-form', novalidate: true },
    field('Price', input('unit_price', { value: p.unit_price, inputmode: 'decimal', 'aria-label': `Price of ${p.name}` })),
    h('label', { class: 'inline-check' }, h('input', { type: 'checkbox', name: 'active', checked: p.active }), ' Active'),
    h('button', { type: 'submit', class: 'small', text: 'Save' }));
  onSubmit(form, async (v) => {
    await api(`/products/${encodeURIComponent(p.id)}`, { method: 'PATCH', body: { unit_price: v.unit_price, active: form.active.checked }, headers: ifMatch(p) });
    toast(`${p.sku} saved.`);
    await reload(p.id);
  });
  return form;
}

function productForm(done) {
  const form = h('form', { class: 'stack product-form', id: 'product-form', novalidate: true },
    formErrorBox(),
    h('div', { class: 'grid-2' },
      field('SKU', input('sku', { required: true, maxlength: 64, autocomplete: 'off' })),
      field('Name', input('name', { required: true, maxlength: 200 }))),
    field('Description', textarea('description', { rows: 2 })),
    h('div', { class: 'grid-2' },
      field('Unit price', input('unit_price', { inputmode: 'decimal', placeholder: '1250.00', required: true })),
      field('Currency', input('currency', { value: 'EUR', maxlength: 3 }))),
    h('div', { class: 'grid-2' },
      field('Lead time (days)', input('lead_time_days', { type: 'number', min: 0, step: 1, value: '14' })),
      field('Expected life (years)', input('expected_life_years', { type: 'number', min: 0, step: 1, value: '5' }), { name: 'service_plan.expected_life_years' })),
    h('div', { class: 'grid-2' },
      field('Installation cost', input('installation_cost', { inputmode: 'decimal', value: '0.00' }), { name: 'service_plan.installation_cost' }),
      field('Annual maintenance cost', input('annual_maintenance_cost', { inputmode: 'decimal', value: '0.00' }), { name: 'service_plan.annual_maintenance_cost' })),
    h('button', { type: 'submit', class: 'primary', text: 'Add product' }));
  onSubmit(form, async (v) => {
    const p = await api('/products', { body: {
      sku: v.sku, name: v.name, description: v.description, unit_price: v.unit_price, currency: v.currency.toUpperCase(),
      lead_time_days: Number(v.lead_time_days), active: true,
      service_plan: { installation_cost: v.installation_cost, annual_maintenance_cost: v.annual_maintenance_cost, expected_life_years: Number(v.expected_life_years) },
    } });
    form.reset();
    toast(`${p.sku} added to the catalogue.`);
    await done(p);
  });
  return form;
}

function team() {
  const org = state.me.org_id;
  const list = section('Members', async () => {
    const users = await listAll(`/orgs/${encodeURIComponent(org)}/users`);
    if (!users.length) return empty('Nobody yet.');
    return table([
      { label: 'Name', cell: (u) => u.name },
      { label: 'Email', cell: (u) => u.email || '—' },
      { label: 'Role', cell: (u) => humanize(u.role) },
      { label: 'Department', cell: (u) => humanize(u.department) },
    ], users, { rowId: (u) => u.id });
  }, { id: 'team' });
  const form = h('form', { class: 'stack', id: 'user-form', novalidate: true },
    h('h3', { text: 'Add a colleague' }),
    formErrorBox(),
    h('div', { class: 'grid-2' },
      field('Name', input('name', { required: true, autocomplete: 'off' })),
      field('Email', input('email', { type: 'email', required: true, autocomplete: 'off' }))),
    h('div', { class: 'grid-2' },
      field('Role', select('role', [['member', 'Member'], ['admin', 'Admin']])),
      field('Department', select('department', DEPARTMENTS.map((d) => [d, humanize(d)])))),
    field('Initial password', input('password', { type: 'password', autocomplete: 'new-password', required: true }), { hint: 'At least 10 characters; ask them to keep it private.' }),
    h('button', { type: 'submit', text: 'Add colleague' }));
  onSubmit(form, async (v) => {
    await api(`/orgs/${encodeURIComponent(org)}/users`, { body: { name: v.name, email: v.email, role: v.role, department: v.department, password: v.password } });
    form.reset();
    toast('Colleague added.');
    list.reload();
  });
  list.append(form);
  return h('details', { class: 'panel fold', id: 'team-section' }, h('summary', {}, h('h2', { text: 'Your team' })), list);
}
