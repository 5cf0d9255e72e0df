# The pipeline's token: mint secret IDs for the "app" role, nothing else. The wrapping
# bounds make wrapping mandatory: a request without X-Vault-Wrap-TTL (or longer than
# 10 minutes) is refused, so the pipeline never sees a usable secret ID.
path "auth/approle/role/app/secret-id" {
  capabilities     = ["update"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "10m"
}
