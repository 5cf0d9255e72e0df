import { timingSafeEqual, createHash } from 'node:crypto';

/**
 * Constant-time string equality. Both sides are hashed first so that neither the
 * content nor the length of the expected value leaks through timing.
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Overwrites key material in place; call on seal and when a key is replaced. */
export function zeroize(...buffers: (Buffer | Uint8Array | undefined | null)[]): void {
  for (const b of buffers) b?.fill(0);
}
