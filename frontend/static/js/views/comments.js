// A comment thread on any shared object. Bodies are shown as text (never parsed
// as HTML), so markup in a comment stays visible as typed.
import { api, listAll } from '../api.js';
import { h, replace, empty, flash, byData } from '../dom.js';
import { dateTime } from '../fmt.js';
import { userName } from '../state.js';
import { field, textarea, formErrorBox, onSubmit } from '../forms.js';

/** commentThread returns a node with the comments of a subject and a form. */
export function commentThread(ctx, subjectType, subjectId) {
  const list = h('ol', { class: 'comments', 'aria-live': 'polite' });
  const q = `subject_type=${encodeURIComponent(subjectType)}&subject_id=${encodeURIComponent(subjectId)}`;
  const load = async (highlight) => {
    try {
      const items = await listAll(`${ctx.base}/comments?${q}`, 500);
      replace(list, items.length ? items.map((c) => h('li', { class: 'comment', dataset: { id: c.id } },
        h('div', { class: 'comment-meta' }, h('strong', { text: userName(c.author_id) }), ' ', h('time', { datetime: c.created_at, text: dateTime(c.created_at) })),
        h('p', { class: 'comment-body', text: c.deleted_at ? '(deleted)' : c.body }))) : h('li', {}, empty('No comments yet.')));
      if (highlight) flash(byData(list, highlight));
    } catch (e) {
      replace(list, h('li', {}, empty(e.status === 404 ? 'Comments are not available on this server yet.' : e.message)));
    }
  };
  const form = h('form', { class: 'comment-form', novalidate: true },
    formErrorBox(),
    field('Add a comment', textarea('body', { rows: 2, required: true, maxlength: 10000 })),
    h('button', { type: 'submit', text: 'Post comment' }));
  onSubmit(form, async (v) => {
    const c = await api(`${ctx.base}/comments`, { body: { subject_type: subjectType, subject_id: subjectId, body: v.body } });
    form.reset();
    await load(c.id);
  });
  load();
  const node = h('div', { class: 'thread', dataset: { subject: `${subjectType}:${subjectId}` } }, h('h4', { text: 'Comments' }), list, form);
  node.reload = load;
  return node;
}
