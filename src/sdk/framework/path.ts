import type { LogicalRequest, LogicalResponse, Operation } from '../logical.js';
import type { FieldData } from './field-data.js';
import type { Fields } from './fields.js';

export type HandlerResult = LogicalResponse | null | undefined | void;

/** Bivariant on purpose so paths with different field tables fit in one array. */
export type Handler<F extends Fields> = {
  bivarianceHack(req: LogicalRequest, d: FieldData<F>): Promise<HandlerResult>;
}['bivarianceHack'];

export type ExistenceCheck<F extends Fields> = {
  bivarianceHack(req: LogicalRequest, d: FieldData<F>): Promise<boolean>;
}['bivarianceHack'];

export type PathOperation = Exclude<Operation, 'help'>;

/** The role a login request names (Vault's ResolveRoleOperation); "" when it names none. */
export type RoleResolver<F extends Fields> = {
  bivarianceHack(req: LogicalRequest, d: FieldData<F>): Promise<string>;
}['bivarianceHack'];

/**
 * One row of a backend's path table: Vault's framework.Path. The pattern is a regular
 * expression (anchored by the framework) whose named groups become field values.
 */
export interface PathDef<F extends Fields = Fields> {
  pattern: string;
  fields: F;
  operations: Partial<Record<PathOperation, Handler<F>>>;
  /** Decides create vs update; without it every write is an update. */
  existenceCheck?: ExistenceCheck<F>;
  /** Skip the "unrecognized parameters" warning (KV stores arbitrary keys). */
  takesArbitraryData?: boolean;
  synopsis?: string;
  description?: string;
  /**
   * The pattern the OpenAPI document shows when `pattern` has no OpenAPI form (routing is
   * unchanged): KV v1's and the cubbyhole's `.*` are `(?<path>.*)` there, as in Vault.
   */
  documentedPattern?: string;
  /**
   * On an auth method's `login` path: which role the request logs in with, read from the
   * same fields (and the mount's storage) without logging in. Role-scoped quotas use it;
   * a backend without one refuses role quotas, as Vault's methods without roles do.
   */
  resolveRole?: RoleResolver<F>;
}

/** Identity function that lets TypeScript infer the field table for handler arguments. */
export function definePath<F extends Fields>(def: PathDef<F>): PathDef<F> {
  return def;
}

/** Vault's GenericNameRegex: word characters, with - and . allowed inside. */
export const genericName = (name: string): string => `(?<${name}>\\w(?:[\\w.-]*\\w)?)`;
/** Matches the rest of the path, including slashes. */
export const matchAll = (name: string): string => `(?<${name}>.*)`;
/** Optional trailing "/" for list endpoints written as `role/?`. */
export const optionalSlash = '/?';
