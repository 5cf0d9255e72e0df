/**
 * Extension points of the fake API server, so that authorization (RBAC), admission
 * (mutating webhooks) and extra subresources (serviceaccounts/token) can be plugged in as
 * modules without touching routing:
 * - `authorize(user, attrs)` decides every resource request after authentication;
 * - `admit(request)` sees every CREATE and UPDATE (PUT and PATCH) before it is stored and
 *   returns the object to store, or throws an ApiError to reject it;
 * - `subresources` serves `<group>/<plural>/<subresource>` routes the store does not.
 */
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './accounts.js';
import type { ResourceType } from './registry.js';
import type { KObj, Store } from './store.js';

export type { UserInfo } from './accounts.js';

/** What the authorizer is asked, as in a SubjectAccessReview's resourceAttributes. */
export interface Attributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  /** "" for cluster-scoped requests; for namespaces the namespace's own name, as the real RequestInfo. */
  namespace: string;
  name: string;
}

export type Authorizer = (user: UserInfo, attrs: Attributes) => boolean | Promise<boolean>;

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE';
  t: ResourceType;
  subresource: string;
  namespace: string;
  name: string;
  object: KObj;
  oldObject?: KObj;
  user: UserInfo;
  dryRun: boolean;
  /** Adds an admission warning to the response (a `Warning: 299 - "<text>"` header). */
  warn?: (text: string) => void;
}

/** Returns the object to store (possibly mutated); throws ApiError to deny. */
export type Admitter = (r: AdmissionRequest) => Promise<KObj>;

export interface SubresourceRequest {
  req: IncomingMessage;
  /** The API verb (create for POST, get for GET, …). */
  verb: string;
  t: ResourceType;
  namespace: string | undefined;
  name: string;
  user: UserInfo;
  body: string;
  store: Store;
}

/** Serves a subresource: the status code and body to answer with (throw ApiError for failures). */
export type SubresourceHandler = (r: SubresourceRequest) => Promise<{ code: number; body: unknown }>;

export const ADMIN_GROUP = 'system:masters';

