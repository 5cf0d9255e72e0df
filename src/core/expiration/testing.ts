/**
 * Test fixtures for the expiration manager and the token store: a fake clock, a tiny
 * secrets backend with one lease type whose revocations are recorded (and can be made to
 * fail), and a manager wired to InmemStorage.
 */
import type { Clock } from '../../lib/clock.js';
import { defineBackend, definePath, field } from '../../sdk/index.js';
import { silentLogger, type Backend, type LeaseView, type SystemView } from '../../sdk/logical.js';
import { InmemStorage, type Storage } from '../../sdk/storage.js';
import { ExpirationManager } from './expiration-manager.js';
import type { ExpirationDeps, ResolvedMount } from './types.js';

export class FakeClock implements Clock {
  constructor(public ms = Date.UTC(2024, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface TestEngine {
  backend: Backend;
  revoked: string[];
  renewed: LeaseView[];
  /** Revocations fail while this is > 0 (decremented per failure). */
  failRevokes: number;
  /** TTL the engine grants on renew (0 = honour the increment). */
  grantTtl: number;
}

export function testEngine(): TestEngine {
  const engine: TestEngine = { backend: undefined as unknown as Backend, revoked: [], renewed: [], failRevokes: 0, grantTtl: 0 };
  engine.backend = defineBackend({
    type: 'test-engine',
    kind: 'secret',
    paths: [
      definePath({
        pattern: 'creds/(?<name>\\w+)',
        fields: { name: field.string(), ttl: field.durationSecond() },
        operations: {
          read: async (_req, d) => ({
            data: { username: `u-${d.get('name')}` },
            secret: { type: 'creds', ttl: d.get('ttl'), maxTtl: 0, renewable: true, internalData: { username: `u-${d.get('name')}` } },
          }),
        },
      }),
    ],
    secretTypes: {
      creds: {
        renew: async (_req, lease) => {
          engine.renewed.push(lease);
          return { ttl: engine.grantTtl || lease.increment, data: { renewed: true } };
        },
        revoke: async (_req, lease) => {
          if (engine.failRevokes > 0) {
            engine.failRevokes--;
            throw new Error('database unreachable');
          }
          engine.revoked.push(String(lease.internalData.username ?? lease.leaseId));
        },
      },
    },
  });
  return engine;
}

export const systemView = (defaultTtl = 3600, maxTtl = 86400): SystemView => ({
  defaultLeaseTtl: () => defaultTtl,
  maxLeaseTtl: () => maxTtl,
  options: () => ({}),
});

export interface Harness {
  exp: ExpirationManager;
  clock: FakeClock;
  storage: Storage;
  engine: TestEngine;
  expiredTokens: string[];
  deps: ExpirationDeps;
}

/** A manager with `db/` served by the test engine. `onTokenExpired` records keys unless overridden. */
export function harness(o: { storage?: Storage; clock?: FakeClock; engine?: TestEngine; onTokenExpired?: (k: string) => Promise<void> } = {}): Harness {
  const clock = o.clock ?? new FakeClock();
  const storage = o.storage ?? new InmemStorage();
  const engine = o.engine ?? testEngine();
  const engineStorage = new InmemStorage();
  const expiredTokens: string[] = [];
  const mount: ResolvedMount = {
    backend: engine.backend,
    storage: engineStorage,
    mountPoint: 'db/',
    mountType: 'test-engine',
    mountAccessor: 'test_1234',
    system: systemView(),
  };
  const deps: ExpirationDeps = {
    storage,
    clock,
    logger: silentLogger,
    systemMaxTtl: 768 * 3600,
    resolveMount: (path) => (path.startsWith('db/') ? mount : null),
    onTokenExpired:
      o.onTokenExpired ??
      (async (k) => {
        expiredTokens.push(k);
      }),
  };
  return { exp: new ExpirationManager(deps), clock, storage, engine, expiredTokens, deps };
}
