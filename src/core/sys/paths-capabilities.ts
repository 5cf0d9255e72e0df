import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';

export interface CapabilityDeps {
  /** Capabilities of a token (by its string) on a path; throws 400 for an unknown token. */
  capabilitiesOfToken(token: string, path: string): Promise<string[]>;
  capabilitiesOfAccessor(accessor: string, path: string): Promise<string[]>;
}

const pathFields = {
  paths: field.commaStringSlice(),
  path: field.commaStringSlice({ description: 'deprecated: use paths' }),
};

async function answer(paths: string[], caps: (p: string) => Promise<string[]>): Promise<LogicalResponse> {
  if (paths.length === 0) throw badRequest('missing paths');
  const data: Record<string, unknown> = {};
  for (const p of paths) data[p] = await caps(p.replace(/^\/+/, ''));
  // Old clients read a single path's answer from `capabilities`.
  if (paths.length === 1) data.capabilities = data[paths[0] as string];
  return { data };
}

const pathsOf = (d: { get(k: 'paths' | 'path'): string[] }): string[] => [...d.get('paths'), ...d.get('path')];

/** `sys/capabilities`, `sys/capabilities-self`, `sys/capabilities-accessor`. */
export function capabilityPaths(deps: CapabilityDeps): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'capabilities-self',
      fields: { ...pathFields, token: field.string() },
      operations: {
        update: async (req, d) => answer(pathsOf(d), (p) => deps.capabilitiesOfToken(req.clientToken, p)),
      },
    }),
    definePath({
      pattern: 'capabilities',
      fields: { ...pathFields, token: field.string() },
      operations: {
        update: async (req, d) => answer(pathsOf(d), (p) => deps.capabilitiesOfToken(d.get('token') || req.clientToken, p)),
      },
    }),
    definePath({
      pattern: 'capabilities-accessor',
      fields: { ...pathFields, accessor: field.string({ required: true }) },
      operations: {
        update: async (_req, d) => answer(pathsOf(d), (p) => deps.capabilitiesOfAccessor(d.get('accessor'), p)),
      },
    }),
  ];
}
