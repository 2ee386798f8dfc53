// Forecasts: per product, month by month, the buyer's forecast, its previous
// revision, the supplier's commit, actual orders and the gap (highlighted where
// demand exceeds the commit); a chart of forecast vs commit vs actual; CSV upload
// (row errors listed) and download; revision and commit forms.
import { api, listAll, currentSession } from '../api.js';
import { h, replace, empty, flash, humanize } from '../dom.js';
import { month, number, period, percent } from '../fmt.js';
import { field, input, select, textarea, formErrorBox, onSubmit, toast, clearErrors } from '../forms.js';
import { lineChart } from '../charts.js';

/** forecastsTab builds the Forecasts tab. */
export async function forecastsTab(ctx) {
  const view = h('div', { id: 'forecast-view' });
  const chartHost = h('div', { id: 'forecast-chart' });
  const picker = select('product', [], { id: 'forecast-product' });
  let items = [];
  const drawChart = () => {
    const it = items.find((x) => x.product_id === picker.value) || items[0];
    if (!it) { replace(chartHost, empty('No forecast yet.')); return; }
    const ps = it.periods || [];
    replace(chartHost, lineChart(ps.map((p) => period(p.period)), [
      { name: 'Forecast', kind: 'forecast', values: ps.map((p) => p.forecast) },
      { name: 'Commit', kind: 'commit', values: ps.map((p) => p.commit) },
      // A month that has not ended has no actual yet; drawing 0 there would mislead.
      { name: 'Actual', kind: 'actual', values: ps.map((p) => (p.period > month() ? null : p.actual)) },
    ], { title: `${it.sku || ''} ${it.name || ''}: forecast vs commit vs actual`.trim() }));
  };
  picker.addEventListener('change', drawChart);
  const load = async (highlight) => {
    try {
      const res = await api(`${ctx.base}/forecasts`);
      items = res.items || [];
      const keep = picker.value;
      replace(picker, items.map((it) => h('option', { value: it.product_id, text: `${it.sku || ''} ${it.name || ''}`.trim() })));
      if (items.some((i) => i.product_id === keep)) picker.value = keep;
      replace(view, items.length ? items.map(productTable) : empty('No forecast has been shared yet.'));
      drawChart();
      if (highlight) flash(view.querySelector(`[data-id="${CSS.escape(highlight)}"]`) || view);
    } catch (e) {
      replace(view, empty(e.status === 404 ? 'Forecasts are not available on this server yet.' : e.message));
      replace(chartHost);
    }
  };
  await load();
  const products = await listAll(`${ctx.base}/products`, 500).catch(() => []);
  const node = h('div', { class: 'forecasts' },
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: 'Forecast vs commit vs actual' }), field('Product', picker)),
      chartHost),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: 'By product and month' }), downloadButton(ctx)),
      h('p', { class: 'muted legend-note' }, h('span', { class: 'gap-sample', 'aria-hidden': 'true' }), ' Highlighted months: demand exceeds the supplier’s commit.'),
      view),
    h('div', { class: 'grid-2' },
      ctx.side === 'buyer' ? csvUpload(ctx, () => load()) : null,
      revisionForm(ctx, products, () => load())));
  return { node, onEvent: (ev) => load((ev.data && ev.data.product_id) || '') };
}

function productTable(it) {
  const ps = it.periods || [];
  const rowOf = (label, key, fmt = number) => h('tr', { class: `row-${key}` }, h('th', { scope: 'row', text: label }),
    ps.map((p) => {
      const over = p.commit !== null && p.commit !== undefined && Number(p.forecast) > Number(p.commit);
      return h('td', { class: ['num', over && 'over'], title: over ? 'Demand exceeds commit' : null, text: p[key] === null || p[key] === undefined ? '—' : fmt(p[key]) });
    }));
  const acc = it.accuracy ? h('p', { class: 'muted' }, `Accuracy: MAPE ${it.accuracy.mape === null || it.accuracy.mape === undefined ? '—' : percent(Number(it.accuracy.mape) > 1 ? Number(it.accuracy.mape) / 100 : it.accuracy.mape)}, bias ${number(it.accuracy.bias, 1)}`) : null;
  return h('div', { class: 'forecast-product', dataset: { id: it.product_id, sku: it.sku || '' } },
    h('h3', { text: `${it.sku || ''} ${it.name || ''}`.trim() }), acc,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data forecast-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Month' }), ps.map((p) => h('th', { scope: 'col', class: 'num', text: period(p.period) })))),
      h('tbody', {}, rowOf('Forecast', 'forecast'), rowOf('Previous', 'previous'), rowOf('Commit', 'commit'), rowOf('Actual', 'actual'), rowOf('Gap', 'gap')))));
}

