import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { migrationNames } from '../../src/db/migrations';
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
