// Formatting in the user's locale with Intl. Money arrives as an exact decimal
// string with its currency; it is only converted to a number for display.

const locale = navigator.languages && navigator.languages.length ? navigator.languages[0] : navigator.language;
const moneyFormats = new Map();

/** money formats "1250.00" + "EUR" in the user's locale. */
export function money(amount, currency) {
  if (amount === null || amount === undefined || amount === '') return '—';
  const n = Number(amount);
  if (!Number.isFinite(n)) return String(amount);
  if (!currency) return number(n, 2);
  let f = moneyFormats.get(currency);
  if (!f) {
    try { f = new Intl.NumberFormat(locale, { style: 'currency', currency }); } catch { f = new Intl.NumberFormat(locale, { minimumFractionDigits: 2 }); }
    moneyFormats.set(currency, f);
  }
  return f.format(n);
}

/** number formats a number with at most digits fraction digits. */
export function number(n, digits = 0) {
  if (n === null || n === undefined || n === '') return '—';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(Number(n));
}

/** percent formats a ratio 0..1. */
export function percent(r) {
  if (r === null || r === undefined || Number.isNaN(Number(r))) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(Number(r));
}

/** date formats a YYYY-MM-DD date (no time zone shift) or a timestamp's date. */
export function date(s) {
  if (!s) return '—';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T12:00:00`) : new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(d);
}

/** dateTime formats an RFC 3339 time. */
export function dateTime(s) {
  if (!s) return '—';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** period formats "2026-03" as a short month and year. */
export function period(p) {
  const m = /^(\d{4})-(\d{2})$/.exec(p || '');
  if (!m) return String(p || '');
  return new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric' }).format(new Date(Number(m[1]), Number(m[2]) - 1, 15));
}

const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });

/** relative says "in 3 hours" or "2 days ago" for a time. */
export function relative(s, now = Date.now()) {
  const t = new Date(s).getTime();
  if (Number.isNaN(t)) return '';
  const diff = (t - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(Math.round(diff), 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

/**
 * today returns today's date plus offsetDays as YYYY-MM-DD, in UTC: the
 * server judges dates in UTC (a requested date may not be in the past, a
 * promise is overdue the day after its due date), so a browser west of UTC in
 * the evening must not offer its local date, already yesterday for the server.
 */
export function today(offsetDays = 0) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** month returns this month plus offsetMonths as YYYY-MM, in UTC (see today). */
export function month(offsetMonths = 0) {
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offsetMonths, 1));
  return `${m.getUTCFullYear()}-${pad2(m.getUTCMonth() + 1)}`;
}

function pad2(n) {
  return String(n).padStart(2, '0');
}

/** signed formats a change with its sign (+3, −2). */
export function signed(n) {
  if (n === null || n === undefined) return '—';
  const v = Number(n);
  if (v === 0) return '±0';
  return (v > 0 ? '+' : '−') + number(Math.abs(v), 1);
}

/** monthYear formats a date as a short month and year (chart axes). */
export function monthYear(s) {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(s || '') ? new Date(`${s}T12:00:00`) : new Date(s);
  if (Number.isNaN(d.getTime())) return String(s || '');
  return new Intl.DateTimeFormat(locale, { month: 'short', year: '2-digit' }).format(d);
}
