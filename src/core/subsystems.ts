/**
 * Wires the subsystems that exist only while unsealed. Each gets a narrow set of
 * dependencies; cycles (tokens ↔ expiration, sys ↔ mounts) are closed with late-bound
 * closures so construction order stays simple.
 */
import { badRequest } from '../sdk/errors.js';
import type { Backend, Logger } from '../sdk/logical.js';
import type { Storage } from '../sdk/storage.js';
import type { Clock } from '../lib/clock.js';
import { cubbyholeStorageFor, destroyCubbyhole } from '../secrets/cubbyhole/index.js';
import { AuditBroker } from './audit/broker.js';
import { ExpirationManager } from './expiration/expiration-manager.js';
import { RequestPipeline } from './pipeline/handle-request.js';
import type { AclLike } from './pipeline/authorize.js';
import type { ACL } from './policy/acl.js';
import { PolicyStore } from './policy/policy-store.js';
import { MountManager } from './router/mounts.js';
import type { BackendRegistry } from './router/registry.js';
import { Router } from './router/router.js';
import { auditPaths } from './sys/paths-audit.js';
import { auditedHeaderPaths } from './sys/paths-audited-headers.js';
import { capabilityPaths } from './sys/paths-capabilities.js';
import { keyPaths } from './sys/paths-keys.js';
import { leasePaths } from './sys/paths-leases.js';
import { lockedUserPaths } from './sys/paths-locked-users.js';
import { metricsPaths } from './sys/paths-metrics.js';
import { quotaPaths } from './sys/paths-quotas.js';
import { corsPaths } from './sys/paths-cors.js';
import { resolvesRoles } from './quotas/role-check.js';
import { CorsStore } from './cors/cors-config.js';
import { QuotaManager } from './quotas/quota-manager.js';
import type { MetricsAnswer } from './metrics/serve.js';
import { mountPaths, remountPaths } from './sys/paths-mounts.js';
import { policyPaths } from './sys/paths-policies.js';
import { snapshotPaths, type SnapshotPathDeps } from './sys/paths-snapshot.js';
import { toolsPaths } from './sys/paths-tools.js';
import { uiMountPaths } from './sys/paths-ui-mounts.js';
import { wrappingPaths } from './sys/paths-wrapping.js';
import { introspection, type IntrospectionOptions } from './introspection.js';
import { haPaths } from './sys/paths-ha.js';
import type { HaStatusNode } from './ha/node-table.js';
import { systemBackend } from './sys/sys-backend.js';
import { identityBackend } from './identity/backend.js';
import type { IdentityDeps } from './identity/deps.js';
import { EffectiveIdentity, type TokenIdentity } from './identity/effective.js';
import { dropMountAliases, entityForLogin, syncExternalGroups } from './identity/login.js';
import { IdentityStore } from './identity/store.js';
import { routePath } from './router/mount-entry.js';
import { TokenStore } from './tokens/token-store.js';
import type { EventBus } from './events/bus.js';
import { rekeyBackupPaths, type RekeyBackupDeps } from './sys/paths-rekey-backup.js';
import { decodeTokenPaths } from './sys/paths-decode-token.js';
import { openapiPaths } from './sys/paths-openapi.js';
import { WARD_VERSION } from './api-types.js';
import type { TokenEntry } from './tokens/types.js';
import { ResponseWrapper, WRAPPING_POLICY } from './wrapping/wrapper.js';

export interface SubsystemDeps {
  barrier: Storage & { view(prefix: string): Storage };
  registry: BackendRegistry;
  clock: Clock;
  logger: Logger;
  systemDefaultTtl: number;
  systemMaxTtl: number;
  keyStatus(): { term: number; installTime: number; encryptions: number };
  rotate(): Promise<void>;
  sealSoon(): void;
  /** HA only: step down once the current request is answered, and the nodes for sys/ha-status. */
  stepDownSoon?(): void;
  haStatus?(): HaStatusNode[];
  /** The sys/metrics answer in `format` (the core's: it knows the seal and HA state). */
  metrics?(format: string): Promise<MetricsAnswer>;
  snapshot: SnapshotPathDeps;
  /** Where mounts publish change events. */
  events?: EventBus;
  /** sys/rekey/backup and sys/rekey/recovery-key-backup. */
  rekeyBackups?: RekeyBackupDeps;
  /**
   * A performance standby's subsystems: leases are not restored (expiry and revocation are
   * the active node's), and `barrier` refuses writes.
   */
  readOnly?: boolean;
  /** Build date, loggers and in-flight tracker for the introspection paths (introspection.ts). */
  introspection?: IntrospectionOptions;
}

