// Drawing slides: charts come from the Rust side as SVG (the same drawing as the PNG/SVG
// exports and `runlens chart`) and are shown through `<img src=blob:…>` — never as inline
// markup; artifact images are read as bytes for the HTML export.

import { MAX_READ, backend, toBase64 } from '../api/backend';
import { renderChart, type ChartSpec } from '../charts/api';
import type { ChartSlide } from './model';

/** The size charts are drawn at on a slide (16:9). */
export const CHART_W = 1600;
export const CHART_H = 900;

/** The chart of a slide: the slide's own title replaces the chart's (it is shown above it). */
export function slideSpec(slide: ChartSlide): ChartSpec {
  return slide.title.trim() ? { ...slide.spec, title: '' } : slide.spec;
}

interface Cached {
  at: number;
  url: Promise<string>;
}

// Thumbnails and the presenting view draw the same charts: keep them for a little while so
// stepping through slides does not redraw each one, but show new points when coming back later.
const cache = new Map<string, Cached>();
const FRESH_MS = 20_000;
const MAX_CACHED = 60;

/** A `blob:` URL of the chart drawn as SVG. */
export function chartUrl(spec: ChartSpec, width = CHART_W, height = CHART_H): Promise<string> {
  const key = JSON.stringify([spec, width, height]);
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < FRESH_MS) return hit.url;
  const url = renderChart(spec, 'svg', width, height).then((bytes) => URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/svg+xml' })));
  cache.set(key, { at: Date.now(), url });
  url.catch(() => cache.delete(key));
  if (hit) setTimeout(() => hit.url.then(URL.revokeObjectURL, () => {}), 60_000);
  while (cache.size > MAX_CACHED) {
    const [oldest, entry] = cache.entries().next().value as [string, Cached];
    cache.delete(oldest);
    setTimeout(() => entry.url.then(URL.revokeObjectURL, () => {}), 60_000);
  }
  return url;
}

const MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  avif: 'image/avif',
  ico: 'image/x-icon',
};

export function imageMime(path: string): string {
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  return MIME[ext] ?? 'application/octet-stream';
}

/** The most an image may weigh to be embedded in an exported file. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

export class TooLarge extends Error {
  constructor(public size: number) {
    super(`The image is ${(size / 1024 / 1024).toFixed(1)} MB; images over ${MAX_IMAGE_BYTES / 1024 / 1024} MB are not embedded.`);
  }
}

/** A run's artifact as bytes, whole; throws TooLarge beyond MAX_IMAGE_BYTES. */
export async function readWhole(runId: string, path: string): Promise<Uint8Array> {
  const first = await backend.readArtifact(runId, path, 0, MAX_READ);
  if (first.size > MAX_IMAGE_BYTES) throw new TooLarge(first.size);
  if (first.bytes.length >= first.size) return first.bytes;
  const out = new Uint8Array(first.size);
  out.set(first.bytes);
  let at = first.bytes.length;
  while (at < first.size) {
    const part = await backend.readArtifact(runId, path, at, Math.min(first.size, at + MAX_READ));
    if (part.bytes.length === 0) break;
    out.set(part.bytes.subarray(0, first.size - at), at);
    at += part.bytes.length;
  }
  return at >= first.size ? out : out.subarray(0, at);
}

export function dataUri(bytes: Uint8Array, mime: string): string {
  return `data:${mime};base64,${toBase64(bytes)}`;
}
