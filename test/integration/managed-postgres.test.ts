/**
 * PostgreSQL as clouds offer it: TLS only (pg_hba.conf `hostssl` alone, a private CA), an owner role that
 * migrates and a least-privilege app role (DML only, no CREATE) in a schema of their own, and the same
 * through PgBouncer in transaction pooling mode. Debian's own postgresql and pgbouncer packages.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { createPrisma, type PrismaClient } from '../../src/db/client';
import { preflightDatabase } from '../../src/db/preflight';
import { parseDatabaseUrl } from '../../src/db/url';
import { checkHealth } from '../../src/health/checks';
import { migrationNames } from '../../src/db/migrations';
import { assignEvent, orderEvent } from '../support/events';
import type { TestDatabase } from '../support/infra';
import { startScenario } from '../support/scenario';
import {
  pgbouncerInstalled,
  startPgBouncer,
  startTlsPostgres,
  SUPERUSER_PASSWORD,
  tlsPostgresUnavailable,
  type PgBouncer,
  type TlsPostgres,
} from '../support/tls-postgres';
import { producerRedis } from '../support/infra';

const unavailable = tlsPostgresUnavailable();
if (unavailable) console.warn(`managed PostgreSQL tests skipped: ${unavailable}`);
const describeIfPostgres = unavailable ? describe.skip : describe;

const OWNER = { user: 'provisioner_owner', password: 'owner-pw' };
const APP = { user: 'provisioner_app', password: 'app p@ss/word' }; // characters a URL must percent-encode
const DB = 'provisioning';
const SCHEMA = 'adp';

/** The database as docs/deploy.md says to set it up: an owner, and an app role granted DML by default privileges. */
async function setUpRoles(server: TlsPostgres): Promise<void> {
  const superuser = new pg.Client(parseDatabaseUrl(server.url('postgres', SUPERUSER_PASSWORD, 'postgres')).pool);
  await superuser.connect();
  await superuser.query(`CREATE ROLE ${OWNER.user} LOGIN PASSWORD '${OWNER.password}'`);
  await superuser.query(`CREATE ROLE ${APP.user} LOGIN PASSWORD '${APP.password}'`);
  await superuser.query(`CREATE ROLE stranger LOGIN PASSWORD 'stranger-pw'`);
  await superuser.query(`CREATE DATABASE ${DB} OWNER ${OWNER.user}`);
  // Behind PgBouncer the `options` startup parameter is dropped: the role carries its search_path.
  await superuser.query(`ALTER ROLE ${APP.user} IN DATABASE ${DB} SET search_path = ${SCHEMA}`);
  await superuser.end();
  const owner = new pg.Client(parseDatabaseUrl(server.url(OWNER.user, OWNER.password, DB)).pool);
  await owner.connect();
  for (const sql of [
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC',
    `CREATE SCHEMA ${SCHEMA}`,
    `GRANT USAGE ON SCHEMA ${SCHEMA} TO ${APP.user}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${SCHEMA} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP.user}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${SCHEMA} GRANT USAGE, SELECT ON SEQUENCES TO ${APP.user}`,
  ]) {
    await owner.query(sql);
  }
  await owner.end();
}

