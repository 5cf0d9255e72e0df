/**
 * Stored records of the database engine and their storage keys:
 * `config/<name>` connections, `role/<name>` dynamic roles, `static-role/<name>` static roles.
 * The root password and static-role passwords live only here, never in a read response.
 */
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

export const POSTGRES_PLUGIN = 'postgresql-database-plugin';

export interface DbConfig {
  plugin_name: string;
  connection_url: string;
  username: string;
  password: string;
  allowed_roles: string[];
  verify_connection: boolean;
  max_open_connections: number;
  max_idle_connections: number;
  /** Seconds; 0 = unlimited. */
  max_connection_lifetime: number;
  password_policy: string;
  username_template: string;
  root_rotation_statements: string[];
  password_authentication: 'password' | 'scram-sha-256';
  disable_escaping: boolean;
}

export interface DbRole {
  db_name: string;
  creation_statements: string[];
  revocation_statements: string[];
  rollback_statements: string[];
  renew_statements: string[];
  default_ttl: number;
  max_ttl: number;
  credential_type: string;
  credential_config: Record<string, unknown>;
}

export interface StaticRole {
  db_name: string;
  username: string;
  /** Seconds between scheduled rotations. */
  rotation_period: number;
  rotation_statements: string[];
  credential_type: string;
  password: string;
  /** Epoch ms of the last successful rotation; 0 before the first. */
  last_vault_rotation: number;
}

const CONFIG = 'config/';
const ROLE = 'role/';
const STATIC = 'static-role/';

export const getConfig = (s: Storage, name: string) => getJSON<DbConfig>(s, CONFIG + name);
export const putConfig = (s: Storage, name: string, c: DbConfig) => putJSON(s, CONFIG + name, c);
export const deleteConfig = (s: Storage, name: string) => s.delete(CONFIG + name);
export const listConfigs = (s: Storage) => s.list(CONFIG);

export const getRole = (s: Storage, name: string) => getJSON<DbRole>(s, ROLE + name);
export const putRole = (s: Storage, name: string, r: DbRole) => putJSON(s, ROLE + name, r);
export const deleteRole = (s: Storage, name: string) => s.delete(ROLE + name);
export const listRoles = (s: Storage) => s.list(ROLE);

export const getStaticRole = (s: Storage, name: string) => getJSON<StaticRole>(s, STATIC + name);
export const putStaticRole = (s: Storage, name: string, r: StaticRole) => putJSON(s, STATIC + name, r);
export const deleteStaticRole = (s: Storage, name: string) => s.delete(STATIC + name);
export const listStaticRoles = (s: Storage) => s.list(STATIC);

/** True when the connection lets `role` use it (`*` allows every role). */
export function roleAllowed(c: DbConfig, role: string): boolean {
  return c.allowed_roles.includes('*') || c.allowed_roles.includes(role);
}
