// DOM helpers. Every piece of data reaches the page through textContent or a
// property, never through HTML parsing, so text that looks like markup stays text.

/**
 * h builds an element. props: class, text, dataset (object), on<Event> handlers,
 * any other key is set as an attribute (false/null/undefined skips it).
 * Children are nodes, strings (text nodes) or arrays of them; null is skipped.
 */
export function h(tag, props = {}, ...children) {
  const isSvg = SVG_TAGS.has(tag);
  const e = isSvg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text') e.textContent = String(v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'value' && !isSvg) e.value = v;
    else if (k === 'checked' && !isSvg) e.checked = !!v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2).toLowerCase(), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

const SVG_TAGS = new Set(['svg', 'g', 'path', 'line', 'polyline', 'circle', 'rect', 'text', 'title', 'desc']);

function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** replace swaps the children of el for the given ones. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** flash gives the element a short highlight (a live change arrived). */
export function flash(el) {
  if (!el) return;
  el.classList.remove('flash');
  void el.offsetWidth; // restart the animation
  el.classList.add('flash');
  setTimeout(() => el.classList.remove('flash'), 2600);
}

/** byData finds the element inside root whose data-id is id. */
export function byData(root, id) {
  if (!id) return null;
  return root.querySelector(`[data-id="${CSS.escape(String(id))}"]`);
}

let idCounter = 0;
/** uid returns a page-unique id for label/control pairs. */
export function uid(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** badge is a small status pill; the class follows the status value. */
export function badge(value, label) {
  const v = String(value || '').toLowerCase();
  return h('span', { class: `badge badge-${v.replace(/[^a-z0-9_-]/g, '')}`, text: label || humanize(v) });
}

/** humanize turns snake_case into words. */
export function humanize(s) {
  const t = String(s || '').replace(/_/g, ' ').replace(/\b(sla|po|tco|csv)\b/gi, (m) => m.toUpperCase());
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** empty is the placeholder of an empty list. */
export function empty(text) {
  return h('p', { class: 'empty', text });
}

/** table builds a table; columns [{label, cell(row) → node|string, class}] */
export function table(columns, rows, { caption, rowId, rowClass } = {}) {
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class, text: c.label })));
  const body = rows.map((r) => h('tr', { dataset: rowId ? { id: rowId(r) } : undefined, class: rowClass ? rowClass(r) : null },
    columns.map((c) => h('td', { class: c.class, 'data-label': c.label }, c.cell(r)))));
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'data stack-sm' }, caption ? h('caption', { text: caption }) : null, h('thead', {}, head), h('tbody', {}, body)));
}
