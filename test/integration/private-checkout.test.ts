/**
 * As root, the embedded PostgreSQL runs as the `postgres` user. A data folder inside a private (0700)
 * checkout is out of that user's reach: the server keeps its data in a shared folder instead and starts.
 * (The binaries' side, node_modules inside a private folder, is what .ci/run proves by running the whole
 * suite from a `mktemp -d` clone.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/runtime/embedded-postgres';
import { reachableByOthers, reachableDataDir, runningAsRoot, SHARED_DATA_ROOT } from '../../src/runtime/postgres-reach';

describe('a checkout in a private folder', () => {
  let privateDir: string;
  beforeAll(() => {
    privateDir = mkdtempSync(path.join(tmpdir(), 'adp-private-')); // mode 0700, like `mktemp -d`
  });
  afterAll(() => rmSync(privateDir, { recursive: true, force: true }));

  it('is recognised as out of reach of other users', () => {
    expect(reachableByOthers(path.join(privateDir, 'checkout', '.data'))).toBe(false);
    expect(reachableByOthers(tmpdir())).toBe(true);
  });

  const asRoot = runningAsRoot() ? it : it.skip;
  if (!runningAsRoot()) console.log('not root: the embedded server runs as this user and reaches any folder it can');

  asRoot(
    'as root, starts the embedded PostgreSQL with its data moved where the postgres user reaches it',
    async () => {
      const dataDir = path.join(privateDir, 'checkout', '.data');
      const moved = reachableDataDir(path.join(dataDir, 'postgres'));
      expect(moved.startsWith(SHARED_DATA_ROOT)).toBe(true);
      const server = await startEmbeddedPostgres(dataDir);
      try {
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
        await client.end();
        expect(rows[0]!.data_directory).toBe(moved);
      } finally {
        await server.stop();
        rmSync(moved, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
