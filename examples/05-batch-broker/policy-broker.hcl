# The broker's token: mint secret IDs for the "device" role, only response-wrapped, and
# nothing else. (sys/wrapping/lookup, used to check earlier deliveries, needs no policy.)
path "auth/approle/role/device/secret-id" {
  capabilities     = ["update"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "24h"
}
