// Health (supplier only): the score and status, each signal with its sentence,
// weight and contribution, and the trend over 12 months.
import { api, ifMatch } from '../api.js';
import { h, replace, empty, badge, humanize, flash } from '../dom.js';
import { number, dateTime, monthYear } from '../fmt.js';
import { lineChart } from '../charts.js';
import { field, input, formErrorBox, onSubmit, toast } from '../forms.js';
import { state } from '../state.js';

/** healthTab builds the Health tab. */
export async function healthTab(ctx) {
  const summary = h('div', { id: 'health-summary' });
  const signals = h('div', { id: 'health-signals' });
  const trend = h('div', { id: 'health-trend' });
  const load = async () => {
    try {
      const hl = await api(`${ctx.base}/health`);
      replace(summary, h('div', { class: 'score-box' },
        h('div', { class: ['score', `score-${hl.status}`], 'aria-label': `Health score ${hl.score} of 100` }, h('span', { class: 'score-num', text: number(hl.score) }), h('span', { class: 'score-max', text: '/100' })),
        h('div', {}, badge(hl.status), h('p', { class: 'muted', text: `Computed ${dateTime(hl.computed_at)}` }))));
      const rank = (x) => (x.available === false || x.score === null || x.score === undefined ? 101 : x.score);
      const sorted = (hl.signals || []).slice().sort((a, b) => rank(a) - rank(b));
      replace(signals, sorted.length ? h('ul', { class: 'signals' }, sorted.map(signal)) : empty('No signals yet.'));
    } catch (e) { replace(summary, empty(e.status === 404 ? 'Health is not available on this server yet.' : e.message)); }
    try {
      const hist = await api(`${ctx.base}/health/history?days=365`);
      const pts = hist.items || hist.points || hist.history || [];
      if (!pts.length) { replace(trend, empty('No history yet.')); return; }
      const monthly = thin(pts);
      replace(trend, lineChart(monthly.map((p) => monthYear(p.day || p.date || p.at)), [{ name: 'Score', kind: 'score', values: monthly.map((p) => p.score) }],
        { title: 'Health score, last 12 months', yMax: 100, bands: [{ from: 0, to: 40, kind: 'at_risk' }, { from: 40, to: 70, kind: 'watch' }, { from: 70, to: 100, kind: 'healthy' }] }));
    } catch (e) { replace(trend, empty(e.status === 404 ? 'No history on this server yet.' : e.message)); }
  };
  await load();
  const node = h('div', { class: 'health' },
    h('section', { class: 'panel' }, h('h2', { text: 'Relationship health' }), summary),
    h('section', { class: 'panel' }, h('h2', { text: 'Why: signal by signal' }), signals),
    h('section', { class: 'panel' }, h('h2', { text: 'Trend' }), trend),
    state.me.role === 'admin' ? thresholdForm(ctx) : null);
  return { node, onEvent: async () => { await load(); flash(summary); } };
}

function signal(s) {
  const noData = s.available === false || s.score === null || s.score === undefined;
  const bar = h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { class: 'fill' }));
  if (!noData) bar.firstChild.style.width = `${Math.max(0, Math.min(100, Number(s.score)))}%`;
  const level = noData ? 'none' : s.score < 40 ? 'at_risk' : s.score < 70 ? 'watch' : 'healthy';
  return h('li', { class: ['signal', `level-${level}`], dataset: { key: s.key } },
    h('div', { class: 'signal-head' }, h('strong', { text: humanize(s.key) }),
      h('span', { class: 'muted', text: noData ? 'not enough data' : `score ${number(s.score)} · weight ${number(s.weight)} · contributes ${number(s.contribution, 1)}` })),
    bar,
    h('p', { class: 'explanation', text: s.explanation || '' }));
}

function thin(points) {
  // At most one point a week keeps the chart readable over a year.
  if (points.length <= 60) return points;
  const step = Math.ceil(points.length / 52);
  return points.filter((_, i) => i % step === 0 || i === points.length - 1);
}

function thresholdForm(ctx) {
  const form = h('form', { class: 'panel stack inline-panel', id: 'threshold-form', novalidate: true },
    h('h2', { text: 'Silence threshold' }),
    formErrorBox(),
    field('Alert after this many days without word from the customer', input('silence_threshold_days', { type: 'number', min: 1, step: 1, value: String(ctx.rel.silence_threshold_days || 30) })),
    h('button', { type: 'submit', text: 'Save' }));
  onSubmit(form, async (v) => {
    const r = await api(ctx.base, { method: 'PATCH', body: { silence_threshold_days: Number(v.silence_threshold_days) }, headers: ifMatch(ctx.rel) });
    ctx.rel.silence_threshold_days = r.silence_threshold_days;
    toast('Threshold saved.');
  });
  return form;
}
