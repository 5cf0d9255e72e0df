/**
 * Stored records of the kubernetes engine: `config` (the API server and Ward's own
 * credentials there; the JWT is never returned by a read), `roles/<name>`, and
 * `rollback/<id>` write-ahead records of objects being created (see issue.ts).
 */
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import type { ObjectRef, RoleType } from './objects.js';

export interface KubeEngineConfig {
  kubernetes_host: string;
  kubernetes_ca_cert: string;
  service_account_jwt: string;
  disable_local_ca_jwt: boolean;
}

export interface KubeRole {
  allowed_kubernetes_namespaces: string[];
  allowed_kubernetes_namespace_selector: string;
  token_max_ttl: number;
  token_default_ttl: number;
  token_default_audiences: string[];
  service_account_name: string;
  kubernetes_role_name: string;
  kubernetes_role_type: RoleType;
  generated_role_rules: string;
  name_template: string;
  extra_labels: Record<string, string>;
  extra_annotations: Record<string, string>;
}

/** Objects a creds request is about to create; deleted on failure, and after a restart. */
export interface RollbackRecord {
  /** Epoch ms when the request started. */
  created: number;
  objects: ObjectRef[];
}

const CONFIG = 'config';
const ROLE = 'roles/';
export const ROLLBACK = 'rollback/';

export const getConfig = (s: Storage) => getJSON<KubeEngineConfig>(s, CONFIG);
export const putConfig = (s: Storage, c: KubeEngineConfig) => putJSON(s, CONFIG, c);
export const deleteConfig = (s: Storage) => s.delete(CONFIG);

export const getRole = (s: Storage, name: string) => getJSON<KubeRole>(s, ROLE + name);
export const putRole = (s: Storage, name: string, r: KubeRole) => putJSON(s, ROLE + name, r);
export const deleteRole = (s: Storage, name: string) => s.delete(ROLE + name);
export const listRoles = (s: Storage) => s.list(ROLE);

export const getRollback = (s: Storage, id: string) => getJSON<RollbackRecord>(s, ROLLBACK + id);
export const putRollback = (s: Storage, id: string, r: RollbackRecord) => putJSON(s, ROLLBACK + id, r);
export const deleteRollback = (s: Storage, id: string) => s.delete(ROLLBACK + id);
export const listRollbacks = (s: Storage) => s.list(ROLLBACK);
