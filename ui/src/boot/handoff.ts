// The app's side of the boot script (inline.ts): answers it already has, taken once.

import { callKey } from './calls';

/** An answer as the boot script received it (`error` when the request itself failed). */
export interface BootAnswer {
  ok: boolean;
  status: number;
  body: unknown;
  error?: string;
}

export interface BootState {
  /** When the boot script ran (performance.now()). */
  at: number;
  answers: Map<string, Promise<BootAnswer>>;
  /** Settles when the first paint is on screen, or when nothing was (or will be) drawn. */
  painted: Promise<void>;
  /** Set when the app starts: the boot script draws nothing after that. */
  started: boolean;
}

declare global {
  interface Window {
    __runlensBoot?: BootState;
  }
}

/** Answers older than this are not used: the app asks again. */
const FRESH_MS = 10_000;

/** The boot script's answer to exactly this call, if it asked it; each answer is taken once. */
export function takeBooted(op: string, args: Record<string, unknown>): Promise<BootAnswer> | null {
  const boot = window.__runlensBoot;
  if (!boot) return null;
  const key = callKey(op, args);
  const answer = boot.answers.get(key);
  if (!answer) return null;
  boot.answers.delete(key);
  if (performance.now() - boot.at > FRESH_MS) return null;
  return answer;
}

/** How long the app waits for the boot script's first paint before it starts anyway. */
const PAINT_WAIT_MS = 600;

/** Resolves when the boot script has drawn its first paint (the app replaces it), or has
 *  nothing to draw, or after PAINT_WAIT_MS; the app starts then. */
export async function bootSettled(): Promise<void> {
  const boot = window.__runlensBoot;
  if (!boot) return;
  await Promise.race([boot.painted, new Promise<void>((r) => setTimeout(r, PAINT_WAIT_MS))]);
  // From here on the boot script draws nothing: the app does.
  boot.started = true;
}
