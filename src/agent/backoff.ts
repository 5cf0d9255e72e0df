/** Retry timing shared by auto-auth and templating, and an abortable sleep. */

/** Exponential backoff with jitter: doubles from `minMs` per attempt up to `maxMs`; each wait is 75–100% of its step. */
export function backoffMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt));
  return step * (0.75 + random() * 0.25);
}

export { sleep } from '../lib/sleep.js';