function downloadButton(ctx) {
  return h('button', { type: 'button', id: 'forecast-download', text: 'Download CSV', onclick: async () => {
    try {
      const s = currentSession();
      const res = await fetch(`/api/v1${ctx.base}/forecasts.csv`, { headers: { Authorization: `Bearer ${s.access_token}` } });
      if (!res.ok) throw new Error(`Download failed (${res.status})`);
      const url = URL.createObjectURL(await res.blob());
      const a = h('a', { href: url, download: 'forecasts.csv' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 5000);
    } catch (e) { toast(e.message, 'error'); }
  } });
}

function csvUpload(ctx, done) {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', id: 'forecast-file' });
  const errors = h('div', { id: 'csv-errors', class: 'csv-errors', role: 'alert' });
  const form = h('form', { class: 'panel stack', id: 'csv-form', novalidate: true },
    h('h2', { text: 'Upload a forecast (CSV)' }),
    h('p', { class: 'muted', text: 'Columns sku,period,quantity — for example ABC-1,2027-03,40. The whole file is accepted or nothing is.' }),
    formErrorBox(),
    field('CSV file', file, { name: 'csv' }),
    errors,
    h('button', { type: 'submit', class: 'primary', text: 'Upload' }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    replace(errors);
    const f = file.files && file.files[0];
    if (!f) { replace(errors, h('p', { class: 'form-error', text: 'Choose a CSV file first.' })); return; }
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      const text = await f.text();
      const res = await api(`${ctx.base}/forecasts/import`, { method: 'POST', raw: text, contentType: 'text/csv' });
      replace(errors, h('p', { class: 'ok', text: `Imported ${res && (res.rows ?? res.imported ?? '') !== '' ? `${res.rows ?? res.imported} rows` : 'the file'}.` }));
      file.value = '';
      await done();
    } catch (e) {
      const list = e.errors || [];
      replace(errors, h('p', { class: 'form-error', text: e.message }),
        list.length ? h('ul', { class: 'row-errors' }, list.map((x) => h('li', {}, x.field ? h('strong', { text: `${humanize(String(x.field))}: ` }) : null, x.message))) : null);
    } finally { btn.disabled = false; }
  });
  return form;
}

function monthsAhead(n) {
  const out = [];
  for (let i = 0; i < n; i += 1) out.push(month(i));
  return out;
}

function revisionForm(ctx, products, done) {
  const buyer = ctx.side === 'buyer';
  const months = monthsAhead(6);
  const form = h('form', { class: 'panel stack', id: buyer ? 'revision-form' : 'commit-form', novalidate: true },
    h('h2', { text: buyer ? 'Revise a forecast' : 'Commit capacity' }),
    formErrorBox(),
    field('Product', select('product_id', products.map((p) => [p.id, `${p.sku} ${p.name}`]))),
    h('div', { class: 'period-grid' }, months.map((m, i) => field(period(m), input(`q-${m}`, { type: 'number', min: 0, step: 1, inputmode: 'numeric' }), { name: `periods[${i}].quantity` }))),
    field('Note', textarea('note', { rows: 2, maxlength: 2000 })),
    h('button', { type: 'submit', class: 'primary', text: buyer ? 'Share forecast' : 'Commit' }));
  onSubmit(form, async (v) => {
    const filled = months.map((m, i) => ({ i, period: m, quantity: v[`q-${m}`] === '' ? null : Number(v[`q-${m}`]) })).filter((p) => p.quantity !== null);
    const periods = filled.map(({ period: p, quantity }) => ({ period: p, quantity }));
    try {
      await api(`${ctx.base}/forecasts${buyer ? '' : '/commits'}`, { body: { product_id: v.product_id, periods, note: v.note } });
    } catch (e) {
      // The server numbers the periods it received; point each error at its month's field.
      for (const fe of e.errors || []) {
        fe.field = String(fe.field || '').replace(/^periods\[(\d+)\]/, (_, n) => `periods[${filled[Number(n)] ? filled[Number(n)].i : n}]`);
      }
      throw e;
    }
    form.reset();
    toast(buyer ? 'Forecast shared.' : 'Commit recorded.');
    await done();
  });
  return form;
}
