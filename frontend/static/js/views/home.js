// Home: the supplier's portfolio (every customer by health, riskiest first, with
// alerts on top) and the buyer's overview (suppliers, open orders, open
// tickets, promises made to it, the scorecard).
import { api, listAll } from '../api.js';
import { h, replace, badge, table, empty, humanize } from '../dom.js';
import { money, date, signed, number } from '../fmt.js';
import { state, partner } from '../state.js';
import { section, scorecard } from './common.js';
import * as live from '../live.js';
import { adminSections } from './admin.js';

/** showHome renders the home page for the signed-in person. */
export async function showHome(main) {
  const supplierRels = state.rels.filter((r) => r.my_side === 'supplier');
  const buyerRels = state.rels.filter((r) => r.my_side === 'buyer');
  const parts = [h('h1', { text: supplierRels.length ? 'Customer portfolio' : `Welcome, ${state.me.name}` })];
  const sections = [];
  if (supplierRels.length) sections.push(portfolio());
  if (buyerRels.length) sections.push(...buyerHome(buyerRels));
  if (!state.rels.length) parts.push(empty('You have no relationships yet. An invitation starts one.'));
  const admin = adminSections();
  replace(main, ...parts, ...sections, admin.grid.length ? h('div', { class: 'admin-grid' }, admin.grid) : null, ...admin.wide);
  const off = live.onEvent((relId, ev) => {
    if (ev.type === 'health.alert' || /^order\.|^ticket\.|^promise\./.test(ev.type)) for (const s of sections) s.reload && s.reload();
  });
  return off;
}

function worstText(w) {
  if (!w) return '—';
  if (typeof w === 'string') return humanize(w);
  return w.explanation || humanize(w.key || '');
}

function portfolio() {
  return section('Customers by health', async () => {
    const res = await api('/health/overview');
    // The server lists the riskiest first; among equal scores the longer silence leads.
    const items = (res.items || []).slice().sort((a, b) => (a.score - b.score) || ((b.silence_days || 0) - (a.silence_days || 0)));
    const threshold = (id) => (state.rels.find((r) => r.id === id) || {}).silence_threshold_days || 30;
    const alerts = items.filter((i) => i.status === 'at_risk' || (i.silence_days ?? 0) >= threshold(i.relationship_id));
    const alertText = (i) => {
      const w = i.worst_signal;
      const silent = (i.silence_days ?? 0) >= threshold(i.relationship_id);
      const worst = worstText(w);
      if (silent && !(w && w.key === 'silence')) return `No word for ${number(i.silence_days)} days (threshold ${threshold(i.relationship_id)}). ${worst}`;
      return worst;
    };
    const alertList = alerts.length ? h('ul', { class: 'alerts', 'aria-label': 'Alerts' }, alerts.map((i) => h('li', { class: `alert alert-${i.status}` },
      h('strong', {}, h('a', { href: `#/rel/${encodeURIComponent(i.relationship_id)}/health`, text: i.buyer.name })), ' — ', alertText(i)))) : null;
    const tbl = table([
      { label: 'Customer', cell: (i) => h('a', { href: `#/rel/${encodeURIComponent(i.relationship_id)}/health`, text: i.buyer.name }) },
      { label: 'Status', cell: (i) => badge(i.status) },
      { label: 'Score', class: 'num', cell: (i) => number(i.score) },
      { label: '30-day change', class: 'num', cell: (i) => h('span', { class: Number(i.change_30d) < 0 ? 'down' : Number(i.change_30d) > 0 ? 'up' : '', text: signed(i.change_30d) }) },
      { label: 'Silent for', class: 'num', cell: (i) => (i.silence_days === null || i.silence_days === undefined ? '—' : `${number(i.silence_days)} d`) },
      { label: 'Worst signal', cell: (i) => worstText(i.worst_signal) },
    ], items, { rowId: (i) => i.relationship_id, rowClass: (i) => `row-${i.status}` });
    return h('div', { id: 'portfolio' }, alertList, items.length ? tbl : empty('No customers yet.'));
  }, { id: 'portfolio-section' });
}

const OPEN_ORDER = new Set(['submitted', 'acknowledged', 'in_production', 'shipped']);
const OPEN_TICKET = new Set(['open', 'acknowledged', 'in_progress']);

async function acrossRels(rels, path, keep) {
  const out = [];
  await Promise.all(rels.map(async (r) => {
    const items = await listAll(`/relationships/${encodeURIComponent(r.id)}${path}`, 200);
    for (const it of items) if (keep(it)) out.push({ rel: r, item: it });
  }));
  return out;
}

function buyerHome(rels) {
  const suppliers = section('Your suppliers', async () => h('ul', { class: 'cards' }, rels.map((r) => h('li', { class: 'card' },
    h('a', { class: 'card-title', href: `#/rel/${encodeURIComponent(r.id)}/orders`, text: partner(r).name }),
    h('p', { class: 'muted', text: 'Orders, forecasts, plans, ideas and service' })))));
  const orders = section('Open orders', async () => {
    const rows = await acrossRels(rels, '/orders', (o) => OPEN_ORDER.has(o.status));
    if (!rows.length) return empty('No open orders.');
    return table([
      { label: 'Order', cell: (x) => h('a', { href: `#/rel/${encodeURIComponent(x.rel.id)}/orders`, text: x.item.number || x.item.id }) },
      { label: 'Supplier', cell: (x) => partner(x.rel).name },
      { label: 'Status', cell: (x) => badge(x.item.status) },
      { label: 'Promised', cell: (x) => date(x.item.promised_date) },
      { label: 'Total', class: 'num', cell: (x) => money(x.item.total, x.item.currency) },
    ], rows, { rowId: (x) => x.item.id });
  });
  const tickets = section('Open tickets', async () => {
    const rows = await acrossRels(rels, '/tickets', (t) => OPEN_TICKET.has(t.status));
    if (!rows.length) return empty('No open tickets.');
    return table([
      { label: 'Ticket', cell: (x) => h('a', { href: `#/rel/${encodeURIComponent(x.rel.id)}/service`, text: x.item.title }) },
      { label: 'Supplier', cell: (x) => partner(x.rel).name },
      { label: 'Severity', cell: (x) => badge(x.item.severity) },
      { label: 'Status', cell: (x) => badge(x.item.status) },
    ], rows, { rowId: (x) => x.item.id });
  });
  const promises = section('Promises made to you', async () => {
    const rows = await acrossRels(rels, '/promises', () => true);
    if (!rows.length) return empty('No promises yet.');
    // Open promises first (soonest due), then the latest outcomes.
    const open = rows.filter((x) => x.item.status === 'open').sort((a, b) => String(a.item.due_date).localeCompare(String(b.item.due_date)));
    const done = rows.filter((x) => x.item.status !== 'open').sort((a, b) => String(b.item.due_date).localeCompare(String(a.item.due_date)));
    rows.splice(0, rows.length, ...open, ...done);
    return table([
      { label: 'Promise', cell: (x) => x.item.description },
      { label: 'Supplier', cell: (x) => partner(x.rel).name },
      { label: 'Due', cell: (x) => h('span', { class: x.item.overdue ? 'overdue' : '', text: date(x.item.due_date) }) },
      { label: 'Outcome', cell: (x) => badge(x.item.status) },
    ], rows.slice(0, 12), { rowId: (x) => x.item.id });
  });
  const cards = rels.map((r) => section(`Scorecard — ${partner(r).name}`, async () => scorecard(await api(`/relationships/${encodeURIComponent(r.id)}/scorecard`))));
  return [suppliers, orders, tickets, promises, ...cards];
}
