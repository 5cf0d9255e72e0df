/**
 * The etcd3 client's global fault-handling policy, written against its policy interface
 * rather than imported from cockatiel (a transitive dependency Ward does not list). Each
 * retry runs on another member (the client picks a fresh host per attempt), so a killed or
 * hung member, or a leader election, costs the caller a short delay rather than an error.
 *
 * Retrying is safe for every call the store makes: puts and deletes are idempotent, fenced
 * transactions re-check the same compare, and the lock's acquire transaction recognises its
 * own earlier success (lock.ts).
 */
import { sleep } from '../../lib/sleep.js';
import { GRPCUnavailableError, isRecoverableError, RecoverableError, type IOptions } from 'etcd3';

type GlobalPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
type HostPolicy = ReturnType<NonNullable<NonNullable<IOptions['faultHandling']>['host']>>;

export interface RetryOptions {
  /** Stop retrying once this long has passed since the first attempt. */
  budgetMs: number;
  /** First pause between attempts; doubles up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told about each retried failure (for debug logging). */
  onRetry?: (error: Error, attempt: number) => void;
}

/** Errors worth another attempt on another member: transport failures, timeouts, elections. */
export function isRetryable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  // grpc marks "message larger than max" RESOURCE_EXHAUSTED: sending it again cannot help.
  if (/larger than max/i.test(e.message)) return false;
  return isRecoverableError(e);
}


const noEvent = () => ({ dispose: () => undefined });

/** A retry-with-backoff policy bounded by time, shaped as the etcd3 client expects. */
export function retryPolicy(o: RetryOptions): GlobalPolicy {
  const base = o.baseDelayMs ?? 50;
  const max = o.maxDelayMs ?? 1000;
  const policy = {
    onSuccess: noEvent,
    onFailure: noEvent,
    async execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T, signal: AbortSignal = new AbortController().signal): Promise<T> {
      const started = Date.now();
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn({ signal });
        } catch (e) {
          const delay = Math.min(max, base * 2 ** (attempt - 1));
          if (!isRetryable(e) || signal.aborted || Date.now() + delay - started > o.budgetMs) throw e;
          o.onRetry?.(e as Error, attempt);
          await sleep(delay, signal);
        }
      }
    },
  };
  // any-free cast: `_altReturn` is a type-only marker the interface declares but never reads.
  return policy as unknown as GlobalPolicy;
}

/** Thrown instead of calling a member that refused a connection moments ago; the client then tries another. */
export class MemberSkipped extends Error {
  readonly [RecoverableError] = true;
  constructor(cause: Error) {
    super(cause.message);
    this.name = 'MemberSkipped';
  }
}

/** A member's transport failed (refused, reset, not connected): not an answer from etcd itself. */
function memberDown(e: unknown): boolean {
  return e instanceof GRPCUnavailableError && !/etcdserver:/.test(e.message);
}

/**
 * The per-member policy. etcd3's default is a circuit breaker that shuts a member out for 5 s
 * after 3 failures in a row; when a leader dies, the two live followers also fail a burst of
 * calls stuck on it, all three circuits open, and every call fails at once for 5 s (the
 * member-loss test saw exactly that). Here a member whose connection failed is only skipped
 * for `skipMs` while others are tried; when every member is skipped the call fails over to the
 * retry policy's backoff, never to an error of its own.
 */
export function skipRecentlyDown(skipMs = 2000): () => HostPolicy {
  return () => {
    let downAt = 0;
    let lastError: Error | null = null;
    const policy = {
      onSuccess: noEvent,
      onFailure: noEvent,
      async execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T, signal: AbortSignal = new AbortController().signal): Promise<T> {
        if (lastError !== null && Date.now() - downAt < skipMs) throw new MemberSkipped(lastError);
        try {
          const out = await fn({ signal });
          lastError = null;
          return out;
        } catch (e) {
          if (memberDown(e)) {
            downAt = Date.now();
            lastError = e as Error;
          }
          throw e;
        }
      },
    };
    return policy as unknown as HostPolicy;
  };
}
