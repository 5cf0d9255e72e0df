/** Injectable time source so TTL logic can be tested without sleeping. */
export interface Clock {
  now(): number; // epoch milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };

/** RFC3339 with nanosecond digits, as Vault prints times (Go's RFC3339Nano trims zeros; we keep ms precision). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
