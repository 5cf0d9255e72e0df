# Pattern 3: the agent logs in for the app. Paths are relative to the directory the
# agent runs in (run.sh uses ./work). The Ward address comes from VAULT_ADDR.

auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path                = "role-id"
      secret_id_file_path              = "secret-id"
      # The secret-id file holds a response-wrapping token; the agent checks that it was
      # minted by this endpoint before unwrapping it, then deletes the file.
      secret_id_response_wrapping_path = "auth/approle/role/app/secret-id"
    }
  }

  sink "file" {
    config = {
      path = "agent-token"
      mode = 0600
    }
  }
}

template_config {
  # Re-read KV v2 secrets every ~2s (the default is 5m) so the demo shows changes quickly.
  static_secret_render_interval = "2s"
}

template {
  source      = "app.env.tpl"
  destination = "out/app.env"
  perms       = "0600"
  command     = "echo \"$(date +%T) app.env rendered\" >> out/reloads.log"
}
