/**
 * Wires the subsystems that exist only while unsealed. Each gets a narrow set of
 * dependencies; cycles (tokens ↔ expiration, sys ↔ mounts) are closed with late-bound
 * closures so construction order stays simple.
 */
import { badRequest } from '../sdk/errors.js';
import type { Backend } from '../sdk/logical.js';
import type { Storage } from '../sdk/storage.js';
import { cubbyholeStorageFor, destroyCubbyhole } from '../secrets/cubbyhole/index.js';
import { AuditBroker } from './audit/broker.js';
import { ExpirationManager } from './expiration/expiration-manager.js';
import { RequestPipeline } from './pipeline/handle-request.js';
import type { AclLike } from './pipeline/authorize.js';
import { PolicyStore } from './policy/policy-store.js';
import { MountManager } from './router/mounts.js';
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
import { mountPaths, remountPaths } from './sys/paths-mounts.js';
import { policyPaths } from './sys/paths-policies.js';
import { snapshotPaths } from './sys/paths-snapshot.js';
import { toolsPaths } from './sys/paths-tools.js';
import { uiMountPaths } from './sys/paths-ui-mounts.js';
import { wrappingPaths } from './sys/paths-wrapping.js';
import { introspection } from './introspection.js';
import { haPaths } from './sys/paths-ha.js';
import { systemBackend } from './sys/sys-backend.js';
import { identityBackend } from './identity/backend.js';
import type { IdentityDeps } from './identity/deps.js';
import { EffectiveIdentity } from './identity/effective.js';
import { dropMountAliases, entityForLogin, syncExternalGroups } from './identity/login.js';
import { IdentityStore } from './identity/store.js';
import { routePath } from './router/mount-entry.js';
import { TokenStore } from './tokens/token-store.js';
import { rekeyBackupPaths } from './sys/paths-rekey-backup.js';
import { decodeTokenPaths } from './sys/paths-decode-token.js';
import { openapiPaths } from './sys/paths-openapi.js';
import { WARD_VERSION } from './api-types.js';
import { ResponseWrapper, WRAPPING_POLICY } from './wrapping/wrapper.js';
import type { SubsystemDeps, Subsystems } from './subsystem-types.js';
import { renewViaMount } from './auth-renewal.js';
import { tokenAcls } from './token-acl.js';
import { mountAccess } from './mount-access.js';

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
  const { identityOf, aclOfEntry } = tokenAcls(identityStore, effective, policies);

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
    // As Vault: a renewal refreshes the entity's external groups on the token's mount.
    renewViaBackend: renewViaMount(router, async (entry, renewed) => {
      if (entry.entityId !== '' && renewed.groupAliases) await syncExternalGroups(identityDeps, entry.mountAccessor, entry.entityId, renewed.groupAliases.map((g) => g.name));
    }),
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
  const access = mountAccess(tokens, aclOfEntry);
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
    ...uiMountPaths({ mounts, router, ...access }),
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
      mounts: () => router.all().map((r) => ({ prefix: r.prefix, type: r.entry.type, backend: r.backend, listingVisibility: r.entry.config.listingVisibility })),
      ...access,
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
    apiAddr: () => deps.apiAddr?.() ?? '',
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
