// Sign in, accept an invitation, and sign in again when the session ran out
// (a dialog over the page, so nothing typed is lost).
import { api, adopt } from '../api.js';
import { h, replace } from '../dom.js';
import { field, input, formErrorBox, onSubmit } from '../forms.js';

function loginForm(onDone, { idPrefix = 'login' } = {}) {
  const form = h('form', { class: 'stack', id: idPrefix, novalidate: true },
    formErrorBox(),
    field('Email', input('email', { type: 'email', autocomplete: 'username', required: true, id: `${idPrefix}-email` })),
    field('Password', input('password', { type: 'password', autocomplete: 'current-password', required: true, id: `${idPrefix}-password` })),
    h('button', { type: 'submit', class: 'primary', text: 'Sign in' }));
  return onSubmit(form, async (v) => {
    const pair = await api('/auth/login', { body: { email: v.email, password: v.password }, auth: false });
    adopt(pair);
    onDone();
  });
}

/** showLogin renders the sign-in page. */
export function showLogin(main, onDone) {
  replace(main, h('section', { class: 'auth-card' },
    h('h1', { text: 'Sign in to Rapport' }),
    h('p', { class: 'muted', text: 'Orders, forecasts, plans, ideas and service — shared between a supplier and its customers.' }),
    loginForm(onDone)));
  main.querySelector('input[name=email]').focus();
}

/** showInvite lets an invited buyer set their name and password. */
export function showInvite(main, token) {
  const form = h('form', { class: 'stack', id: 'invite', novalidate: true },
    formErrorBox(),
    field('Your name', input('name', { autocomplete: 'name', required: true })),
    field('Choose a password', input('password', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10 }), { hint: 'At least 10 characters.' }),
    h('button', { type: 'submit', class: 'primary', text: 'Accept invitation' }));
  onSubmit(form, async (v) => {
    const res = await api(`/invitations/${encodeURIComponent(token)}/accept`, { body: { name: v.name, password: v.password }, auth: false });
    adopt(res);
    // Changing the hash routes to the new relationship (signed in now).
    location.hash = res.relationship && res.relationship.id ? `#/rel/${encodeURIComponent(res.relationship.id)}` : '#/';
  });
  replace(main, h('section', { class: 'auth-card' },
    h('h1', { text: 'Accept your invitation' }),
    h('p', { class: 'muted', text: 'Your supplier invited you to Rapport. Set your name and a password to start.' }),
    form));
}

let pending = null;

/** reauthDialog asks for the password again; resolves when signed in. */
export function reauthDialog() {
  if (pending) return pending;
  pending = new Promise((resolve) => {
    const dlg = h('dialog', { class: 'reauth', 'aria-labelledby': 'reauth-title' },
      h('h2', { id: 'reauth-title', text: 'Your session has ended' }),
      h('p', { class: 'muted', text: 'Sign in again to continue. What you were doing stays on the page.' }),
      loginForm(() => { dlg.close(); dlg.remove(); pending = null; resolve(); }, { idPrefix: 'reauth' }));
    dlg.addEventListener('cancel', (e) => e.preventDefault());
    document.body.append(dlg);
    dlg.showModal();
  });
  return pending;
}
