/**
 * The node's lifecycle: init, unseal (by key shares or an auto seal), seal and shutdown.
 * Every step runs through one queue (`serial`) so two callers cannot race them; the HA
 * wiring (core-ha-wiring.ts) takes over after an unseal when a store can elect.
 */
import { badRequest } from '../sdk/errors.js';
import { getJSON, putJSON } from '../sdk/storage.js';
import type { Clock } from '../lib/clock.js';
import { shortHex, uuid } from '../lib/ids.js';
import { zeroize } from '../lib/secure.js';
import type { InitFinish, InitResult, SealStatus } from './api-types.js';
import type { AesGcmBarrier } from './barrier/barrier.js';
import { initAnswer, lockForInit } from './core-init.js';
import { haBackendOf, type ClusterInfo, type CoreOptions } from './core-options.js';
import { HaWiring } from './core-ha-wiring.js';
import type { StartSubsystems } from './core-subsystem-deps.js';
import { CLOSE_GOING_AWAY, type EventBus } from './events/bus.js';
import { dropInitResponse, keepInitResponse } from './init-response.js';
import type { NodeState } from './node-state.js';
import { AutoUnsealLoop } from './seal/auto-unseal.js';
import type { KeyCeremonies } from './seal/ceremonies.js';
import type { SealManager } from './seal/seal-manager.js';

export interface LifecycleDeps {
  opts: CoreOptions;
  node: NodeState;
  barrier: AesGcmBarrier;
  seal: SealManager;
  ceremonies: KeyCeremonies;
  events: EventBus;
  clock: Clock;
  startSubsystems: StartSubsystems;
  /** sys/seal-status's answer, which unseal returns. */
  sealStatus(): Promise<SealStatus>;
}

export class CoreLifecycle {
  private readonly haWiring: HaWiring;
  private autoUnsealLoop: AutoUnsealLoop | null = null;
  /** Serialises init/unseal/seal so two callers cannot race the lifecycle. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: LifecycleDeps) {
    this.haWiring = new HaWiring({ ...d, sealNow: () => this.sealNow() });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async isInitialized(): Promise<boolean> {
    return (await this.d.seal.getConfig()) !== null;
  }

  /**
   * With an auto seal, `recovery` gives the recovery key shares and the node stays unsealed.
   * `finish` (the HTTP layer's PGP encryption) runs on the answer before the HA lock is given
   * back; when it says `keep`, the finished answer is kept for sys/init/response
   * (init-response.ts), written while this node may still write (etcd fences a released lock).
   */
  init(secretShares: number, secretThreshold: number, recovery?: { shares: number; threshold: number }, finish?: InitFinish): Promise<InitResult> {
    return this.serial(async () => {
      const { opts } = this.d;
      // With HA, initialisation holds the lock: once the seal configuration is stored, other
      // nodes (auto-unseal) unseal and try for the lock, and one that became active before
      // this node had written the mount tables and the root token would write its own.
      if (await this.isInitialized()) throw badRequest('Vault is already initialized');
      const held = await lockForInit(haBackendOf(opts));
      let initialized: { keys: Buffer[]; recoveryKeys: Buffer[]; rootToken: string; stayUnsealed: boolean };
      let result: InitResult;
      try {
        initialized = await this.initializeStore(secretShares, secretThreshold, recovery);
        const { keys, recoveryKeys, rootToken } = initialized;
        result = initAnswer(keys, recoveryKeys, rootToken, this.d.seal.type);
        zeroize(...keys, ...recoveryKeys);
        if (finish) {
          const done = await finish(result);
          result = done.result;
          // Best effort: failing to keep a copy must not cost the client the answer itself.
          if (done.keep) await keepInitResponse(opts.physical, result, this.d.clock.now()).catch((e: unknown) => opts.logger.warn('core: could not keep the encrypted init response', { error: (e as Error).message }));
        }
      } finally {
        await held?.release().catch(() => undefined);
      }
      if (initialized.stayUnsealed) {
        try {
          await this.postUnseal();
        } catch (e) {
          // Initialised all the same: the keys must reach the operator; the node stays sealed.
          opts.logger.error('core: post-init unseal failed; the node stays sealed', { error: (e as Error).message });
        }
      }
      return result;
    });
  }

