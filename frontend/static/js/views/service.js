// Service: after-sales tickets with SLA countdowns (first response, resolution)
// and breach badges; each side's status actions; opening a ticket.
import { api, ifMatch } from '../api.js';
import { h, replace, empty, flash, byData, badge, humanize } from '../dom.js';
import { relative, dateTime, number } from '../fmt.js';
import { field, input, select, textarea, formErrorBox, onSubmit, toast, showErrors } from '../forms.js';
import { userName, usersOf } from '../state.js';
import { commentThread } from './comments.js';
import { describe } from './activity.js';

const TYPES = ['installation', 'application_help', 'repair', 'maintenance', 'complaint', 'question'];
const SEVERITIES = ['low', 'normal', 'high', 'critical'];

/** sla describes one SLA clock: met, breached, or a countdown. */
export function sla(label, due, doneAt, met, breached, now = Date.now()) {
  if (!due) return null;
  if (breached || met === false || (!doneAt && new Date(due).getTime() < now)) {
    return h('span', { class: 'sla breach' }, badge('breached', `${label} breached`), doneAt ? '' : ` ${relative(due, now)}`);
  }
  if (doneAt || met === true) return h('span', { class: 'sla met' }, badge('met', `${label} met`));
  return h('span', { class: 'sla running', 'data-due': due }, `${label} due ${relative(due, now)}`);
}

function actionsFor(side, status) {
  if (side === 'supplier') {
    return ({ open: [['acknowledged', 'Acknowledge']], acknowledged: [['in_progress', 'Start work']], in_progress: [['resolved', 'Resolve']] })[status] || [];
  }
  return ({ resolved: [['closed', 'Close'], ['open', 'Reopen']], closed: [['open', 'Reopen']] })[status] || [];
}

/** serviceTab builds the Service tab. */
export async function serviceTab(ctx) {
  const host = h('div', { id: 'tickets' });
  const summary = h('p', { class: 'summary' });
  const open = new Set();
  const load = async (highlight) => {
    try {
      const res = await api(`${ctx.base}/tickets?limit=200`);
      const items = res.items || [];
      const c = (res.summary && res.summary.complaints) || { count: items.filter((t) => t.type === 'complaint').length };
      const breached = items.filter((t) => t.first_response_breached || t.resolution_breached || (t.sla_met && (t.sla_met.first_response === false || t.sla_met.resolution === false))).length;
      replace(summary, `${items.filter((t) => !['resolved', 'closed'].includes(t.status)).length} open · ${c.count} complaints`,
        c.open !== undefined ? ` (${c.open} open${c.mean_resolution_hours ? `, resolved in ${number(c.mean_resolution_hours, 1)} h on average` : ''})` : '',
        ` · ${breached} with a breached SLA`);
      replace(host, items.length ? items.map((t) => ticketCard(ctx, t, load, open)) : empty('No tickets.'));
      if (highlight) flash(byData(host, highlight));
    } catch (e) { replace(host, empty(e.status === 404 ? 'Service tickets are not available on this server yet.' : e.message)); }
  };
  await load();
  // Countdowns move on without reloading.
  const timer = setInterval(() => {
    for (const el of host.querySelectorAll('.sla.running')) el.lastChild.textContent = el.lastChild.textContent.replace(/due .*/, `due ${relative(el.dataset.due)}`);
  }, 30000);
  const node = h('div', { class: 'service' }, h('section', { class: 'panel' }, h('h2', { text: 'Service tickets' }), summary, host), ticketForm(ctx, (t) => load(t.id)));
  return { node, onEvent: (ev) => load((ev.data && ev.data.ticket_id) || ev.subject_id), dispose: () => clearInterval(timer) };
}

