// Form helpers: labelled controls, and the server's problem details shown next
// to the field they name (or at the top of the form when no field matches).
import { h, uid } from './dom.js';

/**
 * field wraps a control with its label and an error slot. name is the JSON
 * field the server reports errors for.
 */
export function field(label, control, { name, hint, wide } = {}) {
  const id = control.id || uid('in');
  control.id = id;
  const errId = `${id}-err`;
  const hintId = hint ? `${id}-hint` : null;
  control.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  const key = name || control.name;
  return h('div', { class: ['field', wide && 'wide'], dataset: key ? { field: key } : undefined },
    h('label', { for: id, text: label }),
    control,
    hint ? h('small', { id: hintId, class: 'hint', text: hint }) : null,
    h('p', { id: errId, class: 'field-error', role: 'alert' }));
}

/** input builds an <input>; props are attributes. */
export function input(name, props = {}) {
  return h('input', { name, type: 'text', ...props });
}

/** select builds a <select> from [value, label] pairs. */
export function select(name, options, props = {}) {
  return h('select', { name, ...props }, options.map(([v, l]) => h('option', { value: v, text: l })));
}

/** textarea builds a <textarea>. */
export function textarea(name, props = {}) {
  return h('textarea', { name, rows: 3, ...props });
}

/** formErrorBox is the form-level alert; put it at the top of a form. */
export function formErrorBox() {
  return h('div', { class: 'form-error', role: 'alert', hidden: true });
}

/** clearErrors removes every shown error from the form. */
export function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  for (const f of form.querySelectorAll('.field.invalid')) f.classList.remove('invalid');
  const box = form.querySelector('.form-error');
  if (box) { box.replaceChildren(); box.hidden = true; }
}

function findField(form, name) {
  // "lines[0].quantity" → try it, then "lines.quantity", then "lines".
  const tries = [name, name.replace(/\[\d+\]/g, ''), name.split(/[.[]/)[0]];
  for (const t of tries) {
    const el = form.querySelector(`.field[data-field="${CSS.escape(t)}"]`);
    if (el) return el;
  }
  return null;
}

/** showErrors puts an ApiError's field errors next to their fields. */
export function showErrors(form, err) {
  clearErrors(form);
  const box = form.querySelector('.form-error');
  const loose = [];
  let first = null;
  for (const e of err.errors || []) {
    const f = e.field ? findField(form, String(e.field)) : null;
    if (!f) { loose.push(e); continue; }
    f.classList.add('invalid');
    const slot = f.querySelector('.field-error');
    slot.textContent = slot.textContent ? `${slot.textContent}; ${e.message}` : e.message;
    const control = f.querySelector('input, select, textarea');
    if (control) { control.setAttribute('aria-invalid', 'true'); first = first || control; }
  }
  if (!box && (loose.length || !(err.errors || []).length)) {
    toast([err.message, ...loose.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message))].join(' — '), 'error');
  }
  if (box && (loose.length || !(err.errors || []).length)) {
    box.hidden = false;
    box.append(h('p', { text: err.message }));
    if (loose.length) box.append(h('ul', {}, loose.map((e) => h('li', { text: e.field ? `${e.field}: ${e.message}` : e.message }))));
  }
  if (first) first.focus();
}

/**
 * submitting wires a form: on submit it clears errors, disables the submit
 * button, runs fn(values) and shows any ApiError.
 */
export function onSubmit(form, fn) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const btn = form.querySelector('button[type=submit]');
    if (btn) btn.disabled = true;
    try {
      await fn(Object.fromEntries(new FormData(form)));
    } catch (err) {
      if (err && err.status !== undefined) showErrors(form, err); else { showErrors(form, { message: String(err && err.message || err), errors: [] }); }
    } finally {
      if (btn) btn.disabled = false;
    }
  });
  return form;
}

/** actionError shows an error of a one-click action in a toast. */
export function toast(message, kind = 'info') {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const t = h('div', { class: `toast toast-${kind}`, text: message });
  host.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 7000 : 3500);
}
