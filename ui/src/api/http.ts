import type { Backend, ImportProgress, ImportResult } from './backend';
import { toApiError } from './backend';
import { ApiError } from './types';

/** Talks to `runlens serve` (or the desktop app's server) over `/-/call/<op>`. */
export class HttpBackend implements Backend {
  constructor(private base = '') {}

  async call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
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
    const body = await resp.json().catch(() => null);
    if (!resp.ok) throw toApiError(body ?? { error_code: 'INTERNAL_ERROR', message: `HTTP ${resp.status}` });
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
}
