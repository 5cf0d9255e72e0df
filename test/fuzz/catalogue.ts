/**
 * The fuzz targets, read from the real path tables: an in-process core (the same
 * composition as the server) is started, given the same mounts as the fuzzed server,
 * and every route's table is read with `pathTableOf`. The five raw sys endpoints have
 * no table (src/http/sys-raw.ts parses them by hand), so they are described here.
 */
import { WardCore } from '../../src/core/core.js';
import { RAW_PATHS } from '../../src/http/sys-raw.js';
import { pathTableOf } from '../../src/sdk/framework/backend.js';
import type { PathOperation } from '../../src/sdk/framework/path.js';
import { silentLogger } from '../../src/sdk/logical.js';
import { devBootstrap } from '../../src/server/dev.js';
import { InmemPhysical } from '../../src/storage/inmem/inmem-physical.js';
import { CANARY_MOUNTS, fuzzMounts, routedPrefix } from './mount-plan.js';
import { parsePattern, slotNames, type Part } from './pattern.js';

export interface FieldInfo {
  name: string;
  /** The framework's kind (`string`, `int`, `duration_second`, `map`, `raw`, …). */
  kind: string;
  allowed?: readonly unknown[];
  required: boolean;
}

export interface Target {
  /** `kv2/metadata/(?<path>.*)`: mount prefix plus pattern. */
  id: string;
  /** Routed mount prefix (`kv2/`, `auth/approle/`, `sys/`); "" for raw sys endpoints. */
  mount: string;
  mountType: string;
  pattern: string;
  parts: Part[];
  /** Named groups of the pattern (filled from the URL, never from the body). */
  slots: string[];
  /** Fields that come from the body or the query. */
  fields: FieldInfo[];
  ops: PathOperation[];
  /** One of the raw endpoints answered by the HTTP layer (sys/health, …). */
  raw: boolean;
}

/** Mirror of src/http/sys-raw.ts's hand-parsed bodies; a unit test keeps it in step with RAW_PATHS. */
export const RAW_TABLE: Record<string, { ops: PathOperation[]; fields: FieldInfo[] }> = {
  'sys/init': {
    ops: ['read', 'update'],
    fields: ['secret_shares', 'secret_threshold', 'stored_shares', 'recovery_shares', 'recovery_threshold']
      .map((name) => ({ name, kind: 'int', required: false }))
      .concat([
        { name: 'pgp_keys', kind: 'raw', required: false },
        { name: 'root_token_pgp_key', kind: 'string', required: false },
        { name: 'recovery_pgp_keys', kind: 'raw', required: false },
      ]),
  },
  'sys/init/response': { ops: ['read'], fields: [] },
  'sys/seal-status': { ops: ['read'], fields: [] },
  'sys/unseal': {
    ops: ['update'],
    fields: [
      { name: 'key', kind: 'string', required: false },
      { name: 'reset', kind: 'bool', required: false },
      { name: 'migrate', kind: 'bool', required: false },
    ],
  },
  'sys/health': {
    ops: ['read'],
    fields: ['standbyok', 'perfstandbyok']
      .map((name) => ({ name, kind: 'bool', required: false }))
      .concat(
        ['activecode', 'standbycode', 'drsecondarycode', 'performancestandbycode', 'haunhealthycode', 'uninitcode', 'sealedcode', 'removedcode'].map((name) => ({
          name,
          kind: 'int',
          required: false,
        })),
      ),
  },
  'sys/leader': { ops: ['read'], fields: [] },
};

/** Mounts whose tables are not fuzzed: the canaries. */
function skipped(prefix: string): boolean {
  return CANARY_MOUNTS.some((m) => routedPrefix(m) === prefix);
}

function makeTarget(mount: string, mountType: string, pattern: string, fields: FieldInfo[], ops: PathOperation[], raw: boolean): Target {
  const parts = parsePattern(pattern);
  const slots = slotNames(parts);
  return {
    id: `${mount}${pattern}`,
    mount,
    mountType,
    pattern,
    parts,
    slots,
    fields: fields.filter((f) => !slots.includes(f.name)),
    ops,
    raw,
  };
}

/** Builds the catalogue from a throwaway in-process core with the fuzz mounts. */
export async function buildCatalogue(): Promise<Target[]> {
  const core = new WardCore({ physical: new InmemPhysical(), logger: silentLogger });
  try {
    await devBootstrap(core);
    const subs = core.active;
    if (!subs) throw new Error('in-process core did not unseal');
    for (const m of [...fuzzMounts(), ...CANARY_MOUNTS]) {
      await subs.mounts.mount(m.table, { path: m.path, type: m.type, ...(m.options ? { options: m.options } : {}) });
    }
    const targets: Target[] = [];
    for (const route of subs.router.all()) {
      if (skipped(route.prefix)) continue;
      const table = pathTableOf(route.backend);
      if (!table) throw new Error(`mount ${route.prefix} has no declarative path table`);
      for (const def of table) {
        const fields = Object.entries(def.fields).map(([name, f]) => ({
          name,
          kind: f.kind,
          required: f.required,
          ...(f.allowed ? { allowed: f.allowed } : {}),
        }));
        targets.push(makeTarget(route.prefix, route.backend.type, def.pattern, fields, Object.keys(def.operations) as PathOperation[], false));
      }
    }
    for (const path of RAW_PATHS) {
      const t = RAW_TABLE[path];
      if (!t) throw new Error(`raw endpoint ${path} is missing from RAW_TABLE`);
      targets.push(makeTarget('', 'raw', path, t.fields, t.ops, true));
    }
    return targets.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  } finally {
    await core.shutdown();
  }
}
