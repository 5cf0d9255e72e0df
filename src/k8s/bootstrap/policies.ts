/**
 * The two personas the bootstrap job sets up. admin: manages secrets engines, auth methods
 * and ACL policies (and reads health and the audit device list), nothing in the secrets
 * themselves. provisioner: writes secrets in the KV mount and the roles of auth methods and
 * secrets engines, for CI; it cannot read secrets back, change policies or mounts.
 */
export function adminPolicy(): string {
  return [
    '# Secrets engines: enable, tune, move and disable them',
    'path "sys/mounts" { capabilities = ["read"] }',
    'path "sys/mounts/*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }',
    'path "sys/remount" { capabilities = ["update", "sudo"] }',
    '# Auth methods: enable, tune and disable them, and configure them',
    'path "sys/auth" { capabilities = ["read"] }',
    'path "sys/auth/*" { capabilities = ["create", "read", "update", "delete", "sudo"] }',
    'path "auth/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    '# ACL policies',
    'path "sys/policies/acl" { capabilities = ["list"] }',
    'path "sys/policies/acl/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    'path "sys/policy" { capabilities = ["read"] }',
    'path "sys/policy/*" { capabilities = ["create", "read", "update", "delete"] }',
    '# Looking, not touching',
    'path "sys/health" { capabilities = ["read", "sudo"] }',
    'path "sys/audit" { capabilities = ["read", "sudo"] }',
    '',
  ].join('\n');
}

export function provisionerPolicy(kvMount: string): string {
  return [
    `# Secrets written into the KV v2 mount "${kvMount}/" (and KV v1 paths), never read back`,
    `path "${kvMount}/data/*" { capabilities = ["create", "update"] }`,
    `path "${kvMount}/metadata/*" { capabilities = ["list"] }`,
    '# Roles of auth methods (auth/approle/role/x, auth/kubernetes/role/x)',
    'path "auth/+/role/*" { capabilities = ["create", "update", "read", "list"] }',
    '# Roles of secrets engines (database/roles/x, pki/roles/x, kubernetes/roles/x)',
    'path "+/roles/*" { capabilities = ["create", "update", "read", "list"] }',
    '',
  ].join('\n');
}
