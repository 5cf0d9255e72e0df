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

/**
 * Constant-time equality for values whose length is public (tokens, accessors: fixed
 * formats). Skips constantTimeEqual's two hashes, which matter on the request hot path.
 */
export function constantTimeEqualPublicLength(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** Overwrites key material in place; call on seal and when a key is replaced. */
export function zeroize(...buffers: (Buffer | Uint8Array | undefined | null)[]): void {
  for (const b of buffers) b?.fill(0);
}
