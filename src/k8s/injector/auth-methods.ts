/**
 * The auto-auth methods the injected agent can run, and the `auth-config-<param>` keys
 * each accepts: `ward agent`'s own config readers (src/agent/config-stanzas.ts and
 * src/agent/auto-auth/*.ts) refuse any other key and would stop the agent at start, so the
 * injector denies such a pod up front instead. vault-k8s passes any method through; the
 * agent decides. test/integration/k8s/injector-auth-methods.test.ts checks this table
 * against the agent's readers, so the two cannot drift apart.
 */
export const AUTH_CONFIG: Readonly<Record<string, readonly string[]>> = {
  kubernetes: ['role', 'token_path'],
  approle: ['role_id_file_path', 'secret_id_file_path', 'remove_secret_id_file_after_reading', 'secret_id_response_wrapping_path'],
  token_file: ['token_file_path'],
  jwt: ['path', 'role', 'remove_jwt_after_reading', 'remove_jwt_follows_symlinks', 'jwt_read_period'],
  cert: ['name', 'ca_cert', 'client_cert', 'client_key', 'reload'],
  aws: ['type', 'role', 'region', 'header_value', 'access_key', 'secret_key', 'session_token', 'nonce', 'credential_poll_interval'],
  azure: ['role', 'resource', 'object_id', 'client_id', 'scope', 'authenticate_from_environment'],
  gcp: ['type', 'role', 'credentials', 'service_account', 'project', 'jwt_exp'],
};

/** The values `auth-type` and `-vault-auth-type` take. */
export const AUTH_TYPES: readonly string[] = Object.keys(AUTH_CONFIG);
