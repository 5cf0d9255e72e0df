/** The pod runner: runs a stored pod's containers as local processes (README.md). */
export { runPod, type PodEvent, type RunningPod } from './pod.js';
export { runStoredPod, type StoredPod } from './stored-pod.js';
export { defaultIsWardImage } from './argv.js';
export type { ExecResult } from './exec.js';
export { PodConfigError, type ContainerStatus, type PodEnv, type PodStatus, type TokenRequestInput } from './types.js';
