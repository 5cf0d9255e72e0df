/**
 * The built-in policies written at setup. `default` is attached to every token unless
 * asked otherwise and may be edited; `response-wrapping` is attached to wrapping tokens
 * and never changes.
 */

export const DEFAULT_POLICY_NAME = 'default';
export const RESPONSE_WRAPPING_POLICY_NAME = 'response-wrapping';
export const ROOT_POLICY_NAME = 'root';

export const DEFAULT_POLICY = `# Grants every token the basics: inspect, renew and revoke itself, use its own
# cubbyhole, and work with response wrapping and leases it holds.

path "auth/token/lookup-self" {
  capabilities = ["read"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# Ask which capabilities this token has on given paths.
path "sys/capabilities-self" {
  capabilities = ["update"]
}

# The token's own identity entity (rules with templates apply only when resolvable).
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}

path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# Lets the UI show what this token may do.
path "sys/internal/ui/resultant-acl" {
  capabilities = ["read"]
}

# Renew and look up leases (legacy and current endpoints).
path "sys/renew" {
  capabilities = ["update"]
}

path "sys/leases/renew" {
  capabilities = ["update"]
}

path "sys/leases/lookup" {
  capabilities = ["update"]
}

# The token's private storage.
path "cubbyhole/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping helpers.
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}

path "sys/wrapping/lookup" {
  capabilities = ["update"]
}

path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}

# Hashing helpers.
path "sys/tools/hash" {
  capabilities = ["update"]
}

path "sys/tools/hash/*" {
  capabilities = ["update"]
}

# OIDC provider authorization endpoint.
path "identity/oidc/provider/+/authorize" {
  capabilities = ["read", "update"]
}
`;

export const RESPONSE_WRAPPING_POLICY = `# Attached to response-wrapping tokens: read the wrapped response once, or unwrap it.

path "cubbyhole/response" {
  capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
`;
