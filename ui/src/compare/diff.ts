// Line diffs of two texts (Myers' O(ND) algorithm after trimming the common ends), the rows
// of a unified or side-by-side view with unchanged stretches folded, and the normal forms of
// JSON and YAML (sorted keys, one layout) so that key order and spacing are no difference.

export type OpKind = 'same' | 'add' | 'del';

export interface Op {
  kind: OpKind;
  /** 0-based line in a (same, del). */
  a: number;
  /** 0-based line in b (same, add). */
  b: number;
}

/** Beyond this many edits the middle is shown as replaced wholesale (bounded time and memory). */
const MAX_EDITS = 2000;

/** The edit script turning lines `a` into lines `b`. */
export function diffLines(a: string[], b: string[]): Op[] {
  const ids = new Map<string, number>();
  const idOf = (s: string) => {
    let id = ids.get(s);
    if (id === undefined) {
      id = ids.size;
      ids.set(s, id);
    }
    return id;
  };
  const A = Int32Array.from(a, idOf);
  const B = Int32Array.from(b, idOf);
  let pre = 0;
  while (pre < A.length && pre < B.length && A[pre] === B[pre]) pre++;
  let suf = 0;
  while (suf < A.length - pre && suf < B.length - pre && A[A.length - 1 - suf] === B[B.length - 1 - suf]) suf++;
  const out: Op[] = [];
  for (let i = 0; i < pre; i++) out.push({ kind: 'same', a: i, b: i });
  const midA = A.subarray(pre, A.length - suf);
  const midB = B.subarray(pre, B.length - suf);
  const mid = myers(midA, midB, MAX_EDITS);
  if (mid) {
    for (const op of mid) out.push({ kind: op.kind, a: op.a + pre, b: op.b + pre });
  } else {
    for (let i = 0; i < midA.length; i++) out.push({ kind: 'del', a: pre + i, b: pre });
    for (let j = 0; j < midB.length; j++) out.push({ kind: 'add', a: pre + midA.length, b: pre + j });
  }
  for (let i = 0; i < suf; i++) out.push({ kind: 'same', a: A.length - suf + i, b: B.length - suf + i });
  return out;
}

/** Myers' greedy diff; null when more than `dmax` edits are needed. */
function myers(a: Int32Array, b: Int32Array, dmax: number): Op[] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) {
    const ops: Op[] = [];
    for (let i = 0; i < n; i++) ops.push({ kind: 'del', a: i, b: 0 });
    for (let j = 0; j < m; j++) ops.push({ kind: 'add', a: n, b: j });
    return ops;
  }
  const max = Math.min(n + m, dmax);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    // V as it was before this round, for k in [-d-1, d+1] (index k + d + 1).
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m);
    }
  }
  return null;
}

function backtrack(trace: Int32Array[], n: number, m: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const t = trace[d];
    const o = d + 1;
    const k = x - y;
    const prevK = k === -d || (k !== d && t[o + k - 1] < t[o + k + 1]) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : t[o + prevK];
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push({ kind: 'same', a: x, b: y });
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: 'add', a: x, b: prevY });
      else ops.push({ kind: 'del', a: prevX, b: y });
      x = prevX;
      y = prevY;
    }
  }
  return ops.reverse();
}

// ---- rows --------------------------------------------------------------------------------

/** A line's text split around what changed from its counterpart (for the highlight). */
export interface Parts {
  pre: string;
  mid: string;
  post: string;
}

export interface Side {
  /** 1-based line number. */
  n: number;
  kind: OpKind;
  parts: Parts;
}

export type UnifiedRow = { type: 'line'; kind: OpKind; a?: number; b?: number; parts: Parts } | { type: 'skip'; id: number; count: number };
export type SplitRow = { type: 'line'; left?: Side; right?: Side } | { type: 'skip'; id: number; count: number };

function whole(s: string): Parts {
  return { pre: s, mid: '', post: '' };
}

/** Splits two changed lines around their common start and end. */
export function changed(x: string, y: string): [Parts, Parts] {
  let p = 0;
  while (p < x.length && p < y.length && x[p] === y[p]) p++;
  let s = 0;
  while (s < x.length - p && s < y.length - p && x[x.length - 1 - s] === y[y.length - 1 - s]) s++;
  // Nothing in common: the whole line is the change, shown without a highlight.
  if (p === 0 && s === 0) return [whole(x), whole(y)];
  return [
    { pre: x.slice(0, p), mid: x.slice(p, x.length - s), post: x.slice(x.length - s) },
    { pre: y.slice(0, p), mid: y.slice(p, y.length - s), post: y.slice(y.length - s) },
  ];
}

export interface DiffStats {
  added: number;
  removed: number;
}

export function stats(ops: Op[]): DiffStats {
  let added = 0;
  let removed = 0;
  for (const op of ops) {
    if (op.kind === 'add') added++;
    else if (op.kind === 'del') removed++;
  }
  return { added, removed };
}

/** Groups the script into stretches of unchanged lines and blocks of changes. */
function blocks(ops: Op[]): { same: boolean; ops: Op[] }[] {
  const out: { same: boolean; ops: Op[] }[] = [];
  for (const op of ops) {
    const same = op.kind === 'same';
    const last = out[out.length - 1];
    if (last && last.same === same) last.ops.push(op);
    else out.push({ same, ops: [op] });
  }
  return out;
}

