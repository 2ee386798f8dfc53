// Supplier admins' settings on the home page: the SLA per ticket severity and
// the health score's weights and status thresholds. Both load when opened.
import { api } from '../api.js';
import { h, replace, humanize } from '../dom.js';
import { number } from '../fmt.js';
import { field, input, formErrorBox, onSubmit, toast } from '../forms.js';
import { unavailable } from './common.js';

const SEVERITIES = ['critical', 'high', 'normal', 'low'];

// The health signals in the order the Health tab explains them.
const SIGNALS = ['silence', 'complaints_paradox', 'promises_kept', 'on_time_delivery', 'service_sla', 'responsiveness', 'collaboration', 'forecast', 'order_trend'];

/** settingsSections are the supplier admin's editors, each a folded panel. */
export function settingsSections() {
  return [fold('sla-section', 'Service levels (SLA)', slaEditor), fold('health-settings-section', 'Health score settings', healthEditor)];
}

function fold(id, title, build) {
  const host = h('div', { class: 'section-body' });
  const box = h('details', { class: 'panel fold', id }, h('summary', {}, h('h2', { text: title })), host);
  let loaded = false;
  box.addEventListener('toggle', () => {
    if (!box.open || loaded) return;
    loaded = true;
    replace(host, h('p', { class: 'loading', text: 'Loading…' }));
    build(host).catch((e) => replace(host, unavailable(e)));
  });
  return box;
}

// minutesText reads a number of minutes back as hours or days.
function minutesText(m) {
  const n = Number(m);
  if (!Number.isFinite(n) || n <= 0) return '';
  if (n < 60) return `${number(n)} min`;
  if (n < 48 * 60) return `${number(n / 60, 1)} h`;
  return `${number(n / 1440, 1)} days`;
}

// minutesField is a labelled minutes input that reads its value back as hours
// or days underneath, so 7200 is seen to mean 5 days before saving.
function minutesField(label, name, value, ariaLabel, errorName) {
  const el = input(name, { type: 'number', min: 1, step: 1, value: String(value), inputmode: 'numeric', 'aria-label': ariaLabel });
  const echo = h('small', { class: 'hint echo', text: minutesText(value) });
  el.addEventListener('input', () => { echo.textContent = minutesText(el.value); });
  const f = field(label, el, { name: errorName });
  echo.id = `${el.id}-echo`;
  el.setAttribute('aria-describedby', `${echo.id} ${el.getAttribute('aria-describedby')}`);
  f.insertBefore(echo, f.querySelector('.field-error'));
  return f;
}

async function slaEditor(host, notice) {
  const res = await api('/sla-policies');
  const by = new Map((res.items || []).map((p) => [p.severity, p]));
  const order = SEVERITIES.filter((s) => by.has(s));
  const form = h('form', { class: 'stack', id: 'sla-form', novalidate: true },
    notice || null,
    h('p', { class: 'muted', text: 'How soon your team must first respond to and resolve a ticket, in minutes. Open tickets keep the deadlines they were given.' }),
    formErrorBox(),
    h('div', { class: 'sla-grid' }, order.map((s, i) => slaRow(by.get(s), i))),
    h('button', { type: 'submit', class: 'primary', text: 'Save service levels' }));
  onSubmit(form, async () => {
    const items = order.map((s) => ({
      severity: s,
      first_response_minutes: wholeNumber(form.elements[`first_${s}`].value),
      resolution_minutes: wholeNumber(form.elements[`resolution_${s}`].value),
    }));
    await api('/sla-policies', { method: 'PUT', body: { items } });
    toast('Service levels saved.');
    await slaEditor(host, h('p', { class: 'ok', role: 'status', id: 'sla-saved', text: 'Saved. New tickets get these deadlines.' }));
  });
  replace(host, form);
}

// wholeNumber sends what was typed as a number when it is one, so the server
// (not the page) judges the range; text that is no number is sent as 0, which
// the server rejects with its own message next to the field.
function wholeNumber(v) {
  const n = Number(String(v).trim());
  return Number.isInteger(n) ? n : 0;
}

