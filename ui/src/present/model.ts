// Presentations: an ordered list of slides made from charts, run comparisons, artifact images
// and notes. Kept in localStorage (`runlens.presentations`) and exported or imported as a small
// JSON file:
//   {"kind": "runlens.presentation", "version": 1, "id": "…", "title": "…", "slides": [Slide…]}
// Everything read from a file or from storage goes through `normalize*`, which keeps only the
// fields a slide may have, with the right types, and says what is wrong otherwise.

import type { ChartSpec, XAxis } from '../charts/api';

export const KIND = 'runlens.presentation';
export const VERSION = 1;
export const UNTITLED = 'Untitled presentation';

export interface ChartSlide {
  kind: 'chart';
  title: string;
  spec: ChartSpec;
}

export interface CompareSlide {
  kind: 'compare';
  title: string;
  run_ids: string[];
  experiment_ids: string[];
  /** Which rows to show; all params that differ and all metrics when absent. */
  keys?: { params?: string[]; metrics?: string[] };
}

export interface ImageSlide {
  kind: 'image';
  title: string;
  run_id: string;
  experiment_id: string;
  /** The artifact's path inside the run's artifact root. */
  path: string;
}

export interface TextSlide {
  kind: 'text';
  title: string;
  /** Markdown, rendered through lib/markdown.ts (sanitized). */
  markdown: string;
}

export type Slide = ChartSlide | CompareSlide | ImageSlide | TextSlide;

export interface Presentation {
  kind: typeof KIND;
  version: typeof VERSION;
  id: string;
  title: string;
  slides: Slide[];
  /** When it last changed (ms since the epoch); for sorting the list. */
  updated?: number;
}

export const SLIDE_KINDS: Record<Slide['kind'], string> = {
  chart: 'Chart',
  compare: 'Comparison',
  image: 'Image',
  text: 'Text',
};

/** A short random id (12 hex digits); `crypto.getRandomValues` works in any context. */
export function newId(): string {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// ---- validation --------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strings(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  return v.filter((x): x is string => typeof x === 'string' && x.length > 0);
}

function isX(v: unknown): v is XAxis {
  return v === 'step' || v === 'time' || v === 'relative' || (typeof v === 'string' && v.startsWith('metric:') && v.length > 7);
}

function range(v: unknown): [number, number] | null {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return [v[0] as number, v[1] as number];
  return null;
}

/** A chart spec from untrusted JSON; throws saying what is wrong. */
export function normalizeSpec(v: unknown): ChartSpec {
  if (!isRecord(v)) throw new Error('its chart has no "spec" object');
  if (!Array.isArray(v.series)) throw new Error('its chart has no "series" list');
  const series = v.series.map((s) => {
    if (!isRecord(s) || typeof s.run_id !== 'string' || !s.run_id || typeof s.key !== 'string' || !s.key) {
      throw new Error('a series of its chart needs a "run_id" and a "key"');
    }
    return { run_id: s.run_id, key: s.key };
  });
  if (series.length === 0) throw new Error('its chart has no series');
  const spec: ChartSpec = { series, x: isX(v.x) ? v.x : 'step' };
  if (typeof v.title === 'string') spec.title = v.title;
  if (typeof v.smooth === 'number' && Number.isFinite(v.smooth)) spec.smooth = Math.min(0.99, Math.max(0, v.smooth));
  if (typeof v.log_x === 'boolean') spec.log_x = v.log_x;
  if (typeof v.log_y === 'boolean') spec.log_y = v.log_y;
  if (typeof v.clip_outliers === 'boolean') spec.clip_outliers = v.clip_outliers;
  const xr = range(v.x_range);
  if (xr) spec.x_range = xr;
  const yr = range(v.y_range);
  if (yr) spec.y_range = yr;
  return spec;
}

/** A slide from untrusted JSON (a file, storage, another view); throws saying what is wrong. */
export function normalizeSlide(v: unknown): Slide {
  if (!isRecord(v)) throw new Error('it is not an object');
  const title = str(v.title);
  switch (v.kind) {
    case 'chart':
      return { kind: 'chart', title, spec: normalizeSpec(v.spec) };
    case 'compare': {
      const runIds = strings(v.run_ids);
      if (!runIds || runIds.length === 0) throw new Error('a comparison needs a "run_ids" list');
      const slide: CompareSlide = { kind: 'compare', title, run_ids: runIds, experiment_ids: strings(v.experiment_ids) ?? [] };
      if (isRecord(v.keys)) {
        const keys: { params?: string[]; metrics?: string[] } = {};
        const params = strings(v.keys.params);
        const metrics = strings(v.keys.metrics);
        if (params) keys.params = params;
        if (metrics) keys.metrics = metrics;
        slide.keys = keys;
      }
      return slide;
    }
    case 'image': {
      if (typeof v.run_id !== 'string' || !v.run_id) throw new Error('an image needs a "run_id"');
      if (typeof v.path !== 'string' || !v.path) throw new Error('an image needs a "path"');
      return { kind: 'image', title, run_id: v.run_id, experiment_id: str(v.experiment_id), path: v.path };
    }
    case 'text':
      return { kind: 'text', title, markdown: str(v.markdown) };
    default:
      throw new Error(`its kind ${JSON.stringify(v.kind ?? null)} is not chart, compare, image or text`);
  }
}

/** A presentation from untrusted JSON; throws an Error whose message is meant for the user. */
export function normalizePresentation(v: unknown): Presentation {
  if (!isRecord(v) || v.kind !== KIND) throw new Error(`This is not a Runlens presentation (its "kind" is not "${KIND}").`);
  if (v.version !== VERSION) throw new Error(`This presentation is version ${JSON.stringify(v.version ?? null)}; this Runlens reads version ${VERSION}.`);
  if (!Array.isArray(v.slides)) throw new Error('This presentation has no "slides" list.');
  const slides = v.slides.map((s, i) => {
    try {
      return normalizeSlide(s);
    } catch (e) {
      throw new Error(`Slide ${i + 1} is not valid: ${(e as Error).message}.`);
    }
  });
  const id = typeof v.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v.id) ? v.id : newId();
  const title = str(v.title).trim() || UNTITLED;
  const p: Presentation = { kind: KIND, version: VERSION, id, title, slides };
  if (typeof v.updated === 'number' && Number.isFinite(v.updated)) p.updated = v.updated;
  return p;
}

/** Reads a presentation file's text; throws an Error saying what is wrong. */
export function parsePresentation(text: string): Presentation {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('This file is not JSON.');
  }
  return normalizePresentation(v);
}

/** The JSON file of a presentation (what `parsePresentation` reads back). */
export function presentationJson(p: Presentation): string {
  const out: Presentation = { kind: KIND, version: VERSION, id: p.id, title: p.title, slides: p.slides };
  return JSON.stringify(out, null, 2) + '\n';
}

/** A file name made from a title: no path separators or characters file systems refuse. */
export function fileName(title: string, ext: string): string {
  const base = title
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 100);
  return `${base || 'presentation'}.${ext}`;
}

/** A slide's title, or a description of it when it has none. */
export function slideLabel(s: Slide): string {
  if (s.title.trim()) return s.title;
  switch (s.kind) {
    case 'chart':
      return s.spec.title || [...new Set(s.spec.series.map((x) => x.key))].join(', ');
    case 'compare':
      return `${s.run_ids.length} runs compared`;
    case 'image':
      return s.path.split('/').pop() ?? s.path;
    case 'text':
      return s.markdown.split('\n').find((l) => l.trim())?.replace(/^#+\s*/, '').slice(0, 80) || 'Text';
  }
}
