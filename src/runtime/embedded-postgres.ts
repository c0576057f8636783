import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { detachHandles, stopChild } from './child';
import { findFreePort } from './ports';
import { entryPoint } from '../package-root';
import { embeddedPostgresDir } from './embedded-data';

export interface RunningService {
  readonly url: string;
  /** Stops what this process started; a no-op for a server it merely reused. */
  stop(): Promise<void>;
}

/** Port of a live postmaster already serving `databaseDir`, if any. */
function runningPort(databaseDir: string): number | null {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  try {
    process.kill(pid, 0);
  } catch {
    return null; // stale pid file: PostgreSQL removes it on its next start
  }
  const port = Number(portLine);
  return Number.isInteger(port) && port > 0 ? port : null;
}

/**
 * Starts (or reuses) the embedded PostgreSQL whose data lives in
 * `<dataDir>/postgres`; data is kept between runs. The server runs in a child
 * process of its own group, so Ctrl-C reaches only our supervisor, which stops
 * it last.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: { timeoutMs?: number; port?: number } = {},
): Promise<RunningService> {
  // As root, PostgreSQL runs as the `postgres` user: a data folder that user cannot reach moves to a shared one.
  const databaseDir = embeddedPostgresDir(dataDir);
  const url = (port: number) => `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  const reused = runningPort(databaseDir);
  if (reused !== null) return { url: url(reused), stop: async () => undefined };

  mkdirSync(dataDir, { recursive: true });
  if (!databaseDir.startsWith(path.resolve(dataDir))) {
    process.stderr.write(`embedded PostgreSQL: ${dataDir} is private to root; its data is kept in ${databaseDir}\n`);
  }
  const port = options.port ?? (await findFreePort());
  const child = spawn(process.execPath, [...entryPoint('bin/embedded-postgres').args, databaseDir, String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`embedded PostgreSQL did not start within ${options.timeoutMs ?? 60000} ms\n${stderr}`)),
      options.timeoutMs ?? 60000,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited with code ${code}\n${stderr}`));
    });
  });
  try {
    await started;
  } catch (error) {
    await stopChild(child, 5000); // a server still starting must not outlive the failure
    throw error;
  }
  child.removeAllListeners('exit');
  detachHandles(child);
  return {
    url: url(port),
    stop: async () => {
      await stopChild(child, 8000);
    },
  };
}
