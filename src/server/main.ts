/**
 * `ward server`: builds storage, core and listeners from flags or a config file, and
 * owns the process lifecycle (signals, graceful stop).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARD_VERSION } from '../core/api-types.js';
import { WardCore } from '../core/core.js';
import { openSeals, STATIC_SEAL_WARNING } from '../core/seal/open-seal.js';
import { startLoopWatchdog, stopLoopWatchdog, thresholdFromEnv } from '../core/loop-watchdog.js';
import { createHandler } from '../http/handler.js';
import { handlerOptionsFor } from '../http/handler-options.js';
import { DEV_TELEMETRY } from '../core/metrics/telemetry.js';
import { startListener, type Listener, type ListenerConfig } from '../http/listener.js';
import type { PhysicalBackend } from '../storage/physical.js';
import { SqlitePhysical } from '../storage/sqlite/sqlite-physical.js';
import { InmemHaEngine } from '../storage/inmem/inmem-ha.js';
import { InmemPhysical } from '../storage/inmem/inmem-physical.js';
import { openStorage } from './open-storage.js';
import { configuredApiAddr, setUpHa, type HaSetup } from './cluster.js';
import { migrationRefusal } from './migrate/records.js';
import { DEFAULT_CACHE_SIZE, parseConfigFile, type ServerConfig } from './config.js';
import { applyProcessHardening, type HardeningResult } from './hardening.js';
import { createLogger } from './logger.js';
import { installSignalHandlers } from './signals.js';
import { devBootstrap } from './dev.js';
import { parseServerFlags, SERVER_USAGE } from './flags.js';
import { prepareServiceRegistration, startServiceRegistration, type ServiceRegistrationHandle } from './service-registration/index.js';

export async function runServer(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseServerFlags(args);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${SERVER_USAGE}\n`);
    return 1;
  }
  if (flags.help) {
    process.stdout.write(`${SERVER_USAGE}\n`);
    return 0;
  }
  if (!flags.dev && !flags.config) {
    process.stderr.write(`Either -dev or -config=FILE is required.\n\n${SERVER_USAGE}\n`);
    return 1;
  }

  let config: ServerConfig;
  try {
    config = flags.config ? parseConfigFile(flags.config) : devConfig(flags.devListenAddress);
  } catch (e) {
    process.stderr.write(`Error loading configuration: ${(e as Error).message}\n`);
    return 1;
  }
  const logger = createLogger(flags.logLevel ?? config.logLevel);
  let registrationTarget: ReturnType<typeof prepareServiceRegistration> | null = null;
  try {
    if (config.serviceRegistration) registrationTarget = prepareServiceRegistration(config.serviceRegistration);
  } catch (e) {
    process.stderr.write(`Error configuring service registration: ${(e as Error).message}\n`);
    return 1;
  }
  let hardening: HardeningResult;
  try {
    // Dev mode tries to lock too, and only warns when it cannot.
    hardening = applyProcessHardening({ disableMlock: config.disableMlock, allowRoot: config.allowRoot || flags.allowRoot, dev: flags.dev, logger });
    for (const w of hardening.warnings) logger.warn(w);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }

  let watchdog;
  try {
    watchdog = startLoopWatchdog({ logger: logger.child('watchdog'), thresholdMs: thresholdFromEnv() });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }

  let devDir: string | null = null;
  let physical: PhysicalBackend;
  if (flags.dev && flags.devHa) {
    physical = InmemPhysical.shared(new InmemHaEngine());
  } else if (flags.dev && flags.devStorage !== 'inmem') {
    devDir = mkdtempSync(join(tmpdir(), 'ward-dev-'));
    physical = SqlitePhysical.open(join(devDir, 'ward.db'));
  } else {
    try {
      physical = await openStorage(config.storage, { logger });
    } catch (e) {
      process.stderr.write(`Error opening storage: ${(e as Error).message}\n`);
      stopLoopWatchdog(watchdog);
      return 1;
    }
    let refused: string | null = null;
    try {
      refused = await migrationRefusal(physical);
    } catch (e) {
      // An engine not reachable yet: the core's own handling of that applies from here.
      logger.warn('could not check the storage for a migration lock', { error: e instanceof Error ? e.message : String(e) });
    }
    if (refused !== null) {
      process.stderr.write(`${refused}\n`);
      await physical.close();
      stopLoopWatchdog(watchdog);
      return 1;
    }
  }

  // HA: the lock's store (ha_storage, else the data store if it can elect) and the cluster port.
  let ha: HaSetup;
  try {
    const haPhysical = config.ha.haStorage ? await openStorage(config.ha.haStorage) : null;
    ha = await setUpHa(config, physical, haPhysical, () => core, logger);
  } catch (e) {
    process.stderr.write(`Error setting up high availability: ${(e as Error).message}\n`);
    stopLoopWatchdog(watchdog);
    await physical.close();
    return 1;
  }

  const listeners: Listener[] = [];
  // As Vault: api_addr (env first), else in dev mode the listener, whose port is known once bound.
  const apiAddr = configuredApiAddr(flags.dev ? { ...config, apiAddr: undefined } : config);
  const core = new WardCore({
    physical,
    ...(ha.options ? { ha: ha.options } : {}),
    apiAddr: () => apiAddr ?? (flags.dev ? (listeners[0]?.url ?? '') : ''),
    // The core's lines carry @module "core": sys/loggers/core changes their level alone.
    logger: logger.child('core'),
    loggers: logger.control(),
    defaultLeaseTtl: config.defaultLeaseTtl,
    maxLeaseTtl: config.maxLeaseTtl,
    cacheEntries: config.cacheSize,
    ...(config.clusterName ? { clusterName: config.clusterName } : {}),
    memoryLocked: hardening.mlock === 'locked',
    seal: openSeals(config.seal),
    telemetry: config.telemetry,
  });
  if (config.seal.type === 'static') logger.warn(`seal: ${STATIC_SEAL_WARNING}`);
  // Dev mode unseals before listening so the first request a client sends succeeds.
  const dev = flags.dev ? await devBootstrap(core, flags.devRootTokenId) : null;
  try {
    // One handler per listener: each listener has its own size, duration and JSON limits.
    for (const l of config.listeners) listeners.push(await startListener(l, createHandler(core, { ...handlerOptionsFor(l, logger), ...(config.telemetry.unauthenticatedMetricsAccess ? { unauthenticatedMetrics: true } : {}) })));
  } catch (e) {
    process.stderr.write(`Error starting listener: ${(e as Error).message}\n`);
    // Seal and close everything the core started (dev mode is already unsealed: its lease
    // timers and storage writer thread would otherwise keep the process alive), and stop
    // the listeners that did bind.
    await Promise.all(listeners.map((l) => l.close(0)));
    await core.shutdown();
    await ha.close();
    if (devDir) rmSync(devDir, { recursive: true, force: true });
    return 1;
  }

  // In the background: labels follow the node from now on, and never hold up a request.
  let registration: ServiceRegistrationHandle | null = null;
  if (config.serviceRegistration && registrationTarget) {
    registration = await startServiceRegistration(config.serviceRegistration, registrationTarget, core, WARD_VERSION, logger.child('service_registration'));
  }

  if (dev) {
    const url = listeners[0]?.url ?? '';
    process.stdout.write(devBanner(url, dev.unsealKey, dev.rootToken, physical.name));
  } else {
    logger.info('ward server started', { listeners: listeners.map((l) => l.url), storage: physical.name, seal: config.seal.type });
  }
  // With an auto seal the node unseals itself, retrying in the background while the seal is unreachable.
  core.startAutoUnseal();

  return new Promise<number>((resolve) => {
    installSignalHandlers({
      logger,
      onShutdown: async () => {
        stopLoopWatchdog(watchdog);
        // Monitors' streams end now: an open one would hold the listener's graceful close.
        logger.control().endTaps();
        await Promise.all(listeners.map((l) => l.close()));
        await core.shutdown();
        await ha.close();
        await registration?.stop();
        if (devDir) rmSync(devDir, { recursive: true, force: true });
        resolve(0);
      },
      onReload: async () => {
        // As Vault: each listener re-reads its certificate; a bad one keeps the old.
        for (const l of listeners) {
          try {
            l.reloadCertificates();
          } catch (e) {
            logger.error('failed to reload listener certificate; keeping the current one', { listener: l.url, error: (e as Error).message });
          }
        }
        await core.active?.audit.reopen?.();
      },
    });
  });
}

function devConfig(address: string): ServerConfig {
  const listener: ListenerConfig = { address, tlsDisable: true };
  return {
    storage: { type: 'inmem' },
    listeners: [listener],
    apiAddr: `http://${address}`,
    clusterName: '',
    disableMlock: false,
    defaultLeaseTtl: 768 * 3600,
    maxLeaseTtl: 768 * 3600,
    logLevel: 'info',
    allowRoot: true,
    cacheSize: DEFAULT_CACHE_SIZE,
    seal: { type: 'shamir' },
    ha: {},
    telemetry: { ...DEV_TELEMETRY },
  };
}

function devBanner(url: string, unsealKey: string, rootToken: string, storage: string): string {
  return [
    'WARNING! dev mode is enabled! In this mode, Ward runs unsealed on a throwaway',
    `${storage} store, with one unseal key and a root token shown below. Never use it in production.`,
    '',
    'You may need to set the following environment variables:',
    '',
    `    $ export VAULT_ADDR='${url}'`,
    '',
    'The unseal key and root token are displayed below in case you want to',
    'seal/unseal the Vault or re-authenticate.',
    '',
    `Unseal Key: ${unsealKey}`,
    `Root Token: ${rootToken}`,
    '',
    'Development mode should NOT be used in production installations!',
    '',
  ].join('\n');
}
