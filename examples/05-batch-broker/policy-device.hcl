# What a device may read once it has logged in.
path "secret/data/fleet/*" {
  capabilities = ["read"]
}
