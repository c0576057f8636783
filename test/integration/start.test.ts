/**
 * `npm start` as a user runs it: embedded PostgreSQL and redis-server under
 * DATA_DIR, migrations, API and a worker; Ctrl-C stops everything.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../src/runtime/ports';

const ROOT = path.resolve(__dirname, '..', '..');
const NODE_ARGS = [
  '--experimental-wasm-modules',
  '--disable-warning=ExperimentalWarning',
  '--import',
  'tsx',
  'bin/start.ts',
];

function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  for (const key of Object.keys(env))
    if (key.startsWith('TEST_') || key === 'DATABASE_URL' || key === 'REDIS_URL') delete env[key];
  return env;
}

async function waitForStatus(url: string, child: ChildProcess, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return 200;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

async function eventuallyFetch(url: string): Promise<string> {
  for (let tries = 0; ; tries += 1) {
    try {
      const res = await fetch(url);
      if (res.ok) return await res.text();
    } catch (error) {
      if (tries > 100) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Processes whose command line mentions `needle` (our DATA_DIR is unique to this test). */
function processesMentioning(needle: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((line) => line.includes(needle) && !line.includes('ps -eo'));
}

describe('npm start', () => {
  it('brings the service up on embedded servers, answers /status 200, and Ctrl-C leaves no process behind', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'adp-start-'));
    chmodSync(dataDir, 0o755);
    const port = await findFreePort();
    const child = spawn(process.execPath, NODE_ARGS, {
      cwd: ROOT,
      env: cleanEnv({ DATA_DIR: dataDir, PORT: String(port), WORKERS: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      expect(await waitForStatus(`http://127.0.0.1:${port}/status`, child, 90_000)).toBe(200);
      expect(output).toContain(`API            http://127.0.0.1:${port}`);
      expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
      expect(existsSync(path.join(dataDir, 'redis'))).toBe(true);
      expect(processesMentioning(dataDir).length).toBeGreaterThan(0);
      const workerMetrics = await eventuallyFetch(`http://127.0.0.1:${port + 1}/metrics`);
      expect(workerMetrics).toContain('appdirect_last_event_consumed_timestamp_seconds');

      const stoppedAt = Date.now();
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      expect(processesMentioning(dataDir)).toEqual([]);
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('explains how to install redis-server when none is on PATH', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'adp-noredis-'));
    const result = spawnSync(process.execPath, NODE_ARGS, {
      cwd: ROOT,
      env: cleanEnv({ DATA_DIR: dataDir, PATH: '/nonexistent' }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    rmSync(dataDir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('redis-server was not found on PATH');
    expect(result.stderr).toContain('apt-get install -y redis-server');
    expect(result.stderr).toContain('brew install redis');
    expect(result.stderr).toContain('docker compose up -d redis');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses bad configuration naming every bad key', () => {
    const result = spawnSync(process.execPath, NODE_ARGS, {
      cwd: ROOT,
      env: cleanEnv({ PORT: 'http', WORKERS: 'many', ADMIN_TOKEN: '' }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    for (const key of ['PORT', 'WORKERS', 'ADMIN_TOKEN']) expect(result.stderr).toContain(`  - ${key}:`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
