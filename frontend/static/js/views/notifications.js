// The notification count in the top bar and the list behind it. The count starts
// from the server's unread notifications and grows with every change another
// person makes live (an event on the stream, or a pushed notification; each
// counted once), so whatever the other side does is noticed without a reload.
import { api } from '../api.js';
import { h, replace, empty } from '../dom.js';
import { dateTime } from '../fmt.js';
import { state, rel, partner } from '../state.js';
import * as live from '../live.js';
import { describe } from './activity.js';

let unread = 0;
let serverBacked = false;
const counted = new Set(); // "relationship:seq" already in the count
let recent = [];

function show() {
  const n = document.getElementById('bell-count');
  n.textContent = String(unread);
  n.hidden = unread === 0;
  document.getElementById('bell').setAttribute('aria-label', `Notifications, ${unread} unread`);
}

function count(relId, ev, item) {
  const key = `${relId}:${ev.seq}`;
  if (counted.has(key)) return;
  counted.add(key);
  unread += 1;
  recent.unshift(item);
  recent = recent.slice(0, 30);
  show();
}

/** initNotifications loads the unread count and listens to the stream. */
export async function initNotifications() {
  const bell = document.getElementById('bell');
  if (!bell.dataset.wired) {
    bell.dataset.wired = '1';
    bell.addEventListener('click', toggle);
    document.addEventListener('keydown', (e) => {
      const panel = document.getElementById('notes');
      if (e.key === 'Escape' && !panel.hidden) { panel.hidden = true; bell.setAttribute('aria-expanded', 'false'); bell.focus(); }
    });
    live.onNotification((n) => {
      const ev = n.event || {};
      count(n.relationship_id || ev.relationship_id, ev, n);
    });
    live.onEvent((relId, ev) => {
      if (!state.me || ev.actor_id === state.me.id) return;
      count(relId, ev, { relationship_id: relId, event: ev, created_at: ev.at });
    });
  }
  try {
    const res = await api('/notifications?unread=true&limit=1');
    serverBacked = true;
    unread = Number(res.unread_count) || 0;
  } catch { serverBacked = false; unread = 0; }
  show();
}

async function toggle() {
  const panel = document.getElementById('notes');
  const bell = document.getElementById('bell');
  if (!panel.hidden) { panel.hidden = true; bell.setAttribute('aria-expanded', 'false'); return; }
  let items = recent;
  if (serverBacked) {
    try {
      const res = await api('/notifications?limit=30');
      const seen = new Set((res.items || []).map((n) => `${n.relationship_id}:${n.seq}`));
      items = [...recent.filter((n) => !seen.has(`${n.relationship_id}:${(n.event || {}).seq}`)), ...(res.items || [])];
    } catch { items = recent; }
  }
  replace(panel, h('div', { class: 'notes-head' }, h('h2', { text: 'Notifications' }),
    h('button', { type: 'button', class: 'link', text: 'Close', onclick: () => { panel.hidden = true; bell.setAttribute('aria-expanded', 'false'); bell.focus(); } })),
  items.length ? h('ul', { class: 'notes-list' }, items.map(item)) : empty('Nothing new.'));
  panel.hidden = false;
  bell.setAttribute('aria-expanded', 'true');
  if (serverBacked && unread > 0) api('/notifications/read', { body: { all: true } }).catch(() => {});
  unread = 0;
  show();
}

function item(n) {
  const ev = n.event || n;
  const r = rel(n.relationship_id || ev.relationship_id);
  const where = r ? partner(r).name : '';
  const link = r ? `#/rel/${encodeURIComponent(r.id)}/activity` : '#/';
  return h('li', { class: n.read === false ? 'unread' : null }, h('a', { href: link, text: describe(ev) }),
    h('small', { class: 'muted', text: ` ${where} · ${dateTime(n.created_at || ev.at)}` }));
}
