# What a deploy job of acme/app on main may read: its own deploy secret, nothing else.
path "secret/data/ci/deploy" {
  capabilities = ["read"]
}
