# What an enrolled device may read.
path "secret/data/fleet/*" {
  capabilities = ["read"]
}
