import { DEFAULT_ADDRESS, envSetting } from '../../api/index.js';
import type { Command } from '../command.js';
import { wardVersion } from './misc.js';

/** Where the Secrets Store CSI driver looks for `<provider>.sock`: `provider: vault` finds Ward here. */
const DEFAULT_ENDPOINT = '/var/run/secrets-store-csi-providers/vault.sock';

const csiProvider: Command = {
  synopsis: 'Run the Secrets Store CSI driver provider (a drop-in for vault-csi-provider)',
  help: `k8s csi-provider [options]

  Serves the Secrets Store CSI driver's provider API (v1alpha1 CSIDriverProvider) on a
  unix socket. SecretProviderClasses with "provider: vault" work unchanged: each Mount
  logs in to Ward's kubernetes auth as the pod and returns the objects as files with
  versions, so the driver's rotation sees changes. Stops on SIGTERM, removing the socket.`,
  flags: [
    { name: 'endpoint', kind: 'string', usage: 'Unix socket path to listen on.', default: DEFAULT_ENDPOINT },
    { name: 'vault-addr', kind: 'string', usage: 'Ward address when a SecretProviderClass sets no vaultAddress (default VAULT_ADDR, else https://127.0.0.1:8200).' },
    { name: 'vault-mount', kind: 'string', usage: 'Kubernetes auth mount when a SecretProviderClass sets none.', default: 'kubernetes' },
    { name: 'vault-namespace', kind: 'string', usage: 'Namespace when a SecretProviderClass sets no vaultNamespace (default VAULT_NAMESPACE).' },
    { name: 'health-addr', kind: 'string', usage: 'host:port for the HTTP readiness endpoint /health/ready ("" for none).', default: ':8080' },
    { name: 'cache-size', kind: 'int', usage: 'How many pods keep a cached Ward token (least recently used forgotten first).', default: 1000 },
    { name: 'log-level', kind: 'string', usage: 'trace, debug, info, warn or error.', default: 'info' },
    // vault-csi-provider's remaining flags, so the Helm chart's arguments work unchanged.
    { name: 'debug', kind: 'bool', usage: 'Same as -log-level=debug (vault-csi-provider compatibility).' },
    { name: 'hmac-secret-name', kind: 'string', usage: 'Accepted for compatibility and ignored: Ward keeps the object-version key in memory.' },
  ],
  usesClient: false,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'k8s csi-provider takes no arguments');
    const env = ctx.io.env;
    // Loaded lazily: gRPC and the provider are needed only by this command.
    const mod = await import('../../k8s/csi/main.js');
    return mod.runCsiProvider(
      {
        endpoint: ctx.flags.str('endpoint') ?? DEFAULT_ENDPOINT,
        vaultAddr: ctx.flags.str('vault-addr') || envSetting(env, 'ADDR') || DEFAULT_ADDRESS,
        vaultMount: (ctx.flags.str('vault-mount') ?? 'kubernetes').replace(/^\/+|\/+$/g, ''),
        vaultNamespace: ctx.flags.str('vault-namespace') ?? envSetting(env, 'NAMESPACE') ?? '',
        healthAddr: ctx.flags.str('health-addr') ?? '',
        cacheSize: ctx.flags.int('cache-size') ?? 1000,
        logLevel: ctx.flags.bool('debug') ? 'debug' : (ctx.flags.str('log-level') ?? 'info'),
        hmacSecretName: ctx.flags.str('hmac-secret-name') ?? '',
        version: wardVersion(),
      },
      ctx.io,
    );
  },
};

export const k8sCsiCommands: Record<string, Command> = { 'k8s csi-provider': csiProvider };
