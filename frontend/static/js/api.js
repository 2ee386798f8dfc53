// The JSON API client: bearer tokens, refresh before expiry and on 401 (one
// refresh at a time, the request retried), and problem+json errors as ApiError.

const KEY = 'rapport.session';
const listeners = new Set();
let session = load();
let refreshing = null;
let refreshTimer = 0;
let reauthHandler = null;

/** ApiError is a problem+json answer (RFC 9457) or a network failure. */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `Request failed (${status})`);
    this.status = status;
    this.problem = problem || {};
    this.errors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

function load() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { return null; }
}

function save(s) {
  session = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s)); else sessionStorage.removeItem(KEY);
  schedule();
  for (const fn of listeners) fn(session);
}

/** currentSession returns the stored tokens (or null). */
export function currentSession() { return session; }

/** onSession calls fn whenever the session changes (sign in, refresh, sign out). */
export function onSession(fn) { listeners.add(fn); }

/** setReauth installs what runs when the refresh token no longer works: it must
 * resolve once the person has signed in again (the page keeps its state). */
export function setReauth(fn) { reauthHandler = fn; }

/** adopt stores a token pair from login or invitation acceptance. */
export function adopt(pair) {
  const expiresIn = Number(pair.expires_in) || 900;
  save({ access_token: pair.access_token, refresh_token: pair.refresh_token, expires_at: Date.now() + expiresIn * 1000 });
}

function schedule() {
  clearTimeout(refreshTimer);
  if (!session || !session.refresh_token) return;
  // Rotate at 80 % of the token's life so a request rarely meets an expired one.
  const left = (session.expires_at || 0) - Date.now();
  const wait = Math.max(1000, left * 0.8);
  refreshTimer = setTimeout(() => { refresh().catch(() => {}); }, Math.min(wait, 2 ** 31 - 1));
}

/** refresh rotates the token pair; concurrent callers share one request. */
export function refresh() {
  if (refreshing) return refreshing;
  const token = session && session.refresh_token;
  if (!token) return Promise.reject(new ApiError(401, { detail: 'Not signed in.' }));
  refreshing = (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh_token: token }),
      });
      const body = await readBody(res);
      if (!res.ok) throw new ApiError(res.status, body);
      adopt(body);
      return session;
    } finally { refreshing = null; }
  })();
  return refreshing;
}

/** logout revokes the refresh token and forgets the session. */
export async function logout() {
  const token = session && session.refresh_token;
  save(null);
  if (token) {
    await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh_token: token }) }).catch(() => {});
  }
}

async function readBody(res) {
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) return res.json().catch(() => null);
  return res.text();
}

/**
 * api calls /api/v1 + path. opts: method, body (JSON unless raw), raw (a string
 * body sent as is), contentType, headers, auth (default true). Resolves with the
 * decoded body; the response object is on result.$response for ETags.
 */
export async function api(path, opts = {}) {
  // sessionStorage is the source of truth (a reload, or a test, may change it).
  const stored = load();
  if (stored && (!session || stored.access_token !== session.access_token)) session = stored;
  const send = () => {
    const headers = { ...(opts.headers || {}) };
    let body;
    if (opts.raw !== undefined) { body = opts.raw; headers['Content-Type'] = opts.contentType || 'text/plain'; }
    else if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['Content-Type'] = 'application/json'; }
    if (opts.auth !== false && session) headers.Authorization = `Bearer ${session.access_token}`;
    return fetch(`/api/v1${path}`, { method: opts.method || (body ? 'POST' : 'GET'), headers, body });
  };
  let res;
  try { res = await send(); } catch (e) { throw new ApiError(0, { detail: 'The server cannot be reached. Check your connection and try again.' }); }
  if (res.status === 401 && opts.auth !== false && session) {
    try { await refresh(); } catch (e) {
      if (!reauthHandler) throw e;
      await reauthHandler();
    }
    res = await send();
  }
  const body = await readBody(res);
  if (!res.ok) throw new ApiError(res.status, typeof body === 'object' ? body : { detail: String(body || '') });
  return body;
}

/** list fetches every page of a list endpoint up to max items. */
export async function listAll(path, max = 1000) {
  const items = [];
  let cursor = '';
  const sep = path.includes('?') ? '&' : '?';
  for (;;) {
    const page = await api(`${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...((page && page.items) || []));
    cursor = page && page.next_cursor;
    if (!cursor || items.length >= max) return items;
  }
}

/** ifMatch is the If-Match header for an object with a version. */
export function ifMatch(obj) {
  return obj && obj.version ? { 'If-Match': `"${obj.version}"` } : {};
}

/** newKey returns a random idempotency key. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

schedule();
