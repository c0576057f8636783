/**
 * What every benchmark needs, started on loopback and stopped afterwards: a
 * redis-server and an embedded PostgreSQL in a temporary directory, migrated,
 * and helpers to run the API and worker processes as operators do.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stopChild } from '../src/runtime/child';
import { startEmbeddedPostgres, type RunningService } from '../src/runtime/embedded-postgres';
import { findFreePort } from '../src/runtime/ports';
import { startRedisServer } from '../src/runtime/redis-server';

export const ROOT = path.resolve(__dirname, '..');

/**
 * What is still running, newest last: stopped in reverse when the bench is interrupted (Ctrl-C, a `timeout`),
 * so no redis-server, PostgreSQL or service process outlives it. Each entry leaves the set once stopped.
 */
const running = new Set<() => Promise<unknown>>();

function stopOnInterrupt(stop: () => Promise<unknown>): () => Promise<void> {
  const once = async () => {
    if (!running.delete(stop)) return;
    await stop();
  };
  running.add(stop);
  return once;
}

export interface Infra {
  readonly redisUrl: string;
  readonly postgresUrl: string;
  /** A fresh, migrated database. */
  newDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startInfra(): Promise<Infra> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adp-bench-'));
  chmodSync(dir, 0o755);
  const services: RunningService[] = [];
  const redis = await startRedisServer(dir, { persistent: false });
  services.push(redis);
  const postgres = await startEmbeddedPostgres(dir);
  services.push(postgres);
  return {
    redisUrl: redis.url,
    postgresUrl: postgres.url,
    newDatabase: async (name) => {
      const admin = new pg.Client({ connectionString: postgres.url });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = postgres.url.replace(/\/postgres$/, `/${name}`);
      const migrate = spawnSync('npm', ['run', '--silent', 'db:migrate'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: url },
        encoding: 'utf8',
      });
      if (migrate.status !== 0) throw new Error(`migration failed: ${migrate.stderr}`);
      return url;
    },
    stop: stopOnInterrupt(async () => {
      for (const service of services.reverse()) await service.stop();
      rmSync(dir, { recursive: true, force: true });
    }),
  };
}

export interface ManagedProcess {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export function startProcess(file: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ManagedProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'error', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, stop: stopOnInterrupt(() => stopChild(child, 10_000)) };
}

export async function startApi(env: NodeJS.ProcessEnv): Promise<ManagedProcess & { url: string }> {
  const port = await findFreePort();
  // BENCH_PROFILE_DIR=/tmp/prof writes a CPU profile of the API (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const api = startProcess('src/http/server.ts', { ...env, PORT: String(port) }, profile);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (
      (await fetch(`${url}/status`)
        .then((r) => r.status)
        .catch(() => 0)) === 200
    )
      break;
    if (Date.now() > deadline) throw new Error('API did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ...api, url };
}

/** The command name and CPU time (user + system, ms) in a /proc/<pid>/stat line. */
function parseStat(stat: string): { comm: string; cpuMs: number } {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpuMs: (ticks * 1000) / 100 }; // USER_HZ is 100 on Linux
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux). Per-request CPU is a
 * steadier figure than requests/s on a shared machine: it does not move with what else runs.
 */
export function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuMs;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (ms) used so far by every live process whose command name is `comm` (e.g. `postgres` for
 * all PostgreSQL backends, `redis-server`). Processes that exited are not counted.
 */
export function cpuMsOfCommand(comm: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat.comm === comm) total += stat.cpuMs;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

export function machine(): { cpus: number; cpuModel: string; memoryGiB: number; node: string } {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function saveResult(name: string, data: unknown): string {
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(ROOT, 'bench', 'results', `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), machine: machine(), ...(data as object) }, null, 2),
  );
  return file;
}

export function table(rows: Array<Record<string, string | number>>): string {
  const headers = Object.keys(rows[0] ?? {});
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    line(headers),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(headers.map((h) => String(r[h])))),
  ].join('\n');
}

/** The fake marketplace as its own process; `results()` is how many distinct results it has received. */
export async function startMarketplaceProcess(
  env: NodeJS.ProcessEnv,
): Promise<{ origin: string; pid: number | undefined; results(): number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/marketplace-process.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let results = 0;
  child.on('message', (message: { results?: number }) => {
    if (typeof message.results === 'number') results = message.results;
  });
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /ready (\S+)/.exec(chunk.toString());
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error('fake marketplace exited')));
  });
  return { origin, pid: child.pid, results: () => results, stop: stopOnInterrupt(() => stopChild(child, 5000)) };
}

/** Runs a benchmark's main and exits with its outcome (the servers it started are stopped by main). */
export function runMain(main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      console.error(`${signal}: stopping what the bench started`);
      void (async () => {
        for (const stop of [...running].reverse()) await stop().catch(() => undefined);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      })();
    });
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
