// Helpers for the registry pages: a version's MLmodel summary shown and compared, its
// files' download links, the text of an input example.

import type { FloatJson, KeyValue } from '../api/types';
import { toNumber } from '../api/types';
import type { MlModelSummary, SignatureField } from './api';

/** The first non-empty line of a description (the models list shows only that). */
export function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
}

/** A version's file as a browser downloads it (the desktop window cannot use this link). */
export function versionFileUrl(name: string, version: string, path: string): string {
  return `/model-versions/get-artifact?${new URLSearchParams({ name, version, path }).toString()}`;
}

/** An input example's text, pretty-printed when it is JSON. */
export function prettyExample(text: string): { text: string; json: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}

/** Requirements without blank lines and comments. */
export function requirementLines(lines: string[]): string[] {
  return lines.map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
}

/** `utc_time_created` (`2024-05-01 10:20:30.123456`, UTC) as ms, or undefined. */
export function mlmodelTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s.trim().replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1') + (/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? '' : 'Z'));
  return Number.isNaN(t) ? undefined : t;
}

// ---- comparing two versions ---------------------------------------------------------

export interface DiffRow {
  key: string;
  a?: string;
  b?: string;
  differs: boolean;
}

/** Rows of two key/value lists by key (sorted, numbers in order), marking differences. */
export function diffKeyValues(a: KeyValue[], b: KeyValue[]): DiffRow[] {
  const left = new Map(a.map((kv) => [kv.key, kv.value]));
  const right = new Map(b.map((kv) => [kv.key, kv.value]));
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort((x, y) => x.localeCompare(y, undefined, { numeric: true }));
  return keys.map((key) => {
    const va = left.get(key);
    const vb = right.get(key);
    return { key, a: va, b: vb, differs: va !== vb };
  });
}

export interface MetricDiffRow {
  key: string;
  a?: FloatJson;
  b?: FloatJson;
  /** b − a when both are finite numbers. */
  delta?: number;
  differs: boolean;
}

/** Latest metrics of two runs side by side, with b − a. */
export function diffMetrics(a: { key: string; value: FloatJson }[], b: { key: string; value: FloatJson }[]): MetricDiffRow[] {
  const left = new Map(a.map((m) => [m.key, m.value]));
  const right = new Map(b.map((m) => [m.key, m.value]));
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort((x, y) => x.localeCompare(y, undefined, { numeric: true }));
  return keys.map((key) => {
    const va = left.get(key);
    const vb = right.get(key);
    const na = va === undefined ? NaN : toNumber(va);
    const nb = vb === undefined ? NaN : toNumber(vb);
    const delta = Number.isFinite(na) && Number.isFinite(nb) ? nb - na : undefined;
    const differs = va === undefined || vb === undefined ? va !== vb : !Object.is(na, nb) && !(Number.isNaN(na) && Number.isNaN(nb));
    return { key, a: va, b: vb, delta, differs };
  });
}

/** A signature column as one line: `double`, `tensor int64 (-1)`, optional. */
export function fieldText(f: SignatureField): string {
  return [f.type, f.shape ? `shape ${f.shape}` : '', f.required === false ? 'optional' : ''].filter(Boolean).join(' · ');
}

/** Flavors and signatures of two MLmodel files, as rows of differences (same layout as params). */
export function diffModels(a: MlModelSummary | undefined, b: MlModelSummary | undefined): DiffRow[] {
  return diffKeyValues(modelRows(a), modelRows(b));
}

function modelRows(m: MlModelSummary | undefined): KeyValue[] {
  if (!m) return [];
  const rows: KeyValue[] = [];
  for (const f of m.flavors) {
    rows.push({ key: `flavor ${f.name}`, value: 'yes' });
    for (const s of f.settings) rows.push({ key: `${f.name}.${s.key}`, value: s.value });
  }
  const sig = m.signature;
  const parts: [string, SignatureField[] | undefined][] = [
    ['inputs', sig?.inputs],
    ['outputs', sig?.outputs],
    ['params', sig?.params],
  ];
  for (const [part, fields] of parts) {
    (fields ?? []).forEach((f, i) => rows.push({ key: `signature ${part} · ${f.name ?? `#${i}`}`, value: fieldText(f) }));
  }
  for (const kv of sig?.raw ?? []) rows.push({ key: `signature ${kv.key}`, value: kv.value });
  if (m.mlflow_version) rows.push({ key: 'mlflow_version', value: m.mlflow_version });
  return rows;
}
