/**
 * A tiny dynamic-secret engine for lease tests, and a server that has it registered.
 * `creds/<role>` returns a leased credential; the engine records every revoke and
 * renew so tests can assert the core called back. Role names steer behaviour:
 * `fixed` → not renewable, `short` → ttl 2 s, anything else → ttl 60 s, max 120 s.
 */
import type { TelemetryConfig } from '../../src/core/metrics/telemetry.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRegistry } from '../../src/core/builtin-registry.js';
import { defineBackend, definePath, field, genericName, type Backend } from '../../src/sdk/index.js';
import type { Clock } from '../../src/lib/clock.js';
import { startTestServer, type TestServer } from './server.js';

export interface LeaseLog {
  issued: string[];
  revoked: string[];
  renewed: string[];
}

/** Shared across every mount of the engine, so tests can see callbacks made after remounts. */
export const leaseLog: LeaseLog = { issued: [], revoked: [], renewed: [] };

let counter = 0;

export function leaseEngine(): Promise<Backend> {
  return Promise.resolve(
    defineBackend({
      type: 'leasetest',
      kind: 'secret',
      secretTypes: {
        creds: {
          renew: async (_req, lease) => {
            leaseLog.renewed.push(String(lease.internalData.username));
            return { ttl: lease.increment };
          },
          revoke: async (_req, lease) => {
            leaseLog.revoked.push(String(lease.internalData.username));
          },
        },
      },
      paths: [
        definePath({
          pattern: `creds/${genericName('role')}`,
          fields: { role: field.string({ required: true }) },
          operations: {
            read: async (_req, d) => {
              const role = d.get('role');
              const username = `${role}-user-${++counter}`;
              leaseLog.issued.push(username);
              const ttl = role === 'short' ? 2 : 60;
              return {
                data: { username, password: `pw-${username}` },
                secret: { type: 'creds', ttl, maxTtl: 120, renewable: role !== 'fixed', internalData: { username } },
              };
            },
          },
        }),
      ],
    }),
  );
}

export interface LeaseServerOptions {
  sqlitePath?: string;
  /** Skip dev bootstrap (for restart tests: the store is already initialised). */
  dev?: boolean;
  /** A FakeClock to move instead of sleeping (see ./clock.ts). */
  clock?: Clock;
  /** The `telemetry` stanza (e.g. a short usage_gauge_period). */
  telemetry?: TelemetryConfig;
}

/**
 * Like startTestServer, but the core's registry also knows `leasetest`, and (in dev
 * mode) it is mounted at `dyn/`.
 */
export async function startLeaseServer(o: LeaseServerOptions = {}): Promise<TestServer> {
  const registry = builtinRegistry();
  registry.register('leasetest', 'secret', () => leaseEngine());
  const server = await startTestServer({ registry, dev: o.dev ?? true, ...(o.sqlitePath ? { sqlitePath: o.sqlitePath } : {}), ...(o.clock ? { clock: o.clock } : {}), ...(o.telemetry ? { telemetry: o.telemetry } : {}) });
  if (o.dev ?? true) await server.core.active!.mounts.mount('mounts', { path: 'dyn/', type: 'leasetest' });
  return server;
}

/** A temp directory for a SQLite file, removed by the returned cleanup. */
export function tempDbPath(): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ward-lease-'));
  return { path: join(dir, 'ward.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
