/**
 * The data `npm start` keeps for one DATA_DIR when it runs the embedded servers: PostgreSQL's (in
 * `<DATA_DIR>/postgres`, or, as root from a private checkout, in /var/lib/appdirect-provisioner/postgres-<hash>,
 * which outlives the checkout) and redis-server's (`<DATA_DIR>/redis`). What `npm run data:remove` finds,
 * checks nobody uses, and removes.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { reachableDataDir, sharedDataDir } from './postgres-reach';

/** One folder of embedded data. */
export interface DataFolder {
  readonly kind: 'PostgreSQL' | 'Redis';
  readonly path: string;
  /** Outside DATA_DIR: deleting the checkout does not delete it. */
  readonly outsideDataDir: boolean;
}

/** Where the embedded PostgreSQL of `dataDir` keeps its data (the same choice startEmbeddedPostgres makes). */
export function embeddedPostgresDir(dataDir: string): string {
  return reachableDataDir(path.join(path.resolve(dataDir), 'postgres'));
}

/** The embedded data folders of `dataDir` that exist, wherever they are. */
export function embeddedDataFolders(dataDir: string): DataFolder[] {
  const root = path.resolve(dataDir);
  const inside = path.join(root, 'postgres');
  const candidates: DataFolder[] = [
    { kind: 'PostgreSQL', path: sharedDataDir(inside), outsideDataDir: true },
    { kind: 'PostgreSQL', path: inside, outsideDataDir: false },
    { kind: 'Redis', path: path.join(root, 'redis'), outsideDataDir: false },
  ];
  return candidates.filter((folder) => existsSync(folder.path));
}

/** Bytes under `target` (files and symlinks themselves; nothing followed). */
export function sizeOf(target: string): number {
  const stat = lstatSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, name) => sum + sizeOf(path.join(target, name)), 0);
}

/** `41 MB`, `812 kB`, `0 B`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user (postgres)
  }
};

/** The postmaster serving `databaseDir`, from its postmaster.pid, when it is alive. */
function livePostmaster(databaseDir: string): { pid: number; port: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const [pidLine = '', , , portLine = ''] = text.split('\n');
  const pid = Number(pidLine);
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? { pid, port: portLine.trim() } : undefined;
}

/** redis-server processes working in `dir` (it chdirs to its --dir), read from /proc where there is one. */
function redisServersIn(dir: string): number[] {
  if (!existsSync('/proc/self/cwd')) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) !== dir) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (command.includes('redis-server')) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** The servers still running on these folders, in words ("PostgreSQL (pid 123, port 5432) on /…"). */
export function serversUsing(folders: readonly DataFolder[]): string[] {
  const running: string[] = [];
  for (const folder of folders) {
    if (folder.kind === 'PostgreSQL') {
      const postmaster = livePostmaster(folder.path);
      if (postmaster) running.push(`PostgreSQL (pid ${postmaster.pid}, port ${postmaster.port}) on ${folder.path}`);
    } else {
      for (const pid of redisServersIn(folder.path)) running.push(`redis-server (pid ${pid}) on ${folder.path}`);
    }
  }
  return running;
}

/**
 * Removes the folders, then `dataDir` itself when nothing else is left in it (it may hold files of the
 * user's own: those stay).
 */
export function removeDataFolders(dataDir: string, folders: readonly DataFolder[]): void {
  for (const folder of folders) rmSync(folder.path, { recursive: true, force: true });
  const root = path.resolve(dataDir);
  if (existsSync(root) && readdirSync(root).length === 0) rmdirSync(root);
}
