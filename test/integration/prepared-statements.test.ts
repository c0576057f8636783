/**
 * Statements are prepared once per connection (DATABASE_PREPARED_STATEMENTS, on by default).
 * A prepared statement's result shape may not change, so the service's raw SQL lists its
 * columns: a migration that adds a column must not break processes still running.
 */
import pg from 'pg';
import { createPrisma, type PrismaClient } from '../../src/db/client';
import { lockAccount } from '../../src/accounts/accounts';
import { inPgTransaction } from '../../src/db/sql';
import { createTestDatabase, type TestDatabase } from '../support/infra';

describe('prepared statements', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  const ddl = async (sql: string) => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(sql);
    await client.end();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = createPrisma(db.url, { poolSize: 1 }); // one connection: every statement reuses its preparation
    await prisma.account.create({
      data: {
        id: 'acct-ps',
        companyUuid: 'c-ps',
        companyName: 'PS Inc',
        editionCode: 'PRO',
        marketplaceBaseUrl: 'https://m.example',
        createdByEventToken: 't',
      },
    });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it('are really reused: a SELECT * prepared before a column was added fails after it', async () => {
    const selectAll = () => prisma.$queryRaw`SELECT * FROM accounts WHERE id = ${'acct-ps'}`;
    await selectAll();
    await ddl('ALTER TABLE accounts ADD COLUMN probe_one int');
    await expect(selectAll()).rejects.toThrow(/cached plan must not change result type/);
  });

  it('keep working across a migration that adds a column, because the raw SQL names its columns', async () => {
    const lock = () => inPgTransaction(prisma, (sql) => lockAccount(sql, 'acct-ps'));
    expect(await lock()).toMatchObject({ id: 'acct-ps', companyName: 'PS Inc' });
    await ddl('ALTER TABLE accounts ADD COLUMN probe_two int');
    expect(await lock()).toMatchObject({ id: 'acct-ps', companyName: 'PS Inc' });
  });

  it('can be turned off (PgBouncer in transaction mode)', async () => {
    const unprepared = createPrisma(db.url, { poolSize: 1, preparedStatements: false });
    try {
      const selectAll = () => unprepared.$queryRaw`SELECT * FROM accounts WHERE id = ${'acct-ps'}`;
      await selectAll();
      await ddl('ALTER TABLE accounts ADD COLUMN probe_three int');
      await expect(selectAll()).resolves.toHaveLength(1);
    } finally {
      await unprepared.$disconnect();
    }
  });
});
