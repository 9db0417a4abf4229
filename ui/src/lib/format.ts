import { toNumber, type FloatJson } from '../api/types';

/** Local time as MLflow's UI shows it: `2026-11-29 14:03:07`. Built by hand: the first
 * Intl.DateTimeFormat of a page costs ~20 ms (locale data), paid before the first rows. */
export function formatTime(ms?: number): string {
  if (ms === undefined || ms === null) return '—';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** A count with thousands separators (`12,345`), without Intl's first-use cost. */
export function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : String(n);
}

export function formatDuration(start?: number, end?: number, now = Date.now()): string {
  if (start === undefined) return '—';
  const ms = Math.max(0, (end ?? now) - start);
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function formatValue(v: FloatJson | undefined): string {
  if (v === undefined) return '';
  const n = toNumber(v);
  // Never throws on what is not a number: a table cell renders whatever it holds.
  if (typeof n !== 'number') return String(n);
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '−∞';
  if (Object.is(n, -0)) return '-0';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return n.toExponential(4);
  return String(Number(n.toPrecision(6)));
}

export function relativeTime(ms?: number, now = Date.now()): string {
  if (ms === undefined) return '';
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}
