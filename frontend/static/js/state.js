// What the page knows about the signed-in person: who they are, their
// relationships, and the names of the people they work with.
import { api, listAll } from './api.js';

export const state = { me: null, rels: [], users: new Map() };

/** loadMe fetches the person and their relationships. */
export async function loadMe() {
  state.me = await api('/me');
  state.rels = await listAll('/relationships');
  return state;
}

/** rel returns a relationship by id, or null. */
export function rel(id) {
  return state.rels.find((r) => r.id === id) || null;
}

/** partner is the other organization of a relationship. */
export function partner(r) {
  return r.my_side === 'supplier' ? r.buyer : r.supplier;
}

/** loadUsers caches the users of the given organizations (names for ids). */
export async function loadUsers(orgIds) {
  await Promise.all(orgIds.map(async (org) => {
    if (state.users.has(`org:${org}`)) return;
    try {
      const users = await listAll(`/orgs/${encodeURIComponent(org)}/users`);
      for (const u of users) state.users.set(u.id, u);
      state.users.set(`org:${org}`, users);
    } catch { state.users.set(`org:${org}`, []); }
  }));
}

/** usersOf returns the cached users of an organization. */
export function usersOf(orgId) { return state.users.get(`org:${orgId}`) || []; }

/** userName names a user id, or says who it is not. */
export function userName(id) {
  if (!id) return '—';
  const u = state.users.get(id);
  return u ? u.name : 'someone';
}
