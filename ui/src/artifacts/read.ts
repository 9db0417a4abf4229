// Reading artifact bytes through the Backend in pieces of at most MAX_READ.

import { MAX_READ, backend } from '../api/backend';

/** Text is read a page at a time; larger files get "Load more". */
export const PAGE = 256 * 1024;
/** Files under this size are highlighted (and read at once). */
export const HIGHLIGHT_LIMIT = 1024 * 1024;
/** No file bigger than this is ever read whole. */
export const WHOLE_LIMIT = 50 * 1024 * 1024;

/** Reads bytes `[0, min(size, cap))` of an artifact, in MAX_READ pieces; returns them with the file's size. */
export async function readHead(runId: string, path: string, cap: number): Promise<{ bytes: Uint8Array; size: number }> {
  const first = await backend.readArtifact(runId, path, 0, Math.min(cap, MAX_READ));
  const want = Math.min(first.size, cap);
  if (first.bytes.length >= want) return { bytes: first.bytes.subarray(0, want), size: first.size };
  const out = new Uint8Array(want);
  out.set(first.bytes);
  let at = first.bytes.length;
  while (at < want) {
    const next = await backend.readArtifact(runId, path, at, Math.min(want, at + MAX_READ));
    if (next.bytes.length === 0) break;
    out.set(next.bytes.subarray(0, want - at), at);
    at += next.bytes.length;
  }
  return { bytes: out.subarray(0, at), size: first.size };
}

/** Bytes `[start, end)`, however long, as an ArrayBuffer of its own. */
export async function readRange(runId: string, path: string, start: number, end: number): Promise<ArrayBuffer> {
  const out = new Uint8Array(Math.max(0, end - start));
  let at = start;
  while (at < end) {
    const { bytes } = await backend.readArtifact(runId, path, at, Math.min(end, at + MAX_READ));
    if (bytes.length === 0) break;
    out.set(bytes.subarray(0, end - at), at - start);
    at += bytes.length;
  }
  return out.buffer;
}

/** UTF-8 text of the first `cap` bytes; `truncated` when the file is longer. */
export async function readText(runId: string, path: string, cap: number): Promise<{ text: string; size: number; truncated: boolean }> {
  const { bytes, size } = await readHead(runId, path, cap);
  const truncated = size > bytes.length;
  return { text: new TextDecoder('utf-8').decode(bytes, { stream: truncated }), size, truncated };
}

/** Does this start of a file look like text (no NUL bytes in the first 8 KiB)? */
export function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return false;
  return true;
}
