/**
 * Waiting in tests without timed assertions: poll a condition until it holds or a
 * deadline passes. The deadline only bounds a hang; nothing asserts how long a wait took.
 */

export interface WaitOptions {
  /** How long to keep polling before failing (default 10 s). */
  timeoutMs?: number;
  /** Pause between polls (default 50 ms). */
  intervalMs?: number;
  /** Extra context for the failure message (a process log, the last value seen). */
  context?: () => string;
}

/** Resolves after `ms`; for pacing a poll loop, never for waiting on an outcome. */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns something other than undefined, null or false and
 * resolves with that value; throws `timed out waiting for <what>` after the deadline.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, o: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) {
      const extra = o.context?.();
      throw new Error(`timed out waiting for ${what}${extra ? `\n${extra}` : ''}`);
    }
    await pause(o.intervalMs ?? 50);
  }
}

/** Resolves with `p`, or rejects naming `what` if it has not settled within `ms` (a hang, not a slow answer). */
export async function withDeadline<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolve exposed: lets a test hold a handler until it chooses to release it. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
