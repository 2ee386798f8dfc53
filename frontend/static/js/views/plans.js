// Plans: shared plans and expectations. Confidential plans carry a badge and
// their readers; the author side can see who read them (the access log).
import { api, listAll, ifMatch } from '../api.js';
import { h, replace, empty, flash, byData, badge, table } from '../dom.js';
import { date, dateTime } from '../fmt.js';
import { field, input, textarea, formErrorBox, onSubmit, toast } from '../forms.js';
import { userName, usersOf, state } from '../state.js';
import { commentThread } from './comments.js';

/** markdown renders a small, safe subset (headings, lists, paragraphs) as nodes. */
export function markdown(text) {
  const out = [];
  let list = null;
  for (const raw of String(text || '').split(/\r?\n/)) {
    const line = raw.trimEnd();
    const li = /^\s*[-*]\s+(.*)$/.exec(line);
    if (li) { if (!list) { list = h('ul'); out.push(list); } list.append(h('li', { text: li[1] })); continue; }
    list = null;
    const hd = /^(#{1,4})\s+(.*)$/.exec(line);
    if (hd) out.push(h(`h${Math.min(6, hd[1].length + 3)}`, { text: hd[2] }));
    else if (line.trim()) out.push(h('p', { text: line }));
  }
  return h('div', { class: 'md' }, out);
}

/** plansTab builds the Plans tab. */
export async function plansTab(ctx) {
  const host = h('div', { id: 'plans-list', class: 'cards-col' });
  const threads = new Set(); // plans whose comments are open survive a live reload
  const load = async (highlight) => {
    try {
      const items = await listAll(`${ctx.base}/plans`, 200);
      replace(host, items.length ? items.map((p) => planCard(ctx, p, load, threads)) : empty('No plans shared yet.'));
      if (highlight) flash(byData(host, highlight));
    } catch (e) { replace(host, empty(e.status === 404 ? 'Plans are not available on this server yet.' : e.message)); }
  };
  await load();
  const node = h('div', { class: 'plans' }, h('section', { class: 'panel' }, h('h2', { text: 'Plans' }), host), planForm(ctx, null, (p) => load(p.id)));
  return { node, onEvent: (ev) => load((ev.data && ev.data.plan_id) || ev.subject_id) };
}

function planCard(ctx, p, reload, threads) {
  const mine = p.author_id === state.me.id || (state.users.get(p.author_id) || {}).org_id === state.me.org_id;
  const extra = h('div', { class: 'plan-extra' });
  const body = h('div', { class: 'plan-body' }, p.body ? markdown(p.body) : null);
  const buttons = [];
  // Lists carry no body: reading a plan is a request of its own (and, for a
  // confidential plan, an entry in its access log), made when a person opens it.
  const open = async () => {
    try {
      const full = await api(`${ctx.base}/plans/${encodeURIComponent(p.id)}`);
      Object.assign(p, full);
      replace(body, markdown(full.body || ''));
      readBtn.hidden = true;
    } catch (e) { replace(body, empty(e.message)); }
  };
  const readBtn = h('button', { type: 'button', class: 'small read-plan', text: 'Read plan', hidden: !!p.body, onclick: open });
  buttons.push(readBtn);
  if (mine) {
    buttons.push(h('button', { type: 'button', class: 'link', text: 'Access log', onclick: async () => {
      try {
        const log = await listAll(`${ctx.base}/plans/${encodeURIComponent(p.id)}/access-log`, 500);
        replace(extra, h('h4', { text: 'Who read it' }), log.length ? table([
          { label: 'Reader', cell: (e) => e.user_name || userName(e.user_id) },
          { label: 'When', cell: (e) => dateTime(e.at || e.read_at || e.created_at) },
        ], log) : empty('Nobody has read it yet.'));
      } catch (e) { replace(extra, empty(e.message)); }
    } }));
    buttons.push(h('button', { type: 'button', class: 'link', text: 'Edit', onclick: async () => {
      if (!readBtn.hidden) await open();
      replace(extra, planForm(ctx, p, () => reload(p.id)));
    } }));
  }
  const showComments = () => { threads.add(p.id); replace(extra, commentThread(ctx, 'plan', p.id)); };
  buttons.push(h('button', { type: 'button', class: 'link comments-toggle', text: 'Comments', onclick: showComments }));
  if (threads.has(p.id)) showComments();
  return h('article', { class: 'card plan', dataset: { id: p.id } },
    h('div', { class: 'card-head' }, h('h3', { text: p.title }), p.confidential ? badge('confidential', 'Confidential') : badge('shared', 'Shared')),
    h('p', { class: 'muted', text: `${p.horizon_start || p.horizon_end ? `${date(p.horizon_start)} – ${date(p.horizon_end)}` : 'No horizon'} · by ${userName(p.author_id)}` }),
    (p.tags || []).length ? h('p', { class: 'tags' }, p.tags.map((t) => h('span', { class: 'tag', text: t }))) : null,
    p.confidential ? h('p', { class: 'readers', text: `Readers: ${(p.reader_ids || []).map(userName).join(', ') || 'none'}` }) : null,
    body,
    h('div', { class: 'card-actions' }, buttons), extra);
}

function planForm(ctx, plan, done) {
  const people = [...usersOf(ctx.rel.supplier.id), ...usersOf(ctx.rel.buyer.id)];
  const readers = new Set((plan && plan.reader_ids) || []);
  const form = h('form', { class: 'panel stack plan-form', novalidate: true },
    h('h2', { text: plan ? 'Edit plan' : 'Share a plan' }),
    formErrorBox(),
    field('Title', input('title', { required: true, maxlength: 200, value: plan ? plan.title : '' })),
    field('Plan (Markdown)', textarea('body', { rows: 5, value: plan ? plan.body : '' })),
    h('div', { class: 'grid-2' },
      field('Horizon start', input('horizon_start', { type: 'date', value: plan ? plan.horizon_start || '' : '' })),
      field('Horizon end', input('horizon_end', { type: 'date', value: plan ? plan.horizon_end || '' : '' }))),
    field('Tags', input('tags', { value: plan ? (plan.tags || []).join(', ') : '' }), { hint: 'Comma separated.' }),
    h('div', { class: 'field check', dataset: { field: 'confidential' } }, h('label', {}, h('input', { type: 'checkbox', name: 'confidential', checked: plan && plan.confidential }), ' Confidential: only the readers below and our admins can see it'), h('p', { class: 'field-error', role: 'alert' })),
    h('fieldset', { class: 'field readers-field', dataset: { field: 'reader_ids' } }, h('legend', { text: 'Readers' }),
      h('div', { class: 'checks' }, people.map((u) => h('label', {}, h('input', { type: 'checkbox', name: 'reader', value: u.id, checked: readers.has(u.id) }), ` ${u.name}`))),
      h('p', { class: 'field-error', role: 'alert' })),
    h('button', { type: 'submit', class: 'primary', text: plan ? 'Save plan' : 'Share plan' }));
  // Readers matter only for a confidential plan.
  const readersBox = form.querySelector('.readers-field');
  const syncReaders = () => { readersBox.hidden = !form.confidential.checked; };
  form.confidential.addEventListener('change', syncReaders);
  syncReaders();
  onSubmit(form, async (v) => {
    const body = {
      title: v.title, body: v.body, horizon_start: v.horizon_start || null, horizon_end: v.horizon_end || null,
      tags: String(v.tags || '').split(',').map((t) => t.trim()).filter(Boolean),
      confidential: form.confidential.checked,
      reader_ids: [...form.querySelectorAll('input[name=reader]:checked')].map((c) => c.value),
    };
    const res = plan
      ? await api(`${ctx.base}/plans/${encodeURIComponent(plan.id)}`, { method: 'PATCH', body, headers: ifMatch(plan) })
      : await api(`${ctx.base}/plans`, { body });
    if (!plan) { form.reset(); syncReaders(); }
    toast(plan ? 'Plan saved.' : 'Plan shared.');
    await done(res);
  });
  return form;
}
