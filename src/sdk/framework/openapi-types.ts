/**
 * The slice of OpenAPI 3.0 that Ward's generated document uses, shaped as Vault's
 * sdk/framework writes it (key names, the `x-vault-*` extensions, omitted empties).
 */

export const OAS_VERSION = '3.0.2';

export interface OasSchema {
  $ref?: string;
  type?: string;
  description?: string;
  properties?: Record<string, OasSchema>;
  additionalProperties?: boolean;
  required?: string[];
  items?: OasSchema;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  'x-vault-displayAttrs'?: { sensitive?: boolean };
}

export interface OasParameter {
  name: string;
  description?: string;
  in: 'path' | 'query';
  schema: OasSchema;
  required?: boolean;
}

export interface OasMedia {
  schema: OasSchema;
}

export interface OasResponse {
  description: string;
  content?: Record<string, OasMedia>;
}

export interface OasOperation {
  summary?: string;
  operationId: string;
  tags?: string[];
  parameters?: OasParameter[];
  requestBody?: { required: boolean; content: Record<string, OasMedia> };
  responses: Record<string, OasResponse>;
}

export interface OasPathItem {
  description?: string;
  parameters?: OasParameter[];
  'x-vault-sudo'?: boolean;
  'x-vault-unauthenticated'?: boolean;
  'x-vault-createSupported'?: boolean;
  get?: OasOperation;
  post?: OasOperation;
  delete?: OasOperation;
  patch?: OasOperation;
}

export interface OasDocument {
  openapi: string;
  info: { title: string; description: string; version: string; license: { name: string; url: string } };
  paths: Record<string, OasPathItem>;
  components: { schemas: Record<string, OasSchema> };
}

/** The HTTP methods a path item may carry, in the order Vault writes them. */
export const OAS_METHODS = ['get', 'post', 'delete', 'patch'] as const;

export function newOasDocument(version: string): OasDocument {
  return {
    openapi: OAS_VERSION,
    info: {
      title: 'Ward API',
      description: 'The HTTP API of Ward, compatible with HashiCorp Vault clients. Every route is below `/v1/`.',
      version,
      license: { name: 'Mozilla Public License 2.0', url: 'https://www.mozilla.org/en-US/MPL/2.0' },
    },
    paths: {},
    components: { schemas: {} },
  };
}
