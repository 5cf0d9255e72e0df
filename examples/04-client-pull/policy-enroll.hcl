# The enrollment credential shipped in every bootstrap package. It may learn the device
# role's ID and ask for that role's secret IDs, only response-wrapped. Nothing else: no
# secrets, no other roles, no changes to any role.
path "auth/approle/role/device/secret-id" {
  capabilities     = ["update"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "5m"
}

path "auth/approle/role/device/role-id" {
  capabilities = ["read"]
}
