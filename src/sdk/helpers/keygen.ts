/**
 * Asymmetric key generation for backends, off the event loop and through a bounded queue.
 *
 * node:crypto's async generateKeyPair runs on the libuv threadpool, so the event loop
 * stays free. That pool has only four threads by default and also serves every fs call,
 * scrypt (userpass logins), pbkdf2 and WebCrypto signing. An RSA-8192 generation holds a
 * thread for seconds, so a handful of concurrent ones would stall all of those. RSA
 * generations therefore queue in two lanes, each running one generation at a time:
 * `rsa-large` (4096 bits and up) and `rsa` (smaller), so at most two threads are ever
 * busy with RSA and a 2048-bit request never waits behind an 8192-bit one. EC and
 * Ed25519 keys take well under a millisecond and skip the queue.
 *
 * Each lane holds a bounded number of waiting requests; beyond that the caller gets 429
 * (Vault's status for "too many requests") instead of an ever-growing backlog.
 */
import { generateKeyPair } from 'node:crypto';
import { WardError } from '../errors.js';

export type KeySpec = { type: 'rsa'; bits: number } | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' } | { type: 'ed25519' };

/** RSA moduli from this size on go to the `rsa-large` lane. */
export const LARGE_RSA_BITS = 4096;

export interface LaneStats {
  name: string;
  running: number;
  waiting: number;
  /** Generations finished (successfully or not) since the process started. */
  completed: number;
  /** Requests refused because the lane's queue was full. */
  rejected: number;
}

/**
 * A FIFO gate admitting at most `concurrency` tasks at once and holding at most
 * `maxWaiting` more. A finishing task hands its slot straight to the next waiter, so a
 * newcomer can never slip in between and exceed the bound.
 */
export class BoundedLane {
  private running = 0;
  private completed = 0;
  private rejected = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly concurrency: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) {
        this.rejected++;
        throw new WardError('rate_limited', [`too many key generations are queued (${this.waiting.length} waiting); retry later`]);
      }
      // The slot is handed over by release(), already counted in `running`.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      this.completed++;
      this.release();
    }
  }

  stats(): LaneStats {
    return { name: this.name, running: this.running, waiting: this.waiting.length, completed: this.completed, rejected: this.rejected };
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

const lanes = {
  rsa: new BoundedLane('rsa', 1, 256),
  rsaLarge: new BoundedLane('rsa-large', 1, 16),
};

const PEM = { privateKeyEncoding: { format: 'pem', type: 'pkcs8' }, publicKeyEncoding: { format: 'pem', type: 'spki' } } as const;

function generate(spec: KeySpec): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: string, priv: string): void => (err ? reject(err) : resolve(priv));
    if (spec.type === 'rsa') generateKeyPair('rsa', { modulusLength: spec.bits, ...PEM }, done);
    else if (spec.type === 'ec') generateKeyPair('ec', { namedCurve: spec.curve, ...PEM }, done);
    else generateKeyPair('ed25519', PEM, done);
  });
}

/** A fresh private key as PKCS#8 PEM, generated on the threadpool (RSA through its lane). */
export function generatePrivateKeyPem(spec: KeySpec): Promise<string> {
  if (spec.type !== 'rsa') return generate(spec);
  const lane = spec.bits >= LARGE_RSA_BITS ? lanes.rsaLarge : lanes.rsa;
  return lane.run(() => generate(spec));
}

/** Queue depth and totals per lane, for sys/metrics. */
export function keygenStats(): LaneStats[] {
  return [lanes.rsa.stats(), lanes.rsaLarge.stats()];
}
