// Ideas: improvement proposals in both directions on a board by status, with the
// realised value of implemented ideas (what the partnership created).
import { api, ifMatch, listAll } from '../api.js';
import { h, replace, empty, flash, byData, badge, humanize } from '../dom.js';
import { money, number } from '../fmt.js';
import { field, input, select, textarea, formErrorBox, onSubmit, toast } from '../forms.js';
import { userName } from '../state.js';
import { commentThread } from './comments.js';

const COLUMNS = ['proposed', 'under_review', 'accepted', 'implemented', 'declined', 'withdrawn'];
const CATEGORIES = ['design', 'process', 'cost', 'quality', 'logistics', 'other'];

function value(v, currency) {
  if (v === null || v === undefined || v === '') return '—';
  return currency ? money(v, currency) : number(v, 2);
}

/** ideasTab builds the Ideas tab. */
export async function ideasTab(ctx) {
  const board = h('div', { id: 'ideas-board', class: 'board' });
  const summary = h('p', { id: 'ideas-summary', class: 'summary' });
  const threads = new Set(); // ideas whose comments are open survive a live reload
  const load = async (highlight) => {
    try {
      const res = await api(`${ctx.base}/ideas?limit=200`);
      const items = res.items || [];
      const sum = res.summary || {};
      const currency = sum.currency || (items.find((i) => i.currency) || {}).currency;
      const realised = sum.realised_value ?? items.filter((i) => i.status === 'implemented').reduce((s, i) => s + Number(i.estimated_value || 0), 0).toFixed(2);
      const counts = sum.counts || {};
      const fromUs = items.filter((i) => i.author_side === ctx.side).length;
      replace(summary, `Realised value of implemented ideas: `, h('strong', { text: value(realised, currency) }),
        ` · ${fromUs} from you, ${items.length - fromUs} from ${ctx.side === 'buyer' ? 'your supplier' : 'your customer'}`);
      replace(board, COLUMNS.map((st) => {
        const col = items.filter((i) => i.status === st);
        return h('section', { class: 'column', 'aria-label': humanize(st) }, h('h3', {}, humanize(st), h('span', { class: 'count', text: String(counts[st] ?? col.length) })),
          col.length ? col.map((i) => ideaCard(ctx, i, load, threads)) : h('p', { class: 'empty', text: '—' }));
      }));
      if (highlight) flash(byData(board, highlight));
    } catch (e) { replace(board, empty(e.status === 404 ? 'Ideas are not available on this server yet.' : e.message)); }
  };
  await load();
  const products = await listAll(`${ctx.base}/products`, 500).catch(() => []);
  const node = h('div', { class: 'ideas' }, h('section', { class: 'panel' }, h('h2', { text: 'Ideas board' }), summary, board), ideaForm(ctx, products, (i) => load(i.id)));
  return { node, onEvent: (ev) => load((ev.data && ev.data.idea_id) || ev.subject_id) };
}

function transitions(ctx, i) {
  const mine = i.author_side === ctx.side;
  const t = [];
  if (mine) {
    if (i.status === 'proposed' || i.status === 'under_review') t.push(['withdrawn', 'Withdraw']);
  } else {
    if (i.status === 'proposed') t.push(['under_review', 'Review']);
    if (i.status === 'under_review') t.push(['accepted', 'Accept']);
    if (i.status === 'proposed' || i.status === 'under_review') t.push(['declined', 'Decline']);
    if (i.status === 'accepted') t.push(['implemented', 'Mark implemented']);
  }
  return t;
}

function ideaCard(ctx, i, reload, threads) {
  const extra = h('div');
  const showComments = () => { threads.add(i.id); replace(extra, commentThread(ctx, 'idea', i.id)); };
  if (threads.has(i.id)) showComments();
  const move = async (to, reason) => {
    try {
      await api(`${ctx.base}/ideas/${encodeURIComponent(i.id)}/status`, { body: reason ? { status: to, reason } : { status: to }, headers: ifMatch(i) });
      await reload(i.id);
    } catch (e) { toast(e.message, 'error'); if (e.status === 412) reload(i.id); }
  };
  const acts = transitions(ctx, i).map(([to, label]) => h('button', { type: 'button', class: to === 'declined' || to === 'withdrawn' ? 'danger small' : 'small', text: label, onclick: () => {
    if (to !== 'declined') { move(to); return; }
    // A decline needs a reason: ask for it in place.
    const reason = input('reason', { required: true, maxlength: 500 });
    const form = h('form', { class: 'stack decline-form', novalidate: true }, formErrorBox(), field('Why decline?', reason),
      h('button', { type: 'submit', class: 'danger small', text: 'Decline idea' }));
    onSubmit(form, async (v) => {
      await api(`${ctx.base}/ideas/${encodeURIComponent(i.id)}/status`, { body: { status: 'declined', reason: v.reason }, headers: ifMatch(i) });
      await reload(i.id);
    });
    replace(extra, form);
    reason.focus();
  } }));
  return h('article', { class: 'card idea', dataset: { id: i.id } },
    h('h4', { text: i.title }),
    h('p', { class: 'muted' }, badge(i.category), ' ', i.author_side === ctx.side ? 'from you' : `from the ${i.author_side}`, i.author_id ? ` · ${userName(i.author_id)}` : ''),
    i.body ? h('p', { class: 'idea-body', text: i.body }) : null,
    i.estimated_value ? h('p', {}, 'Estimated value: ', h('strong', { text: value(i.estimated_value, i.currency) }), ' a year') : h('p', { class: 'muted', text: 'Value not estimated' }),
    h('div', { class: 'card-actions' }, acts, h('button', { type: 'button', class: 'link comments-toggle', text: 'Comments', onclick: showComments })),
    extra);
}

function ideaForm(ctx, products, done) {
  const form = h('form', { class: 'panel stack', id: 'idea-form', novalidate: true },
    h('h2', { text: `Propose an idea to ${ctx.side === 'buyer' ? 'your supplier' : 'your customer'}` }),
    formErrorBox(),
    field('Title', input('title', { required: true, maxlength: 200 })),
    field('Description', textarea('body', { rows: 3 })),
    h('div', { class: 'grid-2' },
      field('Category', select('category', CATEGORIES.map((c) => [c, humanize(c)]))),
      field('Product (optional)', select('product_id', [['', '—'], ...products.map((p) => [p.id, `${p.sku} ${p.name}`])]))),
    h('div', { class: 'grid-2' },
      field('Estimated yearly value', input('estimated_value', { inputmode: 'decimal', placeholder: '12000.00' })),
      field('Currency', input('currency', { value: 'EUR', maxlength: 3, autocomplete: 'off' }))),
    h('button', { type: 'submit', class: 'primary', text: 'Propose' }));
  onSubmit(form, async (v) => {
    const body = { title: v.title, body: v.body, category: v.category };
    if (v.product_id) body.product_id = v.product_id;
    if (v.estimated_value) { body.estimated_value = v.estimated_value; body.currency = String(v.currency || '').toUpperCase(); }
    const i = await api(`${ctx.base}/ideas`, { body });
    form.reset();
    form.currency.value = 'EUR';
    toast('Idea proposed.');
    await done(i);
  });
  return form;
}
