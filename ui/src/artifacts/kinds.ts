// Which preview an artifact gets, from its name and extension (case-insensitive).

import { baseName, extension } from './format';

export type Kind =
  | 'image'
  | 'tiff'
  | 'text'
  | 'json'
  | 'yaml'
  | 'csv'
  | 'tsv'
  | 'markdown'
  | 'html'
  | 'pdf'
  | 'audio'
  | 'video'
  | 'mlmodel'
  | 'npy'
  | 'parquet'
  | 'other';

const IMAGE = new Set(['png', 'jpg', 'jpeg', 'gif', 'bmp', 'webp', 'svg', 'ico', 'avif']);
const AUDIO = new Set(['wav', 'mp3', 'ogg', 'oga', 'flac', 'm4a', 'aac', 'opus']);
const VIDEO = new Set(['mp4', 'webm', 'ogv', 'mov', 'm4v', 'mkv']);

/** Highlight.js language per extension; '' means plain text. */
const TEXT = new Map<string, string>(Object.entries({
  txt: '', text: '', log: '', out: '', err: '', stdout: '', stderr: '', csv: '', tsv: '',
  py: 'python', pyi: 'python', pyw: 'python',
  json: 'json', jsonl: 'json', ndjson: 'json', ipynb: 'json', geojson: 'json',
  yaml: 'yaml', yml: 'yaml',
  sh: 'bash', bash: 'bash', zsh: 'bash',
  sql: 'sql',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  ts: 'typescript', tsx: 'typescript', mts: 'typescript', cts: 'typescript',
  ini: 'ini', cfg: 'ini', conf: 'ini', toml: 'ini', properties: 'ini', env: 'ini',
  md: 'markdown', markdown: 'markdown', rst: '',
  xml: 'xml', html: 'xml', htm: 'xml', svg: 'xml', xhtml: 'xml',
  r: 'r',
  c: 'c', h: 'c',
  cpp: 'cpp', cc: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp', hxx: 'cpp', cu: 'cpp', cuh: 'cpp',
  rs: 'rust',
  css: '', java: '', go: '', scala: '', kt: '', rb: '', pl: '', lua: '', jl: '', tex: '', bib: '',
  gitignore: '', dockerfile: '', makefile: '', lock: '', pbtxt: '', prototxt: '', proto: '',
}));

/** Files known by their whole name. */
const NAMES = new Map<string, string>(Object.entries({
  dockerfile: 'bash', makefile: 'bash', license: '', readme: '', requirements: '', notice: '', authors: '',
}));

export function kindOf(path: string): Kind {
  const name = baseName(path);
  if (name === 'MLmodel') return 'mlmodel';
  const ext = extension(path);
  if (IMAGE.has(ext)) return 'image';
  if (ext === 'tif' || ext === 'tiff') return 'tiff';
  if (AUDIO.has(ext)) return 'audio';
  if (VIDEO.has(ext)) return 'video';
  switch (ext) {
    case 'json':
    case 'ipynb':
    case 'geojson':
      return 'json';
    case 'yaml':
    case 'yml':
      return 'yaml';
    case 'csv':
      return 'csv';
    case 'tsv':
    case 'tab':
      return 'tsv';
    case 'md':
    case 'markdown':
      return 'markdown';
    case 'html':
    case 'htm':
      return 'html';
    case 'pdf':
      return 'pdf';
    case 'npy':
      return 'npy';
    case 'parquet':
    case 'pq':
      return 'parquet';
  }
  if (TEXT.has(ext) || NAMES.has(name.toLowerCase())) return 'text';
  return 'other';
}

/** The highlight.js language for a text file ('' for none). */
export function languageOf(path: string): string {
  const name = baseName(path).toLowerCase();
  return NAMES.get(name) ?? TEXT.get(extension(path)) ?? '';
}

/** A short label for the tree's file-type glyph. */
export function glyphOf(path: string): { label: string; tone: string } {
  const kind = kindOf(path);
  const ext = extension(path);
  switch (kind) {
    case 'image':
    case 'tiff':
      return { label: 'IMG', tone: 'img' };
    case 'audio':
      return { label: 'AUD', tone: 'media' };
    case 'video':
      return { label: 'VID', tone: 'media' };
    case 'pdf':
      return { label: 'PDF', tone: 'doc' };
    case 'markdown':
      return { label: 'MD', tone: 'doc' };
    case 'html':
      return { label: 'HTM', tone: 'doc' };
    case 'json':
      return { label: '{ }', tone: 'data' };
    case 'yaml':
      return { label: 'YML', tone: 'data' };
    case 'csv':
    case 'tsv':
      return { label: 'TAB', tone: 'data' };
    case 'parquet':
      return { label: 'PQ', tone: 'data' };
    case 'npy':
      return { label: 'NPY', tone: 'data' };
    case 'mlmodel':
      return { label: 'ML', tone: 'model' };
    case 'text':
      return languageOf(path) ? { label: '</>', tone: 'code' } : { label: 'TXT', tone: 'text' };
    default:
      return { label: ext ? ext.slice(0, 3).toUpperCase() : 'BIN', tone: 'other' };
  }
}

const LANGUAGE_LABELS: Record<string, string> = {
  python: 'Python', json: 'JSON', yaml: 'YAML', bash: 'Shell', sql: 'SQL', javascript: 'JavaScript',
  typescript: 'TypeScript', ini: 'INI / TOML', markdown: 'Markdown', xml: 'XML', r: 'R', c: 'C', cpp: 'C++', rust: 'Rust',
};

/** A language's name for people ('Plain text' for none). */
export function languageLabel(language: string): string {
  return (language && LANGUAGE_LABELS[language]) || (language ? language : 'Plain text');
}