function slaRow(p, i) {
  return h('fieldset', { class: 'sla-row', dataset: { severity: p.severity } },
    h('legend', {}, humanize(p.severity), p.default ? h('small', { class: 'muted', text: ' · default' }) : null),
    h('div', { class: 'grid-2' },
      minutesField('First response (min)', `first_${p.severity}`, p.first_response_minutes, `First response for ${p.severity} tickets, in minutes`, `items[${i}].first_response_minutes`),
      minutesField('Resolution (min)', `resolution_${p.severity}`, p.resolution_minutes, `Resolution for ${p.severity} tickets, in minutes`, `items[${i}].resolution_minutes`)));
}

async function healthEditor(host, notice) {
  const set = await api('/health/settings');
  const sum = h('strong', { id: 'weight-sum' });
  const sumBox = h('div', { class: 'field weight-sum', dataset: { field: 'weights' } },
    h('p', { class: 'sum-line', 'aria-live': 'polite' }, 'Sum of weights: ', sum, ' of 100'), h('p', { class: 'field-error', role: 'alert' }));
  const weights = SIGNALS.filter((k) => k in (set.weights || {})).concat(Object.keys(set.weights || {}).filter((k) => !SIGNALS.includes(k)));
  const form = h('form', { class: 'stack', id: 'health-settings-form', novalidate: true },
    notice || null,
    h('p', { class: 'muted', text: 'Each signal’s share of the 0–100 health score (the weights must add up to 100), and the scores at which a customer counts as healthy or to watch.' }),
    formErrorBox(),
    h('fieldset', { class: 'weights' }, h('legend', { text: 'Weights' }),
      h('div', { class: 'weight-grid' }, weights.map((k) => field(humanize(k), input(`w_${k}`, { type: 'number', min: 0, max: 100, step: 1, value: String(set.weights[k]), inputmode: 'numeric' }), { name: `weights.${k}` }))),
      sumBox),
    h('fieldset', {}, h('legend', { text: 'Status thresholds' }),
      h('div', { class: 'grid-3' },
        field('Healthy from score', input('healthy_min', { type: 'number', min: 1, max: 100, step: 1, value: String(set.healthy_min) })),
        field('Watch from score', input('watch_min', { type: 'number', min: 0, max: 99, step: 1, value: String(set.watch_min) }), { hint: 'Below it: at risk.' }),
        field('Window (days)', input('window_days', { type: 'number', min: 30, max: 730, step: 1, value: String(set.window_days) }), { hint: 'History the signals look at.' }))),
    h('button', { type: 'submit', class: 'primary', text: 'Save health settings' }));
  const total = () => weights.reduce((s, k) => s + (Number(form.elements[`w_${k}`].value) || 0), 0);
  const showSum = () => {
    const n = total();
    sum.textContent = number(n);
    sumBox.classList.toggle('off', n !== 100);
    sumBox.classList.toggle('good', n === 100);
  };
  form.addEventListener('input', showSum);
  showSum();
  onSubmit(form, async (v) => {
    const body = {
      weights: Object.fromEntries(weights.map((k) => [k, wholeNumber(v[`w_${k}`])])),
      healthy_min: wholeNumber(v.healthy_min), watch_min: wholeNumber(v.watch_min), window_days: wholeNumber(v.window_days),
    };
    try {
      // Version 0 means "never saved": there is no ETag to match yet.
      await api('/health/settings', { method: 'PUT', body, headers: set.version ? { 'If-Match': `"${set.version}"` } : {} });
    } catch (e) {
      if (e.status !== 412) throw e;
      await healthEditor(host, h('p', { class: 'form-error', role: 'alert', id: 'settings-stale', text: 'Someone else changed the health settings meanwhile; reloaded with their values. Make your change again.' }));
      return;
    }
    toast('Health settings saved.');
    await healthEditor(host, h('p', { class: 'ok', role: 'status', id: 'settings-saved', text: 'Saved.' }));
  });
  replace(host, form);
}
