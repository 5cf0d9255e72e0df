/** Retry timing shared by auto-auth and templating, and an abortable sleep. */

/** Exponential backoff with jitter: doubles from `minMs` per attempt up to `maxMs`; each wait is 75–100% of its step. */
export function backoffMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt));
  return step * (0.75 + random() * 0.25);
}

/** Resolves after `ms`, or early (to `false`) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
