/**
 * The typed Kubernetes API accessors every k8s/ component uses, with failures mapped to
 * KubeError (status + reason) at the boundary so no caller parses client-node's exceptions.
 * TLS is always verified against the configured CA (client-node refuses plain http unless
 * the kubeconfig says insecure-skip-tls-verify, which we never write).
 */
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  ServerConfiguration,
  createConfiguration,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { AgentPool } from './agent-pool.js';
import { loadKubeConfig, type KubeConfigOptions } from './config.js';
import { KubeError, toKubeError } from './errors.js';

type Configuration = ReturnType<typeof createConfiguration>;

/** client-node sets no deadline on requests: one to a server that never answers would hang its caller forever. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * As KubeConfig.makeApiClient, plus a deadline on every request (aborted, not merely
 * abandoned, so no socket lingers) and kept-alive connections (agent-pool.ts).
 */
function makeApi<T>(kc: KubeConfig, Api: new (c: Configuration) => T, timeoutMs: number, agents: AgentPool): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig: no current cluster');
  return new Api(createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: {
      default: {
        getName: () => 'kubeconfig',
        applySecurityAuthentication: async (ctx) => {
          await kc.applySecurityAuthentication(ctx);
          const a = ctx.getAgent();
          if (a) ctx.setAgent(agents.reuse(a));
        },
      },
    },
    promiseMiddleware: [{
      pre: async (ctx) => {
        ctx.setSignal(AbortSignal.timeout(timeoutMs));
        return ctx;
      },
      post: async (res) => res,
    }],
  }));
}

/** Wraps every method of a client-node API so its rejections become KubeErrors. */
export function mapErrors<T extends object>(api: T, timeoutMs = DEFAULT_TIMEOUT_MS): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]): unknown => {
        try {
          const r: unknown = Reflect.apply(v, target, args);
          return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(mapAbort(e, timeoutMs) ?? toKubeError(e))) : r;
        } catch (e) {
          throw toKubeError(e);
        }
      };
    },
  });
}

/**
 * Options for client-node's patch calls, which otherwise send every patch as a JSON patch
 * (`application/json-patch+json`) whatever the body: `api.patchX(params, MERGE_PATCH)`.
 */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
export const STRATEGIC_MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/** The deadline's abort surfaces as node-fetch's AbortError (or a DOMException TimeoutError). */
function mapAbort(e: unknown, timeoutMs: number): KubeError | undefined {
  const name = (e as { name?: unknown } | null)?.name;
  if (name !== 'AbortError' && name !== 'TimeoutError') return undefined;
  return new KubeError(0, 'Timeout', `Kubernetes API request got no answer within ${timeoutMs} ms`, { cause: e });
}

export interface KubeClientOptions {
  /** Deadline of each request (default 30 s; watches are not affected). */
  timeoutMs?: number;
}

export class KubeClient {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly coordination: CoordinationV1Api;
  readonly admission: AdmissionregistrationV1Api;
  readonly custom: CustomObjectsApi;
  readonly #agents = new AgentPool();

  constructor(
    readonly kc: KubeConfig,
    /** The current context's namespace (in-cluster: the pod's own). */
    readonly namespace?: string,
    o: KubeClientOptions = {},
  ) {
    const ms = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const a = this.#agents;
    this.core = mapErrors(makeApi(kc, CoreV1Api, ms, a), ms);
    this.apps = mapErrors(makeApi(kc, AppsV1Api, ms, a), ms);
    this.coordination = mapErrors(makeApi(kc, CoordinationV1Api, ms, a), ms);
    this.admission = mapErrors(makeApi(kc, AdmissionregistrationV1Api, ms, a), ms);
    this.custom = mapErrors(makeApi(kc, CustomObjectsApi, ms, a), ms);
  }

  /** Closes the kept-alive connections (a process that exits need not). */
  close(): void {
    this.#agents.destroy();
  }

  static load(o: KubeConfigOptions & KubeClientOptions = {}): KubeClient {
    const { kc, namespace } = loadKubeConfig(o);
    return new KubeClient(kc, namespace, o);
  }
}
