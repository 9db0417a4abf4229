import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Backend, ImportProgress, ImportResult } from './backend';
import { toApiError } from './backend';

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
}
