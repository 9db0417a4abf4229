// The stage board's pure helpers: stage order and labels, alias checks, card text.

import { markdownToText } from '../lib/markdown';
import { STAGES, type BoardCard, type Stage } from './api';

/** What is being dragged on the board: a card (its version) or an alias badge (from a version). */
export type Drag = { kind: 'card' | 'alias'; value: string; from: string } | null;

/** A column's title ("None" is the versions not in any stage). */
export function stageLabel(s: Stage): string {
  return s === 'None' ? 'Unstaged' : s;
}

/** The column next to `s` (-1 left, +1 right), or null at the board's edge. */
export function neighbourStage(s: Stage, step: -1 | 1): Stage | null {
  const i = STAGES.indexOf(s);
  return STAGES[i + step] ?? null;
}

/** Moving to Staging or Production can archive the versions already there. */
export function archivable(to: Stage): boolean {
  return to === 'Staging' || to === 'Production';
}

/**
 * Why MLflow would refuse an alias name, or null when it is fine (letters, digits, `_`, `-`;
 * not `latest`, not `v<digits>`). Only a hint: the server has the last word.
 */
export function aliasProblem(alias: string): string | null {
  if (!alias) return null;
  if (!/^[\w-]+$/.test(alias)) return 'Use letters, digits, _ and - only';
  if (alias.toLowerCase() === 'latest') return '“latest” is reserved';
  if (/^v\d+$/i.test(alias)) return 'v<number> is reserved for versions';
  return null;
}

/** Alias → the version it points at, over the whole board. */
export function aliasMap(cards: BoardCard[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of cards) for (const a of c.aliases) m.set(a, c.version);
  return m;
}

/** The first lines of a markdown description as plain text (for a card's summary). */
export function plainText(md: string, maxChars = 220): string {
  const text = markdownToText(md)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(' · ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1).trimEnd()}…` : text;
}

/** `<input type="datetime-local" step="1">` value of a time (local), and back. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function fromLocalInput(v: string): number | null {
  if (!v) return null;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? ms : null;
}
