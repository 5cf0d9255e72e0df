# What pods of service account "app" in namespace "prod" may read: the app's own secrets.
path "secret/data/app/*" {
  capabilities = ["read"]
}
