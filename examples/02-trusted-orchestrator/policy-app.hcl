# What the application's token may read once it has logged in.
path "secret/data/app/*" {
  capabilities = ["read"]
}
