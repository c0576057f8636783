/**
 * src/db/sql.ts: the same `Prisma.sql` statement gives the same values through Prisma's transaction and
 * through `pg` directly (timestamps as UTC wall time whatever the process's time zone, int8 as BigInt,
 * jsonb parsed), a pg transaction commits or rolls back as a whole, and the pool is Prisma's own.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Prisma } from '../../src/db/client';
import { inPgTransaction, pooledSql, type Sql } from '../../src/db/sql';
import { databaseOf } from '../../src/db/client';
import { createTestDatabase, type TestDatabase } from '../support/infra';

describe('plain SQL on pg (src/db/sql.ts)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const at = new Date('2026-12-02T23:30:00.123Z');
  const insertUser = (sql: Sql, uuid: string) =>
    sql(Prisma.sql`INSERT INTO users (id, uuid, email, attributes, "createdAt", "updatedAt")
                   VALUES (${uuid}, ${uuid}, 'x@example.com', ${JSON.stringify({ a: [1, 'b'] })}::jsonb, ${at}, ${at})`);
  const readBack = (sql: Sql, uuid: string) =>
    sql<{ createdAt: Date; attributes: unknown; big: bigint }>(
      Prisma.sql`SELECT "createdAt", attributes, ${9007199254740993n}::int8 AS big FROM users WHERE uuid = ${uuid}`,
    );

  it('writes and reads the values Prisma writes and reads', async () => {
    // Prisma's own raw queries as a `Sql`: what the admin's cold paths still send.
    const prismaSql: Sql = <T>(query: Prisma.Sql) => db.prisma.$queryRaw<T[]>(query);
    await inPgTransaction(db.prisma, (sql) => insertUser(sql, 'via-pg'));
    await insertUser(prismaSql, 'via-prisma');
    for (const uuid of ['via-pg', 'via-prisma']) {
      const viaPrisma = await readBack(prismaSql, uuid);
      const viaPg = await inPgTransaction(db.prisma, (sql) => readBack(sql, uuid));
      const viaPool = await readBack(pooledSql(db.prisma), uuid);
      expect(viaPrisma).toEqual([{ createdAt: at, attributes: { a: [1, 'b'] }, big: 9007199254740993n }]);
      expect(viaPg).toEqual(viaPrisma);
      expect(viaPool).toEqual(viaPrisma);
    }
    const model = await db.prisma.user.findUniqueOrThrow({ where: { uuid: 'via-pg' } });
    expect(model.createdAt).toEqual(at);
  });

  it('reads timestamps as UTC wall time in a process whose time zone is not UTC', () => {
    // `pg`'s own parser reads a `timestamp` column as local time. Jest's sandbox cannot change the zone of its
    // own process: a child process runs in Los Angeles' zone.
    const script = `
      const { createPrisma, Prisma } = require('./src/db/client');
      const { inPgTransaction } = require('./src/db/sql');
      const prisma = createPrisma(process.env.DB_URL, { poolSize: 1 });
      inPgTransaction(prisma, (sql) => sql(Prisma.sql\`SELECT "createdAt" FROM users WHERE uuid = 'via-pg'\`))
        .then((rows) => { console.log(JSON.stringify({ at: rows[0].createdAt.toISOString(), offset: new Date().getTimezoneOffset() })); return prisma.$disconnect(); });`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, TZ: 'America/Los_Angeles', DB_URL: db.url },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    const read = JSON.parse(child.stdout.trim()) as { at: string; offset: number };
    expect(read.offset).not.toBe(0); // really another zone
    expect(read.at).toBe(at.toISOString());
  });

  it('rolls the whole transaction back when the work throws, and gives the connection back', async () => {
    await expect(
      inPgTransaction(db.prisma, async (sql) => {
        await insertUser(sql, 'rolled-back');
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await db.prisma.user.count({ where: { uuid: 'rolled-back' } })).toBe(0);
    const pool = databaseOf(db.prisma);
    expect(pool.pool.totalCount - pool.pool.idleCount).toBe(0);
  });

  it('takes its connections from the pool Prisma uses (DATABASE_POOL_SIZE bounds both)', async () => {
    const pool = databaseOf(db.prisma);
    expect(pool.pool.options.max).toBe(5);
    await db.prisma.user.count();
    expect(pool.pool.totalCount).toBeGreaterThan(0);
  });
});
