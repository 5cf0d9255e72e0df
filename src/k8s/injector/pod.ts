/**
 * The slice of the Kubernetes Pod shape the injector reads and writes. Fields it does not
 * know stay untouched: the injector emits a JSON patch, never a rewritten pod.
 */

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  [k: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  securityContext?: { runAsUser?: number; runAsGroup?: number; [k: string]: unknown };
  restartPolicy?: string;
  [k: string]: unknown;
}

export interface Volume {
  name: string;
  emptyDir?: { medium?: string };
  projected?: { sources?: { serviceAccountToken?: { path?: string; audience?: string; expirationSeconds?: number } }[] };
  [k: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; generateName?: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string>; [k: string]: unknown };
  spec?: {
    containers?: Container[];
    initContainers?: Container[];
    volumes?: Volume[];
    shareProcessNamespace?: boolean;
    [k: string]: unknown;
  };
  status?: { phase?: string; [k: string]: unknown };
}

/** The default service-account token directory every pod gets from the ServiceAccount admission plugin. */
export const SA_TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
