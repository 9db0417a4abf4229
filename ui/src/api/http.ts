import type { ArtifactBytes, Backend, ImportProgress, ImportResult } from './backend';
import { MAX_READ, artifactQuery, downloadBytes, downloadText, toApiError } from './backend';
import { takeBooted } from '../boot/handoff';
import { ApiError } from './types';

/** Talks to `runlens serve` (or the desktop app's server) over `/-/call/<op>`. */
export class HttpBackend implements Backend {
  constructor(private base = '') {}

  async call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    // The boot script may have asked this already, while the app was loading.
    const early = this.base === '' ? await takeBooted(op, args) : null;
    let ok: boolean;
    let status: number;
    let body: unknown;
    if (early && early.error === undefined) {
      ({ ok, status, body } = early);
    } else {
      let resp: Response;
      try {
        resp = await fetch(`${this.base}/-/call/${op}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(args),
        });
      } catch (e) {
        throw new ApiError('TEMPORARILY_UNAVAILABLE', `Runlens is not reachable: ${(e as Error).message}`);
      }
      ok = resp.ok;
      status = resp.status;
      body = await resp.json().catch(() => null);
    }
    if (!ok) throw toApiError(body ?? { error_code: 'INTERNAL_ERROR', message: `HTTP ${status}` });
    return body as T;
  }

  async trackingUri(): Promise<string | null> {
    return window.location.origin;
  }

  readonly desktop = false;

  async importPath(path: string, copy: boolean, _onProgress: (p: ImportProgress) => void): Promise<ImportResult> {
    return this.call<ImportResult>('runlens/import', { path, copy });
  }

  async cancelImport(): Promise<void> {}

  async pickPath(_file: boolean): Promise<string | null> {
    return null;
  }

  async onPathsDropped(_cb: (paths: string[]) => void): Promise<() => void> {
    return () => {};
  }

  async artifactUrl(runId: string, path: string, preview?: boolean): Promise<string> {
    return `${this.base}${artifactQuery(runId, path, preview)}`;
  }

  async readArtifact(runId: string, path: string, start = 0, end?: number): Promise<ArtifactBytes> {
    const last = Math.min(end ?? start + MAX_READ, start + MAX_READ) - 1;
    let resp: Response;
    try {
      resp = await fetch(`${this.base}${artifactQuery(runId, path)}`, { headers: { Range: `bytes=${start}-${last}` } });
    } catch (e) {
      throw new ApiError('TEMPORARILY_UNAVAILABLE', `Runlens is not reachable: ${(e as Error).message}`);
    }
    if (resp.status === 416) return { bytes: new Uint8Array(), size: start };
    if (!resp.ok) {
      const body = await resp.json().catch(() => null);
      throw toApiError(body ?? { error_code: 'INTERNAL_ERROR', message: `HTTP ${resp.status}` });
    }
    const bytes = new Uint8Array(await resp.arrayBuffer());
    const range = resp.headers.get('Content-Range');
    const size = range ? Number(range.split('/')[1]) : bytes.length;
    // A server that ignored the Range header sent the whole file: keep only what was asked.
    if (resp.status === 200 && (start > 0 || bytes.length > last + 1)) return { bytes: bytes.slice(start, last + 1), size };
    return { bytes, size };
  }

  async saveArtifact(runId: string, path: string): Promise<void> {
    const a = document.createElement('a');
    a.href = `${this.base}${artifactQuery(runId, path)}`;
    a.download = path.split('/').pop() ?? 'artifact';
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  async showInFolder(_runId: string, _path: string): Promise<void> {
    throw new ApiError('INVALID_STATE', 'Show in folder is available in the desktop app');
  }

  async saveBytes(suggestedName: string, bytes: Uint8Array, mime: string): Promise<void> {
    downloadBytes(suggestedName, bytes, mime);
  }

  async saveFiles(files: { name: string; bytes: Uint8Array }[]): Promise<string | null> {
    for (const f of files) {
      downloadBytes(f.name, f.bytes, f.name.endsWith('.svg') ? 'image/svg+xml' : f.name.endsWith('.png') ? 'image/png' : 'application/octet-stream');
      await new Promise((r) => setTimeout(r, 150));
    }
    return null;
  }

  async saveText(suggestedName: string, text: string, mime: string): Promise<void> {
    downloadText(suggestedName, text, mime);
  }
}
