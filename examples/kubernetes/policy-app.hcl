# What the app's pods (and the operator on their behalf) may do. Attached by the Kubernetes
# auth role "app", bound to the service account app in namespace apps.
path "secret/data/app/*" {
  capabilities = ["read", "subscribe"]        # subscribe: the operator's instantUpdates
  subscribe_event_types = ["kv*"]
}
path "database/creds/app" {
  capabilities = ["read"]
}
# The operator renews and revokes the VaultDynamicSecret's lease with the app's token.
path "sys/leases/renew" {
  capabilities = ["update"]
}
path "sys/leases/revoke" {
  capabilities = ["update"]
}
path "sys/events/subscribe/kv*" {
  capabilities = ["read"]
}
