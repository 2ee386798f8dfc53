// Activity: the relationship's event log, newest first, growing live.
import { api } from '../api.js';
import { h, replace, empty, flash } from '../dom.js';
import { dateTime } from '../fmt.js';
import { humanize } from '../dom.js';
import { userName } from '../state.js';

const VERBS = {
  'order.submitted': 'placed an order', 'order.acknowledged': 'acknowledged an order', 'order.status_changed': 'moved an order',
  'order.cancelled': 'cancelled an order', 'order.rejected': 'rejected an order', 'forecast.revised': 'revised a forecast',
  'forecast.committed': 'committed capacity', 'plan.created': 'shared a plan', 'plan.updated': 'updated a plan',
  'idea.created': 'proposed an idea', 'idea.status_changed': 'moved an idea', 'comment.created': 'commented',
  'ticket.opened': 'opened a ticket', 'ticket.status_changed': 'moved a ticket', 'promise.created': 'made a promise',
  'promise.resolved': 'resolved a promise', 'interaction.logged': 'logged an interaction', 'health.alert': 'Health alert',
  'relationship.created': 'started the relationship', 'relationship.updated': 'changed the relationship settings', 'user.added': 'added a colleague',
  'comment.edited': 'edited a comment', 'comment.deleted': 'deleted a comment', 'ticket.sla_breached': 'noted a missed SLA on a ticket',
  'promise.renegotiated': 'renegotiated a promise', 'product.updated': 'updated a product',
};

/** describe turns an event into one sentence. */
export function describe(ev) {
  const d = ev.data || {};
  if (ev.type === 'health.alert') {
    const what = d.kind === 'silence' && d.days ? `no word from the customer for ${d.days} days (threshold ${d.threshold || 30})`
      : d.from && d.to ? `status fell from ${humanize(d.from)} to ${humanize(d.to)}` : humanize(d.kind || d.signal || '');
    return `Health alert: ${what}${d.next_step ? `. Next step: ${d.next_step}` : ''}`;
  }
  const who = ev.actor_id ? userName(ev.actor_id) : 'Someone';
  let s = `${who} ${VERBS[ev.type] || humanize(ev.type.replace('.', ' ')).toLowerCase()}`;
  const label = d.number || d.title || d.sku || '';
  if (label) s += ` ${label}`;
  if (d.from && d.to) s += ` (${humanize(d.from)} → ${humanize(d.to)})`;
  else if (d.to) s += ` → ${humanize(d.to)}`;
  return s;
}

function row(ev) {
  return h('li', { class: ['event', `ev-${ev.type.replace('.', '-')}`], dataset: { id: String(ev.seq), type: ev.type } },
    h('time', { datetime: ev.at, text: dateTime(ev.at) }), ' ', h('span', { class: 'ev-text', text: describe(ev) }),
    h('span', { class: 'ev-seq muted', text: ` #${ev.seq}` }));
}

/** activityTab builds the Activity tab. */
export async function activityTab(ctx) {
  const list = h('ol', { id: 'activity', class: 'feed', 'aria-live': 'polite' });
  let seen = 0;
  try {
    const head = await api(`${ctx.base}/events?limit=1`);
    const last = Number(head.last_seq) || 0;
    const page = await api(`${ctx.base}/events?after_seq=${Math.max(0, last - 100)}&limit=100`);
    const items = page.items || [];
    seen = items.reduce((m, e) => Math.max(m, e.seq), 0);
    replace(list, items.slice().reverse().map(row));
    if (!items.length) list.append(h('li', { class: 'empty', text: 'Nothing has happened yet.' }));
  } catch (e) { replace(list, h('li', {}, empty(e.message))); }
  const node = h('section', { class: 'panel' }, h('h2', { text: 'Activity' }), list);
  return {
    node,
    onEvent: (ev) => {
      if (ev.seq <= seen) return;
      seen = ev.seq;
      const placeholder = list.querySelector('.empty');
      if (placeholder) placeholder.remove();
      const r = row(ev);
      list.prepend(r);
      flash(r);
    },
  };
}
