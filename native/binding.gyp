{
  "targets": [
    {
      "target_name": "ward_native",
      "sources": ["ward_native.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2", "-D_GNU_SOURCE"]
    }
  ]
}
