/**
 * Discovery and version: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/<group>` and
 * `/apis/<group>/<version>`, listing what the registry serves at the moment (custom
 * resources appear when their CRD is created and vanish when it is deleted). Open to
 * everyone, as the `system:discovery` binding makes them.
 */
import type { Registry } from './registry.js';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
}

/** The server version: v1.31.0 by default (native sidecars are GA-ish from 1.29, default-on since 1.29). */
export function versionInfo(gitVersion = 'v1.31.0'): Record<string, string> {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? '1', minor: m?.[2] ?? '31', gitVersion,
    gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
    buildDate: '2024-08-13T07:28:49Z', goVersion: 'go1.22.5', compiler: 'gc', platform: 'linux/amd64',
  };
}

function resources(registry: Registry, group: string, version: string): unknown[] {
  const out: unknown[] = [];
  for (const t of registry.all()) {
    if (t.group !== group || t.version !== version) continue;
    out.push({ name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs, ...(t.shortNames.length ? { shortNames: t.shortNames } : {}) });
    if (t.status) out.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
  }
  return out;
}

const groupInfo = (name: string, versions: string[]) => ({
  name,
  versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
  preferredVersion: { groupVersion: `${name}/${versions[0] ?? ''}`, version: versions[0] ?? '' },
});

/** The discovery document for `pathname`, or null when it is not a discovery path. */
export function discover(registry: Registry, pathname: string, serverAddress: string, gitVersion?: string): unknown {
  const seg = pathname.split('/').filter(Boolean);
  if (seg.length === 1 && seg[0] === 'version') return versionInfo(gitVersion);
  if (seg.length === 1 && seg[0] === 'api') {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }
  if (seg.length === 2 && seg[0] === 'api' && seg[1] === 'v1') {
    return { kind: 'APIResourceList', groupVersion: 'v1', resources: resources(registry, '', 'v1') };
  }
  if (seg[0] !== 'apis') return null;
  const groups = registry.groups();
  groups.delete('');
  if (seg.length === 1) return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups].map(([g, vs]) => groupInfo(g, vs)) };
  const versions = groups.get(seg[1] ?? '');
  if (!versions) return null;
  if (seg.length === 2) return { kind: 'APIGroup', apiVersion: 'v1', ...groupInfo(seg[1] ?? '', versions) };
  if (seg.length === 3 && versions.includes(seg[2] ?? '')) {
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${seg[1] ?? ''}/${seg[2] ?? ''}`, resources: resources(registry, seg[1] ?? '', seg[2] ?? '') };
  }
  return null;
}
