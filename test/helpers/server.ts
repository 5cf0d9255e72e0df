/**
 * Starts a real Ward server (core + HTTP listener on a free loopback port) inside the
 * test process. `dev: true` (default) leaves it initialised and unsealed with a root
 * token and KV v2 at `secret/`; `dev: false` leaves it uninitialised.
 *
 * With `clock` (a FakeClock from ./clock.ts) the core, AppRole and userpass all read time
 * from it, so TTL and expiry tests move time instead of sleeping.
 */
import type { TelemetryConfig } from '../../src/core/metrics/telemetry.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WardCore } from '../../src/core/core.js';
import { createHandler } from '../../src/http/handler.js';
import { startListener } from '../../src/http/listener.js';
import { silentLogger, type Logger } from '../../src/sdk/logical.js';
import type { LoggerControl } from '../../src/core/loggers/control.js';
import { InmemPhysical } from '../../src/storage/inmem/inmem-physical.js';
import type { PhysicalBackend } from '../../src/storage/physical.js';
import { SqlitePhysical } from '../../src/storage/sqlite/sqlite-physical.js';
import { devBootstrap } from '../../src/server/dev.js';
import type { BackendRegistry } from '../../src/core/router/registry.js';
import { builtinRegistry } from '../../src/core/builtin-registry.js';
import { createAppRoleBackend } from '../../src/auth/approle/index.js';
import { createUserpassBackend } from '../../src/auth/userpass/index.js';
import type { Clock } from '../../src/lib/clock.js';

export interface TestServer {
  url: string;
  rootToken: string;
  unsealKeys: string[];
  core: WardCore;
  close(): Promise<void>;
}

export interface TestServerOptions {
  dev?: boolean;
  storage?: 'inmem' | 'sqlite';
  /** Reuse an existing SQLite file (restart tests). */
  sqlitePath?: string;
  /** Backends beyond the built-in ones (test engines). */
  registry?: BackendRegistry;
  /** Time source for the core and the auth methods that take one (AppRole, userpass). */
  clock?: Clock;
  /** Listener address; default `127.0.0.1:0`. `[::1]:0` serves IPv6 clients. */
  address?: string;
  /** A store opened by the test (etcd, PostgreSQL); wins over `storage`. Closed by close(). */
  physical?: PhysicalBackend;
  /** The core's logger (default: silent) and the run-time control of it (sys/loggers, sys/monitor). */
  logger?: Logger;
  loggerControl?: LoggerControl;
  /** The `telemetry` stanza (default: dev mode's). */
  telemetry?: TelemetryConfig;
}

/** The registry with AppRole and userpass reading time from `clock`. */
function clockedRegistry(base: BackendRegistry, clock: Clock): BackendRegistry {
  base.register('approle', 'auth', async (config) => createAppRoleBackend(config, { clock }));
  base.register('userpass', 'auth', async (config) => createUserpassBackend(config, { clock }));
  return base;
}

export async function startTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  let dir: string | null = null;
  let physical: PhysicalBackend;
  if (o.physical) {
    physical = o.physical;
  } else if (o.sqlitePath) {
    physical = SqlitePhysical.open(o.sqlitePath);
  } else if (o.storage === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'ward-test-'));
    physical = SqlitePhysical.open(join(dir, 'ward.db'));
  } else {
    physical = new InmemPhysical();
  }
  const registry = o.clock ? clockedRegistry(o.registry ?? builtinRegistry(), o.clock) : o.registry;
  // As dev mode: the api address is the listener's, known once it is bound.
  let apiAddr = '';
  const core = new WardCore({ physical, apiAddr: () => apiAddr, logger: o.logger ?? silentLogger, ...(o.loggerControl ? { loggers: o.loggerControl } : {}), ...(registry ? { registry } : {}), ...(o.clock ? { clock: o.clock } : {}), ...(o.telemetry ? { telemetry: o.telemetry } : {}) });
  const listener = await startListener({ address: o.address ?? '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger }));
  apiAddr = listener.url;
  let rootToken = '';
  let unsealKeys: string[] = [];
  if (o.dev ?? true) {
    const dev = await devBootstrap(core);
    rootToken = dev.rootToken;
    unsealKeys = [dev.unsealKey];
  }
  return {
    url: listener.url,
    rootToken,
    unsealKeys,
    core,
    async close() {
      await listener.close();
      await core.shutdown();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Minimal JSON client for API tests: returns status and parsed body (null for 204). */
export async function api(
  server: Pick<TestServer, 'url'>,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  // any: test bodies are asserted field by field; typing every response shape here buys nothing.
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token) headers['X-Vault-Token'] = o.token;
  const res = await fetch(`${server.url}/v1/${path}`, {
    method,
    headers,
    ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Enables each `sys/auth/<name>` or `sys/mounts/<name>` path with its type; fails on anything but 204. */
export async function enableAll(server: Pick<TestServer, 'url'>, token: string, mounts: ReadonlyArray<readonly [path: string, type: string]>): Promise<void> {
  for (const [path, type] of mounts) {
    const r = await api(server, 'POST', path, { token, body: { type } });
    if (r.status !== 204) throw new Error(`enabling ${type} at ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  }
}
