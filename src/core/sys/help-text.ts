/**
 * Help for the sys/ paths whose tables were written without it: a synopsis per path and
 * a description per field, filled in where the table has none (a table's own text wins).
 * One place, like Vault's sysHelp, so `path-help` and the OpenAPI document of sys/ say
 * something without touching every paths-*.ts file.
 */
import type { FieldSpec, Fields } from '../../sdk/framework/fields.js';
import type { PathDef } from '../../sdk/framework/path.js';

interface PathText {
  synopsis: string;
  /** Field descriptions for this path only, over FIELD_TEXT. */
  fields?: Record<string, string>;
}

const MOUNT = 'The path of the mount (an auth method\'s without the auth/ prefix).';

/** Field descriptions by name, shared by the sys paths. */
const FIELD_TEXT: Record<string, string> = {
  path: MOUNT,
  type: 'Type of the backend: kv, transit, pki, approle, kubernetes, ...',
  description: 'Human-readable description of the mount.',
  config: 'Configuration of the mount: the same keys as its tune endpoint (default_lease_ttl, max_lease_ttl, ...).',
  options: 'Options of the backend, such as version=2 for kv.',
  local: 'Keep the mount local to this cluster.',
  seal_wrap: 'Seal-wrap the storage entries of the mount.',
  external_entropy_access: 'Let the mount use the entropy source of the seal.',
  plugin_name: 'Name of the plugin; for the built-in plugins the same as type.',
  plugin_version: 'Version of the plugin to run; built-in plugins have only their own.',
  default_lease_ttl: 'Default TTL of leases and tokens from the mount; 0 means the system default.',
  max_lease_ttl: 'Maximum TTL of leases and tokens from the mount; 0 means the system maximum.',
  force_no_cache: 'Do not cache the mount\'s storage reads.',
  audit_non_hmac_request_keys: 'Request data keys the audit devices write in clear instead of HMAC-ed.',
  audit_non_hmac_response_keys: 'Response data keys the audit devices write in clear instead of HMAC-ed.',
  listing_visibility: '"unauth" lists the mount in sys/internal/ui/mounts for callers without a token; "hidden" or empty does not.',
  passthrough_request_headers: 'Request headers handed on to the backend.',
  allowed_response_headers: 'Response headers the backend may set.',
  token_type: 'Type of the tokens an auth mount issues: default-service, default-batch, service or batch.',
  user_lockout_config: 'User lockout of an auth mount: lockout_threshold, lockout_duration, lockout_counter_reset, lockout_disable.',
  sync: 'Revoke before answering (the default); false revokes in the background.',
  paths: 'The paths to report capabilities on.',
  token: 'The token to look at.',
  accessor: 'Accessor of the token to look at.',
};

const WRAPPING_TOKEN = { token: 'The wrapping token; without it, the token that makes the request.' };

const PATH_TEXT: Record<string, PathText> = {
  'mounts/(?<path>.+?)/tune': { synopsis: 'Read or tune the configuration of a secrets engine mount.' },
  'mounts/(?<path>.+)': { synopsis: 'Enable, read or disable a secrets engine at a path.' },
  mounts: { synopsis: 'List the mounted secrets engines.' },
  'auth/(?<path>.+?)/tune': { synopsis: 'Read or tune the configuration of an auth method mount.' },
  'auth/(?<path>.+)': { synopsis: 'Enable, read or disable an auth method at a path.' },
  auth: { synopsis: 'List the enabled auth methods.' },
  remount: { synopsis: 'Move a mount to another path.', fields: { from: 'The mount to move (auth methods as auth/<path>).', to: 'The path to move it to.' } },
  'remount/status/(?<id>.+)': { synopsis: 'The state of a mount move.', fields: { id: 'The migration id sys/remount answered with.' } },
  'capabilities-self': { synopsis: 'The capabilities of the calling token on paths.', fields: { token: 'Ignored: the calling token is the one looked at.' } },
  capabilities: { synopsis: 'The capabilities of a token on paths.', fields: { token: 'The token to look at; without it, the token that makes the request.' } },
  'capabilities-accessor': { synopsis: 'The capabilities on paths of the token with an accessor.' },
  'internal/ui/mounts/(?<path>.+)': { synopsis: 'The mount a path belongs to (the CLI asks before each KV command).', fields: { path: 'A path inside the mount.' } },
  'internal/ui/mounts': { synopsis: 'The mounts the caller may see.' },
  'key-status': { synopsis: 'Term and install time of the encryption key of the barrier.' },
  rotate: { synopsis: 'Rotate the encryption key of the barrier.' },
  seal: { synopsis: 'Seal the server.' },
  'step-down': { synopsis: 'Give up leadership: the active node becomes a standby.' },
  'rekey/backup': { synopsis: 'Read or delete the PGP-encrypted unseal key backup of the last rekey.' },
  'rekey/recovery-key-backup': { synopsis: 'Read or delete the PGP-encrypted recovery key backup of the last rekey.' },
  'decode-token': { synopsis: 'Decode the encoded root token of generate-root with its OTP.' },
  'ha-status': { synopsis: 'The nodes of the HA cluster and which one is active.' },
  'wrapping/wrap': { synopsis: 'Wrap the request data in a single-use response-wrapping token.' },
  'wrapping/unwrap': { synopsis: 'The response a wrapping token holds; the token is then spent.', fields: WRAPPING_TOKEN },
  'wrapping/lookup': { synopsis: 'Creation time, TTL and path of a wrapping token.', fields: WRAPPING_TOKEN },
  'wrapping/rewrap': { synopsis: 'Move wrapped data to a new wrapping token.', fields: WRAPPING_TOKEN },
  'storage/snapshot': { synopsis: 'Save (GET) or restore (POST) a snapshot of the storage.' },
  'storage/snapshot-force': { synopsis: 'Restore a snapshot taken on another cluster.' },
  'storage/raft/snapshot': { synopsis: 'Save (GET) or restore (POST) a snapshot of the storage (Vault\'s raft path).' },
  'storage/raft/snapshot-force': { synopsis: 'Restore a snapshot taken on another cluster (Vault\'s raft path).' },
};

function described(spec: FieldSpec<unknown>, text: string | undefined): FieldSpec<unknown> {
  // A copy: field specs are shared between tables (mounts and auth tune use one object).
  return spec.description.trim() !== '' || text === undefined ? spec : { ...spec, description: text };
}

/** `defs` with the missing synopses and field descriptions filled in. */
export function withSysHelp(defs: readonly PathDef<Fields>[]): PathDef<Fields>[] {
  return defs.map((def) => {
    const t = PATH_TEXT[def.pattern];
    const fields: Fields = {};
    for (const [name, spec] of Object.entries(def.fields)) fields[name] = described(spec, t?.fields?.[name] ?? FIELD_TEXT[name]);
    return { ...def, fields, ...(!def.synopsis && t ? { synopsis: t.synopsis } : {}) };
  });
}
