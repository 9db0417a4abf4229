// An axis of the parallel-coordinates and scatter plots: numeric fields get a linear (or log)
// scale with ticks, others evenly spaced categories in a natural order.

import { formatValue } from '../lib/format';
import { categories, categoryPosition, clip, field, makeScale, numberValue, rawValue, type CompareRun, type FieldId, type Scale } from './model';

export interface Axis {
  id: FieldId;
  label: string;
  numeric: boolean;
  log: boolean;
  /** Where a run's value sits on [a, b]; undefined when the run has no usable value. */
  at: (r: CompareRun) => number | undefined;
  /** The value as shown to people. */
  text: (r: CompareRun) => string;
  ticks: { at: number; label: string; title: string }[];
  scale?: Scale;
}

/** Whether log makes sense: every present value positive and at least two of them. */
export function canLog(runs: CompareRun[], id: FieldId): boolean {
  const f = field(id);
  const vs = runs.map((r) => numberValue(r, f)).filter((v): v is number => v !== undefined);
  return vs.length > 0 && vs.every((v) => v > 0);
}

/** Suggests log for positive values spanning two decades or more (learning rates). */
export function suggestLog(runs: CompareRun[], id: FieldId): boolean {
  const f = field(id);
  const vs = runs.map((r) => numberValue(r, f)).filter((v): v is number => v !== undefined);
  if (vs.length < 2 || !vs.every((v) => v > 0)) return false;
  return Math.max(...vs) / Math.min(...vs) >= 100;
}

/** Whether a field's axis is logarithmic: the user's choice, else the suggestion. */
export function logOf(choices: Record<string, boolean>, runs: CompareRun[], id: FieldId): boolean {
  return canLog(runs, id) && (choices[id] ?? suggestLog(runs, id));
}

/**
 * An axis over [a, b] (pixels; a is the low end). `numeric` decides the kind (a param with
 * a non-numeric value anywhere is categorical); log applies only when every value is positive.
 */
export function makeAxis(runs: CompareRun[], id: FieldId, numeric: boolean, log: boolean, a: number, b: number, ticks = 5): Axis {
  const f = field(id);
  const text = (r: CompareRun) => {
    const v = rawValue(r, f);
    return v === undefined ? '—' : typeof v === 'number' ? formatValue(v) : v;
  };
  if (numeric) {
    const useLog = log && canLog(runs, id);
    const values = runs.map((r) => numberValue(r, f)).filter((v): v is number => v !== undefined);
    const scale = makeScale(values, a, b, useLog, ticks);
    return {
      id,
      label: f.key,
      numeric: true,
      log: useLog,
      at: (r) => {
        const v = numberValue(r, f);
        return v === undefined || (useLog && v <= 0) ? undefined : scale(v);
      },
      text,
      ticks: scale.ticks.map((t) => ({ at: scale(t), label: scale.format(t), title: String(t) })),
      scale,
    };
  }
  const cats = categories(runs.map((r) => rawValue(r, f)).filter((v): v is string | number => v !== undefined).map(String));
  const pos = categoryPosition(cats, a, b);
  return {
    id,
    label: f.key,
    numeric: false,
    log: false,
    at: (r) => {
      const v = rawValue(r, f);
      return v === undefined ? undefined : pos(String(v));
    },
    text,
    ticks: cats.map((c) => ({ at: pos(c), label: clip(c, 16), title: c })),
  };
}
