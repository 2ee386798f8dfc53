// The live stream: one websocket for the signed-in person, subscribed to each of
// their relationships. It remembers the last seq per relationship and, after a
// drop, reconnects with a fresh ticket and resubscribes with after_seq, so the
// server replays whatever was missed (no gap, no duplicate).
import { api } from './api.js';

const lastSeq = new Map(); // relationship id → last seq seen
const eventListeners = new Set();
const notificationListeners = new Set();
const stateListeners = new Set();
let socket = null;
let wanted = false;
let retry = 0;
let retryTimer = 0;
let state = 'offline';

/** track starts (or extends) the stream for these relationships. */
export function track(relationships) {
  for (const r of relationships) {
    if (!lastSeq.has(r.id)) {
      lastSeq.set(r.id, Number(r.last_seq) || 0);
      if (socket && socket.readyState === WebSocket.OPEN) subscribe(r.id);
    }
  }
  wanted = true;
  if (!socket) connect();
}

/** stop closes the stream (sign out). */
export function stop() {
  wanted = false;
  clearTimeout(retryTimer);
  lastSeq.clear();
  if (socket) socket.close(1000, 'signed out');
  socket = null;
  setState('offline');
}

/** onEvent calls fn(relationshipId, event) for every new event. */
export function onEvent(fn) { eventListeners.add(fn); return () => eventListeners.delete(fn); }

/** onNotification calls fn(notification, unreadCount) for every pushed notification. */
export function onNotification(fn) { notificationListeners.add(fn); return () => notificationListeners.delete(fn); }

/** onState calls fn('live' | 'connecting' | 'offline'). */
export function onState(fn) { stateListeners.add(fn); fn(state); return () => stateListeners.delete(fn); }

/** seqOf is the last seq seen on a relationship. */
export function seqOf(relId) { return lastSeq.get(relId) || 0; }

/** dropForTest closes the socket as a network failure would. */
export function drop() { if (socket) socket.close(4000, 'dropped'); }

function setState(s) {
  state = s;
  for (const fn of stateListeners) fn(s);
}

function subscribe(relId, ws = socket) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return; // the open handler subscribes everything
  ws.send(JSON.stringify({ type: 'subscribe', relationship_id: relId, after_seq: lastSeq.get(relId) || 0 }));
}

let connecting = false;

async function connect() {
  if (!wanted || connecting || socket) return;
  connecting = true;
  try { await open(); } finally { connecting = false; }
}

async function open() {
  setState('connecting');
  let ticket;
  try {
    ticket = (await api('/ws/ticket', { method: 'POST' })).ticket;
  } catch (e) {
    if (e.status === 404) { setState('offline'); return; } // this server has no stream
    return reconnectLater();
  }
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/api/v1/ws?ticket=${encodeURIComponent(ticket)}`);
  socket = ws;
  ws.addEventListener('open', () => {
    retry = 0;
    setState('live');
    for (const id of lastSeq.keys()) subscribe(id, ws);
  });
  ws.addEventListener('message', (m) => handle(m.data));
  ws.addEventListener('close', () => {
    if (socket === ws) socket = null;
    if (wanted) reconnectLater();
  });
  ws.addEventListener('error', () => {}); // close follows; reconnect happens there
}

function reconnectLater() {
  setState('connecting');
  clearTimeout(retryTimer);
  const wait = Math.min(15000, 500 * 2 ** retry) + Math.random() * 300;
  retry += 1;
  retryTimer = setTimeout(connect, wait);
}

function handle(data) {
  let msg;
  try { msg = JSON.parse(data); } catch { return; }
  if (msg.type === 'event' && msg.event) {
    const rel = msg.relationship_id || msg.event.relationship_id;
    const seq = Number(msg.event.seq) || 0;
    if (seq <= (lastSeq.get(rel) || 0)) return; // already seen (a replay overlap)
    lastSeq.set(rel, seq);
    for (const fn of eventListeners) fn(rel, msg.event);
  } else if (msg.type === 'notification') {
    for (const fn of notificationListeners) fn(msg.notification || {}, msg.unread_count);
  } else if (msg.type === 'subscribed' && msg.relationship_id && typeof msg.last_seq === 'number') {
    if (!lastSeq.get(msg.relationship_id)) lastSeq.set(msg.relationship_id, lastSeq.get(msg.relationship_id) || 0);
  }
}
