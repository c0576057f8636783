/**
 * `npm run data:remove`: removes the embedded PostgreSQL and Redis data of a DATA_DIR, wherever it is kept
 * (as root from a private checkout: /var/lib/appdirect-provisioner/postgres-<hash>, which outlives the
 * checkout), and refuses while a server runs on it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningService } from '../../src/runtime/embedded-postgres';
import { runningAsRoot, SHARED_DATA_ROOT, sharedDataDir } from '../../src/runtime/postgres-reach';
import { redisServerInstalled, startRedisServer } from '../../src/runtime/redis-server';

const ROOT = path.resolve(__dirname, '..', '..');

function dataRemove(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/data-remove.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run data:remove', () => {
  const made: string[] = [];
  const running: RunningService[] = [];
  const tempDir = (prefix: string, mode: number) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    chmodSync(dir, mode);
    made.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('says there is nothing to remove for a data folder without embedded data', () => {
    const dataDir = path.join(tempDir('adp-empty-', 0o755), '.data');
    const result = dataRemove(['--yes'], { DATA_DIR: dataDir });
    expect(result.stdout).toContain(`No embedded PostgreSQL or Redis data for ${dataDir}.`);
    expect(result.status).toBe(0);
  });

  it('refuses a wrong command line with the usage', () => {
    const result = dataRemove(['--force']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: npm run data:remove');
  });

  (redisServerInstalled() ? it : it.skip)(
    'refuses while PostgreSQL and redis-server run on the data, asks before removing, then removes DATA_DIR',
    async () => {
      const dataDir = path.join(tempDir('adp-data-', 0o755), '.data');
      mkdirSync(dataDir);
      const postgres = await startEmbeddedPostgres(dataDir);
      running.push(postgres);
      const redis = await startRedisServer(dataDir);
      running.push(redis);
      const postgresDir = path.join(dataDir, 'postgres');
      const redisDir = path.join(dataDir, 'redis');

      const refused = dataRemove(['--yes'], { DATA_DIR: dataDir });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`PostgreSQL \\(pid \\d+, port \\d+\\) on ${postgresDir}`));
      expect(refused.stderr).toMatch(new RegExp(`redis-server \\(pid \\d+\\) on ${redisDir}`));
      expect(refused.stderr).toContain('Stop npm start (Ctrl-C) first.');
      expect(existsSync(path.join(postgresDir, 'PG_VERSION'))).toBe(true);

      await postgres.stop();
      await redis.stop();
      // Not a terminal and no --yes: it lists and does nothing.
      const unconfirmed = dataRemove([], { DATA_DIR: dataDir });
      expect(unconfirmed.status).toBe(2);
      expect(unconfirmed.stdout).toMatch(new RegExp(`PostgreSQL  ${postgresDir} \\(\\d+(\\.\\d)? MB\\)`));
      expect(unconfirmed.stdout).toContain(`Redis       ${redisDir} (`);
      expect(unconfirmed.stderr).toContain('npm run data:remove -- --yes');
      expect(existsSync(postgresDir)).toBe(true);

      const removed = dataRemove(['--yes'], { DATA_DIR: dataDir });
      expect(removed.stdout).toContain('Removed.');
      expect(removed.status).toBe(0);
      expect(existsSync(dataDir)).toBe(false);
    },
    90_000,
  );

  (runningAsRoot() ? it : it.skip)(
    'as root from a private checkout, removes the PostgreSQL data kept outside it, named by a path argument',
    async () => {
      const checkout = path.join(tempDir('adp-private-', 0o700), 'checkout');
      const dataDir = path.join(checkout, '.data', 'demo');
      const shared = sharedDataDir(path.join(dataDir, 'postgres'));
      expect(shared.startsWith(`${SHARED_DATA_ROOT}/postgres-`)).toBe(true);
      const postgres = await startEmbeddedPostgres(dataDir);
      running.push(postgres);
      expect(existsSync(path.join(shared, 'PG_VERSION'))).toBe(true);

      // A relative path is the user's own: npm tells the script where it was typed (INIT_CWD).
      const refused = dataRemove(['--yes', '.data/demo'], { INIT_CWD: checkout, DATA_DIR: '/nonexistent' });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(`on ${shared}`);

      await postgres.stop();
      const removed = dataRemove(['--yes', '.data/demo'], { INIT_CWD: checkout });
      expect(removed.stdout).toMatch(new RegExp(`PostgreSQL  ${shared} \\(.+, outside the data folder\\)`));
      expect(removed.status).toBe(0);
      expect(existsSync(shared)).toBe(false);
      expect(existsSync(dataDir)).toBe(false);
    },
    90_000,
  );
});
