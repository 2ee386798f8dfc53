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

/** scorecard shows the supplier's performance facts for a buyer. */
export function scorecard(sc) {
  const months = sc.months || sc.monthly || [];
  const parts = [facts(sc, ['months', 'monthly'])];
  if (Array.isArray(months) && months.length) {
    const keys = [...new Set(months.flatMap((m) => Object.keys(m).filter((k) => k !== 'month' && k !== 'period' && (m[k] === null || typeof m[k] !== 'object'))))];
    parts.push(table(
      [{ label: 'Month', cell: (m) => period(m.month || m.period) }, ...keys.map((k) => ({ label: humanize(k), class: 'num', cell: (m) => factValue(k, m[k]) }))],
      months, { caption: 'Month by month' }));
  }
  return h('div', { class: 'scorecard' }, parts);
}