export interface Subsystems {
  router: Router;
  mounts: MountManager;
  policies: PolicyStore;
  identity: IdentityStore;
  tokens: TokenStore;
  expiration: ExpirationManager;
  audit: AuditBroker;
  wrapper: ResponseWrapper;
  pipeline: RequestPipeline;
  /** Rate-limit quotas, checked by the core before the pipeline. */
  quotas: QuotaManager;
  /** The CORS configuration the HTTP layer applies. */
  cors: CorsStore;
  /** A token's ACL as requests see it: its own policies plus its entity's and groups', templates resolved. */
  aclOf(entry: TokenEntry): Promise<ACL>;
  stop(): Promise<void>;
}

export async function startSubsystems(deps: SubsystemDeps): Promise<Subsystems> {
  const { barrier, clock, logger } = deps;
  const router = new Router();
  const policies = new PolicyStore(barrier.view('sys/policy/'), deps.events ? () => deps.events!.revalidateAll() : undefined);
  const audit = new AuditBroker({ storage: barrier.view('sys/audit/'), logger, clock });
  const identityStore = new IdentityStore(barrier.view('sys/identity/'));
  const quotas = new QuotaManager(barrier.view('sys/quotas/'));
  const cors = new CorsStore(barrier.view('sys/config/'));
  const intro = introspection({ ...deps.introspection, barrier, clock, logger, registry: deps.registry, readOnly: deps.readOnly ?? false, mounts: () => router.all(), entityCount: () => identityStore.allEntities().length });
  const effective = new EffectiveIdentity(identityStore);
  /** What a token's entity adds (waiting for a standby's identity reloads first); null without one. */
  const identityOf = (entry: TokenEntry): TokenIdentity | null | Promise<TokenIdentity | null> => {
    if (entry.entityId === '') return null;
    const pending = identityStore.pending;
    if (pending) return pending.then(() => effective.forToken(entry.entityId, entry.policies));
    return effective.forToken(entry.entityId, entry.policies);
  };
  /** A token's ACL with its identity policies and templates: what the pipeline would apply. */
  const aclOfEntry = async (entry: TokenEntry): Promise<ACL> => {
    const ti = await identityOf(entry);
    return ti ? policies.acl(ti.policies, ti) : policies.acl(entry.policies);
  };

  const cubbyStorage = (): Storage => {
    const r = router.get('cubbyhole/');
    if (!r) throw badRequest('cubbyhole is not mounted');
    return r.storage;
  };

  // Late-bound: the expiration manager and the token store refer to each other.
  let tokens!: TokenStore;
  const expiration = new ExpirationManager({
    storage: barrier.view('sys/expire/'),
    clock,
    logger,
    systemMaxTtl: deps.systemMaxTtl,
    resolveMount: (path: string) => {
      const r = router.match(path);
      return r ? { backend: r.backend, storage: r.storage, mountPoint: r.prefix, mountType: r.entry.type, mountAccessor: r.entry.accessor, system: r.system } : null;
    },
    onTokenExpired: (tokenKey: string) => tokens.revokeByKey(tokenKey),
    tokenExists: (tokenKey: string) => tokens.existsByKey(tokenKey),
  });

  tokens = new TokenStore({
    storage: barrier.view('sys/token/'),
    clock,
    logger,
    expiration,
    policyExists: (name) => policies.exists(name),
    destroyCubbyhole: (tokenId) => destroyCubbyhole(cubbyStorage(), tokenId),
    renewViaBackend: async (entry, increment, connection) => {
      const r = router.match(entry.path);
      if (!r || !r.backend.renewAuth || r.entry.type === 'token') return null;
      const renewed = await r.backend.renewAuth(
        {
          id: '',
          operation: 'update',
          path: entry.path.slice(r.prefix.length),
          data: {},
          storage: r.storage,
          mountPoint: r.prefix,
          mountType: r.entry.type,
          mountAccessor: r.entry.accessor,
          clientToken: '',
          caller: null,
          connection: connection ?? { remoteAddress: '', remotePort: 0 },
          headers: {},
          wrapTtl: 0,
        },
        { policies: entry.policies, metadata: entry.meta, internalData: entry.internalData, ttl: entry.ttl, increment, issueTime: entry.creationTime, period: entry.period },
      );
      // As Vault: a renewal refreshes the entity's external groups on the token's mount.
      if (entry.entityId !== '' && renewed.groupAliases) await syncExternalGroups(identityDeps, entry.mountAccessor, entry.entityId, renewed.groupAliases.map((g) => g.name));
      return renewed;
    },
    defaultTtl: () => tokenMountSystem().defaultLeaseTtl(),
    maxTtl: () => tokenMountSystem().maxLeaseTtl(),
    mountAccessor: () => router.get('auth/token/')?.entry.accessor ?? '',
    ...(deps.events ? { onRevoked: () => deps.events!.revalidateAll() } : {}),
    entityForAlias: (accessor, name) => entityForLogin(identityDeps, accessor, { name }),
    identityPolicies: (entry) => effective.forToken(entry.entityId, entry.policies)?.identityPolicies ?? [],
    hasSudo: async (entry, path) => {
      const acl = await aclOfEntry(entry);
      const d = acl.allowOperation({ path, operation: 'update' });
      return d.sudo || d.root;
    },
  });
  const tokenMountSystem = () => {
    const r = router.get('auth/token/');
    return r ? r.system : { defaultLeaseTtl: () => deps.systemDefaultTtl, maxLeaseTtl: () => deps.systemMaxTtl, options: () => ({}) };
  };

  const aclOfToken = async (token: string): Promise<AclLike> => {
    const entry = await tokens.lookup(token);
    if (!entry) throw badRequest('invalid token');
    return aclOfEntry(entry);
  };

  const wrapper = new ResponseWrapper({
    clock,
    createWrappingToken: (ttl, creationPath) =>
      tokens.create({
        policies: [WRAPPING_POLICY],
        noDefaultPolicy: true,
        parentId: '',
        numUses: 1,
        ttl,
        explicitMaxTtl: ttl,
        renewable: false,
        path: creationPath,
        displayName: 'response-wrapping',
        type: 'service',
      }),
    lookupToken: (t) => tokens.lookup(t),
    revokeToken: (e) => tokens.revokeTree(e),
    cubbyholeOf: (t) => cubbyholeStorageFor(cubbyStorage(), t),
  });

  let sys: Backend | undefined;
  const mounts = new MountManager({
    barrier,
    router,
    registry: deps.registry,
    logger,
    systemDefaultTtl: deps.systemDefaultTtl,
    systemMaxTtl: deps.systemMaxTtl,
    internalBackend: (type) => (type === 'system' ? sys : type === 'token' ? tokens.backend() : type === 'identity' ? identity : undefined),
    revokePrefix: async (prefix) => {
      await expiration.revokePrefix(prefix, { force: true });
    },
    readOnly: deps.readOnly ?? false,
    ...(deps.events
      ? {
          eventSender: (e) =>
            deps.events!.sender({ mount_class: e.table === 'auth' ? 'auth' : 'secret', mount_accessor: e.accessor, mount_path: e.path, plugin: e.type }),
        }
      : {}),
    unmounted: async (entry) => {
      if (entry.table === 'auth') await dropMountAliases(identityDeps, entry.accessor);
    },
  });

  const sysPaths = [
    ...mountPaths(mounts, 'mounts'),
    ...mountPaths(mounts, 'auth'),
    ...remountPaths(mounts),
    ...policyPaths(policies),
    ...leasePaths(expiration),
    ...auditPaths(audit),
    ...auditedHeaderPaths(audit.headers),
    ...toolsPaths(),
    ...capabilityPaths({
      capabilitiesOfToken: async (token, path) => (await aclOfToken(token)).capabilities(path),
      capabilitiesOfAccessor: async (accessor, path) => {
        const entry = await tokens.lookupAccessor(accessor);
        if (!entry) throw badRequest('invalid accessor');
        return (await aclOfEntry(entry)).capabilities(path);
      },
    }),
    ...uiMountPaths({
      mounts,
      router,
      canAccessMount: async (token, prefix) => {
        const entry = await tokens.lookup(token);
        if (!entry) return false;
        if (entry.policies.includes('root')) return true;
        const acl = await aclOfEntry(entry);
        return acl.hasMountAccess ? acl.hasMountAccess(prefix) : !acl.capabilities(prefix).includes('deny');
      },
      tokenIsValid: async (token) => (await tokens.lookup(token)) !== null,
    }),
    ...keyPaths({ keyStatus: deps.keyStatus, rotate: deps.rotate, sealSoon: deps.sealSoon, ...(deps.stepDownSoon ? { stepDownSoon: deps.stepDownSoon } : {}) }),
    ...(deps.rekeyBackups ? rekeyBackupPaths(deps.rekeyBackups) : []),
    ...decodeTokenPaths(),
    ...haPaths(deps.haStatus),
    ...wrappingPaths(wrapper),
    ...snapshotPaths(deps.snapshot),
    ...corsPaths(cors),
    ...quotaPaths({ quotas, mountOf: (p) => router.match(p)?.prefix ?? '', resolvesRoles: (m) => resolvesRoles(router, m) }),
    ...metricsPaths(deps.metrics ?? (() => Promise.reject(new Error('metrics are not wired')))),
    ...openapiPaths({
      mounts: () => router.all().map((r) => ({ prefix: r.prefix, type: r.entry.type, backend: r.backend })),
      canAccessMount: async (token, prefix) => {
        const entry = await tokens.lookup(token);
        if (!entry) return false;
        if (entry.policies.includes('root')) return true;
        const acl = await aclOfEntry(entry);
        return acl.hasMountAccess ? acl.hasMountAccess(prefix) : !acl.capabilities(prefix).includes('deny');
      },
      tokenIsValid: async (token) => (await tokens.lookup(token)) !== null,
      version: WARD_VERSION,
    }),
    ...intro.paths,
    ...lockedUserPaths({ authMounts: () => router.all().filter((r) => r.entry.table === 'auth').map((r) => ({ accessor: r.entry.accessor, backend: r.backend })) }),
  ];
  sys = systemBackend(sysPaths);
  const identityDeps: IdentityDeps = {
    store: identityStore,
    mounts: (accessor) => {
      const r = router.all().find((x) => x.entry.accessor === accessor && x.entry.table === 'auth');
      return r ? { path: routePath(r.entry), type: r.entry.type } : undefined;
    },
    now: () => new Date(clock.now()).toISOString(),
  };
  const identity = identityBackend({ ...identityDeps, effective, clockMs: () => clock.now() });

  await policies.setup();
  await identityStore.load();
  await mounts.load();
  await tokens.load();
  await audit.load();
  await quotas.load();
  await cors.load();
  if (!deps.readOnly) await expiration.restore();
  await intro.load();

  const pipeline = new RequestPipeline({
    match: (p) => router.match(p),
    tokens,
    acl: (policyNames, identity) => policies.acl(policyNames, identity),
    aclCached: (policyNames) => policies.aclCached(policyNames),
    identity: {
      forToken: identityOf,
      // Every login refreshes external groups, as in Vault: a method reporting none leaves the entity in none of its mount's.
      loginEntity: (accessor, alias, groups) => entityForLogin(identityDeps, accessor, alias, groups ?? []),
    },
    audit,
    registerSecret: (o) => expiration.registerSecret(o),
    wrap: (body, ttl, path, acc) => wrapper.wrap(body, ttl, path, acc),
    activity: intro.activity,
  });

  return {
    router,
    mounts,
    policies,
    identity: identityStore,
    tokens,
    expiration,
    audit,
    wrapper,
    pipeline,
    quotas,
    cors,
    aclOf: aclOfEntry,
    async stop() {
      expiration.stop();
      for (const r of router.all()) await r.backend.cleanup?.().catch(() => undefined);
      await audit.close();
      router.clear();
    },
  };
}