  /** Creates the keys, the cluster record, the default mounts and the root token. */
  private async initializeStore(secretShares: number, secretThreshold: number, recovery?: { shares: number; threshold: number }): Promise<{ keys: Buffer[]; recoveryKeys: Buffer[]; rootToken: string; stayUnsealed: boolean }> {
    const { seal, barrier } = this.d;
    // Checked under the lock: two nodes asked to initialise at once initialise once.
    if (await this.isInitialized()) throw badRequest('Vault is already initialized');
    const { keys, recoveryKeys } = await seal.initialize(secretShares, secretThreshold, recovery);
    // An auto seal leaves the node it initialised unsealed, as Vault does.
    let stayUnsealed = seal.type !== 'shamir';
    try {
      const cluster: ClusterInfo = { name: this.d.opts.clusterName ?? `vault-cluster-${shortHex()}`, id: uuid() };
      await putJSON(barrier, 'core/cluster', cluster);
      const subs = await this.d.startSubsystems();
      const rootToken = (await subs.tokens.createRoot()).id;
      await subs.stop();
      return { keys, recoveryKeys, rootToken, stayUnsealed };
    } catch (e) {
      stayUnsealed = false;
      throw e;
    } finally {
      if (!stayUnsealed) barrier.seal();
    }
  }

  /** `migrate`: the key is the old seal's share in a seal migration (`-migrate`). */
  unseal(key: string | undefined, reset: boolean, migrate = false): Promise<SealStatus> {
    return this.serial(async () => {
      const { opts, node, seal } = this.d;
      if (!(await this.isInitialized())) throw badRequest('Vault is not initialized');
      if (reset) {
        if (!node.isSealed()) throw badRequest('vault is unsealed');
        seal.resetUnseal();
        return this.d.sealStatus();
      }
      if (!node.isSealed()) return this.d.sealStatus();
      if (!key) throw badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
      const progress = await seal.submitUnsealKey(key, migrate);
      if (!progress.sealed) {
        await this.postUnseal();
        // Whoever unsealed holds the shares now: the kept init answer has done its job. With
        // HA the node that becomes active drops it (a standby's store may refuse writes).
        if (haBackendOf(opts) === undefined) await dropInitResponse(opts.physical).catch((e: unknown) => opts.logger.warn('core: could not drop the kept init response', { error: (e as Error).message }));
      }
      return this.d.sealStatus();
    });
  }

  private async postUnseal(): Promise<void> {
    const { opts, node, barrier } = this.d;
    try {
      node.cluster = await getJSON<ClusterInfo>(barrier, 'core/cluster');
      const backend = haBackendOf(opts);
      if (backend) {
        this.haWiring.start(backend);
        return;
      }
      node.subsystems = await this.d.startSubsystems();
      opts.logger.info('core: vault is unsealed');
    } catch (e) {
      barrier.seal();
      node.subsystems = null;
      throw e;
    }
  }

  /** Seals: stops timers and backends, then zeroes the keyring (applying a pending restore). */
  sealNow(): Promise<void> {
    return this.serial(async () => {
      const { node, barrier, seal } = this.d;
      const ha = node.ha;
      node.ha = null;
      let restore = node.pendingRestore;
      node.pendingRestore = null;
      let restoreFailure: { error: unknown } | null = null;
      const applyRestore = async (apply: () => Promise<void>): Promise<void> => {
        await barrier.writesSettled();
        await apply().catch((error: unknown) => (restoreFailure = { error }));
      };
      // Steps down first (stopping the subsystems, releasing the lock) while the barrier still
      // works. An HA node applies a restore before it lets the lock go (see HaManager.stop).
      if (ha !== null) {
        const pending = restore;
        if (await ha.stop(pending === null ? undefined : () => applyRestore(pending))) restore = null;
      }
      await this.haWiring.stopPerfStandby();
      const subs = node.subsystems;
      if (!subs && !ha) return;
      node.subsystems = null;
      node.pendingSeal = false;
      this.d.ceremonies.reset();
      this.d.events.closeAll(CLOSE_GOING_AWAY, 'sealed');
      await subs?.stop();
      barrier.seal();
      if (restore !== null) await applyRestore(restore);
      // Read again at the next unseal: a restore, or another node's rekey or seal migration
      // while this one was a standby, may have changed it.
      seal.forgetConfig();
      seal.resetUnseal();
      this.d.opts.logger.info('core: vault is sealed');
      if (restoreFailure !== null) throw (restoreFailure as { error: unknown }).error;
    });
  }

  /**
   * With an auto seal, unseals in the background, retrying (with a logged error) while the
   * seal cannot open the root key; ends once unsealed or on shutdown. Never throws.
   */
  startAutoUnseal(): void {
    if (this.autoUnsealLoop) return;
    const { opts, node, seal } = this.d;
    seal.start(opts.logger);
    this.autoUnsealLoop = new AutoUnsealLoop(opts.logger, () =>
      this.serial(async () => {
        if (!node.isSealed()) return 'unsealed' as const;
        const outcome = await seal.autoUnseal();
        if (outcome === 'unsealed') await this.postUnseal();
        return outcome;
      }),
    );
    this.autoUnsealLoop.start();
  }

  /** Graceful stop: seal (zeroing keys) and close storage. */
  async shutdown(): Promise<void> {
    await this.autoUnsealLoop?.stop();
    this.d.seal.stop();
    await this.sealNow();
    await this.d.barrier.writesSettled();
    await this.d.opts.physical.close();
  }
}
