import { invoke } from '@tauri-apps/api/core';
import type { Backend } from './backend';
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
}
