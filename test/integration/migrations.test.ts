import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrationNames, MIGRATIONS_DIR } from '../../src/db/migrations';
import { postgresUrl, uniqueName } from '../support/infra';

const ROOT = path.resolve(__dirname, '..', '..');

function runMigrate(databaseUrl: string, ...args: string[]) {
  return spawnSync('npm', ['run', '--silent', 'db:migrate', '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('migrations', () => {
  const name = uniqueName('m');
  const url = postgresUrl().replace(/\/postgres$/, `/${name}`);

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  });
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('npm run db:migrate applies every migration to an empty database and records them as prisma migrate deploy does', async () => {
    const first = runMigrate(url);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`Applied ${migrationNames().length} migration(s)`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = await client.query(
      'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    await client.end();
    expect(rows.rows.map((row) => row.migration_name)).toEqual(migrationNames());
    expect(rows.rows.every((row) => row.finished_at !== null && /^[0-9a-f]{64}$/.test(row.checksum))).toBe(true);

    const second = runMigrate(url);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('Database is up to date.');
  });

  it('the migrations produce exactly the schema in schema.prisma (no drift)', () => {
    const check = runMigrate(url, '--check');
    expect(check.stderr).toBe('');
    expect(check.stdout).toContain('The migrations produce exactly schema.prisma.');
    expect(check.status).toBe(0);
  });
});

describe('the migration to timestamptz (one clock)', () => {
  const name = uniqueName('tz');
  const url = postgresUrl().replace(/\/postgres$/, `/${name}`);
  const zone = 'America/Los_Angeles';
  const target = migrationNames().find((migration) => migration.endsWith('_timestamps_are_instants'))!;
  /** Applies the migrations of `dir` in a process of its own (the schema engine needs --experimental-wasm-modules). */
  const migrateFrom = (dir: string) => {
    const script = `require('./src/db/migrations').applyMigrations(${JSON.stringify(url)}, ${JSON.stringify(dir)})
      .then((names) => console.log(names.join(',')), (error) => { console.error(error); process.exit(1); })`;
    return spawnSync(
      process.execPath,
      ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', '--import', 'tsx', '-e', script],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
  };

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.query(`ALTER DATABASE ${name} SET timezone = '${zone}'`);
    await admin.end();
  });
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it("reads what the database's clock stamped in the database's zone, and what the application wrote as UTC", async () => {
    // The migrations before it, as an installation that ran the earlier version has them.
    const before = mkdtempSync(path.join(tmpdir(), 'adp-migrations-'));
    for (const migration of migrationNames().filter((migration) => migration < target))
      cpSync(path.join(MIGRATIONS_DIR, migration), path.join(before, migration), { recursive: true });
    cpSync(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), path.join(before, 'migration_lock.toml'));
    const old = migrateFrom(before);
    rmSync(before, { recursive: true, force: true });
    expect(old.stderr).toBe('');
    expect(old.status).toBe(0);

    // Rows as the earlier version wrote them on a database in Los Angeles time: the database's clock (DEFAULT,
    // now()) in its zone, the application's values (Prisma, JavaScript Dates) as UTC wall time.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const stampedAt = Date.now();
    await client.query(`
      INSERT INTO events (token, "eventUrl", "marketplaceBaseUrl", status, "queuedAt", "updatedAt")
      VALUES ('waiting', 'u', 'm', 'queued', now(), now())`);
    await client.query(`
      INSERT INTO events (token, "eventUrl", "marketplaceBaseUrl", status, "startedAt", "finishedAt", "updatedAt")
      VALUES ('finished', 'u', 'm', 'succeeded', '2026-12-01 11:59:59', '2026-12-01 12:00:00', '2026-12-01 12:00:00')`);
    await client.query(`INSERT INTO oauth_nonces ("consumerKey", nonce, "timestamp") VALUES ('k', 'n', 1)`);
    await client.end();

    const applied = migrateFrom(MIGRATIONS_DIR);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim().split(',')).toContain(target);

    const after = new pg.Client({ connectionString: url });
    await after.connect();
    const instant = async (sql: string) => ((await after.query<{ at: Date }>(sql)).rows[0]!.at as Date).getTime();
    const near = (at: number) => Math.abs(at - stampedAt) < 60_000;
    expect(near(await instant(`SELECT "receivedAt" AS at FROM events WHERE token = 'waiting'`))).toBe(true);
    expect(near(await instant(`SELECT "queuedAt" AS at FROM events WHERE token = 'waiting'`))).toBe(true);
    expect(near(await instant(`SELECT "updatedAt" AS at FROM events WHERE token = 'waiting'`))).toBe(true);
    expect(near(await instant(`SELECT "seenAt" AS at FROM oauth_nonces WHERE nonce = 'n'`))).toBe(true);
    expect(await instant(`SELECT "finishedAt" AS at FROM events WHERE token = 'finished'`)).toBe(
      Date.parse('2026-12-01T12:00:00Z'),
    );
    expect(await instant(`SELECT "updatedAt" AS at FROM events WHERE token = 'finished'`)).toBe(
      Date.parse('2026-12-01T12:00:00Z'),
    );
    const types = await after.query<{ data_type: string; n: string }>(`
      SELECT data_type, count(*) AS n FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type LIKE 'timestamp%' AND table_name <> '_prisma_migrations'
      GROUP BY data_type`);
    // Every timestamp column is an instant (later migrations add columns, so their number is not fixed here).
    expect(types.rows.map((row) => row.data_type)).toEqual(['timestamp with time zone']);
    expect((await after.query(`SELECT 1 FROM pg_proc WHERE proname = 'adp_session_default_zone'`)).rowCount).toBe(0);
    await after.end();
  });
});
