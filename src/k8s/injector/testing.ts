/**
 * Fixtures for the injector's tests: a typical pod (one app container with the
 * service-account token mount the ServiceAccount admission plugin adds) and helpers that
 * apply a webhook's patch and pull the injected containers and their agent config out.
 */
import { applyJsonPatch } from './json-patch.js';
import { mutate, type MutateResult } from './mutate.js';
import { defaultOptions, type InjectorOptions } from './options.js';
import { SA_TOKEN_DIR, type Container, type Pod } from './pod.js';

export const ADDRESS = 'https://ward.ward.svc:8200';
export const testOptions = (over: Partial<InjectorOptions> = {}): InjectorOptions => defaultOptions({ vaultAddress: ADDRESS, ...over });

export function testPod(annotations: Record<string, string> | undefined, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-', namespace: 'apps' },
    spec: {
      serviceAccountName: 'web',
      containers: [
        { name: 'app', image: 'registry.example/web:1', command: ['/web'], args: ['--port=8080'], volumeMounts: [{ name: 'kube-api-access-abcde', mountPath: SA_TOKEN_DIR, readOnly: true }] },
      ],
      volumes: [{ name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }],
      ...spec,
    },
  };
  if (annotations && pod.metadata) pod.metadata.annotations = annotations;
  return pod;
}

/** The pod after the patch, with the injected containers and their decoded configurations. */
export interface Injected {
  pod: Pod;
  init?: Container;
  sidecar?: Container;
  initConfig?: Record<string, unknown>;
  sidecarConfig?: Record<string, unknown>;
}

export function config(c: Container | undefined): Record<string, unknown> | undefined {
  const v = c?.env?.find((e) => e.name === 'VAULT_CONFIG')?.value;
  return v === undefined ? undefined : (JSON.parse(Buffer.from(v, 'base64').toString('utf8')) as Record<string, unknown>);
}

export function inject(pod: Pod, result: MutateResult): Injected {
  if (!result.allowed) throw new Error(`denied: ${result.message}`);
  const out = applyJsonPatch(pod, result.patch);
  const all = [...(out.spec?.initContainers ?? []), ...(out.spec?.containers ?? [])];
  const init = all.find((c) => c.name === 'vault-agent-init');
  const sidecar = all.find((c) => c.name === 'vault-agent');
  const r: Injected = { pod: out };
  if (init) Object.assign(r, { init, initConfig: config(init) });
  if (sidecar) Object.assign(r, { sidecar, sidecarConfig: config(sidecar) });
  return r;
}

/** mutate() for a pod in namespace `apps`. */
export const review = (pod: Pod, o: InjectorOptions = testOptions(), namespace = 'apps'): MutateResult =>
  mutate({ uid: 'uid-1', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace, operation: 'CREATE', object: pod }, o);
