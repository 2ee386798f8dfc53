// Pieces shared by the views: sections that load on their own, the scorecard,
// and generic rendering of fact objects.
import { h, replace, humanize, table, empty } from '../dom.js';
import { number, percent, period, dateTime, date } from '../fmt.js';

/** section is a titled panel whose body loads asynchronously. */
export function section(title, load, { id, actions } = {}) {
  const body = h('div', { class: 'section-body', 'aria-busy': 'true' }, h('p', { class: 'loading', text: 'Loading…' }));
  const el = h('section', { class: 'panel', id }, h('div', { class: 'panel-head' }, h('h2', { text: title }), actions || null), body);
  const reload = async () => {
    try {
      const content = await load();
      replace(body, content);
    } catch (e) {
      replace(body, unavailable(e));
    } finally { body.removeAttribute('aria-busy'); }
  };
  el.reload = reload;
  reload();
  return el;
}

/** unavailable explains why something could not be shown. */
export function unavailable(e) {
  if (e && e.status === 404) return empty('Not available on this server yet.');
  if (e && e.status === 403) return empty('You do not have access to this.');
  return h('p', { class: 'form-error', role: 'alert', text: (e && e.message) || String(e) });
}

function isRatioKey(k) { return /(ratio|rate|adherence|share|pct|percent|on_time|kept_ratio)/.test(k); }

/** factValue formats one scalar of a fact object by its key. */
export function factValue(k, v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'number') {
    if (isRatioKey(k) && v >= 0 && v <= 1) return percent(v);
    if (/hours/.test(k)) return `${number(v, 1)} h`;
    if (/days/.test(k)) return `${number(v, 1)} d`;
    return number(v, 2);
  }
  if (typeof v === 'string' && /_at$/.test(k)) return dateTime(v);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return date(v);
  if (typeof v === 'string' && /^\d{4}-\d{2}$/.test(v)) return period(v);
  return String(v);
}

/** facts renders the scalar fields of an object as a definition list. */
export function facts(obj, skip = []) {
  const rows = [];
  for (const [k, v] of Object.entries(obj || {})) {
    if (skip.includes(k) || Array.isArray(v) || /(^id$|_id$)/.test(k)) continue;
    if (v && typeof v === 'object') {
      rows.push(h('div', { class: 'fact group' }, h('dt', { text: humanize(k) }), h('dd', {}, facts(v))));
    } else rows.push(h('div', { class: 'fact' }, h('dt', { text: humanize(k) }), h('dd', { text: factValue(k, v) })));
  }
  return h('dl', { class: 'facts' }, rows);
}

function ratio(done, total) {
  if (!total) return '—';
  return `${number(done)} of ${number(total)} (${percent(done / total)})`;
}

function minutes(m) {
  if (m === null || m === undefined) return '—';
  return m < 90 ? `${number(m)} min` : `${number(m / 60, 1)} h`;
}

function tile(label, value, hint) {
  return h('div', { class: 'kpi' }, h('span', { class: 'kpi-label', text: label }), h('strong', { class: 'kpi-value', text: value }), hint ? h('small', { class: 'muted', text: hint }) : null);
}

/** scorecard shows the supplier's performance facts for a buyer: the totals
 * as tiles and the months as a table (facts only, never the health score). */
export function scorecard(sc) {
  const t = sc.totals;
  const months = sc.months || [];
  if (!t) return h('div', { class: 'scorecard' }, facts(sc, ['months']));
  const tiles = h('div', { class: 'kpis' },
    tile('On-time delivery', t.deliveries ? percent(t.delivered_on_time / t.deliveries) : '—', `${number(t.delivered_on_time)} of ${number(t.deliveries)} deliveries`),
    tile('Promises kept', t.promises_kept + t.promises_broken ? percent(t.promises_kept / (t.promises_kept + t.promises_broken)) : '—', `${number(t.promises_kept)} kept, ${number(t.promises_broken)} broken`),
    tile('Service SLAs met', t.sla_deadlines ? percent(t.sla_met / t.sla_deadlines) : '—', `${number(t.sla_met)} of ${number(t.sla_deadlines)} deadlines`),
    tile('Median response', minutes(t.median_response_minutes), 'to tickets and comments'),
    tile('Ideas accepted', `${number(t.buyer_ideas_accepted)} / ${number(t.supplier_ideas_accepted)}`, `of ${number(t.ideas_from_buyer)} from you and ${number(t.ideas_from_supplier)} from the supplier`));
  const tbl = months.length ? table([
    { label: 'Month', cell: (m) => period(m.month) },
    { label: 'On time', class: 'num', cell: (m) => ratio(m.delivered_on_time, m.deliveries) },
    { label: 'Promises kept / broken', class: 'num', cell: (m) => `${number(m.promises_kept)} / ${number(m.promises_broken)}` },
    { label: 'SLAs met', class: 'num', cell: (m) => ratio(m.sla_met, m.sla_deadlines) },
    { label: 'Median response', class: 'num', cell: (m) => minutes(m.median_response_minutes) },
    { label: 'Ideas (yours / theirs)', class: 'num', cell: (m) => `${number(m.ideas_from_buyer)} / ${number(m.ideas_from_supplier)}` },
  ], months.slice().reverse(), { caption: `Month by month, ${period(sc.from)} – ${period(sc.to)}` }) : null;
  return h('div', { class: 'scorecard' }, tiles, tbl);
}
