/** Injectable time source so TTL logic can be tested without sleeping. */
export interface Clock {
  now(): number; // epoch milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };

/** RFC3339 with nanosecond digits, as Vault prints times (Go's RFC3339Nano trims zeros; we keep ms precision). */
export function rfc3339(ms: number): string {
  const iso = new Date(ms).toISOString(); // always YYYY-MM-DDTHH:mm:ss.sssZ for our range
  return `${iso.slice(0, -1)}000000Z`;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
