/**
 * The typed Kubernetes API accessors every k8s/ component uses, with failures mapped to
 * KubeError (status + reason) at the boundary so no caller parses client-node's exceptions.
 * TLS is always verified against the configured CA (client-node refuses plain http unless
 * the kubeconfig says insecure-skip-tls-verify, which we never write).
 */
import { AdmissionregistrationV1Api, AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig, type KubeConfigOptions } from './config.js';
import { toKubeError } from './errors.js';

/** Wraps every method of a client-node API so its rejections become KubeErrors. */
export function mapErrors<T extends object>(api: T): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]): unknown => {
        try {
          const r: unknown = Reflect.apply(v, target, args);
          return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(toKubeError(e))) : r;
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

export class KubeClient {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly coordination: CoordinationV1Api;
  readonly admission: AdmissionregistrationV1Api;
  readonly custom: CustomObjectsApi;

  constructor(
    readonly kc: KubeConfig,
    /** The current context's namespace (in-cluster: the pod's own). */
    readonly namespace?: string,
  ) {
    this.core = mapErrors(kc.makeApiClient(CoreV1Api));
    this.apps = mapErrors(kc.makeApiClient(AppsV1Api));
    this.coordination = mapErrors(kc.makeApiClient(CoordinationV1Api));
    this.admission = mapErrors(kc.makeApiClient(AdmissionregistrationV1Api));
    this.custom = mapErrors(kc.makeApiClient(CustomObjectsApi));
  }

  static load(o: KubeConfigOptions = {}): KubeClient {
    const { kc, namespace } = loadKubeConfig(o);
    return new KubeClient(kc, namespace);
  }
}
