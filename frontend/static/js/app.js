// Rapport web page: a hash router over the views. Uses only the public JSON API
// and the websocket stream.
import { currentSession, logout, setReauth } from './api.js';
import { replace, h } from './dom.js';
import { state, loadMe } from './state.js';
import * as live from './live.js';
import { showLogin, showInvite, reauthDialog } from './views/login.js';
import { showHome } from './views/home.js';
import { showWorkspace } from './views/workspace.js';
import { initNotifications } from './views/notifications.js';

const main = document.getElementById('main');
let current = null; // the shown view's cleanup

setReauth(reauthDialog);

let routeSeq = 0;

async function route() {
  const seq = ++routeSeq;
  if (current) { current(); current = null; }
  const hash = location.hash.replace(/^#/, '') || '/';
  const parts = hash.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'invite' && parts[1]) { signedOutShell(); return showInvite(main, parts[1]); }
  if (!currentSession()) { signedOutShell(); return showLogin(main, start); }
  try {
    if (!state.me) await boot();
    // The view builds off-page and replaces the page only if no newer navigation
    // started while it loaded (that one owns the page then).
    const host = document.createElement('div');
    main.setAttribute('aria-busy', 'true');
    const view = parts[0] === 'rel' && parts[1] ? await showWorkspace(host, parts[1], parts[2] || '') : await showHome(host);
    if (seq !== routeSeq) { if (view) view(); return; }
    main.replaceChildren(...host.childNodes);
    main.removeAttribute('aria-busy');
    current = view;
  } catch (e) {
    if (seq !== routeSeq) return;
    main.removeAttribute('aria-busy');
    if (e.status === 401) { await logout(); signedOutShell(); return showLogin(main, start); }
    replace(main, h('div', { class: 'panel' }, h('h1', { text: 'Something went wrong' }), h('p', { text: e.message || String(e) })));
  }
  document.title = `${document.querySelector('main h1')?.textContent || 'Rapport'} · Rapport`;
}

let booting = null;

// boot loads the person once, however many routes ask for it at the same time.
function boot() {
  if (!booting) booting = doBoot().finally(() => { booting = null; });
  return booting;
}

async function doBoot() {
  await loadMe();
  document.getElementById('who').textContent = `${state.me.name} · ${state.me.org_name}`;
  for (const id of ['nav', 'signout', 'live', 'bell']) document.getElementById(id).hidden = false;
  live.onState((s) => {
    const el = document.getElementById('live');
    el.dataset.state = s;
    document.getElementById('live-text').textContent = s === 'live' ? 'Live' : s === 'connecting' ? 'Reconnecting…' : 'Offline';
  });
  live.track(state.rels);
  initNotifications();
}

function signedOutShell() {
  state.me = null;
  state.rels = [];
  state.users.clear(); // nothing of one person's view survives into the next sign-in
  document.getElementById('who').textContent = '';
  for (const id of ['nav', 'signout', 'live', 'bell']) document.getElementById(id).hidden = true;
}

function start() {
  state.me = null;
  if (location.hash.startsWith('#/invite') || location.hash === '#/login') location.hash = '#/';
  else route();
}

document.getElementById('signout').addEventListener('click', async () => {
  live.stop();
  await logout();
  state.me = null;
  location.hash = '#/';
  route();
});

// The skip link moves focus without touching the hash (the router owns it).
document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); main.focus(); });

window.addEventListener('hashchange', route);
route();

// Exposed for the browser tests: simulate a network drop of the stream.
window.rapportDropStream = live.drop;