/**
 * Unchanged stretches longer than 2 × context are folded into a skip row (its id is the index
 * of its first line in the script), unless its id is in `expanded`.
 */
function fold<T>(ops: Op[], context: number, expanded: Set<number>, same: (op: Op) => T, skip: (id: number, count: number) => T, change: (ops: Op[]) => T[]): T[] {
  const rows: T[] = [];
  let index = 0;
  const bs = blocks(ops);
  bs.forEach((blk, bi) => {
    const start = index;
    index += blk.ops.length;
    if (!blk.same) {
      rows.push(...change(blk.ops));
      return;
    }
    const head = bi === 0 ? 0 : context;
    const tail = bi === bs.length - 1 ? 0 : context;
    if (blk.ops.length <= head + tail + 1 || expanded.has(start)) {
      for (const op of blk.ops) rows.push(same(op));
      return;
    }
    for (const op of blk.ops.slice(0, head)) rows.push(same(op));
    rows.push(skip(start, blk.ops.length - head - tail));
    for (const op of blk.ops.slice(blk.ops.length - tail)) rows.push(same(op));
  });
  return rows;
}

export function unifiedRows(ops: Op[], a: string[], b: string[], context: number, expanded: Set<number>): UnifiedRow[] {
  return fold<UnifiedRow>(
    ops,
    context,
    expanded,
    (op) => ({ type: 'line', kind: 'same', a: op.a + 1, b: op.b + 1, parts: whole(a[op.a]) }),
    (id, count) => ({ type: 'skip', id, count }),
    (block) => {
      const dels = block.filter((o) => o.kind === 'del');
      const adds = block.filter((o) => o.kind === 'add');
      const delParts = dels.map((o) => whole(a[o.a]));
      const addParts = adds.map((o) => whole(b[o.b]));
      // Lines paired one to one get their changed middle marked.
      if (dels.length === adds.length) {
        dels.forEach((d, i) => {
          [delParts[i], addParts[i]] = changed(a[d.a], b[adds[i].b]);
        });
      }
      return [
        ...dels.map((o, i): UnifiedRow => ({ type: 'line', kind: 'del', a: o.a + 1, parts: delParts[i] })),
        ...adds.map((o, i): UnifiedRow => ({ type: 'line', kind: 'add', b: o.b + 1, parts: addParts[i] })),
      ];
    },
  );
}

export function splitRows(ops: Op[], a: string[], b: string[], context: number, expanded: Set<number>): SplitRow[] {
  return fold<SplitRow>(
    ops,
    context,
    expanded,
    (op) => ({ type: 'line', left: { n: op.a + 1, kind: 'same', parts: whole(a[op.a]) }, right: { n: op.b + 1, kind: 'same', parts: whole(b[op.b]) } }),
    (id, count) => ({ type: 'skip', id, count }),
    (block) => {
      const dels = block.filter((o) => o.kind === 'del');
      const adds = block.filter((o) => o.kind === 'add');
      const rows: SplitRow[] = [];
      for (let i = 0; i < Math.max(dels.length, adds.length); i++) {
        const d = dels[i];
        const ad = adds[i];
        let lp = d ? whole(a[d.a]) : undefined;
        let rp = ad ? whole(b[ad.b]) : undefined;
        if (d && ad) [lp, rp] = changed(a[d.a], b[ad.b]);
        rows.push({
          type: 'line',
          left: d && lp ? { n: d.a + 1, kind: 'del', parts: lp } : undefined,
          right: ad && rp ? { n: ad.b + 1, kind: 'add', parts: rp } : undefined,
        });
      }
      return rows;
    },
  );
}

/** Lines of a text; a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// ---- normal forms ------------------------------------------------------------------------

interface RawJsonApi {
  rawJSON?: (s: string) => unknown;
  isRawJSON?: (v: unknown) => boolean;
}

function sortKeys(v: unknown, isRaw: (v: unknown) => boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => sortKeys(x, isRaw));
  if (v && typeof v === 'object' && !isRaw(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k], isRaw);
    return out;
  }
  return v;
}

/**
 * JSON pretty-printed with sorted keys. Numbers keep their written form where the engine
 * can (JSON.rawJSON), so 12345678901234567891 is not rounded into another number.
 * Throws a SyntaxError when the text is not JSON.
 */
export function normalizeJson(text: string): string {
  const api = JSON as unknown as RawJsonApi;
  const raw = api.rawJSON;
  const isRaw = api.isRawJSON ?? (() => false);
  const reviver = raw
    ? function (this: unknown, _key: string, value: unknown, context?: { source?: string }) {
        if (typeof value === 'number' && context?.source !== undefined && String(value) !== context.source) return raw(context.source);
        return value;
      }
    : undefined;
  const parsed: unknown = JSON.parse(text.replace(/^\uFEFF/, ''), reviver as ((this: unknown, key: string, value: unknown) => unknown) | undefined);
  return JSON.stringify(sortKeys(parsed, isRaw), null, 2) + '\n';
}

/** YAML (every document of the stream) re-dumped with sorted keys; throws on a syntax error. */
export async function normalizeYaml(text: string): Promise<string> {
  const YAML = await import('yaml');
  const docs = YAML.parseAllDocuments(text, { intAsBigInt: true, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) if (d.errors.length > 0) throw new Error(d.errors[0].message);
  return list
    .map((d) => YAML.stringify(d.toJS({ maxAliasCount: 1000 }), { sortMapEntries: true, lineWidth: 0 }))
    .join('---\n');
}
