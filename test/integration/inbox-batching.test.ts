/**
 * The callback's batch writers against a real PostgreSQL: one statement for many
 * notifications, and a row held by a worker never holding up the others.
 */
import pg from 'pg';
import { DocumentWriter } from '../../src/inbox/document';
import { NonceReplayedError } from '../../src/errors/internal';
import { NotificationRecorder } from '../../src/inbox/record';
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

describe('inbox batch writers', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('records concurrent notifications in arrival order, marks them queued on request, and finds existing rows', async () => {
    const recorder = new NotificationRecorder(db.prisma);
    const existing = await recorder.record(note('batch-existing'));
    expect(existing.created).toBe(true);
    const outcomes = await Promise.all([
      recorder.record(note('batch-1', 'n-1'), { queued: true }),
      recorder.record(note('batch-2', 'n-2')),
      recorder.record(note('batch-existing')),
      recorder.record(note('batch-1')), // the same token twice in one batch
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
    const recorder = new NotificationRecorder(db.prisma);
    const inOneBatch = await Promise.allSettled([
      recorder.record(note('nonce-a', 'shared')),
      recorder.record(note('nonce-b', 'shared')),
    ]);
    expect(inOneBatch.map((s) => s.status)).toEqual(['fulfilled', 'rejected']);
    expect((inOneBatch[1] as PromiseRejectedResult).reason).toBeInstanceOf(NonceReplayedError);
    await expect(recorder.record(note('nonce-c', 'shared'))).rejects.toBeInstanceOf(NonceReplayedError);
    expect(await db.prisma.event.count({ where: { token: { in: ['nonce-b', 'nonce-c'] } } })).toBe(0);
  });

  it('spends the nonce of a repeated token inside one batch, so a replay of that request is refused', async () => {
    const recorder = new NotificationRecorder(db.prisma);
    const [first, second] = await Promise.all([
      recorder.record(note('twice', 'twice-1')),
      recorder.record(note('twice', 'twice-2')),
    ]);
    expect([first!.created, second!.created]).toEqual([true, false]);
    expect(second!.event.seq).toBe(first!.event.seq);
    expect(await db.prisma.oAuthNonce.count({ where: { nonce: { in: ['twice-1', 'twice-2'] } } })).toBe(2);
    await expect(recorder.record(note('twice', 'twice-2'))).rejects.toBeInstanceOf(NonceReplayedError);
  });

  it('fails only the notification PostgreSQL refuses, not the others batched with it', async () => {
    const recorder = new NotificationRecorder(db.prisma);
    // PostgreSQL's text cannot hold NUL; a signed nonce could carry one (percent-encoded).
    const settled = await Promise.allSettled([
      recorder.record(note('poison-ok-1', 'fine-1')),
      recorder.record(note('poison-bad', 'bad\u0000nonce')),
      recorder.record(note('poison-ok-2')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await db.prisma.event.count({ where: { token: { in: ['poison-ok-1', 'poison-ok-2'] } } })).toBe(2);
    expect(await db.prisma.event.count({ where: { token: 'poison-bad' } })).toBe(0);
  });

  it('stores the other documents when one cannot be stored (jsonb refuses \\u0000)', async () => {
    const recorder = new NotificationRecorder(db.prisma);
    const [good, bad] = await Promise.all([recorder.record(note('doc-good')), recorder.record(note('doc-bad'))]);
    const writer = new DocumentWriter(db.prisma);
    const settled = await Promise.allSettled([
      writer.store(good!.event.seq, assignment('acct-good'), { queued: true }),
      writer.store(bad!.event.seq, { ...assignment('acct-bad'), note: 'nul \u0000 inside' }, { queued: true }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected']);
    expect((await db.prisma.event.findUniqueOrThrow({ where: { token: 'doc-good' } })).status).toBe('queued');
    expect((await db.prisma.event.findUniqueOrThrow({ where: { token: 'doc-bad' } })).status).toBe('received');
  });

  it('stores the documents of several rows in one UPDATE, skipping a row a worker holds instead of waiting for it', async () => {
    const recorder = new NotificationRecorder(db.prisma);
    const [free, held] = await Promise.all([recorder.record(note('doc-free')), recorder.record(note('doc-held'))]);
    const worker = new pg.Client({ connectionString: db.url });
    await worker.connect();
    try {
      await worker.query('BEGIN');
      await worker.query('SELECT 1 FROM events WHERE seq = $1 FOR UPDATE', [String(held!.event.seq)]);
      const writer = new DocumentWriter(db.prisma);
      await Promise.all([
        writer.store(free!.event.seq, assignment('acct-free'), { queued: true }),
        writer.store(held!.event.seq, assignment('acct-held'), { queued: true }),
      ]); // would hang until the worker commits without SKIP LOCKED
      const rows = await db.prisma.event.findMany({
        where: { token: { in: ['doc-free', 'doc-held'] } },
        orderBy: { seq: 'asc' },
      });
      expect(rows.map((r) => [r.token, r.status, r.type, r.accountId])).toEqual([
        ['doc-free', 'queued', 'USER_ASSIGNMENT', 'acct-free'],
        ['doc-held', 'received', null, null],
      ]);
    } finally {
      await worker.query('ROLLBACK');
      await worker.end();
    }
  });
});
