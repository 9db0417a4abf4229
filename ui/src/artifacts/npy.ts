// NumPy .npy files: the header (magic, version, a Python dict literal with descr,
// fortran_order and shape) and, for plain numeric dtypes, the first values.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

export interface NpyHeader {
  version: string;
  /** The dtype as written (`<f8`, `|u1`, or a structured dtype's list). */
  descr: string;
  /** A readable dtype name (`float64`, `int32`, `str (max 12 chars)`, `structured`…). */
  dtype: string;
  byteOrder: 'little-endian' | 'big-endian' | 'not applicable';
  fortranOrder: boolean;
  shape: number[];
  /** Elements in the array (the product of the shape; 1 for a scalar). */
  count: number;
  /** Bytes per element, when the dtype says. */
  itemSize: number | null;
  /** Where the data starts in the file. */
  dataOffset: number;
}

export class NpyError extends Error {}

const NAMES: Record<string, string> = { f: 'float', i: 'int', u: 'uint', c: 'complex' };

function describe(descr: string): { dtype: string; itemSize: number | null; byteOrder: NpyHeader['byteOrder'] } {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(\[[^\]]*\])?$/.exec(descr);
  if (!m) return { dtype: descr, itemSize: null, byteOrder: 'not applicable' };
  const [, order, kind, digits, unit] = m;
  const n = digits ? Number(digits) : 0;
  const byteOrder = order === '>' ? 'big-endian' : order === '<' || order === '=' ? 'little-endian' : 'not applicable';
  switch (kind) {
    case 'f':
    case 'i':
    case 'u':
      return { dtype: `${NAMES[kind]}${n * 8}`, itemSize: n, byteOrder: n > 1 ? byteOrder : 'not applicable' };
    case 'c':
      return { dtype: `complex${n * 8}`, itemSize: n, byteOrder };
    case 'b':
    case '?':
      return { dtype: 'bool', itemSize: n || 1, byteOrder: 'not applicable' };
    case 'S':
    case 'a':
      return { dtype: `bytes (${n} per element)`, itemSize: n, byteOrder: 'not applicable' };
    case 'U':
      return { dtype: `str (max ${n} chars)`, itemSize: n * 4, byteOrder };
    case 'V':
      return { dtype: `void (${n} bytes)`, itemSize: n, byteOrder: 'not applicable' };
    case 'O':
      return { dtype: 'object (pickled)', itemSize: null, byteOrder: 'not applicable' };
    case 'M':
      return { dtype: `datetime64${unit ?? ''}`, itemSize: n || 8, byteOrder };
    case 'm':
      return { dtype: `timedelta64${unit ?? ''}`, itemSize: n || 8, byteOrder };
    default:
      return { dtype: descr, itemSize: n || null, byteOrder };
  }
}

/** Parses the header from the first bytes of a .npy file. */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new NpyError('Not a NumPy .npy file (the magic bytes are missing)');
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('The .npy header is cut short');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new NpyError(`Unsupported .npy format version ${major}.${minor}`);
  }
  if (start + headerLen > bytes.length) throw new NpyError('The .npy header is longer than the part read');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));

  let descr: string;
  let dtype: string;
  let itemSize: number | null;
  let byteOrder: NpyHeader['byteOrder'];
  const simple = /['"]descr['"]\s*:\s*(?:'([^']*)'|"([^"]*)")/.exec(header);
  if (simple) {
    descr = simple[1] ?? simple[2];
    ({ dtype, itemSize, byteOrder } = describe(descr));
  } else {
    const list = /['"]descr['"]\s*:\s*(\[.*\])\s*,\s*['"](?:fortran_order|shape)['"]/s.exec(header);
    if (!list) throw new NpyError('The .npy header has no descr');
    descr = list[1];
    dtype = 'structured';
    itemSize = null;
    byteOrder = 'not applicable';
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  if (!fortran) throw new NpyError('The .npy header has no fortran_order');
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeMatch) throw new NpyError('The .npy header has no shape');
  const shape = shapeMatch[1]
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw new NpyError(`Invalid dimension '${s}' in the .npy shape`);
      return n;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  return {
    version: `${major}.${minor}`,
    descr,
    dtype,
    byteOrder,
    fortranOrder: fortran[1] === 'True',
    shape,
    count,
    itemSize,
    dataOffset: start + headerLen,
  };
}

/** Can the first values of this dtype be read? */
export function readableValues(h: NpyHeader): boolean {
  return /^[<>|=]?(f[48]|i[1248]|u[1248]|b1|\?)$/.test(h.descr);
}

/** Decodes up to `max` values from the data bytes that follow the header. */
export function decodeValues(h: NpyHeader, data: Uint8Array, max: number): string[] {
  if (!readableValues(h) || !h.itemSize) return [];
  const little = !h.descr.startsWith('>');
  const kind = h.descr.replace(/^[<>|=]/, '');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = Math.min(max, Math.floor(data.byteLength / h.itemSize));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = i * h.itemSize;
    switch (kind) {
      case 'f4':
        out.push(formatFloat(view.getFloat32(at, little)));
        break;
      case 'f8':
        out.push(formatFloat(view.getFloat64(at, little)));
        break;
      case 'i1':
        out.push(String(view.getInt8(at)));
        break;
      case 'i2':
        out.push(String(view.getInt16(at, little)));
        break;
      case 'i4':
        out.push(String(view.getInt32(at, little)));
        break;
      case 'i8':
        out.push(view.getBigInt64(at, little).toString());
        break;
      case 'u1':
        out.push(String(view.getUint8(at)));
        break;
      case 'u2':
        out.push(String(view.getUint16(at, little)));
        break;
      case 'u4':
        out.push(String(view.getUint32(at, little)));
        break;
      case 'u8':
        out.push(view.getBigUint64(at, little).toString());
        break;
      default:
        out.push(view.getUint8(at) ? 'True' : 'False');
    }
  }
  return out;
}

function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return `${v}.`;
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) return v.toExponential(6).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(7)));
}
