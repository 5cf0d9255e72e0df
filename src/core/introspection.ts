/**
 * The introspection families of `sys/` (issue 20): plugin catalog, host info, version
 * history, loggers and monitor, in-flight requests and client counting, built in one
 * place so startSubsystems wires them with a few lines.
 */
import type { Fields } from '../sdk/framework/fields.js';
import type { PathDef } from '../sdk/framework/path.js';
import type { Logger } from '../sdk/logical.js';
import type { Storage } from '../sdk/storage.js';
import type { Clock } from '../lib/clock.js';
import { ActivityLog } from './activity/activity-log.js';
import { WARD_VERSION } from './api-types.js';
import type { HttpInFlight } from './inflight/http-requests.js';
import type { LoggerControl } from './loggers/control.js';
import type { BackendRegistry } from './router/registry.js';
import { routePath, type MountEntry } from './router/mount-entry.js';
import { activityPaths } from './sys/paths-activity.js';
import { hostInfoPaths } from './sys/paths-host-info.js';
import { inFlightPaths } from './sys/paths-in-flight.js';
import { loggerPaths } from './sys/paths-loggers.js';
import { monitorPaths } from './sys/paths-monitor.js';
import { pluginCatalogPaths } from './sys/paths-plugins-catalog.js';
import { versionHistoryPaths } from './sys/paths-version-history.js';
import { recordVersion } from './versions/history.js';

/** What the core hands over: all optional, a core without them serves the rest. */
export interface IntrospectionOptions {
  /** When this build was made: recorded with the version in sys/version-history. */
  buildDate?: string;
  /** The server's loggers: sys/loggers and sys/monitor are served only with them. */
  loggers?: LoggerControl;
  /** The HTTP requests being served now (sys/in-flight-req). */
  inFlight?: HttpInFlight;
}

export interface IntrospectionDeps extends IntrospectionOptions {
  barrier: Storage & { view(prefix: string): Storage };
  clock: Clock;
  logger: Logger;
  registry: BackendRegistry;
  readOnly: boolean;
  /** Every mount, for attributing clients to the auth mount that issued their token. */
  mounts(): readonly { entry: MountEntry }[];
  entityCount(): number;
}

export interface Introspection {
  /** Told of every token use by the request pipeline. */
  activity: ActivityLog;
  paths: PathDef<Fields>[];
  /** Loads the counting state and records the running version (not on a read-only standby). */
  load(): Promise<void>;
}

export function introspection(deps: IntrospectionDeps): Introspection {
  const { barrier, clock } = deps;
  const now = (): number => clock.now();
  const activity = new ActivityLog({
    storage: barrier.view('sys/counters/activity/'),
    now,
    mountOf: (accessor) => {
      const r = deps.mounts().find((x) => x.entry.accessor === accessor);
      return r ? { path: routePath(r.entry), type: r.entry.type } : undefined;
    },
    logger: deps.logger,
    readOnly: deps.readOnly,
  });
  const paths = [
    ...pluginCatalogPaths(() => deps.registry.list()),
    ...hostInfoPaths(now),
    ...versionHistoryPaths(barrier),
    ...(deps.loggers ? [...loggerPaths(deps.loggers), ...monitorPaths(deps.loggers)] : []),
    ...(deps.inFlight ? inFlightPaths(deps.inFlight) : []),
    ...activityPaths({
      activity,
      now,
      serviceTokens: async () => (await barrier.view('sys/token/').list('accessor/')).length,
      entities: deps.entityCount,
    }),
  ];
  return {
    activity,
    paths,
    async load() {
      await activity.load();
      if (!deps.readOnly) await recordVersion(barrier, WARD_VERSION, deps.buildDate ?? '', now());
    },
  };
}
