// The relationship workspace: a header, tabs, and the live stream applied to the
// open tab (the changed row gets a short highlight; other tabs get a dot).
import { h, replace } from '../dom.js';
import { rel, partner, loadUsers, state } from '../state.js';
import * as live from '../live.js';
import { ordersTab } from './orders.js';
import { forecastsTab } from './forecasts.js';
import { plansTab } from './plans.js';
import { ideasTab } from './ideas.js';
import { serviceTab } from './service.js';
import { promisesTab } from './promises.js';
import { interactionsTab } from './interactions.js';
import { activityTab } from './activity.js';
import { healthTab } from './health.js';

const TABS = [
  ['orders', 'Orders', ordersTab],
  ['forecasts', 'Forecasts', forecastsTab],
  ['plans', 'Plans', plansTab],
  ['ideas', 'Ideas', ideasTab],
  ['service', 'Service', serviceTab],
  ['promises', 'Promises', promisesTab],
  ['interactions', 'Interactions', interactionsTab],
  ['activity', 'Activity', activityTab],
  ['health', 'Health', healthTab, 'supplier'],
];

const SUBJECT_TAB = { order: 'orders', forecast: 'forecasts', plan: 'plans', idea: 'ideas', ticket: 'service', promise: 'promises', interaction: 'interactions', relationship: 'health' };

/** tabOf says which tab an event belongs to. */
export function tabOf(ev) {
  if (ev.type === 'health.alert') return 'health';
  if (ev.type.startsWith('comment.')) {
    const d = ev.data || {};
    return SUBJECT_TAB[d.subject_type] || 'activity';
  }
  return SUBJECT_TAB[ev.type.split('.')[0]] || 'activity';
}

/** showWorkspace renders one relationship with the tab named in the URL. */
export async function showWorkspace(main, relId, tabKey) {
  const r = rel(relId);
  if (!r) {
    replace(main, h('section', { class: 'panel' }, h('h1', { text: 'Not found' }), h('p', { text: 'There is no such relationship, or it is not yours.' }), h('a', { href: '#/', text: 'Back home' })));
    return null;
  }
  await loadUsers([r.supplier.id, r.buyer.id]);
  const tabs = TABS.filter((t) => !t[3] || t[3] === r.my_side);
  const active = tabs.find((t) => t[0] === tabKey) || tabs[0];
  const ctx = { rel: r, relId, base: `/relationships/${encodeURIComponent(relId)}`, side: r.my_side, me: state.me };
  const panel = h('div', { class: 'tab-panel', id: `tab-${active[0]}`, role: 'tabpanel', 'aria-labelledby': `tablink-${active[0]}` });
  const nav = h('nav', { class: 'tabs', 'aria-label': 'Workspace sections' }, tabs.map(([key, label]) => h('a', {
    href: `#/rel/${encodeURIComponent(relId)}/${key}`, id: `tablink-${key}`, class: key === active[0] ? 'active' : '',
    'aria-current': key === active[0] ? 'page' : false,
  }, label, h('span', { class: 'tab-dot', 'aria-hidden': 'true', hidden: true }))));
  replace(main,
    h('div', { class: 'ws-head' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/', text: 'Home' }), ' / '),
      h('h1', { text: partner(r).name }),
      h('p', { class: 'muted', text: r.my_side === 'supplier' ? `Your customer · you supply ${partner(r).name}` : `Your supplier · ${partner(r).name} supplies you` })),
    nav, panel);
  const tab = await active[2](ctx);
  replace(panel, tab.node);
  const off = live.onEvent((rid, ev) => {
    if (rid !== relId) return;
    const key = tabOf(ev);
    if (tab.onEvent && (key === active[0] || active[0] === 'activity')) tab.onEvent(ev);
    else if (key !== active[0]) {
      const dot = nav.querySelector(`#tablink-${CSS.escape(key)} .tab-dot`);
      if (dot) dot.hidden = false;
    }
  });
  return () => { off(); if (tab.dispose) tab.dispose(); };
}
