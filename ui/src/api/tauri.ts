import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { ArtifactBytes, Backend, ImportProgress, ImportResult } from './backend';
import { MAX_READ, artifactQuery, toApiError, toBase64 } from './backend';

/** Talks to the desktop app's Rust side through one Tauri command, `call`. */
export class TauriBackend implements Backend {
  async call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    try {
      return await invoke<T>('call', { op, args });
    } catch (e) {
      throw toApiError(e);
    }
  }

  async trackingUri(): Promise<string | null> {
    try {
      return await invoke<string | null>('tracking_uri');
    } catch {
      return null;
    }
  }

  readonly desktop = true;

  async importPath(path: string, copy: boolean, onProgress: (p: ImportProgress) => void): Promise<ImportResult> {
    const stop = await listen<ImportProgress>('import-progress', (e) => onProgress(e.payload));
    try {
      return await invoke<ImportResult>('import_folder', { path, copy });
    } catch (e) {
      throw toApiError(e);
    } finally {
      stop();
    }
  }

  async cancelImport(): Promise<void> {
    await invoke('cancel_import');
  }

  async pickPath(file: boolean): Promise<string | null> {
    return invoke<string | null>('pick_path', { file });
  }

  async onPathsDropped(cb: (paths: string[]) => void): Promise<() => void> {
    return listen<string[]>('paths-dropped', (e) => cb(e.payload));
  }

  private uri: Promise<string | null> | null = null;

  async artifactUrl(runId: string, path: string, preview?: boolean): Promise<string> {
    // Media and frames load from the app's own tracking server on loopback.
    this.uri ??= this.trackingUri();
    const base = (await this.uri) ?? '';
    return `${base}${artifactQuery(runId, path, preview)}`;
  }

  async readArtifact(runId: string, path: string, start = 0, end?: number): Promise<ArtifactBytes> {
    const stop = Math.min(end ?? start + MAX_READ, start + MAX_READ);
    try {
      // The answer is raw bytes: the file's size as 8 little-endian bytes, then the data.
      const buf = await invoke<ArrayBuffer>('read_artifact', { runId, path, start, end: stop });
      const view = new DataView(buf);
      const size = Number(view.getBigUint64(0, true));
      return { bytes: new Uint8Array(buf, 8), size };
    } catch (e) {
      throw toApiError(e);
    }
  }

  async saveArtifact(runId: string, path: string): Promise<void> {
    try {
      await invoke('save_artifact', { runId, path });
    } catch (e) {
      throw toApiError(e);
    }
  }

  async showInFolder(runId: string, path: string): Promise<void> {
    try {
      await invoke('show_in_folder', { runId, path });
    } catch (e) {
      throw toApiError(e);
    }
  }

  async saveBytes(suggestedName: string, bytes: Uint8Array, _mime: string): Promise<void> {
    try {
      await invoke('save_bytes', { suggestedName, dataBase64: toBase64(bytes) });
    } catch (e) {
      throw toApiError(e);
    }
  }

  async saveFiles(files: { name: string; bytes: Uint8Array }[]): Promise<string | null> {
    try {
      return await invoke<string | null>('save_files', { files: files.map((f) => ({ name: f.name, data_base64: toBase64(f.bytes) })) });
    } catch (e) {
      throw toApiError(e);
    }
  }

  async saveText(suggestedName: string, text: string, _mime: string): Promise<void> {
    try {
      await invoke('save_text', { suggestedName, text });
    } catch (e) {
      throw toApiError(e);
    }
  }
}