function ticketCard(ctx, t, reload, open) {
  const extra = h('div');
  const acts = actionsFor(ctx.side, t.status).map(([to, label]) => h('button', { type: 'button', class: 'small', text: label, onclick: async () => {
    try {
      await api(`${ctx.base}/tickets/${encodeURIComponent(t.id)}/status`, { body: { status: to }, headers: ifMatch(t) });
      await reload(t.id);
    } catch (e) { toast(e.message, 'error'); if (e.status === 412) reload(t.id); }
  } }));
  const showComments = async () => {
    open.add(t.id);
    const history = h('ol', { class: 'history' });
    replace(extra, h('div', { class: 'order-detail' }, h('div', {}, h('h4', { text: 'History' }), history), commentThread(ctx, 'ticket', t.id)));
    try {
      const full = await api(`${ctx.base}/tickets/${encodeURIComponent(t.id)}`);
      replace(history, (full.history || []).map((ev) => h('li', {}, h('time', { datetime: ev.at, text: dateTime(ev.at) }), ' ', describe(ev))));
    } catch (e) { replace(history, h('li', { text: e.message })); }
  };
  if (open.has(t.id)) showComments();
  const m = t.sla_met || {};
  return h('article', { class: ['card', 'ticket', `sev-${t.severity}`], dataset: { id: t.id } },
    h('div', { class: 'card-head' }, h('h3', {}, t.number ? h('span', { class: 'muted', text: `${t.number} · ` }) : null, t.title), badge(t.status)),
    h('p', { class: 'muted' }, badge(t.severity), ' ', humanize(t.type), ` · opened ${dateTime(t.created_at)}`, t.assignee_id ? ` · ${userName(t.assignee_id)}` : ''),
    h('p', { class: 'slas' }, sla('First response', t.first_response_due_at, t.first_responded_at, m.first_response, t.first_response_breached), ' ',
      sla('Resolution', t.resolution_due_at, t.resolved_at, m.resolution, t.resolution_breached)),
    ctx.side === 'supplier' && !['closed'].includes(t.status) ? assignForm(ctx, t, reload) : null,
    t.body ? h('p', { class: 'ticket-body', text: t.body }) : null,
    h('div', { class: 'card-actions' }, acts, h('button', { type: 'button', class: 'link', text: 'History and comments', onclick: showComments })),
    extra);
}

function assignForm(ctx, t, reload) {
  const people = usersOf(ctx.rel.supplier.id);
  const sel = select('assignee_id', [['', 'Unassigned'], ...people.map((u) => [u.id, u.name])], { class: 'assignee' });
  sel.value = t.assignee_id || '';
  const form = h('form', { class: 'inline-form assign-form', novalidate: true }, field('Assignee', sel));
  sel.addEventListener('change', async () => {
    try {
      await api(`${ctx.base}/tickets/${encodeURIComponent(t.id)}`, { method: 'PATCH', body: { assignee_id: sel.value || null }, headers: ifMatch(t) });
      await reload(t.id);
    } catch (e) { showErrors(form, e); }
  });
  return form;
}

function ticketForm(ctx, done) {
  const form = h('form', { class: 'panel stack', id: 'ticket-form', novalidate: true },
    h('h2', { text: ctx.side === 'buyer' ? 'Ask for service' : 'Open a ticket for the customer' }),
    formErrorBox(),
    h('div', { class: 'grid-2' },
      field('Type', select('type', TYPES.map((x) => [x, humanize(x)]))),
      field('Severity', select('severity', SEVERITIES.map((x) => [x, humanize(x)]), { value: 'normal' }))),
    field('Title', input('title', { required: true, maxlength: 200 })),
    field('What happened', textarea('body', { rows: 3 })),
    h('button', { type: 'submit', class: 'primary', text: 'Open ticket' }));
  form.querySelector('select[name=severity]').value = 'normal';
  onSubmit(form, async (v) => {
    const t = await api(`${ctx.base}/tickets`, { body: { type: v.type, severity: v.severity, title: v.title, body: v.body } });
    form.reset();
    toast('Ticket opened.');
    await done(t);
  });
  return form;
}
