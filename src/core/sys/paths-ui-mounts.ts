import { invalidToken, permissionDenied } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalRequest } from '../../sdk/logical.js';
import { mountInfo, routePath, type MountEntry } from '../router/mount-entry.js';
import type { MountManager } from '../router/mounts.js';
import type { Router } from '../router/router.js';

export interface UiMountDeps {
  mounts: Pick<MountManager, 'list'>;
  router: Pick<Router, 'match'>;
  /** Whether the token (by its string) may do anything under a routed prefix; false for no/invalid token. */
  canAccessMount(token: string, prefix: string): Promise<boolean>;
  /** Whether a token string names a live token; the preflight then says "invalid token" as every other path does. */
  tokenIsValid?(token: string): Promise<boolean>;
}

/**
 * `sys/internal/ui/mounts[/<path>]`: the preflight the vault CLI, Agent templates and
 * SDKs use to learn a path's mount and KV version before reading.
 */
export function uiMountPaths(deps: UiMountDeps): PathDef<Fields>[] {
  const visible = async (req: LogicalRequest, e: MountEntry): Promise<boolean> =>
    e.config.listingVisibility === 'unauth' || (req.clientToken !== '' && (await deps.canAccessMount(req.clientToken, routePath(e))));

  return [
    definePath({
      pattern: 'internal/ui/mounts/(?<path>.+)',
      fields: { path: field.string({ required: true }) },
      operations: {
        read: async (req, d) => {
          const path = d.get('path').replace(/^\/+/, '');
          // Vault answers the preflight text alone; Ward keeps "permission denied" before it,
          // the substring clients (and Ward's own examples) match a refusal on.
          const denied = permissionDenied(`preflight capability check returned 403, please ensure client's policies grant access to path "${path.endsWith('/') ? path : `${path}/`}"`);
          // The preflight is every CLI command's first request: a bad token must be named here.
          if (req.clientToken && deps.tokenIsValid && !(await deps.tokenIsValid(req.clientToken))) throw invalidToken();
          const route = deps.router.match(path);
          // A missing mount is refused like an unreachable one, so the path cannot probe for mounts.
          if (!route) throw denied;
          // No token: Vault's token lookup fails first, with its bare sentinel.
          if (!req.clientToken) throw permissionDenied();
          if (!(await deps.canAccessMount(req.clientToken, route.prefix))) throw denied;
          return { data: { ...mountInfo(route.entry), path: route.entry.path } };
        },
      },
    }),
    definePath({
      pattern: 'internal/ui/mounts',
      fields: {},
      operations: {
        read: async (req) => {
          const secret: Record<string, unknown> = {};
          const auth: Record<string, unknown> = {};
          for (const e of deps.mounts.list('mounts')) if (await visible(req, e)) secret[e.path] = mountInfo(e);
          for (const e of deps.mounts.list('auth')) if (await visible(req, e)) auth[e.path] = mountInfo(e);
          return { data: { secret, auth } };
        },
      },
    }),
  ];
}
