/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm:
 * - A candidate reads the Lease; it may take it when it is absent, released (no holder), its
 *   own, or not renewed for `leaseDurationSeconds` as observed on the candidate's own clock
 *   (the time it last saw the record change, so clock skew between nodes does not matter).
 * - Taking it writes holderIdentity, renewTime (and acquireTime, leaseTransitions+1 when the
 *   holder changes) with the resourceVersion read: of two racing writers one gets 409 and loses.
 * - The leader renews every `retryPeriodMs`; if it has not renewed for `renewDeadlineMs`
 *   (< the lease duration) it steps down, so it stops acting before anyone else may take over:
 *   two electors never both lead.
 * - `stop()` releases the Lease (holder cleared) so a successor need not wait for expiry.
 * After losing the lease the elector becomes a candidate again.
 */
import type { V1Lease } from '@kubernetes/client-node';
import { sleep } from '../../lib/sleep.js';
import { microTime, timeMs, type LeaseLock } from './lease-lock.js';

export interface LeaderElectorOptions {
  lock: LeaseLock;
  /** Unique per process (e.g. pod name + random suffix). */
  identity: string;
  /** How long a lease is valid without renewal (integer seconds, default 15). */
  leaseDurationSeconds?: number;
  /** A leader that has not renewed for this long steps down (default 10 s). */
  renewDeadlineMs?: number;
  /** Between attempts to acquire or renew (default 2 s; acquisition attempts are jittered up to +20%). */
  retryPeriodMs?: number;
  /** Called on becoming leader; `signal` aborts when leadership ends. */
  onStartedLeading?: (signal: AbortSignal) => void;
  onStoppedLeading?: () => void;
  /** Called when the observed holder changes (including to ourselves). */
  onNewLeader?: (identity: string) => void;
  /** A failed attempt (API error); election continues. */
  onError?: (err: unknown) => void;
}

export class LeaderElector {
  readonly #o: Required<Pick<LeaderElectorOptions, 'leaseDurationSeconds' | 'renewDeadlineMs' | 'retryPeriodMs'>> & LeaderElectorOptions;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #leading = false;
  #observed: { key: string; at: number; holder: string } | undefined;

  constructor(o: LeaderElectorOptions) {
    const leaseDurationSeconds = o.leaseDurationSeconds ?? 15;
    const renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
    const retryPeriodMs = o.retryPeriodMs ?? 2_000;
    if (!Number.isInteger(leaseDurationSeconds) || leaseDurationSeconds < 1) throw new Error(`leaseDurationSeconds must be a whole number of seconds >= 1, got ${leaseDurationSeconds}`);
    if (!(renewDeadlineMs < leaseDurationSeconds * 1000)) throw new Error(`renewDeadlineMs (${renewDeadlineMs}) must be shorter than the lease duration (${leaseDurationSeconds} s)`);
    if (!(retryPeriodMs > 0 && retryPeriodMs < renewDeadlineMs)) throw new Error(`retryPeriodMs (${retryPeriodMs}) must be positive and shorter than renewDeadlineMs (${renewDeadlineMs})`);
    if (!o.identity) throw new Error('leader election needs a non-empty identity');
    this.#o = { ...o, leaseDurationSeconds, renewDeadlineMs, retryPeriodMs };
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last observed in the Lease ('' when none). */
  get observedLeader(): string {
    return this.#observed?.holder ?? '';
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops competing; a leader steps down (onStoppedLeading) and releases the Lease. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      if (await this.#attempt()) {
        await this.#lead();
        continue;
      }
      await sleep(this.#o.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
    }
  }

  async #lead(): Promise<void> {
    const signal = this.#abort.signal;
    const term = new AbortController();
    this.#leading = true;
    this.#call(() => this.#o.onStartedLeading?.(term.signal));
    let renewedAt = Date.now();
    while (!signal.aborted) {
      const deadline = renewedAt + this.#o.renewDeadlineMs;
      if (!(await sleep(Math.min(this.#o.retryPeriodMs, deadline - Date.now()), signal))) break;
      // A renewal that hangs past the deadline counts as failed: leadership must end on time.
      const giveUp = new AbortController();
      const ok = await Promise.race([this.#attempt(), sleep(Math.max(0, deadline - Date.now()), giveUp.signal).then(() => false)]);
      giveUp.abort(); // no timer outlives the round (it would keep a stopping process alive)
      if (ok) renewedAt = Date.now();
      else if (Date.now() >= deadline) break;
    }
    this.#leading = false;
    term.abort();
    this.#call(() => this.#o.onStoppedLeading?.());
    if (signal.aborted) await this.#release();
  }

  /** One acquire-or-renew round; true when we hold the Lease afterwards. */
  async #attempt(): Promise<boolean> {
    const now = Date.now();
    const { lock, identity, leaseDurationSeconds } = this.#o;
    try {
      const lease = await lock.get();
      if (!lease) {
        await lock.create({
          metadata: {},
          spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        this.#observe({ spec: { holderIdentity: identity } }, now);
        return true;
      }
      // Seen now, after the read: a renewal that landed while the read was in flight must
      // count from here (client-go's observedTime), or the lease is taken before it expires.
      this.#observe(lease, Date.now());
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      if (holder && holder !== identity && (this.#observed?.at ?? now) + duration > now) return false;
      const taking = holder !== identity;
      await lock.update({
        ...lease,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds,
          renewTime: microTime(now),
          acquireTime: taking ? microTime(now) : spec.acquireTime,
          leaseTransitions: (spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
        },
      });
      if (taking) this.#observe({ spec: { holderIdentity: identity } }, now);
      return true;
    } catch (e) {
      // 409 (someone else wrote first) and API outages alike: not held this round.
      this.#call(() => this.#o.onError?.(e));
      return false;
    }
  }

  /** Remembers when the record last changed, on our clock: expiry is judged from that, not from renewTime. */
  #observe(lease: V1Lease, now: number): void {
    const holder = lease.spec?.holderIdentity ?? '';
    const key = `${holder}|${timeMs(lease.spec?.renewTime) ?? ''}|${lease.metadata?.resourceVersion ?? ''}`;
    if (this.#observed?.key === key) return;
    const changedHolder = this.#observed?.holder !== holder;
    this.#observed = { key, at: now, holder };
    if (changedHolder && holder) this.#call(() => this.#o.onNewLeader?.(holder));
  }

  async #release(): Promise<void> {
    try {
      const lease = await this.#o.lock.get();
      if (!lease || lease.spec?.holderIdentity !== this.#o.identity) return;
      const now = Date.now();
      await this.#o.lock.update({ ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now), acquireTime: microTime(now) } });
    } catch (e) {
      // The lease then simply expires; the successor waits a lease duration.
      this.#call(() => this.#o.onError?.(e));
    }
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch {
      // callbacks report their own failures; the election must go on
    }
  }
}
