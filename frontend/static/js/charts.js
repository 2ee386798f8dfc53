// Hand-written SVG charts: a line chart with axes, gridlines and a legend. No
// library: the page has no build step and two small charts do not justify one.
import { h } from './dom.js';
import { number } from './fmt.js';

const PAD = { top: 16, right: 16, bottom: 34, left: 44 };

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * lineChart draws series over labelled x positions.
 * series: [{name, values: [number|null], kind: 'forecast'|'commit'|'actual'|'score'}]
 * opts: {title, yMax, yFormat, bands: [{from, to, kind}]}
 */
export function lineChart(labels, series, opts = {}) {
  // The drawing's own size follows the screen, so text stays legible on a phone.
  const small = window.innerWidth < 700;
  const W = small ? 380 : 800;
  const H = small ? 220 : 240;
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined && Number.isFinite(Number(v)));
  const yMax = opts.yMax || niceMax(Math.max(1, ...all.map(Number)));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (labels.length <= 1 ? iw / 2 : (i * iw) / (labels.length - 1));
  const y = (v) => PAD.top + ih - (Number(v) / yMax) * ih;
  const fmt = opts.yFormat || ((v) => number(v));
  const svg = h('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': opts.title || 'chart', preserveAspectRatio: 'xMidYMid meet' },
    h('title', { text: opts.title || '' }));
  for (const b of opts.bands || []) {
    svg.append(h('rect', { class: `band band-${b.kind}`, x: PAD.left, width: iw, y: y(b.to), height: Math.max(0, y(b.from) - y(b.to)) }));
  }
  for (let i = 0; i <= 4; i += 1) {
    const v = (yMax * i) / 4;
    svg.append(h('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }));
    svg.append(h('text', { class: 'axis', x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', text: fmt(v) }));
  }
  const step = Math.max(1, Math.ceil(labels.length / (small ? 4 : 8)));
  labels.forEach((l, i) => {
    const last = i === labels.length - 1;
    // Every step-th label, and the last one unless it would crowd its neighbour.
    if (!last && (i % step !== 0 || labels.length - 1 - i < step / 2)) return;
    svg.append(h('text', { class: 'axis', x: x(i), y: H - PAD.bottom + 18, 'text-anchor': 'middle', text: l }));
  });
  for (const s of series) {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined || !Number.isFinite(Number(v))) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    const g = h('g', { class: `series series-${s.kind}` }, h('path', { d, fill: 'none' }));
    s.values.forEach((v, i) => {
      if (v === null || v === undefined || !Number.isFinite(Number(v))) return;
      g.append(h('circle', { cx: x(i), cy: y(v), r: 3 }, h('title', { text: `${s.name} ${labels[i]}: ${fmt(v)}` })));
    });
    svg.append(g);
  }
  const legend = h('ul', { class: 'legend' }, series.map((s) => h('li', { class: `series-${s.kind}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), s.name)));
  return h('figure', { class: 'chart-box' }, svg, h('figcaption', {}, opts.title ? h('span', { class: 'chart-title', text: opts.title }) : null, legend));
}