function migrate(env: NodeJS.ProcessEnv) {
  return spawnSync('npm', ['run', '--silent', 'db:migrate'], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

/** A TestDatabase handle on a URL of this server (the scenario runs the real app and workers on it). */
function databaseAt(url: string, options: { preparedStatements?: boolean } = {}): TestDatabase {
  const prisma = createPrisma(url, { poolSize: 4, ...options });
  return { url, prisma, drop: () => prisma.$disconnect() };
}

async function sslOf(prisma: PrismaClient): Promise<boolean> {
  const rows = await prisma.$queryRaw<
    Array<{ ssl: boolean }>
  >`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
  return rows[0]!.ssl;
}

describeIfPostgres('PostgreSQL with TLS only and a least-privilege app role', () => {
  let server: TlsPostgres;
  let appUrl: (query: string) => string;

  beforeAll(async () => {
    server = await startTlsPostgres();
    await setUpRoles(server);
    const ca = server.certificates.caFile;
    appUrl = (query) => server.url(APP.user, APP.password, DB, query);
    // The owner migrates (verify-full against the private CA, schema through libpq's options); the app URL
    // is what the processes get. Neither is usable by the other's role for the other's job.
    const result = migrate({
      DATABASE_URL: appUrl(`sslmode=verify-full&sslrootcert=${ca}&schema=${SCHEMA}`),
      MIGRATION_DATABASE_URL: server.url(
        OWNER.user,
        OWNER.password,
        DB,
        `sslmode=verify-full&sslrootcert=${ca}&options=${encodeURIComponent(`-c search_path=${SCHEMA}`)}`,
      ),
    });
    if (result.status !== 0) throw new Error(`migration failed:\n${result.stdout}\n${result.stderr}`);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('migrated with the owner role into the schema named in the URL, over TLS', async () => {
    const owner = new pg.Client(parseDatabaseUrl(server.url(OWNER.user, OWNER.password, DB)).pool);
    await owner.connect();
    const { rows } = await owner.query(
      `SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = 'events'`,
      [SCHEMA],
    );
    await owner.end();
    expect(rows).toEqual([{ tableowner: OWNER.user }]);
  });

  it('gives the app role DML only: it cannot create tables', async () => {
    const prisma = createPrisma(appUrl(`sslmode=require&schema=${SCHEMA}`));
    try {
      await expect(prisma.$executeRawUnsafe('CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied/);
      await expect(preflightDatabase(appUrl(`sslmode=require&schema=${SCHEMA}`))).resolves.toBe('ok');
    } finally {
      await prisma.$disconnect();
    }
  });

  it('reads sslmode=require as libpq does: encrypted, certificate not verified', async () => {
    const prisma = createPrisma(appUrl(`sslmode=require&schema=${SCHEMA}`), { poolSize: 1 });
    try {
      expect(await sslOf(prisma)).toBe(true);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('runs events end to end as the app role over verified TLS (verify-full with sslrootcert)', async () => {
    const url = appUrl(
      `sslmode=verify-full&sslrootcert=${server.certificates.caFile}&schema=${SCHEMA}&application_name=adp-test`,
    );
    const database = databaseAt(url);
    const s = await startScenario({ DATABASE_URL: url }, { database });
    try {
      const order = await s.send(orderEvent({ seats: 3 }));
      expect(order).toMatchObject({ success: true });
      expect(await s.send(assignEvent(order.accountIdentifier!))).toMatchObject({ success: true });
      expect(await sslOf(database.prisma)).toBe(true);
      const health = await checkHealth({
        db: database.prisma,
        redis: s.subject.redis,
        expectedMigrations: migrationNames(),
      });
      expect(health.ok).toBe(true);
    } finally {
      await s.close();
    }
  }, 60_000);

  it("names PostgreSQL's own reason when a plaintext connection is refused, and what to do", async () => {
    await expect(preflightDatabase(appUrl(`sslmode=disable&schema=${SCHEMA}`))).rejects.toThrow(
      /no pg_hba.conf entry .* no encryption -- the server only accepts encrypted connections: add sslmode=require/,
    );
    // /status says the same, where Prisma alone says "User was denied access on the database".
    const prisma = createPrisma(appUrl('sslmode=disable'));
    const redis = await producerRedis();
    try {
      const health = await checkHealth({ db: prisma, redis, expectedMigrations: [] });
      expect(health.checks.postgres.error).toMatch(/no pg_hba.conf entry .* no encryption -- .*sslmode=require/);
    } finally {
      await prisma.$disconnect();
      redis.disconnect();
    }
  });

  it('refuses a certificate its sslrootcert did not sign, saying so', async () => {
    await expect(
      preflightDatabase(appUrl(`sslmode=verify-full&sslrootcert=${server.certificates.otherCaFile}`)),
    ).rejects.toThrow(/certificate.*not signed by a CA this service trusts: give the CA with sslrootcert/);
  });

  it('tells the operator which GRANTs a role without them needs', async () => {
    await expect(
      preflightDatabase(server.url('stranger', 'stranger-pw', DB, `sslmode=require&schema=${SCHEMA}`)),
    ).rejects.toThrow(
      new RegExp(`role stranger does not find the service's tables .* GRANT USAGE ON SCHEMA ${SCHEMA} TO stranger;`),
    );
  });

  const describeIfBouncer = pgbouncerInstalled() ? describe : describe.skip;
  if (!pgbouncerInstalled())
    console.warn('PgBouncer test skipped: pgbouncer is not installed (apt-get install pgbouncer)');
  describeIfBouncer('through PgBouncer in transaction pooling mode', () => {
    let bouncer: PgBouncer;
    beforeAll(async () => {
      bouncer = await startPgBouncer(server, { [APP.user]: APP.password });
    });
    afterAll(async () => {
      await bouncer?.stop();
    });

    it('runs events end to end with prepared statements off (PgBouncer before 1.21)', async () => {
      // `schema` qualifies Prisma's queries; raw SQL finds the tables through the role's search_path.
      const url = bouncer.url(APP.user, APP.password, DB, `sslmode=require&schema=${SCHEMA}`);
      const database = databaseAt(url, { preparedStatements: false });
      const s = await startScenario(
        { DATABASE_URL: url, DATABASE_PREPARED_STATEMENTS: 'false', WORKER_CONCURRENCY: '8' },
        { database },
      );
      try {
        const order = await s.send(orderEvent({ seats: 10 }));
        expect(order).toMatchObject({ success: true });
        const assigned = await Promise.all(
          Array.from({ length: 12 }, () => s.send(assignEvent(order.accountIdentifier!))),
        );
        // 10 seats, the owner holds one: exact under concurrency through the pooler (row locks inside transactions).
        expect(assigned.filter((r) => r.success).length).toBe(9);
        expect(assigned.filter((r) => r.errorCode === 'MAX_USERS_REACHED').length).toBe(3);
        // One clock through the pooler: every pooled session runs in UTC (PgBouncer re-applies the SET to
        // whichever server connection it hands out), so the server's own zone never leaks into a timestamp.
        const zones = await Promise.all(
          Array.from({ length: 16 }, () => database.prisma.$queryRaw<Array<{ TimeZone: string }>>`SHOW TimeZone`),
        );
        expect(new Set(zones.map((rows) => rows[0]!.TimeZone))).toEqual(new Set(['UTC']));
        const stamped = await database.prisma.event.findMany({ select: { receivedAt: true, finishedAt: true } });
        const off = stamped.flatMap(({ receivedAt, finishedAt }) =>
          [receivedAt, finishedAt].filter((at) => at !== null && Math.abs(at.getTime() - Date.now()) > 120_000),
        );
        expect(off).toEqual([]);
      } finally {
        await s.close();
      }
    }, 90_000);
  });
});
