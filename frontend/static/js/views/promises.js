// Promises: what the supplier promised this customer, who owns it, when it is
// due and how it turned out; the supplier records and resolves them.
import { api, ifMatch, listAll } from '../api.js';
import { h, replace, empty, flash, byData, badge, table, humanize } from '../dom.js';
import { date, today } from '../fmt.js';
import { field, input, select, formErrorBox, onSubmit, toast, showErrors } from '../forms.js';
import { userName, usersOf } from '../state.js';

const KINDS = ['delivery', 'service', 'feature', 'price', 'other'];

/** promisesTab builds the Promises tab. */
export async function promisesTab(ctx) {
  const host = h('div', { id: 'promises' });
  const load = async (highlight) => {
    try {
      const items = await listAll(`${ctx.base}/promises`, 500);
      const kept = items.filter((p) => p.status === 'kept').length;
      const broken = items.filter((p) => p.status === 'broken').length;
      replace(host, h('p', { class: 'summary', text: `${kept} kept · ${broken} broken · ${items.filter((p) => p.status === 'open').length} open` }),
        items.length ? table([
          { label: 'Promise', cell: (p) => p.description },
          { label: 'Kind', cell: (p) => humanize(p.kind) },
          { label: 'Owner', cell: (p) => userName(p.owner_id) },
          { label: 'Due', cell: (p) => h('span', { class: p.status === 'open' && p.due_date < today() ? 'overdue' : '', text: date(p.due_date) }) },
          { label: 'Outcome', cell: (p) => badge(p.status) },
          { label: '', cell: (p) => (ctx.side === 'supplier' && p.status === 'open' ? resolveForm(ctx, p, load) : '') },
        ], items, { rowId: (p) => p.id }) : empty('No promises recorded.'));
      if (highlight) flash(byData(host, highlight));
    } catch (e) { replace(host, empty(e.status === 404 ? 'Promises are not available on this server yet.' : e.message)); }
  };
  await load();
  const node = h('div', { class: 'promises' }, h('section', { class: 'panel' }, h('h2', { text: 'Promises' }), host), ctx.side === 'supplier' ? promiseForm(ctx, (p) => load(p.id)) : null);
  return { node, onEvent: (ev) => load((ev.data && ev.data.promise_id) || ev.subject_id) };
}

function resolveForm(ctx, p, reload) {
  const form = h('form', { class: 'inline-form', novalidate: true },
    field('Outcome', select('outcome', [['kept', 'Kept'], ['broken', 'Broken'], ['renegotiated', 'Renegotiated']])),
    field('New due date', input('new_due_date', { type: 'date' })),
    h('button', { type: 'submit', class: 'small', text: 'Resolve' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { outcome: form.outcome.value };
    if (form.new_due_date.value) body.new_due_date = form.new_due_date.value;
    try {
      await api(`${ctx.base}/promises/${encodeURIComponent(p.id)}/resolve`, { body, headers: ifMatch(p) });
      await reload(p.id);
    } catch (err) { showErrors(form, err); }
  });
  return form;
}

function promiseForm(ctx, done) {
  const people = usersOf(ctx.rel.supplier.id);
  const form = h('form', { class: 'panel stack', id: 'promise-form', novalidate: true },
    h('h2', { text: 'Record a promise' }),
    formErrorBox(),
    field('What was promised', input('description', { required: true, maxlength: 500 })),
    h('div', { class: 'grid-2' },
      field('Kind', select('kind', KINDS.map((k) => [k, humanize(k)]))),
      field('Owner', select('owner_id', people.map((u) => [u.id, u.name])))),
    field('Due date', input('due_date', { type: 'date', min: today(), value: today(14) })),
    h('button', { type: 'submit', class: 'primary', text: 'Record promise' }));
  onSubmit(form, async (v) => {
    const p = await api(`${ctx.base}/promises`, { body: { description: v.description, kind: v.kind, owner_id: v.owner_id, due_date: v.due_date } });
    form.reset();
    toast('Promise recorded.');
    await done(p);
  });
  return form;
}
