#!/usr/bin/env bash
# The real Temporal server for the production test tier (`npm run test:production`) and the cluster
# benchmarks: Temporal's own `temporal-server` and `temporal-sql-tool`, built from the Go module proxy,
# and PostgreSQL from the machine. No Docker.
#
#   bash dev/temporal/temporal-server.sh          builds what is missing, then prints the folder of the binaries
#
# Binaries are kept in .tools/temporal-server/<version>/ and, keyed by the same version, in a cache outside
# the clone ($BATON_CACHE_DIR, default ~/.cache/baton), so a fresh clone on the same machine (CI) copies
# them in seconds instead of building for five minutes. A new machine builds them by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="${TEMPORAL_SERVER_VERSION:-1.32.2}"
# The server's go.mod needs a newer Go than most machines have; the Go module proxy serves this toolchain.
TOOLCHAIN="${TEMPORAL_SERVER_GOTOOLCHAIN:-go1.27.3}"
LOCAL_DIR="$PWD/.tools/temporal-server/$VERSION"
CACHE_DIR="${BATON_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/baton}/temporal-server/$VERSION"
BINARIES=(temporal-server temporal-sql-tool)

log() { printf '[temporal-server] %s\n' "$*" >&2; }

has_binaries() {
  local dir="$1" name
  for name in "${BINARIES[@]}"; do [ -x "$dir/$name" ] || return 1; done
}

copy_binaries() {
  local from="$1" to="$2" name
  mkdir -p "$to"
  # Copy to a temporary name, then rename: a concurrent reader never sees half a binary.
  for name in "${BINARIES[@]}"; do
    cp "$from/$name" "$to/.$name.tmp"
    mv -f "$to/.$name.tmp" "$to/$name"
  done
}

# PostgreSQL: Debian's package, installed when missing (the tier starts its own instance with initdb).
postgres_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && { pg_config --bindir; return 0; }
  return 1
}
if ! postgres_bindir >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing PostgreSQL (apt-get install -y postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  fi
  postgres_bindir >/dev/null || { log "PostgreSQL (initdb) not found: install it, e.g. apt-get install -y postgresql"; exit 1; }
fi

if ! has_binaries "$LOCAL_DIR"; then
  if has_binaries "$CACHE_DIR"; then
    log "copying temporal-server $VERSION from $CACHE_DIR"
  else
    command -v go >/dev/null 2>&1 || { log "Go is needed to build temporal-server $VERSION (any Go >= 1.21; it fetches $TOOLCHAIN)"; exit 1; }
    log "building temporal-server and temporal-sql-tool $VERSION with $TOOLCHAIN (about 5 minutes on 2 cores)"
    started=$(date +%s)
    build_dir="$(mktemp -d)"
    trap 'rm -rf "$build_dir"' EXIT
    # One build at a time per machine: parallel CI runs share the cache.
    mkdir -p "$(dirname "$CACHE_DIR")"
    (
      flock 9
      if ! has_binaries "$CACHE_DIR"; then
        GOTOOLCHAIN="$TOOLCHAIN" GOBIN="$build_dir" \
          go install "go.temporal.io/server/cmd/server@v$VERSION" "go.temporal.io/server/cmd/tools/sql@v$VERSION" >&2
        mv "$build_dir/server" "$build_dir/temporal-server"
        mv "$build_dir/sql" "$build_dir/temporal-sql-tool"
        copy_binaries "$build_dir" "$CACHE_DIR"
      fi
    ) 9>"$(dirname "$CACHE_DIR")/.build-$VERSION.lock"
    log "built in $(( $(date +%s) - started )) s"
  fi
  copy_binaries "$CACHE_DIR" "$LOCAL_DIR"
fi

echo "$LOCAL_DIR"
