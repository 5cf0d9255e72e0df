import { createHash } from 'node:crypto';
import { ApiError, type JsonObject, type WardClient } from '../../api/index.js';
import { cacheKey, type PodAuth } from './auth.js';
import { objectFiles } from './content.js';
import { InvalidArgument, ObjectReadError } from './errors.js';
import type { LeaseKeeper } from './leases.js';
import { checkRelativePath, type CsiObject } from './objects.js';
import { parseMountRequest, type MountParams, type ProviderDefaults } from './params.js';
import type { CsiFile, MountRequest, MountResponse, ObjectVersion } from './proto.js';
import type { ObjectVersions } from './versions.js';

type Json = Record<string, unknown>;

export type MounterDeps = { auth: PodAuth; versions: ObjectVersions; leases: LeaseKeeper; defaults: ProviderDefaults };

/**
 * One Mount: validate everything, log in as the pod, read each distinct request once (in
 * parallel; objects sharing a path and method share the answer), build the files and the
 * versions. Nothing is returned unless every object succeeded, so the driver writes nothing.
 */
export class Mounter {
  constructor(private readonly d: MounterDeps) {}

  async mount(req: MountRequest): Promise<MountResponse> {
    const p = parseMountRequest(req, this.d.defaults);
    return this.d.auth.run(p, (client, token) => this.build(p, client, token));
  }

  private async build(p: MountParams, client: WardClient, token: string): Promise<MountResponse> {
    const reads = new Map<string, Promise<Json>>();
    const pod = `${cacheKey(p)}#${createHash('sha256').update(token).digest('base64url').slice(0, 16)}`;
    const read = (o: CsiObject, path: string, method: string, query: Record<string, string>): Promise<Json> => {
      const key = JSON.stringify([path, method, query, method === 'GET' ? null : (o.secretArgs ?? {})]);
      let r = reads.get(key);
      if (!r) {
        const fetch = async (): Promise<Json> => {
          // secretArgs came from YAML, so its values are JSON-compatible (dates serialise as ISO strings).
          const opts = method === 'GET' ? { token, query } : { token, query, body: (o.secretArgs ?? {}) as JsonObject };
          const res = await client.request(method, path, opts).catch((e: unknown) => {
            throw e instanceof ApiError ? new ObjectReadError(o.objectName, e) : e;
          });
          return (res.body ?? {}) as Json;
        };
        r = this.d.leases.read(pod, key, client, token, fetch);
        reads.set(key, r);
      }
      return r;
    };
    const perObject = await Promise.all(p.objects.map((o) => this.objectFiles(p, o, read)));
    const files: CsiFile[] = [];
    const versions: ObjectVersion[] = [];
    const seen = new Set<string>();
    p.objects.forEach((o, i) => {
      const f = perObject[i] ?? [];
      for (const file of f) {
        if (seen.has(file.path)) throw new InvalidArgument(`object "${o.objectName}": file "${file.path}" is also written by another object`);
        seen.add(file.path);
      }
      files.push(...f);
      versions.push({ id: o.objectName, version: this.d.versions.version(o, f) });
    });
    for (const path of seen) {
      // A file cannot also be a directory of another file ("a" and "a/b").
      for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
        if (seen.has(path.slice(0, i))) throw new InvalidArgument(`file "${path}" would be inside the file "${path.slice(0, i)}"; rename one of the objects`);
      }
    }
    return { object_version: versions, files };
  }

  private async objectFiles(p: MountParams, o: CsiObject, read: (o: CsiObject, path: string, method: string, q: Record<string, string>) => Promise<Json>): Promise<CsiFile[]> {
    if (o.expand !== 'secrets') return objectFiles(o, await read(o, o.secretPath, o.method, o.query), p.permission);
    // A folder: list it, then read each secret under it (sub-folders are not descended into).
    const folder = o.secretPath.replace(/\/+$/, '');
    const listed = await read(o, `${folder}/`, 'GET', { ...o.query, list: 'true' });
    const keys = (listed['data'] as { keys?: unknown } | undefined)?.keys;
    const names = Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string' && !k.endsWith('/')) : [];
    const dataPath = await this.kvDataPath(o, folder, read);
    const out: CsiFile[] = [];
    for (const name of names.sort()) {
      const bad = checkRelativePath(name);
      if (bad) throw new InvalidArgument(`object "${o.objectName}": secret "${name}" under ${folder} cannot be a directory name (it ${bad})`);
      const body = await read(o, `${dataPath}/${name}`, 'GET', {});
      out.push(...objectFiles(o, body, p.permission, `${o.objectName}/${name}`));
    }
    return out;
  }

  /** Where the secrets of a listed folder are read: KV v2 `<mount>metadata/x` → `<mount>data/x`. */
  private async kvDataPath(o: CsiObject, folder: string, read: (o: CsiObject, path: string, method: string, q: Record<string, string>) => Promise<Json>): Promise<string> {
    let info: Json;
    try {
      info = await read(o, `sys/internal/ui/mounts/${folder}`, 'GET', {});
    } catch {
      return folder; // no preflight answer: read beside the listing, as for KV v1
    }
    const d = (info['data'] ?? {}) as { path?: unknown; options?: { version?: unknown } | null };
    const mount = typeof d.path === 'string' ? d.path.replace(/\/?$/, '/') : '';
    if (String(d.options?.version ?? '1') === '2' && mount && `${folder}/`.startsWith(`${mount}metadata/`)) {
      return `${mount}data/${folder.slice(`${mount}metadata/`.length)}`.replace(/\/+$/, '');
    }
    return folder;
  }
}
