/**
 * `sys/internal/specs/openapi`: the OpenAPI 3 document of the mounts the caller may see,
 * generated from the backends' path tables. `generic_mount_paths` and `context` as Vault;
 * GET takes them in the query, POST in the body. It is one of sys/'s unauthenticated
 * paths, and Vault builds it on sys/internal/ui/mounts' visibility: without a token the
 * document covers the mounts tuned `listing_visibility=unauth`; a token adds the mounts
 * its policies reach; a token that names nothing is refused (permission denied, invalid
 * token) rather than answered as if none had been sent.
 *
 * Generating the document takes tens of milliseconds of event-loop time with a few dozen
 * mounts, so the rendered text is cached. The key is everything the document is made
 * of: the options and, per visible mount, its prefix, its type and its backend object
 * (a backend's path table is fixed when it is built, and enabling, moving or re-enabling
 * a mount makes a new route). Who asked only decides which mounts are visible, so the
 * anonymous document and a token's share entries when they show the same mounts, and
 * an entry can never be stale; a few entries are kept, for the few views a server
 * typically serves.
 */
import { badRequest, invalidToken } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import type { LogicalRequest, LogicalResponse } from '../../sdk/logical.js';
import { mountsDocument, type DocumentedMount } from '../openapi/mounts-document.js';

export interface OpenApiDeps {
  /** Every mount with its routed prefix (`secret/`, `auth/approle/`, `sys/`) and its listing visibility. */
  mounts(): DocumentedMount[];
  /** Whether the token may do anything under a routed prefix. */
  canAccessMount(token: string, prefix: string): Promise<boolean>;
  tokenIsValid(token: string): Promise<boolean>;
  version: string;
}

const fields = {
  generic_mount_paths: field.bool({ description: 'Use generic mount paths', query: true }),
  context: field.string({ description: 'Context string appended to every operationId', query: true }),
};

const CACHE_ENTRIES = 8;
/** Longer than any operationId suffix a client generator would want. */
const MAX_CONTEXT = 256;

interface Cached {
  backends: readonly object[];
  body: string;
}

export function openapiPaths(deps: OpenApiDeps): PathDef<Fields>[] {
  const cache = new Map<string, Cached>();

  const render = (visible: DocumentedMount[], genericMountPaths: boolean, context: string): string => {
    const key = JSON.stringify([genericMountPaths, context, visible.map((m) => [m.prefix, m.type])]);
    const hit = cache.get(key);
    if (hit && hit.backends.length === visible.length && hit.backends.every((b, i) => b === visible[i]!.backend)) return hit.body;
    const body = JSON.stringify(mountsDocument(visible, { version: deps.version, genericMountPaths, context }));
    cache.delete(key);
    cache.set(key, { backends: visible.map((m) => m.backend), body });
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    return body;
  };

  const generate = async (req: LogicalRequest, d: FieldData<typeof fields>): Promise<LogicalResponse> => {
    // The context is copied into every operationId: unbounded, one request (without a
    // token, too) could make the server build a document of hundreds of megabytes.
    if (d.get('context').length > MAX_CONTEXT) throw badRequest(`"context" must be at most ${MAX_CONTEXT} characters`);
    const token = req.clientToken;
    if (token !== '' && !(await deps.tokenIsValid(token))) throw invalidToken();
    const visible: DocumentedMount[] = [];
    for (const m of deps.mounts()) {
      if (m.listingVisibility === 'unauth' || (token !== '' && (await deps.canAccessMount(token, m.prefix)))) visible.push(m);
    }
    return { raw: { status: 200, contentType: 'application/json', body: render(visible, d.get('generic_mount_paths'), d.get('context')) } };
  };
  return [
    definePath({
      pattern: 'internal/specs/openapi',
      fields,
      operations: { read: generate, update: generate },
      synopsis: 'Generate an OpenAPI 3 document of all mounted paths.',
      description: 'The paths, fields and operations of every mount the token can reach, from the backends\' path tables.',
    }),
  ];
}
