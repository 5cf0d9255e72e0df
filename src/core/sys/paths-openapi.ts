/**
 * `sys/internal/specs/openapi`: the OpenAPI 3 document of every mount the caller's token
 * reaches, generated from the backends' path tables on each request (nothing is cached,
 * so it is never stale and costs request routing nothing). `generic_mount_paths` and
 * `context` as Vault; GET takes them in the query, POST in the body. As in Vault the ACL
 * does not gate the path itself (it is a special unauthenticated path of sys/) and the
 * token decides what is shown; unlike Vault a valid token is required.
 */
import { invalidToken, permissionDenied } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import type { LogicalRequest, LogicalResponse } from '../../sdk/logical.js';
import { mountsDocument, type DocumentedMount } from '../openapi/mounts-document.js';

export interface OpenApiDeps {
  /** Every mount with its routed prefix (`secret/`, `auth/approle/`, `sys/`). */
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

export function openapiPaths(deps: OpenApiDeps): PathDef<Fields>[] {
  const generate = async (req: LogicalRequest, d: FieldData<typeof fields>): Promise<LogicalResponse> => {
    const token = req.clientToken;
    if (token === '') throw permissionDenied();
    if (!(await deps.tokenIsValid(token))) throw invalidToken();
    const visible: DocumentedMount[] = [];
    for (const m of deps.mounts()) if (await deps.canAccessMount(token, m.prefix)) visible.push(m);
    const doc = mountsDocument(visible, { version: deps.version, genericMountPaths: d.get('generic_mount_paths'), context: d.get('context') });
    return { raw: { status: 200, contentType: 'application/json', body: JSON.stringify(doc) } };
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
