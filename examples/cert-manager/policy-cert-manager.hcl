# What cert-manager's Vault Issuer needs: sign CSRs against one role, nothing else.
# It never sees a CA key, cannot issue (Ward-generated keys), and cannot revoke.
path "pki/sign/web" {
  capabilities = ["create", "update"]
}
