import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RunningService } from './embedded-postgres';
import { detachHandles, stopChild } from './child';
import { findFreePort, waitForPort } from './ports';

/** redis-server is not on PATH; the message says how to get one. */
export class RedisNotInstalledError extends Error {
  constructor() {
    super(
      [
        'redis-server was not found on PATH, and REDIS_URL is not set.',
        'Install one, then run the command again:',
        '  Debian/Ubuntu:  sudo apt-get install -y redis-server',
        '  macOS:          brew install redis',
        '  Docker:         docker compose up -d redis   (then REDIS_URL=redis://127.0.0.1:6379)',
        'or point REDIS_URL at an existing Redis 6.2+ server.',
      ].join('\n'),
    );
    this.name = 'RedisNotInstalledError';
  }
}

export function redisServerInstalled(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return !probe.error;
}

/**
 * Starts redis-server from PATH on a free loopback port with its data under
 * `<dataDir>/redis`: append-only file on, `noeviction` (BullMQ must never lose
 * keys to eviction). Runs in its own process group; `stop()` makes it save and exit.
 */
export async function startRedisServer(
  dataDir: string,
  options: { persistent?: boolean; port?: number } = {},
): Promise<RunningService> {
  if (!redisServerInstalled()) throw new RedisNotInstalledError();
  const dir = path.resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = options.port ?? (await findFreePort());
  const persistent = options.persistent ?? true;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    persistent ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--save',
    persistent ? '3600 1 300 100 60 10000' : '',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  const child = spawn('redis-server', args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${stderr}`))),
  );
  await Promise.race([waitForPort(port, 10000), exited]);
  child.removeAllListeners('exit');
  detachHandles(child);
  return {
    url: `redis://127.0.0.1:${port}`,
    // SIGTERM makes redis-server flush the AOF and exit cleanly.
    stop: async () => {
      await stopChild(child, 5000);
    },
  };
}
