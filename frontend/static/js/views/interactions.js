// Interactions: meetings, calls, visits, emails and trainings, with who took part
// (and their department) and who initiated them.
import { api } from '../api.js';
import { h, replace, empty, flash, byData, badge, table, humanize } from '../dom.js';
import { dateTime } from '../fmt.js';
import { field, input, select, textarea, formErrorBox, onSubmit, toast } from '../forms.js';
import { state, usersOf } from '../state.js';

const KINDS = ['meeting', 'call', 'visit', 'email', 'training'];

function person(id) {
  const u = state.users.get(id);
  return u ? `${u.name} (${humanize(u.department || '')})` : 'someone';
}

/** interactionsTab builds the Interactions tab. */
export async function interactionsTab(ctx) {
  const host = h('div', { id: 'interactions' });
  const load = async (highlight) => {
    try {
      const res = await api(`${ctx.base}/interactions?limit=200`);
      const items = res.items || [];
      const byDept = (res.summary && res.summary.by_department) || [];
      // Who meets the customer: engineers and production, not only sales.
      const who = byDept.length ? h('div', { class: 'dept-summary' }, h('h3', { text: 'Who meets whom (by department)' }),
        h('ul', { class: 'chips' }, byDept.map((d) => h('li', { class: `chip side-${d.side}` }, `${humanize(d.side)} · ${humanize(d.department)}: `, h('strong', { text: String(d.interactions) }))))) : null;
      replace(host, who, items.length ? table([
        { label: 'When', cell: (i) => dateTime(i.occurred_at) },
        { label: 'Kind', cell: (i) => badge(i.kind) },
        { label: 'Initiated by', cell: (i) => humanize(i.initiated_by || '') },
        { label: 'Participants', cell: (i) => (i.participants ? i.participants.map((x) => `${x.name} (${humanize(x.side)}, ${humanize(x.department)})`) : (i.participant_ids || []).map(person)).join(', ') || '—' },
        { label: 'Summary', cell: (i) => h('span', { class: 'pre', text: i.summary || '' }) },
      ], items, { rowId: (i) => i.id }) : empty('No interactions logged.'));
      if (highlight) flash(byData(host, highlight));
    } catch (e) { replace(host, empty(e.status === 404 ? 'Interactions are not available on this server yet.' : e.message)); }
  };
  await load();
  const node = h('div', { class: 'interactions' }, h('section', { class: 'panel' }, h('h2', { text: 'Interaction log' }), host), interactionForm(ctx, (i) => load(i.id)));
  return { node, onEvent: (ev) => load((ev.data && ev.data.interaction_id) || ev.subject_id) };
}

function localNow() {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

function interactionForm(ctx, done) {
  const people = [...usersOf(ctx.rel.supplier.id), ...usersOf(ctx.rel.buyer.id)];
  const form = h('form', { class: 'panel stack', id: 'interaction-form', novalidate: true },
    h('h2', { text: 'Log an interaction' }),
    formErrorBox(),
    h('div', { class: 'grid-2' },
      field('Kind', select('kind', KINDS.map((k) => [k, humanize(k)]))),
      field('When', input('occurred_at', { type: 'datetime-local', value: localNow() }))),
    field('Initiated by', select('initiated_by', [[ctx.side, 'Us'], [ctx.side === 'buyer' ? 'supplier' : 'buyer', 'Them']])),
    h('fieldset', { class: 'field', dataset: { field: 'participant_ids' } }, h('legend', { text: 'Participants' }),
      h('div', { class: 'checks' }, people.map((u) => h('label', {}, h('input', { type: 'checkbox', name: 'participant', value: u.id, checked: u.id === state.me.id }), ` ${u.name} · ${humanize(u.department || '')}`))),
      h('p', { class: 'field-error', role: 'alert' })),
    field('Summary', textarea('summary', { rows: 3, required: true })),
    h('button', { type: 'submit', class: 'primary', text: 'Log interaction' }));
  onSubmit(form, async (v) => {
    const body = {
      kind: v.kind, occurred_at: v.occurred_at ? new Date(v.occurred_at).toISOString() : '', summary: v.summary, initiated_by: v.initiated_by,
      participant_ids: [...form.querySelectorAll('input[name=participant]:checked')].map((c) => c.value),
    };
    const i = await api(`${ctx.base}/interactions`, { body });
    form.reset();
    toast('Interaction logged.');
    await done(i);
  });
  return form;
}
