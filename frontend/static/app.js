// Rapport web page: sign in and list relationships. Uses only the public API.
const main = document.getElementById('main');
let session = JSON.parse(sessionStorage.getItem('rapport') || 'null');

async function api(path, opts = {}) {
  const headers = { 'Content-Type': 'application/json', ...(opts.headers || {}) };
  if (session) headers.Authorization = 'Bearer ' + session.access_token;
  const res = await fetch('/api/v1' + path, { ...opts, headers });
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw body;
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function showLogin(message = '') {
  const form = el('form', { id: 'login' },
    el('label', {}, 'Email', el('input', { name: 'email', type: 'email', autocomplete: 'username', required: '' })),
    el('label', {}, 'Password', el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: '' })),
    el('button', { type: 'submit' }, 'Sign in'),
    el('p', { class: 'error', role: 'alert' }, message));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    try {
      session = await api('/auth/login', { method: 'POST', body: JSON.stringify(data) });
      sessionStorage.setItem('rapport', JSON.stringify(session));
      showHome();
    } catch (p) { showLogin(p.detail || 'Sign-in failed'); }
  });
  main.replaceChildren(el('h1', {}, 'Sign in'), form);
}

async function showHome() {
  const me = await api('/me');
  document.getElementById('who').textContent = `${me.name} · ${me.org_name}`;
  const rels = await api('/relationships');
  const list = el('ul', { id: 'relationships' });
  for (const r of rels.items) {
    const partner = r.my_side === 'supplier' ? r.buyer : r.supplier;
    list.append(el('li', {}, `${partner.name} (you are the ${r.my_side})`));
  }
  main.replaceChildren(el('h1', {}, 'Relationships'), list);
}

if (session) showHome().catch(() => showLogin()); else showLogin();
