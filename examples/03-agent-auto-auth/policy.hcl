# What the app's agent may read.
path "secret/data/app/*" {
  capabilities = ["read"]
}
