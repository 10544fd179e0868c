// The gateway peer's configuration: nginx with the Lua module (what OpenResty, and so APISIX and Kong, run
// on) doing the baseline's fan-out and merge. Pure text, so that a unit test can read it; nginx-peer.ts
// writes it to a temporary directory and runs nginx on it.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { BackendUrls } from './shared';

export const PEER_NAME = 'nginx + lua';

/** Where Debian and Ubuntu put dynamic modules (bookworm: /usr/share/nginx/modules), and nginx's own default. */
const MODULE_DIRS = ['/usr/share/nginx/modules', '/usr/lib/nginx/modules', '/usr/lib64/nginx/modules', '/etc/nginx/modules', '/usr/local/nginx/modules'];
const LUA_MODULE = 'ngx_http_lua_module.so';
/** The Lua module needs the Nginx Development Kit loaded first (Debian: libnginx-mod-http-ndk). */
const NDK_MODULE = 'ndk_http_module.so';

export interface NginxInstall {
  binary: string;
  /** Absolute paths for `load_module`, in order. */
  modules: string[];
}

/** nginx and its Lua module as installed (`BENCH_NGINX` overrides the binary), or why the peer cannot run. */
export function findNginx(env: NodeJS.ProcessEnv = process.env): NginxInstall | { unavailable: string } {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'].filter(Boolean);
  const binary = env.BENCH_NGINX ?? dirs.map((dir) => join(dir, 'nginx')).find((path) => existsSync(path));
  if (binary === undefined || !existsSync(binary)) return { unavailable: 'no nginx binary found (apt-get install nginx libnginx-mod-http-lua lua-cjson)' };
  const dir = MODULE_DIRS.find((d) => existsSync(join(d, LUA_MODULE)));
  if (dir === undefined) return { unavailable: `nginx found, but not ${LUA_MODULE} (apt-get install libnginx-mod-http-lua lua-cjson)` };
  return { binary, modules: [NDK_MODULE, LUA_MODULE].map((m) => join(dir, m)).filter((path) => existsSync(path)) };
}

/**
 * The handler, loaded once per worker (`require`): a parallel fan-out by subrequests to the three
 * keep-alive upstreams (`ngx.location.capture_multi`), cjson to decode each body and encode the
 * parts, the baseline's body shape, and Server-Timing.
 *
 * Timing: each call's duration runs from just before `capture_multi` (the parent) to the moment the
 * subrequest's last body buffer passes its own body filter (`body_filter_by_lua`, the `ctx` table it
 * shares with the parent): the upstream's whole answer is in, as the baseline's runs to its parsed
 * body. Read with clock_gettime(CLOCK_MONOTONIC) through LuaJIT's FFI: `ngx.now()` only has
 * milliseconds, which would shift the added latency by up to 1 ms. Should a subrequest's filter
 * not have run (an upstream error before any body), its duration is the moment the parent resumed.
 */
export const PROFILE_LUA = `local ffi = require "ffi"
local cjson = require "cjson.safe"
local capture_multi = ngx.location.capture_multi
local format = string.format

ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } baton_bench_timespec;
int clock_gettime(int clk_id, baton_bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("baton_bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local M = {}

-- body_filter_by_lua of each internal location: when the subrequest's last buffer passes.
function M.mark_done()
  if ngx.arg[2] then
    local ctx = ngx.ctx
    if ctx.done == nil then ctx.done = now_ms() end
  end
end

local function decoded(res)
  if res.status ~= 200 then return nil end
  local value = cjson.decode(res.body)
  if value == cjson.null then return nil end
  return value
end

-- cjson writes an empty Lua table as {}: only a non-empty orders array goes through it.
local function json(value)
  if value == nil then return "null" end
  if type(value) == "table" and next(value) == nil then return "[]" end
  return cjson.encode(value)
end

function M.profile()
  local user_id = ngx.var.user
  local started = now_ms()
  local cu, co, cl = {}, {}, {}
  local ru, ro, rl = capture_multi{
    { "/_users/" .. user_id, { ctx = cu } },
    { "/_orders/" .. user_id .. "/orders", { args = "limit=10", ctx = co } },
    { "/_loyalty/" .. user_id, { ctx = cl } },
  }
  local resumed = now_ms()
  local user = decoded(ru)
  local history = decoded(ro)
  local loyalty = decoded(rl)
  local orders = nil
  if type(history) == "table" and history.orders ~= nil and history.orders ~= cjson.null then orders = history.orders end
  local partial = orders == nil or loyalty == nil
  local body = '{"user":' .. json(user) .. ',"recentOrders":' .. json(orders) .. ',"loyalty":' .. json(loyalty) ..
    ',"partial":' .. (partial and "true" or "false") .. ',"errors":[]}'
  ngx.status = user == nil and 404 or 200
  ngx.header["Content-Type"] = "application/json"
  ngx.header["Content-Length"] = #body
  ngx.header["Server-Timing"] = format("users;dur=%.1f, orderHistory;dur=%.1f, loyalty;dur=%.1f, total;dur=%.1f",
    (cu.done or resumed) - started, (co.done or resumed) - started, (cl.done or resumed) - started, now_ms() - started)
  ngx.print(body)
end

return M
`;

export interface NginxConfigOptions {
  /** The prefix directory (-p): the config, the Lua module, the pid file and the temp paths live there. */
  dir: string;
  port: number;
  backends: BackendUrls;
  /** From findNginx. */
  modules: string[];
  /** `user` for the worker when the master runs as root (it would drop to nobody, who cannot read `dir`). */
  rootUser?: string;
}

const hostPort = (url: string) => new URL(url).host;

export function nginxConfig({ dir, port, backends, modules, rootUser }: NginxConfigOptions): string {
  const upstream = (name: string, url: string) => `  upstream ${name} {
    server ${hostPort(url)};
    # Idle connections kept per worker, as many as the baseline's undici pool opens per origin.
    keepalive 128;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }`;
  const internal = (prefix: string, upstreamName: string, path: string) => `    location ${prefix} {
      internal;
      proxy_pass http://${upstreamName}${path};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # Like the baseline's calls: no client header, no body.
      proxy_pass_request_headers off;
      proxy_pass_request_body off;
      body_filter_by_lua_block { profile.mark_done() }
    }`;
  return `# Written by dev/bench/composition/nginx-peer.ts for the composition benchmark.
${modules.map((m) => `load_module ${m};`).join('\n')}
${rootUser ? `user ${rootUser};\n` : ''}# One worker, one core: like the single Node process of each other contender.
worker_processes 1;
daemon off;
# A master as in production; it only starts and reaps the worker (its CPU is counted too).
master_process on;
pid ${dir}/nginx.pid;
error_log stderr warn;

events {
  worker_connections 16384;
  accept_mutex off;
}

http {
  # A line per request, as Baton's API logs one: nginx's default access log (subrequests are not logged).
  access_log ${dir}/access.log;
  server_tokens off;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  lua_package_path "${dir}/?.lua;;";
  init_by_lua_block { profile = require "profile" }

${upstream('users', backends.users)}
${upstream('order_history', backends.orderHistory)}
${upstream('loyalty', backends.loyalty)}

  server {
    listen 127.0.0.1:${port};

    location = /healthz {
      return 204;
    }

    location ~ ^/profiles/(?<user>[^/]+)$ {
      content_by_lua_block { profile.profile() }
    }

${internal('/_users/', 'users', '/users/')}
${internal('/_orders/', 'order_history', '/users/')}
${internal('/_loyalty/', 'loyalty', '/loyalty/')}
  }
}
`;
}
