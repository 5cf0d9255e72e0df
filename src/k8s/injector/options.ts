/**
 * Injector-wide settings: the defaults an annotation falls back to. The command fills them
 * from flags and `AGENT_INJECT_*` variables (flag > variable > default, as vault-k8s).
 */

/** Default agent image: Ward's own (the injected containers run `ward agent`). */
export const DEFAULT_IMAGE = 'ward/ward:latest';

export interface Resources {
  cpuRequest: string;
  cpuLimit: string;
  memRequest: string;
  memLimit: string;
  ephemeralRequest: string;
  ephemeralLimit: string;
}

export interface InjectorOptions {
  vaultAddress: string;
  vaultImage: string;
  authType: string;
  authPath: string;
  /** Vault Enterprise namespace for auto-auth; "" for none. */
  vaultNamespace: string;
  runAsUser: number;
  runAsGroup: number;
  runAsSameUser: boolean;
  setSecurityContext: boolean;
  /** "" omits the field. */
  resources: Resources;
  defaultTemplate: 'map' | 'json';
  exitOnRetryFailure: boolean;
  staticSecretRenderInterval: string;
  /** template_config.max_connections_per_host / lease_renewal_threshold; undefined leaves the agent default. */
  maxConnectionsPerHost?: number;
  leaseRenewalThreshold?: number;
  /** auto_auth backoffs; "" leaves the agent default. */
  authMinBackoff: string;
  authMaxBackoff: string;
  /** Comma lists for disable_idle_connections / disable_keep_alives. */
  disableIdleConnections: string;
  disableKeepAlives: string;
  revokeOnShutdown: boolean;
  proxyAddress: string;
  /** The cluster runs native sidecars (Kubernetes >= 1.29): the agent becomes one restartable init container. */
  nativeSidecars: boolean;
}

/**
 * Modest defaults: vault-k8s's 250m/500m CPU are its most-reported complaint, and a CPU
 * limit only throttles a mostly idle agent. Memory keeps a limit so a leak cannot take
 * the node's memory.
 */
export const DEFAULT_RESOURCES: Resources = {
  cpuRequest: '50m',
  cpuLimit: '',
  memRequest: '64Mi',
  memLimit: '256Mi',
  ephemeralRequest: '',
  ephemeralLimit: '',
};

export function defaultOptions(over: Partial<InjectorOptions> = {}): InjectorOptions {
  return {
    vaultAddress: '',
    vaultImage: DEFAULT_IMAGE,
    authType: 'kubernetes',
    authPath: 'auth/kubernetes',
    vaultNamespace: '',
    runAsUser: 100,
    runAsGroup: 1000,
    runAsSameUser: false,
    setSecurityContext: true,
    resources: { ...DEFAULT_RESOURCES },
    defaultTemplate: 'map',
    exitOnRetryFailure: true,
    staticSecretRenderInterval: '',
    authMinBackoff: '',
    authMaxBackoff: '',
    disableIdleConnections: '',
    disableKeepAlives: '',
    revokeOnShutdown: false,
    proxyAddress: '',
    nativeSidecars: false,
    ...over,
  };
}
