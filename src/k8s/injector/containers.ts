/**
 * The volumes and containers the injector adds: `vault-agent-init` (renders once, exits),
 * `vault-agent` (keeps secrets fresh), or with native sidecars one `vault-agent` init
 * container with restartPolicy Always whose startup probe holds the app back until every
 * file is rendered. The containers run `ward agent` directly (Ward is PID 1, no shell) with
 * the configuration in VAULT_CONFIG.
 */
import { HOME, agentConfig, encodeConfig, type Role } from './agent-config.js';
import type { Container, EnvVar, Pod, Volume, VolumeMount } from './pod.js';
import type { AgentSpec } from './spec.js';

export const SECRETS_VOLUME = 'vault-secrets';
const CONFIG_DIR = '/vault/configs';

const memory = (name: string): Volume => ({ name, emptyDir: { medium: 'Memory' } });

/** Volumes to add, in vault-k8s's order. */
export function agentVolumes(s: AgentSpec): Volume[] {
  const out: Volume[] = [];
  if (s.prePopulate && !s.native) out.push(memory('home-init'));
  if (!s.prePopulateOnly) out.push(memory('home-sidecar'));
  out.push(memory(SECRETS_VOLUME));
  s.customDirs.forEach((_, i) => out.push(memory(`${SECRETS_VOLUME}-custom-${i}`)));
  if (s.configMap) out.push({ name: 'vault-config', configMap: { name: s.configMap } });
  if (s.extraSecret) out.push({ name: 'extra-secrets', secret: { secretName: s.extraSecret } });
  if (s.tls.secret) out.push({ name: 'vault-tls-secrets', secret: { secretName: s.tls.secret } });
  return out;
}

/** Mounts of the secrets directories, for the agents and the app containers. */
export function secretMounts(s: AgentSpec): VolumeMount[] {
  return [
    { name: SECRETS_VOLUME, mountPath: s.secretVolumePath },
    ...s.customDirs.map((dir, i) => ({ name: `${SECRETS_VOLUME}-custom-${i}`, mountPath: dir })),
  ];
}

function mounts(s: AgentSpec, pod: Pod, home: string): VolumeMount[] {
  const out: VolumeMount[] = [{ name: home, mountPath: HOME }, ...secretMounts(s)];
  if (s.token.volume) out.push({ name: s.token.volume, mountPath: s.token.mountPath, readOnly: true });
  if (s.configMap) out.push({ name: 'vault-config', mountPath: CONFIG_DIR, readOnly: true });
  if (s.extraSecret) out.push({ name: 'extra-secrets', mountPath: '/vault/custom', readOnly: true });
  if (s.tls.secret) out.push({ name: 'vault-tls-secrets', mountPath: '/vault/tls', readOnly: true });
  if (s.copyVolumeMounts) {
    const from = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === s.copyVolumeMounts);
    const taken = new Set(out.map((m) => m.mountPath));
    for (const m of from?.volumeMounts ?? []) {
      if (m.mountPath.includes('serviceaccount') || taken.has(m.mountPath)) continue;
      out.push({ ...m });
    }
  }
  return out;
}

function env(s: AgentSpec, role: Role): EnvVar[] {
  const field = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  const out: EnvVar[] = [field('NAMESPACE', 'metadata.namespace'), field('HOST_IP', 'status.hostIP'), field('POD_IP', 'status.podIP')];
  for (const [name, value] of Object.entries(s.env)) out.push({ name, value });
  if (s.configMap) {
    // The operator's own config file: connection settings come from the environment instead.
    const v: [string, string | undefined][] = [
      ['VAULT_ADDR', s.address], ['VAULT_CACERT', s.tls.caCert], ['VAULT_CAPATH', s.tls.caPath], ['VAULT_CLIENT_CERT', s.tls.clientCert],
      ['VAULT_CLIENT_KEY', s.tls.clientKey], ['VAULT_SKIP_VERIFY', String(s.tls.skipVerify)], ['VAULT_TLS_SERVER_NAME', s.tls.serverName],
    ];
    for (const [name, value] of v) if (value) out.push({ name, value });
  } else {
    out.push({ name: 'VAULT_CONFIG', value: encodeConfig(agentConfig(s, role)) });
  }
  return out;
}

function securityContext(s: AgentSpec): Record<string, unknown> {
  const sc: Record<string, unknown> = {};
  if (s.securityContext) {
    const { runAsUser, runAsGroup } = s.securityContext;
    Object.assign(sc, { runAsUser, runAsGroup, runAsNonRoot: runAsUser !== 0 && runAsGroup !== 0 });
  }
  // Hardening that needs no particular uid stays on even when the uid is left to the platform.
  return { ...sc, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
}

function resources(s: AgentSpec): Record<string, Record<string, string>> {
  const r = s.resources;
  const pick = (cpu: string, memory: string, eph: string): Record<string, string> => {
    const o: Record<string, string> = {};
    if (cpu) o['cpu'] = cpu;
    if (memory) o['memory'] = memory;
    if (eph) o['ephemeral-storage'] = eph;
    return o;
  };
  const out: Record<string, Record<string, string>> = {};
  const requests = pick(r.cpuRequest, r.memRequest, r.ephemeralRequest);
  const limits = pick(r.cpuLimit, r.memLimit, r.ephemeralLimit);
  if (Object.keys(requests).length > 0) out['requests'] = requests;
  if (Object.keys(limits).length > 0) out['limits'] = limits;
  return out;
}

function base(s: AgentSpec, pod: Pod, name: string, role: Role, home: string): Container {
  const args = [`-log-level=${s.logLevel}`];
  if (s.configMap) args.push(`-config=${CONFIG_DIR}/${role === 'init' ? 'config-init.hcl' : 'config.hcl'}`);
  return {
    name,
    image: s.image,
    command: ['ward', 'agent'],
    args,
    env: env(s, role),
    resources: resources(s),
    volumeMounts: mounts(s, pod, home),
    securityContext: securityContext(s),
  };
}

/** The run-once init container (pre-populate without native sidecars, or pre-populate-only). */
export function initContainer(s: AgentSpec, pod: Pod): Container {
  return base(s, pod, 'vault-agent-init', 'init', 'home-init');
}

/** The long-running agent; with native sidecars, a restartable init container. */
export function sidecarContainer(s: AgentSpec, pod: Pod): Container {
  const c = base(s, pod, 'vault-agent', 'sidecar', 'home-sidecar');
  if (s.revokeOnShutdown) {
    // The agent itself waits the grace period (the app keeps its secrets meanwhile), then
    // revokes its token and the token's leases: no preStop shell command, so the image
    // needs no shell (vault-k8s runs `sleep N && vault token revoke -self` in one).
    (c['args'] as string[]).push('-revoke-on-shutdown', `-revoke-grace=${s.revokeGrace}`);
  }
  if (s.native) {
    c.restartPolicy = 'Always';
    // With pre-populate, app containers start only once every file exists (the kubelet waits
    // for a restartable init container's startup probe before starting the next container).
    if (s.prePopulate) {
      const command = ['ward', 'agent', '-check-rendered', ...(s.configMap ? [`-config=${CONFIG_DIR}/config.hcl`] : [])];
      c['startupProbe'] = { exec: { command }, periodSeconds: 1, timeoutSeconds: 10, failureThreshold: 600 };
    }
  }
  return c;
}

