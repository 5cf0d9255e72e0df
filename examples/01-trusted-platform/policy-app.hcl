# What pods of the "app" service account in namespace "prod" may read. No writes,
# no other application's paths.
path "secret/data/app/*" {
  capabilities = ["read"]
}
