/**
 * The callback's batched inbox writes against a real PostgreSQL: one statement for many
 * notifications and the documents fetched meanwhile, and a row held by a worker never
 * holding up the others.
 */
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/client';
import { NonceReplayedError } from '../../src/errors/internal';
import { InboxWriter } from '../../src/inbox/writer';
import { createTestDatabase, type TestDatabase } from '../support/infra';

const note = (token: string, nonce?: string) => ({
  token,
  eventUrl: `https://marketplace.example/api/integration/v1/events/${token}`,
  marketplaceBaseUrl: 'https://marketplace.example',
  consumerKey: nonce ? 'key' : undefined,
  nonce: nonce ? { consumerKey: 'key', nonce, timestamp: 1_700_000_000 } : undefined,
});

const assignment = (account: string) => ({
  type: 'USER_ASSIGNMENT',
  payload: { account: { accountIdentifier: account }, company: { uuid: 'c-1', name: 'Acme' } },
});

describe('inbox batched writes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('records concurrent notifications in arrival order, marks them queued on request, and finds existing rows', async () => {
    const writer = new InboxWriter(db.prisma);
    const existing = await writer.record(note('batch-existing'));
    expect(existing.created).toBe(true);
    const outcomes = await Promise.all([
      writer.record(note('batch-1', 'n-1'), { queued: true }),
      writer.record(note('batch-2', 'n-2')),
      writer.record(note('batch-existing')),
      writer.record(note('batch-1')), // the same token twice in one batch
    ]);
    expect(outcomes.map((o) => o.created)).toEqual([true, true, false, false]);
    expect(outcomes[0]!.event.status).toBe('queued');
    expect(outcomes[1]!.event.status).toBe('received');
    expect(outcomes[2]!.event.seq).toBe(existing.event.seq);
    expect(outcomes[3]!.event.seq).toBe(outcomes[0]!.event.seq);
    expect(outcomes[0]!.event.seq < outcomes[1]!.event.seq).toBe(true);
    const row = await db.prisma.event.findUniqueOrThrow({ where: { token: 'batch-1' } });
    expect(row.queuedAt).not.toBeNull();
    expect(row.consumerKey).toBe('key');
  });

  it('refuses a replayed nonce, inside one batch and across batches, and writes no row for it', async () => {
    const writer = new InboxWriter(db.prisma);
    const inOneBatch = await Promise.allSettled([
      writer.record(note('nonce-a', 'shared')),
      writer.record(note('nonce-b', 'shared')),
    ]);
    expect(inOneBatch.map((s) => s.status)).toEqual(['fulfilled', 'rejected']);
    expect((inOneBatch[1] as PromiseRejectedResult).reason).toBeInstanceOf(NonceReplayedError);
    await expect(writer.record(note('nonce-c', 'shared'))).rejects.toBeInstanceOf(NonceReplayedError);
    expect(await db.prisma.event.count({ where: { token: { in: ['nonce-b', 'nonce-c'] } } })).toBe(0);
  });

  it('spends the nonce of a repeated token inside one batch, so a replay of that request is refused', async () => {
    const writer = new InboxWriter(db.prisma);
    const [first, second] = await Promise.all([
      writer.record(note('twice', 'twice-1')),
      writer.record(note('twice', 'twice-2')),
    ]);
    expect([first!.created, second!.created]).toEqual([true, false]);
    expect(second!.event.seq).toBe(first!.event.seq);
    expect(await db.prisma.oAuthNonce.count({ where: { nonce: { in: ['twice-1', 'twice-2'] } } })).toBe(2);
    await expect(writer.record(note('twice', 'twice-2'))).rejects.toBeInstanceOf(NonceReplayedError);
  });

  it('fails only the notification PostgreSQL refuses, not the others batched with it', async () => {
    const writer = new InboxWriter(db.prisma);
    // PostgreSQL's text cannot hold NUL; a signed nonce could carry one (percent-encoded).
    const settled = await Promise.allSettled([
      writer.record(note('poison-ok-1', 'fine-1')),
      writer.record(note('poison-bad', 'bad\u0000nonce')),
      writer.record(note('poison-ok-2')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await db.prisma.event.count({ where: { token: { in: ['poison-ok-1', 'poison-ok-2'] } } })).toBe(2);
    expect(await db.prisma.event.count({ where: { token: 'poison-bad' } })).toBe(0);
  });

  it('stores the other documents when one cannot be stored (jsonb refuses \\u0000)', async () => {
    const writer = new InboxWriter(db.prisma);
    const [good, bad] = await Promise.all([writer.record(note('doc-good')), writer.record(note('doc-bad'))]);
    const settled = await Promise.allSettled([
      writer.storeDocument(good!.event.seq, assignment('acct-good'), { queued: true }),
      writer.storeDocument(bad!.event.seq, { ...assignment('acct-bad'), note: 'nul \u0000 inside' }, { queued: true }),
      writer.record(note('doc-bad-neighbour')), // recorded in the same statement, which fails as a whole first
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await db.prisma.event.findUniqueOrThrow({ where: { token: 'doc-good' } })).status).toBe('queued');
    expect(await db.prisma.event.count({ where: { token: 'doc-bad-neighbour' } })).toBe(1);
    expect((await db.prisma.event.findUniqueOrThrow({ where: { token: 'doc-bad' } })).status).toBe('received');
  });

  it('stores the documents of several rows in one statement, skipping a row a worker holds instead of waiting for it', async () => {
    const writer = new InboxWriter(db.prisma);
    const [free, held] = await Promise.all([writer.record(note('doc-free')), writer.record(note('doc-held'))]);
    const worker = new pg.Client({ connectionString: db.url });
    await worker.connect();
    try {
      await worker.query('BEGIN');
      await worker.query('SELECT 1 FROM events WHERE seq = $1 FOR UPDATE', [String(held!.event.seq)]);
      await Promise.all([
        writer.storeDocument(free!.event.seq, assignment('acct-free'), { queued: true }),
        writer.storeDocument(held!.event.seq, assignment('acct-held'), { queued: true }),
        writer.record(note('doc-beside-held')), // in the same statement
      ]); // would hang until the worker commits without SKIP LOCKED
      const rows = await db.prisma.event.findMany({
        where: { token: { in: ['doc-free', 'doc-held', 'doc-beside-held'] } },
        orderBy: { seq: 'asc' },
      });
      expect(rows.map((r) => [r.token, r.status, r.type, r.accountId])).toEqual([
        ['doc-free', 'queued', 'USER_ASSIGNMENT', 'acct-free'],
        ['doc-held', 'received', null, null],
        ['doc-beside-held', 'received', null, null],
      ]);
    } finally {
      await worker.query('ROLLBACK');
      await worker.end();
    }
  });

  it('records notifications and stores the documents fetched meanwhile in one statement', async () => {
    // The statements the writer sends, counted on the pool it is given (PostgreSQL runs them as usual).
    const database: Database = createDatabase(db.url, { poolSize: 2 });
    const sent: string[] = [];
    const query = database.pool.query.bind(database.pool) as (...args: unknown[]) => unknown;
    (database.pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      sent.push(String((args[0] as { text?: string }).text ?? args[0]));
      return query(...args);
    };
    try {
      const writer = new InboxWriter(database);
      const [first, second] = await Promise.all([writer.record(note('along-1')), writer.record(note('along-2'))]);
      expect(sent).toHaveLength(1);
      const [third, fourth] = await Promise.all([
        writer.storeDocument(first!.event.seq, assignment('acct-along-1'), { queued: true }),
        writer.storeDocument(second!.event.seq, assignment('acct-along-2'), { queued: true }),
        writer.record(note('along-3', 'along-n3'), { queued: true }),
        writer.record(note('along-4')),
      ]).then((outcomes) => outcomes.slice(2) as Array<{ created: boolean; event: { seq: bigint } }>);
      expect(sent).toHaveLength(2);
      expect([third!.created, fourth!.created]).toEqual([true, true]);
      const rows = await db.prisma.event.findMany({
        where: { token: { in: ['along-1', 'along-2', 'along-3', 'along-4'] } },
        orderBy: { seq: 'asc' },
      });
      expect(rows.map((r) => [r.token, r.status, r.accountId])).toEqual([
        ['along-1', 'queued', 'acct-along-1'],
        ['along-2', 'queued', 'acct-along-2'],
        ['along-3', 'queued', null],
        ['along-4', 'received', null],
      ]);
      // Documents alone are one statement too.
      await writer.storeDocument(fourth!.event.seq, assignment('acct-along-4'));
      expect(sent).toHaveLength(3);
      expect((await db.prisma.event.findUniqueOrThrow({ where: { token: 'along-4' } })).accountId).toBe('acct-along-4');
    } finally {
      await database.end();
    }
  });

  it('keeps one plan per statement: PostgreSQL does not plan the batch statements again at each execution', async () => {
    const database = createDatabase(db.url, { poolSize: 1 }); // one connection: its prepared statements are the writer's
    try {
      // With a few thousand rows stored, a plan for the array lengths at hand looks cheaper than the generic one.
      await database.pool.query(`
        INSERT INTO events (token, "eventUrl", "marketplaceBaseUrl", status, "updatedAt")
        SELECT 'plan-seed-' || g, 'https://marketplace.example/api/integration/v1/events/plan-seed-' || g,
               'https://marketplace.example', 'received', now()
        FROM generate_series(1, 5000) AS g`);
      const writer = new InboxWriter(database);
      for (let round = 0; round < 12; round += 1) {
        const [a, b] = await Promise.all([
          writer.record(note(`plan-${round}-a`, `plan-n-${round}-a`)),
          writer.record(note(`plan-${round}-b`)),
        ]);
        await Promise.all([
          writer.storeDocument(a!.event.seq, assignment('acct-plan'), { queued: true }),
          writer.storeDocument(b!.event.seq, assignment('acct-plan'), { queued: true }),
        ]);
      }
      const { rows } = await database.pool.query<{ statement: string; generic_plans: string; custom_plans: string }>(
        `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'adp_sql_%'`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(2); // the notifications' INSERT, the documents' UPDATE
      for (const row of rows) {
        // PostgreSQL tries five custom plans before it compares them with the generic one.
        expect(Number(row.custom_plans)).toBeLessThanOrEqual(5);
        expect(Number(row.generic_plans)).toBeGreaterThanOrEqual(7);
      }
    } finally {
      await database.end();
    }
  });
});
