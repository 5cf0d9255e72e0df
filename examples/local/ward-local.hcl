# A Ward server on your laptop: plain HTTP on 127.0.0.1:8200, data in ./data (relative to
# the directory you start it from), no UI.
#
#   mkdir -p data && ward server -config=examples/local/ward-local.hcl
#   export VAULT_ADDR=http://127.0.0.1:8200
#   ward operator init -key-shares=1 -key-threshold=1   # keep the output: unseal key + root token
#   ward operator unseal                                  # paste the unseal key
#
# TLS IS OFF: only for a laptop, listening on loopback. Anything else (a shared machine, a
# VM, a cluster) needs tls_cert_file/tls_key_file on the listener: tokens and secrets cross
# this connection in the clear.

storage "sqlite" {
  path = "./data/ward.db"
}

listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}

api_addr = "http://127.0.0.1:8200"
ui       = false

# Memory locking needs CAP_IPC_LOCK, which a laptop user rarely has; acceptable here only
# because the machine is yours. A production server keeps mlock on.
disable_mlock = true
