// The notification count in the top bar and the list behind it. Counts come from
// GET /notifications and grow with every notification pushed on the stream;
// without that endpoint, events from the other side since the page opened count.
import { api } from '../api.js';
import { h, replace, empty } from '../dom.js';
import { dateTime } from '../fmt.js';
import { state, rel, partner } from '../state.js';
import * as live from '../live.js';
import { describe } from './activity.js';

let unread = 0;
let serverBacked = false;
let recent = [];

function show() {
  const n = document.getElementById('bell-count');
  n.textContent = String(unread);
  n.hidden = unread === 0;
  document.getElementById('bell').setAttribute('aria-label', `Notifications, ${unread} unread`);
}

/** initNotifications loads the unread count and listens to the stream. */
export async function initNotifications() {
  const bell = document.getElementById('bell');
  if (!bell.dataset.wired) {
    bell.dataset.wired = '1';
    bell.addEventListener('click', toggle);
    live.onNotification((n) => { if (serverBacked) { unread += 1; recent.unshift(n); show(); } });
    live.onEvent((relId, ev) => {
      if (serverBacked || !state.me) return;
      if (ev.actor_id === state.me.id) return;
      unread += 1;
      recent.unshift({ relationship_id: relId, event: ev, created_at: ev.at });
      show();
    });
  }
  try {
    const res = await api('/notifications?unread=true&limit=50');
    serverBacked = true;
    unread = Number(res.unread_count ?? (res.items || []).length) || 0;
  } catch { serverBacked = false; unread = 0; }
  show();
}

async function toggle() {
  const panel = document.getElementById('notes');
  if (!panel.hidden) { panel.hidden = true; return; }
  let items = recent;
  if (serverBacked) {
    try { items = (await api('/notifications?limit=30')).items || []; } catch { items = recent; }
  }
  replace(panel, h('div', { class: 'notes-head' }, h('h2', { text: 'Notifications' }),
    h('button', { type: 'button', class: 'link', text: 'Close', onclick: () => { panel.hidden = true; } })),
  items.length ? h('ul', { class: 'notes-list' }, items.map(item)) : empty('Nothing new.'));
  panel.hidden = false;
  if (serverBacked && unread > 0) {
    const ids = items.filter((n) => !n.read_at && n.id).map((n) => n.id);
    api('/notifications/read', { body: { ids } }).catch(() => {});
  }
  unread = 0;
  show();
}

function item(n) {
  const ev = n.event || n;
  const r = rel(n.relationship_id || ev.relationship_id);
  const where = r ? partner(r).name : '';
  const text = n.title || n.message || describe(ev);
  const link = r ? `#/rel/${encodeURIComponent(r.id)}/activity` : '#/';
  return h('li', {}, h('a', { href: link, text }), h('small', { class: 'muted', text: ` ${where} · ${dateTime(n.created_at || ev.at)}` }));
}
