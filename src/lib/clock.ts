/** Injectable time source so TTL logic can be tested without sleeping. */
export interface Clock {
  now(): number; // epoch milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };

/** RFC3339 with nanosecond digits, as Vault prints times (Go's RFC3339Nano trims zeros; we keep ms precision). */
export function rfc3339(ms: number): string {
  // One-slot memo: a busy server formats the same millisecond many times (audit records,
  // KV version times), and building a Date costs more than the rest of a KV write's timing.
  if (ms === lastMs) return lastText;
  const iso = new Date(ms).toISOString(); // always YYYY-MM-DDTHH:mm:ss.sssZ for our range
  lastText = `${iso.slice(0, -1)}000000Z`;
  lastMs = ms;
  return lastText;
}
let lastMs = Number.NaN;
let lastText = '';

export const ZERO_TIME = '0001-01-01T00:00:00Z';
