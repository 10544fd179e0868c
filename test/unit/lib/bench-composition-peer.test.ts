// The composition benchmark's helpers for its gateway peer and its warm run: CPU of a process tree from
// /proc (nginx's master and worker are not Node children of the driver), the nginx configuration, and
// reading Baton's Cache-Status.
import { describe, expect, it } from 'vitest';
import { cpuSecondsFromStat, processCpuSeconds, processTreeCpuSeconds, statFields } from '../../../dev/bench/lib/children';
import { findNginx, nginxConfig, PROFILE_LUA } from '../../../dev/bench/composition/nginx-config';
import { cacheHits } from '../../../dev/bench/composition/shared';

// utime 250, stime 50, cutime 700, cstime 300 ticks (fields 14 to 17); a command name with ") " in it.
const STAT = '4242 (nginx: a) b) S 4241 4242 4242 0 -1 4194560 100 0 0 0 250 50 700 300 20 0 1 0 12345 1000000 200 18446744073709551615';

describe('/proc/<pid>/stat', () => {
  it('reads the fields after the command name, whatever it holds', () => {
    expect(statFields(STAT).slice(0, 2)).toEqual(['S', '4241']);
  });

  it("counts user and system time, and on request the reaped children's", () => {
    expect(cpuSecondsFromStat(STAT)).toBe(3);
    expect(cpuSecondsFromStat(STAT, { reapedChildren: true })).toBe(13);
  });

  it("reads a live process's tree, and NaN for a process that is gone", () => {
    const own = processCpuSeconds(process.pid);
    expect(own).toBeGreaterThan(0);
    expect(processTreeCpuSeconds(process.pid)).toBeGreaterThanOrEqual(own);
    expect(processTreeCpuSeconds(2 ** 22 + 1)).toBeNaN();
  });
});

describe('the nginx peer', () => {
  const backends = { users: 'http://127.0.0.1:4101', orderHistory: 'http://127.0.0.1:4102', loyalty: 'http://127.0.0.1:4103' };
  const config = nginxConfig({ dir: '/tmp/peer', port: 4100, backends, modules: ['/m/ndk_http_module.so', '/m/ngx_http_lua_module.so'] });

  it('runs one worker, keeps connections to the three backends and fans out from the profile route', () => {
    expect(config).toMatch(/^worker_processes 1;$/m);
    expect(config).toMatch(/^daemon off;$/m);
    expect(config).toContain('load_module /m/ndk_http_module.so;\nload_module /m/ngx_http_lua_module.so;');
    for (const [name, port] of [
      ['users', 4101],
      ['order_history', 4102],
      ['loyalty', 4103],
    ] as const) {
      expect(config).toMatch(new RegExp(`upstream ${name} \\{\\s+server 127\\.0\\.0\\.1:${port};`));
    }
    expect(config.match(/keepalive 128;/g)).toHaveLength(3);
    expect(config.match(/proxy_set_header Connection "";/g)).toHaveLength(3);
    expect(config).toContain('listen 127.0.0.1:4100;');
    expect(config).toContain('location ~ ^/profiles/(?<user>[^/]+)$');
    expect(config).not.toMatch(/^user /m);
    expect(nginxConfig({ dir: '/tmp/peer', port: 4100, backends, modules: [], rootUser: 'root' })).toMatch(/^user root;$/m);
  });

  it("merges into the baseline's body and names the calls in Server-Timing as the others do", () => {
    expect(PROFILE_LUA).toContain('capture_multi');
    expect(PROFILE_LUA).toContain('"users;dur=%.1f, orderHistory;dur=%.1f, loyalty;dur=%.1f, total;dur=%.1f"');
    expect(PROFILE_LUA).toContain(`'{"user":' .. json(user) .. ',"recentOrders":' .. json(orders) .. ',"loyalty":' .. json(loyalty)`);
    expect(PROFILE_LUA).toContain(`',"errors":[]}'`);
  });

  it('says why when nginx is missing', () => {
    const found = findNginx({ PATH: '', BENCH_NGINX: '/nonexistent/nginx' });
    expect(found).toEqual({ unavailable: expect.stringContaining('no nginx binary found') as unknown });
  });
});

describe('cacheHits', () => {
  const both = ['baton-users', 'baton-loyalty'];

  it('is true only when every named cache says hit (stale-while-revalidate included)', () => {
    expect(cacheHits('baton-users; hit; ttl=299, baton-loyalty; hit; ttl=12, baton-orderHistory; fwd=bypass', both)).toBe(true);
    expect(cacheHits('baton-users; hit; ttl=0; detail="stale-while-revalidate", baton-loyalty; hit; ttl=3', both)).toBe(true);
    expect(cacheHits('baton-users; hit; ttl=299, baton-loyalty; fwd=miss; stored', both)).toBe(false);
    expect(cacheHits('baton-users; fwd=stale; fwd-status=304, baton-loyalty; hit', both)).toBe(false);
    expect(cacheHits(null, both)).toBe(false);
  });
});
